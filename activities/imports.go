package activities

import (
	"context"
	"errors"
	"strings"

	"go.temporal.io/sdk/activity"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/workflows"
)

// CheckPlan reads the account's connection and, before any write, the company's plan:
// with NeedTime, a company without time tracking is a non-retryable ErrTypePlan error.
func (a *Activities) CheckPlan(ctx context.Context, in workflows.CheckPlanInput) (workflows.ConnectionInfo, error) {
	c, info, err := a.company(ctx, in.AccountID)
	if err != nil {
		return info, err
	}
	plan, err := readPlan(ctx, c)
	if err != nil {
		return info, qboError(subject{what: "QuickBooks plan"}, err)
	}
	// Keep the connection's cached plan current (settings page, badges).
	_ = a.QBO.Connections.UpdatePlan(ctx, in.AccountID, plan)
	info.Plan, info.CanSyncTime = plan.Name, plan.CanSyncTime()
	if in.NeedTime && !plan.CanSyncTime() {
		return info, permanent(workflows.ErrTypePlan, "%s", workflows.MsgPlan)
	}
	return info, nil
}

// readPlan reads CompanyInfo and Preferences at once: a sync waits for its plan
// before its first write, and the two reads need not wait for each other.
func readPlan(ctx context.Context, c *qbo.Client) (qbo.Plan, error) {
	var prefs qbo.Preferences
	var prefsErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		prefs, prefsErr = c.Preferences(ctx)
	}()
	info, err := c.CompanyInfo(ctx)
	<-done
	if err = errors.Join(err, prefsErr); err != nil {
		return qbo.Plan{}, err
	}
	return qbo.PlanOf(info, prefs), nil
}

// ImportIncomeAccounts imports the company's active Income accounts.
func (a *Activities) ImportIncomeAccounts(ctx context.Context, ref workflows.ConnectionRef) (workflows.ImportListResult, error) {
	c, _, err := a.company(ctx, ref.AccountID)
	if err != nil {
		return workflows.ImportListResult{}, err
	}
	accounts, err := allRows[qbo.Account](ctx, c, qbo.From[qbo.Account]().Where("AccountType", qbo.Eq, qbo.AccountTypeIncome))
	if err != nil {
		return workflows.ImportListResult{}, qboError(subject{what: "income accounts"}, err)
	}
	var res workflows.ImportListResult
	for _, acc := range accounts {
		if _, err := a.Store.UpsertIncomeAccount(ctx, ref.AccountID, ref.RealmID, acc.ID, acc.Name, acc.IsActive()); err != nil {
			return res, err
		}
		res.Imported++
	}
	return res, nil
}

// ImportTerms imports the company's sales terms (active and inactive), the choices an
// invoice's terms are made from.
func (a *Activities) ImportTerms(ctx context.Context, ref workflows.ConnectionRef) (workflows.ImportListResult, error) {
	c, _, err := a.company(ctx, ref.AccountID)
	if err != nil {
		return workflows.ImportListResult{}, err
	}
	terms, err := allRows[qbo.Term](ctx, c, qbo.From[qbo.Term]())
	if err != nil {
		return workflows.ImportListResult{}, qboError(subject{what: "terms"}, err)
	}
	var res workflows.ImportListResult
	for _, t := range terms {
		if _, err := a.Store.UpsertTerm(ctx, ref.AccountID, ref.RealmID, store.TermInput{QBOID: t.ID, Name: t.Name, Type: t.Type,
			DueDays: t.DueDays, DayOfMonthDue: t.DayOfMonthDue, DueNextMonthDays: t.DueNextMonthDays, Active: t.IsActive()}); err != nil {
			return res, err
		}
		res.Imported++
	}
	return res, nil
}

// ImportCustomers imports every customer, a page per statement, the next page read
// from QBO while the one before is written, heartbeating as it goes.
func (a *Activities) ImportCustomers(ctx context.Context, ref workflows.ConnectionRef) (workflows.ImportListResult, error) {
	c, _, err := a.company(ctx, ref.AccountID)
	if err != nil {
		return workflows.ImportListResult{}, err
	}
	var res workflows.ImportListResult
	err = readAhead(ctx, c, qbo.From[qbo.Customer](), func(page []qbo.Customer) error {
		in := make([]store.ImportedCustomer, len(page))
		for i, qc := range page {
			in[i] = store.ImportedCustomer{QBOID: qc.ID, SyncToken: qc.SyncToken, CustomerInput: customerInput(qc)}
		}
		outcomes, err := a.Store.ImportCustomers(ctx, ref.AccountID, ref.RealmID, in)
		for _, o := range outcomes {
			count(&res, o)
		}
		if err == nil {
			err = a.importCustomersTax(ctx, ref, page)
		}
		heartbeat(ctx, res.Imported)
		return err
	})
	return res, qboError(subject{what: "customers"}, err)
}

// ImportServices imports every Item of type Service, like ImportCustomers.
func (a *Activities) ImportServices(ctx context.Context, ref workflows.ConnectionRef) (workflows.ImportListResult, error) {
	c, _, err := a.company(ctx, ref.AccountID)
	if err != nil {
		return workflows.ImportListResult{}, err
	}
	var res workflows.ImportListResult
	err = readAhead(ctx, c, qbo.From[qbo.Item]().Where("Type", qbo.Eq, qbo.ItemTypeService), func(page []qbo.Item) error {
		in := make([]store.ImportedService, len(page))
		for i, it := range page {
			in[i] = store.ImportedService{QBOID: it.ID, SyncToken: it.SyncToken, ServiceInput: serviceInput(it)}
		}
		outcomes, err := a.Store.ImportServices(ctx, ref.AccountID, ref.RealmID, in)
		for _, o := range outcomes {
			count(&res, o)
		}
		if err == nil {
			err = a.importServicesTax(ctx, ref, page)
		}
		heartbeat(ctx, res.Imported)
		return err
	})
	return res, qboError(subject{what: "services"}, err)
}

// readAhead hands fn every page of q (active rows, then inactive ones) while it reads
// the next page from QBO: a page is written while the next one is on its way.
func readAhead[T qbo.Entity](ctx context.Context, c *qbo.Client, q qbo.Query, fn func([]T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan []T, 1)
	read := make(chan error, 1)
	go func() {
		defer close(pages)
		read <- everyRow(ctx, c, q, func(page []T) error {
			select {
			case pages <- append([]T(nil), page...): // everyRow reuses its page
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	for page := range pages {
		if err := fn(page); err != nil {
			cancel()
			for range pages {
			}
			return err
		}
	}
	return <-read
}

func count(res *workflows.ImportListResult, outcome store.ImportOutcome) {
	res.Imported++
	switch outcome {
	case store.ImportCreated:
		res.Created++
	case store.ImportLinked:
		res.Linked++
	}
}

func heartbeat(ctx context.Context, details any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details)
	}
}

// sameName compares names as QBO and people do: trimmed, ignoring case.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

func matchesEmployee(u store.User, e qbo.Employee) bool {
	return sameName(u.FirstName, e.GivenName) && sameName(u.LastName, e.FamilyName) && sameName(u.Email, e.Email())
}

// customerInput is Hoursync's copy of a QBO customer (import, and the re-read of one
// made active in QBO).
func customerInput(c qbo.Customer) store.CustomerInput {
	return store.CustomerInput{DisplayName: c.DisplayName, Email: c.Email(), Active: c.IsActive()}
}

// serviceInput is Hoursync's copy of a QBO service item.
func serviceInput(it qbo.Item) store.ServiceInput {
	return store.ServiceInput{Name: it.Name, Description: it.Description, RateCents: it.UnitPriceCents(), Active: it.IsActive()}
}

// LinkConnectingUser links the user who connected QBO to their QBO Employee (first
// name, last name and e-mail). Only that user is imported; others are invited.
func (a *Activities) LinkConnectingUser(ctx context.Context, in workflows.LinkUserInput) (bool, error) {
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return false, err
	}
	u, err := a.Store.GetUser(ctx, in.AccountID, in.UserID)
	if err != nil {
		return false, err
	}
	emps, err := allRows[qbo.Employee](ctx, c, qbo.From[qbo.Employee]())
	if err != nil {
		return false, qboError(subject{what: "employees"}, err)
	}
	for _, e := range emps {
		if e.IsActive() && matchesEmployee(u, e) {
			return true, a.Store.RecordSyncSuccess(ctx, in.AccountID, store.ObjectUser, u.ID, store.SyncSuccess{
				RealmID: in.RealmID, QBOID: e.ID, SyncToken: e.SyncToken, SyncedVersion: u.Version,
				Message: "Linked to the QuickBooks employee " + u.FullName()}, run(ctx, workflows.KindImport))
		}
	}
	return false, nil
}

// ListChangedObjects lists what changed locally since it last synced to the realm.
func (a *Activities) ListChangedObjects(ctx context.Context, ref workflows.ConnectionRef) (workflows.ChangedObjects, error) {
	var out workflows.ChangedObjects
	var err error
	for _, l := range []struct {
		objectType string
		into       *[]int64
	}{{store.ObjectCustomer, &out.Customers}, {store.ObjectService, &out.Services},
		{store.ObjectTimeCard, &out.TimeCards}, {store.ObjectInvoice, &out.Invoices}} {
		if *l.into, err = a.Store.ListChangedObjects(ctx, ref.AccountID, ref.RealmID, l.objectType); err != nil {
			return out, err
		}
	}
	return out, nil
}
