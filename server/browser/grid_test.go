package browser

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hoursync/internal/store"
)

// gridPerson is the session's person and the ids of Globex and Consulting
// (addCustomerAndService), which name the grid's cells.
type gridPerson struct {
	user              store.User
	customer, service int64
	serviceRate       int64
}

func (s *session) gridPerson() gridPerson {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.a.store.FindUserByEmail(ctx, s.email)
	if err != nil {
		s.t.Fatal(err)
	}
	customers, err := s.a.store.ListCustomers(ctx, u.AccountID, "Globex", store.Page{})
	if err != nil || len(customers) != 1 {
		s.t.Fatalf("customers %v: %v", customers, err)
	}
	services, err := s.a.store.ListServices(ctx, u.AccountID, "Consulting", store.Page{})
	if err != nil || len(services) != 1 {
		s.t.Fatalf("services %v: %v", services, err)
	}
	return gridPerson{user: u, customer: customers[0].ID, service: services[0].ID, serviceRate: services[0].RateCents}
}

// cell is the CSS id of the person's Globex / Consulting cell on date.
func (p gridPerson) cell(date string) string {
	return fmt.Sprintf("%d_%d_%d_%s", p.user.ID, p.customer, p.service, date)
}

// minutesByDate sums the person's cards from..to by date, and counts them.
func (s *session) minutesByDate(p gridPerson, from, to string) (map[string]int, int) {
	s.t.Helper()
	f, _ := time.Parse(time.DateOnly, from)
	t, _ := time.Parse(time.DateOnly, to)
	cards, err := s.a.store.ListTimeCards(context.Background(), p.user.AccountID, store.TimeCardFilter{From: f, To: t, UserID: p.user.ID}, store.Page{Limit: 100})
	if err != nil {
		s.t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range cards {
		got[c.Date()] += c.Minutes
		if c.CustomerID != p.customer || c.ServiceID != p.service || !c.Billable || c.RateCents != p.serviceRate {
			s.t.Fatalf("card %+v is not Globex / Consulting, billable at the service's rate", c)
		}
	}
	return got, len(cards)
}

// TestGridWeekEnteredByKeyboardOnly: from the timesheet's switch to the grid, a row
// added in place, then a week typed with the keyboard alone — focus the first cell,
// type, Tab, type … Enter — saves one card per day with the right minutes and dates,
// no more; the totals follow the typing and are shown after the save; a synced
// cell shows its state, and editing it (Tab in, type, Tab out: saved on blur) makes
// it changed; a day with two cards is a read-only sum linking to the list; a time
// over 24:00 is refused beside its cell.
func TestGridWeekEnteredByKeyboardOnly(t *testing.T) {
	a, s := newFirm(t)
	p := s.gridPerson()
	ctx := context.Background()

	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS(`nav.views`)),
		chromedp.Click(chromedp.CSS(`nav.views a[href^="/timesheet/grid"]`)), chromedp.WaitVisible(chromedp.CSS("#grid-form")))
	s.mustSee("2026-03-02 – 2026-03-08", "No time this week yet")

	// Add row: in place, without a new page.
	eval[bool](s, `window.gridPageBefore = true; true`)
	s.run(chromedp.SetValue(chromedp.CSS("#f-row_user"), fmt.Sprint(p.user.ID)),
		chromedp.SetValue(chromedp.CSS("#f-row_customer"), fmt.Sprint(p.customer)),
		chromedp.SetValue(chromedp.CSS("#f-row_service"), fmt.Sprint(p.service)),
		chromedp.Click(chromedp.CSS(`#add-row-form button`)), chromedp.WaitVisible(chromedp.CSS("#g-"+p.cell("2026-03-02"))))
	if !eval[bool](s, `window.gridPageBefore === true && document.activeElement.id === "g-`+p.cell("2026-03-02")+`"`) {
		t.Fatal("Add row loaded a new page or did not focus the row's first day")
	}

	// The week by keyboard: Monday to Friday, Tab between the days.
	s.run(chromedp.Focus(chromedp.CSS("#g-"+p.cell("2026-03-02"))), chromedp.KeyEvent("1:30\t2\t0:45\t1,5\t45m"))
	s.waitFor("totals as typed", `document.getElementById("grid-total").textContent === "6:30" &&
		document.querySelector('[data-day-total="2026-03-05"]').textContent === "1:30" &&
		document.querySelector("#grid tbody [data-row-total]").textContent === "6:30"`)
	if got := eval[string](s, `document.activeElement.id`); got != "g-"+p.cell("2026-03-06") {
		t.Fatalf("after four Tabs the focus is on %q, want Friday", got)
	}
	s.run(chromedp.KeyEvent("\r"))
	s.waitFor("the saved grid", `location.pathname === "/timesheet/grid" && !!document.querySelector(".flash") && document.readyState === "complete"`)
	s.mustSee("Saved")
	got, n := s.minutesByDate(p, "2026-03-02", "2026-03-08")
	want := map[string]int{"2026-03-02": 90, "2026-03-03": 120, "2026-03-04": 45, "2026-03-05": 90, "2026-03-06": 45}
	if n != 5 || !maps.Equal(got, want) {
		t.Fatalf("cards after the save: %d, %v; want 5, %v", n, got, want)
	}
	if total := s.text("#grid-total"); total != "6:30" {
		t.Fatalf("the saved grid's total is %q", total)
	}
	if day := s.text(`[data-day-total="2026-03-03"]`); day != "2:00" {
		t.Fatalf("Tuesday's total is %q", day)
	}

	// Tuesday synced: its cell says so. Tab into it, type, Tab out: saved on blur
	// through the API, and the card is changed.
	cards, err := a.store.ListTimeCards(ctx, p.user.AccountID, store.TimeCardFilter{UserID: p.user.ID}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var tue store.TimeCard
	for _, c := range cards {
		if c.Date() == "2026-03-03" {
			tue = c
		}
	}
	if err := a.store.RecordSyncSuccess(ctx, p.user.AccountID, store.ObjectTimeCard, tue.ID, store.SyncSuccess{RealmID: "realm-grid",
		QBOID: "77", SyncToken: "0", SyncedVersion: tue.Version}, store.SyncRun{Kind: "test", WorkflowID: "test/grid", RunID: "r0"}); err != nil {
		t.Fatal(err)
	}
	s.run(chromedp.Navigate(a.url+"/timesheet/grid?week="+week), chromedp.WaitVisible(chromedp.CSS("#grid-form")))
	mark := "#s-" + p.cell("2026-03-03")
	if !eval[bool](s, `document.querySelector("`+mark+`").classList.contains("synced")`) || s.text(mark) != "QuickBooks: synced" {
		t.Fatalf("the synced cell's marker: %q", s.text(mark))
	}
	s.run(chromedp.Focus(chromedp.CSS("#g-"+p.cell("2026-03-02"))), chromedp.KeyEvent("\t2:30\t"))
	s.waitFor("the edited cell saved", `document.querySelector("`+mark+`").classList.contains("changed")`)
	if s.text(mark) != "QuickBooks: changed" {
		t.Fatalf("the edited cell's marker says %q", s.text(mark))
	}
	after, err := a.store.GetTimeCard(ctx, p.user.AccountID, tue.ID)
	if err != nil || after.Minutes != 150 || after.SyncStatus != store.StatusChanged || after.Version != tue.Version+1 {
		t.Fatalf("the edited synced card: %+v, %v", after, err)
	}
	if total := s.text("#grid-total"); total != "7:00" {
		t.Fatalf("the total after the edit is %q", total)
	}

	// Two cards on Sunday: a read-only sum that links to the list of that day.
	sunday, _ := time.Parse(time.DateOnly, "2026-03-08")
	for _, m := range []int{30, 15} {
		if _, err := a.store.CreateTimeCard(ctx, p.user.AccountID, store.TimeCardInput{UserID: p.user.ID, CustomerID: p.customer, ServiceID: p.service,
			WorkDate: sunday, Minutes: m, Billable: true, RateCents: p.serviceRate}); err != nil {
			t.Fatal(err)
		}
	}
	// Wednesday synced too, for the screenshot's markers.
	for _, c := range cards {
		if c.Date() == "2026-03-04" {
			if err := a.store.RecordSyncSuccess(ctx, p.user.AccountID, store.ObjectTimeCard, c.ID, store.SyncSuccess{RealmID: "realm-grid",
				QBOID: "78", SyncToken: "0", SyncedVersion: c.Version}, store.SyncRun{Kind: "test", WorkflowID: "test/grid", RunID: "r0"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.run(chromedp.Navigate(a.url+"/timesheet/grid?week="+week), chromedp.WaitVisible(chromedp.CSS("#grid-form")))
	if !eval[bool](s, `!document.getElementById("g-`+p.cell("2026-03-08")+`") && document.querySelector('a.multi[data-date="2026-03-08"]').title === "2 entries on Sun 8 Mar: edit them in the list"`) {
		t.Fatal("a day with two cards is not a read-only sum with a link")
	}
	if href := eval[string](s, `document.querySelector('a.multi[data-date="2026-03-08"]').getAttribute("href")`); href == "" {
		t.Fatal("the sum links nowhere")
	}
	if total := s.text("#grid-total"); total != "7:45" {
		t.Fatalf("the total with Sunday is %q", total)
	}

	// A time over 24:00 is refused beside its cell as it loses focus.
	s.run(chromedp.Focus(chromedp.CSS("#g-"+p.cell("2026-03-06"))), chromedp.KeyEvent("\t25\t"))
	s.fieldErrors("the grid", map[string]string{"#g-" + p.cell("2026-03-07"): "A day holds at most 24:00"})
	if _, n := s.minutesByDate(p, "2026-03-07", "2026-03-07"); n != 0 {
		t.Fatal("a refused time was saved")
	}
	s.shot("grid")
}

// TestGridWorksWithoutJavaScript: with scripts off, "Add row" is a GET parameter and
// Enter posts the form, which saves every typed cell and shows the totals.
func TestGridWorksWithoutJavaScript(t *testing.T) {
	a, s := newFirm(t)
	p := s.gridPerson()
	s.run(withoutJavaScript())
	s.run(chromedp.Navigate(a.url+"/timesheet/grid?week=2026-03-09"), chromedp.WaitVisible(chromedp.CSS("#add-row-form")),
		chromedp.SetValue(chromedp.CSS("#f-row_user"), fmt.Sprint(p.user.ID)),
		chromedp.SetValue(chromedp.CSS("#f-row_customer"), fmt.Sprint(p.customer)),
		chromedp.SetValue(chromedp.CSS("#f-row_service"), fmt.Sprint(p.service)))
	s.submit(`#add-row-form button`)
	s.run(chromedp.WaitVisible(chromedp.CSS("#g-" + p.cell("2026-03-09"))))
	s.run(chromedp.Focus(chromedp.CSS("#g-"+p.cell("2026-03-09"))), chromedp.KeyEvent("8\t7.5\t\t2h"))
	eval[bool](s, `window.formPageBefore = true; true`)
	s.run(chromedp.KeyEvent("\r"))
	s.waitFor("the saved grid", `window.formPageBefore === undefined && document.readyState === "complete" && !!document.querySelector(".flash")`)
	s.mustSee("Saved: 3 added.")
	got, n := s.minutesByDate(p, "2026-03-09", "2026-03-15")
	if want := map[string]int{"2026-03-09": 480, "2026-03-10": 450, "2026-03-12": 120}; n != 3 || !maps.Equal(got, want) {
		t.Fatalf("cards: %d %v, want %v", n, got, want)
	}
	if total := s.text("#grid-total"); total != "17:30" {
		t.Fatalf("the total is %q", total)
	}
}
