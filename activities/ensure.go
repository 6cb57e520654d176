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
func (a *Activities) linkOf(ctx context.Context, accountID int64, realmID, objectType string, id int64) (store.Link, bool, error) {
	link, err := a.Store.GetLink(ctx, accountID, realmID, objectType, id)
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
	if link, ok, err := a.linkOf(ctx, in.AccountID, in.RealmID, store.ObjectUser, in.ObjectID); err != nil || ok {
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

// namesList describes one kind of QBO names-list object (Customer, Item) for
// ensureNamed: how to find, read, create and sparse-update it.
type namesList[Q any] struct {
	objectType string // store object type, also part of the requestid
	what       string // "Customer \"Acme\"", for messages
	noun       string // "customer", "item"
	version    int64  // the local object's version being synced
	key        func(Q) (id, syncToken string)
	active     func(Q) bool
	find       func(ctx context.Context, c Company) (Q, bool, error)
	get        func(ctx context.Context, c Company, id string) (Q, error)
	update     func(ctx context.Context, c Company, requestID, id, syncToken string) (Q, error)
	create     func(ctx context.Context, c Company, requestID string) (Q, error)
	// duplicate is the message when QBO says the name is taken by another kind of object.
	duplicate string
	// kind and name say what the object is to a person ("service", "Research").
	kind, name string
	// localActive is Hoursync's copy of the object's Active flag (imported from QBO).
	localActive bool
	// reimport refreshes Hoursync's copy from QBO's (after it was made active there).
	reimport func(ctx context.Context, got Q) error
}

// inactive is the error of a card or invoice that needs an inactive object.
func (spec namesList[Q]) inactive() error {
	return permanent(workflows.ErrTypeInactiveInQBO, "The %s %q is inactive in QuickBooks: make it active there, or pick another %s",
		spec.kind, spec.name, spec.kind)
}

// ensureNamed makes sure a names-list object exists in QBO: linked already (pushing
// local edits as a sparse update, re-read and re-applied once on a stale SyncToken),
// found by name and linked (an inactive one is reported, never recreated), or created.
func ensureNamed[Q any](ctx context.Context, a *Activities, in workflows.EnsureInput, spec namesList[Q]) (workflows.EnsureResult, error) {
	link, linked, err := a.linkOf(ctx, in.AccountID, in.RealmID, spec.objectType, in.ObjectID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	if linked && spec.version <= link.SyncedVersion && spec.localActive {
		return workflows.EnsureResult{QBOID: link.QBOID}, nil
	}
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	if !spec.localActive {
		if !linked {
			return workflows.EnsureResult{}, spec.inactive()
		}
		// Inactive when last imported: it may have been made active in QBO since, which
		// is what the person was told to do; only QBO knows.
		current, err := spec.get(ctx, c, link.QBOID)
		if err != nil {
			return workflows.EnsureResult{}, asTemporal(spec.what, err)
		}
		if !spec.active(current) {
			return workflows.EnsureResult{}, spec.inactive()
		}
		if err := spec.reimport(ctx, current); err != nil {
			return workflows.EnsureResult{}, err
		}
		return workflows.EnsureResult{QBOID: link.QBOID}, nil
	}
	record := func(got Q, res workflows.EnsureResult, msg string) (workflows.EnsureResult, error) {
		id, token := spec.key(got)
		res.QBOID = id
		return res, a.recordEnsured(ctx, in, spec.objectType, id, token, spec.version, msg)
	}
	if linked {
		// Local edits since the last sync: a sparse update of the fields Hoursync owns.
		update := func(syncToken string) (Q, error) {
			return spec.update(ctx, c, reqID(in.RealmID, spec.objectType, in.ObjectID, spec.version, syncToken), link.QBOID, syncToken)
		}
		got, err := update(link.SyncToken)
		if errors.Is(err, ErrStale) {
			var current Q
			if current, err = spec.get(ctx, c, link.QBOID); err == nil {
				_, token := spec.key(current)
				got, err = update(token)
			}
		}
		if err != nil {
			return workflows.EnsureResult{}, asTemporal(spec.what, err)
		}
		return record(got, workflows.EnsureResult{}, "Changes pushed to QuickBooks")
	}
	existing, found, err := spec.find(ctx, c)
	if err != nil {
		return workflows.EnsureResult{}, asTemporal(spec.what, err)
	}
	if found {
		if !spec.active(existing) {
			return workflows.EnsureResult{}, spec.inactive()
		}
		return record(existing, workflows.EnsureResult{Linked: true}, "Linked to the QuickBooks "+spec.noun+" of the same name")
	}
	got, err := spec.create(ctx, c, reqID(in.RealmID, spec.objectType, in.ObjectID, spec.version))
	var dup *DuplicateNameError
	if errors.As(err, &dup) && spec.duplicate != "" {
		return workflows.EnsureResult{}, permanent(workflows.ErrTypeValidation, "%s: %s", spec.what, spec.duplicate)
	}
	if err != nil {
		return workflows.EnsureResult{}, asTemporal(spec.what, err)
	}
	return record(got, workflows.EnsureResult{Created: true}, "Created in QuickBooks")
}

// EnsureCustomer makes sure the customer exists in QBO (see ensureNamed).
func (a *Activities) EnsureCustomer(ctx context.Context, in workflows.EnsureInput) (workflows.EnsureResult, error) {
	cust, err := a.Store.GetCustomer(ctx, in.AccountID, in.ObjectID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	want := QBOCustomer{DisplayName: cust.DisplayName, Email: cust.Email, Active: cust.Active}
	return ensureNamed(ctx, a, in, namesList[QBOCustomer]{
		objectType: store.ObjectCustomer, what: fmt.Sprintf("Customer %q", cust.DisplayName), noun: "customer",
		version: cust.Version,
		key:     func(q QBOCustomer) (string, string) { return q.ID, q.SyncToken },
		active:  func(q QBOCustomer) bool { return q.Active },
		find: func(ctx context.Context, c Company) (QBOCustomer, bool, error) {
			return c.FindCustomerByName(ctx, cust.DisplayName)
		},
		get: func(ctx context.Context, c Company, id string) (QBOCustomer, error) { return c.GetCustomer(ctx, id) },
		update: func(ctx context.Context, c Company, requestID, id, syncToken string) (QBOCustomer, error) {
			upd := want
			upd.ID, upd.SyncToken = id, syncToken
			return c.UpdateCustomer(ctx, requestID, upd)
		},
		create: func(ctx context.Context, c Company, requestID string) (QBOCustomer, error) {
			return c.CreateCustomer(ctx, requestID, want)
		},
		duplicate: "the name is already used by an employee or vendor in QuickBooks; rename the customer in Hoursync or in QuickBooks",
		kind:      "customer", name: cust.DisplayName, localActive: cust.Active,
		reimport: func(ctx context.Context, q QBOCustomer) error {
			_, _, err := a.Store.ImportCustomer(ctx, in.AccountID, in.RealmID, q.ID, q.SyncToken,
				store.CustomerInput{DisplayName: q.DisplayName, Email: q.Email, Active: q.Active})
			return err
		},
	})
}

// EnsureService makes sure the service exists in QBO as an Item of type Service,
// posting to the income account named in the account's settings (see ensureNamed).
func (a *Activities) EnsureService(ctx context.Context, in workflows.EnsureInput) (workflows.EnsureResult, error) {
	svc, err := a.Store.GetService(ctx, in.AccountID, in.ObjectID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	want := QBOItem{Name: svc.Name, Type: "Service", Description: svc.Description, UnitPriceCents: svc.RateCents, Active: svc.Active}
	return ensureNamed(ctx, a, in, namesList[QBOItem]{
		objectType: store.ObjectService, what: fmt.Sprintf("Service %q", svc.Name), noun: "item",
		version: svc.Version,
		key:     func(q QBOItem) (string, string) { return q.ID, q.SyncToken },
		active:  func(q QBOItem) bool { return q.Active },
		find:    func(ctx context.Context, c Company) (QBOItem, bool, error) { return c.FindItemByName(ctx, svc.Name) },
		get:     func(ctx context.Context, c Company, id string) (QBOItem, error) { return c.GetItem(ctx, id) },
		update: func(ctx context.Context, c Company, requestID, id, syncToken string) (QBOItem, error) {
			upd := want
			upd.ID, upd.SyncToken = id, syncToken
			return c.UpdateItem(ctx, requestID, upd)
		},
		create: func(ctx context.Context, c Company, requestID string) (QBOItem, error) {
			item := want
			var err error
			if item.IncomeAccountID, err = a.incomeAccount(ctx, in); err != nil {
				return QBOItem{}, err
			}
			return c.CreateItem(ctx, requestID, item)
		},
		duplicate: "the name is already used by another product or service in QuickBooks",
		kind:      "service", name: svc.Name, localActive: svc.Active,
		reimport: func(ctx context.Context, q QBOItem) error {
			_, _, err := a.Store.ImportService(ctx, in.AccountID, in.RealmID, q.ID, q.SyncToken,
				store.ServiceInput{Name: q.Name, Description: q.Description, RateCents: q.UnitPriceCents, Active: q.Active})
			return err
		},
	})
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
