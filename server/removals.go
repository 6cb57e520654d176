package server

import (
	"context"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
)

// Deleting or voiding an object QuickBooks already has goes to QuickBooks at once: right
// after the store call it is handed to the account's sync, instead of waiting for the
// next scheduled re-sync (which may be off). The JSON API and the web forms both call
// the functions here. If the sync cannot be started, the delete or void is still done
// here and stays pending: the answer says so and what will send it.

// DeleteTimeCards deletes the cards (each one the actor may see) and hands those
// QuickBooks has to the account's time-card sync as one selection. It stops at the
// first card it cannot delete; the ones deleted before it are sent all the same.
func (a *app) DeleteTimeCards(ctx context.Context, by actor, ids []int64) (deletedJSON, error) {
	var out deletedJSON
	var pending []int64
	var failed error
	for _, id := range ids {
		if _, err := a.ownCard(ctx, by, id); err != nil {
			failed = err
			break
		}
		p, err := a.store.DeleteTimeCard(ctx, by.AccountID, id)
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
		out.QuickBooks = a.push(ctx, by, msgPushCardsLater, func(ctx context.Context, accountID int64) (syncs.Started, error) {
			return a.syncer.SyncTimeCards(ctx, accountID, pending)
		})
	}
	return out, failed
}

// DeleteInvoice deletes an invoice (its time cards are unbilled again) and, when
// QuickBooks has it, hands its deletion to its sync.
func (a *app) DeleteInvoice(ctx context.Context, by actor, id int64) (deletedJSON, error) {
	if err := requireAdmin(by); err != nil {
		return deletedJSON{}, err
	}
	if err := a.refuseIfPaid(ctx, by, id, "deleted"); err != nil {
		return deletedJSON{}, err
	}
	pending, err := a.store.DeleteInvoice(ctx, by.AccountID, id)
	if err != nil {
		return deletedJSON{}, err
	}
	out := deletedJSON{Deleted: true, PendingQuickBooksDelete: pending}
	if pending {
		out.QuickBooks = a.pushInvoice(ctx, by, id, msgPushDeleteLater)
	}
	return out, nil
}

// VoidInvoice voids an invoice (its time cards are unbilled again) and, when
// QuickBooks has it and has not heard of the void yet, hands the void to its sync.
// The answer's QuickBooks is nil when QuickBooks has nothing to hear (never synced,
// or voided there already).
func (a *app) VoidInvoice(ctx context.Context, by actor, id int64) (invoiceJSON, error) {
	if err := requireAdmin(by); err != nil {
		return invoiceJSON{}, err
	}
	if err := a.refuseIfPaid(ctx, by, id, "voided"); err != nil {
		return invoiceJSON{}, err
	}
	inv, pushed, err := a.voidAndPush(ctx, by, id)
	if err != nil {
		return invoiceJSON{}, err
	}
	out, err := a.invoiceBody(ctx, inv)
	out.QuickBooks = pushed
	return out, err
}

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
func (a *app) push(ctx context.Context, by actor, later string, start func(ctx context.Context, accountID int64) (syncs.Started, error)) *pushJSON {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pushTimeout)
	defer cancel()
	connected, err := a.store.HasConnection(ctx, by.AccountID)
	switch {
	case err != nil:
		a.log.WarnContext(ctx, "delete or void not sent to QuickBooks", "request_id", requestIDOf(ctx), "err", err)
		return &pushJSON{Message: later}
	case !connected:
		return &pushJSON{Message: msgPushNotConnected}
	case a.syncer == nil:
		return &pushJSON{Message: later}
	}
	st, err := start(ctx, by.AccountID)
	if err != nil {
		a.log.WarnContext(ctx, "delete or void not sent to QuickBooks", "request_id", requestIDOf(ctx), "err", err)
		return &pushJSON{Message: later}
	}
	return &pushJSON{Queued: true, WorkflowID: st.WorkflowID, RunID: st.RunID, SelectionID: st.SelectionID,
		WorkflowURL: a.runURL(st.WorkflowID, st.RunID), Message: msgPushQueued}
}

// voidAndPush voids the invoice and pushes the void when QuickBooks has to hear of it.
func (a *app) voidAndPush(ctx context.Context, by actor, id int64) (store.Invoice, *pushJSON, error) {
	inv, err := a.store.VoidInvoice(ctx, by.AccountID, id)
	if err != nil {
		return store.Invoice{}, nil, err
	}
	if inv.SyncStatus != store.StatusChanged && inv.SyncStatus != store.StatusFailed {
		return inv, nil, nil
	}
	inQBO, err := a.store.InQuickBooks(ctx, by.AccountID, store.ObjectInvoice, id)
	if err != nil {
		return inv, nil, err
	}
	if !inQBO {
		return inv, nil, nil
	}
	p := a.pushInvoice(ctx, by, id, msgPushVoidLater)
	if p.Queued {
		// The answer shows the invoice as it is now: syncing.
		if now, err := a.store.GetInvoice(ctx, by.AccountID, id); err == nil {
			inv = now
		}
	}
	return inv, p, nil
}

func (a *app) pushInvoice(ctx context.Context, by actor, id int64, later string) *pushJSON {
	return a.push(ctx, by, later, func(ctx context.Context, accountID int64) (syncs.Started, error) {
		return a.syncer.SyncInvoice(ctx, accountID, id)
	})
}
