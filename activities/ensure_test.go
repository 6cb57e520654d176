package activities_test

import (
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// incomeAccountID is the Id of an income account of the company.
func (f *fixture) incomeAccountID() string {
	f.t.Helper()
	for _, a := range f.live("Account") {
		if str(a["AccountType"]) == "Income" {
			return str(a["Id"])
		}
	}
	f.t.Fatal("no income account in the company")
	return ""
}

// wantPermanent fails unless err is the non-retryable application error of errType
// with message.
func wantPermanent(t *testing.T, err error, errType, message string) {
	t.Helper()
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || !ae.NonRetryable() || ae.Type() != errType || ae.Message() != message {
		t.Fatalf("error %v, want the non-retryable %s %q", err, errType, message)
	}
}

const researchInactive = `The service "Research" is inactive in QuickBooks: make it active there, or pick another service`

func TestEnsureServiceImportedInactiveFailsNamingItUntilItIsActiveInQBO(t *testing.T) {
	f := newFixture(t)
	item := f.seed("Item", map[string]any{"Name": "Research", "Type": "Service", "Active": false,
		"IncomeAccountRef": map[string]any{"value": f.incomeAccountID()}})
	f.importAll()
	items := len(f.live("Item"))
	research, err := f.store.FindServiceByName(f.ctx, f.account.ID, "Research")
	if err != nil {
		t.Fatal(err)
	}
	if research.Active {
		t.Fatal("imported as active")
	}
	_, err = f.acts.EnsureService(f.ctx, f.ensureInput(research.ID))
	wantPermanent(t, err, workflows.ErrTypeInactiveInQBO, researchInactive)

	// Made active in QBO, as the message said: the next ensure reads QBO and goes on.
	setActive(f, str(item["Id"]), true, itemActive)
	res, err := f.acts.EnsureService(f.ctx, f.ensureInput(research.ID))
	if err != nil || res.QBOID != str(item["Id"]) {
		t.Fatalf("after activating: %+v, %v", res, err)
	}
	if sv, _ := f.store.GetService(f.ctx, f.account.ID, research.ID); !sv.Active {
		t.Fatal("Hoursync's copy still inactive")
	}
	if n := len(f.live("Item")); n != items {
		t.Fatalf("QBO items %d -> %d: the service was duplicated", items, n)
	}
}

func TestEnsureServiceNamedLikeAnInactiveQBOItemIsNeverDuplicated(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	f.seed("Item", map[string]any{"Name": "Research", "Type": "Service", "Active": false,
		"IncomeAccountRef": map[string]any{"value": f.incomeAccountID()}})
	items := len(f.live("Item"))
	sv, err := f.store.CreateService(f.ctx, f.account.ID, store.ServiceInput{Name: "Research", RateCents: 9000, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.acts.EnsureService(f.ctx, f.ensureInput(sv.ID))
	wantPermanent(t, err, workflows.ErrTypeInactiveInQBO, researchInactive)
	if n := len(f.live("Item")); n != items {
		t.Fatalf("QBO items %d -> %d: the inactive one was duplicated", items, n)
	}
}

func TestEnsureServiceCreatesTheItemUnderTheIncomeAccountOfTheSettings(t *testing.T) {
	f := newFixture(t)
	f.importAll()
	sv, err := f.store.CreateService(f.ctx, f.account.ID, store.ServiceInput{Name: "Illustration", Description: "By hand", RateCents: 12050, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.acts.EnsureService(f.ctx, f.ensureInput(sv.ID))
	if err != nil || !res.Created {
		t.Fatalf("ensure: %+v, %v", res, err)
	}
	it := f.entity(f.live("Item"), res.QBOID)
	incomeRef, _ := it["IncomeAccountRef"].(map[string]any)
	if str(it["Name"]) != "Illustration" || str(it["Type"]) != "Service" || str(it["Description"]) != "By hand" ||
		str(it["UnitPrice"]) != "120.5" || str(incomeRef["value"]) != f.incomeAccountID() {
		t.Fatalf("item %v", it)
	}
	if l := f.link(store.ObjectService, sv.ID); l.QBOID != res.QBOID || l.SyncedVersion != sv.Version {
		t.Fatalf("link %+v", l)
	}
	// Nothing changed: no second write.
	before := f.requests()
	if again, err := f.acts.EnsureService(f.ctx, f.ensureInput(sv.ID)); err != nil || again.QBOID != res.QBOID || again.Created {
		t.Fatalf("again: %+v, %v", again, err)
	}
	if n := f.requests() - before; n != 0 {
		t.Fatalf("%d requests for a service in QBO as it is", n)
	}
}
