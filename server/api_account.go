package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The JSON API of the account: each handler decodes, calls its use case (account.go)
// and encodes.

func (s *Server) getSettings(c *gin.Context) {
	a, err := s.app.Settings(c.Request.Context(), actorOf(c))
	s.answer(c, http.StatusOK, a, err)
}

func (s *Server) updateSettings(c *gin.Context) { jsonCall(s, c, http.StatusOK, s.app.UpdateSettings) }

// deleteAccount deletes the account and signs its owner out of this browser.
func (s *Server) deleteAccount(c *gin.Context) {
	var in deleteAccountInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.app.DeleteAccount(c.Request.Context(), actorOf(c), in); err != nil {
		s.fail(c, err)
		return
	}
	s.clearCookie(c, sessionCookie)
	c.Status(http.StatusNoContent)
}

func (s *Server) devOutbox(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	list, err := s.app.Outbox(c.Request.Context(), actorOf(c), p)
	s.answer(c, http.StatusOK, list, err)
}
