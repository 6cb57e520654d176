package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hoursync/internal/store"
)

func TestParseCellDurationReadsEveryWayOfTypingATime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		bad  string // a word of the error, "" for none
	}{
		{"1:30", 90, ""}, {"1.5", 90, ""}, {"1,5", 90, ""}, {"0:05", 5, ""}, {"2h", 120, ""}, {"45m", 45, ""},
		{"", 0, ""}, {"   ", 0, ""}, {"0", 0, ""}, {"0:00", 0, ""},
		{"1h30m", 90, ""}, {"1h30", 90, ""}, {"1.5h", 90, ""}, {"90min", 90, ""}, {" 2 H ", 120, ""}, {".25", 15, ""},
		{"8", 480, ""}, {"1.333", 80, ""}, {"0.01", 1, ""}, {"24:00", 1440, ""}, {"24", 1440, ""}, {"1440m", 1440, ""},
		{"24:01", 0, "at most 24:00"}, {"25", 0, "at most 24:00"}, {"1441m", 0, "at most 24:00"}, {"23h61m", 0, "at most 24:00"},
		{"-1", 0, "negative"}, {"-0:30", 0, "negative"}, {"−2", 0, "negative"},
		{"abc", 0, "1:30, 1.5"}, {"1:5", 0, "1:30"}, {"1:60", 0, "1:30"}, {"1.2.3", 0, "1:30"}, {"h", 0, "1:30"}, {"1:30:00", 0, "1:30"},
		{":30", 0, "1:30"}, {"1e3", 0, "1:30"}, {"9999999", 0, "1:30"},
	} {
		got, set, err := parseCellDuration("cell_1_2_3_2026-03-02", tc.in)
		if tc.bad != "" {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Field != "cell_1_2_3_2026-03-02" || ae.Status != http.StatusUnprocessableEntity || !strings.Contains(ae.Message, tc.bad) {
				t.Errorf("%q: error %v, want one on the cell saying %q", tc.in, err, tc.bad)
			}
			continue
		}
		if err != nil || got != tc.want || set != (tc.want > 0) {
			t.Errorf("%q = %d, %v, %v; want %d", tc.in, got, set, err, tc.want)
		}
	}
}

// gridPage is the grid's HTML with a way to read its cells.
type gridPage string

// value is what the input of a cell shows, and whether the cell is an input.
func (p gridPage) value(cell string) (string, bool) {
	m := regexp.MustCompile(`name="cell_` + regexp.QuoteMeta(cell) + `"[^>]*value="([^"]*)"`).FindStringSubmatch(string(p))
	if m == nil {
		m = regexp.MustCompile(`<input name="cell_` + regexp.QuoteMeta(cell) + `" id="[^"]*" value="([^"]*)"`).FindStringSubmatch(string(p))
	}
	if m == nil {
		return "", false
	}
	return m[1], true
}

// was is the card the page names beside a cell ("" for none).
func (p gridPage) was(cell string) string {
	m := regexp.MustCompile(`name="was_` + regexp.QuoteMeta(cell) + `" value="([^"]*)"`).FindStringSubmatch(string(p))
	if m == nil {
		return ""
	}
	return m[1]
}

func (c *client) grid(path string) gridPage {
	c.e.t.Helper()
	status, body := c.page(path)
	if status != http.StatusOK {
		c.e.t.Fatalf("GET %s: %d %s", path, status, body)
	}
	return gridPage(body)
}

// cell names the cell of the owner's card row on a date.
func cellName(userID int64, f fixtures, date string) string {
	return fmt.Sprintf("%d_%d_%d_%s", userID, f.Customer.ID, f.Service.ID, date)
}

// TestGridFormSavesEachChangedCellThroughTheTimeCardUseCases posts the grid as a
// browser without JavaScript does: a time typed into an empty cell records a card, a
// changed time updates the card (a synced one becomes "changed"), a cleared cell
// deletes it (a synced one goes to QuickBooks at once), an untouched cell is left
// alone, a day with two cards is a read-only sum linking to the list, and a time that
// cannot be read or a refused cell is shown beside its cell with what was typed.
func TestGridFormSavesEachChangedCellThroughTheTimeCardUseCases(t *testing.T) {
	e := newEnv(t)
	e.server.app.undoWindow = 300 * time.Millisecond // a deletion reaches QuickBooks once it can no longer be undone
	owner := e.signUp()
	acct, me := owner.me.Account.ID, owner.me.User.ID
	e.connect(acct, "realm-"+itoa64(acct))
	f := owner.fixtures()
	const week = "2026-03-02" // a Monday; weeks start on Monday
	mon, tue, wed, thu, fri := "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"
	keep := owner.timeCard(f, mon, 60)
	change := owner.timeCard(f, tue, 120)
	clear := owner.timeCard(f, wed, 30)
	e.syncedInQBO(acct, store.ObjectTimeCard, change.ID, change.Version)
	e.syncedInQBO(acct, store.ObjectTimeCard, clear.ID, clear.Version)
	owner.timeCard(f, thu, 15)
	owner.timeCard(f, thu, 45)

	p := owner.grid("/timesheet/grid?week=2026-03-04") // any day of the week opens its week
	for _, want := range []string{"2026-03-02 – 2026-03-08", "Mon 2 Mar", "Sun 8 Mar", f.Customer.DisplayName, f.Service.Name,
		`id="grid-total">4:30<`, `data-day-total="2026-03-05">1:00<`, `class="mark synced"`, "QuickBooks: synced",
		`title="2 entries on Thu 5 Mar: edit them in the list"`, `href="/timesheet?week=` + week} {
		if !strings.Contains(string(p), want) {
			t.Fatalf("the grid does not show %q:\n%s", want, p)
		}
	}
	if v, ok := p.value(cellName(me, f, mon)); !ok || v != "1:00" {
		t.Fatalf("Monday's cell shows %q (input %v)", v, ok)
	}
	if _, ok := p.value(cellName(me, f, thu)); ok {
		t.Fatal("a day with two cards is an input")
	}
	if p.was(cellName(me, f, tue)) != fmt.Sprintf("%d:%d:120", change.ID, change.Version) {
		t.Fatalf("Tuesday's cell names %q", p.was(cellName(me, f, tue)))
	}

	form := func(cells map[string]string) url.Values {
		v := owner.withCSRF("week", week)
		for _, date := range []string{mon, tue, wed, fri} {
			name := cellName(me, f, date)
			v.Set("cell_"+name, cells[date])
			if w := p.was(name); w != "" {
				v.Set("was_"+name, w)
			}
		}
		return v
	}
	// A time that cannot be read stops the save: nothing is written, every typed value
	// stays, the error is beside its cell and names it.
	status, _, body := owner.form("/timesheet/grid", form(map[string]string{mon: "1:00", tue: "1.5", wed: "", fri: "25:00"}), "")
	errCell := cellName(me, f, fri)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-`+errCell+`">A day holds at most 24:00<`) ||
		!strings.Contains(body, `aria-describedby="s-`+errCell+` e-`+errCell+`"`) {
		t.Fatalf("a bad time: %d\n%s", status, body)
	}
	if v, _ := gridPage(body).value(cellName(me, f, tue)); v != "1.5" {
		t.Fatalf("the refused grid lost Tuesday's typed value: %q", v)
	}
	if v, _ := gridPage(body).value(errCell); v != "25:00" {
		t.Fatalf("the refused grid lost the bad value: %q", v)
	}
	if got, _ := e.store.GetTimeCard(context.Background(), acct, change.ID); got.Minutes != 120 {
		t.Fatalf("a refused save wrote Tuesday: %d minutes", got.Minutes)
	}

	status, loc, body := owner.form("/timesheet/grid", form(map[string]string{mon: "1:00", tue: "1.5", wed: "", fri: "45m"}), "")
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/timesheet/grid?week="+week) {
		t.Fatalf("save: %d %s %s", status, loc, body)
	}
	ctx := context.Background()
	if got, _ := e.store.GetTimeCard(ctx, acct, keep.ID); got.Version != keep.Version || got.Minutes != 60 {
		t.Fatalf("the untouched card changed: %+v", got)
	}
	got, _ := e.store.GetTimeCard(ctx, acct, change.ID)
	if got.Minutes != 90 || got.SyncStatus != store.StatusChanged || got.RateCents != change.RateCents || !got.Billable {
		t.Fatalf("the synced card after the save: %+v", got)
	}
	if _, err := e.store.GetTimeCard(ctx, acct, clear.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the cleared card: %v", err)
	}
	sent := fmt.Sprintf("timecards %d [%d]", acct, clear.ID)
	for deadline := time.Now().Add(5 * time.Second); !e.called(sent) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !e.called(sent) {
		t.Fatalf("the synced card's delete did not go to QuickBooks: %v", e.syncer.Calls())
	}
	var list listJSON[timeCardJSON]
	owner.call("GET", "/api/v1/time-cards?from="+fri+"&to="+fri, nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0].Minutes != 45 || !list.Items[0].Billable || list.Items[0].RateCents != f.Service.RateCents || list.Items[0].UserID != me {
		t.Fatalf("Friday's new card: %+v", list.Items)
	}
	_, page := owner.page(loc)
	if !strings.Contains(page, "Saved: 1 added, 1 changed, 1 deleted.") {
		t.Fatalf("the saved grid does not say what it did:\n%s", page)
	}

	// A cell a use case refuses (an inactive service) is shown beside its cell with what
	// was typed; the rest of the save goes through.
	other := owner.fixtures()
	owner.call("PATCH", fmt.Sprintf("/api/v1/services/%d", other.Service.ID), map[string]any{"active": false}, 200, nil)
	v := owner.withCSRF("week", week, "cell_"+cellName(me, other, mon), "2:00", "cell_"+cellName(me, f, "2026-03-07"), "0:30")
	status, _, body = owner.form("/timesheet/grid", v, "")
	inactive := cellName(me, other, mon)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-`+inactive+`">The service`) || !strings.Contains(body, "Saved: 1 added.") {
		t.Fatalf("an inactive service: %d\n%s", status, body)
	}
	if v, _ := gridPage(body).value(inactive); v != "2:00" {
		t.Fatalf("the refused cell lost its value: %q", v)
	}
	owner.call("GET", "/api/v1/time-cards?from=2026-03-07&to=2026-03-07", nil, 200, &list)
	if len(list.Items) != 1 || list.Items[0].Minutes != 30 {
		t.Fatalf("Saturday beside the refused cell: %+v", list.Items)
	}

	// A card changed elsewhere since the grid was drawn is not overwritten silently.
	stale := p.was(cellName(me, f, mon))
	owner.call("PUT", fmt.Sprintf("/api/v1/time-cards/%d", keep.ID), map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID,
		"date": mon, "minutes": 75}, 200, nil)
	// A cell left as it was is not an edit, whatever became of its card.
	status, _, body = owner.form("/timesheet/grid", owner.withCSRF("week", week, "cell_"+cellName(me, f, mon), "1:00", "was_"+cellName(me, f, mon), stale), "")
	if got, _ := e.store.GetTimeCard(ctx, acct, keep.ID); status != http.StatusSeeOther || got.Minutes != 75 {
		t.Fatalf("an untouched cell of a card changed elsewhere: %d, %d minutes\n%s", status, got.Minutes, body)
	}
	status, _, body = owner.form("/timesheet/grid", owner.withCSRF("week", week, "cell_"+cellName(me, f, mon), "3:00", "was_"+cellName(me, f, mon), stale), "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "changed elsewhere since the grid was opened (it is 1:15 now)") {
		t.Fatalf("a stale cell: %d\n%s", status, body)
	}
	if got, _ := e.store.GetTimeCard(ctx, acct, keep.ID); got.Minutes != 75 {
		t.Fatalf("a stale cell overwrote the card: %d", got.Minutes)
	}
}

// TestGridRowsByPersonAndWeekStart: an admin sees everyone's rows (person × customer ×
// service) or one person's, and adds a row for a person by a GET parameter; a member
// sees only their own week, may not record time for someone else through the grid,
// and the week follows the account's week start.
func TestGridRowsByPersonAndWeekStart(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	member := owner.member("member")
	f := owner.fixtures()
	owner.timeCard(f, "2026-03-03", 60)
	member.timeCard(f, "2026-03-04", 90)

	all := owner.grid("/timesheet/grid?week=2026-03-02")
	if !strings.Contains(string(all), "<th scope=\"col\">Person</th>") || !strings.Contains(string(all), "Olive Owner") || !strings.Contains(string(all), "Mia Member") ||
		!strings.Contains(string(all), `id="grid-total">2:30<`) {
		t.Fatalf("everyone's grid:\n%s", all)
	}
	one := owner.grid(fmt.Sprintf("/timesheet/grid?week=2026-03-02&user_id=%d", member.me.User.ID))
	if strings.Contains(string(one), "Olive Owner</th>") || !strings.Contains(string(one), `id="grid-total">1:30<`) {
		t.Fatalf("the member's grid for the admin:\n%s", one)
	}
	// Add row: an empty row for the person, by GET; without a choice, the error is
	// beside the select.
	other := owner.fixtures()
	added := owner.grid(fmt.Sprintf("/timesheet/grid?week=2026-03-02&user_id=%d&row_customer=%d&row_service=%d", member.me.User.ID, other.Customer.ID, other.Service.ID))
	if v, ok := added.value(cellName(member.me.User.ID, other, "2026-03-02")); !ok || v != "" {
		t.Fatalf("the added row: %q %v", v, ok)
	}
	if !strings.Contains(string(added), fmt.Sprintf(`name="row" value="%d_%d_%d"`, member.me.User.ID, other.Customer.ID, other.Service.ID)) {
		t.Fatal("the added row is not carried by the forms")
	}
	status, body := owner.page("/timesheet/grid?week=2026-03-02&row_customer=&row_service=" + itoa64(f.Service.ID))
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-row_customer">Choose a customer<`) || !strings.Contains(body, `id="e-row_user">Choose a person<`) {
		t.Fatalf("add row without a choice: %d\n%s", status, body)
	}

	mine := member.grid(fmt.Sprintf("/timesheet/grid?week=2026-03-02&user_id=%d", owner.me.User.ID))
	if strings.Contains(string(mine), "Olive Owner") || strings.Contains(string(mine), `id="f-user"`) || !strings.Contains(string(mine), `id="grid-total">1:30<`) {
		t.Fatalf("the member's own grid:\n%s", mine)
	}
	status, _, body = member.form("/timesheet/grid", member.withCSRF("week", "2026-03-02", "cell_"+cellName(owner.me.User.ID, f, "2026-03-05"), "1:00"), "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "You can record time only for yourself") {
		t.Fatalf("a member recording someone else's time: %d\n%s", status, body)
	}

	// Weeks starting on Sunday: the grid of Wednesday 4 March runs from 1 to 7 March.
	owner.call("PATCH", "/api/v1/settings", map[string]any{"week_start": 0}, 200, nil)
	sunday := owner.grid("/timesheet/grid?week=2026-03-04")
	if !strings.Contains(string(sunday), "2026-03-01 – 2026-03-07") || !strings.Contains(string(sunday), `data-day="2026-03-01">Sun 1 Mar<`) {
		t.Fatalf("a Sunday week:\n%s", sunday)
	}
	// The timesheet switches to the grid of its week and person.
	_, ts := owner.page(fmt.Sprintf("/timesheet?week=2026-03-04&user_id=%d", member.me.User.ID))
	if !strings.Contains(ts, fmt.Sprintf(`href="/timesheet/grid?week=2026-03-01&amp;user_id=%d">Grid</a>`, member.me.User.ID)) {
		t.Fatalf("the timesheet has no switch to the grid:\n%s", ts)
	}
}
