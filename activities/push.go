package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
		HourlyRateCents: op.HourlyRateCents, Description: op.Description, StartTime: op.StartTime, EndTime: op.EndTime,
		BreakMinutes: op.BreakMinutes, Billed: op.KeepBilled}
}

// msgUpToDate is the history entry of a synced card unchanged since its last sync.
const msgUpToDate = "Already up to date in QuickBooks"

// PushTimeActivities sends one fixed batch of TimeActivity writes with the batch's
// requestid: a retry after a lost response is answered by QBO's replay, never executed
// twice. Each card's link and state are stored before the activity completes; a stale
// SyncToken is re-read and Hoursync's fields re-applied; one card's failure is that
// card's alone. Cards already up to date (OpNone) are not sent.
func (a *Activities) PushTimeActivities(ctx context.Context, in workflows.PushTimeActivitiesInput) ([]workflows.Outcome, error) {
	if len(in.Ops) > workflows.BatchSize {
		return nil, permanent(workflows.ErrTypeValidation, "a batch holds at most %d writes, got %d", workflows.BatchSize, len(in.Ops))
	}
	r := run(ctx, in.Kind)
	outcomes := make([]workflows.Outcome, 0, len(in.Ops))
	var send []workflows.TimeActivityOp
	for _, op := range in.Ops {
		if op.Op != workflows.OpNone {
			send = append(send, op)
			continue
		}
		if err := a.Store.RecordSyncSuccess(ctx, in.AccountID, store.ObjectTimeCard, op.CardID, store.SyncSuccess{
			RealmID: in.RealmID, QBOID: op.QBOID, SyncToken: op.SyncToken, SyncedVersion: op.Version, Message: msgUpToDate}, r); err != nil {
			return nil, err
		}
		outcomes = append(outcomes, workflows.Outcome{Object: workflows.ObjectRef{Type: store.ObjectTimeCard, ID: op.CardID},
			Succeeded: true, Skipped: true, Message: msgUpToDate})
	}
	if len(send) == 0 {
		return outcomes, nil // QBO rejects empty batches; there is nothing to send.
	}
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	writes := make([]TimeActivityWrite, len(send))
	for i, op := range send {
		writes[i] = TimeActivityWrite{Op: op.Op, TA: timeActivityOf(op)}
	}
	results, err := c.BatchTimeActivities(ctx, in.RequestID, writes)
	if err != nil {
		return nil, asTemporal("time cards", err)
	}
	if len(results) != len(send) {
		return nil, fmt.Errorf("activities: batch answered %d results for %d writes", len(results), len(send))
	}
	for i, op := range send {
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
				outcome.ErrorType = "QBOError"
				outcome.Message = fmt.Sprintf("QuickBooks could not save this time (%v); sync it again, and if it keeps failing open the workflow for details.", res.Err)
			}
			if err := a.recordTimeCardFault(ctx, in, op, res.Err, outcome, r); err != nil {
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
	a.logger(ctx).Info("time activities pushed", "account_id", in.AccountID, "realm_id", in.RealmID, "writes", len(send), "request_id", in.RequestID)
	return outcomes, nil
}

// recordTimeCardFault records a card QBO refused. QBO answered, so the card's next
// write is a new request (a repeat of this one would get the same fault back); a
// time deleted in QBO is unlinked, so syncing the card again creates it anew.
func (a *Activities) recordTimeCardFault(ctx context.Context, in workflows.PushTimeActivitiesInput, op workflows.TimeActivityOp, qboErr error, outcome workflows.Outcome, r store.SyncRun) error {
	var gone *GoneError
	if errors.Is(qboErr, ErrGone) && !(errors.As(qboErr, &gone) && gone.Field != "") && op.QBOID != "" {
		if err := a.Store.MarkDeletedInQBO(ctx, in.AccountID, in.RealmID, store.ObjectTimeCard, op.CardID); err != nil {
			return err
		}
	}
	return a.Store.RecordQBOFault(ctx, in.AccountID, store.ObjectTimeCard, op.CardID, outcome.ErrorType, outcome.Message, r)
}

func (a *Activities) reapplyTimeActivity(ctx context.Context, c Company, realm string, op workflows.TimeActivityOp) (QBOTimeActivity, error) {
	current, err := c.GetTimeActivity(ctx, op.QBOID)
	if err != nil {
		return QBOTimeActivity{}, err
	}
	ta := timeActivityOf(op)
	ta.SyncToken = current.SyncToken
	// Only Hoursync's fields are re-applied: billed in QBO stays billed.
	ta.Billed = ta.Billed || current.Billed
	return c.UpdateTimeActivity(ctx, reqID(realm, "time_card", op.CardID, op.Version, "reapply", current.SyncToken), ta)
}

// timeCardError words a card's failure for the person who logged it, naming the
// customer, service or employee QBO has inactive.
func timeCardError(op workflows.TimeActivityOp, err error) error {
	var gone *GoneError
	if errors.As(err, &gone) && gone.Field != "" {
		switch strings.TrimSuffix(gone.Field, ".value") {
		case "CustomerRef":
			return permanent(workflows.ErrTypeInactiveInQBO, "The customer %q is inactive in QuickBooks: make it active there, or pick another customer", op.CustomerName)
		case "ItemRef":
			return permanent(workflows.ErrTypeInactiveInQBO, "The service %q is inactive in QuickBooks: make it active there, or pick another service", op.ServiceName)
		case "EmployeeRef":
			return permanent(workflows.ErrTypeInactiveInQBO, "The employee %q is inactive in QuickBooks: make them active there, then sync this time again", op.EmployeeName)
		}
		return permanent(workflows.ErrTypeInactiveInQBO, "Something this time refers to (%s) is inactive in QuickBooks: make it active there, then sync again", gone.Field)
	}
	if errors.Is(err, ErrGone) {
		return permanent(workflows.ErrTypeDeletedInQBO,
			"This time was deleted in QuickBooks. Sync it again to create it there anew, or delete the card in Hoursync if it should not be billed.")
	}
	return asTemporal(timeCardWhat(op), err)
}

// timeCardWhat names a card as a person knows it.
func timeCardWhat(op workflows.TimeActivityOp) string {
	if op.EmployeeName == "" {
		return fmt.Sprintf("Time card %d", op.CardID)
	}
	return fmt.Sprintf("%s's time on %s for %s (%s)", op.EmployeeName, op.TxnDate, op.CustomerName, op.ServiceName)
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
		TxnDate: op.TxnDate, DueDate: op.DueDate, Memo: op.Memo, LinkedTimeActivities: op.LinkedTimeActivities, TermID: op.TermQBOID}
	for _, l := range op.Lines {
		inv.Lines = append(inv.Lines, QBOInvoiceLine{ItemID: l.ItemQBOID, Description: l.Description,
			QuantityMilli: l.QuantityMilli, RateCents: l.RateCents, AmountCents: l.AmountCents, Minutes: l.Minutes})
	}
	var got QBOInvoice
	msg := ""
	switch op.Op {
	case workflows.OpCreate:
		inv.PrivateNote = op.Marker
		got, msg, err = a.createInvoice(ctx, c, in, inv)
	case workflows.OpUpdate:
		got, msg, err = updateInvoice(ctx, c, in, inv)
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
		perm := asTemporal(what, invoiceError(op, err))
		if typ, m := failureOf(perm); typ != "" {
			outcome.ErrorType, outcome.Message = typ, m
			// QBO answered (or Hoursync refused to send): the next write is a new request.
			return outcome, a.Store.RecordQBOFault(ctx, in.AccountID, store.ObjectInvoice, op.InvoiceID, typ, m, r)
		}
		return outcome, perm
	}
	if op.Op == workflows.OpCreate && got.DocNumber != "" && got.DocNumber != op.DocNumber {
		if err := a.Store.RenumberInvoiceFromQBO(ctx, in.AccountID, op.InvoiceID, got.DocNumber); err != nil {
			return outcome, err
		}
	}
	outcome.Succeeded, outcome.Message = true, msg
	if (op.Op == workflows.OpCreate || op.Op == workflows.OpUpdate) && got.DueDate != "" {
		// QBO computed the due date from the term: show it as QBO has it.
		if err := a.Store.RecordQBOInvoiceTerms(ctx, in.AccountID, op.InvoiceID, in.RealmID, op.Version, got.TermID, got.DueDate); err != nil {
			return outcome, err
		}
	}
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
