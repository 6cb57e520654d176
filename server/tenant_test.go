package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"hoursync/internal/store"
)

// TestOtherAccountsObjectsAnswer404 tries every route that takes an id, and every body
// that names another object, with another account's ids: each answers 404 and
// changes nothing.
func TestOtherAccountsObjectsAnswer404(t *testing.T) {
	e := newEnv(t)
	victim := e.signUp()
	f := victim.fixtures()
	card := victim.timeCard(f, "2026-03-02", 60)
	spare := victim.timeCard(f, "2026-03-03", 60)
	var inv invoiceJSON
	victim.call("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{card.ID}}, http.StatusCreated, &inv)
	var invitation store.Invitation
	victim.call("POST", "/api/v1/invitations", map[string]any{"email": "guest-" + victim.me.User.Email}, http.StatusCreated, &invitation)
	var tok createdTokenJSON
	victim.call("POST", "/api/v1/api-tokens", map[string]any{"name": "t"}, http.StatusCreated, &tok)

	attacker := e.signUp()
	af := attacker.fixtures()
	e.connect(attacker.me.Account.ID, "realm-attacker-"+itoa64(attacker.me.Account.ID))

	id := func(n int64) string { return itoa64(n) }
	cardBody := map[string]any{"customer_id": af.Customer.ID, "service_id": af.Service.ID, "date": "2026-03-02", "minutes": 30}
	line := map[string]any{"service_id": af.Service.ID, "quantity": "1", "rate": "1"}
	cases := []struct {
		method, path string
		body         any
		route        string // the route pattern this case covers
	}{
		{"GET", "/api/v1/users/" + id(victim.me.User.ID), nil, "GET /api/v1/users/:id"},
		{"PATCH", "/api/v1/users/" + id(victim.me.User.ID), map[string]any{"first_name": "X"}, "PATCH /api/v1/users/:id"},
		{"DELETE", "/api/v1/invitations/" + id(invitation.ID), nil, "DELETE /api/v1/invitations/:id"},
		{"DELETE", "/api/v1/api-tokens/" + id(tok.APIToken.ID), nil, "DELETE /api/v1/api-tokens/:id"},
		{"GET", "/api/v1/customers/" + id(f.Customer.ID), nil, "GET /api/v1/customers/:id"},
		{"PATCH", "/api/v1/customers/" + id(f.Customer.ID), map[string]any{"display_name": "Mine now"}, "PATCH /api/v1/customers/:id"},
		{"GET", "/api/v1/services/" + id(f.Service.ID), nil, "GET /api/v1/services/:id"},
		{"PATCH", "/api/v1/services/" + id(f.Service.ID), map[string]any{"rate": "0"}, "PATCH /api/v1/services/:id"},
		{"GET", "/api/v1/time-cards/" + id(spare.ID), nil, "GET /api/v1/time-cards/:id"},
		{"PUT", "/api/v1/time-cards/" + id(spare.ID), cardBody, "PUT /api/v1/time-cards/:id"},
		{"DELETE", "/api/v1/time-cards/" + id(spare.ID), nil, "DELETE /api/v1/time-cards/:id"},
		{"GET", "/api/v1/invoices/" + id(inv.ID), nil, "GET /api/v1/invoices/:id"},
		{"PUT", "/api/v1/invoices/" + id(inv.ID), map[string]any{"customer_id": af.Customer.ID, "date": "2026-03-02", "lines": []any{line}}, "PUT /api/v1/invoices/:id"},
		{"DELETE", "/api/v1/invoices/" + id(inv.ID), nil, "DELETE /api/v1/invoices/:id"},
		{"POST", "/api/v1/invoices/" + id(inv.ID) + "/void", nil, "POST /api/v1/invoices/:id/void"},
		{"POST", "/api/v1/invoices/" + id(inv.ID) + "/sync", nil, "POST /api/v1/invoices/:id/sync"},
		{"GET", "/api/v1/invoices/" + id(inv.ID) + "/pdf", nil, "GET /api/v1/invoices/:id/pdf"},
		{"POST", "/api/v1/invoices/" + id(inv.ID) + "/send", nil, "POST /api/v1/invoices/:id/send"},
		{"GET", "/api/v1/sync/states/time_card/" + id(spare.ID), nil, "GET /api/v1/sync/states/:type/:id"},
		{"GET", "/api/v1/sync/states/invoice/" + id(inv.ID), nil, ""},
		{"GET", "/api/v1/sync/states/customer/" + id(f.Customer.ID), nil, ""},
		{"GET", "/api/v1/sync/states/service/" + id(f.Service.ID), nil, ""},
		{"GET", "/api/v1/sync/states/user/" + id(victim.me.User.ID), nil, ""},
		// Bodies and queries naming the victim's objects.
		{"POST", "/api/v1/time-cards", map[string]any{"customer_id": f.Customer.ID, "service_id": af.Service.ID, "date": "2026-03-02", "minutes": 30}, ""},
		{"POST", "/api/v1/time-cards", map[string]any{"customer_id": af.Customer.ID, "service_id": f.Service.ID, "date": "2026-03-02", "minutes": 30}, ""},
		{"POST", "/api/v1/time-cards", map[string]any{"customer_id": af.Customer.ID, "service_id": af.Service.ID, "date": "2026-03-02", "minutes": 30, "user_id": victim.me.User.ID}, ""},
		{"POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": []int64{spare.ID}}, ""},
		{"POST", "/api/v1/invoices", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-02", "lines": []any{line}}, ""},
		{"POST", "/api/v1/invoices", map[string]any{"customer_id": af.Customer.ID, "date": "2026-03-02", "lines": []any{map[string]any{"service_id": f.Service.ID, "quantity": "1", "rate": "1"}}}, ""},
		{"POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{spare.ID}}, ""},
		{"GET", "/api/v1/sync/progress?workflow_id=timecard-sync/" + id(victim.me.Account.ID), nil, ""},
		{"GET", "/api/v1/sync/progress?workflow_id=" + inv.syncWorkflowID(victim.me.Account.ID), nil, ""},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var e apiErr
			attacker.call(tc.method, tc.path, tc.body, http.StatusNotFound, &e)
			if e.Error.Code != codeNotFound {
				t.Fatalf("code = %q", e.Error.Code)
			}
		})
		covered[tc.route] = true
	}

	// Every route with a path parameter is in the table.
	for _, r := range e.server.engine.Routes() {
		if strings.Contains(r.Path, ":") && strings.HasPrefix(r.Path, "/api/") && !covered[r.Method+" "+r.Path] {
			t.Errorf("route %s %s is not tried with another account's id", r.Method, r.Path)
		}
	}

	// Nothing changed on the victim's side.
	var still invoiceJSON
	victim.call("GET", "/api/v1/invoices/"+id(inv.ID), nil, http.StatusOK, &still)
	if still.Status != "open" || still.Version != inv.Version {
		t.Fatalf("victim's invoice changed: %+v", still)
	}
	var cu store.Customer
	victim.call("GET", "/api/v1/customers/"+id(f.Customer.ID), nil, http.StatusOK, &cu)
	if cu.DisplayName != f.Customer.DisplayName {
		t.Fatalf("victim's customer renamed to %q", cu.DisplayName)
	}
	victim.call("GET", "/api/v1/time-cards/"+id(spare.ID), nil, http.StatusOK, nil)
	if calls := e.syncer.Calls(); len(calls) != 0 {
		t.Fatalf("syncs started for the attacker: %v", calls)
	}
	// Lists show only the attacker's own rows.
	var list listJSON[timeCardJSON]
	attacker.call("GET", "/api/v1/time-cards?customer_id="+id(f.Customer.ID), nil, http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Fatalf("attacker lists victim's cards: %+v", list.Items)
	}
	if _, err := e.store.GetTimeCard(context.Background(), victim.me.Account.ID, spare.ID); err != nil {
		t.Fatalf("victim's card gone: %v", err)
	}
}

func (inv invoiceJSON) syncWorkflowID(accountID int64) string {
	return fmt.Sprintf("invoice-sync/%d/%d", accountID, inv.ID)
}

// TestOpenAPIMatchesRoutes walks gin's routes and the document and fails on any
// route missing from either.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	raw := e.newClient().call("GET", "/api/v1/openapi.json", nil, http.StatusOK, nil)
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	signup := doc.Paths["/api/v1/signup"]["post"]["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	if req, _ := signup["required"].([]any); len(req) != 4 {
		t.Fatalf("sign-up schema required = %v", signup["required"])
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	var routes, documented []string
	for _, r := range e.server.engine.Routes() {
		if isUIHandler(r.Handler) {
			continue
		}
		routes = append(routes, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			if op["summary"] == "" || op["responses"] == nil {
				t.Errorf("%s %s lacks a summary or responses", method, path)
			}
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	if strings.Join(routes, "\n") != strings.Join(documented, "\n") {
		t.Fatalf("router and OpenAPI document differ\nrouter only:\n%s\ndocument only:\n%s",
			strings.Join(minus(routes, documented), "\n"), strings.Join(minus(documented, routes), "\n"))
	}
}

func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}
