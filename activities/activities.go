// Package activities holds every side effect of Hoursync's syncs: reads and writes of
// the database and calls to QBO. Each activity is idempotent: a retry after a crash or
// a lost response repeats nothing that already happened (QBO writes carry a requestid
// derived from what they write; links are stored before the activity completes).
// Errors retrying cannot fix are returned as non-retryable application errors whose
// type names come from package workflows.
package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/activity"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// Activities holds the dependencies of every activity; the worker registers each
// method under the name of the workflows' activity it implements (workflows.Act…).
type Activities struct {
	Store  *store.Store
	QBO    *QBOCompanies
	Syncs  Syncs
	Logger *slog.Logger
}

func (a *Activities) logger(ctx context.Context) *slog.Logger {
	l := a.Logger
	if l == nil {
		l = slog.Default()
	}
	if activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		l = l.With("workflow_id", info.WorkflowExecution.ID, "activity", info.ActivityType.Name, "attempt", info.Attempt)
	}
	return l
}

// run identifies the calling workflow run for sync state and history.
func run(ctx context.Context, kind string) store.SyncRun {
	if !activity.IsActivity(ctx) {
		return store.SyncRun{Kind: kind}
	}
	info := activity.GetInfo(ctx)
	return store.SyncRun{Kind: kind, WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID, Attempt: int(info.Attempt)}
}

// MarkSyncing shows the objects as syncing under the calling workflow run.
func (a *Activities) MarkSyncing(ctx context.Context, in workflows.MarkSyncingInput) error {
	return a.Store.MarkSyncing(ctx, in.AccountID, in.ObjectType, in.IDs, run(ctx, in.Kind))
}

// RecordSyncOutcome records failures the workflow decided on (plan, reconnect, a
// dependency that failed) in each object's state and history.
func (a *Activities) RecordSyncOutcome(ctx context.Context, in workflows.RecordOutcomeInput) error {
	r := run(ctx, in.Kind)
	for _, o := range in.Outcomes {
		if o.Succeeded {
			continue
		}
		if err := a.Store.RecordSyncFailure(ctx, in.AccountID, o.Object.Type, o.Object.ID, o.ErrorType, o.Message, r); err != nil {
			return fmt.Errorf("activities: record outcome of %s %d: %w", o.Object.Type, o.Object.ID, err)
		}
	}
	return nil
}

// LoadTimeCards returns what the workflow needs to order the cards' sync; cards that
// no longer exist are left out. With CheckDependencies it also says which employees,
// customers and services need nothing ensured, in one query per kind, so a batch whose
// dependencies are all in QBO already costs no activity per object.
func (a *Activities) LoadTimeCards(ctx context.Context, in workflows.LoadTimeCardsInput) ([]workflows.TimeCardRef, error) {
	b, err := a.loadCardBatch(ctx, in.AccountID, in.RealmID, in.CardIDs, in.CheckDependencies && in.RealmID != "")
	if err != nil {
		return nil, err
	}
	return b.refs(in.RealmID != "", in.CheckDependencies), nil
}

// PrepareBatch does, for one group of a time-card sync, what MarkSyncing (with Mark),
// LoadTimeCards (checking dependencies) and, when no card needs a dependency ensured,
// PrepareTimeActivities do, reading each card and each object it refers to once: the
// group's one local activity before its push, in the usual case of a sync whose
// objects are in QBO already.
func (a *Activities) PrepareBatch(ctx context.Context, in workflows.PrepareBatchInput) (workflows.PreparedBatch, error) {
	if in.Mark {
		if err := a.MarkSyncing(ctx, workflows.MarkSyncingInput{AccountID: in.AccountID, ObjectType: workflows.ObjectTimeCard,
			IDs: in.CardIDs, Kind: in.Kind}); err != nil {
			return workflows.PreparedBatch{}, err
		}
	}
	b, err := a.loadCardBatch(ctx, in.AccountID, in.RealmID, in.CardIDs, true)
	if err != nil {
		return workflows.PreparedBatch{}, err
	}
	out := workflows.PreparedBatch{Cards: b.refs(true, true)}
	for _, r := range out.Cards {
		if !r.Deleted && !r.UpToDate && !(r.EmployeeInSync && r.CustomerInSync && r.ServiceInSync) {
			return out, nil // the workflow ensures what is missing, then prepares
		}
	}
	if out.Ops, err = a.prepare(ctx, in.AccountID, in.RealmID, b); err != nil {
		return workflows.PreparedBatch{}, err
	}
	out.Prepared = true
	return out, nil
}

// LoadInvoice returns what the workflow needs to order the invoice's sync.
func (a *Activities) LoadInvoice(ctx context.Context, in workflows.LoadInvoiceInput) (workflows.InvoiceRef, error) {
	inv, err := a.Store.GetInvoiceForSync(ctx, in.AccountID, in.InvoiceID)
	if errors.Is(err, store.ErrNotFound) {
		return workflows.InvoiceRef{}, permanent(workflows.ErrTypeNotFound, "invoice %d no longer exists", in.InvoiceID)
	}
	if err != nil {
		return workflows.InvoiceRef{}, err
	}
	ref := workflows.InvoiceRef{InvoiceID: inv.ID, CustomerID: inv.CustomerID, Number: inv.Number,
		Deleted: inv.DeletedAt.Valid, Void: inv.Status == store.InvoiceVoid}
	seen := map[int64]bool{}
	for _, l := range inv.Lines {
		if !seen[l.ServiceID] {
			seen[l.ServiceID] = true
			ref.ServiceIDs = append(ref.ServiceIDs, l.ServiceID)
		}
	}
	return ref, nil
}

// PrepareTimeActivities fixes each card's write (create, sparse update or delete, with
// the QBO ids of its employee, customer and service) before the first push attempt. A
// synced card unchanged since its last sync gets OpNone: it is not written again.
func (a *Activities) PrepareTimeActivities(ctx context.Context, in workflows.PrepareInput) ([]workflows.TimeActivityOp, error) {
	b, err := a.loadCardBatch(ctx, in.AccountID, in.RealmID, in.IDs, true)
	if err != nil {
		return nil, err
	}
	return a.prepare(ctx, in.AccountID, in.RealmID, b)
}

// startEnd gives the card's start and end as QBO takes them (RFC 3339 with the offset
// the account's time zone has on the work date) and the break between them, or
// nothing when the card has no start and end or they do not fit its minutes.
func startEnd(c store.TimeCard, timeZone string) (start, end string, breakMinutes int) {
	if !c.StartTime.Valid || !c.EndTime.Valid {
		return "", "", 0
	}
	loc, err := time.LoadLocation(timeZone)
	if err != nil {
		loc = time.UTC
	}
	at := func(hhmm string) (time.Time, bool) {
		t, err := time.Parse("15:04", hhmm)
		if err != nil {
			return time.Time{}, false
		}
		y, m, d := c.WorkDate.Date()
		return time.Date(y, m, d, t.Hour(), t.Minute(), 0, 0, loc), true
	}
	s, ok1 := at(c.StartTime.String)
	e, ok2 := at(c.EndTime.String)
	if !ok1 || !ok2 {
		return "", "", 0
	}
	if !e.After(s) {
		e = e.AddDate(0, 0, 1) // past midnight
	}
	worked := int(e.Sub(s) / time.Minute)
	if worked < c.Minutes {
		return "", "", 0
	}
	return s.Format(time.RFC3339), e.Format(time.RFC3339), worked - c.Minutes
}

func (a *Activities) linkedQBOID(ctx context.Context, accountID int64, realmID, objectType string, id int64) (string, error) {
	link, err := a.Store.GetLink(ctx, accountID, realmID, objectType, id)
	if errors.Is(err, store.ErrNotFound) {
		// The workflow ensures every dependency first; a missing link means it was
		// unlinked in between, which a retry of the whole sync fixes.
		return "", fmt.Errorf("activities: %s %d is not linked to QuickBooks yet", objectType, id)
	}
	if err != nil {
		return "", err
	}
	return link.QBOID, nil
}

// PrepareInvoice fixes the invoice's write before the first push attempt: create or
// sparse update with all lines and the time activities it bills, or delete or void.
func (a *Activities) PrepareInvoice(ctx context.Context, in workflows.PrepareInvoiceInput) (workflows.InvoiceOp, error) {
	inv, err := a.Store.GetInvoiceForSync(ctx, in.AccountID, in.InvoiceID)
	if err != nil {
		return workflows.InvoiceOp{}, err
	}
	faults, err := a.Store.QBOFaults(ctx, in.AccountID, store.ObjectInvoice, []int64{inv.ID})
	if err != nil {
		return workflows.InvoiceOp{}, err
	}
	op := workflows.InvoiceOp{InvoiceID: inv.ID, Version: inv.Version, Faults: faults[inv.ID], NumberAuto: inv.NumberAuto,
		Marker: invoiceMarker(in.AccountID, inv.ID)}
	link, linked, err := a.linkOf(ctx, in.AccountID, in.RealmID, store.ObjectInvoice, inv.ID)
	if err != nil {
		return workflows.InvoiceOp{}, err
	}
	if linked {
		op.QBOID, op.SyncToken = link.QBOID, link.SyncToken
	}
	switch {
	case inv.DeletedAt.Valid:
		op.Op = workflows.OpDelete
		if op.QBOID == "" {
			op.Op = workflows.OpNone
		}
		return op, nil
	case inv.Status == store.InvoiceVoid:
		op.Op = workflows.OpVoid
		if op.QBOID == "" {
			op.Op = workflows.OpNone
		}
		return op, nil
	case op.QBOID == "":
		op.Op = workflows.OpCreate
	default:
		op.Op = workflows.OpUpdate
	}
	if op.CustomerQBOID, err = a.linkedQBOID(ctx, in.AccountID, in.RealmID, store.ObjectCustomer, inv.CustomerID); err != nil {
		return workflows.InvoiceOp{}, err
	}
	op.DocNumber = inv.Number
	op.TxnDate = inv.InvoiceDate.Format(time.DateOnly)
	// A due date that follows the term is QBO's to compute; only one set by hand is sent.
	if inv.DueDate.Valid && inv.DueDateExplicit {
		op.DueDate = inv.DueDate.Time.Format(time.DateOnly)
	}
	if op.TermQBOID, err = a.invoiceTermQBOID(ctx, in.AccountID, in.RealmID, inv); err != nil {
		return workflows.InvoiceOp{}, err
	}
	op.Memo = inv.Memo
	for _, l := range inv.Lines {
		item, err := a.linkedQBOID(ctx, in.AccountID, in.RealmID, store.ObjectService, l.ServiceID)
		if err != nil {
			return workflows.InvoiceOp{}, err
		}
		op.Lines = append(op.Lines, workflows.InvoiceLineOp{ItemQBOID: item, Description: l.Description,
			QuantityMilli: l.QuantityMilli, RateCents: l.RateCents, AmountCents: l.AmountCents, Minutes: l.Minutes})
	}
	if err := a.prepareInvoiceTax(ctx, in, inv, &op); err != nil {
		return workflows.InvoiceOp{}, err
	}
	cardIDs, err := a.Store.InvoiceTimeCardIDs(ctx, in.AccountID, inv.ID)
	if err != nil {
		return workflows.InvoiceOp{}, err
	}
	for _, id := range cardIDs {
		link, linked, err := a.linkOf(ctx, in.AccountID, in.RealmID, store.ObjectTimeCard, id)
		if err != nil {
			return workflows.InvoiceOp{}, err
		}
		if linked {
			op.LinkedTimeActivities = append(op.LinkedTimeActivities, link.QBOID)
		}
	}
	return op, nil
}

// invoiceMarker is written to the PrivateNote of the QBO invoices Hoursync creates:
// found on an invoice with the same number, it proves the invoice is Hoursync's own
// (a create whose answer was lost), never someone else's that shares the number.
func invoiceMarker(accountID, invoiceID int64) string {
	return fmt.Sprintf("Created by Hoursync (invoice hs-%d-%d)", accountID, invoiceID)
}
