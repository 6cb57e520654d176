package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"hoursync/internal/store"
	"hoursync/workflows"
)

// TestReconnectFollowsTheErrorCodeNotTheMessage: a failed sync carries its error code
// as sync_error_code on the time card, the invoice and the sync state (and in the
// OpenAPI document); the pages offer "Reconnect QuickBooks" when the code says the
// grant is gone, whatever the message says, and not for another code whose message
// happens to mention reconnecting.
func TestReconnectFollowsTheErrorCodeNotTheMessage(t *testing.T) {
	e := newEnv(t)
	b := e.signUp()
	acct := b.me.Account.ID
	f := b.fixtures()
	revoked := b.timeCard(f, "2026-03-02", 60)
	other := b.timeCard(f, "2026-03-09", 60)
	line := []any{map[string]any{"service_id": f.Service.ID, "quantity": "1", "rate": "10"}}
	var inv, otherInv invoiceJSON
	b.call("POST", "/api/v1/invoices", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10", "lines": line}, http.StatusCreated, &inv)
	b.call("POST", "/api/v1/invoices", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-11", "lines": line}, http.StatusCreated, &otherInv)
	fail := func(objectType string, id int64, code, message string) {
		t.Helper()
		if err := e.store.RecordSyncFailure(context.Background(), acct, objectType, id, code, message, store.SyncRun{Kind: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	// The message of the grant's failure is worded without the words; the other
	// failure's message has them.
	fail(store.ObjectTimeCard, revoked.ID, workflows.ErrTypeNeedsReconnect, "Intuit no longer accepts this company's grant.")
	fail(store.ObjectTimeCard, other.ID, workflows.ErrTypeValidation, "QuickBooks refused the line: Reconnect QuickBooks is not the fix here.")
	fail(store.ObjectInvoice, inv.ID, workflows.ErrTypeNeedsReconnect, "Intuit no longer accepts this company's grant.")
	fail(store.ObjectInvoice, otherInv.ID, workflows.ErrTypeValidation, "QuickBooks refused it: Reconnect QuickBooks is not the fix here.")

	var tc timeCardJSON
	b.call("GET", "/api/v1/time-cards/"+itoa64(revoked.ID), nil, http.StatusOK, &tc)
	if tc.SyncStatus != store.StatusFailed || tc.SyncErrorCode != workflows.ErrTypeNeedsReconnect {
		t.Fatalf("card = %+v", tc)
	}
	var week listJSON[timeCardJSON]
	b.call("GET", "/api/v1/time-cards?week=2026-03-09", nil, http.StatusOK, &week)
	if len(week.Items) != 1 || week.Items[0].SyncErrorCode != workflows.ErrTypeValidation {
		t.Fatalf("listed = %+v", week.Items)
	}
	var got invoiceJSON
	b.call("GET", "/api/v1/invoices/"+itoa64(inv.ID), nil, http.StatusOK, &got)
	if got.SyncErrorCode != workflows.ErrTypeNeedsReconnect {
		t.Fatalf("invoice = %+v", got)
	}
	var invs listJSON[invoiceJSON]
	b.call("GET", "/api/v1/invoices", nil, http.StatusOK, &invs)
	for _, i := range invs.Items {
		if i.ID == otherInv.ID && i.SyncErrorCode != workflows.ErrTypeValidation {
			t.Fatalf("listed invoice = %+v", i)
		}
	}
	var state syncStateBody
	b.call("GET", fmt.Sprintf("/api/v1/sync/states/time_card/%d", revoked.ID), nil, http.StatusOK, &state)
	if state.State.SyncErrorCode != workflows.ErrTypeNeedsReconnect || state.State.ErrorCode != workflows.ErrTypeNeedsReconnect {
		t.Fatalf("state = %+v", state.State)
	}
	// A card that synced carries no code.
	fresh := b.timeCard(f, "2026-03-16", 15)
	if fresh.SyncErrorCode != "" {
		t.Fatalf("new card = %+v", fresh)
	}

	const button = `action="/auth/intuit/connect"`
	for _, p := range []struct {
		path  string
		offer bool
	}{
		{"/timesheet?week=2026-03-02", true},
		{"/timesheet?week=2026-03-09", false},
		{"/invoices/" + itoa64(inv.ID), true},
		{"/invoices/" + itoa64(otherInv.ID), false},
	} {
		status, page := b.page(p.path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d", p.path, status)
		}
		if strings.Contains(page, button) != p.offer {
			t.Errorf("GET %s offers to reconnect: %v, want %v", p.path, !p.offer, p.offer)
		}
	}

	// The OpenAPI document describes the code.
	var doc struct {
		Components any                                  `json:"components"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
	}
	raw := b.call("GET", "/api/v1/openapi.json", nil, http.StatusOK, nil)
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/time-cards/{id}", "/api/v1/invoices/{id}", "/api/v1/sync/states/{type}/{id}"} {
		schema, _ := json.Marshal(doc.Paths[path]["get"]["responses"])
		if !strings.Contains(string(schema), `"sync_error_code"`) {
			t.Errorf("GET %s: the OpenAPI document lacks sync_error_code: %s", path, schema)
		}
	}
}
