package server

import (
	"context"
	"strings"

	"hoursync/internal/store"
)

// The catalog use cases: customers, services and income accounts. Anyone signed in
// reads them; admins write them.

// customerInput is a customer to add, or the fields of one to change (nil: keep).
type customerInput struct {
	DisplayName *string `json:"display_name"`
	ContactName *string `json:"contact_name"`
	Email       *string `json:"email"`
	Active      *bool   `json:"active"`
}

// apply validates the input and merges it into in (the current values on edit).
func (r customerInput) apply(in *store.CustomerInput) error {
	if r.DisplayName != nil {
		in.DisplayName = strings.TrimSpace(*r.DisplayName)
	}
	var p problems
	if p.add(checkText("display_name", in.DisplayName, 1, 500, "the customer's name")) && strings.Contains(in.DisplayName, ":") {
		// QBO reserves ":" for sub-customer paths.
		p.add(invalid("display_name", "a customer's name cannot contain a colon"))
	}
	if r.ContactName != nil {
		in.ContactName = *r.ContactName
	}
	p.add(checkText("contact_name", in.ContactName, 0, 200, "a contact name"))
	if r.Email != nil {
		in.Email = strings.TrimSpace(*r.Email)
	}
	if in.Email != "" {
		p.add(checkEmail("email", in.Email))
	}
	if r.Active != nil {
		in.Active = *r.Active
	}
	return p.err()
}

// ListCustomers lists customers by name, those whose name contains search ("" for all).
func (a *app) ListCustomers(ctx context.Context, by actor, search string, p page) (listJSON[store.Customer], error) {
	cs, err := a.store.ListCustomers(ctx, by.AccountID, search, p.store())
	if err != nil {
		return listJSON[store.Customer]{}, err
	}
	return paged(p, cs), nil
}

// GetCustomer is one customer.
func (a *app) GetCustomer(ctx context.Context, by actor, id int64) (store.Customer, error) {
	return a.store.GetCustomer(ctx, by.AccountID, id)
}

// CreateCustomer adds a customer, active unless the input says otherwise.
func (a *app) CreateCustomer(ctx context.Context, by actor, in customerInput) (store.Customer, error) {
	if err := requireAdmin(by); err != nil {
		return store.Customer{}, err
	}
	cu := store.CustomerInput{Active: true}
	if err := in.apply(&cu); err != nil {
		return store.Customer{}, err
	}
	return a.store.CreateCustomer(ctx, by.AccountID, cu)
}

// UpdateCustomer changes the fields of a customer the input sets.
func (a *app) UpdateCustomer(ctx context.Context, by actor, id int64, in customerInput) (store.Customer, error) {
	if err := requireAdmin(by); err != nil {
		return store.Customer{}, err
	}
	cur, err := a.store.GetCustomer(ctx, by.AccountID, id)
	if err != nil {
		return store.Customer{}, err
	}
	cu := store.CustomerInput{DisplayName: cur.DisplayName, ContactName: cur.ContactName, Email: cur.Email, Active: cur.Active}
	if err := in.apply(&cu); err != nil {
		return store.Customer{}, err
	}
	return a.store.UpdateCustomer(ctx, by.AccountID, id, cu)
}

// serviceInput is a service to add, or the fields of one to change (nil or unset:
// keep).
type serviceInput struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Rate        decimal `json:"rate"`
	Active      *bool   `json:"active"`
}

// serviceJSON is a service with its rate written as money.
type serviceJSON struct {
	store.Service
	Rate string `json:"rate"`
}

func toServiceJSON(sv store.Service) serviceJSON {
	return serviceJSON{Service: sv, Rate: money(sv.RateCents)}
}

// maxRateCents bounds rates (one million per hour) so quantity × rate never overflows.
const maxRateCents = 100_000_000

// apply validates the input and merges it into in (the current values on edit).
func (r serviceInput) apply(in *store.ServiceInput) error {
	if r.Name != nil {
		in.Name = strings.TrimSpace(*r.Name)
	}
	var p problems
	if p.add(checkText("name", in.Name, 1, 100, "the service's name")) && strings.Contains(in.Name, ":") {
		p.add(invalid("name", "a service's name cannot contain a colon"))
	}
	if r.Description != nil {
		in.Description = *r.Description
	}
	p.add(checkText("description", in.Description, 0, 4000, "a description"))
	if r.Rate.Set {
		cents, err := parseFixed("rate", r.Rate.Text, 2, maxRateCents, "the hourly rate")
		if p.add(err) {
			in.RateCents = cents
		}
	}
	if r.Active != nil {
		in.Active = *r.Active
	}
	return p.err()
}

// recordSyncJSON is where a customer or service stands with QuickBooks.
type recordSyncJSON struct {
	SyncStatus  string `json:"sync_status"`
	SyncMessage string `json:"sync_message"`
}

// CatalogSyncs is where each of these customers or services (objectType) stands with
// QuickBooks, by id: synced, changed since, failed with its message, or never synced.
func (a *app) CatalogSyncs(ctx context.Context, by actor, objectType string, ids []int64) (map[int64]recordSyncJSON, error) {
	states, err := a.store.RecordSyncsOf(ctx, by.AccountID, objectType, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]recordSyncJSON, len(ids))
	for _, id := range ids {
		st, ok := states[id]
		if !ok {
			st.Status = store.StatusNever
		}
		out[id] = recordSyncJSON{SyncStatus: st.Status, SyncMessage: st.Message}
	}
	return out, nil
}

// ListServices lists services by name, those whose name contains search ("" for all).
func (a *app) ListServices(ctx context.Context, by actor, search string, p page) (listJSON[serviceJSON], error) {
	ss, err := a.store.ListServices(ctx, by.AccountID, search, p.store())
	if err != nil {
		return listJSON[serviceJSON]{}, err
	}
	out := make([]serviceJSON, 0, len(ss))
	for _, sv := range ss {
		out = append(out, toServiceJSON(sv))
	}
	return paged(p, out), nil
}

// GetService is one service.
func (a *app) GetService(ctx context.Context, by actor, id int64) (serviceJSON, error) {
	sv, err := a.store.GetService(ctx, by.AccountID, id)
	return toServiceJSON(sv), err
}

// CreateService adds a service, active unless the input says otherwise.
func (a *app) CreateService(ctx context.Context, by actor, in serviceInput) (serviceJSON, error) {
	if err := requireAdmin(by); err != nil {
		return serviceJSON{}, err
	}
	sv := store.ServiceInput{Active: true}
	if err := in.apply(&sv); err != nil {
		return serviceJSON{}, err
	}
	created, err := a.store.CreateService(ctx, by.AccountID, sv)
	return toServiceJSON(created), err
}

// UpdateService changes the fields of a service the input sets.
func (a *app) UpdateService(ctx context.Context, by actor, id int64, in serviceInput) (serviceJSON, error) {
	if err := requireAdmin(by); err != nil {
		return serviceJSON{}, err
	}
	cur, err := a.store.GetService(ctx, by.AccountID, id)
	if err != nil {
		return serviceJSON{}, err
	}
	sv := store.ServiceInput{Name: cur.Name, Description: cur.Description, RateCents: cur.RateCents, Active: cur.Active}
	if err := in.apply(&sv); err != nil {
		return serviceJSON{}, err
	}
	updated, err := a.store.UpdateService(ctx, by.AccountID, id, sv)
	return toServiceJSON(updated), err
}

// ListIncomeAccounts lists the income accounts imported from the connected company.
func (a *app) ListIncomeAccounts(ctx context.Context, by actor) ([]store.IncomeAccount, error) {
	realm := ""
	if conn, err := a.store.GetConnectionStatus(ctx, by.AccountID); err == nil {
		realm = conn.RealmID
	}
	ias, err := a.store.ListIncomeAccounts(ctx, by.AccountID, realm)
	if ias == nil && err == nil {
		ias = []store.IncomeAccount{}
	}
	return ias, err
}
