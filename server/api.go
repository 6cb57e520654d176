package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hoursync/internal/syncs"
)

// The JSON API's handlers (api_*.go) are decode → call → encode: each decodes its
// body or query into the input of one use case (app), calls it, and answers its
// result or its error. Rules live in the use cases, which the web forms call too.

// answer writes v with status, or the API's error body for err.
func (s *Server) answer(c *gin.Context, status int, v any, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(status, v)
}

// startedJSON answers a sync action: the workflow to watch and where to inspect it.
type startedJSON struct {
	WorkflowID  string `json:"workflow_id"`
	RunID       string `json:"run_id"`
	SelectionID string `json:"selection_id,omitempty"`
	WorkflowURL string `json:"workflow_url"`
}

// started answers a sync action: 202 with the workflow, or the error.
func (s *Server) started(c *gin.Context, st syncs.Started, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(ctxWorkflowID, st.WorkflowID)
	c.JSON(http.StatusAccepted, startedJSON{WorkflowID: st.WorkflowID, RunID: st.RunID, SelectionID: st.SelectionID,
		WorkflowURL: s.app.runURL(st.WorkflowID, st.RunID)})
}

// noContent answers 204, or the error.
func (s *Server) noContent(c *gin.Context, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
