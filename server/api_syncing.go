package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/workflows"
)

// The JSON API of syncs and the QuickBooks connection: each handler decodes, calls
// its use case (syncing.go, connection.go) and encodes. Starting a sync of time cards,
// an invoice or the customers is with those (api_timecards.go, …).

func (s *Server) syncProgress(c *gin.Context) {
	wf := c.Query("workflow_id")
	// Without a worker the progress query waits for one; a poll must answer quickly.
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	st, err := s.app.Progress(ctx, actorOf(c), wf, c.Query("selection_id"))
	s.answer(c, http.StatusOK, progressJSON{WorkflowID: st.WorkflowID, Running: st.Running, Status: st.Status,
		Progress: st.Progress, WorkflowURL: s.app.workflowURL(wf)}, err)
}

func (s *Server) syncState(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	p, ok := s.page(c)
	if !ok {
		return
	}
	body, err := s.app.SyncState(c.Request.Context(), actorOf(c), c.Param("type"), id, p)
	s.answer(c, http.StatusOK, body, err)
}

func (s *Server) syncActivity(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	list, err := s.app.SyncActivity(c.Request.Context(), actorOf(c), p)
	s.answer(c, http.StatusOK, list, err)
}

func (s *Server) getConnection(c *gin.Context) {
	conn, err := s.app.Connection(c.Request.Context(), actorOf(c))
	s.answer(c, http.StatusOK, conn, err)
}

// disconnect answers 204 once disconnected, 202 while Intuit is slow to answer.
func (s *Server) disconnect(c *gin.Context) {
	by := actorOf(c)
	pending, err := s.app.Disconnect(c.Request.Context(), by)
	switch {
	case err != nil:
		s.fail(c, err)
	case pending:
		c.JSON(http.StatusAccepted, disconnectingJSON{Status: "disconnecting", WorkflowID: workflows.DisconnectID(by.AccountID)})
	default:
		c.Status(http.StatusNoContent)
	}
}

// disconnectingJSON answers a disconnect that finishes in the background.
type disconnectingJSON struct {
	Status     string `json:"status"`
	WorkflowID string `json:"workflow_id"`
}
