package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hoursync/internal/store"
)

// Search and bulk (issue 20): the timesheet's filters, a bulk change of the selected
// time, and the undo of a delete.

// cardsByNotes maps the notes of the person's cards (of any date) to the card.
func (a *app) cardsByNotes(t *testing.T, email string) map[string]store.TimeCard {
	t.Helper()
	ctx := context.Background()
	u, err := a.store.FindUserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	cards, err := a.store.ListTimeCards(ctx, u.AccountID, store.TimeCardFilter{UserID: u.ID}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.TimeCard{}
	for _, c := range cards {
		out[c.Notes] = c
	}
	return out
}

// rowsShown is the notes of the timesheet's rows, in order.
func (s *session) rowsShown() string {
	return eval[string](s, `Array.from(document.querySelectorAll("table.cards tbody tr")).map(r => r.cells[r.cells.length - 3].innerText.split("\n")[0]).join(",")`)
}

// check ticks the row whose notes are notes.
func (s *session) check(notes string) {
	s.t.Helper()
	if !eval[bool](s, `(() => { const r = Array.from(document.querySelectorAll("table.cards tbody tr")).find(r => r.innerText.includes(`+jsString(notes)+`));
	  if (!r) return false; r.querySelector('input[name="card_id"]').click(); return true })()`) {
		s.t.Fatalf("no row %q:\n%s", notes, s.mainText())
	}
}

// TestFiltersBulkChangeAndUndoOfADelete: the timesheet narrows to a range of dates and
// to billable time (the filters in the URL); a bulk change of the selection changes
// the time not in QuickBooks and names the synced card it left alone; a deleted card
// comes back with Undo, and the offer counts down and goes once the delete can no
// longer be undone, after which the synced card's delete is pending for QuickBooks.
func TestFiltersBulkChangeAndUndoOfADelete(t *testing.T) {
	a, s := newFirm(t)
	s.run(chromedp.Navigate(a.url+"/customers"), chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Initech"),
		chromedp.Click(chromedp.CSS(`form[action="/customers"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	for _, c := range []struct{ date, hours, notes string }{
		{"2026-03-02", "1:00", "design"}, {"2026-03-03", "2:00", "review"}, {"2026-03-12", "0:30", "later"}, {"2026-02-20", "1:15", "before"},
	} {
		s.fillTime(c.date, c.hours, c.notes)
		s.run(chromedp.WaitVisible(chromedp.CSS(".flash")))
	}
	cards := a.cardsByNotes(t, s.email)
	review := cards["review"]
	if err := a.store.RecordSyncSuccess(context.Background(), review.AccountID, store.ObjectTimeCard, review.ID, store.SyncSuccess{RealmID: "realm-bulk",
		QBOID: "ta-1", SyncToken: "0", SyncedVersion: review.Version}, store.SyncRun{Kind: "test"}); err != nil {
		t.Fatal(err)
	}

	// Filters: a range of dates across two weeks, in the URL.
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#f-from")),
		chromedp.SetValue(chromedp.CSS("#f-from"), "2026-03-01"), chromedp.SetValue(chromedp.CSS("#f-to"), "2026-03-15"))
	s.submit(`#filters button`)
	if q := eval[string](s, `location.search`); !strings.Contains(q, "from=2026-03-01") || !strings.Contains(q, "to=2026-03-15") {
		t.Fatalf("the filters are not in the URL: %s", q)
	}
	if got := s.rowsShown(); got != "design,review,later" {
		t.Fatalf("rows of 1–15 March = %q", got)
	}
	s.mustSee("3 entries from 2026-03-01 to 2026-03-15, all shown.")
	s.shot("timesheet-filtered")

	// Bulk: all three to Initech and not billable; the synced one is named, unchanged.
	s.run(chromedp.Click(chromedp.CSS(`[data-select-all]`)),
		chromedp.SetValue(chromedp.CSS("#f-bulk_customer_id"), s.optionValue("#f-bulk_customer_id", "Initech")),
		chromedp.SetValue(chromedp.CSS("#f-bulk_billable"), "false"))
	s.submit(`button[value="bulk"]`)
	s.mustSee("Changed 2 time entries. Left as it was: Bea Browser · Tue 3 Mar · Globex — Consulting 2:00 (already in QuickBooks")
	if q := eval[string](s, `location.search`); !strings.Contains(q, "from=2026-03-01") {
		t.Fatalf("the bulk change did not come back to the filtered view: %s", q)
	}
	after := a.cardsByNotes(t, s.email)
	for notes, want := range map[string]bool{"design": true, "later": true, "review": false, "before": false} {
		c := after[notes]
		changed := c.CustomerID != cards[notes].CustomerID && !c.Billable
		if changed != want || (!want && c.Version != cards[notes].Version) {
			t.Errorf("%s after the bulk change: %+v (changed %v, want %v)", notes, c, changed, want)
		}
	}
	// The billable filter now leaves the changed ones out.
	// SetValue fires the select's change event, which submits the filters (app.js).
	eval[bool](s, `window.formPageBefore = true; true`)
	s.run(chromedp.SetValue(chromedp.CSS("#f-fbillable"), "true"))
	s.waitFor("the billable filter", `window.formPageBefore === undefined && document.readyState === "complete" && location.search.includes("billable=true")`)
	if got := s.rowsShown(); got != "review" {
		t.Fatalf("billable rows of 1–15 March = %q", got)
	}

	// Undo: delete "design", undo it.
	s.run(chromedp.Navigate(a.url+"/timesheet?from=2026-03-01&to=2026-03-15"), chromedp.WaitVisible(chromedp.CSS("table.cards")))
	s.acceptConfirms()
	s.check("design")
	s.submit(`button[value="delete"]`)
	s.run(chromedp.WaitVisible(chromedp.CSS("#undo")))
	s.mustSee("Deleted 1 time entry.")
	s.waitFor("the countdown", `/\d+ seconds? left to undo/.test(document.querySelector("#undo").innerText)`)
	if got := s.rowsShown(); got != "review,later" {
		t.Fatalf("rows after the delete = %q", got)
	}
	s.shot("timesheet-undo")
	s.submit(`#undo button[data-undo]`)
	s.mustSee("Restored 1 time entry; QuickBooks heard of nothing.")
	if got := s.rowsShown(); got != "design,review,later" {
		t.Fatalf("rows after the undo = %q", got)
	}

	// The synced card: deleted, left alone; the offer goes when the window is over.
	s.acceptConfirms()
	s.check("review")
	s.submit(`button[value="delete"]`)
	s.run(chromedp.WaitVisible(chromedp.CSS("#undo")))
	s.mustSee("It is deleted in QuickBooks in 10 seconds, once the time to undo is over.")
	deadline := time.Now().Add(20 * time.Second)
	for !eval[bool](s, `document.querySelector("#undo button") === null && document.querySelector("#undo").innerText.includes("It can no longer be undone.")`) {
		if time.Now().After(deadline) {
			t.Fatalf("the undo offer outlived its window:\n%s", s.text("#undo"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	var pending []store.TimeCard
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if pending, _ = a.store.GetTimeCardsForSync(context.Background(), review.AccountID, []int64{review.ID}); len(pending) == 1 {
			break
		}
	}
	if len(pending) != 1 || !pending[0].DeletedAt.Valid || pending[0].Version != review.Version+1 || pending[0].SyncStatus != store.StatusChanged {
		t.Fatalf("after the window the synced card is %+v, want a pending delete for QuickBooks", pending)
	}
}
