package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"hoursync/internal/store"
)

// lockWeek is the week approved in these tests (1 March 2027 is a Monday, the
// account's week start); the server's clock stands on its Wednesday, in the future so
// sessions signed in on it have not expired in the database.
const lockWeek = "2027-03-01"

func lockEnv(t *testing.T) (*testEnv, *client, *client, fixtures) {
	t.Helper()
	e := newEnv(t, func(d *Deps) { d.Now = func() time.Time { return time.Date(2027, 3, 3, 10, 0, 0, 0, time.UTC) } })
	owner := e.signUp()
	return e, owner, owner.member(store.RoleMember), owner.fixtures()
}

// wantWeekLocked fails unless the answer is the approved week's refusal, on date.
func wantWeekLocked(t *testing.T, what string, status int, raw []byte) {
	t.Helper()
	body := string(raw)
	if status != http.StatusConflict || !strings.Contains(body, `"code":"week_locked"`) || !strings.Contains(body, `"field":"date"`) ||
		!strings.Contains(body, "This week was approved by Olive on 3 Mar; ask an admin to reopen it") {
		t.Fatalf("%s: %d %s, want 409 week_locked on date naming Olive", what, status, body)
	}
}

// TestApprovedWeekIsLockedForTheMemberOnEveryPath: an admin approves a member's week
// (a member cannot); then the member can neither record time in it (JSON, form,
// timer), nor change, delete or change in bulk their time in it, each refused on the
// date with who approved it and when; the timesheet shows the week locked with its
// inputs disabled; the admin still edits it, and once reopened the member can too.
func TestApprovedWeekIsLockedForTheMemberOnEveryPath(t *testing.T) {
	_, owner, member, f := lockEnv(t)
	card := member.timeCard(f, "2027-03-02", 60)
	next := member.timeCard(f, "2027-03-08", 30)
	week := map[string]any{"user_id": member.me.User.ID, "week": "2027-03-03"}

	member.fails("POST", "/api/v1/week-approvals", week, http.StatusForbidden, "")
	owner.fails("POST", "/api/v1/week-approvals", map[string]any{"user_id": 0, "week": "3 March"}, http.StatusUnprocessableEntity, "user_id")
	var ap weekApprovalJSON
	owner.call("POST", "/api/v1/week-approvals", week, http.StatusCreated, &ap)
	if ap.WeekStart != lockWeek || ap.WeekEnd != "2027-03-07" || ap.ApprovedBy != "Olive" || ap.UserID != member.me.User.ID {
		t.Fatalf("approval = %+v", ap)
	}

	status, raw, _ := member.do("POST", "/api/v1/time-cards", map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2027-03-05", "minutes": 15})
	wantWeekLocked(t, "a new card", status, raw)
	status, raw, _ = member.do("PUT", "/api/v1/time-cards/"+itoa64(card.ID), map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2027-03-02", "minutes": 90})
	wantWeekLocked(t, "an edit", status, raw)
	status, raw, _ = member.do("PUT", "/api/v1/time-cards/"+itoa64(next.ID), map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2027-03-04", "minutes": 30})
	wantWeekLocked(t, "a move into the week", status, raw)
	status, raw, _ = member.do("DELETE", "/api/v1/time-cards/"+itoa64(card.ID), nil)
	wantWeekLocked(t, "a delete", status, raw)
	e1 := member.fails("POST", "/api/v1/time-cards/bulk-update", map[string]any{"ids": []int64{card.ID}, "billable": false}, http.StatusConflict, "ids")
	if !strings.Contains(e1.Error.Message, "This week was approved by Olive") {
		t.Fatalf("bulk change of the locked card: %s", e1.Error.Message)
	}
	// The timer stops into a card dated today, a day of the locked week.
	member.call("POST", "/api/v1/timer", map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID}, http.StatusCreated, nil)
	status, raw, _ = member.do("POST", "/api/v1/timer/stop", map[string]any{})
	wantWeekLocked(t, "a stopped timer", status, raw)
	member.call("DELETE", "/api/v1/timer", nil, http.StatusNoContent, nil)

	// The forms: the edit form is refused with the error beside the date, as typed.
	status, _, body := member.form("/time-cards/"+itoa64(card.ID), member.withCSRF("customer_id", itoa64(f.Customer.ID), "service_id", itoa64(f.Service.ID),
		"date", "2027-03-02", "hours", "1:45", "billable", "true"), "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-date"`) || !strings.Contains(body, "This week was approved by Olive on 3 Mar") || !strings.Contains(body, `value="1:45"`) {
		t.Fatalf("edit form of a locked card: %d\n%s", status, body)
	}
	_, page := member.page("/timesheet?week=" + lockWeek)
	for _, want := range []string{`id="week-lock"`, "This week was approved by Olive on 3 Mar; ask an admin to reopen it.", `<fieldset class="plain grid" disabled`,
		`<fieldset class="bulk" id="bulk" disabled`, `value="delete" data-confirm`, "Locked"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the member's locked week does not show %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "/time-cards/"+itoa64(card.ID)+"/edit") {
		t.Fatal("the locked week still links its card's edit page")
	}
	if _, page := member.page("/timesheet?week=2027-03-08"); strings.Contains(page, `id="week-lock"`) {
		t.Fatal("the next week shows as locked")
	}

	// An admin still changes it, and the page says they may.
	owner.call("PUT", "/api/v1/time-cards/"+itoa64(card.ID), map[string]any{"user_id": member.me.User.ID, "customer_id": f.Customer.ID, "service_id": f.Service.ID,
		"date": "2027-03-02", "minutes": 75}, http.StatusOK, nil)
	_, page = owner.page(fmt.Sprintf("/timesheet?week=%s&user_id=%d", lockWeek, member.me.User.ID))
	if !strings.Contains(page, "as an admin you can still change it") || !strings.Contains(page, "Reopen week") {
		t.Fatalf("the admin's view of the approved week:\n%s", page)
	}
	var mine itemsJSON[weekApprovalJSON]
	member.call("GET", "/api/v1/week-approvals?user_id="+itoa64(owner.me.User.ID), nil, http.StatusOK, &mine)
	if len(mine.Items) != 0 {
		t.Fatalf("a member sees others' approvals: %+v", mine.Items)
	}
	member.call("GET", "/api/v1/week-approvals?from=2027-01-01&to=2027-12-31", nil, http.StatusOK, &mine)
	if len(mine.Items) != 1 || mine.Items[0].WeekStart != lockWeek {
		t.Fatalf("the member's approvals: %+v", mine.Items)
	}

	// Reopened (the form), the member changes their week again.
	status, loc, _ := owner.form("/timesheet/reopen", owner.withCSRF("week", lockWeek, "user_id", itoa64(member.me.User.ID)), "")
	if status != http.StatusSeeOther || !strings.Contains(loc, "user_id="+itoa64(member.me.User.ID)) {
		t.Fatalf("reopen form: %d %s", status, loc)
	}
	member.call("PUT", "/api/v1/time-cards/"+itoa64(card.ID), map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2027-03-02", "minutes": 80}, http.StatusOK, nil)
	owner.call("DELETE", "/api/v1/week-approvals", week, http.StatusNoContent, nil)
}

// TestApproveFormApprovesTheWeekShown: on an admin's view of a person's week, the
// approve button approves that week of that person and comes back to it.
func TestApproveFormApprovesTheWeekShown(t *testing.T) {
	e, owner, member, _ := lockEnv(t)
	_, page := owner.page(fmt.Sprintf("/timesheet?week=2027-03-03&user_id=%d", member.me.User.ID))
	if !strings.Contains(page, "Approve week of Mia Member") {
		t.Fatalf("no approve button:\n%s", page)
	}
	status, loc, _ := owner.form("/timesheet/approve", owner.withCSRF("week", lockWeek, "user_id", itoa64(member.me.User.ID), "customer_id", "0"), "")
	if status != http.StatusSeeOther || loc != fmt.Sprintf("/timesheet?user_id=%d&week=%s", member.me.User.ID, lockWeek) {
		t.Fatalf("approve form: %d %s", status, loc)
	}
	week, _ := time.Parse(time.DateOnly, lockWeek)
	if _, found, err := e.store.GetWeekApproval(t.Context(), owner.me.Account.ID, member.me.User.ID, week); err != nil || !found {
		t.Fatalf("not approved: %v %v", found, err)
	}
	if _, page := owner.page(loc); !strings.Contains(page, "Approved the week of 2027-03-01 for Mia Member") || !strings.Contains(page, "Approved by Olive on 3 Mar") {
		t.Fatalf("after approving:\n%s", page)
	}
	if status, _, _ := member.form("/timesheet/approve", member.withCSRF("week", lockWeek, "user_id", itoa64(member.me.User.ID)), ""); status != http.StatusSeeOther {
		t.Fatalf("a member's approve form: %d", status)
	}
}

// TestSyncOnlyApprovedTimeLeavesOutWeeksNotApproved: with the setting on (PATCH
// /settings, and the settings page), a selection syncs only its cards of approved
// weeks and says how many it left out and why; a selection of none is refused.
func TestSyncOnlyApprovedTimeLeavesOutWeeksNotApproved(t *testing.T) {
	e, owner, member, f := lockEnv(t)
	acct := owner.me.Account.ID
	e.connect(acct, "realm-"+itoa64(acct))
	approved := member.timeCard(f, "2027-03-02", 60)
	open := member.timeCard(f, "2027-03-09", 60)
	owner.call("POST", "/api/v1/week-approvals", map[string]any{"user_id": member.me.User.ID, "week": lockWeek}, http.StatusCreated, nil)

	var set accountJSON
	member.fails("PATCH", "/api/v1/settings", map[string]any{"sync_only_approved": true}, http.StatusForbidden, "")
	owner.call("PATCH", "/api/v1/settings", map[string]any{"sync_only_approved": true}, http.StatusOK, &set)
	if !set.SyncOnlyApproved {
		t.Fatalf("settings = %+v", set)
	}
	owner.call("PATCH", "/api/v1/settings", map[string]any{"week_start": 1}, http.StatusOK, &set)
	if !set.SyncOnlyApproved {
		t.Fatal("another setting's change turned sync_only_approved off")
	}
	var st timeCardSyncJSON
	member.call("POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": []int64{approved.ID, open.ID}}, http.StatusAccepted, &st)
	if st.LeftOut != 1 || !strings.Contains(st.Message, "1 time entry left out: it is in a week not approved yet") {
		t.Fatalf("sync answer = %+v", st)
	}
	if calls := e.syncer.Calls(); calls[len(calls)-1] != fmt.Sprintf("timecards %d [%d]", acct, approved.ID) {
		t.Fatalf("synced %q, want only the approved card", calls)
	}
	e1 := member.fails("POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": []int64{open.ID}}, http.StatusConflict, "time_card_ids")
	if !strings.Contains(e1.Error.Message, "None of the selected time is in an approved week") {
		t.Fatalf("all left out: %s", e1.Error.Message)
	}
	// The form says it too.
	status, loc, _ := member.form("/timesheet/actions", member.withCSRF("week", "2027-03-08", "card_id", itoa64(open.ID), "card_id", itoa64(approved.ID), "action", "sync"), "")
	if status != http.StatusSeeOther || !strings.Contains(loc, "workflow_id=") {
		t.Fatalf("sync form: %d %s", status, loc)
	}
	if _, page := member.page(loc); !strings.Contains(page, "1 time entry left out") {
		t.Fatal("the timesheet does not say what was left out")
	}
	// Settings: the option, as an admin sets it, and what the scheduled re-sync leaves
	// out (the open week's card, synced and changed since).
	e.syncedInQBO(acct, store.ObjectTimeCard, open.ID, open.Version)
	member.call("PUT", "/api/v1/time-cards/"+itoa64(open.ID), map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2027-03-09", "minutes": 90}, http.StatusOK, nil)
	_, page := owner.page("/settings")
	if !strings.Contains(page, `id="f-sync_only_approved" name="sync_only_approved" value="true" checked`) ||
		!strings.Contains(page, "Right now 1 changed entry waits for approval before the scheduled re-sync sends it.") {
		t.Fatalf("settings page without the checked option and what waits:\n%s", page)
	}
	status, _, _ = owner.form("/settings", owner.withCSRF("time_zone", "UTC", "week_start", "1", "income_account_name", "Services", "resync_interval", "daily"), "")
	if a, _ := e.store.GetAccount(t.Context(), acct); status != http.StatusSeeOther || a.SyncOnlyApproved {
		t.Fatalf("unticking the option: %d, %+v", status, a)
	}
}

// TestApprovedWeekIsLockedInTheGrid: the member's weekly grid of an approved week says
// so with its cells disabled and no "Add row" (a post is refused by the store all the
// same); the admin's grid of that person says it is approved and stays editable.
func TestApprovedWeekIsLockedInTheGrid(t *testing.T) {
	_, owner, member, f := lockEnv(t)
	member.timeCard(f, "2027-03-02", 60)
	owner.call("POST", "/api/v1/week-approvals", map[string]any{"user_id": member.me.User.ID, "week": lockWeek}, http.StatusCreated, nil)

	_, page := member.page("/timesheet/grid?week=" + lockWeek)
	for _, want := range []string{"This week was approved by Olive on 3 Mar; ask an admin to reopen it", `<fieldset class="plain" disabled aria-describedby="week-lock">`} {
		if !strings.Contains(page, want) {
			t.Fatalf("the member's grid of the locked week does not show %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, `id="add-row"`) {
		t.Fatal("the locked grid still offers Add row")
	}
	if _, page := member.page("/timesheet/grid?week=2027-03-08"); strings.Contains(page, `id="week-lock"`) || strings.Contains(page, "disabled aria-describedby") {
		t.Fatal("the next week's grid shows the lock")
	}
	_, page = owner.page(fmt.Sprintf("/timesheet/grid?week=%s&user_id=%d", lockWeek, member.me.User.ID))
	if !strings.Contains(page, "as an admin you can still change it") || strings.Contains(page, "disabled aria-describedby") {
		t.Fatalf("the admin's grid of the approved week:\n%s", page)
	}
}
