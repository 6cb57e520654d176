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
	"go.temporal.io/sdk/temporal"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// Activities holds the dependencies of every activity; the worker registers its
// methods by name.
type Activities struct {
	Store  *store.Store
	QBO    CompanyClients
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

// permanent is an error a person has to fix; Temporal does not retry it.
func permanent(errType, format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), errType, nil)
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
// no longer exist are left out.
func (a *Activities) LoadTimeCards(ctx context.Context, in workflows.LoadTimeCardsInput) ([]workflows.TimeCardRef, error) {
	cards, err := a.Store.GetTimeCardsForSync(ctx, in.AccountID, in.CardIDs)
	if err != nil {
		return nil, err
	}
	refs := make([]workflows.TimeCardRef, 0, len(cards))
	for _, c := range cards {
		refs = append(refs, workflows.TimeCardRef{CardID: c.ID, UserID: c.UserID, CustomerID: c.CustomerID,
			ServiceID: c.ServiceID, Deleted: c.DeletedAt.Valid})
	}
	return refs, nil
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
// the QBO ids of its employee, customer and service) before the first push attempt.
func (a *Activities) PrepareTimeActivities(ctx context.Context, in workflows.PrepareInput) ([]workflows.TimeActivityOp, error) {
	cards, err := a.Store.GetTimeCardsForSync(ctx, in.AccountID, in.IDs)
	if err != nil {
		return nil, err
	}
	ops := make([]workflows.TimeActivityOp, 0, len(cards))
	for _, c := range cards {
		op := workflows.TimeActivityOp{CardID: c.ID, Version: c.Version}
		link, linked, err := a.linkOf(ctx, in.AccountID, in.RealmID, store.ObjectTimeCard, c.ID)
		if err != nil {
			return nil, err
		}
		if linked {
			op.QBOID, op.SyncToken = link.QBOID, link.SyncToken
		}
		if c.DeletedAt.Valid {
			if op.QBOID == "" {
				continue // never reached QBO: nothing to delete there
			}
			op.Op = workflows.OpDelete
			ops = append(ops, op)
			continue
		}
		if op.QBOID == "" {
			op.Op = workflows.OpCreate
		} else {
			op.Op = workflows.OpUpdate
		}
		if op.EmployeeQBOID, err = a.linkedQBOID(ctx, in.AccountID, in.RealmID, store.ObjectUser, c.UserID); err != nil {
			return nil, err
		}
		if op.CustomerQBOID, err = a.linkedQBOID(ctx, in.AccountID, in.RealmID, store.ObjectCustomer, c.CustomerID); err != nil {
			return nil, err
		}
		if op.ItemQBOID, err = a.linkedQBOID(ctx, in.AccountID, in.RealmID, store.ObjectService, c.ServiceID); err != nil {
			return nil, err
		}
		op.TxnDate = c.Date()
		op.Minutes = c.Minutes
		op.Billable = c.Billable
		op.HourlyRateCents = c.RateCents
		op.Description = c.Notes
		ops = append(ops, op)
	}
	return ops, nil
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
func (a *Activities) PrepareInvoice(ctx context.Context, in workflows.PrepareInput) (workflows.InvoiceOp, error) {
	if len(in.IDs) != 1 {
		return workflows.InvoiceOp{}, fmt.Errorf("activities: prepare invoice takes one id, got %d", len(in.IDs))
	}
	inv, err := a.Store.GetInvoiceForSync(ctx, in.AccountID, in.IDs[0])
	if err != nil {
		return workflows.InvoiceOp{}, err
	}
	op := workflows.InvoiceOp{InvoiceID: inv.ID, Version: inv.Version}
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
	if inv.DueDate.Valid {
		op.DueDate = inv.DueDate.Time.Format(time.DateOnly)
	}
	op.Memo = inv.Memo
	for _, l := range inv.Lines {
		item, err := a.linkedQBOID(ctx, in.AccountID, in.RealmID, store.ObjectService, l.ServiceID)
		if err != nil {
			return workflows.InvoiceOp{}, err
		}
		op.Lines = append(op.Lines, workflows.InvoiceLineOp{ItemQBOID: item, Description: l.Description,
			QuantityMilli: l.QuantityMilli, RateCents: l.RateCents, AmountCents: l.AmountCents})
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

func appError(err error) *temporal.ApplicationError {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}
