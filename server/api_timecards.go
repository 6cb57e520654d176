package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// The JSON API of time cards: each handler decodes, calls its use case
// (timecards.go, removals.go, syncing.go) and encodes.

func (s *Server) listTimeCards(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	q, err := timeCardQueryOf(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.app.ListTimeCards(c.Request.Context(), actorOf(c), q, p)
	s.answer(c, http.StatusOK, list, err)
}

// timeCardQueryOf reads the filters of a list of time cards from the query string.
func timeCardQueryOf(c *gin.Context) (timeCardQuery, error) {
	q := timeCardQuery{Week: c.Query("week"), From: c.Query("from"), To: c.Query("to"), Status: c.Query("status")}
	var err error
	if q.UserID, err = queryID(c, "user_id"); err != nil {
		return q, err
	}
	if q.CustomerID, err = queryID(c, "customer_id"); err != nil {
		return q, err
	}
	if q.ServiceID, err = queryID(c, "service_id"); err != nil {
		return q, err
	}
	if v := c.Query("billable"); v != "" {
		b, err := queryBool(c, "billable")
		if err != nil {
			return q, err
		}
		q.Billable = &b
	}
	if v := c.Query("ids"); v != "" {
		for _, part := range strings.Split(v, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || id <= 0 || len(q.IDs) >= 1000 {
				return q, invalid("ids", "ids is a comma-separated list of up to 1000 time card ids")
			}
			q.IDs = append(q.IDs, id)
		}
	}
	if q.Unbilled, err = queryBool(c, "unbilled"); err != nil {
		return q, err
	}
	q.PendingDeletes, err = queryBool(c, "pending_deletes")
	return q, err
}

func (s *Server) getTimeCard(c *gin.Context) { idCall(s, c, s.app.GetTimeCard) }

func (s *Server) createTimeCard(c *gin.Context) {
	jsonCall(s, c, http.StatusCreated, s.app.CreateTimeCard)
}

func (s *Server) updateTimeCard(c *gin.Context) { idJSONCall(s, c, s.app.UpdateTimeCard) }

func (s *Server) deleteTimeCard(c *gin.Context) {
	idCall(s, c, func(ctx context.Context, by actor, id int64) (deletedJSON, error) {
		return s.app.DeleteTimeCards(ctx, by, []int64{id})
	})
}

type syncTimeCardsInput struct {
	TimeCardIDs []int64 `json:"time_card_ids" openapi:"required"`
}

// timeCardSyncJSON answers a time-card sync: the workflow to watch, and how many of
// the selected cards were left out and why (weeks not approved while the account syncs
// only approved time).
type timeCardSyncJSON struct {
	WorkflowID  string `json:"workflow_id"`
	RunID       string `json:"run_id"`
	SelectionID string `json:"selection_id,omitempty"`
	WorkflowURL string `json:"workflow_url"`
	LeftOut     int    `json:"left_out"`
	Message     string `json:"message,omitempty"`
}

func (s *Server) syncTimeCards(c *gin.Context) {
	var in syncTimeCardsInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.app.SyncTimeCards(c.Request.Context(), actorOf(c), in.TimeCardIDs)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(ctxWorkflowID, st.WorkflowID)
	c.JSON(http.StatusAccepted, timeCardSyncJSON{WorkflowID: st.WorkflowID, RunID: st.RunID, SelectionID: st.SelectionID,
		WorkflowURL: s.app.runURL(st.WorkflowID, st.RunID), LeftOut: st.LeftOut, Message: st.Note})
}
