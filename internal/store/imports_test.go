package store_test

import (
	"context"
	"testing"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

func TestImportLinksSameNameCreatesNewAndKeepsUnpushedLocalEdits(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	tn := newTenant(t, s)
	id := tn.account.ID
	// Same name, other case: linked, not duplicated.
	got, outcome, err := s.ImportCustomer(ctx, id, "r1", "58", "0", store.CustomerInput{DisplayName: "o'brien & sons", Active: true})
	if err != nil || got != tn.customer.ID || outcome != store.ImportLinked {
		t.Fatalf("same-name import = %d %s %v, want link to %d", got, outcome, err, tn.customer.ID)
	}
	// A new name: created.
	newID, outcome, err := s.ImportCustomer(ctx, id, "r1", "59", "0", store.CustomerInput{DisplayName: "Ünïcode Café", Email: "a@b.c", Active: true})
	if err != nil || outcome != store.ImportCreated {
		t.Fatalf("new import = %s %v", outcome, err)
	}
	// The same QBO id again with a new SyncToken: QBO's values win.
	_, outcome, err = s.ImportCustomer(ctx, id, "r1", "59", "1", store.CustomerInput{DisplayName: "Unicode Cafe Ltd", Active: true})
	if err != nil || outcome != store.ImportUpdated {
		t.Fatalf("re-import = %s %v", outcome, err)
	}
	c, _ := s.GetCustomer(ctx, id, newID)
	if c.DisplayName != "Unicode Cafe Ltd" {
		t.Fatalf("display name = %q", c.DisplayName)
	}
	// A local rename not pushed yet is kept; QBO's copy waits for the push.
	if _, err := s.UpdateCustomer(ctx, id, newID, store.CustomerInput{DisplayName: "Local Rename", Active: true}); err != nil {
		t.Fatal(err)
	}
	_, outcome, err = s.ImportCustomer(ctx, id, "r1", "59", "2", store.CustomerInput{DisplayName: "QBO Rename", Active: true})
	if err != nil || outcome != store.ImportKeptLocal {
		t.Fatalf("import over local edit = %s %v", outcome, err)
	}
	changed, err := s.ListChangedObjects(ctx, id, "r1", store.ObjectCustomer)
	if err != nil || len(changed) != 1 || changed[0] != newID {
		t.Fatalf("changed customers = %v %v", changed, err)
	}
	all, _ := s.ListCustomers(ctx, id, "", store.Page{})
	if len(all) != 2 {
		t.Fatalf("customers = %d, want 2 (no duplicates)", len(all))
	}
	// Services work the same way.
	sid, outcome, err := s.ImportService(ctx, id, "r1", "7", "0", store.ServiceInput{Name: "design", RateCents: 9000, Active: true})
	if err != nil || sid != tn.service.ID || outcome != store.ImportLinked {
		t.Fatalf("service import = %d %s %v", sid, outcome, err)
	}
}
