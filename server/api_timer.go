package server

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
)

// The JSON API of the running timer (timer.go): GET, POST (start), POST /stop and
// DELETE (discard) of /api/v1/timer. ?user_id= lets an admin act on someone's timer.

func (s *Server) getTimer(c *gin.Context) {
	userID, err := queryID(c, "user_id")
	if err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.app.CurrentTimer(c.Request.Context(), actorOf(c), userID)
	switch {
	case err != nil:
		s.fail(c, err)
	case t == nil:
		c.Status(http.StatusNoContent)
	default:
		c.JSON(http.StatusOK, t)
	}
}

func (s *Server) startTimer(c *gin.Context) {
	var in timerStartInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.app.StartTimer(c.Request.Context(), actorOf(c), in)
	s.timerAnswer(c, http.StatusCreated, out, err)
}

func (s *Server) stopTimer(c *gin.Context) {
	userID, err := queryID(c, "user_id")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in timerStopInput
	// The body is optional: a plain stop sends none.
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &in); err != nil {
			s.fail(c, err)
			return
		}
	}
	tc, err := s.app.StopTimer(c.Request.Context(), actorOf(c), userID, in)
	s.timerAnswer(c, http.StatusCreated, tc, err)
}

func (s *Server) discardTimer(c *gin.Context) {
	userID, err := queryID(c, "user_id")
	if err != nil {
		s.fail(c, err)
		return
	}
	s.noContent(c, s.app.DiscardTimer(c.Request.Context(), actorOf(c), userID, 0))
}

// timerAnswer is answer, with the facts of a stop that needs confirmation in its error
// body (how long it ran, past midnight, over 12 hours, what confirm would save).
func (s *Server) timerAnswer(c *gin.Context, status int, v any, err error) {
	var ce *timerConfirmError
	if errors.As(err, &ce) {
		c.AbortWithStatusJSON(ce.Status, gin.H{"error": ce.body()})
		return
	}
	s.answer(c, status, v, err)
}
