package activities

import (
	"context"
	"errors"
	"fmt"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// Syncs hands objects to their own sync workflows and manages schedules; the
// implementation is syncs.Starter.
type Syncs interface {
	FeedTimeCards(ctx context.Context, accountID int64, cardIDs []int64) (string, error)
	FeedInvoice(ctx context.Context, accountID, invoiceID int64) (string, error)
	PauseSchedules(ctx context.Context, accountID int64) error
}

func timeActivityOf(op workflows.TimeActivityOp) QBOTimeActivity {
	return QBOTimeActivity{ID: op.QBOID, SyncToken: op.SyncToken, EmployeeID: op.EmployeeQBOID, CustomerID: op.CustomerQBOID,
		ItemID: op.ItemQBOID, TxnDate: op.TxnDate, Hours: op.Minutes / 60, Minutes: op.Minutes % 60, Billable: op.Billable,
		HourlyRateCents: op.HourlyRateCents, Description: op.Description}
}

// PushTimeActivities sends one fixed batch of TimeActivity writes with the batch's
// requestid: a retry after a lost response is answered by QBO's replay, never executed
// twice. Each card's link and state are stored before the activity completes; a stale
// SyncToken is re-read and Hoursync's fields re-applied; one card's failure is that
// card's alone.
func (a *Activities) PushTimeActivities(ctx context.Context, in workflows.PushTimeActivitiesInput) ([]workflows.Outcome, error) {
	if len(in.Ops) == 0 {
		return nil, nil // QBO rejects empty batches; there is nothing to send.
	}
	if len(in.Ops) > workflows.BatchSize {
		return nil, permanent(workflows.ErrTypeValidation, "a batch holds at most %d writes, got %d", workflows.BatchSize, len(in.Ops))
	}
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	writes := make([]TimeActivityWrite, len(in.Ops))
	for i, op := range in.Ops {
		writes[i] = TimeActivityWrite{Op: op.Op, TA: timeActivityOf(op)}
	}
	results, err := c.BatchTimeActivities(ctx, in.RequestID, writes)
	if err != nil {
		return nil, asTemporal("time cards", err)
	}
	if len(results) != len(in.Ops) {
		return nil, fmt.Errorf("activities: batch answered %d results for %d writes", len(results), len(in.Ops))
	}
	r := run(ctx, in.Kind)
	outcomes := make([]workflows.Outcome, 0, len(in.Ops))
	for i, op := range in.Ops {
		heartbeat(ctx, i)
		res := results[i]
		msg := ""
		if errors.Is(res.Err, ErrStale) && op.Op == workflows.OpUpdate {
			// Edited in QBO since our last sync: Hoursync owns time cards, so re-apply.
			res.TA, res.Err = a.reapplyTimeActivity(ctx, c, in.RealmID, op)
			msg = "QuickBooks had a newer copy of this time; Hoursync's values were applied on top of it."
		}
		if errors.Is(res.Err, ErrGone) && op.Op == workflows.OpDelete {
			res.Err = nil // already gone in QBO: the deletion is done
			res.TA = QBOTimeActivity{ID: op.QBOID, SyncToken: op.SyncToken}
		}
		outcome := workflows.Outcome{Object: workflows.ObjectRef{Type: store.ObjectTimeCard, ID: op.CardID}}
		if res.Err != nil {
			outcome.ErrorType, outcome.Message = failureOf(timeCardError(op, res.Err))
			if outcome.ErrorType == "" {
				// A retry of the batch would get QBO's replay of this very answer, so
				// the card fails now and the person can sync it again.
				outcome.ErrorType = "QBOError"
				outcome.Message = fmt.Sprintf("QuickBooks could not save this time (%v); sync it again, and if it keeps failing open the workflow for details.", res.Err)
			}
			if err := a.Store.RecordSyncFailure(ctx, in.AccountID, store.ObjectTimeCard, op.CardID, outcome.ErrorType, outcome.Message, r); err != nil {
				return nil, err
			}
			outcomes = append(outcomes, outcome)
			continue
		}
		if msg == "" {
			msg = map[string]string{workflows.OpCreate: "Created in QuickBooks", workflows.OpUpdate: "Updated in QuickBooks",
				workflows.OpDelete: "Deleted in QuickBooks"}[op.Op]
		}
		if err := a.Store.RecordSyncSuccess(ctx, in.AccountID, store.ObjectTimeCard, op.CardID, store.SyncSuccess{
			RealmID: in.RealmID, QBOID: res.TA.ID, SyncToken: res.TA.SyncToken, SyncedVersion: op.Version,
			Deleted: op.Op == workflows.OpDelete, Message: msg}, r); err != nil {
			return nil, err
		}
		outcome.Succeeded, outcome.Message = true, msg
		outcomes = append(outcomes, outcome)
	}
	a.logger(ctx).Info("time activities pushed", "account_id", in.AccountID, "realm_id", in.RealmID, "writes", len(in.Ops), "request_id", in.RequestID)
	return outcomes, nil
}

func (a *Activities) reapplyTimeActivity(ctx context.Context, c Company, realm string, op workflows.TimeActivityOp) (QBOTimeActivity, error) {
	current, err := c.GetTimeActivity(ctx, op.QBOID)
	if err != nil {
		return QBOTimeActivity{}, err
	}
	ta := timeActivityOf(op)
	ta.SyncToken = current.SyncToken
	return c.UpdateTimeActivity(ctx, reqID(realm, "time_card", op.CardID, op.Version, "reapply", current.SyncToken), ta)
}

// timeCardError words a card's failure for the person who logged it.
func timeCardError(op workflows.TimeActivityOp, err error) error {
	if errors.Is(err, ErrGone) {
		return permanent(workflows.ErrTypeDeletedInQBO,
			"This time's entry was deleted in QuickBooks, or its customer, service or employee was made inactive there; Hoursync does not recreate it on its own. Check QuickBooks, then sync again.")
	}
	return asTemporal(fmt.Sprintf("Time card %d", op.CardID), err)
}

// failureOf gives the type and message of a permanent error, or "" for others.
func failureOf(err error) (string, string) {
	var typ, msg string
	if ae := appError(err); ae != nil {
		typ, msg = ae.Type(), ae.Message()
	}
	return typ, msg
}

// PushInvoice creates, sparse-updates, deletes or voids the QBO Invoice with the
// invoice's requestid, and stores the link before completing. Before a create the
// invoice number is looked up, so a copy that reached QBO earlier is linked, not
// duplicated.
func (a *Activities) PushInvoice(ctx context.Context, in workflows.PushInvoiceInput) (workflows.Outcome, error) {
	op := in.Op
	outcome := workflows.Outcome{Object: workflows.ObjectRef{Type: store.ObjectInvoice, ID: op.InvoiceID}}
	r := run(ctx, workflows.KindInvoice)
	what := "Invoice " + op.DocNumber
	if op.Op == workflows.OpNone {
		outcome.Succeeded, outcome.Message = true, "Nothing to do in QuickBooks: it never reached it."
		return outcome, a.Store.RecordSyncSuccess(ctx, in.AccountID, store.ObjectInvoice, op.InvoiceID, store.SyncSuccess{
			RealmID: in.RealmID, SyncedVersion: op.Version, Message: outcome.Message}, r)
	}
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return outcome, err
	}
	inv := QBOInvoice{ID: op.QBOID, SyncToken: op.SyncToken, CustomerID: op.CustomerQBOID, DocNumber: op.DocNumber,
		TxnDate: op.TxnDate, DueDate: op.DueDate, Memo: op.Memo, LinkedTimeActivities: op.LinkedTimeActivities}
	for _, l := range op.Lines {
		inv.Lines = append(inv.Lines, QBOInvoiceLine{ItemID: l.ItemQBOID, Description: l.Description,
			QuantityMilli: l.QuantityMilli, RateCents: l.RateCents, AmountCents: l.AmountCents})
	}
	var got QBOInvoice
	msg := ""
	switch op.Op {
	case workflows.OpCreate:
		existing, found, ferr := c.FindInvoiceByDocNumber(ctx, op.DocNumber)
		if ferr != nil {
			return outcome, asTemporal(what, ferr)
		}
		if found {
			inv.ID, inv.SyncToken = existing.ID, existing.SyncToken
			got, err = c.UpdateInvoice(ctx, in.RequestID, inv)
			msg = "Linked to the QuickBooks invoice with the same number and updated"
		} else {
			got, err = c.CreateInvoice(ctx, in.RequestID, inv)
			msg = "Created in QuickBooks"
		}
	case workflows.OpUpdate:
		got, err = c.UpdateInvoice(ctx, in.RequestID, inv)
		msg = "Updated in QuickBooks"
		if errors.Is(err, ErrStale) {
			// Edited in QBO since our last sync: Hoursync owns invoices, so its
			// fields are re-applied on top of QBO's current copy.
			var current QBOInvoice
			if current, err = c.GetInvoice(ctx, op.QBOID); err == nil {
				inv.SyncToken = current.SyncToken
				got, err = c.UpdateInvoice(ctx, workflows.RequestID(in.RequestID, "reapply", current.SyncToken), inv)
				msg = "QuickBooks had a newer copy (edited there since the last sync); Hoursync's version was applied on top of it"
			}
		}
	case workflows.OpDelete:
		err = c.DeleteInvoice(ctx, in.RequestID, op.QBOID, op.SyncToken)
		got, msg = QBOInvoice{ID: op.QBOID, SyncToken: op.SyncToken}, "Deleted in QuickBooks"
		if errors.Is(err, ErrGone) {
			err, msg = nil, "Already deleted in QuickBooks"
		}
	case workflows.OpVoid:
		got, err = c.VoidInvoice(ctx, in.RequestID, op.QBOID, op.SyncToken)
		msg = "Voided in QuickBooks"
	default:
		return outcome, permanent(workflows.ErrTypeValidation, "unknown invoice operation %q", op.Op)
	}
	if err != nil {
		if errors.Is(err, ErrGone) {
			err = permanent(workflows.ErrTypeDeletedInQBO, "%s was deleted in QuickBooks, or its customer or a service was made inactive there; Hoursync does not recreate it on its own", what)
		}
		perm := asTemporal(what, err)
		if typ, m := failureOf(perm); typ != "" {
			outcome.ErrorType, outcome.Message = typ, m
			return outcome, a.Store.RecordSyncFailure(ctx, in.AccountID, store.ObjectInvoice, op.InvoiceID, typ, m, r)
		}
		return outcome, perm
	}
	outcome.Succeeded, outcome.Message = true, msg
	return outcome, a.Store.RecordSyncSuccess(ctx, in.AccountID, store.ObjectInvoice, op.InvoiceID, store.SyncSuccess{
		RealmID: in.RealmID, QBOID: got.ID, SyncToken: got.SyncToken, SyncedVersion: op.Version,
		Deleted: op.Op == workflows.OpDelete, Message: msg}, r)
}

// FeedSyncs hands changed time cards and invoices to their own sync workflows.
func (a *Activities) FeedSyncs(ctx context.Context, in workflows.FeedInput) (workflows.FeedResult, error) {
	var res workflows.FeedResult
	if len(in.TimeCards) > 0 {
		id, err := a.Syncs.FeedTimeCards(ctx, in.AccountID, in.TimeCards)
		if err != nil {
			return res, err
		}
		res.WorkflowIDs = append(res.WorkflowIDs, id)
	}
	for _, inv := range in.Invoices {
		id, err := a.Syncs.FeedInvoice(ctx, in.AccountID, inv)
		if err != nil {
			return res, err
		}
		res.WorkflowIDs = append(res.WorkflowIDs, id)
	}
	return res, nil
}

// RefreshTokens refreshes the connection's tokens now.
func (a *Activities) RefreshTokens(ctx context.Context, in workflows.AccountInput) (string, error) {
	if err := a.QBO.RefreshTokens(ctx, in.AccountID); err != nil {
		return "", asTemporal("QuickBooks connection", err)
	}
	return "QuickBooks tokens refreshed", nil
}

// DisconnectQBO revokes the grant at Intuit and deletes the tokens; links stay.
func (a *Activities) DisconnectQBO(ctx context.Context, in workflows.AccountInput) error {
	return asTemporal("QuickBooks connection", a.QBO.Disconnect(ctx, in.AccountID))
}

// PauseSchedules pauses the account's re-sync and keep-alive schedules.
func (a *Activities) PauseSchedules(ctx context.Context, in workflows.AccountInput) error {
	return a.Syncs.PauseSchedules(ctx, in.AccountID)
}
