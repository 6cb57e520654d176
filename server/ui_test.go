package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// form posts a browser form (with the page's Origin) and returns status, location and
// body.
func (c *client) form(path string, v url.Values, origin string) (int, string, string) {
	c.e.t.Helper()
	if origin == "" {
		origin = c.e.srv.URL
	}
	req, _ := http.NewRequest("POST", c.e.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// page GETs a page and returns status and HTML.
func (c *client) page(path string) (int, string) {
	c.e.t.Helper()
	status, body, _ := c.do("GET", path, nil)
	return status, string(body)
}

func (c *client) withCSRF(kv ...string) url.Values {
	v := url.Values{"csrf_token": {c.csrf}}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func TestWebUISignUpAndEveryPage(t *testing.T) {
	e := newEnv(t)
	b := e.newClient()
	if status, body := b.page("/signin"); status != 200 || !strings.Contains(body, "Sign in with Intuit") || !strings.Contains(body, `href="/auth/intuit/start"`) {
		t.Fatalf("sign-in page: %d", status)
	}
	if status, _ := b.page("/timesheet"); status != http.StatusSeeOther {
		t.Fatalf("signed-out timesheet: %d", status)
	}
	email := testutil.UniqueName("ui") + "@example.com"
	// Bad input keeps what was typed and names the field.
	status, _, body := b.form("/signup", url.Values{"firm_name": {"Ui Firm"}, "first_name": {"Uma"}, "email": {email}, "password": {"short"}}, "")
	if status != 422 || !strings.Contains(body, "Use at least 10 characters") || !strings.Contains(body, `value="Ui Firm"`) {
		t.Fatalf("signup error page: %d %s", status, body)
	}
	// A form posted from another site is refused.
	if status, _, _ := b.form("/signup", url.Values{"firm_name": {"X"}}, "https://evil.example"); status != http.StatusForbidden {
		t.Fatalf("cross-site form: %d", status)
	}
	status, loc, _ := b.form("/signup", url.Values{"firm_name": {"Ui Firm"}, "first_name": {"Uma"}, "email": {email}, "password": {testPassword}}, "")
	if status != http.StatusSeeOther || loc != "/timesheet" {
		t.Fatalf("signup: %d %s", status, loc)
	}
	b.call("GET", "/api/v1/me", nil, 200, &b.me)
	b.csrf = b.me.CSRFToken

	for _, p := range []string{"/timesheet", "/invoices", "/invoices/new", "/customers", "/services", "/users", "/settings", "/sync", "/dev/outbox"} {
		status, body := b.page(p)
		if status != 200 || !strings.Contains(body, "<main") {
			t.Fatalf("GET %s: %d", p, status)
		}
		if strings.Contains(body, "<no value>") {
			t.Fatalf("GET %s renders a missing value", p)
		}
	}
	if _, body := b.page("/timesheet"); !strings.Contains(body, "Add a customer and a service first") {
		t.Fatal("empty timesheet does not say what to do next")
	}
	if _, body := b.page("/settings"); !strings.Contains(body, "Connect with QuickBooks") {
		t.Fatal("settings lack Connect with QuickBooks")
	}
	// A form without the CSRF token is refused.
	if status, _, _ := b.form("/customers", url.Values{"display_name": {"Nope"}}, ""); status != http.StatusForbidden {
		t.Fatalf("form without CSRF token: %d", status)
	}
	status, loc, _ = b.form("/signout", b.withCSRF(), "")
	if status != http.StatusSeeOther || loc != "/signin" {
		t.Fatalf("sign out: %d %s", status, loc)
	}
	if status, _ := b.page("/settings"); status != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", status)
	}
}

func TestWebUITimesheetFlow(t *testing.T) {
	e := newEnv(t)
	b := e.signUp()
	if status, loc, body := b.form("/customers", b.withCSRF("display_name", "Globex", "active", "true"), ""); status != http.StatusSeeOther {
		t.Fatalf("add customer: %d %s %s", status, loc, body)
	}
	status, _, body := b.form("/services", b.withCSRF("name", "Consulting", "rate", "12.345", "active", "true"), "")
	if status != 422 || !strings.Contains(body, "at most 2 decimals") || !strings.Contains(body, `value="12.345"`) {
		t.Fatalf("bad rate: %d", status)
	}
	b.form("/services", b.withCSRF("name", "Consulting", "rate", "150", "active", "true"), "")
	_, page := b.page("/timesheet?week=2026-03-04")
	cust := between(page, `<option value="`, `" >Globex`)
	svc := between(page, `<option value="`, `" >Consulting`)
	if cust == "" || svc == "" {
		t.Fatalf("options not found in %s", page)
	}

	add := func(hours string) (int, string, string) {
		return b.form("/time-cards", b.withCSRF("week", "2026-03-02", "date", "2026-03-04", "customer_id", cust, "service_id", svc,
			"hours", hours, "notes", "kick-off", "billable", "true"), "")
	}
	status, _, body = add("25:00")
	if status != 422 || !strings.Contains(body, "from 1 minute to 24 hours") || !strings.Contains(body, `value="kick-off"`) {
		t.Fatalf("bad hours: %d %s", status, body)
	}
	status, loc, _ := add("1:30")
	if status != http.StatusSeeOther || !strings.Contains(loc, "week=2026-03-04") {
		t.Fatalf("add: %d %s", status, loc)
	}
	var list listJSON[timeCardJSON]
	b.call("GET", "/api/v1/time-cards?week=2026-03-04", nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0].Minutes != 90 || list.Items[0].RateCents != 15000 {
		t.Fatalf("cards = %+v", list.Items)
	}
	id := itoa64(list.Items[0].ID)
	if _, page := b.page("/timesheet?week=2026-03-04"); !strings.Contains(page, "1:30") || !strings.Contains(page, "not synced") {
		t.Fatal("timesheet lacks the card or its badge")
	}
	if _, page := b.page("/timesheet?week=2026-03-04&status=synced"); strings.Contains(page, "kick-off") {
		t.Fatal("status filter shows a card that never synced")
	}
	if _, page := b.page("/timesheet?week=2026-03-04&status=never&customer_id=" + cust); !strings.Contains(page, "kick-off") || !strings.Contains(page, "status=never") {
		t.Fatal("filters lose the card or do not carry into the week links")
	}
	if status, page := b.page("/time-cards/" + id + "/edit"); status != 200 || !strings.Contains(page, `value="1:30"`) {
		t.Fatalf("edit page: %d", status)
	}
	if status, _, _ := b.form("/time-cards/"+id, b.withCSRF("date", "2026-03-04", "customer_id", cust, "service_id", svc, "hours", "2.5", "billable", "true"), ""); status != http.StatusSeeOther {
		t.Fatalf("edit: %d", status)
	}

	// Sync the selection: not connected yet, so the reason shows; then connected, the
	// page shows the running workflow.
	status, loc, _ = b.form("/timesheet/actions", b.withCSRF("week", "2026-03-02", "card_id", id, "action", "sync"), "")
	if _, page := b.page(loc); !strings.Contains(page, "Connect QuickBooks first") {
		t.Fatalf("not-connected message missing (%d %s)", status, loc)
	}
	e.connect(b.me.Account.ID, "realm-ui-"+testutil.RandomHex(4))
	_, loc, _ = b.form("/timesheet/actions", b.withCSRF("week", "2026-03-02", "card_id", id, "action", "sync"), "")
	if !strings.Contains(loc, "workflow_id=timecard-sync") {
		t.Fatalf("sync redirect = %q", loc)
	}
	if _, page := b.page(loc); !strings.Contains(page, `data-workflow="timecard-sync/`) || !strings.Contains(page, "/namespaces/default/workflows/") {
		t.Fatal("running sync not shown")
	}
	if _, page := b.page("/settings"); !strings.Contains(page, "Disconnect from QuickBooks") || !strings.Contains(page, "Test Co") {
		t.Fatal("settings do not show the connection")
	}
	// A failed sync says what to do, with the button right there.
	if err := e.store.RecordSyncFailure(context.Background(), b.me.Account.ID, store.ObjectTimeCard, list.Items[0].ID, "NeedsReconnect",
		"Reconnect QuickBooks: the connection to QuickBooks Online was revoked or expired.", store.SyncRun{Kind: "timecards"}); err != nil {
		t.Fatal(err)
	}
	if _, page := b.page("/timesheet?week=2026-03-04"); !strings.Contains(page, `action="/auth/intuit/connect"`) || !strings.Contains(page, "was revoked or expired") {
		t.Fatal("failed sync does not offer to reconnect")
	}
	// Without JavaScript's dialog, the server asks first on a page of its own that posts
	// the same form again, confirmed.
	status, _, body = b.form("/timesheet/actions", b.withCSRF("week", "2026-03-02", "card_id", id, "action", "delete"), "")
	if status != http.StatusOK || !strings.Contains(body, "Delete 1 time entry?") || !strings.Contains(body, `name="confirmed" value="1"`) ||
		!strings.Contains(body, `name="card_id" value="`+id+`"`) || !strings.Contains(body, `name="action" value="delete"`) {
		t.Fatalf("unconfirmed delete: %d %s", status, body)
	}
	b.call("GET", "/api/v1/time-cards?week=2026-03-04", nil, 200, &list)
	if len(list.Items) != 1 {
		t.Fatalf("an unconfirmed delete deleted: %+v", list.Items)
	}
	status, loc, _ = b.form("/timesheet/actions", b.withCSRF("week", "2026-03-02", "card_id", id, "action", "delete", "confirmed", "1"), "")
	if status != http.StatusSeeOther {
		t.Fatalf("delete: %d", status)
	}
	b.call("GET", "/api/v1/time-cards?week=2026-03-04", nil, 200, &list)
	if len(list.Items) != 0 {
		t.Fatalf("card not deleted: %+v (%s)", list.Items, loc)
	}

	// Invitations through the users page land in the outbox page.
	guest := testutil.UniqueName("guest") + "@example.com"
	if status, _, body := b.form("/users/invite", b.withCSRF("email", guest, "first_name", "Gil", "role", "member"), ""); status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", status, body)
	}
	if _, page := b.page("/dev/outbox"); !strings.Contains(page, guest) || !strings.Contains(page, "/invitations/accept?token=") {
		t.Fatal("invitation not in the outbox page")
	}
	// Members are sent back from admin pages.
	m := b.member("member")
	if status, _ := m.page("/invoices"); status != http.StatusSeeOther {
		t.Fatalf("member on invoices: %d", status)
	}
}

func between(s, before, after string) string {
	i := strings.Index(s, after)
	if i < 0 {
		return ""
	}
	j := strings.LastIndex(s[:i], before)
	if j < 0 {
		return ""
	}
	return s[j+len(before) : i]
}

func TestWebUIInvoiceFlow(t *testing.T) {
	e := newEnv(t)
	b := e.signUp()
	f := b.fixtures()
	a := b.timeCard(f, "2026-03-02", 60)
	c := b.timeCard(f, "2026-03-03", 30)
	status, loc, _ := b.form("/timesheet/actions", b.withCSRF("week", "2026-03-02", "card_id", itoa64(a.ID), "card_id", itoa64(c.ID),
		"action", "invoice", "grouping", "per_card"), "")
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/invoices/") {
		t.Fatalf("invoice from selection: %d %s", status, loc)
	}
	status, page := b.page(loc)
	if status != 200 || !strings.Contains(page, "180.00") || !strings.Contains(page, "Sync with QuickBooks") {
		t.Fatalf("invoice page: %d", status)
	}
	id := strings.TrimPrefix(loc, "/invoices/")
	svc := itoa64(f.Service.ID)
	// A bad quantity on the second row is shown on that row, with what was typed.
	status, _, body := b.form(loc, b.withCSRF("customer_id", itoa64(f.Customer.ID), "date", "2026-03-31",
		"line_service_id", svc, "line_description", "Design", "line_quantity", "1", "line_rate", "120.00",
		"line_service_id", "", "line_description", "", "line_quantity", "", "line_rate", "",
		"line_service_id", svc, "line_description", "Extra", "line_quantity", "lots", "line_rate", "10"), "")
	if status != 422 || !strings.Contains(body, `value="lots"`) || !strings.Contains(body, "must be a number") {
		t.Fatalf("bad line: %d %s", status, body)
	}
	status, saved, _ := b.form(loc, b.withCSRF("customer_id", itoa64(f.Customer.ID), "date", "2026-03-31", "memo", "Thanks",
		"line_service_id", svc, "line_description", "Design", "line_quantity", "1.25", "line_rate", "120.00"), "")
	if status != http.StatusSeeOther || saved != loc {
		t.Fatalf("save: %d %s", status, saved)
	}
	var inv invoiceJSON
	b.call("GET", "/api/v1/invoices/"+id, nil, 200, &inv)
	if inv.Total != "150.00" || inv.Memo != "Thanks" || len(inv.Lines) != 1 {
		t.Fatalf("saved invoice = %+v", inv)
	}
	if status, _, _ := b.form("/invoices/"+id+"/void", b.withCSRF("confirmed", "1"), ""); status != http.StatusSeeOther {
		t.Fatalf("void: %d", status)
	}
	b.call("GET", "/api/v1/invoices/"+id, nil, 200, &inv)
	if inv.Status != "void" {
		t.Fatalf("status = %q", inv.Status)
	}
	if _, page := b.page("/invoices"); !strings.Contains(page, inv.Number) {
		t.Fatal("invoice list lacks the invoice")
	}
	status, loc, _ = b.form("/invoices/"+id+"/delete", b.withCSRF("confirmed", "1"), "")
	if status != http.StatusSeeOther || loc != "/invoices" {
		t.Fatalf("delete: %d %s", status, loc)
	}
}

// TestWebUIOwnerDeletesTheAccount: only the owner sees the form; a wrong name is shown
// next to the field and deletes nothing; the firm's name deletes the account and
// signs the owner out.
func TestWebUIOwnerDeletesTheAccount(t *testing.T) {
	e := newEnv(t)
	b := e.signUp()
	admin := b.member(store.RoleAdmin)
	if _, body := admin.page("/settings"); strings.Contains(body, "Delete this account") {
		t.Fatal("an admin who is not the owner is offered the deletion")
	}
	if _, body := b.page("/settings"); !strings.Contains(body, "Delete this account") {
		t.Fatal("the owner is not offered the deletion")
	}
	status, _, body := b.form("/settings/delete-account", b.withCSRF("confirm", "Not my firm"), "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "to confirm") {
		t.Fatalf("wrong confirmation: %d", status)
	}
	b.call("GET", "/api/v1/me", nil, http.StatusOK, nil)
	status, loc, _ := b.form("/settings/delete-account", b.withCSRF("confirm", b.me.Account.Name), "")
	if status != http.StatusSeeOther || loc != "/signin" {
		t.Fatalf("delete: %d %s", status, loc)
	}
	if _, body := b.page("/signin"); !strings.Contains(body, "were deleted") {
		t.Fatal("no word that the account was deleted")
	}
	if status, _ := b.page("/settings"); status != http.StatusSeeOther {
		t.Fatalf("settings after deletion: %d", status)
	}
	admin.fails("GET", "/api/v1/me", nil, http.StatusUnauthorized, "")
}
