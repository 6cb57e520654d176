package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"hoursync/internal/qbo"
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
	about := subject{what: fmt.Sprintf("Employee %q", u.FullName())}
	emps, err := allRows[qbo.Employee](ctx, c, qbo.From[qbo.Employee]())
	if err != nil {
		return workflows.EnsureResult{}, qboError(about, err)
	}
	for _, e := range emps {
		if matchesEmployee(u, e) {
			if !e.IsActive() {
				// What QBO would answer a time activity of this employee.
				return workflows.EnsureResult{}, qboError(about, qbo.ErrNotFound)
			}
			return workflows.EnsureResult{QBOID: e.ID, Linked: true},
				a.recordEnsured(ctx, in, store.ObjectUser, e.ID, e.SyncToken, u.Version, "Linked to the QuickBooks employee")
		}
	}
	e, err := qbo.Create(ctx, c, reqID(in.RealmID, store.ObjectUser, u.ID, u.Version), qbo.Employee{GivenName: u.FirstName,
		FamilyName: u.LastName, DisplayName: strings.TrimSpace(u.FirstName + " " + u.LastName), PrimaryEmailAddr: email(u.Email)})
	if err != nil {
		return workflows.EnsureResult{}, qboError(about, err)
	}
	return workflows.EnsureResult{QBOID: e.ID, Created: true},
		a.recordEnsured(ctx, in, store.ObjectUser, e.ID, e.SyncToken, u.Version, "Created as an employee in QuickBooks")
}

// namesListObject is a QBO names-list object Hoursync ensures (Customer, Item).
type namesListObject interface {
	qbo.Entity
	IsActive() bool
}

// namesList describes how ensureNamed finds, creates and sparse-updates one local
// customer or service as its QBO object Q.
type namesList[Q namesListObject] struct {
	objectType string // store object type, also part of the requestid
	what       string // "Customer \"Acme\"", for messages
	noun       string // "customer", "item"
	version    int64  // the local object's version being synced
	nameField  string // the QBO field find looks the name up in
	// updated is the sparse update of the fields Hoursync owns.
	updated func(id, syncToken string) Q
	// created is the object to create.
	created func(ctx context.Context) (Q, error)
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
	return permanent(workflows.ErrTypeInactiveInQBO, "%s", inactiveMessage(spec.kind, spec.name))
}

// ensureNamed makes sure a names-list object exists in QBO: linked already (pushing
// local edits as a sparse update, re-read and re-applied once on a stale SyncToken),
// found by name and linked (an inactive one is reported, never recreated), or created.
func ensureNamed[Q namesListObject](ctx context.Context, a *Activities, in workflows.EnsureInput, spec namesList[Q]) (workflows.EnsureResult, error) {
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
	about := subject{what: spec.what}
	if !spec.localActive {
		if !linked {
			return workflows.EnsureResult{}, spec.inactive()
		}
		// Inactive when last imported: it may have been made active in QBO since, which
		// is what the person was told to do; only QBO knows.
		current, err := qbo.Read[Q](ctx, c, link.QBOID)
		if err != nil {
			return workflows.EnsureResult{}, qboError(about, err)
		}
		if !current.IsActive() {
			return workflows.EnsureResult{}, spec.inactive()
		}
		if err := spec.reimport(ctx, current); err != nil {
			return workflows.EnsureResult{}, err
		}
		return workflows.EnsureResult{QBOID: link.QBOID}, nil
	}
	record := func(got Q, res workflows.EnsureResult, msg string) (workflows.EnsureResult, error) {
		id, token := got.Key()
		res.QBOID = id
		return res, a.recordEnsured(ctx, in, spec.objectType, id, token, spec.version, msg)
	}
	if linked {
		// Local edits since the last sync: a sparse update of the fields Hoursync owns.
		update := func(syncToken string) (Q, error) {
			return qbo.Update(ctx, c, reqID(in.RealmID, spec.objectType, in.ObjectID, spec.version, syncToken), spec.updated(link.QBOID, syncToken))
		}
		got, err := update(link.SyncToken)
		if errors.Is(err, qbo.ErrStale) {
			var current Q
			if current, err = qbo.Read[Q](ctx, c, link.QBOID); err == nil {
				_, token := current.Key()
				got, err = update(token)
			}
		}
		if err != nil {
			return workflows.EnsureResult{}, qboError(about, err)
		}
		return record(got, workflows.EnsureResult{}, "Changes pushed to QuickBooks")
	}
	existing, found, err := findByName[Q](ctx, c, spec.nameField, spec.name)
	if err != nil {
		return workflows.EnsureResult{}, qboError(about, err)
	}
	if found {
		if !existing.IsActive() {
			return workflows.EnsureResult{}, spec.inactive()
		}
		return record(existing, workflows.EnsureResult{Linked: true}, "Linked to the QuickBooks "+spec.noun+" of the same name")
	}
	obj, err := spec.created(ctx)
	if err != nil {
		return workflows.EnsureResult{}, qboError(about, err)
	}
	got, err := qbo.Create(ctx, c, reqID(in.RealmID, spec.objectType, in.ObjectID, spec.version), obj)
	if err != nil {
		about.duplicateName = spec.duplicate
		return workflows.EnsureResult{}, qboError(about, err)
	}
	return record(got, workflows.EnsureResult{Created: true}, "Created in QuickBooks")
}

// EnsureCustomer makes sure the customer exists in QBO (see ensureNamed).
func (a *Activities) EnsureCustomer(ctx context.Context, in workflows.EnsureInput) (workflows.EnsureResult, error) {
	cust, err := a.Store.GetCustomer(ctx, in.AccountID, in.ObjectID)
	if err != nil {
		return workflows.EnsureResult{}, err
	}
	return ensureNamed(ctx, a, in, namesList[qbo.Customer]{
		objectType: store.ObjectCustomer, what: fmt.Sprintf("Customer %q", cust.DisplayName), noun: "customer",
		version: cust.Version, nameField: "DisplayName",
		updated: func(id, syncToken string) qbo.Customer {
			upd := qbo.Customer{DisplayName: cust.DisplayName, PrimaryEmailAddr: email(cust.Email), Active: boolp(cust.Active)}
			upd.ID, upd.SyncToken = id, syncToken
			return upd
		},
		created: func(context.Context) (qbo.Customer, error) {
			return qbo.Customer{DisplayName: cust.DisplayName, PrimaryEmailAddr: email(cust.Email)}, nil
		},
		duplicate: "the name is already used by an employee or vendor in QuickBooks; rename the customer in Hoursync or in QuickBooks",
		kind:      "customer", name: cust.DisplayName, localActive: cust.Active,
		reimport: func(ctx context.Context, q qbo.Customer) error {
			_, _, err := a.Store.ImportCustomer(ctx, in.AccountID, in.RealmID, q.ID, q.SyncToken, customerInput(q))
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
	item := func() qbo.Item {
		price := qbo.Money(svc.RateCents)
		return qbo.Item{Name: svc.Name, Description: svc.Description, UnitPrice: &price, Active: boolp(svc.Active)}
	}
	return ensureNamed(ctx, a, in, namesList[qbo.Item]{
		objectType: store.ObjectService, what: fmt.Sprintf("Service %q", svc.Name), noun: "item",
		version: svc.Version, nameField: "Name",
		updated: func(id, syncToken string) qbo.Item {
			upd := item() // the type and income account of an item never change
			upd.ID, upd.SyncToken = id, syncToken
			return upd
		},
		created: func(ctx context.Context) (qbo.Item, error) {
			incomeAccount, err := a.incomeAccount(ctx, in)
			if err != nil {
				return qbo.Item{}, err
			}
			it := item()
			it.Type, it.IncomeAccountRef = qbo.ItemTypeService, ref(incomeAccount)
			return it, nil
		},
		duplicate: "the name is already used by another product or service in QuickBooks",
		kind:      "service", name: svc.Name, localActive: svc.Active,
		reimport: func(ctx context.Context, q qbo.Item) error {
			_, _, err := a.Store.ImportService(ctx, in.AccountID, in.RealmID, q.ID, q.SyncToken, serviceInput(q))
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
