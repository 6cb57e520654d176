package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"hoursync/internal/store"
)

func TestInvoiceTermsAreAChoiceFromTheImportedList(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	f := owner.fixtures()
	ctx := context.Background()
	accountID := owner.me.Account.ID
	fifteen := 15
	net15, err := e.store.UpsertTerm(ctx, accountID, "r1", store.TermInput{QBOID: "2", Name: "Net 15", Type: store.TermStandard, DueDays: &fifteen, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	old, err := e.store.UpsertTerm(ctx, accountID, "r1", store.TermInput{QBOID: "9", Name: "Retired", Type: store.TermStandard, DueDays: &fifteen, Active: false})
	if err != nil {
		t.Fatal(err)
	}
	line := map[string]any{"service_id": f.Service.ID, "quantity": "1", "rate": "100"}
	body := func(kv ...any) map[string]any {
		b := map[string]any{"customer_id": f.Customer.ID, "date": "2026-05-20", "lines": []any{line}}
		for i := 0; i < len(kv); i += 2 {
			b[kv[i].(string)] = kv[i+1]
		}
		return b
	}

	// term_id with no due date: the due date follows the term before any sync.
	var inv invoiceJSON
	owner.call("POST", "/api/v1/invoices", body("term_id", net15.ID), http.StatusCreated, &inv)
	if inv.TermID == nil || *inv.TermID != net15.ID || inv.Terms != "Net 15" || inv.DueDate == nil || *inv.DueDate != "2026-06-04" || inv.DueDateExplicit {
		t.Fatalf("invoice on Net 15 = %+v (due %v)", inv, inv.DueDate)
	}
	// Plain-text terms naming an imported term are that term (older API clients).
	var byName invoiceJSON
	owner.call("POST", "/api/v1/invoices", body("terms", "net 15", "due_date", "2026-07-01"), http.StatusCreated, &byName)
	if byName.TermID == nil || *byName.TermID != net15.ID || *byName.DueDate != "2026-07-01" || !byName.DueDateExplicit {
		t.Fatalf("invoice by terms name = %+v", byName)
	}
	for _, bad := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"unknown term id", body("term_id", 987654321), "term_id"},
		{"inactive term", body("term_id", old.ID), "term_id"},
		{"text naming no term", body("terms", "Net 45"), "terms"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			owner.fails("POST", "/api/v1/invoices", bad.body, http.StatusUnprocessableEntity, bad.field)
		})
	}
	owner.fails("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{owner.timeCard(f, "2026-05-02", 60).ID},
		"term_id": 987654321}, http.StatusUnprocessableEntity, "term_id")

	// An invoice written before terms were a choice keeps its text when it is re-saved.
	legacy, err := e.store.CreateInvoice(ctx, accountID, store.InvoiceInput{CustomerID: f.Customer.ID, InvoiceDate: time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC),
		Terms: "2% 10, net 30", Lines: []store.LineInput{{ServiceID: f.Service.ID, QuantityMilli: 1000, RateCents: 100}}})
	if err != nil {
		t.Fatal(err)
	}
	var kept invoiceJSON
	owner.call("PUT", "/api/v1/invoices/"+itoa64(legacy.ID), body("terms", "2% 10, net 30", "memo", "re-saved"), http.StatusOK, &kept)
	if kept.Terms != "2% 10, net 30" || kept.TermID != nil {
		t.Fatalf("legacy terms after re-save = %+v", kept)
	}

	// The form offers the imported terms, shows where the due date comes from and
	// saves the choice.
	if status, page := owner.page("/invoices/" + itoa64(inv.ID)); status != 200 || !strings.Contains(page, `name="term_id"`) ||
		!strings.Contains(page, ">Net 15</option>") || strings.Contains(page, ">Retired</option>") || !strings.Contains(page, "Due 4 Jun 2026 (Net 15)") {
		t.Fatalf("invoice page: %d %s", status, page)
	}
	status, loc, _ := owner.form("/invoices", owner.withCSRF("customer_id", itoa64(f.Customer.ID), "date", "2026-05-20",
		"term_id", strconv.FormatInt(net15.ID, 10), "line_service_id", itoa64(f.Service.ID), "line_quantity", "2", "line_rate", "10"), "")
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/invoices/") {
		t.Fatalf("save form: %d %s", status, loc)
	}
	var saved invoiceJSON
	owner.call("GET", "/api/v1"+loc, nil, http.StatusOK, &saved)
	if saved.TermID == nil || *saved.TermID != net15.ID || *saved.DueDate != "2026-06-04" {
		t.Fatalf("saved from the form = %+v", saved)
	}
	status, _, page := owner.form("/invoices", owner.withCSRF("customer_id", itoa64(f.Customer.ID), "date", "2026-05-20",
		"term_id", "987654321", "line_service_id", itoa64(f.Service.ID), "line_quantity", "2", "line_rate", "10"), "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, "Choose terms from the list imported from QuickBooks") {
		t.Fatalf("form with an unknown term: %d", status)
	}
}
