package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hoursync/internal/store"
)

// The tests of "Web UI: honest numbers, names not ids, and pages a bookkeeper
// understands": each names the item of the issue it proves.

// seedWeek records cards of Globex / Consulting (addCustomerAndService) for the
// session's person straight into the store, spread over the week's days: minutes(i) is
// the time of the i-th.
func (s *session) seedWeek(n int, minutes func(i int) int) {
	s.t.Helper()
	ctx := context.Background()
	p := s.gridPerson()
	monday, _ := time.Parse(time.DateOnly, week)
	for i := range n {
		if _, err := s.a.store.CreateTimeCard(ctx, p.user.AccountID, store.TimeCardInput{UserID: p.user.ID, CustomerID: p.customer,
			ServiceID: p.service, WorkDate: monday.AddDate(0, 0, i%7), Minutes: minutes(i), Billable: true,
			RateCents: p.serviceRate}); err != nil {
			s.t.Fatal(err)
		}
	}
}

// newFirm signs a new firm up (without a worker) with Globex and Consulting.
func newFirm(t *testing.T) (*app, *session) {
	a := newApp(t, false)
	s := newSession(t, a)
	s.signUp()
	s.addCustomerAndService()
	return a, s
}

// text is the inner text of the element sel.
func (s *session) text(sel string) string {
	s.t.Helper()
	return strings.TrimSpace(eval[string](s, `(document.querySelector(`+jsString(sel)+`) || {innerText: ""}).innerText`))
}

func jsString(v string) string {
	return `"` + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`) + `"`
}

// Item 1: 210 cards in one week are all on the timesheet, totalled and selected.
func TestTimesheetReachesEveryCardOfABusyWeek(t *testing.T) {
	a, s := newFirm(t)
	// 195 × 1:00 + 15 × 1:23 = 215:45.
	s.seedWeek(210, func(i int) int {
		if i < 15 {
			return 83
		}
		return 60
	})
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#cards")))
	if n := eval[int](s, `document.querySelectorAll('input[name="card_id"]').length`); n != 210 {
		t.Fatalf("rows on the timesheet = %d, want 210", n)
	}
	if got := s.text("#week-total"); got != "215:45" {
		t.Fatalf("week total = %q, want 215:45", got)
	}
	s.mustSee("210 entries this week, all shown")
	s.run(chromedp.Click(chromedp.CSS(`[data-select-all]`)))
	if n := eval[int](s, `document.querySelectorAll('input[name="card_id"]:checked').length`); n != 210 {
		t.Fatalf("select all checked %d rows, want 210", n)
	}
}

// Item 2: the timesheet totals hours and billable amount per day, person and
// customer, and says how much billable time is not invoiced yet.
func TestTimesheetTotalsMoneyPerDayPersonAndCustomer(t *testing.T) {
	a, s := newFirm(t)
	s.addTime("2026-03-02", "1:30")
	s.addTime("2026-03-03", "2")
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#totals-day")))
	for sel, want := range map[string][]string{
		"#totals-day":      {"Mon 2 Mar\t1:30\t$225.00", "Tue 3 Mar\t2:00\t$300.00"},
		"#totals-person":   {"Bea Browser\t3:30\t$525.00"},
		"#totals-customer": {"Globex\t3:30\t$525.00"},
		"#unbilled":        {"$525.00 of $525.00"},
		"#week-billable":   {"$525.00"},
	} {
		got := s.text(sel)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Fatalf("%s shows %q, want %q", sel, got, w)
			}
		}
	}
	s.shot("timesheet-totals")
	// Invoicing the time leaves nothing unbilled.
	s.selectAllAnd("invoice")
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#unbilled")))
	if got := s.text("#unbilled"); !strings.Contains(got, "$0.00 of $525.00") {
		t.Fatalf("unbilled after invoicing = %q", got)
	}
}

// Item 3: a row is named for people: person, day, customer, service and time.
func TestTimesheetRowsAreNamedNotNumbered(t *testing.T) {
	a, s := newFirm(t)
	s.addTime("2026-03-02", "1:30")
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#cards")))
	label := eval[string](s, `document.querySelector('input[name="card_id"]').getAttribute("aria-label")`)
	if want := "Select Bea Browser · Mon 2 Mar · Globex — Consulting 1:30"; label != want {
		t.Fatalf("row label = %q, want %q", label, want)
	}
}

// Item 4: a connection that needs reconnecting says so in words, with the button.
func TestConnectionStatusInPlainWords(t *testing.T) {
	a := newApp(t, false)
	s := newSession(t, a)
	s.signUp()
	s.realm = a.connectCompany(s.email, "Plus")
	u, err := a.store.FindUserByEmail(context.Background(), s.email)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.conns.MarkNeedsReconnect(context.Background(), u.AccountID, "Reconnect QuickBooks"); err != nil {
		t.Fatal(err)
	}
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS("#connection-status")))
	s.mustSee("QuickBooks needs you to sign in again")
	if strings.Contains(s.mainText(), "needs_reconnect") {
		t.Fatalf("settings show the raw status:\n%s", s.mainText())
	}
	s.run(chromedp.WaitVisible(chromedp.CSS(`form[action="/auth/intuit/connect"] button`)))
}

// Item 6: a Simple Start company's timesheet says, before any click, that time sync
// needs Essentials, and offers an invoice from the selected time instead.
func TestSimpleStartSeesThePlanNoteBeforeSyncing(t *testing.T) {
	a := newApp(t, false)
	s := newSession(t, a)
	s.signUp()
	s.realm = a.connectCompany(s.email, "SimpleStart")
	s.addCustomerAndService()
	s.addTime("2026-03-02", "1")
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#plan-note")))
	s.mustSee("Time sync needs QuickBooks Online Essentials or better", "Simple Start", "Create invoice from selected")
	if eval[bool](s, `document.querySelector(".badge.failed") != null`) {
		t.Fatal("the note should come before a failed sync")
	}
	s.shot("timesheet-simple-start")
}

// Item 10: the first Tab reaches a skip link to the add-time form; every badge
// has a contrast of at least 4.5:1.
func TestSkipLinkAndBadgeContrast(t *testing.T) {
	a := newApp(t, false)
	s := newSession(t, a)
	s.signUp()
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#cards")),
		chromedp.KeyEvent("\t"))
	if got := eval[string](s, `document.activeElement.getAttribute("href") + " " + document.activeElement.innerText`); got != "#add-time Skip to add time" {
		t.Fatalf("first Tab focuses %q", got)
	}
	s.run(chromedp.KeyEvent("\r"))
	s.waitFor("the add-time form", `document.activeElement && document.activeElement.id === "add-time"`)
	worst := eval[float64](s, `(() => {
	  const lum = c => { const v = c.match(/\d+/g).slice(0, 3).map(x => { x = x / 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4) });
	    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2] };
	  let worst = 99;
	  for (const k of ["never", "synced", "changed", "syncing", "failed", "succeeded", "started"]) {
	    const b = document.createElement("span"); b.className = "badge " + k; b.textContent = k; document.querySelector("main").appendChild(b);
	    const st = getComputedStyle(b), f = lum(st.color), g = lum(st.backgroundColor);
	    worst = Math.min(worst, (Math.max(f, g) + 0.05) / (Math.min(f, g) + 0.05)); b.remove();
	  }
	  return worst })()`)
	if worst < 4.5 {
		t.Fatalf("the weakest badge contrast is %.2f:1, want at least 4.5:1", worst)
	}
}

// Item 10: at 390 px the timesheet and the invoices need no sideways scrolling, and
// date, customer, time and status stay on screen.
func TestPhoneSizedTimesheetAndInvoicesFitTheScreen(t *testing.T) {
	a, s := newFirm(t)
	s.addTime("2026-03-02", "1:30")
	s.selectAllAnd("invoice")
	s.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	fits := func(page string) {
		t.Helper()
		if w := eval[int](s, `document.documentElement.scrollWidth`); w > 390 {
			wide := eval[string](s, `[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 391).slice(0, 12).map(e => e.tagName + "." + e.className + "#" + e.id + " " + Math.round(e.getBoundingClientRect().right)).join("; ")`)
			t.Fatalf("%s is %d px wide on a 390 px screen: %s", page, w, wide)
		}
	}
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#cards")))
	fits("the timesheet")
	for _, col := range []string{"td.date", "td.num", ".badge"} {
		if right := eval[float64](s, `document.querySelector("table.cards `+col+`").getBoundingClientRect().right`); right > 390 {
			t.Fatalf("the timesheet's %s ends at %.0f px", col, right)
		}
	}
	s.shot("phone-timesheet")
	s.run(chromedp.Navigate(a.url+"/invoices"), chromedp.WaitVisible(chromedp.CSS("main table")))
	fits("the invoices list")
	s.shot("phone-invoices")
	s.run(chromedp.Click(chromedp.CSS("main table a")), chromedp.WaitVisible(chromedp.CSS("form")))
	fits("the invoice")
	s.shot("phone-invoice")
}

// Item 9: cancelling Intuit's consent screen is the person's choice, not an error.
func TestCancellingIntuitConsentIsNotAnError(t *testing.T) {
	a := newApp(t, false)
	s := newSession(t, a)
	s.signUp()
	realm := a.newCompany("Cancel Co", "Plus", s.email)
	a.admin("POST", "/admin/consent", map[string]any{"realmId": realm, "approve": false}, nil)
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS(`form[action="/auth/intuit/connect"] button`)))
	s.submit(`form[action="/auth/intuit/connect"] button`)
	s.waitFor("back on settings", `location.pathname === "/settings" && document.readyState === "complete"`)
	s.mustSee("Connecting to QuickBooks was cancelled; nothing changed.")
	if eval[bool](s, `document.querySelector("main .alert") != null`) {
		t.Fatalf("the cancel shows as an error:\n%s", s.mainText())
	}
}
