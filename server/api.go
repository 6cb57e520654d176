package server

import (
	"context"
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

// The adapters below are the shapes of a JSON handler: each reads what its use case
// takes (the body, the path's :id, the list window), calls it for the signed-in actor
// and answers its result with status, or its error.

// jsonCall decodes the body into the use case's input.
func jsonCall[In, Out any](s *Server, c *gin.Context, status int, use func(context.Context, actor, In) (Out, error)) {
	var in In
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := use(c.Request.Context(), actorOf(c), in)
	s.answer(c, status, out, err)
}

// idCall passes the path's :id.
func idCall[Out any](s *Server, c *gin.Context, use func(context.Context, actor, int64) (Out, error)) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	out, err := use(c.Request.Context(), actorOf(c), id)
	s.answer(c, http.StatusOK, out, err)
}

// idJSONCall passes the path's :id and the decoded body.
func idJSONCall[In, Out any](s *Server, c *gin.Context, use func(context.Context, actor, int64, In) (Out, error)) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	var in In
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := use(c.Request.Context(), actorOf(c), id, in)
	s.answer(c, http.StatusOK, out, err)
}

// searchCall passes ?q= and the list window.
func searchCall[Out any](s *Server, c *gin.Context, use func(context.Context, actor, string, page) (Out, error)) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	out, err := use(c.Request.Context(), actorOf(c), c.Query("q"), p)
	s.answer(c, http.StatusOK, out, err)
}

// itemsCall answers a whole (unpaged) list as {"items": […]}.
func itemsCall[T any](s *Server, c *gin.Context, use func(context.Context, actor) ([]T, error)) {
	items, err := use(c.Request.Context(), actorOf(c))
	s.answer(c, http.StatusOK, itemsJSON[T]{Items: items}, err)
}

// idDone passes the path's :id to a use case that answers nothing: 204.
func idDone(s *Server, c *gin.Context, use func(context.Context, actor, int64) error) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	s.noContent(c, use(c.Request.Context(), actorOf(c), id))
}

// idStart passes the path's :id to a use case that starts a sync.
func idStart(s *Server, c *gin.Context, use func(context.Context, actor, int64) (syncs.Started, error)) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	st, err := use(c.Request.Context(), actorOf(c), id)
	s.started(c, st, err)
}
