package server

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// TestInactiveCustomerOrServiceIsRefusedOnItsField: a time card (created or edited,
// even keeping its own customer) or an invoice (a line, its customer, or time billed
// from cards) naming an inactive customer or service answers 422 on that field, saying
// where to make it active again; the web form shows the message on its control, and
// the pickers offer only active ones.
func TestInactiveCustomerOrServiceIsRefusedOnItsField(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	acct := owner.me.Account.ID
	f := owner.fixtures()
	var gone store.Customer
	owner.call("POST", "/api/v1/customers", map[string]any{"display_name": "Gone Ltd " + testutil.RandomHex(2)}, http.StatusCreated, &gone)
	var research serviceJSON
	owner.call("POST", "/api/v1/services", map[string]any{"name": "Research " + testutil.RandomHex(2), "rate": "80"}, http.StatusCreated, &research)
	var card timeCardJSON
	owner.call("POST", "/api/v1/time-cards", map[string]any{"customer_id": gone.ID, "service_id": research.ID, "date": "2026-03-02", "minutes": 60}, http.StatusCreated, &card)
	var billed timeCardJSON
	owner.call("POST", "/api/v1/time-cards", map[string]any{"customer_id": f.Customer.ID, "service_id": research.ID, "date": "2026-03-03", "minutes": 30}, http.StatusCreated, &billed)
	var inv invoiceJSON
	owner.call("POST", "/api/v1/invoices", map[string]any{"customer_id": gone.ID, "date": "2026-03-10",
		"lines": []any{map[string]any{"service_id": f.Service.ID, "quantity": "1", "rate": "10"}}}, http.StatusCreated, &inv)

	// The service is imported from QuickBooks, inactive there; the customer was made
	// inactive here.
	if err := e.store.UpsertLink(context.Background(), acct, "realm-x", store.ObjectService, research.ID, "41", "0", 1); err != nil {
		t.Fatal(err)
	}
	owner.call("PATCH", "/api/v1/services/"+itoa64(research.ID), map[string]any{"active": false}, http.StatusOK, nil)
	owner.call("PATCH", "/api/v1/customers/"+itoa64(gone.ID), map[string]any{"active": false}, http.StatusOK, nil)
	serviceMsg := fmt.Sprintf(`The service "%s" is inactive in QuickBooks: make it active there, or pick another service`, research.Name)
	customerMsg := fmt.Sprintf(`The customer "%s" is inactive: make it active on the customers page, or pick another customer`, gone.DisplayName)

	cardBody := func(customer, service int64) map[string]any {
		return map[string]any{"customer_id": customer, "service_id": service, "date": "2026-03-04", "minutes": 30}
	}
	line := func(service int64) map[string]any {
		return map[string]any{"service_id": service, "quantity": "1", "rate": "10"}
	}
	for _, tc := range []struct {
		name, method, path string
		body               map[string]any
		field, message     string
	}{
		{"new card, inactive customer", "POST", "/api/v1/time-cards", cardBody(gone.ID, f.Service.ID), "customer_id", customerMsg},
		{"new card, inactive service", "POST", "/api/v1/time-cards", cardBody(f.Customer.ID, research.ID), "service_id", serviceMsg},
		{"edit keeping the card's inactive customer", "PUT", "/api/v1/time-cards/" + itoa64(card.ID), cardBody(gone.ID, f.Service.ID), "customer_id", customerMsg},
		{"edit keeping the card's inactive service", "PUT", "/api/v1/time-cards/" + itoa64(card.ID), cardBody(f.Customer.ID, research.ID), "service_id", serviceMsg},
		{"new invoice, inactive customer", "POST", "/api/v1/invoices", map[string]any{"customer_id": gone.ID, "date": "2026-03-10", "lines": []any{line(f.Service.ID)}},
			"customer_id", customerMsg},
		{"new invoice, inactive service on line 2", "POST", "/api/v1/invoices", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10",
			"lines": []any{line(f.Service.ID), line(research.ID)}}, "lines[1].service_id", serviceMsg},
		{"edit of an invoice whose customer became inactive", "PUT", "/api/v1/invoices/" + itoa64(inv.ID), map[string]any{"customer_id": gone.ID, "date": "2026-03-10",
			"lines": []any{line(f.Service.ID)}}, "customer_id", fmt.Sprintf(`The customer "%s" is inactive: make it active on the customers page`, gone.DisplayName)},
		{"invoice from time of an inactive service", "POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{billed.ID}},
			"time_card_ids", fmt.Sprintf(`The service "%s" is inactive in QuickBooks: make it active there`, research.Name)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := owner.fails(tc.method, tc.path, tc.body, http.StatusUnprocessableEntity, tc.field)
			if got.Error.Message != tc.message || got.Error.Code != codeValidation {
				t.Fatalf("error = %+v, want message %q", got.Error, tc.message)
			}
		})
	}
	// Nothing was written: the card is as it was.
	var now timeCardJSON
	owner.call("GET", "/api/v1/time-cards/"+itoa64(card.ID), nil, http.StatusOK, &now)
	if now.Version != card.Version || now.Minutes != 60 {
		t.Fatalf("refused edit changed the card: %+v", now)
	}

	// The pickers of the new-card and new-invoice forms leave the inactive ones out.
	// (The timesheet's filter still lists every customer: old time is found by it.)
	for _, p := range []struct{ path, customers, services string }{
		{"/timesheet?week=2026-03-02", `<select id="f-customer_id"`, `<select id="f-service_id"`},
		{"/invoices/new", `<select id="f-customer_id"`, `<select name="line_service_id"`},
	} {
		_, page := owner.page(p.path)
		customers, services := selectAt(page, p.customers), selectAt(page, p.services)
		if strings.Contains(customers, `value="`+itoa64(gone.ID)+`"`) || strings.Contains(services, `value="`+itoa64(research.ID)+`"`) {
			t.Errorf("%s offers an inactive customer or service", p.path)
		}
		if !strings.Contains(customers, `value="`+itoa64(f.Customer.ID)+`"`) || !strings.Contains(services, `value="`+itoa64(f.Service.ID)+`"`) {
			t.Errorf("%s lacks the active customer or service:\n%s\n%s", p.path, customers, services)
		}
	}
	// A form naming one anyway (drawn before the import) shows the message on its
	// control, with the choice kept.
	status, _, body := owner.form("/time-cards", owner.withCSRF("week", "2026-03-02", "date", "2026-03-04", "hours", "1",
		"customer_id", itoa64(f.Customer.ID), "service_id", itoa64(research.ID), "billable", "true"), "")
	field := selectAt(body, `<select id="f-service_id"`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), serviceMsg) ||
		!strings.Contains(body, `<select id="f-service_id" name="service_id" aria-invalid="true" aria-describedby="e-service_id">`) {
		t.Fatalf("form with an inactive service: %d %s", status, field)
	}
	if !strings.Contains(field, `<option value="`+itoa64(research.ID)+`" selected>`+research.Name) || !strings.Contains(field, "(inactive)") {
		t.Fatal("the inactive service chosen is not kept in the form")
	}
}

// selectAt is the first <select> of page that starts with start, up to its end.
func selectAt(page, start string) string {
	i := strings.Index(page, start)
	if i < 0 {
		return ""
	}
	j := strings.Index(page[i:], "</select>")
	if j < 0 {
		return page[i:]
	}
	return page[i : i+j]
}

// TestSyncLinksOpenTheRunThatDidIt: a workflow id is reused by every run of a sync, so
// each history entry and the sync state link their own run in the Temporal UI, on the
// JSON API and on the sync activity page.
func TestSyncLinksOpenTheRunThatDidIt(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	acct := owner.me.Account.ID
	f := owner.fixtures()
	card := owner.timeCard(f, "2026-03-02", 60)
	wf := fmt.Sprintf("timecard-sync/%d", acct)
	ctx := context.Background()
	if err := e.store.RecordSyncFailure(ctx, acct, store.ObjectTimeCard, card.ID, "Validation", "first try", store.SyncRun{Kind: "timecards", WorkflowID: wf, RunID: "run-1"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.RecordSyncFailure(ctx, acct, store.ObjectTimeCard, card.ID, "Validation", "second try", store.SyncRun{Kind: "timecards", WorkflowID: wf, RunID: "run-2"}); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://127.0.0.1:8233/namespaces/default/workflows/timecard-sync%%2F%d", acct)
	var state syncStateBody
	owner.call("GET", fmt.Sprintf("/api/v1/sync/states/time_card/%d", card.ID), nil, http.StatusOK, &state)
	if state.State.RunID != "run-2" || state.State.WorkflowURL != base+"/run-2/history" {
		t.Fatalf("state = %+v", state.State)
	}
	if len(state.History.Items) != 2 || state.History.Items[0].WorkflowURL != base+"/run-2/history" || state.History.Items[1].WorkflowURL != base+"/run-1/history" {
		t.Fatalf("history = %+v", state.History.Items)
	}
	var activity listJSON[historyJSON]
	owner.call("GET", "/api/v1/sync/activity", nil, http.StatusOK, &activity)
	if len(activity.Items) != 2 || activity.Items[1].WorkflowURL != base+"/run-1/history" {
		t.Fatalf("activity = %+v", activity.Items)
	}
	_, page := owner.page("/sync")
	for _, run := range []string{"run-1", "run-2"} {
		if !strings.Contains(page, `href="`+base+"/"+run+`/history"`) {
			t.Errorf("sync activity page lacks the link to %s", run)
		}
	}
	// A sync that never started has no run: its link falls back to the workflow.
	if got := e.server.app.runURL(wf, ""); got != base {
		t.Errorf("link without a run = %q", got)
	}
}
