package server

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// sent is one side of a case: a JSON body sent to method path, or a form posted to
// path.
type sent struct {
	method, path string
	body         any
	form         url.Values
}

// outcome is what a use case answered, as a transport shows it: refused on a field
// (the JSON API's) or a control (the form's) with a message, or accepted.
type outcome struct {
	Refused        bool
	Field, Message string
}

// want is what a case expects: accepted (control ""), or refused on the input's field
// (as the JSON API names it) shown beside the form's control, with the message (""
// when not worth pinning; both transports must still agree on it).
type want struct {
	field, control, message string
}

// check compares both transports' outcomes with what the case wants.
func (w want) check(t *testing.T, byJSON, byForm outcome) {
	t.Helper()
	if byJSON.Refused != (w.control != "") || byJSON.Field != w.field || (w.message != "" && sentence(byJSON.Message) != w.message) {
		t.Fatalf("JSON: %+v, want %+v", byJSON, w)
	}
	if byForm.Refused != byJSON.Refused || byForm.Field != w.control || byForm.Message != sentence(byJSON.Message) {
		t.Fatalf("the form answered %+v, the JSON API %+v (want the control %q)", byForm, byJSON, w.control)
	}
}

// formErrorRE finds the error a page shows beside a control; every error paragraph of
// the templates is id="e-<control>".
var formErrorRE = regexp.MustCompile(`<p class="error" id="e-([^"]+)">([^<]*)</p>`)

// alertRE finds an error a page shows above its form.
var alertRE = regexp.MustCompile(`<div class="alert" role="alert">([^<]*)</div>`)

// viaJSON sends the case's JSON request and reads its outcome.
func viaJSON(t *testing.T, c *client, r sent) outcome {
	t.Helper()
	status, raw, _ := c.do(r.method, r.path, r.body)
	if status < 400 {
		return outcome{}
	}
	var e apiErr
	if err := json.Unmarshal(raw, &e); err != nil || e.Error.Message == "" {
		t.Fatalf("%s %s: %d %s", r.method, r.path, status, raw)
	}
	return outcome{Refused: true, Field: e.Error.Field, Message: e.Error.Message}
}

// viaForm posts the case's form and reads its outcome: a redirect is accepted, a page
// shows the refusal beside a control (or above the form).
func viaForm(t *testing.T, c *client, r sent) outcome {
	t.Helper()
	status, loc, body := c.form(r.path, r.form, "")
	if status == http.StatusSeeOther {
		if strings.HasPrefix(loc, "/signin") && !strings.HasPrefix(r.path, "/reset") {
			t.Fatalf("POST %s sent the browser to %s", r.path, loc)
		}
		return outcome{}
	}
	if m := formErrorRE.FindStringSubmatch(body); m != nil {
		return outcome{Refused: true, Field: html.UnescapeString(m[1]), Message: html.UnescapeString(m[2])}
	}
	if m := alertRE.FindStringSubmatch(body); m != nil {
		return outcome{Refused: true, Message: html.UnescapeString(m[1])}
	}
	t.Fatalf("POST %s: %d without an error shown:\n%s", r.path, status, body)
	return outcome{}
}

// snapshot is what a case's records are after a request: how many, and the newest one
// (or the one edited) without what differs by nature between two writes (ids,
// timestamps, versions, generated numbers).
type snapshot struct {
	N    int
	Last any
}

// normal drops the fields two equal writes differ in, at any depth.
func normal(v any) any {
	raw, _ := json.Marshal(v)
	var m any
	_ = json.Unmarshal(raw, &m)
	var strip func(any) any
	strip = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			for _, k := range []string{"id", "created_at", "updated_at", "version", "number", "display_name", "name"} {
				delete(x, k)
			}
			for k, v := range x {
				x[k] = strip(v)
			}
		case []any:
			for i := range x {
				x[i] = strip(x[i])
			}
		}
		return x
	}
	return strip(m)
}

// TestFormAndJSONGiveTheSameOutcome sends each case through the web form and through
// the JSON API, which call the same use case: a refused case is refused on the same
// field (the form's control for it) with the same message and stores nothing; an
// accepted one stores the same record.
func TestFormAndJSONGiveTheSameOutcome(t *testing.T) {
	e := newEnv(t)
	b := e.signUp()
	f := b.fixtures()
	cust, svc := itoa64(f.Customer.ID), itoa64(f.Service.ID)
	var gone store.Customer
	b.call("POST", "/api/v1/customers", map[string]any{"display_name": "Gone " + testutil.RandomHex(3)}, http.StatusCreated, &gone)
	b.call("PATCH", "/api/v1/customers/"+itoa64(gone.ID), map[string]any{"active": false}, http.StatusOK, nil)
	var edited store.Customer
	b.call("POST", "/api/v1/customers", map[string]any{"display_name": "Edited " + testutil.RandomHex(3)}, http.StatusCreated, &edited)
	card := b.timeCard(f, "2026-03-05", 30)

	cards := func() snapshot {
		var list listJSON[timeCardJSON]
		b.call("GET", "/api/v1/time-cards?from=2026-03-01&to=2026-03-31&limit=200", nil, http.StatusOK, &list)
		sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].ID < list.Items[j].ID })
		if len(list.Items) == 0 {
			return snapshot{}
		}
		return snapshot{len(list.Items), normal(list.Items[len(list.Items)-1])}
	}
	oneCard := func() snapshot {
		var tc timeCardJSON
		b.call("GET", "/api/v1/time-cards/"+itoa64(card.ID), nil, http.StatusOK, &tc)
		return snapshot{1, normal(tc)}
	}
	resetCard := func() {
		b.call("PUT", "/api/v1/time-cards/"+itoa64(card.ID), map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID,
			"date": "2026-03-05", "minutes": 30}, http.StatusOK, nil)
	}
	invoices := func() snapshot {
		var list listJSON[invoiceJSON]
		b.call("GET", "/api/v1/invoices?limit=200", nil, http.StatusOK, &list)
		if len(list.Items) == 0 {
			return snapshot{}
		}
		var inv invoiceJSON // newest first; read it whole, with its lines
		b.call("GET", "/api/v1/invoices/"+itoa64(list.Items[0].ID), nil, http.StatusOK, &inv)
		return snapshot{len(list.Items), normal(inv)}
	}
	customer := func() snapshot {
		var cu store.Customer
		b.call("GET", "/api/v1/customers/"+itoa64(edited.ID), nil, http.StatusOK, &cu)
		return snapshot{1, []any{normal(cu), cu.DisplayName}}
	}
	resetCustomer := func() {
		b.call("PATCH", "/api/v1/customers/"+itoa64(edited.ID), map[string]any{"display_name": edited.DisplayName, "contact_name": "", "email": "", "active": true}, http.StatusOK, nil)
	}
	services := func() snapshot {
		var list listJSON[serviceJSON]
		b.call("GET", "/api/v1/services?limit=200", nil, http.StatusOK, &list)
		return snapshot{len(list.Items), nil}
	}
	settings := func() snapshot {
		var a accountJSON
		b.call("GET", "/api/v1/settings", nil, http.StatusOK, &a)
		return snapshot{1, normal(a)}
	}
	resetSettings := func() {
		b.call("PATCH", "/api/v1/settings", map[string]any{"time_zone": "UTC", "week_start": 1}, http.StatusOK, nil)
	}
	invitations := func() snapshot {
		var list itemsJSON[store.Invitation]
		b.call("GET", "/api/v1/invitations", nil, http.StatusOK, &list)
		return snapshot{len(list.Items), nil}
	}

	card90 := map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2026-03-04", "minutes": 90, "rate": "95.50",
		"notes": "same either way", "billable": false}
	cardWith := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range card90 {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	cardForm := func(kv ...string) url.Values {
		v := b.withCSRF("week", "2026-03-02", "user_id", itoa64(b.me.User.ID), "date", "2026-03-04", "customer_id", cust, "service_id", svc,
			"hours", "1:30", "rate", "95.50", "notes", "same either way")
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	line := func(qty, rate string) map[string]any {
		return map[string]any{"service_id": f.Service.ID, "description": "Design", "quantity": qty, "rate": rate}
	}
	invoiceForm := func(kv ...string) url.Values {
		v := b.withCSRF("customer_id", cust, "date", "2026-03-31", "memo", "Thanks",
			"line_service_id", svc, "line_description", "Design", "line_quantity", "1.5", "line_rate", "120.00",
			"line_service_id", "", "line_description", "", "line_quantity", "", "line_rate", "",
			"line_service_id", svc, "line_description", "Design", "line_quantity", "2", "line_rate", "10")
		for i := 0; i < len(kv); i += 2 {
			v[kv[i]] = strings.Split(kv[i+1], "|")
		}
		return v
	}

	for _, tc := range []struct {
		name   string
		json   sent
		form   sent
		want   want
		stored func() snapshot
		reset  func() // puts an edited record back before each transport
	}{
		{name: "time card recorded",
			json: sent{method: "POST", path: "/api/v1/time-cards", body: card90}, form: sent{path: "/time-cards", form: cardForm()},
			stored: cards},
		{name: "time card from start and end",
			json: sent{method: "POST", path: "/api/v1/time-cards", body: cardWith("minutes", nil, "start_time", "09:15", "end_time", "10:45", "billable", true)},
			form: sent{path: "/time-cards", form: cardForm("hours", "", "start_time", "09:15", "end_time", "10:45", "billable", "true")}, stored: cards},
		{name: "over a day", want: want{"minutes", "hours", "A time card is from 1 minute to 24 hours"},
			json: sent{method: "POST", path: "/api/v1/time-cards", body: cardWith("minutes", 1500)}, form: sent{path: "/time-cards", form: cardForm("hours", "25:00")},
			stored: cards},
		{name: "times that disagree with the duration", want: want{"minutes", "hours", "Minutes do not match the start and end times"},
			json: sent{method: "POST", path: "/api/v1/time-cards", body: cardWith("start_time", "09:00", "end_time", "10:00")},
			form: sent{path: "/time-cards", form: cardForm("start_time", "09:00", "end_time", "10:00")}, stored: cards},
		{name: "end before start", want: want{"end_time", "end_time", "The end time must be after the start time"},
			json: sent{method: "POST", path: "/api/v1/time-cards", body: cardWith("minutes", nil, "start_time", "10:00", "end_time", "09:00")},
			form: sent{path: "/time-cards", form: cardForm("hours", "", "start_time", "10:00", "end_time", "09:00")}, stored: cards},
		{name: "no customer", want: want{"customer_id", "customer_id", "Choose a customer"},
			json: sent{method: "POST", path: "/api/v1/time-cards", body: cardWith("customer_id", nil)}, form: sent{path: "/time-cards", form: cardForm("customer_id", "")},
			stored: cards},
		{name: "unknown customer", want: want{"customer_id", "customer_id", "Customer not found"},
			json: sent{method: "POST", path: "/api/v1/time-cards", body: cardWith("customer_id", 987654321)},
			form: sent{path: "/time-cards", form: cardForm("customer_id", "987654321")}, stored: cards},
		{name: "inactive customer", want: want{"customer_id", "customer_id", ""},
			json: sent{method: "POST", path: "/api/v1/time-cards", body: cardWith("customer_id", gone.ID)},
			form: sent{path: "/time-cards", form: cardForm("customer_id", itoa64(gone.ID))}, stored: cards},
		{name: "rate with three decimals", want: want{"rate", "rate", "The rate has at most 2 decimals"},
			json: sent{method: "POST", path: "/api/v1/time-cards", body: cardWith("rate", "5.123")}, form: sent{path: "/time-cards", form: cardForm("rate", "5.123")},
			stored: cards},
		{name: "no such date", want: want{"date", "date", "Date must be a date like 2026-03-31"},
			json: sent{method: "POST", path: "/api/v1/time-cards", body: cardWith("date", "2026-02-30")}, form: sent{path: "/time-cards", form: cardForm("date", "2026-02-30")},
			stored: cards},
		{name: "time card edited", reset: resetCard, stored: oneCard,
			json: sent{method: "PUT", path: "/api/v1/time-cards/" + itoa64(card.ID), body: cardWith("date", "2026-03-05", "minutes", 150)},
			form: sent{path: "/time-cards/" + itoa64(card.ID), form: cardForm("date", "2026-03-05", "hours", "2.5")}},
		{name: "edit to nothing", reset: resetCard, stored: oneCard, want: want{"minutes", "hours", "Enter how long you worked"},
			json: sent{method: "PUT", path: "/api/v1/time-cards/" + itoa64(card.ID), body: cardWith("minutes", nil)},
			form: sent{path: "/time-cards/" + itoa64(card.ID), form: cardForm("hours", "")}},

		{name: "invoice by hand, a blank row between lines", stored: invoices,
			json: sent{method: "POST", path: "/api/v1/invoices", body: map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-31", "memo": "Thanks",
				"lines": []any{line("1.5", "120.00"), line("2", "10")}}},
			form: sent{path: "/invoices", form: invoiceForm()}},
		{name: "a bad line is refused on its row", want: want{"lines[1].quantity", "lines[2].quantity", "The quantity must be more than zero"}, stored: invoices,
			json: sent{method: "POST", path: "/api/v1/invoices", body: map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-31", "memo": "Thanks",
				"lines": []any{line("1.5", "120.00"), line("0", "10")}}},
			form: sent{path: "/invoices", form: invoiceForm("line_quantity", "1.5||0")}},
		{name: "due before the invoice", want: want{"due_date", "due_date", "The due date cannot be before the invoice date"}, stored: invoices,
			json: sent{method: "POST", path: "/api/v1/invoices", body: map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-31", "due_date": "2026-03-01",
				"lines": []any{line("1", "1")}}},
			form: sent{path: "/invoices", form: invoiceForm("due_date", "2026-03-01")}},
		{name: "an invoice without lines", want: want{"lines", "lines", "Add at least one line"}, stored: invoices,
			json: sent{method: "POST", path: "/api/v1/invoices", body: map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-31", "lines": []any{}}},
			form: sent{path: "/invoices", form: invoiceForm("line_service_id", "|", "line_quantity", "|", "line_rate", "|", "line_description", "|")}},

		{name: "customer edited", reset: resetCustomer, stored: customer,
			json: sent{method: "PATCH", path: "/api/v1/customers/" + itoa64(edited.ID), body: map[string]any{"display_name": edited.DisplayName + " Ltd",
				"contact_name": "Ann", "email": "ap@example.com", "active": false}},
			form: sent{path: "/customers/" + itoa64(edited.ID), form: b.withCSRF("display_name", edited.DisplayName+" Ltd", "contact_name", "Ann", "email", "ap@example.com")}},
		{name: "customer named with a colon", want: want{"display_name", "display_name", "A customer's name cannot contain a colon"}, reset: resetCustomer, stored: customer,
			json: sent{method: "PATCH", path: "/api/v1/customers/" + itoa64(edited.ID), body: map[string]any{"display_name": "A:B", "contact_name": "", "email": "", "active": true}},
			form: sent{path: "/customers/" + itoa64(edited.ID), form: b.withCSRF("display_name", "A:B", "active", "true")}},
		{name: "customer named like another", want: want{"display_name", "display_name", "Another record already uses this display name"}, reset: resetCustomer, stored: customer,
			json: sent{method: "PATCH", path: "/api/v1/customers/" + itoa64(edited.ID), body: map[string]any{"display_name": strings.ToUpper(f.Customer.DisplayName),
				"contact_name": "", "email": "", "active": true}},
			form: sent{path: "/customers/" + itoa64(edited.ID), form: b.withCSRF("display_name", strings.ToUpper(f.Customer.DisplayName), "active", "true")}},
		{name: "customer's bad e-mail", want: want{"email", "email", "Enter a valid e-mail address, like name@example.com"}, reset: resetCustomer, stored: customer,
			json: sent{method: "PATCH", path: "/api/v1/customers/" + itoa64(edited.ID), body: map[string]any{"display_name": edited.DisplayName, "contact_name": "",
				"email": "nope", "active": true}},
			form: sent{path: "/customers/" + itoa64(edited.ID), form: b.withCSRF("display_name", edited.DisplayName, "email", "nope", "active", "true")}},
		{name: "service rate with three decimals", want: want{"rate", "rate", "The hourly rate has at most 2 decimals"}, stored: services,
			json: sent{method: "POST", path: "/api/v1/services", body: map[string]any{"name": "Audit", "description": "", "rate": "12.345", "active": true}},
			form: sent{path: "/services", form: b.withCSRF("name", "Audit", "rate", "12.345", "active", "true")}},

		{name: "settings saved", reset: resetSettings, stored: settings,
			json: sent{method: "PATCH", path: "/api/v1/settings", body: map[string]any{"time_zone": "Europe/Paris", "week_start": 0,
				"income_account_name": "Consulting Income", "resync_interval": "off"}},
			form: sent{path: "/settings", form: b.withCSRF("time_zone", "Europe/Paris", "week_start", "0", "income_account_name", "Consulting Income", "resync_interval", "off")}},
		{name: "unknown time zone", want: want{"time_zone", "time_zone", `Unknown time zone "Nowhere/Land"`}, reset: resetSettings, stored: settings,
			json: sent{method: "PATCH", path: "/api/v1/settings", body: map[string]any{"time_zone": "Nowhere/Land", "week_start": 1,
				"income_account_name": "Consulting Income", "resync_interval": "off"}},
			form: sent{path: "/settings", form: b.withCSRF("time_zone", "Nowhere/Land", "week_start", "1", "income_account_name", "Consulting Income", "resync_interval", "off")}},
		{name: "no such week day", want: want{"week_start", "week_start", "Choose a day from 0 (Sunday) to 6 (Saturday)"}, reset: resetSettings, stored: settings,
			json: sent{method: "PATCH", path: "/api/v1/settings", body: map[string]any{"time_zone": "UTC", "week_start": 7,
				"income_account_name": "Consulting Income", "resync_interval": "off"}},
			form: sent{path: "/settings", form: b.withCSRF("time_zone", "UTC", "week_start", "7", "income_account_name", "Consulting Income", "resync_interval", "off")}},

		{name: "invitation to a bad address", want: want{"email", "email", "Enter a valid e-mail address, like name@example.com"}, stored: invitations,
			json: sent{method: "POST", path: "/api/v1/invitations", body: map[string]any{"email": "not-an-address", "first_name": "Carl", "last_name": "", "role": "member"}},
			form: sent{path: "/users/invite", form: b.withCSRF("email", "not-an-address", "first_name", "Carl", "role", "member")}},
		{name: "invitation as owner", want: want{"role", "role", "Choose admin or member"}, stored: invitations,
			json: sent{method: "POST", path: "/api/v1/invitations", body: map[string]any{"email": "carl@example.com", "first_name": "Carl", "last_name": "", "role": "owner"}},
			form: sent{path: "/users/invite", form: b.withCSRF("email", "carl@example.com", "first_name", "Carl", "role", "owner")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.reset != nil {
				tc.reset()
			}
			before := tc.stored()
			byJSON := viaJSON(t, b, tc.json)
			afterJSON := tc.stored()
			if tc.reset != nil {
				tc.reset()
			}
			byForm := viaForm(t, b, tc.form)
			afterForm := tc.stored()

			tc.want.check(t, byJSON, byForm)
			switch {
			case tc.want.control != "":
				if afterJSON.N != before.N || afterForm.N != before.N || !reflect.DeepEqual(afterForm.Last, before.Last) {
					t.Fatalf("a refused case stored something: before %+v, after JSON %+v, after the form %+v", before, afterJSON, afterForm)
				}
			case tc.reset != nil:
				if reflect.DeepEqual(afterJSON.Last, before.Last) || !reflect.DeepEqual(afterForm.Last, afterJSON.Last) {
					t.Fatalf("stored after JSON %+v, after the form %+v (before %+v)", afterJSON.Last, afterForm.Last, before.Last)
				}
			default:
				if afterJSON.N != before.N+1 || afterForm.N != afterJSON.N+1 || !reflect.DeepEqual(afterForm.Last, afterJSON.Last) {
					t.Fatalf("stored after JSON %+v, after the form %+v (before %d)", afterJSON, afterForm, before.N)
				}
			}
		})
	}
}

// TestPublicFormsAndJSONGiveTheSameOutcome does the same for the forms used before
// there is a session: sign up, sign in.
func TestPublicFormsAndJSONGiveTheSameOutcome(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	email := testutil.UniqueName("same") + "@example.com"
	for _, tc := range []struct {
		name string
		json sent
		form sent
		want want
	}{
		{name: "short password", want: want{"password", "password", "Use at least 10 characters"},
			json: sent{method: "POST", path: "/api/v1/signup", body: map[string]any{"firm_name": "Same Firm", "first_name": "Sam", "last_name": "", "email": email, "password": "short"}},
			form: sent{path: "/signup", form: url.Values{"firm_name": {"Same Firm"}, "first_name": {"Sam"}, "email": {email}, "password": {"short"}}}},
		{name: "address with a login", want: want{"email", "email", "This e-mail address already has a login; sign in or reset the password"},
			json: sent{method: "POST", path: "/api/v1/signup", body: map[string]any{"firm_name": "Same Firm", "first_name": "Sam", "last_name": "",
				"email": owner.me.User.Email, "password": testPassword}},
			form: sent{path: "/signup", form: url.Values{"firm_name": {"Same Firm"}, "first_name": {"Sam"}, "email": {owner.me.User.Email}, "password": {testPassword}}}},
		{name: "wrong password", want: want{"", "password", "The e-mail address or password is wrong"},
			json: sent{method: "POST", path: "/api/v1/signin", body: map[string]any{"email": owner.me.User.Email, "password": "not the password"}},
			form: sent{path: "/signin", form: url.Values{"email": {owner.me.User.Email}, "password": {"not the password"}}}},
		{name: "no password", want: want{"password", "password", "Enter your password"},
			json: sent{method: "POST", path: "/api/v1/signin", body: map[string]any{"email": owner.me.User.Email, "password": ""}},
			form: sent{path: "/signin", form: url.Values{"email": {owner.me.User.Email}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.check(t, viaJSON(t, e.newClient(), tc.json), viaForm(t, e.newClient(), tc.form))
		})
	}
}
