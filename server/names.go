package server

import (
	"context"
	"fmt"
	"time"

	"hoursync/internal/store"
)

// Records are named for people wherever a person reads about them: a time card as
// "Dana Lee · Mon 14 Dec · Acme — Design 1:30", an invoice as "Invoice 1004 to Acme
// ($1,180.00)", a customer, service or person by its name. Ids are for machines.

// objectRef is one synced object.
type objectRef struct {
	Type string
	ID   int64
}

// recordName names the object the facts describe.
func recordName(f store.ObjectFacts) string {
	switch f.ObjectType {
	case store.ObjectTimeCard:
		return fmt.Sprintf("%s · %s · %s — %s %d:%02d", f.Person, dayName(f.Date.Format(time.DateOnly)), f.Customer, f.Service,
			f.Minutes/60, f.Minutes%60)
	case store.ObjectInvoice:
		total := f.TotalCents
		if f.Status == "void" {
			total = 0
		}
		return fmt.Sprintf("Invoice %s to %s (%s)", f.Number, f.Customer, usd(total))
	}
	return f.Name
}

// recordNames names these objects; one that is gone keeps the words of objectName.
func (a *app) recordNames(ctx context.Context, accountID int64, refs []objectRef) (map[objectRef]string, error) {
	ids := map[string][]int64{}
	for _, r := range refs {
		ids[r.Type] = append(ids[r.Type], r.ID)
	}
	facts, err := a.store.ObjectFactsOf(ctx, accountID, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[objectRef]string, len(refs))
	for _, r := range refs {
		if f, ok := facts[r.Type][r.ID]; ok {
			out[r] = recordName(f)
		} else {
			out[r] = objectName(r.Type, r.ID) + " (deleted)"
		}
	}
	return out, nil
}

// recordName names one object.
func (a *app) recordName(ctx context.Context, accountID int64, typ string, id int64) (string, error) {
	ref := objectRef{typ, id}
	names, err := a.recordNames(ctx, accountID, []objectRef{ref})
	return names[ref], err
}
