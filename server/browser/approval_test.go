package browser

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hoursync/internal/store"
)

// Week approval (issue 20): an admin approves a member's week from the timesheet; the
// member, in a browser of their own, finds it locked.

// idStr writes an id.
func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// cardsOf lists every card of the person with email in the week.
func (a *app) cardsOf(t *testing.T, email string) []store.TimeCard {
	t.Helper()
	ctx := context.Background()
	u, err := a.store.FindUserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	monday, _ := time.Parse(time.DateOnly, week)
	cards, err := a.store.ListTimeCards(ctx, u.AccountID, store.TimeCardFilter{From: monday, To: monday.AddDate(0, 0, 6), UserID: u.ID}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return cards
}

// joinAs accepts an invitation the owner sends to first last, in a browser of its own.
func (owner *session) joinAs(first, last string) *session {
	owner.t.Helper()
	email := owner.invite(first, last)
	link := owner.mailLink("/dev/outbox?to="+url.QueryEscape(email), "/invitations/accept?token=")
	m := newSession(owner.t, owner.a)
	m.email = email
	m.run(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#f-password")),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "a long enough password"), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#cards")))
	return m
}

// TestAdminApprovesAMembersWeekAndTheMemberFindsItLocked: the owner chooses Mia on
// the timesheet and approves her week; Mia, in her own browser, sees the week locked
// (the message, the add form, delete and bulk change disabled, no edit links), and
// her edit of a card of the week, posted from its page, is refused beside the date
// and changes nothing. The owner still edits it; after reopening, Mia can again.
func TestAdminApprovesAMembersWeekAndTheMemberFindsItLocked(t *testing.T) {
	a, owner := newFirm(t)
	mia := owner.joinAs("Mia", "Member")
	mia.addTime("2026-03-03", "2:00")
	cards := a.cardsOf(t, mia.email)
	if len(cards) != 1 {
		t.Fatalf("Mia's cards: %+v", cards)
	}
	card := cards[0]

	// The owner looks at Mia's week and approves it.
	owner.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#f-user")))
	eval[bool](owner, `window.formPageBefore = true; true`)
	// SetValue fires the select's change event, which submits the filter (app.js): a
	// second dispatch here raced the navigation it starts.
	owner.run(chromedp.SetValue(chromedp.CSS("#f-user"), owner.optionValue("#f-user", "Mia")))
	owner.waitFor("Mia's week", `window.formPageBefore === undefined && document.readyState === "complete" && location.search.includes("user_id=")`)
	owner.mustSee("The week of Mia Member is open.")
	owner.submit(`form[action="/timesheet/approve"] button`)
	owner.mustSee("Approved the week of 2026-03-02 for Mia Member", "Approved by Bea on", "as an admin you can still change it")
	owner.shot("timesheet-week-approved")

	// Mia's browser: the week is locked.
	mia.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#week-lock")))
	mia.mustSee("This week was approved by Bea on", "ask an admin to reopen it", "Locked")
	for what, js := range map[string]string{
		"the add form's time":        `document.querySelector("#f-hours").matches(":disabled")`,
		"the add form's button":      `document.querySelector('form[action="/time-cards"] button.primary').matches(":disabled")`,
		"delete":                     `document.querySelector('button[value="delete"]').disabled`,
		"the bulk change":            `document.querySelector("#f-bulk_customer_id").matches(":disabled")`,
		"no edit link":               `document.querySelector('a[href$="/edit"]') === null`,
		"sync still offered":         `!document.querySelector('button[value="sync"]').disabled`,
		"the lock described to them": `document.querySelector("#f-hours").closest("fieldset").getAttribute("aria-describedby") === "week-lock"`,
	} {
		if !eval[bool](mia, js) {
			t.Errorf("Mia's locked week: %s does not hold (%s)", what, js)
		}
	}
	mia.shot("timesheet-week-locked")

	// Her edit of the card, posted from its page, is refused beside the date.
	mia.run(chromedp.Navigate(a.url+"/time-cards/"+idStr(card.ID)+"/edit"), chromedp.WaitVisible(chromedp.CSS("#f-hours")),
		chromedp.SetValue(chromedp.CSS("#f-hours"), "3:30"))
	mia.submit(`form[action="/time-cards/` + idStr(card.ID) + `"] button.primary`)
	mia.fieldErrors("the edit of a locked card", map[string]string{"#f-date": "This week was approved by Bea on"})
	if v := eval[string](mia, `document.querySelector("#f-hours").value`); v != "3:30" {
		t.Errorf("the refused form lost what Mia typed: %q", v)
	}
	if got := a.cardsOf(t, mia.email); len(got) != 1 || got[0].Minutes != 120 || got[0].Version != card.Version {
		t.Fatalf("the refused edit changed the card: %+v", got)
	}
	// A post of her own making is refused too (the lock is the server's, not the page's).
	status, err := chromedp.Run(mia.ctx, chromedp.Evaluate[int](`(async () => {
	  const token = document.querySelector('input[name="csrf_token"]').value;
	  const r = await fetch("/api/v1/time-cards/`+idStr(card.ID)+`", {method: "DELETE", headers: {"X-CSRF-Token": token}});
	  return r.status })()`, chromedp.EvalAwaitPromise))
	if err != nil || status != 409 || len(a.cardsOf(t, mia.email)) != 1 {
		t.Fatalf("Mia's delete through the API: %d %v", status, err)
	}

	// The owner edits it still; reopened, Mia can again.
	owner.run(chromedp.Navigate(a.url+"/time-cards/"+idStr(card.ID)+"/edit"), chromedp.WaitVisible(chromedp.CSS("#f-hours")),
		chromedp.SetValue(chromedp.CSS("#f-hours"), "2:15"))
	owner.submit(`form[action="/time-cards/` + idStr(card.ID) + `"] button.primary`)
	owner.mustSee("Time saved.")
	owner.run(chromedp.Navigate(a.url+"/timesheet?week="+week+"&user_id="+idStr(card.UserID)), chromedp.WaitVisible(chromedp.CSS(`form[action="/timesheet/reopen"]`)))
	owner.submit(`form[action="/timesheet/reopen"] button`)
	owner.mustSee("Reopened the week for Mia Member")
	mia.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#cards")))
	if eval[bool](mia, `document.querySelector("#week-lock") !== null || document.querySelector("#f-hours").matches(":disabled")`) {
		t.Fatal("the reopened week still shows locked")
	}
	if !strings.Contains(mia.mainText(), "2:15") {
		t.Fatalf("the owner's edit is not on Mia's timesheet:\n%s", mia.mainText())
	}
}
