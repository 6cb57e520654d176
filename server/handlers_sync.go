package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/workflows"
)

// startedJSON answers a sync action: the workflow to watch and where to inspect it.
type startedJSON struct {
	WorkflowID  string `json:"workflow_id"`
	RunID       string `json:"run_id"`
	SelectionID string `json:"selection_id,omitempty"`
	WorkflowURL string `json:"workflow_url"`
}

func (s *Server) started(c *gin.Context, st syncs.Started) {
	c.Set(ctxWorkflowID, st.WorkflowID)
	c.JSON(http.StatusAccepted, startedJSON{WorkflowID: st.WorkflowID, RunID: st.RunID, SelectionID: st.SelectionID, WorkflowURL: s.runURL(st.WorkflowID, st.RunID)})
}

// requireConnected answers 409 with the next step when the account has no usable
// QBO connection, instead of starting a workflow that can only fail.
func (s *Server) requireConnected(c *gin.Context) bool {
	connected, err := s.store.HasConnection(c.Request.Context(), mustAuth(c).AccountID)
	switch {
	case err != nil:
		s.fail(c, err)
		return false
	case !connected:
		s.fail(c, &apiError{Status: http.StatusConflict, Code: codeConflict, Message: workflows.MsgNotConnected})
		return false
	}
	if s.syncer == nil {
		s.fail(c, errNoSyncer)
		return false
	}
	return true
}

type syncTimeCardsRequest struct {
	TimeCardIDs []int64 `json:"time_card_ids" openapi:"required"`
}

// syncTimeCards feeds the selected cards (including deleted ones whose deletion has
// to reach QBO) to the account's time-card sync. Members may sync only their own.
func (s *Server) syncTimeCards(c *gin.Context) {
	var r syncTimeCardsRequest
	if err := decodeJSON(c, &r); err != nil {
		s.fail(c, err)
		return
	}
	ids, err := checkIDs("time_card_ids", r.TimeCardIDs, "time card")
	if err != nil {
		s.fail(c, err)
		return
	}
	a := mustAuth(c)
	ctx := c.Request.Context()
	cards, err := s.store.GetTimeCardsForSync(ctx, a.AccountID, ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	visible := 0
	for _, tc := range cards {
		if a.User.IsAdmin() || tc.UserID == a.User.ID {
			visible++
		}
	}
	if visible != len(ids) {
		s.fail(c, notFound("time_card_ids", "time card"))
		return
	}
	if !s.requireConnected(c) {
		return
	}
	st, err := s.syncer.SyncTimeCards(ctx, a.AccountID, ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.started(c, st)
}

func (s *Server) syncInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	a := mustAuth(c)
	ctx := c.Request.Context()
	if _, err := s.store.GetInvoiceForSync(ctx, a.AccountID, id); err != nil {
		s.fail(c, err)
		return
	}
	if !s.requireConnected(c) {
		return
	}
	st, err := s.syncer.SyncInvoice(ctx, a.AccountID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.started(c, st)
}

// resyncCustomers re-imports customers, services and income accounts from QBO and
// pushes local edits of them.
func (s *Server) resyncCustomers(c *gin.Context) {
	if !s.requireConnected(c) {
		return
	}
	st, err := s.syncer.Resync(c.Request.Context(), mustAuth(c).AccountID, workflows.ScopeCustomers)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.started(c, st)
}

// workflowAccount reads the account id a workflow id carries ("kind/<account>/...");
// every Hoursync workflow id names its account second.
func workflowAccount(workflowID string) (int64, bool) {
	parts := strings.Split(workflowID, "/")
	if len(parts) < 2 {
		return 0, false
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	return id, err == nil
}

// syncProgress answers a workflow's status and progress; another account's workflow
// answers 404.
func (s *Server) syncProgress(c *gin.Context) {
	wf := c.Query("workflow_id")
	if owner, ok := workflowAccount(wf); !ok || owner != mustAuth(c).AccountID {
		s.fail(c, notFound("workflow_id", "workflow"))
		return
	}
	if s.syncer == nil {
		s.fail(c, errNoSyncer)
		return
	}
	// Without a worker the progress query waits for one; a poll must answer quickly.
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	st, err := s.syncer.Progress(ctx, wf, c.Query("selection_id"))
	if err != nil {
		switch {
		case errors.Is(err, syncs.ErrUnknownWorkflow):
			err = notFound("workflow_id", "workflow")
		case errors.Is(err, syncs.ErrUnavailable), errors.Is(ctx.Err(), context.DeadlineExceeded):
			err = errSyncPaused
		}
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"workflow_id": st.WorkflowID, "running": st.Running, "status": st.Status,
		"progress": st.Progress, "workflow_url": s.workflowURL(wf)})
}

type syncStateJSON struct {
	ObjectType   string     `json:"object_type"`
	ObjectID     int64      `json:"object_id"`
	Status       string     `json:"status"`
	Message      string     `json:"message"`
	ErrorCode    string     `json:"error_code"`
	WorkflowID   string     `json:"workflow_id"`
	RunID        string     `json:"run_id"`
	WorkflowURL  string     `json:"workflow_url"`
	LastSyncedAt *time.Time `json:"last_synced_at"`
	QBOID        string     `json:"qbo_id"`
	SyncToken    string     `json:"sync_token"`
	RealmID      string     `json:"realm_id"`
	Synced       int64      `json:"synced_version"`
}

// historyJSON is one sync attempt; WorkflowURL opens the run that made it.
type historyJSON struct {
	store.SyncHistoryEntry
	WorkflowURL string `json:"workflow_url"`
}

func (s *Server) historyBody(entries []store.SyncHistoryEntry) []historyJSON {
	out := make([]historyJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, historyJSON{SyncHistoryEntry: e, WorkflowURL: s.runURL(e.WorkflowID, e.RunID)})
	}
	return out
}

// checkObject answers whether the object exists in the account (and, for a member's
// time card, is theirs).
func (s *Server) checkObject(c *gin.Context, objectType string, id int64) error {
	a := mustAuth(c)
	ctx := c.Request.Context()
	var err error
	switch objectType {
	case store.ObjectUser:
		_, err = s.store.GetUser(ctx, a.AccountID, id)
	case store.ObjectCustomer:
		_, err = s.store.GetCustomer(ctx, a.AccountID, id)
	case store.ObjectService:
		_, err = s.store.GetService(ctx, a.AccountID, id)
	case store.ObjectInvoice:
		_, err = s.store.GetInvoiceForSync(ctx, a.AccountID, id)
	case store.ObjectTimeCard:
		var cards []store.TimeCard
		cards, err = s.store.GetTimeCardsForSync(ctx, a.AccountID, []int64{id})
		if err == nil && (len(cards) == 0 || (!a.User.IsAdmin() && cards[0].UserID != a.User.ID)) {
			err = store.ErrNotFound
		}
	default:
		return errNotFound
	}
	return err
}

// syncState answers an object's sync state, its QBO link and its history of attempts,
// each with a link to the workflow in the Temporal UI.
func (s *Server) syncState(c *gin.Context) {
	objectType := c.Param("type")
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	if err := s.checkObject(c, objectType, id); err != nil {
		s.fail(c, err)
		return
	}
	p, ok := s.page(c)
	if !ok {
		return
	}
	a := mustAuth(c)
	ctx := c.Request.Context()
	st, err := s.store.GetSyncState(ctx, a.AccountID, objectType, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := syncStateJSON{ObjectType: objectType, ObjectID: id, Status: st.Status, Message: st.Message, ErrorCode: st.ErrorCode,
		WorkflowID: st.WorkflowID, RunID: st.RunID, WorkflowURL: s.runURL(st.WorkflowID, st.RunID)}
	if st.LastSyncedAt.Valid {
		out.LastSyncedAt = &st.LastSyncedAt.Time
	}
	if conn, err := s.store.GetConnectionStatus(ctx, a.AccountID); err == nil {
		if l, err := s.store.GetLink(ctx, a.AccountID, conn.RealmID, objectType, id); err == nil {
			out.QBOID, out.SyncToken, out.RealmID, out.Synced = l.QBOID, l.SyncToken, l.RealmID, l.SyncedVersion
		}
	}
	hist, err := s.store.ListSyncHistory(ctx, a.AccountID, objectType, id, p.store())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"state": out, "history": paged(p, s.historyBody(hist))})
}

// syncActivity lists the account's recent sync attempts across all objects.
func (s *Server) syncActivity(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	hist, err := s.store.ListSyncHistory(c.Request.Context(), mustAuth(c).AccountID, "", 0, p.store())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, paged(p, s.historyBody(hist)))
}
