package browser

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"hoursync/internal/testutil"
)

// TestNewFirmRecordsTimeAndInvoicesItWithoutQuickBooks walks a new firm through the
// pages that need no sync: sign up, the empty timesheet, a bad entry rejected beside
// its field with what was typed kept, three good entries, customers and services, an
// invoice from the selected time, and settings offering to connect QuickBooks.
func TestNewFirmRecordsTimeAndInvoicesWithoutQuickBooks(t *testing.T) {
	a := newApp(t, false)
	s := newSession(t, a)

	s.run(chromedp.Navigate(a.url+"/signin"), chromedp.WaitVisible(chromedp.CSS("a.intuit")))
	s.mustSee("Sign in with Intuit")
	s.shot("signin")

	// A sign-up with a short password is refused beside the field, the rest kept.
	s.run(chromedp.Navigate(a.url+"/signup"),
		chromedp.SendKeys(chromedp.CSS("#f-firm_name"), "Browser Firm"), chromedp.SendKeys(chromedp.CSS("#f-first_name"), "Bea"),
		chromedp.SendKeys(chromedp.CSS("#f-last_name"), "Browser"), chromedp.SendKeys(chromedp.CSS("#f-email"), s.email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "short"),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("#e-password")))
	if got := eval[string](s, `document.querySelector("#f-firm_name").value`); got != "Browser Firm" {
		t.Fatalf("firm name after a refused sign-up = %q", got)
	}
	s.shot("signup-error")

	s.signUp()
	s.mustSee("Welcome to Hoursync", "Add a customer and a service first", "No time recorded this week yet")
	s.shot("timesheet-empty")

	s.run(chromedp.Navigate(a.url+"/customers"), chromedp.WaitVisible(chromedp.CSS("#f-display_name")))
	s.shot("customers-empty")
	s.addCustomerAndService()
	s.run(chromedp.Navigate(a.url+"/customers"), chromedp.WaitVisible(chromedp.CSS("#f-display_name")))
	s.mustSee("Globex", "Re-sync from QuickBooks")
	s.shot("customers")
	// A customer named like an existing one is refused beside the name.
	s.run(chromedp.SendKeys(chromedp.CSS("#f-display_name"), "globex"), chromedp.SendKeys(chromedp.CSS("#f-email"), "ap@globex.example"),
		chromedp.Click(chromedp.CSS(`form[action="/customers"] button.primary`)), chromedp.WaitVisible(chromedp.CSS("#e-display_name")))
	if got := eval[string](s, `document.querySelector("#f-email").value`); got != "ap@globex.example" {
		t.Fatalf("e-mail after a refused customer = %q", got)
	}
	s.run(chromedp.Navigate(a.url+"/services"), chromedp.WaitVisible(chromedp.CSS("#f-name")))
	s.mustSee("Consulting", "150.00")
	s.shot("services")

	// 25 hours in a day is refused beside the time field; everything typed stays.
	s.fillTime("2026-03-02", "25:00", "Kick-off workshop")
	s.run(chromedp.WaitVisible(chromedp.CSS("#e-hours")))
	if got := eval[string](s, `document.querySelector("#f-hours").value + "|" + document.querySelector("#f-notes").value + "|" + document.querySelector("#f-date").value`); got != "25:00|Kick-off workshop|2026-03-02" {
		t.Fatalf("the refused entry kept %q", got)
	}
	if !eval[bool](s, `document.activeElement.id == "f-hours" && document.querySelector("#f-customer_id").selectedOptions[0].textContent == "Globex"`) {
		t.Fatal("the refused entry lost its customer or the focus is not on the time")
	}
	s.shot("timesheet-error")

	for i, hours := range []string{"1:30", "2", "0:45"} {
		s.addTime(fmt.Sprintf("2026-03-0%d", 2+i), hours)
	}
	// A fourth entry, deleted again from its edit page after a confirmation.
	s.addTime("2026-03-05", "0:15")
	s.run(chromedp.Click(chromedp.CSS(`#cards tbody tr:last-child a[href$="/edit"]`)), chromedp.WaitVisible(chromedp.CSS(`button[value="delete"]`)))
	s.mustSee("Edit time")
	s.shot("timecard-edit")
	s.acceptConfirms()
	s.run(chromedp.Click(chromedp.CSS(`button[value="delete"]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	s.mustSee("Deleted 1 time")
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#cards table")))
	if n := eval[int](s, `document.querySelectorAll(".badge.never").length`); n != 3 {
		t.Fatalf("rows not synced = %d, want 3", n)
	}
	s.mustSee("4:15", "1:30", "0:45", "Sync with QuickBooks")
	s.shot("timesheet")

	// The week navigation moves by seven days and back.
	s.run(chromedp.Click(chromedp.CSS(`nav.week a:last-of-type`)), chromedp.WaitVisible(chromedp.CSS("#cards")))
	s.mustSee("2026-03-09", "No time recorded this week yet")
	s.run(chromedp.Click(chromedp.CSS(`nav.week a:first-of-type`)), chromedp.WaitVisible(chromedp.CSS("#cards table")))

	// One invoice line per time card: 1.5 h, 2 h and 0.75 h at $150.
	s.run(chromedp.Click(chromedp.CSS(`[data-select-all]`)), chromedp.SetValue(chromedp.CSS("#f-grouping"), "per_card"),
		chromedp.Click(chromedp.CSS(`button[value="invoice"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/sync"]`)))
	s.mustSee("created from the selected time", "225.00", "300.00", "112.50", "637.50", "Sync with QuickBooks")
	s.shot("invoice")
	// A line with a negative rate is refused on its row, and nothing is lost.
	invoicePath := eval[string](s, `location.pathname`)
	s.run(chromedp.SetValue(chromedp.CSS(`tbody tr:first-child input[name="line_rate"]`), "-5"),
		chromedp.Click(chromedp.CSS(`form[action="`+invoicePath+`"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(`.error`)))
	if got := eval[string](s, `document.querySelector('tbody tr:first-child input[name="line_rate"]').value`); got != "-5" {
		t.Fatalf("the refused rate shows %q", got)
	}

	s.run(chromedp.Navigate(a.url+"/invoices"), chromedp.WaitVisible(chromedp.CSS("main table")))
	s.mustSee("Globex", "637.50", "not synced")
	s.shot("invoices")

	// Billed time says so on the timesheet.
	s.run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#cards table")))
	if n := strings.Count(s.mainText(), "billed"); n < 3 {
		t.Fatalf("billed rows = %d, want 3", n)
	}

	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS("#f-time_zone")))
	s.mustSee("Connect with QuickBooks", "QuickBooks Income Account Name")
	s.shot("settings-not-connected")

	s.run(chromedp.Navigate(a.url+"/sync"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	s.mustSee("Nothing has synced yet")

	// Inviting someone with a bad address is refused beside the field.
	s.run(chromedp.Navigate(a.url+"/users"), chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-first_name"), "Carl"), chromedp.SendKeys(chromedp.CSS("#f-email"), "not-an-address"),
		chromedp.Click(chromedp.CSS(`form[action="/users/invite"] button.primary`)), chromedp.WaitVisible(chromedp.CSS("#e-email")))
	if got := eval[string](s, `document.querySelector("#f-first_name").value`); got != "Carl" {
		t.Fatalf("first name after a refused invitation = %q", got)
	}
	carl := s.invite("Carl", "Clerk")
	s.mustSee(carl)
	s.shot("users")
	s.run(chromedp.Navigate(a.url+"/dev/outbox"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	s.mustSee(carl)
	s.shot("outbox")
}

// invite invites a new member from the users page and returns their address.
func (s *session) invite(first, last string) string {
	s.t.Helper()
	email := testutil.UniqueName(strings.ToLower(first)) + "@example.com"
	s.run(chromedp.Navigate(s.a.url+"/users"), chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SetValue(chromedp.CSS("#f-email"), email), chromedp.SetValue(chromedp.CSS("#f-first_name"), first),
		chromedp.SetValue(chromedp.CSS("#f-last_name"), last),
		chromedp.Click(chromedp.CSS(`form[action="/users/invite"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	return email
}

// mailLink finds the first link to path in the mail shown on the outbox page.
func (s *session) mailLink(outbox, path string) string {
	s.t.Helper()
	s.run(chromedp.Navigate(s.a.url+outbox), chromedp.WaitVisible(chromedp.CSS("main h1")))
	link := eval[string](s, fmt.Sprintf(`document.querySelector("main").textContent.split(/\s+/).find(w => w.startsWith("http") && w.includes(%q)) || ""`, path))
	if link == "" {
		s.t.Fatalf("no link to %s in the outbox:\n%s", path, s.mainText())
	}
	return link
}

// TestInvitedPersonJoinsAndResetsTheirPassword follows the mail of the dev outbox:
// an invited member accepts the invitation (a short password refused beside the
// field), signs out, asks for a reset link, chooses a new password through it, and
// signs in with it after a wrong one is refused.
func TestInvitedPersonJoinsAndResetsTheirPassword(t *testing.T) {
	a := newApp(t, false)
	owner := newSession(t, a)
	owner.signUp()
	carl := owner.invite("Carl", "Clerk")
	link := owner.mailLink("/dev/outbox", "/invitations/accept?token=")

	s := newSession(t, a)
	s.email = carl
	s.run(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#f-password")))
	s.mustSee("Join Browser Firm")
	if got := eval[string](s, `document.querySelector("#f-first_name").value`); got != "Carl" {
		t.Fatalf("first name from the invitation = %q", got)
	}
	s.run(chromedp.SendKeys(chromedp.CSS("#f-password"), "short"), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#e-password")))
	s.shot("accept-invitation")
	s.run(chromedp.SendKeys(chromedp.CSS("#f-password"), "a long enough password"), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#cards")))
	s.mustSee("Welcome")
	if eval[bool](s, `document.querySelector('header a[href="/invoices"]') != null`) {
		t.Fatal("a member is offered the invoices")
	}

	s.run(chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS("a.intuit")),
		chromedp.Click(chromedp.CSS(`a[href="/forgot-password"]`)), chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), carl), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("main p")))
	s.mustSee("If this address has a login")
	reset := s.mailLink("/dev/outbox?to="+url.QueryEscape(carl), "/reset-password?token=")
	s.run(chromedp.Navigate(reset), chromedp.WaitVisible(chromedp.CSS("#f-password")),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "a brand new password"), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	s.mustSee("Your password is changed")

	s.run(chromedp.SendKeys(chromedp.CSS("#f-email"), carl), chromedp.SendKeys(chromedp.CSS("#f-password"), "a long enough password"),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("#e-password")))
	if got := eval[string](s, `document.querySelector("#f-email").value`); got != carl {
		t.Fatalf("e-mail after a refused sign-in = %q", got)
	}
	s.shot("signin-error")
	s.run(chromedp.SendKeys(chromedp.CSS("#f-password"), "a brand new password"), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#cards")))
}

// withoutJavaScript turns script execution off in the tab, as a person without
// JavaScript browses.
func withoutJavaScript() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return chromedp.Void{}, err
	}
}

// TestFormsWorkWithoutJavaScript records time and deletes it with scripts off: the
// server asks for the confirmation the dialog would have asked for.
func TestFormsWorkWithoutJavaScript(t *testing.T) {
	a := newApp(t, false)
	s := newSession(t, a)
	s.signUp()
	s.addCustomerAndService()
	s.run(withoutJavaScript())
	s.fillTime("2026-03-02", "1:15", "No script")
	s.run(chromedp.WaitVisible(chromedp.CSS(".flash")))
	s.mustSee("1:15", "No script")
	s.run(chromedp.Click(chromedp.CSS(`input[name="card_id"]`)), chromedp.Click(chromedp.CSS(`button[value="delete"]`)),
		chromedp.WaitVisible(chromedp.CSS("main button.danger")))
	s.mustSee("Delete 1 time entry?")
	s.shot("confirm-without-javascript")
	s.run(chromedp.Click(chromedp.CSS("main button.danger")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	s.mustSee("Deleted 1 time", "No time recorded this week yet")
}
