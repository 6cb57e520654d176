package server

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// timerClock is the server's clock in the timer's tests: what "now" is, set by the test.
type timerClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *timerClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *timerClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// berlin is the account's time zone in these tests: an hour ahead of UTC in March.
var berlin = zoneOf("Europe/Berlin")

// inBerlin is a moment of March 2027 in Berlin (1 March 2027 is a Monday). The dates lie in
// the future so that sessions signed in at them have not expired in the database.
func inBerlin(day, hour, minute, second int) time.Time {
	return time.Date(2027, 3, day, hour, minute, second, 0, berlin)
}

// timerEnv is a server on a controlled clock with an owner whose account is in Berlin.
func timerEnv(t *testing.T) (*testEnv, *timerClock, *client, fixtures) {
	clk := &timerClock{t: inBerlin(1, 8, 0, 0)}
	e := newEnv(t, func(d *Deps) { d.Now = clk.now })
	owner := e.signUp()
	owner.call("PATCH", "/api/v1/settings", map[string]any{"time_zone": "Europe/Berlin"}, http.StatusOK, nil)
	return e, clk, owner, owner.fixtures()
}

// startTimer starts c's timer on f and returns it.
func (c *client) startTimer(f fixtures, extra map[string]any) timerStartedJSON {
	c.e.t.Helper()
	body := map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "notes": "wireframes"}
	for k, v := range extra {
		body[k] = v
	}
	var out timerStartedJSON
	c.call("POST", "/api/v1/timer", body, http.StatusCreated, &out)
	return out
}

// cards lists every time card c may see.
func (c *client) cards() []timeCardJSON {
	c.e.t.Helper()
	var list listJSON[timeCardJSON]
	c.call("GET", "/api/v1/time-cards?limit=200", nil, http.StatusOK, &list)
	return list.Items
}

// confirmBody is the error body of a stop that needs confirmation.
type confirmBody struct {
	Error struct {
		Code           string  `json:"code"`
		Message        string  `json:"message"`
		ElapsedMinutes int     `json:"elapsed_minutes"`
		PastMidnight   bool    `json:"past_midnight"`
		Over12Hours    bool    `json:"over_12_hours"`
		Date           string  `json:"date"`
		SaveMinutes    *int    `json:"save_minutes"`
		StartedAt      string  `json:"started_at"`
		EndedAt        string  `json:"ended_at"`
		Field          *string `json:"field"`
	} `json:"error"`
}

func TestSecondTimerIsRefusedNamingTheFirstAndSwitchStopsItInOneGo(t *testing.T) {
	_, clk, owner, f := timerEnv(t)
	clk.set(inBerlin(1, 9, 12, 40))
	first := owner.startTimer(f, nil)
	if first.Timer.Since != "09:12" || first.Timer.Date != "2027-03-01" || first.Timer.CustomerName != f.Customer.DisplayName ||
		first.Timer.ServiceName != f.Service.Name || first.StoppedCard != nil || !first.Timer.Billable {
		t.Fatalf("started %+v", first)
	}
	var got timerJSON
	clk.set(inBerlin(1, 10, 0, 0))
	owner.call("GET", "/api/v1/timer", nil, http.StatusOK, &got)
	if got.ID != first.Timer.ID || got.ElapsedSeconds != 47*60+20 || got.Elapsed != "0:47" || got.NeedsConfirmation != nil {
		t.Fatalf("current timer %+v", got)
	}

	clk.set(inBerlin(1, 10, 12, 40))
	research := owner.service("Research")
	second := map[string]any{"customer_id": f.Customer.ID, "service_id": research, "notes": "sources"}
	refused := owner.fails("POST", "/api/v1/timer", second, http.StatusConflict, "")
	want := "A timer is already running for " + f.Customer.DisplayName + " — " + f.Service.Name + " since 09:12; stop it first"
	if refused.Error.Code != codeTimerRunning || refused.Error.Message != want {
		t.Fatalf("second start: %+v, want %q", refused.Error, want)
	}
	if n := len(owner.cards()); n != 0 {
		t.Fatalf("a refused start recorded %d cards", n)
	}

	second["switch"] = true
	var switched timerStartedJSON
	owner.call("POST", "/api/v1/timer", second, http.StatusCreated, &switched)
	sc := switched.StoppedCard
	if sc == nil || sc.StartTime == nil || *sc.StartTime != "09:12" || *sc.EndTime != "10:12" || sc.Minutes != 60 || sc.Date != "2027-03-01" ||
		sc.ServiceID != f.Service.ID || sc.Notes != "wireframes" || sc.RateCents != f.Service.RateCents {
		t.Fatalf("the switch recorded %+v", sc)
	}
	if switched.Timer.ServiceID != research || switched.Timer.Since != "10:12" || switched.Timer.ID == first.Timer.ID {
		t.Fatalf("the switch started %+v", switched.Timer)
	}

	// A plain stop needs no body; it records the new timer's card.
	clk.set(inBerlin(1, 10, 42, 40))
	var card timeCardJSON
	owner.call("POST", "/api/v1/timer/stop", nil, http.StatusCreated, &card)
	if *card.StartTime != "10:12" || *card.EndTime != "10:42" || card.Minutes != 30 || card.ServiceID != research || card.Notes != "sources" {
		t.Fatalf("stop recorded %+v", card)
	}
	if n := len(owner.cards()); n != 2 {
		t.Fatalf("%d cards after a switch and a stop, want 2", n)
	}
	if status, _, _ := owner.do("GET", "/api/v1/timer", nil); status != http.StatusNoContent {
		t.Fatalf("GET with no timer: %d, want 204", status)
	}
	owner.fails("POST", "/api/v1/timer/stop", nil, http.StatusNotFound, "")
	owner.fails("DELETE", "/api/v1/timer", nil, http.StatusNotFound, "")
	owner.fails("POST", "/api/v1/timer", map[string]any{"customer_id": 0, "service_id": f.Service.ID}, http.StatusUnprocessableEntity, "customer_id")
}

// service adds a service named like prefix and returns its id.
func (c *client) service(prefix string) int64 {
	c.e.t.Helper()
	var s serviceJSON
	c.call("POST", "/api/v1/services", map[string]any{"name": prefix + " " + itoa64(time.Now().UnixNano()), "rate": "90.00"}, http.StatusCreated, &s)
	return s.ID
}

func TestMemberCannotSeeOrStopAnothersTimer(t *testing.T) {
	e, clk, owner, f := timerEnv(t)
	clk.set(inBerlin(1, 9, 0, 0))
	mine := owner.startTimer(f, nil)
	member := owner.member("member")
	ownerID := "?user_id=" + itoa64(owner.me.User.ID)

	if status, _, _ := member.do("GET", "/api/v1/timer", nil); status != http.StatusNoContent {
		t.Fatalf("member's own timer: %d, want 204 (the owner's is not theirs)", status)
	}
	member.fails("GET", "/api/v1/timer"+ownerID, nil, http.StatusNotFound, "")
	member.fails("POST", "/api/v1/timer/stop"+ownerID, nil, http.StatusNotFound, "")
	member.fails("POST", "/api/v1/timer/stop"+ownerID, map[string]any{"confirm": true}, http.StatusNotFound, "")
	member.fails("DELETE", "/api/v1/timer"+ownerID, nil, http.StatusNotFound, "")
	var still timerJSON
	owner.call("GET", "/api/v1/timer", nil, http.StatusOK, &still)
	if still.ID != mine.Timer.ID {
		t.Fatalf("the owner's timer after the member's tries: %+v", still)
	}
	if n := len(owner.cards()); n != 0 {
		t.Fatalf("the member's tries recorded %d cards", n)
	}

	// Each person has a timer of their own; an admin may look at and stop a member's.
	theirs := member.startTimer(f, map[string]any{"billable": false})
	if theirs.Timer.UserID != member.me.User.ID || theirs.Timer.Billable {
		t.Fatalf("member's timer %+v", theirs.Timer)
	}
	memberID := "?user_id=" + itoa64(member.me.User.ID)
	var seen timerJSON
	owner.call("GET", "/api/v1/timer"+memberID, nil, http.StatusOK, &seen)
	if seen.ID != theirs.Timer.ID {
		t.Fatalf("admin sees %+v, want the member's timer", seen)
	}
	clk.set(inBerlin(1, 9, 30, 0))
	var card timeCardJSON
	owner.call("POST", "/api/v1/timer/stop"+memberID, nil, http.StatusCreated, &card)
	if card.UserID != member.me.User.ID || card.Minutes != 30 || card.Billable {
		t.Fatalf("admin stopped the member's timer into %+v", card)
	}
	owner.call("GET", "/api/v1/timer", nil, http.StatusOK, &still)
	if still.ID != mine.Timer.ID {
		t.Fatal("stopping the member's timer stopped the owner's")
	}

	// An admin of another firm finds nothing of this one.
	other := e.signUp()
	if status, _, _ := other.do("GET", "/api/v1/timer"+ownerID, nil); status != http.StatusNoContent {
		t.Fatalf("another firm's admin GET: %d", status)
	}
	if status, _, _ := other.do("POST", "/api/v1/timer/stop"+ownerID, nil); status != http.StatusNotFound {
		t.Fatalf("another firm's admin stop: %d", status)
	}
	owner.call("GET", "/api/v1/timer", nil, http.StatusOK, &still)
}

// TestTimerPastMidnightOrOver12HoursAsksBeforeSaving stops timers on a controlled
// clock in Berlin: over 12 hours or past midnight (in the account's time zone, not
// UTC's) is answered 409 with the facts until confirmed or given an end time; the card
// lands on the day the timer started.
func TestTimerPastMidnightOrOver12HoursAsksBeforeSaving(t *testing.T) {
	_, clk, owner, f := timerEnv(t)
	stopAsks := func(body any) confirmBody {
		t.Helper()
		var cb confirmBody
		owner.call("POST", "/api/v1/timer/stop", body, http.StatusConflict, &cb)
		if cb.Error.Code != codeTimerConfirm {
			t.Fatalf("stop answered %+v, want %s", cb.Error, codeTimerConfirm)
		}
		return cb
	}
	stop := func(body any) timeCardJSON {
		t.Helper()
		var tc timeCardJSON
		owner.call("POST", "/api/v1/timer/stop", body, http.StatusCreated, &tc)
		return tc
	}
	times := func(tc timeCardJSON) string {
		if tc.StartTime == nil {
			return tc.Date + " " + itoa64(int64(tc.Minutes)) + "m"
		}
		return tc.Date + " " + *tc.StartTime + "-" + *tc.EndTime + " " + itoa64(int64(tc.Minutes)) + "m"
	}

	// Over 12 hours, the same day.
	clk.set(inBerlin(1, 9, 12, 40))
	owner.startTimer(f, nil)
	clk.set(inBerlin(1, 23, 17, 40))
	long := stopAsks(nil)
	if long.Error.Message != "This timer ran 14 h 05 m, longer than 12 hours — save 14:05 on Mon 1 Mar, or enter the end time" ||
		!long.Error.Over12Hours || long.Error.PastMidnight || long.Error.ElapsedMinutes != 845 || long.Error.SaveMinutes == nil ||
		*long.Error.SaveMinutes != 845 || long.Error.Date != "2027-03-01" {
		t.Fatalf("14 hours: %+v", long.Error)
	}
	var running timerJSON
	owner.call("GET", "/api/v1/timer", nil, http.StatusOK, &running)
	if running.NeedsConfirmation == nil || running.NeedsConfirmation.Message != long.Error.Message {
		t.Fatalf("GET does not say a stop would ask: %+v", running)
	}
	if n := len(owner.cards()); n != 0 {
		t.Fatalf("an unconfirmed stop recorded %d cards", n)
	}
	if got := times(stop(map[string]any{"confirm": true})); got != "2027-03-01 09:12-23:17 845m" {
		t.Fatalf("confirmed 14 hours recorded %s", got)
	}

	// Past midnight: asked, then saved up to the end time typed (on the start's day).
	clk.set(inBerlin(1, 22, 0, 0))
	owner.startTimer(f, nil)
	clk.set(inBerlin(2, 1, 30, 0))
	late := stopAsks(map[string]any{})
	if late.Error.Message != "This timer ran 3 h 30 m, past midnight — save 3:30 on Mon 1 Mar, or enter the end time" ||
		!late.Error.PastMidnight || late.Error.Over12Hours {
		t.Fatalf("past midnight: %+v", late.Error)
	}
	owner.fails("POST", "/api/v1/timer/stop", map[string]any{"ended_at": "25:99"}, http.StatusUnprocessableEntity, "ended_at")
	owner.fails("POST", "/api/v1/timer/stop", map[string]any{"ended_at": "2027-03-01T21:00"}, http.StatusUnprocessableEntity, "ended_at")
	owner.fails("POST", "/api/v1/timer/stop", map[string]any{"ended_at": "2027-03-02T02:00:00+01:00"}, http.StatusUnprocessableEntity, "ended_at")
	if got := times(stop(map[string]any{"ended_at": "23:45"})); got != "2027-03-01 22:00-23:45 105m" {
		t.Fatalf("past midnight with an end time recorded %s", got)
	}
	// Confirmed as it ran, past midnight: its minutes, no clock times (they span two days).
	clk.set(inBerlin(1, 23, 0, 0))
	owner.startTimer(f, nil)
	clk.set(inBerlin(2, 0, 20, 0))
	stopAsks(nil)
	if got := times(stop(map[string]any{"confirm": true})); got != "2027-03-01 80m" {
		t.Fatalf("confirmed past midnight recorded %s", got)
	}

	// Over a day: confirming is not enough, an end time is.
	clk.set(inBerlin(1, 20, 0, 0))
	owner.startTimer(f, nil)
	clk.set(inBerlin(3, 0, 10, 0))
	day := stopAsks(nil)
	if day.Error.SaveMinutes != nil || !strings.Contains(day.Error.Message, "This timer ran 28 h 10 m, past midnight and longer than 12 hours, more than a time card holds") {
		t.Fatalf("over a day: %+v", day.Error)
	}
	owner.fails("POST", "/api/v1/timer/stop", map[string]any{"confirm": true}, http.StatusUnprocessableEntity, "ended_at")
	if got := times(stop(map[string]any{"confirm": true, "ended_at": "2027-03-01T23:00"})); got != "2027-03-01 20:00-23:00 180m" {
		t.Fatalf("over a day with an end time recorded %s", got)
	}

	// After midnight in Berlin but before it in UTC: the same day in the account's zone,
	// so nothing to confirm, and the card is on Tuesday.
	clk.set(inBerlin(2, 0, 30, 0))
	owner.startTimer(f, nil)
	clk.set(inBerlin(2, 1, 0, 0))
	if got := times(stop(nil)); got != "2027-03-02 00:30-01:00 30m" {
		t.Fatalf("a timer of Tuesday 00:30 Berlin recorded %s", got)
	}

	// Minutes are rounded to the nearest, at least 1.
	for _, c := range []struct {
		from, to time.Time
		want     string
	}{
		{inBerlin(1, 9, 12, 40), inBerlin(1, 9, 13, 5), "2027-03-01 09:12-09:13 1m"},
		{inBerlin(1, 9, 0, 0), inBerlin(1, 9, 44, 30), "2027-03-01 09:00-09:45 45m"},
		{inBerlin(1, 9, 0, 0), inBerlin(1, 9, 44, 29), "2027-03-01 09:00-09:44 44m"},
		{inBerlin(1, 9, 0, 0), inBerlin(1, 21, 0, 0), "2027-03-01 09:00-21:00 720m"}, // 12 hours exactly: not over
	} {
		clk.set(c.from)
		owner.startTimer(f, nil)
		clk.set(c.to)
		if got := times(stop(nil)); got != c.want {
			t.Errorf("timer %s to %s recorded %s, want %s", c.from.Format("15:04:05"), c.to.Format("15:04:05"), got, c.want)
		}
	}
}

// TestTimerFormsWorkWithoutJavaScript drives the timesheet's timer forms as a browser
// without JavaScript would: the header shows the running timer on every page, a bad
// start is refused beside the timer's own field, and a 14-hour stop asks first.
func TestTimerFormsWorkWithoutJavaScript(t *testing.T) {
	_, clk, owner, f := timerEnv(t)
	clk.set(inBerlin(1, 9, 12, 0))
	status, loc, body := owner.form("/timer", owner.withCSRF("timer_customer_id", itoa64(f.Customer.ID), "timer_notes", "kick-off"), "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-timer_service_id"`) || strings.Contains(body, `id="e-service_id"`) ||
		!strings.Contains(body, `value="kick-off"`) {
		t.Fatalf("start without a service: %d %s", status, loc)
	}
	status, loc, _ = owner.form("/timer", owner.withCSRF("timer_customer_id", itoa64(f.Customer.ID), "timer_service_id", itoa64(f.Service.ID),
		"timer_notes", "kick-off", "timer_billable", "true"), "")
	if status != http.StatusSeeOther || loc != "/timesheet#timer" {
		t.Fatalf("start: %d %s", status, loc)
	}
	clk.set(inBerlin(1, 10, 35, 0))
	for _, p := range []string{"/timesheet", "/customers", "/settings"} {
		_, html := owner.page(p)
		if !strings.Contains(html, `id="timer-on"`) || !strings.Contains(html, `data-timer-elapsed="4980">1:23<`) {
			t.Fatalf("%s does not show the running timer in its header", p)
		}
	}
	_, html := owner.page("/timesheet")
	if !strings.Contains(html, `id="timer-running"`) || !strings.Contains(html, "Started <time") || !strings.Contains(html, ">09:12</time>") ||
		!strings.Contains(html, "Stop it and start this one") {
		t.Fatalf("the timesheet does not show the running timer:\n%s", html)
	}

	clk.set(inBerlin(1, 23, 17, 0))
	status, _, body = owner.form("/timer/stop", owner.withCSRF(), "")
	if status != http.StatusConflict || !strings.Contains(body, "This timer ran 14 h 05 m, longer than 12 hours — save 14:05 on Mon 1 Mar, or enter the end time.") ||
		!strings.Contains(body, "Save 14:05 on Mon 1 Mar") || !strings.Contains(body, `name="ended_at"`) {
		t.Fatalf("a 14-hour stop does not ask: %d", status)
	}
	status, _, body = owner.form("/timer/stop", owner.withCSRF("confirm", "true", "save", "end", "ended_at", ""), "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-ended_at"`) || !strings.Contains(body, `id="timer-confirm"`) {
		t.Fatalf("an empty end time: %d", status)
	}
	status, loc, _ = owner.form("/timer/stop", owner.withCSRF("confirm", "true", "save", "end", "ended_at", "18:30"), "")
	if status != http.StatusSeeOther || loc != "/timesheet?week=2027-03-01" {
		t.Fatalf("stop with an end time: %d %s", status, loc)
	}
	cards := owner.cards()
	if len(cards) != 1 || *cards[0].StartTime != "09:12" || *cards[0].EndTime != "18:30" || cards[0].Notes != "kick-off" {
		t.Fatalf("cards after the stop: %+v", cards)
	}
	if _, html := owner.page("/customers"); strings.Contains(html, `id="timer-on"`) {
		t.Fatal("the header still shows a timer after the stop")
	}

	// Discard asks on a page of its own without JavaScript, then records nothing.
	owner.form("/timer", owner.withCSRF("timer_customer_id", itoa64(f.Customer.ID), "timer_service_id", itoa64(f.Service.ID)), "")
	var running timerJSON
	owner.call("GET", "/api/v1/timer", nil, http.StatusOK, &running)
	status, _, body = owner.form("/timer/discard", owner.withCSRF("timer_id", itoa64(running.ID)), "")
	if status != http.StatusOK || !strings.Contains(body, "Discard the running timer?") {
		t.Fatalf("discard without confirmation: %d", status)
	}
	status, loc, _ = owner.form("/timer/discard", owner.withCSRF("timer_id", itoa64(running.ID), "confirmed", "1"), "")
	if status != http.StatusSeeOther {
		t.Fatalf("discard: %d %s", status, loc)
	}
	if status, _, _ := owner.do("GET", "/api/v1/timer", nil); status != http.StatusNoContent || len(owner.cards()) != 1 {
		t.Fatalf("after discard: timer %d, %d cards", status, len(owner.cards()))
	}
}

// TestTimerStopKeepsApprovedWeeksLocked refuses a member's stop whose card would land
// in their approved week (the timer keeps running, nothing recorded), on the page above
// the forms rather than beside the add-time form's date; an admin may stop it.
func TestTimerStopKeepsApprovedWeeksLocked(t *testing.T) {
	_, clk, owner, f := timerEnv(t)
	member := owner.member("member")
	clk.set(inBerlin(1, 9, 0, 0))
	member.startTimer(f, nil)
	owner.call("POST", "/api/v1/week-approvals", map[string]any{"user_id": member.me.User.ID, "week": "2027-03-01"}, http.StatusCreated, nil)
	clk.set(inBerlin(1, 10, 0, 0))
	locked := member.fails("POST", "/api/v1/timer/stop", nil, http.StatusConflict, "")
	if locked.Error.Code != codeWeekLocked || !strings.Contains(locked.Error.Message, "This week was approved by Olive") {
		t.Fatalf("stop in an approved week: %+v", locked.Error)
	}
	status, _, body := member.form("/timer/stop", member.withCSRF(), "")
	if status != http.StatusConflict || !strings.Contains(body, `<div class="alert" role="alert">This week was approved by Olive`) || strings.Contains(body, `id="e-date"`) {
		t.Fatalf("the page's answer to a stop in an approved week: %d", status)
	}
	var still timerJSON
	member.call("GET", "/api/v1/timer", nil, http.StatusOK, &still)
	if n := len(member.cards()); n != 0 {
		t.Fatalf("a refused stop recorded %d cards", n)
	}
	var card timeCardJSON
	owner.call("POST", "/api/v1/timer/stop?user_id="+itoa64(member.me.User.ID), nil, http.StatusCreated, &card)
	if card.UserID != member.me.User.ID || card.Minutes != 60 {
		t.Fatalf("the admin's stop recorded %+v", card)
	}
}

// TestTimerStartsAndStopsFromTheWeeklyGrid: the grid shows the timer block; its forms
// come back to the grid (the week of the card a stop records).
func TestTimerStartsAndStopsFromTheWeeklyGrid(t *testing.T) {
	_, clk, owner, f := timerEnv(t)
	clk.set(inBerlin(1, 9, 12, 0))
	if _, html := owner.page("/timesheet/grid"); !strings.Contains(html, `id="timer-start"`) || !strings.Contains(html, `name="back" value="grid"`) {
		t.Fatal("the grid does not offer to start a timer")
	}
	status, loc, _ := owner.form("/timer", owner.withCSRF("back", "grid", "timer_customer_id", itoa64(f.Customer.ID),
		"timer_service_id", itoa64(f.Service.ID), "timer_billable", "true"), "")
	if status != http.StatusSeeOther || loc != "/timesheet/grid#timer" {
		t.Fatalf("start from the grid: %d %s", status, loc)
	}
	clk.set(inBerlin(1, 10, 0, 0))
	if _, html := owner.page("/timesheet/grid"); !strings.Contains(html, `id="timer-running"`) || !strings.Contains(html, `id="timer-stop"`) {
		t.Fatal("the grid does not show the running timer")
	}
	status, loc, _ = owner.form("/timer/stop", owner.withCSRF("back", "grid"), "")
	if status != http.StatusSeeOther || loc != "/timesheet/grid?week=2027-03-01" {
		t.Fatalf("stop from the grid: %d %s", status, loc)
	}
	if cards := owner.cards(); len(cards) != 1 || cards[0].Minutes != 48 {
		t.Fatalf("cards after the stop: %+v", cards)
	}
}
