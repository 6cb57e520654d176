package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/internal/testutil"
	"hoursync/workflows"
)

// idsOf lists the cards' ids.
func idsOf(cards []timeCardJSON) []int64 {
	ids := []int64{}
	for _, c := range cards {
		ids = append(ids, c.ID)
	}
	return ids
}

// noted records a card with notes (to find its row on a page).
func (c *client) noted(f fixtures, serviceID int64, date string, billable bool, notes string) timeCardJSON {
	c.e.t.Helper()
	var tc timeCardJSON
	c.call("POST", "/api/v1/time-cards", map[string]any{"customer_id": f.Customer.ID, "service_id": serviceID, "date": date, "minutes": 60,
		"billable": billable, "notes": notes}, http.StatusCreated, &tc)
	return tc
}

// TestTimesheetFiltersAnyRangeCustomerServiceBillableAndState: the list API and the
// timesheet narrow by any date range, service, billable and sync state (as well as
// person and customer), in SQL, a member to their own time; bad filters are named.
func TestTimesheetFiltersAnyRangeCustomerServiceBillableAndState(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	acct := owner.me.Account.ID
	f := owner.fixtures()
	var other serviceJSON
	owner.call("POST", "/api/v1/services", map[string]any{"name": "Research", "rate": "90"}, http.StatusCreated, &other)
	a := owner.noted(f, f.Service.ID, "2026-02-27", true, "feb-design")
	b := owner.noted(f, other.ID, "2026-03-03", true, "mar-research")
	c := owner.noted(f, other.ID, "2026-03-12", false, "mar-research-free")
	d := owner.noted(f, f.Service.ID, "2026-04-01", false, "apr-design-free")
	e.syncedInQBO(acct, store.ObjectTimeCard, b.ID, b.Version)
	member := owner.member(store.RoleMember)
	mine := member.noted(f, other.ID, "2026-03-04", true, "member-research")

	list := func(c *client, query string) []int64 {
		t.Helper()
		var l listJSON[timeCardJSON]
		c.call("GET", "/api/v1/time-cards?"+query, nil, http.StatusOK, &l)
		return idsOf(l.Items)
	}
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"from=2026-02-27&to=2026-03-31", []int64{a.ID, b.ID, mine.ID, c.ID}},
		{"from=2026-02-27&to=2026-04-30&service_id=" + itoa64(other.ID), []int64{b.ID, mine.ID, c.ID}},
		{"from=2026-02-01&to=2026-04-30&billable=false", []int64{c.ID, d.ID}},
		{"from=2026-02-01&to=2026-04-30&billable=true&service_id=" + itoa64(other.ID), []int64{b.ID, mine.ID}},
		{"from=2026-02-01&to=2026-04-30&status=synced", []int64{b.ID}},
		{"from=2026-02-01&to=2026-04-30&status=never&user_id=" + itoa64(owner.me.User.ID), []int64{a.ID, c.ID, d.ID}},
	} {
		if got := list(owner, tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.query, got, tc.want)
		}
	}
	if got := list(member, "from=2026-02-01&to=2026-04-30&service_id="+itoa64(other.ID)); !slices.Equal(got, []int64{mine.ID}) {
		t.Errorf("a member's filtered list = %v, want only their own", got)
	}
	owner.fails("GET", "/api/v1/time-cards?billable=maybe", nil, http.StatusUnprocessableEntity, "billable")
	owner.fails("GET", "/api/v1/time-cards?service_id=x", nil, http.StatusUnprocessableEntity, "service_id")
	owner.fails("GET", "/api/v1/time-cards?from=2026-03-10&to=2026-03-01", nil, http.StatusUnprocessableEntity, "to")

	// The page: a range of dates with filters, in the URL, carried into the forms.
	status, page := owner.page("/timesheet?from=2026-03-01&to=2026-03-31&service_id=" + itoa64(other.ID) + "&billable=true")
	if status != http.StatusOK {
		t.Fatalf("filtered timesheet: %d", status)
	}
	for _, want := range []string{"mar-research", `id="range">2026-03-01 – 2026-03-31`, "entries from 2026-03-01 to 2026-03-31", "member-research",
		`<input type="hidden" name="from" value="2026-03-01">`, `<input type="hidden" name="service_id" value="` + itoa64(other.ID) + `">`,
		`<input type="hidden" name="billable" value="true">`} {
		if !strings.Contains(page, want) {
			t.Fatalf("filtered page does not show %q:\n%s", want, page)
		}
	}
	for _, unwanted := range []string{"feb-design", "mar-research-free", "apr-design-free"} {
		if strings.Contains(page, unwanted) {
			t.Fatalf("filtered page shows %q", unwanted)
		}
	}
	if status, page := owner.page("/timesheet?from=2026-01-01&to=2027-06-01"); status != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `id="e-to"`) || !strings.Contains(page, "Show at most a year at a time") {
		t.Fatalf("a range over a year: %d", status)
	}
	// The week view stays the default, and its buttons come back to the filtered view.
	if _, page := owner.page("/timesheet?week=2026-03-12&billable=false"); !strings.Contains(page, "mar-research-free") || strings.Contains(page, "feb-design") ||
		strings.Contains(page, ">mar-research<") {
		t.Fatal("the week view with billable=false")
	}
	status, loc, _ := owner.form("/timesheet/actions", owner.withCSRF("from", "2026-03-01", "to", "2026-03-31", "billable", "true", "action", "sync"), "")
	if status != http.StatusSeeOther || loc != "/timesheet?billable=true&from=2026-03-01&to=2026-03-31" {
		t.Fatalf("an action keeps the filters: %d %s", status, loc)
	}
}

// TestBulkChangeChangesOnlyTimeNotInQuickBooksAndNamesTheRest: a bulk change sets the
// customer, service (with its rate) or billable of the selected cards QuickBooks does
// not have, in one request; the synced and billed ones are refused by name and left as
// they were; nothing to change is 409; bad choices are named beside their controls.
func TestBulkChangeChangesOnlyTimeNotInQuickBooksAndNamesTheRest(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	acct := owner.me.Account.ID
	f := owner.fixtures()
	var research serviceJSON
	owner.call("POST", "/api/v1/services", map[string]any{"name": "Research", "rate": "90"}, http.StatusCreated, &research)
	var globex store.Customer
	owner.call("POST", "/api/v1/customers", map[string]any{"display_name": "Globex"}, http.StatusCreated, &globex)
	one, two := owner.timeCard(f, "2026-03-02", 30), owner.timeCard(f, "2026-03-03", 45)
	synced := owner.timeCard(f, "2026-03-04", 60)
	e.syncedInQBO(acct, store.ObjectTimeCard, synced.ID, synced.Version)
	billed := owner.timeCard(f, "2026-03-05", 15)
	var inv invoiceJSON
	owner.call("POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": []int64{billed.ID}}, http.StatusCreated, &inv)

	var res bulkUpdateJSON
	owner.call("POST", "/api/v1/time-cards/bulk-update", map[string]any{"ids": []int64{one.ID, two.ID, synced.ID, billed.ID},
		"customer_id": globex.ID, "service_id": research.ID, "billable": false}, http.StatusOK, &res)
	if !slices.Equal(idsOf(res.Updated), []int64{one.ID, two.ID}) || len(res.Refused) != 2 {
		t.Fatalf("bulk change = %+v", res)
	}
	for _, tc := range res.Updated {
		if tc.CustomerID != globex.ID || tc.ServiceID != research.ID || tc.RateCents != 9000 || tc.Billable || tc.Version != 2 {
			t.Fatalf("changed card = %+v, want Globex, Research at $90, not billable, version 2", tc)
		}
	}
	codes := map[int64]string{}
	for _, r := range res.Refused {
		codes[r.ID] = r.Code
		if !strings.Contains(res.Message, r.Name) || !strings.Contains(r.Name, f.Customer.DisplayName) {
			t.Fatalf("refused card %+v not named in %q", r, res.Message)
		}
	}
	if codes[synced.ID] != store.RefusedInQuickBooks || codes[billed.ID] != store.RefusedBilled || !strings.HasPrefix(res.Message, "Changed 2 time entries. 2 left as they were: ") ||
		!strings.Contains(res.Message, "already in QuickBooks") || !strings.Contains(res.Message, "billed on invoice "+inv.Number) {
		t.Fatalf("refusals = %v, message %q", codes, res.Message)
	}
	for _, id := range []int64{synced.ID, billed.ID} {
		if got, _ := e.store.GetTimeCard(t.Context(), acct, id); got.CustomerID != f.Customer.ID || !got.Billable || got.Version != 1 {
			t.Fatalf("refused card %d changed: %+v", id, got)
		}
	}
	if st, _ := e.store.GetSyncState(t.Context(), acct, store.ObjectTimeCard, synced.ID); st.Status != store.StatusSynced {
		t.Fatalf("the synced card is %s, want still synced", st.Status)
	}

	// Only refusals: 409 naming them. No choice, a bad one, an inactive one: 422 on it.
	e1 := owner.fails("POST", "/api/v1/time-cards/bulk-update", map[string]any{"ids": []int64{synced.ID}, "billable": false}, http.StatusConflict, "ids")
	if !strings.Contains(e1.Error.Message, "Left as it was: ") {
		t.Fatalf("only a synced card: %s", e1.Error.Message)
	}
	owner.fails("POST", "/api/v1/time-cards/bulk-update", map[string]any{"ids": []int64{one.ID}}, http.StatusUnprocessableEntity, "customer_id")
	owner.fails("POST", "/api/v1/time-cards/bulk-update", map[string]any{"ids": []int64{}, "billable": true}, http.StatusUnprocessableEntity, "ids")
	owner.fails("POST", "/api/v1/time-cards/bulk-update", map[string]any{"ids": []int64{one.ID}, "service_id": 999999999}, http.StatusNotFound, "service_id")
	owner.call("PATCH", "/api/v1/customers/"+itoa64(f.Customer.ID), map[string]any{"display_name": f.Customer.DisplayName, "active": false}, http.StatusOK, nil)
	owner.fails("POST", "/api/v1/time-cards/bulk-update", map[string]any{"ids": []int64{one.ID}, "customer_id": f.Customer.ID}, http.StatusUnprocessableEntity, "customer_id")
	member := owner.member(store.RoleMember)
	member.fails("POST", "/api/v1/time-cards/bulk-update", map[string]any{"ids": []int64{one.ID}, "billable": true}, http.StatusNotFound, "ids")

	// The form: an error beside its control with the selection kept; success flashes
	// what changed and what not.
	status, _, body := owner.form("/timesheet/actions", owner.withCSRF("week", "2026-03-02", "card_id", itoa64(one.ID), "action", "bulk"), "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-bulk_customer_id"`) ||
		!strings.Contains(body, fmt.Sprintf(`name="card_id" value="%d" checked`, one.ID)) {
		t.Fatalf("bulk form without a choice: %d\n%s", status, body)
	}
	status, loc, _ := owner.form("/timesheet/actions", owner.withCSRF("week", "2026-03-02", "card_id", itoa64(one.ID), "card_id", itoa64(synced.ID),
		"bulk_billable", "true", "action", "bulk"), "")
	if status != http.StatusSeeOther {
		t.Fatalf("bulk form: %d", status)
	}
	if _, page := owner.page(loc); !strings.Contains(page, "Changed 1 time entry. Left as it was: ") {
		t.Fatalf("after the bulk form:\n%s", page)
	}
	if got, _ := e.store.GetTimeCard(t.Context(), acct, one.ID); !got.Billable {
		t.Fatal("the form's bulk change did not change the card")
	}
}

// TestUndoOfADeleteSendsNothingToQuickBooks: a synced card's delete is not sent before
// its undo window ends, and not at all once undone (form and JSON); the timesheet
// offers the undo while it can; left alone, the delete is sent once; an undo too late
// says so.
func TestUndoOfADeleteSendsNothingToQuickBooks(t *testing.T) {
	e := newEnv(t)
	window := 800 * time.Millisecond
	e.server.app.undoWindow = window
	owner := e.signUp()
	acct := owner.me.Account.ID
	e.connect(acct, "realm-"+itoa64(acct))
	f := owner.fixtures()
	synced := func(date string) timeCardJSON {
		tc := owner.timeCard(f, date, 60)
		e.syncedInQBO(acct, store.ObjectTimeCard, tc.ID, tc.Version)
		return tc
	}
	sent := func(tc timeCardJSON) int {
		n := 0
		for _, c := range e.syncer.Calls() {
			list, ok := strings.CutPrefix(c, fmt.Sprintf("timecards %d [", acct))
			if ok && slices.Contains(strings.Fields(strings.TrimSuffix(list, "]")), itoa64(tc.ID)) {
				n++
			}
		}
		return n
	}

	// The form: delete, the undo offered, undo; nothing reaches QuickBooks.
	viaForm := synced("2026-03-02")
	status, loc, _ := owner.form("/timesheet/actions", owner.withCSRF("week", "2026-03-02", "card_id", itoa64(viaForm.ID), "action", "delete", "confirmed", "1"), "")
	if status != http.StatusSeeOther || loc != "/timesheet?week=2026-03-02&undo="+itoa64(viaForm.ID) {
		t.Fatalf("delete form: %d %s", status, loc)
	}
	_, page := owner.page(loc)
	if !strings.Contains(page, `action="/timesheet/restore"`) || !strings.Contains(page, "Deleted 1 time entry.") ||
		!strings.Contains(page, fmt.Sprintf(`name="card_id" value="%d"`, viaForm.ID)) {
		t.Fatalf("no undo offered:\n%s", page)
	}
	time.Sleep(window / 2)
	if n := sent(viaForm); n != 0 {
		t.Fatalf("the delete went to QuickBooks inside its undo window: %q", e.syncer.Calls())
	}
	status, loc, _ = owner.form("/timesheet/restore", owner.withCSRF("week", "2026-03-02", "card_id", itoa64(viaForm.ID)), "")
	if status != http.StatusSeeOther || loc != "/timesheet?week=2026-03-02" {
		t.Fatalf("undo form: %d %s", status, loc)
	}
	if _, page := owner.page(loc); !strings.Contains(page, "Restored 1 time entry; QuickBooks heard of nothing.") {
		t.Fatal("the undo does not say so")
	}

	// The JSON API: delete, restore.
	viaAPI := synced("2026-03-03")
	var del deletedJSON
	owner.call("DELETE", "/api/v1/time-cards/"+itoa64(viaAPI.ID), nil, http.StatusOK, &del)
	if del.UndoUntil == nil || !slices.Equal(del.IDs, []int64{viaAPI.ID}) || del.QuickBooks == nil || del.QuickBooks.Queued {
		t.Fatalf("delete = %+v", del)
	}
	var back itemsJSON[timeCardJSON]
	owner.call("POST", "/api/v1/time-cards/restore", map[string]any{"ids": []int64{viaAPI.ID}}, http.StatusOK, &back)
	if len(back.Items) != 1 || back.Items[0].Version != viaAPI.Version || back.Items[0].SyncStatus != store.StatusSynced {
		t.Fatalf("restored = %+v, want the card as it was", back.Items)
	}

	// Left alone, a delete is sent once, when its window ends.
	gone := synced("2026-03-04")
	owner.call("DELETE", "/api/v1/time-cards/"+itoa64(gone.ID), nil, http.StatusOK, nil)
	time.Sleep(window + time.Second)
	if n := sent(gone); n != 1 {
		t.Fatalf("the delete left alone was sent %d times: %q", n, e.syncer.Calls())
	}
	if due, err := e.store.ClaimDueTimeCardDeletes(t.Context(), 0); err != nil || len(due) != 0 {
		t.Fatalf("a sweep after the timer finds %+v, %v", due, err)
	}
	for _, tc := range []timeCardJSON{viaForm, viaAPI} {
		if n := sent(tc); n != 0 {
			t.Fatalf("the undone delete of card %d reached the sync: %q", tc.ID, e.syncer.Calls())
		}
		owner.call("GET", "/api/v1/time-cards/"+itoa64(tc.ID), nil, http.StatusOK, nil)
	}
	e1 := owner.fails("POST", "/api/v1/time-cards/restore", map[string]any{"ids": []int64{gone.ID}}, http.StatusConflict, "ids")
	if !strings.Contains(e1.Error.Message, "it is too late to undo") {
		t.Fatalf("a late undo: %s", e1.Error.Message)
	}
	if _, page := owner.page("/timesheet?week=2026-03-02&undo=" + itoa64(gone.ID)); strings.Contains(page, `action="/timesheet/restore"`) {
		t.Fatal("the page offers an undo that can no longer be done")
	}

	// Time QuickBooks never had comes back too, within its window; a member restores
	// only their own.
	local := owner.timeCard(f, "2026-03-05", 20)
	owner.call("DELETE", "/api/v1/time-cards/"+itoa64(local.ID), nil, http.StatusOK, nil)
	member := owner.member(store.RoleMember)
	member.fails("POST", "/api/v1/time-cards/restore", map[string]any{"ids": []int64{local.ID}}, http.StatusNotFound, "ids")
	owner.call("POST", "/api/v1/time-cards/restore", map[string]any{"ids": []int64{local.ID}}, http.StatusOK, nil)
}

// TestSweepHandsOverDeletesWhoseServerStoppedInTheirWindow: a delete whose server
// stopped before the undo window ended (no timer left to send it) is handed to the
// account's time-card sync by the sweep of any server, once; one of an account not
// connected is claimed and left pending for the re-sync after connecting.
func TestSweepHandsOverDeletesWhoseServerStoppedInTheirWindow(t *testing.T) {
	tc, queue := testutil.Temporal(t)
	e := newEnv(t)
	ctx := t.Context()
	owner := e.signUp()
	acct := owner.me.Account.ID
	e.connect(acct, "realm-"+itoa64(acct))
	f := owner.fixtures()
	card := owner.timeCard(f, "2026-03-02", 60)
	e.syncedInQBO(acct, store.ObjectTimeCard, card.ID, card.Version)
	offline := e.signUp()
	of := offline.fixtures()
	lone := offline.timeCard(of, "2026-03-02", 30)
	e.syncedInQBO(offline.me.Account.ID, store.ObjectTimeCard, lone.ID, lone.Version)
	// Deleted as the server does, but by the store alone: no timer will send them.
	for _, d := range []struct {
		account int64
		id      int64
	}{{acct, card.ID}, {offline.me.Account.ID, lone.ID}} {
		if _, err := e.store.DeleteTimeCards(ctx, d.account, []int64{d.id}, store.CardEditor{EditApproved: true}, 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	starter := syncs.New(tc, queue, e.store)
	sweeper := &syncs.Sweeper{Starter: starter, Store: e.store}
	time.Sleep(100 * time.Millisecond)
	if err := sweeper.SendDueDeletes(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Nothing is left syncing for the sweeps of other tests to find stranded.
		_ = tc.TerminateWorkflow(context.Background(), workflows.TimeCardSyncID(acct), "", "test finished")
		_ = e.store.Unqueue(context.Background(), acct, store.ObjectTimeCard, []int64{card.ID}, "test finished")
	})
	st, err := e.store.GetSyncState(ctx, acct, store.ObjectTimeCard, card.ID)
	if err != nil || st.Status != store.StatusSyncing || st.WorkflowID != workflows.TimeCardSyncID(acct) {
		t.Fatalf("the swept delete = %+v, %v: want it queued into the account's time-card sync", st, err)
	}
	pending, err := e.store.GetTimeCardsForSync(ctx, offline.me.Account.ID, []int64{lone.ID})
	if err != nil || len(pending) != 1 || pending[0].SyncStatus != store.StatusChanged || pending[0].UndoUntil.Valid {
		t.Fatalf("the unconnected account's delete = %+v, %v: want a pending delete", pending, err)
	}
	if due, err := e.store.ClaimDueTimeCardDeletes(ctx, 0); err != nil || len(due) != 0 {
		t.Fatalf("a second sweep would hand over %+v, %v", due, err)
	}
}
