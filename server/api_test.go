package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"hoursync/internal/store"
)

func TestCustomersAndServices(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	var cu store.Customer
	owner.call("POST", "/api/v1/customers", map[string]any{"display_name": " Acme Ltd ", "email": "ap@acme.test"}, http.StatusCreated, &cu)
	if cu.DisplayName != "Acme Ltd" || !cu.Active {
		t.Fatalf("customer = %+v", cu)
	}
	owner.fails("POST", "/api/v1/customers", map[string]any{"display_name": "ACME LTD"}, http.StatusConflict, "display_name")
	owner.fails("POST", "/api/v1/customers", map[string]any{"display_name": ""}, 422, "display_name")
	owner.fails("POST", "/api/v1/customers", map[string]any{"display_name": "A:B"}, 422, "display_name")
	owner.fails("POST", "/api/v1/customers", map[string]any{"display_name": "B", "email": "nope"}, 422, "email")
	owner.fails("POST", "/api/v1/customers", map[string]any{"display_name": "B", "colour": "red"}, 400, "colour")
	owner.call("PATCH", "/api/v1/customers/"+itoa64(cu.ID), map[string]any{"contact_name": "Ann", "active": false}, http.StatusOK, &cu)
	if cu.ContactName != "Ann" || cu.Active || cu.DisplayName != "Acme Ltd" {
		t.Fatalf("patched = %+v", cu)
	}
	var list listJSON[store.Customer]
	owner.call("GET", "/api/v1/customers?q=acme&limit=1", nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.NextOffset != nil {
		t.Fatalf("list = %+v", list)
	}
	owner.fails("GET", "/api/v1/customers?limit=0", nil, 422, "limit")
	owner.fails("GET", "/api/v1/customers/999999999", nil, 404, "")
	owner.fails("GET", "/api/v1/customers/abc", nil, 404, "")

	var sv serviceJSON
	owner.call("POST", "/api/v1/services", map[string]any{"name": "Design", "rate": 95.5}, http.StatusCreated, &sv)
	if sv.RateCents != 9550 || sv.Rate != "95.50" {
		t.Fatalf("service = %+v", sv)
	}
	for _, tc := range []struct {
		rate  any
		field string
		want  int
	}{
		{"-1.00", "rate", 422}, {"1.234", "rate", 422}, {"1e3", "rate", 422}, {"abc", "rate", 422}, {true, "rate", 400}, {"99999999999.00", "rate", 422},
	} {
		owner.fails("POST", "/api/v1/services", map[string]any{"name": fmt.Sprint("S", tc.rate), "rate": tc.rate}, tc.want, tc.field)
	}
	owner.call("PATCH", "/api/v1/services/"+itoa64(sv.ID), map[string]any{"rate": "100"}, http.StatusOK, &sv)
	if sv.RateCents != 10000 {
		t.Fatalf("rate = %d", sv.RateCents)
	}
	var ias itemsJSON[store.IncomeAccount]
	owner.call("GET", "/api/v1/income-accounts", nil, http.StatusOK, &ias)
	if ias.Items == nil {
		t.Fatal("income accounts list is null")
	}
}

func TestSettings(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	var a accountJSON
	owner.call("PATCH", "/api/v1/settings", map[string]any{"time_zone": "America/New_York", "week_start": 0, "resync_interval": "hourly"}, http.StatusOK, &a)
	if a.TimeZone != "America/New_York" || a.WeekStart != 0 || a.ResyncInterval != "hourly" {
		t.Fatalf("settings = %+v", a)
	}
	owner.fails("PATCH", "/api/v1/settings", map[string]any{"week_start": 7}, 422, "week_start")
	owner.fails("PATCH", "/api/v1/settings", map[string]any{"resync_interval": "weekly"}, 422, "resync_interval")
	owner.fails("PATCH", "/api/v1/settings", map[string]any{"time_zone": "Nowhere/Land"}, 422, "time_zone")
	// With income accounts imported, the name must be one of them.
	if _, err := e.store.UpsertIncomeAccount(context.Background(), owner.me.Account.ID, "", "79", "Consulting Income", true); err != nil {
		t.Fatal(err)
	}
	owner.fails("PATCH", "/api/v1/settings", map[string]any{"income_account_name": "Sales"}, 422, "income_account_name")
	owner.call("PATCH", "/api/v1/settings", map[string]any{"income_account_name": "consulting income"}, http.StatusOK, &a)
	if a.IncomeAccountName != "Consulting Income" {
		t.Fatalf("income account = %q", a.IncomeAccountName)
	}
}

func TestTimeCards(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	f := owner.fixtures()
	base := map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2026-03-04"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
				continue
			}
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	var tc timeCardJSON
	owner.call("POST", "/api/v1/time-cards", with("start_time", "09:00", "end_time", "10:30", "notes", "kick-off"), http.StatusCreated, &tc)
	if tc.Minutes != 90 || tc.RateCents != 12000 || !tc.Billable || tc.SyncStatus != "never" || tc.Date != "2026-03-04" || *tc.StartTime != "09:00" {
		t.Fatalf("card = %+v", tc)
	}
	for _, bad := range []struct {
		name  string
		body  map[string]any
		want  int
		field string
	}{
		{"zero minutes", with("minutes", 0), 422, "minutes"},
		{"over a day", with("minutes", 1441), 422, "minutes"},
		{"no duration", with(), 422, "minutes"},
		{"end before start", with("start_time", "10:00", "end_time", "09:00"), 422, "end_time"},
		{"only start", with("start_time", "10:00"), 422, "end_time"},
		{"mismatch", with("start_time", "10:00", "end_time", "11:00", "minutes", 30), 422, "minutes"},
		{"bad clock", with("start_time", "25:00", "end_time", "26:00"), 422, "start_time"},
		{"bad date", with("date", "2026-02-30", "minutes", 60), 422, "date"},
		{"no date", with("date", nil, "minutes", 60), 422, "date"},
		{"no customer", with("customer_id", nil, "minutes", 60), 422, "customer_id"},
		{"unknown customer", with("customer_id", 987654321, "minutes", 60), 404, "customer_id"},
		{"unknown service", with("service_id", 987654321, "minutes", 60), 404, "service_id"},
		{"negative rate", with("minutes", 60, "rate", "-5"), 422, "rate"},
		{"three decimals", with("minutes", 60, "rate", "5.123"), 422, "rate"},
		{"unknown field", with("minutes", 60, "hours", 1), 400, "hours"},
		{"minutes as text", with("minutes", "sixty"), 400, "minutes"},
	} {
		t.Run(bad.name, func(t *testing.T) { owner.fails("POST", "/api/v1/time-cards", bad.body, bad.want, bad.field) })
	}

	// Edit, list, and the week filter (weeks start Monday by default).
	owner.call("PUT", "/api/v1/time-cards/"+itoa64(tc.ID), with("minutes", 45, "rate", "80.00", "billable", false), http.StatusOK, &tc)
	if tc.Minutes != 45 || tc.StartTime != nil || tc.RateCents != 8000 || tc.Billable || tc.Version != 2 {
		t.Fatalf("edited = %+v", tc)
	}
	owner.timeCard(f, "2026-03-08", 30) // Sunday: same week as Wednesday 4th
	owner.timeCard(f, "2026-03-09", 30) // next Monday
	var list listJSON[timeCardJSON]
	owner.call("GET", "/api/v1/time-cards?week=2026-03-06", nil, http.StatusOK, &list)
	if len(list.Items) != 2 {
		t.Fatalf("week list = %+v", list.Items)
	}
	owner.call("GET", "/api/v1/time-cards?from=2026-03-01&to=2026-03-31&limit=2", nil, http.StatusOK, &list)
	if len(list.Items) != 2 || list.NextOffset == nil || *list.NextOffset != 2 {
		t.Fatalf("paged list = %+v", list)
	}
	owner.call("GET", "/api/v1/time-cards?status=never&customer_id="+itoa64(f.Customer.ID), nil, http.StatusOK, &list)
	if len(list.Items) != 3 {
		t.Fatalf("status list = %d", len(list.Items))
	}
	owner.call("GET", "/api/v1/time-cards?ids="+itoa64(tc.ID)+",987654321", nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != tc.ID {
		t.Fatalf("selection = %+v", list.Items)
	}
	owner.fails("GET", "/api/v1/time-cards?ids=1,x", nil, 422, "ids")
	owner.fails("GET", "/api/v1/time-cards?status=lost", nil, 422, "status")
	owner.fails("GET", "/api/v1/time-cards?week=soon", nil, 422, "week")

	// Members record and see only their own time.
	member := owner.member(store.RoleMember)
	var mine timeCardJSON
	member.call("POST", "/api/v1/time-cards", with("minutes", 15), http.StatusCreated, &mine)
	if mine.UserID != member.me.User.ID {
		t.Fatalf("member card user = %d", mine.UserID)
	}
	member.fails("POST", "/api/v1/time-cards", with("minutes", 15, "user_id", owner.me.User.ID), 403, "user_id")
	member.fails("GET", "/api/v1/time-cards/"+itoa64(tc.ID), nil, 404, "")
	member.fails("PUT", "/api/v1/time-cards/"+itoa64(tc.ID), with("minutes", 15), 404, "")
	member.call("GET", "/api/v1/time-cards", nil, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != mine.ID {
		t.Fatalf("member sees %+v", list.Items)
	}
	// Admins record time for others.
	var forMember timeCardJSON
	owner.call("POST", "/api/v1/time-cards", with("minutes", 20, "user_id", member.me.User.ID), http.StatusCreated, &forMember)
	if forMember.UserID != member.me.User.ID {
		t.Fatalf("user = %d", forMember.UserID)
	}

	var del deletedJSON
	member.call("DELETE", "/api/v1/time-cards/"+itoa64(mine.ID), nil, http.StatusOK, &del)
	if !del.Deleted || del.PendingQuickBooksDelete {
		t.Fatalf("delete = %+v", del)
	}
	member.fails("GET", "/api/v1/time-cards/"+itoa64(mine.ID), nil, 404, "")
}

func TestInvoices(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	f := owner.fixtures()
	a := owner.timeCard(f, "2026-03-02", 90)
	b := owner.timeCard(f, "2026-03-03", 30)
	c := owner.timeCard(f, "2026-03-04", 60)

	var inv invoiceJSON
	owner.call("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{a.ID, b.ID}, "date": "2026-03-31", "due_date": "2026-04-30"},
		http.StatusCreated, &inv)
	if len(inv.Lines) != 1 || inv.Lines[0].Quantity != "2.000" || inv.Total != "240.00" || len(inv.TimeCardIDs) != 2 || *inv.DueDate != "2026-04-30" {
		t.Fatalf("grouped invoice = %+v", inv)
	}
	// A billed card cannot change silently, nor be billed twice.
	e1 := owner.fails("PUT", "/api/v1/time-cards/"+itoa64(a.ID), map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2026-03-02", "minutes": 10}, 409, "")
	if !strings.Contains(e1.Error.Message, "invoice "+inv.Number) {
		t.Fatalf("conflict message = %q", e1.Error.Message)
	}
	owner.fails("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{a.ID}}, 409, "")
	owner.fails("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{}}, 422, "time_card_ids")
	owner.fails("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{c.ID}, "grouping": "per_day"}, 422, "grouping")
	owner.fails("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{c.ID, 987654321}}, 404, "time_card_ids")

	var perCard invoiceJSON
	owner.call("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{c.ID}, "grouping": "per_card"}, http.StatusCreated, &perCard)
	if len(perCard.Lines) != 1 || !strings.HasPrefix(perCard.Lines[0].Description, "2026-03-04") || perCard.Number == inv.Number {
		t.Fatalf("per-card invoice = %+v", perCard)
	}

	// By hand, then edit lines.
	line := map[string]any{"service_id": f.Service.ID, "description": "Workshop", "quantity": "1.5", "rate": "99.99"}
	var manual invoiceJSON
	owner.call("POST", "/api/v1/invoices", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10", "number": "A-1", "lines": []any{line}}, http.StatusCreated, &manual)
	if manual.Lines[0].AmountCents != 14999 || manual.Total != "149.99" { // 1.5 × 99.99 = 149.985 → half-up 149.99
		t.Fatalf("manual = %+v", manual)
	}
	for _, bad := range []struct {
		name  string
		body  map[string]any
		want  int
		field string
	}{
		{"no lines", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10"}, 422, "lines"},
		{"no customer", map[string]any{"date": "2026-03-10", "lines": []any{line}}, 422, "customer_id"},
		{"due before date", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10", "due_date": "2026-03-01", "lines": []any{line}}, 422, "due_date"},
		{"zero quantity", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10", "lines": []any{map[string]any{"service_id": f.Service.ID, "quantity": "0", "rate": "1"}}}, 422, "lines[0].quantity"},
		{"negative rate", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10", "lines": []any{map[string]any{"service_id": f.Service.ID, "quantity": "1", "rate": "-1"}}}, 422, "lines[0].rate"},
		{"unknown service", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10", "lines": []any{map[string]any{"service_id": 987654321, "quantity": "1", "rate": "1"}}}, 404, "lines[0].service_id"},
		{"duplicate number", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10", "number": "a-1", "lines": []any{line}}, 409, "number"},
		{"number too long", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10", "number": strings.Repeat("9", 22), "lines": []any{line}}, 422, "number"},
		{"unknown line field", map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-10", "lines": []any{map[string]any{"service_id": f.Service.ID, "quantity": "1", "rate": "1", "tax": 1}}}, 400, "tax"},
	} {
		t.Run(bad.name, func(t *testing.T) { owner.fails("POST", "/api/v1/invoices", bad.body, bad.want, bad.field) })
	}
	line2 := map[string]any{"service_id": f.Service.ID, "quantity": 2, "rate": 10}
	owner.call("PUT", "/api/v1/invoices/"+itoa64(manual.ID), map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-11", "number": "A-1", "memo": "thanks",
		"lines": []any{line, line2}}, http.StatusOK, &manual)
	if len(manual.Lines) != 2 || manual.Total != "169.99" || manual.Memo != "thanks" || manual.Version != 2 {
		t.Fatalf("edited = %+v", manual)
	}
	other := owner.fixtures()
	owner.fails("PUT", "/api/v1/invoices/"+itoa64(manual.ID), map[string]any{"customer_id": other.Customer.ID, "date": "2026-03-11", "lines": []any{line}}, 422, "customer_id")

	var list listJSON[invoiceJSON]
	owner.call("GET", "/api/v1/invoices?customer_id="+itoa64(f.Customer.ID), nil, http.StatusOK, &list)
	if len(list.Items) != 3 {
		t.Fatalf("invoices = %d", len(list.Items))
	}
	// Void releases the cards for billing again; delete too.
	var voided invoiceJSON
	owner.call("POST", "/api/v1/invoices/"+itoa64(inv.ID)+"/void", nil, http.StatusOK, &voided)
	if voided.Status != "void" || len(voided.TimeCardIDs) != 0 {
		t.Fatalf("voided = %+v", voided)
	}
	owner.fails("PUT", "/api/v1/invoices/"+itoa64(inv.ID), map[string]any{"customer_id": f.Customer.ID, "date": "2026-03-11", "lines": []any{line}}, 409, "")
	var del deletedJSON
	owner.call("DELETE", "/api/v1/invoices/"+itoa64(perCard.ID), nil, http.StatusOK, &del)
	owner.fails("GET", "/api/v1/invoices/"+itoa64(perCard.ID), nil, 404, "")
	var cards listJSON[timeCardJSON]
	owner.call("GET", "/api/v1/time-cards?unbilled=true", nil, http.StatusOK, &cards)
	if len(cards.Items) != 3 {
		t.Fatalf("unbilled after void and delete = %d", len(cards.Items))
	}
	owner.member(store.RoleMember).fails("GET", "/api/v1/invoices", nil, 403, "")
}

func TestSyncActions(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	f := owner.fixtures()
	tc := owner.timeCard(f, "2026-03-02", 60)
	var inv invoiceJSON
	owner.call("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{tc.ID}}, http.StatusCreated, &inv)
	tc2 := owner.timeCard(f, "2026-03-03", 60)

	// Not connected: the answer says what to do.
	e1 := owner.fails("POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": []int64{tc2.ID}}, 409, "")
	if !strings.Contains(e1.Error.Message, "Connect QuickBooks") {
		t.Fatalf("message = %q", e1.Error.Message)
	}
	e.connect(owner.me.Account.ID, "realm-"+itoa64(owner.me.Account.ID))

	var started startedJSON
	owner.call("POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": []int64{tc2.ID, tc2.ID}}, http.StatusAccepted, &started)
	// The link opens the run the selection joined, not whichever run the id has later.
	wantURL := "http://127.0.0.1:8233/namespaces/default/workflows/timecard-sync%2F" + itoa64(owner.me.Account.ID) + "/run/history"
	if started.WorkflowID != "timecard-sync/"+itoa64(owner.me.Account.ID) || started.WorkflowURL != wantURL {
		t.Fatalf("started = %+v", started)
	}
	owner.fails("POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": []int64{987654321}}, 404, "time_card_ids")
	owner.call("POST", "/api/v1/invoices/"+itoa64(inv.ID)+"/sync", nil, http.StatusAccepted, &started)
	owner.call("POST", "/api/v1/customers/resync", nil, http.StatusAccepted, &started)
	calls := strings.Join(e.syncer.Calls(), "; ")
	for _, want := range []string{fmt.Sprintf("timecards %d [%d]", owner.me.Account.ID, tc2.ID), fmt.Sprintf("invoice %d %d", owner.me.Account.ID, inv.ID), "resync"} {
		if !strings.Contains(calls, want) {
			t.Fatalf("calls %q lack %q", calls, want)
		}
	}

	var prog progressJSON
	owner.call("GET", "/api/v1/sync/progress?workflow_id="+started.WorkflowID, nil, http.StatusOK, &prog)
	if !prog.Running || prog.Progress.Total != 3 || prog.WorkflowURL == "" {
		t.Fatalf("progress = %+v", prog)
	}
	owner.fails("GET", "/api/v1/sync/progress?workflow_id=timecard-sync/1", nil, 404, "workflow_id")

	// State and history with links to the Temporal UI.
	run := store.SyncRun{Kind: "timecards", WorkflowID: started.WorkflowID, RunID: "r1"}
	if err := e.store.RecordSyncFailure(context.Background(), owner.me.Account.ID, store.ObjectTimeCard, tc2.ID, "NeedsReconnect", "Reconnect QuickBooks", run); err != nil {
		t.Fatal(err)
	}
	var state syncStateBody
	owner.call("GET", fmt.Sprintf("/api/v1/sync/states/time_card/%d", tc2.ID), nil, http.StatusOK, &state)
	if state.State.Status != "failed" || state.State.Message != "Reconnect QuickBooks" || len(state.History.Items) != 1 || state.History.Items[0].WorkflowURL == "" {
		t.Fatalf("state = %+v", state)
	}
	owner.fails("GET", fmt.Sprintf("/api/v1/sync/states/widget/%d", tc2.ID), nil, 404, "")
	var activity listJSON[historyJSON]
	owner.call("GET", "/api/v1/sync/activity", nil, http.StatusOK, &activity)
	if len(activity.Items) != 1 {
		t.Fatalf("activity = %+v", activity.Items)
	}

	var conn connectionJSON
	owner.call("GET", "/api/v1/connection", nil, http.StatusOK, &conn)
	if !conn.Connected || conn.CompanyName == "" || conn.ConnectedAt == nil {
		t.Fatalf("connection = %+v", conn)
	}
	owner.call("DELETE", "/api/v1/connection", nil, http.StatusNoContent, nil)
	if !strings.Contains(strings.Join(e.syncer.Calls(), ";"), fmt.Sprintf("disconnect %d", owner.me.Account.ID)) {
		t.Fatal("disconnect not started")
	}
}
