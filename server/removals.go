package server

import (
	"context"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
)

// Deleting or voiding an object QuickBooks already has goes to QuickBooks at once: right
// after the store call it is handed to the account's sync, instead of waiting for the
// next scheduled re-sync (which may be off). The JSON API and the web forms both call
// the functions here. If the sync cannot be started, the delete or void is still done
// here and stays pending: the answer says so and what will send it.

// pushJSON says what became of a delete or void that QuickBooks still has to hear of.
type pushJSON struct {
	// Queued means a sync took it just now; otherwise Message says what will send it.
	Queued      bool   `json:"queued"`
	WorkflowID  string `json:"workflow_id,omitempty"`
	RunID       string `json:"run_id,omitempty"`
	SelectionID string `json:"selection_id,omitempty"`
	WorkflowURL string `json:"workflow_url,omitempty"`
	Message     string `json:"message"`
}

// What a person is told about a delete or void QuickBooks has still to hear of.
const (
	msgPushQueued       = "QuickBooks is being updated now."
	msgPushNotConnected = "QuickBooks is not connected, so the change goes there with the first re-sync after you connect again."
	msgPushCardsLater   = `QuickBooks could not be reached just now, so the change waits for "Re-sync changed and failed" on the timesheet or the next scheduled re-sync.`
	msgPushVoidLater    = `QuickBooks could not be reached just now, so the change waits for "Re-sync with QuickBooks" on the invoice or the next scheduled re-sync.`
	msgPushDeleteLater  = "QuickBooks could not be reached just now, so the change waits for the next scheduled re-sync."
)

// pushTimeout bounds starting the sync. The delete or void is committed by then, so the
// start does not follow the request's context: a browser leaving the page must not
// leave it pending.
const pushTimeout = 10 * time.Second

// push hands a delete or void to the account's sync when the account is connected;
// later is what sends it when the sync cannot be started.
func (s *Server) push(c *gin.Context, later string, start func(ctx context.Context, accountID int64) (syncs.Started, error)) *pushJSON {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), pushTimeout)
	defer cancel()
	accountID := mustAuth(c).AccountID
	connected, err := s.store.HasConnection(ctx, accountID)
	switch {
	case err != nil:
		s.log.WarnContext(ctx, "delete or void not sent to QuickBooks", "request_id", requestID(c), "err", err)
		return &pushJSON{Message: later}
	case !connected:
		return &pushJSON{Message: msgPushNotConnected}
	case s.syncer == nil:
		return &pushJSON{Message: later}
	}
	st, err := start(ctx, accountID)
	if err != nil {
		s.log.WarnContext(ctx, "delete or void not sent to QuickBooks", "request_id", requestID(c), "err", err)
		return &pushJSON{Message: later}
	}
	return &pushJSON{Queued: true, WorkflowID: st.WorkflowID, RunID: st.RunID, SelectionID: st.SelectionID,
		WorkflowURL: s.runURL(st.WorkflowID, st.RunID), Message: msgPushQueued}
}

// deleteCardsAndPush deletes the cards (each one the signed-in person may see) and
// hands those QuickBooks has to the account's time-card sync as one selection. It stops
// at the first card it cannot delete; the ones deleted before it are sent all the same.
func (s *Server) deleteCardsAndPush(c *gin.Context, ids []int64) (deletedJSON, error) {
	var out deletedJSON
	var pending []int64
	var failed error
	for _, id := range ids {
		if _, err := s.ownCard(c, id); err != nil {
			failed = err
			break
		}
		p, err := s.store.DeleteTimeCard(c.Request.Context(), mustAuth(c).AccountID, id)
		if err != nil {
			failed = err
			break
		}
		out.Deleted = true
		if p {
			pending = append(pending, id)
		}
	}
	if len(pending) > 0 {
		out.PendingQuickBooksDelete = true
		out.QuickBooks = s.push(c, msgPushCardsLater, func(ctx context.Context, accountID int64) (syncs.Started, error) {
			return s.syncer.SyncTimeCards(ctx, accountID, pending)
		})
	}
	return out, failed
}

// deleteInvoiceAndPush deletes an invoice and, when QuickBooks has it, hands its
// deletion to its sync.
func (s *Server) deleteInvoiceAndPush(c *gin.Context, id int64) (deletedJSON, error) {
	pending, err := s.store.DeleteInvoice(c.Request.Context(), mustAuth(c).AccountID, id)
	if err != nil {
		return deletedJSON{}, err
	}
	out := deletedJSON{Deleted: true, PendingQuickBooksDelete: pending}
	if pending {
		out.QuickBooks = s.pushInvoice(c, id, msgPushDeleteLater)
	}
	return out, nil
}

// voidInvoiceAndPush voids an invoice and, when QuickBooks has it and has not heard of
// the void yet, hands the void to its sync. The push is nil when QuickBooks has nothing
// to hear (never synced, or voided there already).
func (s *Server) voidInvoiceAndPush(c *gin.Context, id int64) (store.Invoice, *pushJSON, error) {
	ctx := c.Request.Context()
	accountID := mustAuth(c).AccountID
	inv, err := s.store.VoidInvoice(ctx, accountID, id)
	if err != nil {
		return store.Invoice{}, nil, err
	}
	if inv.SyncStatus != store.StatusChanged && inv.SyncStatus != store.StatusFailed {
		return inv, nil, nil
	}
	inQBO, err := s.store.InQuickBooks(ctx, accountID, store.ObjectInvoice, id)
	if err != nil {
		return inv, nil, err
	}
	if !inQBO {
		return inv, nil, nil
	}
	p := s.pushInvoice(c, id, msgPushVoidLater)
	if p.Queued {
		// The answer shows the invoice as it is now: syncing.
		if now, err := s.store.GetInvoice(ctx, accountID, id); err == nil {
			inv = now
		}
	}
	return inv, p, nil
}

func (s *Server) pushInvoice(c *gin.Context, id int64, later string) *pushJSON {
	return s.push(c, later, func(ctx context.Context, accountID int64) (syncs.Started, error) {
		return s.syncer.SyncInvoice(ctx, accountID, id)
	})
}

// pushNote is what a flash adds about QuickBooks after a delete or void ("" when
// QuickBooks had nothing to hear).
func pushNote(p *pushJSON) string {
	if p == nil {
		return ""
	}
	return " " + p.Message
}

// pushFollow is the query that makes the next page follow the sync a delete or void
// started ("" when none started); sep joins it to the page's path.
func pushFollow(sep string, p *pushJSON) string {
	if p == nil || !p.Queued {
		return ""
	}
	q := sep + "workflow_id=" + url.QueryEscape(p.WorkflowID)
	if p.SelectionID != "" {
		q += "&selection_id=" + url.QueryEscape(p.SelectionID)
	}
	return q
}
