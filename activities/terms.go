package activities

import (
	"context"
	"errors"

	"hoursync/internal/store"
)

// invoiceTermQBOID is the QBO id of the invoice's term in the company synced to: the
// term itself, or, when it was imported from another company (a reconnect to a new
// one), that company's term of the same name. "" when the invoice has no term or the
// company has no such term: the invoice then goes without one.
func (a *Activities) invoiceTermQBOID(ctx context.Context, accountID int64, realmID string, inv store.Invoice) (string, error) {
	if !inv.TermID.Valid {
		return "", nil
	}
	t, err := a.Store.GetTerm(ctx, accountID, inv.TermID.Int64)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if t.RealmID == realmID {
		return t.QBOID, nil
	}
	same, err := a.Store.FindTermByName(ctx, accountID, realmID, t.Name)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return same.QBOID, nil
}
