package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// inactivate makes a customer or service inactive, as an import of one made inactive in
// QBO does; linked says it came from QBO.
func inactivate(t *testing.T, s *store.Store, accountID int64, objectType string, id int64, linked bool) {
	t.Helper()
	table := map[string]string{store.ObjectCustomer: "customers", store.ObjectService: "services"}[objectType]
	if _, err := s.DB().Exec(`UPDATE `+table+` SET active = false WHERE account_id = $1 AND id = $2`, accountID, id); err != nil {
		t.Fatal(err)
	}
	if linked {
		if err := s.UpsertLink(context.Background(), accountID, "realm-"+testutil.RandomHex(3), objectType, id, "q"+testutil.RandomHex(3), "0", 1); err != nil {
			t.Fatal(err)
		}
	}
}

func wantInactive(t *testing.T, what string, err error, field, name string, inQBO bool) {
	t.Helper()
	var ie *store.InactiveError
	if !errors.As(err, &ie) || ie.Field != field || ie.Name != name || ie.InQuickBooks != inQBO {
		t.Errorf("%s: err = %v (%+v), want inactive %s %q (in QuickBooks %v)", what, err, ie, field, name, inQBO)
	}
}

// TestInactiveCustomerOrServiceIsRefusedInTheCardStatement: the statement that records
// a card refuses an inactive customer or service, alone and in a shared batch (where
// the bad cards are retried alone and each gets its own error, and the good ones are
// written once); an edit naming one is refused too, even keeping the card's own.
func TestInactiveCustomerOrServiceIsRefusedInTheCardStatement(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a := newTenant(t, s)
	id := a.account.ID
	oldCustomer, err := s.CreateCustomer(ctx, id, store.CustomerInput{DisplayName: "Gone Client " + testutil.RandomHex(2), Active: true})
	if err != nil {
		t.Fatal(err)
	}
	oldService, err := s.CreateService(ctx, id, store.ServiceInput{Name: "Research " + testutil.RandomHex(2), RateCents: 5000, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	good := store.TimeCardInput{UserID: a.owner.ID, CustomerID: a.customer.ID, ServiceID: a.service.ID, WorkDate: day, Minutes: 30, Billable: true, RateCents: -1}
	// A card recorded while both were active, edited after they became inactive.
	before := good
	before.CustomerID, before.ServiceID = oldCustomer.ID, oldService.ID
	card, err := s.CreateTimeCard(ctx, id, before)
	if err != nil {
		t.Fatal(err)
	}
	inactivate(t, s, id, store.ObjectCustomer, oldCustomer.ID, true)
	inactivate(t, s, id, store.ObjectService, oldService.ID, false)

	withCustomer, withService := good, good
	withCustomer.CustomerID, withService.ServiceID = oldCustomer.ID, oldService.ID
	_, err = s.CreateTimeCard(ctx, id, withCustomer)
	wantInactive(t, "alone, inactive customer", err, "customer_id", oldCustomer.DisplayName, true)
	_, err = s.CreateTimeCard(ctx, id, withService)
	wantInactive(t, "alone, inactive service", err, "service_id", oldService.Name, false)

	cards, errs := s.CreateTimeCardsInOneBatch([]int64{id, id, id, id}, []store.TimeCardInput{good, withCustomer, withService, good})
	wantInactive(t, "batch, inactive customer", errs[1], "customer_id", oldCustomer.DisplayName, true)
	wantInactive(t, "batch, inactive service", errs[2], "service_id", oldService.Name, false)
	if errs[0] != nil || errs[3] != nil || cards[0].ID == 0 || cards[3].ID == 0 || cards[0].ID == cards[3].ID || cards[0].RateCents != a.service.RateCents {
		t.Fatalf("good cards of the batch: %+v %+v, %v %v", cards[0], cards[3], errs[0], errs[3])
	}
	list, err := s.ListTimeCards(ctx, id, store.TimeCardFilter{From: day, To: day}, store.Page{Limit: 100})
	if err != nil || len(list) != 3 { // the one recorded before, and the batch's two good ones
		t.Fatalf("cards on the day = %d, %v", len(list), err)
	}

	edit := before
	edit.Minutes, edit.RateCents = 45, 5000
	_, err = s.UpdateTimeCard(ctx, id, card.ID, edit)
	wantInactive(t, "edit keeping the inactive customer", err, "customer_id", oldCustomer.DisplayName, true)
	edit.CustomerID = a.customer.ID
	_, err = s.UpdateTimeCard(ctx, id, card.ID, edit)
	wantInactive(t, "edit keeping the inactive service", err, "service_id", oldService.Name, false)
	edit.ServiceID = a.service.ID
	got, err := s.UpdateTimeCard(ctx, id, card.ID, edit)
	if err != nil || got.Minutes != 45 || got.Version != card.Version+1 {
		t.Fatalf("edit to active ones: %+v, %v", got, err)
	}
	// An unknown reference is still an unknown one, not an inactive one.
	edit.CustomerID = 987654321
	if _, err := s.UpdateTimeCard(ctx, id, card.ID, edit); !isReference(err, "customer_id") {
		t.Fatalf("edit to an unknown customer: %v", err)
	}
	if linked, err := s.InQuickBooks(ctx, id, store.ObjectCustomer, oldCustomer.ID); err != nil || !linked {
		t.Fatalf("imported customer in QuickBooks = %v, %v", linked, err)
	}
}

// TestChangedObjectsListPendingDeletesAndVoids: what the "changed" re-sync hands to the
// syncs includes a deleted synced card, a deleted synced invoice and a voided synced
// invoice, until their deletion or void is recorded as done in QBO; the week's list
// of pending deletions ("Re-sync changed and failed") shows the deleted card too.
func TestChangedObjectsListPendingDeletesAndVoids(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	tn := newTenant(t, s)
	id, realm := tn.account.ID, "realm-"+testutil.RandomHex(4)
	if _, err := s.DB().Exec(`INSERT INTO qbo_connections (account_id, realm_id, company_name, plan, can_sync_time, status)
		VALUES ($1, $2, 'Co', 'QBO Plus', true, $3)`, id, realm, store.ConnectionConnected); err != nil {
		t.Fatal(err)
	}
	run := store.SyncRun{Kind: "test", WorkflowID: "test/1", RunID: "r1"}
	synced := func(objectType string, objID, version int64, deleted bool) {
		t.Helper()
		if err := s.RecordSyncSuccess(ctx, id, objectType, objID, store.SyncSuccess{RealmID: realm, QBOID: "q" + testutil.RandomHex(4),
			SyncToken: "0", SyncedVersion: version, Deleted: deleted}, run); err != nil {
			t.Fatal(err)
		}
	}
	changed := func(objectType string) []int64 {
		t.Helper()
		ids, err := s.ListChangedObjects(ctx, id, realm, objectType)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	synced(store.ObjectTimeCard, tn.card.ID, tn.card.Version, false)
	synced(store.ObjectInvoice, tn.invoice.ID, tn.invoice.Version, false)
	other, err := s.CreateInvoice(ctx, id, store.InvoiceInput{CustomerID: tn.customer.ID, InvoiceDate: time.Now(),
		Lines: []store.LineInput{{ServiceID: tn.service.ID, QuantityMilli: 1000, RateCents: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	synced(store.ObjectInvoice, other.ID, other.Version, false)
	if len(changed(store.ObjectTimeCard)) != 0 || len(changed(store.ObjectInvoice)) != 0 {
		t.Fatal("synced objects listed as changed")
	}

	if pending, err := s.DeleteTimeCard(ctx, id, tn.card.ID); err != nil || !pending {
		t.Fatalf("delete synced card: %v, %v", pending, err)
	}
	if _, err := s.VoidInvoice(ctx, id, tn.invoice.ID); err != nil {
		t.Fatal(err)
	}
	if pending, err := s.DeleteInvoice(ctx, id, other.ID); err != nil || !pending {
		t.Fatalf("delete synced invoice: %v, %v", pending, err)
	}
	// A push that could not be started leaves the deletion pending, as "changed".
	if err := s.MarkQueued(ctx, id, store.ObjectTimeCard, []int64{tn.card.ID}, "timecard-sync/1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Unqueue(ctx, id, store.ObjectTimeCard, []int64{tn.card.ID}, "not started"); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.GetSyncState(ctx, id, store.ObjectTimeCard, tn.card.ID); st.Status != store.StatusChanged {
		t.Errorf("deleted card after a failed start = %q, want changed", st.Status)
	}
	if got := changed(store.ObjectTimeCard); !slices.Equal(got, []int64{tn.card.ID}) {
		t.Errorf("changed time cards = %v, want the deleted %d", got, tn.card.ID)
	}
	if got := changed(store.ObjectInvoice); !slices.Equal(got, []int64{tn.invoice.ID, other.ID}) {
		t.Errorf("changed invoices = %v, want the voided %d and the deleted %d", got, tn.invoice.ID, other.ID)
	}
	week := store.TimeCardFilter{From: tn.card.WorkDate, To: tn.card.WorkDate, Status: store.StatusChanged}
	if live, _ := s.ListTimeCards(ctx, id, week, store.Page{}); len(live) != 0 {
		t.Errorf("deleted card listed with the live ones: %+v", live)
	}
	week.PendingDeletes = true
	if pending, _ := s.ListTimeCards(ctx, id, week, store.Page{}); len(pending) != 1 || pending[0].ID != tn.card.ID || !pending[0].DeletedAt.Valid {
		t.Errorf("pending deletions of the week = %+v", pending)
	}

	// Once QBO has them, nothing is left to send.
	card, err := s.GetTimeCardsForSync(ctx, id, []int64{tn.card.ID})
	if err != nil || len(card) != 1 {
		t.Fatal(card, err)
	}
	synced(store.ObjectTimeCard, tn.card.ID, card[0].Version, true)
	voided, err := s.GetInvoice(ctx, id, tn.invoice.ID)
	if err != nil {
		t.Fatal(err)
	}
	synced(store.ObjectInvoice, tn.invoice.ID, voided.Version, false)
	deleted, err := s.GetInvoiceForSync(ctx, id, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	synced(store.ObjectInvoice, other.ID, deleted.Version, true)
	if len(changed(store.ObjectTimeCard)) != 0 || len(changed(store.ObjectInvoice)) != 0 {
		t.Errorf("after QBO has them: cards %v, invoices %v", changed(store.ObjectTimeCard), changed(store.ObjectInvoice))
	}
	if pending, _ := s.ListTimeCards(ctx, id, week, store.Page{}); len(pending) != 0 {
		t.Errorf("deleted card still pending after its deletion reached QBO: %+v", pending)
	}
}
