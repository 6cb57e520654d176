package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
	"hoursync/migrations"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// tenant is one account with an owner, a customer, a service and a card.
type tenant struct {
	account  store.Account
	owner    store.User
	customer store.Customer
	service  store.Service
	card     store.TimeCard
	invoice  store.Invoice
}

func newTenant(t *testing.T, s *store.Store) tenant {
	t.Helper()
	ctx := context.Background()
	var tn tenant
	var err error
	tn.account, tn.owner, err = s.CreateAccountWithOwner(ctx, store.NewAccount{Name: "Firm " + testutil.RandomHex(3)},
		store.NewUser{Email: testutil.UniqueName("owner") + "@example.com", FirstName: "Olive", LastName: "Owner"})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	id := tn.account.ID
	if tn.customer, err = s.CreateCustomer(ctx, id, store.CustomerInput{DisplayName: "O'Brien & Sons", Active: true}); err != nil {
		t.Fatalf("create customer: %v", err)
	}
	if tn.service, err = s.CreateService(ctx, id, store.ServiceInput{Name: "Design", RateCents: 12000, Active: true}); err != nil {
		t.Fatalf("create service: %v", err)
	}
	if tn.card, err = s.CreateTimeCard(ctx, id, store.TimeCardInput{UserID: tn.owner.ID, CustomerID: tn.customer.ID,
		ServiceID: tn.service.ID, WorkDate: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Minutes: 90, Billable: true, RateCents: 12000}); err != nil {
		t.Fatalf("create time card: %v", err)
	}
	if tn.invoice, err = s.CreateInvoice(ctx, id, store.InvoiceInput{CustomerID: tn.customer.ID, InvoiceDate: time.Now(),
		Lines: []store.LineInput{{ServiceID: tn.service.ID, QuantityMilli: 1500, RateCents: 12000}}}); err != nil {
		t.Fatalf("create invoice: %v", err)
	}
	return tn
}

func TestEveryRepositoryHidesOtherAccountsObjects(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a, b := newTenant(t, s), newTenant(t, s)
	other := b.account.ID
	cases := []struct {
		name string
		call func() error
	}{
		{"GetUser", func() error { _, err := s.GetUser(ctx, other, a.owner.ID); return err }},
		{"UpdateUser", func() error {
			_, err := s.UpdateUser(ctx, other, a.owner.ID, store.UserUpdate{Email: "x@example.com", Role: "member"})
			return err
		}},
		{"SetPassword", func() error { return s.SetPassword(ctx, other, a.owner.ID, "hash") }},
		{"SetIntuitSub", func() error { return s.SetIntuitSub(ctx, other, a.owner.ID, "sub") }},
		{"GetCustomer", func() error { _, err := s.GetCustomer(ctx, other, a.customer.ID); return err }},
		{"UpdateCustomer", func() error {
			_, err := s.UpdateCustomer(ctx, other, a.customer.ID, store.CustomerInput{DisplayName: "Stolen"})
			return err
		}},
		{"FindCustomerByName", func() error {
			_, err := s.FindCustomerByName(ctx, other, "no such "+a.customer.DisplayName)
			return err
		}},
		{"GetService", func() error { _, err := s.GetService(ctx, other, a.service.ID); return err }},
		{"UpdateService", func() error {
			_, err := s.UpdateService(ctx, other, a.service.ID, store.ServiceInput{Name: "Stolen"})
			return err
		}},
		{"GetTimeCard", func() error { _, err := s.GetTimeCard(ctx, other, a.card.ID); return err }},
		{"UpdateTimeCard", func() error {
			_, err := s.UpdateTimeCard(ctx, other, a.card.ID, store.TimeCardInput{UserID: b.owner.ID, CustomerID: b.customer.ID,
				ServiceID: b.service.ID, WorkDate: time.Now(), Minutes: 5})
			return err
		}},
		{"DeleteTimeCard", func() error { _, err := s.DeleteTimeCard(ctx, other, a.card.ID); return err }},
		{"GetInvoice", func() error { _, err := s.GetInvoice(ctx, other, a.invoice.ID); return err }},
		{"UpdateInvoice", func() error {
			_, err := s.UpdateInvoice(ctx, other, a.invoice.ID, store.InvoiceInput{CustomerID: b.customer.ID, InvoiceDate: time.Now()})
			return err
		}},
		{"VoidInvoice", func() error { _, err := s.VoidInvoice(ctx, other, a.invoice.ID); return err }},
		{"DeleteInvoice", func() error { _, err := s.DeleteInvoice(ctx, other, a.invoice.ID); return err }},
		{"CreateInvoiceFromTimeCards", func() error {
			_, err := s.CreateInvoiceFromTimeCards(ctx, other, store.InvoiceInput{InvoiceDate: time.Now()}, []int64{a.card.ID}, store.GroupPerCard)
			return err
		}},
		{"GetLink", func() error { _, err := s.GetLink(ctx, other, "r1", store.ObjectCustomer, a.customer.ID); return err }},
	}
	if err := s.UpsertLink(ctx, a.account.ID, "r1", store.ObjectCustomer, a.customer.ID, "58", "0", 1); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("got %v, want ErrNotFound", err)
			}
		})
	}
	// Lists never show another account's rows.
	cards, err := s.ListTimeCards(ctx, other, store.TimeCardFilter{}, store.Page{})
	if err != nil || len(cards) != 1 || cards[0].ID != b.card.ID {
		t.Fatalf("ListTimeCards for B = %v, %v; want only B's card", cards, err)
	}
	customers, err := s.ListCustomers(ctx, other, "", store.Page{})
	if err != nil || len(customers) != 1 || customers[0].ID != b.customer.ID {
		t.Fatalf("ListCustomers for B = %v, %v", customers, err)
	}
	invoices, err := s.ListInvoices(ctx, other, store.InvoiceFilter{}, store.Page{})
	if err != nil || len(invoices) != 1 || invoices[0].ID != b.invoice.ID {
		t.Fatalf("ListInvoices for B = %v, %v", invoices, err)
	}
	if _, err := s.CreateTimeCard(ctx, other, store.TimeCardInput{UserID: a.owner.ID, CustomerID: b.customer.ID,
		ServiceID: b.service.ID, WorkDate: time.Now(), Minutes: 5}); !isReference(err, "user_id") {
		t.Fatalf("card for another account's user: got %v, want reference error on user_id", err)
	}
}

func isReference(err error, field string) bool {
	var ref *store.ReferenceError
	return errors.As(err, &ref) && ref.Field == field
}

func TestDuplicateNamesAreTypedErrorsNamingTheField(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	tn := newTenant(t, s)
	check := func(name, field string, err error) {
		t.Helper()
		var dup *store.DuplicateError
		if !errors.As(err, &dup) || dup.Field != field || !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("%s: got %v, want duplicate %s", name, err, field)
		}
	}
	_, err := s.CreateCustomer(ctx, tn.account.ID, store.CustomerInput{DisplayName: "  o'brien & SONS "})
	check("customer", "display_name", err)
	_, err = s.CreateService(ctx, tn.account.ID, store.ServiceInput{Name: "DESIGN"})
	check("service", "name", err)
	_, err = s.CreateUser(ctx, tn.account.ID, store.NewUser{Email: " " + tn.owner.Email + " "})
	check("user", "email", err)
	_, err = s.CreateInvoice(ctx, tn.account.ID, store.InvoiceInput{CustomerID: tn.customer.ID, Number: tn.invoice.Number, InvoiceDate: time.Now()})
	check("invoice", "number", err)
	// The same names in another account are fine.
	other := newTenant(t, s)
	if _, err := s.CreateCustomer(ctx, other.account.ID, store.CustomerInput{DisplayName: "Acme"}); err != nil {
		t.Fatal(err)
	}
}

func TestSyncedCardEditedBecomesChangedAndBilledCardIsRefused(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	tn := newTenant(t, s)
	id := tn.account.ID
	run := store.SyncRun{Kind: "timecard", WorkflowID: "timecard-sync/1", RunID: "r"}
	if err := s.MarkSyncing(ctx, id, store.ObjectTimeCard, []int64{tn.card.ID}, run); err != nil {
		t.Fatal(err)
	}
	in := store.TimeCardInput{UserID: tn.owner.ID, CustomerID: tn.customer.ID, ServiceID: tn.service.ID, WorkDate: tn.card.WorkDate, Minutes: 120, Billable: true, RateCents: 12000}
	if _, err := s.UpdateTimeCard(ctx, id, tn.card.ID, in); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("edit while syncing: got %v, want conflict", err)
	}
	if err := s.RecordSyncSuccess(ctx, id, store.ObjectTimeCard, tn.card.ID, store.SyncSuccess{RealmID: "r1", QBOID: "7",
		SyncToken: "0", SyncedVersion: tn.card.Version}, run); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.GetSyncState(ctx, id, store.ObjectTimeCard, tn.card.ID); st.Status != store.StatusSynced {
		t.Fatalf("after sync status = %q", st.Status)
	}
	card, err := s.UpdateTimeCard(ctx, id, tn.card.ID, in)
	if err != nil || card.SyncStatus != store.StatusChanged || card.Version != tn.card.Version+1 {
		t.Fatalf("edit after sync: %+v, %v", card, err)
	}
	changed, err := s.ListChangedObjects(ctx, id, "r1", store.ObjectTimeCard)
	if err != nil || len(changed) != 1 || changed[0] != tn.card.ID {
		t.Fatalf("pending changes = %v, %v", changed, err)
	}
	inv, err := s.CreateInvoiceFromTimeCards(ctx, id, store.InvoiceInput{InvoiceDate: time.Now()}, []int64{tn.card.ID}, store.GroupPerServiceRate)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Lines) != 1 || inv.Lines[0].QuantityMilli != 2000 || inv.Lines[0].AmountCents != 24000 || inv.TotalCents != 24000 {
		t.Fatalf("invoice lines = %+v total %d", inv.Lines, inv.TotalCents)
	}
	if _, err := s.UpdateTimeCard(ctx, id, tn.card.ID, in); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("edit of billed card: got %v, want conflict", err)
	}
	// A synced card that is deleted stays until its deletion reaches QBO.
	if _, err := s.VoidInvoice(ctx, id, inv.ID); err != nil {
		t.Fatal(err)
	}
	pending, err := s.DeleteTimeCard(ctx, id, tn.card.ID)
	if err != nil || !pending {
		t.Fatalf("delete synced card: pending=%v err=%v", pending, err)
	}
	if _, err := s.GetTimeCard(ctx, id, tn.card.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted card still visible: %v", err)
	}
	forSync, err := s.GetTimeCardsForSync(ctx, id, []int64{tn.card.ID})
	if err != nil || len(forSync) != 1 || !forSync[0].DeletedAt.Valid {
		t.Fatalf("card for sync = %+v, %v", forSync, err)
	}
}

func TestLineAmountRoundsHalfUp(t *testing.T) {
	for _, tc := range []struct{ qty, rate, want int64 }{
		{1000, 12345, 12345}, {333, 10000, 3330}, {1, 5, 0}, {100, 5, 1}, {1500, 3333, 5000}, {store.MinutesToQuantityMilli(20), 9000, 2997},
	} {
		if got := store.LineAmount(tc.qty, tc.rate); got != tc.want {
			t.Errorf("LineAmount(%d, %d) = %d, want %d", tc.qty, tc.rate, got, tc.want)
		}
	}
}

func TestMigrationsRoundTripFromEmpty(t *testing.T) {
	db := testutil.DB(t)
	ctx := context.Background()
	// The package database is migrated already; a fresh schema proves up from empty.
	if _, err := db.ExecContext(ctx, `DROP SCHEMA IF EXISTS migtest CASCADE; CREATE SCHEMA migtest`); err != nil {
		t.Fatal(err)
	}
	// goose needs a *sql.DB; a single-connection pool keeps the search_path.
	single := testutil.DB(t)
	single.SetMaxOpenConns(1)
	if _, err := single.ExecContext(ctx, `SET search_path TO migtest`); err != nil {
		t.Fatal(err)
	}
	if err := migrations.Up(ctx, single.DB); err != nil {
		t.Fatalf("up: %v", err)
	}
	var n int
	if err := single.GetContext(ctx, &n, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'migtest'`); err != nil || n < 17 {
		t.Fatalf("tables after up = %d, %v", n, err)
	}
	if err := migrations.Down(ctx, single.DB); err != nil {
		t.Fatalf("down: %v", err)
	}
	if err := migrations.Up(ctx, single.DB); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
