package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// TestImportPageDoesWhatImportingOneByOneDoes imports the same pages into two tenants,
// one customer at a time and a page per statement, and expects the same outcomes and
// the same customers, links and states: a namesake linked, new ones created, QBO's new
// values taken, the same SyncToken left alone, a local edit kept, and a page with two
// namesakes (which one statement cannot take) imported one by one.
func TestImportPageDoesWhatImportingOneByOneDoes(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	one, bulk := newTenant(t, s), newTenant(t, s)
	cust := func(id, token, name string) store.ImportedCustomer {
		return store.ImportedCustomer{QBOID: id, SyncToken: token, CustomerInput: store.CustomerInput{DisplayName: name, Email: name + "@example.com", Active: true}}
	}
	pages := [][]store.ImportedCustomer{
		{cust("1", "0", "o'brien & sons"), cust("2", "0", "Acme"), cust("3", "0", " Zeta ")},
		{cust("1", "0", "o'brien & sons"), cust("2", "1", "Acme Ltd"), cust("3", "1", "Zeta Two"), cust("4", "0", "New One")},
		{cust("5", "0", "Twin"), cust("6", "0", "twin")},
	}
	edit := func(tn tenant) {
		c, err := s.FindCustomerByName(ctx, tn.account.ID, "Zeta")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateCustomer(ctx, tn.account.ID, c.ID, store.CustomerInput{DisplayName: "Zeta Local", Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	var want, got [][]store.ImportOutcome
	for i, page := range pages {
		if i == 1 {
			edit(one)
			edit(bulk)
		}
		var outs []store.ImportOutcome
		for _, c := range page {
			_, o, err := s.ImportCustomer(ctx, one.account.ID, "r1", c.QBOID, c.SyncToken, c.CustomerInput)
			if err != nil {
				t.Fatal(err)
			}
			outs = append(outs, o)
		}
		want = append(want, outs)
		outs, err := s.ImportCustomers(ctx, bulk.account.ID, "r1", page)
		if err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
		got = append(got, outs)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("outcomes %v, one by one %v", got, want)
	}
	if a, b := customersOf(t, s, one), customersOf(t, s, bulk); !reflect.DeepEqual(a, b) {
		t.Fatalf("customers differ:\none by one %v\npage       %v", a, b)
	}
}

// customersOf describes a tenant's customers with their links and states.
func customersOf(t *testing.T, s *store.Store, tn tenant) []string {
	t.Helper()
	ctx := context.Background()
	all, err := s.ListCustomers(ctx, tn.account.ID, "", store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range all {
		l, _ := s.GetLink(ctx, tn.account.ID, "r1", store.ObjectCustomer, c.ID)
		st, _ := s.GetSyncState(ctx, tn.account.ID, store.ObjectCustomer, c.ID)
		out = append(out, fmt.Sprintf("%s <%s> v%d qbo=%s/%s synced=v%d %s", c.DisplayName, c.Email, c.Version, l.QBOID, l.SyncToken, l.SyncedVersion, st.Status))
	}
	return out
}

// TestImportServicesPageCreatesLinksAndUpdates: services take the same path.
func TestImportServicesPageCreatesLinksAndUpdates(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	tn := newTenant(t, s)
	svc := func(id, token, name string, rate int64) store.ImportedService {
		return store.ImportedService{QBOID: id, SyncToken: token, ServiceInput: store.ServiceInput{Name: name, RateCents: rate, Active: true}}
	}
	outs, err := s.ImportServices(ctx, tn.account.ID, "r1", []store.ImportedService{svc("7", "0", "design", 9000), svc("8", "0", "Research", 5000)})
	if err != nil || !reflect.DeepEqual(outs, []store.ImportOutcome{store.ImportLinked, store.ImportCreated}) {
		t.Fatalf("first page = %v %v", outs, err)
	}
	outs, err = s.ImportServices(ctx, tn.account.ID, "r1", []store.ImportedService{svc("7", "0", "design", 9000), svc("8", "1", "Research", 6000)})
	if err != nil || !reflect.DeepEqual(outs, []store.ImportOutcome{store.ImportSkipped, store.ImportUpdated}) {
		t.Fatalf("second page = %v %v", outs, err)
	}
	r, err := s.FindServiceByName(ctx, tn.account.ID, "research")
	if err != nil || r.RateCents != 6000 {
		t.Fatalf("research = %+v %v", r, err)
	}
}

// TestRecordSyncSuccessesDoesWhatRecordingOneByOneDoes: links, states (synced, or
// changed when the card was edited while it synced) and history, as RecordSyncSuccess
// leaves them.
func TestRecordSyncSuccessesDoesWhatRecordingOneByOneDoes(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	run := store.SyncRun{Kind: "timecards", WorkflowID: "wf", RunID: "run", Attempt: 2}
	describe := func(tn tenant) []string {
		var out []string
		for _, id := range []int64{tn.card.ID} {
			l, _ := s.GetLink(ctx, tn.account.ID, "r1", store.ObjectTimeCard, id)
			st, _ := s.GetSyncState(ctx, tn.account.ID, store.ObjectTimeCard, id)
			h, _ := s.ListSyncHistory(ctx, tn.account.ID, store.ObjectTimeCard, id, store.Page{})
			out = append(out, fmt.Sprintf("%s/%s v%d deleted=%v | %s %q %s/%s", l.QBOID, l.SyncToken, l.SyncedVersion, l.QBODeleted,
				st.Status, st.Message, st.WorkflowID, st.RunID))
			for _, e := range h {
				out = append(out, fmt.Sprintf("%s %d %s %s %q", e.Kind, e.Attempt, e.WorkflowID, e.Outcome, e.Message))
			}
		}
		return out
	}
	for _, version := range []int64{1, 0} { // synced as it is; edited while it synced
		one, bulk := newTenant(t, s), newTenant(t, s)
		ok := store.SyncSuccess{RealmID: "r1", QBOID: "77", SyncToken: "3", SyncedVersion: one.card.Version - 1 + version, Message: "Created in QuickBooks"}
		if err := s.RecordSyncSuccess(ctx, one.account.ID, store.ObjectTimeCard, one.card.ID, ok, run); err != nil {
			t.Fatal(err)
		}
		ok.SyncedVersion = bulk.card.Version - 1 + version
		if err := s.RecordSyncSuccesses(ctx, bulk.account.ID, store.ObjectTimeCard, []store.ObjectSuccess{{ID: bulk.card.ID, SyncSuccess: ok}}, run); err != nil {
			t.Fatal(err)
		}
		if a, b := describe(one), describe(bulk); !reflect.DeepEqual(a, b) {
			t.Fatalf("one by one %v\ntogether  %v", a, b)
		}
	}
}
