package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"hoursync/internal/store"
	"hoursync/workflows"
)

func reqID(realm, objectType string, id, version int64, extra ...string) string {
	return workflows.RequestID(append([]string{realm, objectType, strconv.FormatInt(id, 10), strconv.FormatInt(version, 10)}, extra...)...)
}

// linkOf returns the object's live link in the realm, or ok=false.
func (a *Activities) linkOf(ctx context.Context, in workflows.EnsureInput, objectType string) (store.Link, bool, error) {
	link, err := a.Store.GetLink(ctx, in.AccountID, in.RealmID, objectType, in.ObjectID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && link.QBODeleted) {
		return store.Link{}, false, nil
	}
	return link, err == nil, err
}

func (a *Activities) recordEnsured(ctx context.Context, in workflows.EnsureInput, objectType, qboID, syncToken string, version int64, msg string) error {
	return a.Store.RecordSyncSuccess(ctx, in.AccountID, objectType, in.ObjectID, store.SyncSuccess{RealmID: in.RealmID,
		QBOID: qboID, SyncToken: syncToken, SyncedVersion: version, Message: msg}, run(ctx, workflows.KindTimeCards))
}

// EnsureEmployee makes sure the user exists in QBO as an Employee: linked already,
// matched on first name, last name and e-mail (trimmed, ignoring case), or created.
func (a *Activities) EnsureEmployee(ctx context.Context, in workflows.EnsureInput) (workflows.EnsureResult, error) {
	if link, ok, err := a.linkOf(ctx, in, store.ObjectUser); err != nil || ok {
		return workflows.EnsureResult{QBOID: link.QBOID}, err
	}
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	u, err := a.Store.GetUser(ctx, in.AccountID, in.ObjectID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	what := fmt.Sprintf("Employee %q", u.FullName())
	emps, err := c.ListEmployees(ctx)
	if err != nil {
		return workflows.EnsureResult{}, asTemporal(what, err)
	}
	for _, e := range emps {
		if matchesEmployee(u, e) {
			if !e.Active {
				return workflows.EnsureResult{}, asTemporal(what, ErrGone)
			}
			return workflows.EnsureResult{QBOID: e.ID, Linked: true},
				a.recordEnsured(ctx, in, store.ObjectUser, e.ID, e.SyncToken, u.Version, "Linked to the QuickBooks employee")
		}
	}
	e, err := c.CreateEmployee(ctx, reqID(in.RealmID, "user", u.ID, u.Version),
		QBOEmployee{GivenName: u.FirstName, FamilyName: u.LastName, Email: u.Email, Active: true})
	if err != nil {
		return workflows.EnsureResult{}, asTemporal(what, err)
	}
	return workflows.EnsureResult{QBOID: e.ID, Created: true},
		a.recordEnsured(ctx, in, store.ObjectUser, e.ID, e.SyncToken, u.Version, "Created as an employee in QuickBooks")
}

// EnsureCustomer makes sure the customer exists in QBO: linked already (pushing local
// edits as a sparse update), found by display name and linked, or created.
func (a *Activities) EnsureCustomer(ctx context.Context, in workflows.EnsureInput) (workflows.EnsureResult, error) {
	cust, err := a.Store.GetCustomer(ctx, in.AccountID, in.ObjectID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	what := fmt.Sprintf("Customer %q", cust.DisplayName)
	link, linked, err := a.linkOf(ctx, in, store.ObjectCustomer)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	if linked && cust.Version <= link.SyncedVersion {
		return workflows.EnsureResult{QBOID: link.QBOID}, nil
	}
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	want := QBOCustomer{DisplayName: cust.DisplayName, Email: cust.Email, Active: cust.Active}
	if linked {
		// Local edits since the last sync: a sparse update of the fields Hoursync owns.
		want.ID, want.SyncToken = link.QBOID, link.SyncToken
		got, err := a.updateCustomer(ctx, c, in, cust.Version, want)
		if err != nil {
			return workflows.EnsureResult{}, asTemporal(what, err)
		}
		return workflows.EnsureResult{QBOID: got.ID},
			a.recordEnsured(ctx, in, store.ObjectCustomer, got.ID, got.SyncToken, cust.Version, "Changes pushed to QuickBooks")
	}
	existing, found, err := c.FindCustomerByName(ctx, cust.DisplayName)
	if err != nil {
		return workflows.EnsureResult{}, asTemporal(what, err)
	}
	if found {
		if !existing.Active {
			return workflows.EnsureResult{}, permanent(workflows.ErrTypeDeletedInQBO,
				"%s is inactive in QuickBooks; make it active there, then sync again", what)
		}
		return workflows.EnsureResult{QBOID: existing.ID, Linked: true},
			a.recordEnsured(ctx, in, store.ObjectCustomer, existing.ID, existing.SyncToken, cust.Version, "Linked to the QuickBooks customer of the same name")
	}
	got, err := c.CreateCustomer(ctx, reqID(in.RealmID, "customer", cust.ID, cust.Version), want)
	var dup *DuplicateNameError
	if errors.As(err, &dup) {
		return workflows.EnsureResult{}, permanent(workflows.ErrTypeValidation,
			"%s: the name is already used by an employee or vendor in QuickBooks; rename the customer in Hoursync or in QuickBooks", what)
	}
	if err != nil {
		return workflows.EnsureResult{}, asTemporal(what, err)
	}
	return workflows.EnsureResult{QBOID: got.ID, Created: true},
		a.recordEnsured(ctx, in, store.ObjectCustomer, got.ID, got.SyncToken, cust.Version, "Created in QuickBooks")
}

// updateCustomer sparse-updates, re-reading once when QBO's copy moved on (stale
// SyncToken): Hoursync's fields are re-applied on top of the current copy.
func (a *Activities) updateCustomer(ctx context.Context, c Company, in workflows.EnsureInput, version int64, want QBOCustomer) (QBOCustomer, error) {
	got, err := c.UpdateCustomer(ctx, reqID(in.RealmID, "customer", in.ObjectID, version, want.SyncToken), want)
	if !errors.Is(err, ErrStale) {
		return got, err
	}
	current, err := c.GetCustomer(ctx, want.ID)
	if err != nil {
		return QBOCustomer{}, err
	}
	want.SyncToken = current.SyncToken
	return c.UpdateCustomer(ctx, reqID(in.RealmID, "customer", in.ObjectID, version, want.SyncToken), want)
}

// EnsureService makes sure the service exists in QBO as an Item of type Service,
// posting to the income account named in the account's settings.
func (a *Activities) EnsureService(ctx context.Context, in workflows.EnsureInput) (workflows.EnsureResult, error) {
	svc, err := a.Store.GetService(ctx, in.AccountID, in.ObjectID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	what := fmt.Sprintf("Service %q", svc.Name)
	link, linked, err := a.linkOf(ctx, in, store.ObjectService)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	if linked && svc.Version <= link.SyncedVersion {
		return workflows.EnsureResult{QBOID: link.QBOID}, nil
	}
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	want := QBOItem{Name: svc.Name, Type: "Service", Description: svc.Description, UnitPriceCents: svc.RateCents, Active: svc.Active}
	if linked {
		want.ID, want.SyncToken = link.QBOID, link.SyncToken
		got, err := c.UpdateItem(ctx, reqID(in.RealmID, "service", svc.ID, svc.Version, want.SyncToken), want)
		if errors.Is(err, ErrStale) {
			var current QBOItem
			if current, err = c.GetItem(ctx, want.ID); err == nil {
				want.SyncToken = current.SyncToken
				got, err = c.UpdateItem(ctx, reqID(in.RealmID, "service", svc.ID, svc.Version, want.SyncToken), want)
			}
		}
		if err != nil {
			return workflows.EnsureResult{}, asTemporal(what, err)
		}
		return workflows.EnsureResult{QBOID: got.ID},
			a.recordEnsured(ctx, in, store.ObjectService, got.ID, got.SyncToken, svc.Version, "Changes pushed to QuickBooks")
	}
	existing, found, err := c.FindItemByName(ctx, svc.Name)
	if err != nil {
		return workflows.EnsureResult{}, asTemporal(what, err)
	}
	if found {
		if !existing.Active {
			return workflows.EnsureResult{}, permanent(workflows.ErrTypeDeletedInQBO,
				"%s is inactive in QuickBooks; make it active there, then sync again", what)
		}
		return workflows.EnsureResult{QBOID: existing.ID, Linked: true},
			a.recordEnsured(ctx, in, store.ObjectService, existing.ID, existing.SyncToken, svc.Version, "Linked to the QuickBooks item of the same name")
	}
	if want.IncomeAccountID, err = a.incomeAccount(ctx, in); err != nil {
		return workflows.EnsureResult{}, err
	}
	got, err := c.CreateItem(ctx, reqID(in.RealmID, "service", svc.ID, svc.Version), want)
	if err != nil {
		return workflows.EnsureResult{}, asTemporal(what, err)
	}
	return workflows.EnsureResult{QBOID: got.ID, Created: true},
		a.recordEnsured(ctx, in, store.ObjectService, got.ID, got.SyncToken, svc.Version, "Created in QuickBooks")
}

// incomeAccount finds the QBO id of the income account named in the settings.
func (a *Activities) incomeAccount(ctx context.Context, in workflows.EnsureInput) (string, error) {
	acct, err := a.Store.GetAccount(ctx, in.AccountID)
	if err != nil {
		return "", err
	}
	accounts, err := a.Store.ListIncomeAccounts(ctx, in.AccountID, in.RealmID)
	if err != nil {
		return "", err
	}
	var names []string
	for _, ia := range accounts {
		if !ia.Active {
			continue
		}
		if sameName(ia.Name, acct.IncomeAccountName) {
			return ia.QBOID, nil
		}
		names = append(names, ia.Name)
	}
	return "", permanent(workflows.ErrTypeIncomeAccount,
		"The income account %q chosen in Settings (QuickBooks Income Account Name) is not an active income account in QuickBooks; choose one of: %s",
		acct.IncomeAccountName, strings.Join(names, ", "))
}
