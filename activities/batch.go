package activities

import (
	"context"
	"fmt"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// cardBatch is what loading a batch of time cards reads, each kind in one query: the
// cards, their links in the realm and, when asked, the employees (users), customers
// and services they refer to with their links and names.
type cardBatch struct {
	cards []store.TimeCard
	links map[int64]store.Link
	deps  map[string]map[int64]store.Dependency
}

// dependencyTypes are the kinds of object a card refers to, as the store names them.
var dependencyTypes = []string{store.ObjectUser, store.ObjectCustomer, store.ObjectService}

func (a *Activities) loadCardBatch(ctx context.Context, accountID int64, realmID string, ids []int64, withDeps bool) (cardBatch, error) {
	var b cardBatch
	var err error
	if b.cards, err = a.Store.GetTimeCardsForSync(ctx, accountID, ids); err != nil {
		return b, err
	}
	if realmID == "" {
		return b, nil
	}
	if b.links, err = a.Store.LinksOf(ctx, accountID, realmID, store.ObjectTimeCard, ids); err != nil {
		return b, err
	}
	if !withDeps {
		return b, nil
	}
	b.deps = map[string]map[int64]store.Dependency{}
	for _, objectType := range dependencyTypes {
		refs := make([]int64, 0, len(b.cards))
		for _, c := range b.cards {
			refs = append(refs, dependencyOf(c, objectType))
		}
		if b.deps[objectType], err = a.Store.Dependencies(ctx, accountID, realmID, objectType, refs); err != nil {
			return b, err
		}
	}
	return b, nil
}

func dependencyOf(c store.TimeCard, objectType string) int64 {
	switch objectType {
	case store.ObjectUser:
		return c.UserID
	case store.ObjectCustomer:
		return c.CustomerID
	}
	return c.ServiceID
}

// upToDate reports whether the card is in QBO as it is here.
func (b cardBatch) upToDate(c store.TimeCard) bool {
	link, linked := b.links[c.ID]
	return linked && !link.QBODeleted && link.SyncedVersion >= c.Version
}

// refs is what the workflow needs to order the batch's sync: with inRealm, which cards
// are up to date; with checked, which dependencies need nothing ensured.
func (b cardBatch) refs(inRealm, checked bool) []workflows.TimeCardRef {
	refs := make([]workflows.TimeCardRef, 0, len(b.cards))
	for _, c := range b.cards {
		ref := workflows.TimeCardRef{CardID: c.ID, UserID: c.UserID, CustomerID: c.CustomerID,
			ServiceID: c.ServiceID, Deleted: c.DeletedAt.Valid}
		if inRealm && !ref.Deleted {
			ref.UpToDate = b.upToDate(c)
		}
		if checked && b.deps != nil {
			ref.EmployeeInSync = b.deps[store.ObjectUser][c.UserID].InSync
			ref.CustomerInSync = b.deps[store.ObjectCustomer][c.CustomerID].InSync
			ref.ServiceInSync = b.deps[store.ObjectService][c.ServiceID].InSync
		}
		refs = append(refs, ref)
	}
	return refs
}

// qboID is the QBO id a card's employee, customer or service is linked to.
func (b cardBatch) qboID(objectType string, id int64) (string, error) {
	dep := b.deps[objectType][id]
	if !dep.Linked {
		// The workflow ensures every dependency first; a missing link means it was
		// unlinked in between, which a retry of the whole sync fixes.
		return "", fmt.Errorf("activities: %s %d is not linked to QuickBooks yet", objectType, id)
	}
	return dep.QBOID, nil
}

// prepare fixes the write of every card of the batch (see PrepareTimeActivities).
func (a *Activities) prepare(ctx context.Context, accountID int64, realmID string, b cardBatch) ([]workflows.TimeActivityOp, error) {
	ids := make([]int64, 0, len(b.cards))
	var invoiceIDs []int64
	for _, c := range b.cards {
		ids = append(ids, c.ID)
		if c.InvoiceID.Valid {
			invoiceIDs = append(invoiceIDs, c.InvoiceID.Int64)
		}
	}
	faults, err := a.Store.QBOFaults(ctx, accountID, store.ObjectTimeCard, ids)
	if err != nil {
		return nil, err
	}
	acct, err := a.Store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	invoices, err := a.Store.LinksOf(ctx, accountID, realmID, store.ObjectInvoice, invoiceIDs)
	if err != nil {
		return nil, err
	}
	ops := make([]workflows.TimeActivityOp, 0, len(b.cards))
	for _, c := range b.cards {
		op := workflows.TimeActivityOp{CardID: c.ID, Version: c.Version, Faults: faults[c.ID]}
		link, linked := b.links[c.ID]
		if linked && !link.QBODeleted {
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
		switch {
		case op.QBOID == "":
			op.Op = workflows.OpCreate
		case link.SyncedVersion >= c.Version:
			// In QBO as it is here: no write (QBO-side edits are Hoursync's to re-apply
			// only when Hoursync's copy changes, or when a write meets them as 5010).
			op.Op = workflows.OpNone
			ops = append(ops, op)
			continue
		default:
			op.Op = workflows.OpUpdate
		}
		if op.EmployeeQBOID, err = b.qboID(store.ObjectUser, c.UserID); err != nil {
			return nil, err
		}
		if op.CustomerQBOID, err = b.qboID(store.ObjectCustomer, c.CustomerID); err != nil {
			return nil, err
		}
		if op.ItemQBOID, err = b.qboID(store.ObjectService, c.ServiceID); err != nil {
			return nil, err
		}
		op.EmployeeName = b.deps[store.ObjectUser][c.UserID].Name
		op.CustomerName = b.deps[store.ObjectCustomer][c.CustomerID].Name
		op.ServiceName = b.deps[store.ObjectService][c.ServiceID].Name
		op.TxnDate = c.Date()
		op.Minutes = c.Minutes
		op.Billable = c.Billable
		op.HourlyRateCents = c.RateCents
		op.Description = c.Notes
		op.StartTime, op.EndTime, op.BreakMinutes = startEnd(c, acct.TimeZone)
		if c.InvoiceID.Valid {
			if inv, invLinked := invoices[c.InvoiceID.Int64]; invLinked && !inv.QBODeleted {
				op.InvoiceID = c.InvoiceID.Int64
				// Its invoice is in QBO and links this time, so QBO has it billed: QBO
				// owns that state, and an update must not send it back to Billable.
				op.KeepBilled = op.Op == workflows.OpUpdate
			}
		}
		ops = append(ops, op)
	}
	return ops, nil
}
