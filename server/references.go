package server

import (
	"context"
	"errors"

	"hoursync/internal/store"
)

// The invoice writes check their customer and services here, before the store call: an
// unknown one answers 404 and an inactive one 422, each naming its field. (A time card
// checks the same inside the statement that records it, the API's hot path.)

// checkInvoiceRefs answers 404 naming the field when the customer or a line's service
// is not one of this account's, and 422 naming it when one is inactive: QBO refuses an
// invoice naming an inactive customer or service. editing says the invoice exists, so
// its customer cannot be swapped for another.
func (a *app) checkInvoiceRefs(ctx context.Context, accountID int64, in store.InvoiceInput, editing bool) error {
	cu, err := a.store.GetCustomer(ctx, accountID, in.CustomerID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("customer_id", "customer")
	case err != nil:
		return err
	case !cu.Active:
		return a.inactive(ctx, accountID, "customer_id", store.ObjectCustomer, cu.ID, cu.DisplayName, !editing)
	}
	seen := map[int64]bool{}
	for i, l := range in.Lines {
		if seen[l.ServiceID] {
			continue
		}
		sv, err := a.store.GetService(ctx, accountID, l.ServiceID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return onLine(i, "service_id", notFound("", "service"))
		case err != nil:
			return err
		case !sv.Active:
			return onLine(i, "service_id", a.inactive(ctx, accountID, "", store.ObjectService, sv.ID, sv.Name, true))
		}
		seen[l.ServiceID] = true
	}
	return a.checkInvoiceTax(ctx, accountID, in)
}

// inactive is the 422 for an inactive customer or service on field (see inactiveRef).
func (a *app) inactive(ctx context.Context, accountID int64, field, objectType string, id int64, name string, canPick bool) error {
	inQBO, err := a.store.InQuickBooks(ctx, accountID, objectType, id)
	if err != nil {
		return err
	}
	return inactiveRef(field, &store.InactiveError{Field: field, ObjectType: objectType, Name: name, InQuickBooks: inQBO}, canPick)
}

// checkCardRefsActive answers 422 on time_card_ids when a selected card's customer or
// service is inactive: the invoice made of them would name it, and QBO refuses that.
func (a *app) checkCardRefsActive(ctx context.Context, accountID int64, ids []int64) error {
	cards, err := a.store.ListTimeCards(ctx, accountID, store.TimeCardFilter{IDs: ids}, store.Page{Limit: len(ids)})
	if err != nil {
		return err
	}
	customers, services := map[int64]bool{}, map[int64]bool{}
	for _, tc := range cards {
		if !customers[tc.CustomerID] {
			customers[tc.CustomerID] = true
			cu, err := a.store.GetCustomer(ctx, accountID, tc.CustomerID)
			if err != nil {
				return err
			}
			if !cu.Active {
				return a.inactive(ctx, accountID, "time_card_ids", store.ObjectCustomer, cu.ID, cu.DisplayName, false)
			}
		}
		if !services[tc.ServiceID] {
			services[tc.ServiceID] = true
			sv, err := a.store.GetService(ctx, accountID, tc.ServiceID)
			if err != nil {
				return err
			}
			if !sv.Active {
				return a.inactive(ctx, accountID, "time_card_ids", store.ObjectService, sv.ID, sv.Name, false)
			}
		}
	}
	return nil
}
