package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
)

// Deleting or voiding an object QuickBooks already has goes to QuickBooks at once: right
// after the store call it is handed to the account's sync, instead of waiting for the
// next scheduled re-sync (which may be off). The JSON API and the web forms both call
// the functions here. If the sync cannot be started, the delete or void is still done
// here and stays pending: the answer says so and what will send it.
//
// Time cards are the exception by a few seconds: a delete of time can be undone for
// the undo window ("Deleted 3 time entries — Undo"), so QuickBooks hears of it only
// when the window ends. The deleted cards carry the end of their window
// (time_cards.undo_until); a timer in this process hands the account's due deletions to
// its time-card sync right after it (sendDueDeletes), and should this process stop
// first, the sweep of any server does (syncs.Sweeper). Claiming a due deletion clears
// the mark under the card's row lock, so it is handed over once, and an undo either
// wins that lock first (nothing is sent) or comes too late (and says so).

// defaultUndoWindow is how long a delete of time can be undone.
const defaultUndoWindow = 10 * time.Second

// undoMargin lets the database's clock pass the end of the window before the timer
// claims what is due.
const undoMargin = 200 * time.Millisecond

func (a *app) undoFor() time.Duration {
	if a.undoWindow > 0 {
		return a.undoWindow
	}
	return defaultUndoWindow
}

// editor is the actor as the store's changes of many cards see it: a member changes
// only their own time and not in approved weeks.
func editor(by actor) store.CardEditor {
	if by.admin() {
		return store.CardEditor{EditApproved: true}
	}
	return store.CardEditor{OnlyUserID: by.User.ID}
}

// DeleteTimeCards deletes the cards (each one the actor may see) in one transaction,
// all or none; a card that cannot be deleted refuses the request, named. They can be
// restored until the answer's UndoUntil; then the ones QuickBooks has are handed to
// the account's time-card sync as one selection.
func (a *app) DeleteTimeCards(ctx context.Context, by actor, ids []int64) (deletedJSON, error) {
	ids, err := checkIDs("ids", ids, "time card")
	if err != nil {
		return deletedJSON{}, err
	}
	del, err := a.store.DeleteTimeCards(ctx, by.AccountID, ids, editor(by), a.undoFor())
	if err != nil {
		return deletedJSON{}, a.refusal(ctx, by, err)
	}
	out := deletedJSON{Deleted: true, IDs: del.IDs, UndoUntil: &del.UndoUntil}
	if len(del.InQBO) > 0 {
		out.PendingQuickBooksDelete = true
		out.QuickBooks = a.pushAfterUndo(ctx, by.AccountID, del.UndoUntil)
		accountID := by.AccountID
		time.AfterFunc(a.undoFor()+undoMargin, func() { a.sendDueDeletes(accountID) })
	}
	return out, nil
}

// RestoreTimeCards undoes a delete of time within its window, all or none: the cards
// are back as they were, and QuickBooks hears of nothing.
func (a *app) RestoreTimeCards(ctx context.Context, by actor, ids []int64) ([]timeCardJSON, error) {
	ids, err := checkIDs("ids", ids, "time card")
	if err != nil {
		return nil, err
	}
	cards, err := a.store.RestoreTimeCards(ctx, by.AccountID, ids, editor(by))
	if err != nil {
		return nil, a.refusal(ctx, by, err)
	}
	out := make([]timeCardJSON, 0, len(cards))
	for _, tc := range cards {
		out = append(out, toTimeCardJSON(tc))
	}
	return out, a.addCardErrorCodes(ctx, by.AccountID, out)
}

// restorable lists which of these deleted cards the actor can still restore, and
// when the last window ends.
func (a *app) restorable(ctx context.Context, by actor, ids []int64) ([]timeCardJSON, time.Time, error) {
	var only int64
	if !by.admin() {
		only = by.User.ID
	}
	cards, err := a.store.RestorableTimeCards(ctx, by.AccountID, only, ids)
	if err != nil {
		return nil, time.Time{}, err
	}
	var until time.Time
	out := make([]timeCardJSON, 0, len(cards))
	for _, tc := range cards {
		out = append(out, toTimeCardJSON(tc))
		if tc.UndoUntil.Time.After(until) {
			until = tc.UndoUntil.Time
		}
	}
	return out, until, nil
}

// refusal names the card a change of many cards was refused for: "Dana Lee · Mon 14
// Dec · Acme — Design 1:30: this time is billed on invoice 1004…". A card the actor
// may not see is not found, unnamed.
func (a *app) refusal(ctx context.Context, by actor, err error) error {
	var r *store.TimeCardRefusal
	if !errors.As(err, &r) {
		return err
	}
	if errors.Is(r.Err, store.ErrNotFound) {
		return notFound("ids", "time card")
	}
	name, nerr := a.recordName(ctx, by.AccountID, store.ObjectTimeCard, r.CardID)
	if nerr != nil {
		return err
	}
	var locked *store.WeekLockedError
	var conflict *store.ConflictError
	switch {
	case errors.As(r.Err, &locked):
		ae := weekLocked(locked)
		ae.Message = name + ": " + ae.Message
		return ae
	case errors.As(r.Err, &conflict):
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Field: "ids", Message: name + ": " + conflict.Reason}
	}
	return err
}

// pushAfterUndo says when QuickBooks hears of a delete of time it has.
func (a *app) pushAfterUndo(ctx context.Context, accountID int64, until time.Time) *pushJSON {
	connected, err := a.store.HasConnection(ctx, accountID)
	switch {
	case err != nil:
		a.log.WarnContext(ctx, "delete of time: connection unknown", "request_id", requestIDOf(ctx), "err", err)
	case !connected:
		return &pushJSON{Message: msgPushNotConnected}
	}
	return &pushJSON{SendsAt: &until, Message: fmt.Sprintf(msgPushAfterUndo, int(a.undoFor().Round(time.Second)/time.Second))}
}

// sendDueDeletes hands the account's deletions of time whose undo window is over to
// its time-card sync. One the sync cannot take now stays pending: "Re-sync changed
// and failed" or the scheduled re-sync sends it.
func (a *app) sendDueDeletes(accountID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), pushTimeout)
	defer cancel()
	due, err := a.store.ClaimDueTimeCardDeletes(ctx, accountID)
	if err != nil {
		a.log.WarnContext(ctx, "deletes of time not sent to QuickBooks", "account_id", accountID, "err", err)
		return
	}
	for _, d := range due {
		if !d.Connected || a.syncer == nil {
			continue
		}
		if _, err := a.syncer.SyncTimeCards(ctx, d.AccountID, d.CardIDs); err != nil {
			a.log.WarnContext(ctx, "deletes of time not sent to QuickBooks", "account_id", d.AccountID, "cards", len(d.CardIDs), "err", err)
		}
	}
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
	// SendsAt is when a delete of time goes to QuickBooks: once its undo window ends.
	SendsAt *time.Time `json:"sends_at,omitempty"`
	Message string     `json:"message"`
}

// What a person is told about a delete or void QuickBooks has still to hear of.
const (
	msgPushQueued       = "QuickBooks is being updated now."
	msgPushNotConnected = "QuickBooks is not connected, so the change goes there with the first re-sync after you connect again."
	msgPushCardsLater   = `QuickBooks could not be reached just now, so the change waits for "Re-sync changed and failed" on the timesheet or the next scheduled re-sync.`
	msgPushVoidLater    = `QuickBooks could not be reached just now, so the change waits for "Re-sync with QuickBooks" on the invoice or the next scheduled re-sync.`
	msgPushDeleteLater  = "QuickBooks could not be reached just now, so the change waits for the next scheduled re-sync."
	msgPushAfterUndo    = "It is deleted in QuickBooks in %d seconds, once the time to undo is over."
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
