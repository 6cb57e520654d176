package browser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// signInWithIntuit presses "Sign in with Intuit" on the sign-in page and follows the
// browser through Intuit's consent (pre-answered, or approved on the emulator's page)
// back to Hoursync, signed in.
func (s *session) signInWithIntuit() {
	s.t.Helper()
	s.run(chromedp.Navigate(s.a.url+"/signin"), chromedp.WaitVisible(chromedp.CSS("a.intuit")))
	s.throughConsent(chromedp.Click(chromedp.CSS("a.intuit")), "/timesheet")
}

// throughConsent runs start, which leads to Intuit, and waits until the browser is
// back on Hoursync at path, approving the consent screen if it is shown rather than
// pre-answered.
func (s *session) throughConsent(start chromedp.Action[chromedp.Void], path string) {
	s.t.Helper()
	eval[bool](s, `window.formPageBefore = true; true`)
	s.run(start)
	approve := fmt.Sprintf(`(function () {
	  if (window.formPageBefore) { return false; }
	  if (location.origin === %q) { return location.pathname === %q && document.readyState === "complete"; }
	  const b = Array.from(document.querySelectorAll("button, input[type=submit]")).find(b => /approve|allow|connect|authori/i.test(b.textContent || b.value));
	  if (b) { b.click(); }
	  return false;
	})()`, s.a.url, path)
	s.waitFor("back from Intuit on "+path, approve)
}

// TestSignInWithIntuitImportsTheCompany is flow (1): a person with no login signs in
// with Intuit from the sign-in page, approves the company on the consent screen, and
// lands signed in with the company's customers and services imported.
func TestSignInWithIntuitImportsTheCompany(t *testing.T) {
	a := newApp(t, true)
	s := newSession(t, a)
	s.realm = a.newCompany("Intuit Sign-in Co", "Essentials", s.email)
	a.admin("POST", "/admin/companies/"+s.realm+"/entities/Customer", map[string]any{"DisplayName": "Initech"}, nil)
	a.admin("POST", "/admin/companies/"+s.realm+"/entities/Item", map[string]any{"Name": "Design", "Type": "Service",
		"UnitPrice": 120, "IncomeAccountRef": map[string]string{"value": "1"}}, nil)
	a.approveNextConsent(s.realm)

	s.signInWithIntuit()
	s.reloadUntil("/customers", `document.querySelector("main").innerText.includes("Initech")`)
	s.shot("customers-imported")
	s.reloadUntil("/services", `document.querySelector("main").innerText.includes("Design")`)
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	s.mustSee("Intuit Sign-in Co", "Disconnect from QuickBooks")
	s.shot("settings-connected")
}

// TestTimeCardsSyncFromTheTimesheet is flow (2): three times selected, "Sync with
// QuickBooks", live progress, the badges turn synced and QBO has three
// TimeActivities; sync activity links each sync to its workflow in the Temporal UI.
func TestTimeCardsSyncFromTheTimesheet(t *testing.T) {
	a := newApp(t, true)
	s := signUpConnected(t, a, "Plus")
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS("#f-income_account_name")))
	s.mustSee("Browser Co", "Disconnect from QuickBooks", "QuickBooks Income Account Name")
	s.shot("settings")
	for i, hours := range []string{"1:30", "2", "0:45"} {
		s.addTime(fmt.Sprintf("2026-03-0%d", 2+i), hours)
	}
	s.selectAllAnd("sync")
	s.syncStarted()
	s.shot("timesheet-syncing")
	// The page follows the sync and ends with the result, without a reload by hand.
	s.waitFor("the end of the sync", `location.search.includes("done=")`)
	s.mustSee("Sync finished: 3 synced")
	s.reloadUntil("/timesheet?week="+week, `document.querySelectorAll(".badge.synced").length == 3`)
	s.shot("timesheet-synced")
	if n := len(s.entities("TimeActivity")); n != 3 {
		t.Fatalf("TimeActivities in the emulator = %d", n)
	}

	// Edited after its sync, a card is "changed" and its re-sync updates the same
	// TimeActivity.
	s.run(chromedp.Click(chromedp.CSS(`#cards tbody tr:first-child a[href$="/edit"]`)), chromedp.WaitVisible(chromedp.CSS("#f-hours")),
		chromedp.SetValue(chromedp.CSS("#f-hours"), "3:00"), chromedp.Click(chromedp.CSS("main form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if n := eval[int](s, `document.querySelectorAll(".badge.changed").length`); n != 1 {
		t.Fatalf("changed rows after an edit = %d", n)
	}
	// "Re-sync changed and failed" with nothing selected picks the changed row.
	s.submit(`button[value="resync"]`)
	s.syncStarted()
	s.reloadUntil("/timesheet?week="+week, `document.querySelectorAll(".badge.synced").length == 3`)
	if tas := s.entities("TimeActivity"); len(tas) != 3 {
		t.Fatalf("TimeActivities after the re-sync = %d", len(tas))
	}

	s.run(chromedp.Navigate(a.url+"/sync"), chromedp.WaitVisible(chromedp.CSS("main table")))
	if !eval[bool](s, `Array.from(document.querySelectorAll("main a")).some(l => l.href.startsWith("http://127.0.0.1:8233/namespaces/default/workflows/"))`) {
		t.Fatalf("no link to the Temporal UI on the sync activity page:\n%s", s.mainText())
	}
	s.shot("sync")
}

// TestInvoiceFromTimeSyncEditResync is flow (3): an invoice from selected time syncs,
// a line is edited, and the re-sync updates the one QBO invoice to the new amount.
func TestInvoiceFromTimeSyncEditResync(t *testing.T) {
	a := newApp(t, true)
	s := signUpConnected(t, a, "Plus")
	s.addTime("2026-03-02", "2")
	s.addTime("2026-03-03", "1")
	s.selectAllAnd("invoice")
	s.run(chromedp.WaitVisible(chromedp.CSS(`form[action$="/sync"]`)))
	invoicePath := eval[string](s, `location.pathname`)
	s.submit(`form[action$="/sync"] button`)
	s.syncStarted()
	s.reloadUntil(invoicePath, `document.querySelector(".badge.synced") != null`)
	s.mustSee("open in QuickBooks", "Re-sync with QuickBooks")
	s.shot("invoice-synced")
	if inv := s.entities("Invoice"); len(inv) != 1 || fmt.Sprint(inv[0]["TotalAmt"]) != "450" {
		t.Fatalf("invoices in the emulator = %v", inv)
	}
	// Edit the line: 4 hours instead of 3, then re-sync to the same QBO invoice.
	s.run(chromedp.SetValue(chromedp.CSS(`input[name="line_quantity"]`), "4"),
		chromedp.Click(chromedp.CSS(`form[action="`+invoicePath+`"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if !eval[bool](s, `document.querySelector(".badge.changed") != null`) {
		t.Fatal("edited invoice is not marked changed")
	}
	s.submit(`form[action$="/sync"] button`)
	s.syncStarted()
	s.reloadUntil(invoicePath, `document.querySelector(".badge.synced") != null`)
	inv := s.entities("Invoice")
	if len(inv) != 1 || fmt.Sprint(inv[0]["TotalAmt"]) != "600" {
		t.Fatalf("after re-sync the emulator has %v", inv)
	}
	s.shot("invoice-edit")
	s.run(chromedp.Navigate(a.url+"/invoices"), chromedp.WaitVisible(chromedp.CSS("main table")))
	s.mustSee("600.00", "synced")
}

// TestRevokedGrantAsksToReconnect is flow (4): with the grant revoked at Intuit, a
// time sync fails with "Reconnect QuickBooks" and the button right there; after
// reconnecting, the same sync succeeds.
func TestRevokedGrantAsksToReconnect(t *testing.T) {
	a := newApp(t, true)
	s := signUpConnected(t, a, "Plus")
	s.addTime("2026-03-02", "1")
	a.admin("POST", "/admin/faults", map[string]any{"realmId": s.realm, "kind": "revoke", "count": 1}, nil)

	s.selectAllAnd("sync")
	s.reloadUntil("/timesheet?week="+week, `document.querySelector(".badge.failed") != null`)
	s.mustSee("Reconnect QuickBooks")
	s.shot("timesheet-reconnect")
	if n := len(s.entities("TimeActivity")); n != 0 {
		t.Fatalf("TimeActivities written without a grant: %d", n)
	}

	a.approveNextConsent(s.realm)
	s.throughConsent(chromedp.Click(chromedp.CSS(`form[action="/auth/intuit/connect"] button`)), "/settings")
	s.mustSee("Connected to QuickBooks")

	s.selectAllAnd("sync")
	s.reloadUntil("/timesheet?week="+week, `document.querySelectorAll(".badge.synced").length == 1`)
	if n := len(s.entities("TimeActivity")); n != 1 {
		t.Fatalf("TimeActivities after reconnecting = %d", n)
	}
}

// TestSimpleStartRefusesTimeSyncButSyncsInvoices is flow (5): on Simple Start the
// time sync fails with the plan message and writes nothing; the invoice syncs.
func TestSimpleStartRefusesTimeSyncButSyncsInvoices(t *testing.T) {
	a := newApp(t, true)
	s := signUpConnected(t, a, "SimpleStart")
	s.addTime("2026-03-02", "1")
	s.selectAllAnd("sync")
	s.syncStarted()
	s.reloadUntil("/timesheet?week="+week, `document.querySelector(".badge.failed") != null`)
	s.mustSee("Time sync needs QuickBooks Online Essentials or better")
	s.shot("timesheet-plan-message")
	if n := len(s.entities("TimeActivity")); n != 0 {
		t.Fatalf("TimeActivities written on Simple Start: %d", n)
	}
	// Invoices sync on every plan.
	s.selectAllAnd("invoice")
	s.run(chromedp.WaitVisible(chromedp.CSS(`form[action$="/sync"]`)))
	invoicePath := eval[string](s, `location.pathname`)
	s.submit(`form[action$="/sync"] button`)
	s.syncStarted()
	s.reloadUntil(invoicePath, `document.querySelector(".badge.synced") != null`)
	if n := len(s.entities("Invoice")); n != 1 {
		t.Fatalf("invoices in the emulator = %d", n)
	}
}

// TestDisconnectFromSettings is flow (6): "Disconnect from QuickBooks" asks first,
// then settings offer "Connect with QuickBooks" again.
func TestDisconnectFromSettings(t *testing.T) {
	a := newApp(t, true)
	s := signUpConnected(t, a, "Plus")
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS(`form[action="/settings/disconnect"]`)))
	// Cancelling the confirmation keeps the connection.
	eval[bool](s, `window.confirm = () => false; true`)
	s.run(chromedp.Click(chromedp.CSS(`form[action="/settings/disconnect"] button`)))
	s.mustSee("Disconnect from QuickBooks")
	s.acceptConfirms()
	s.run(chromedp.Click(chromedp.CSS(`form[action="/settings/disconnect"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	s.reloadUntil("/settings", `document.querySelector("main").innerText.includes("Connect with QuickBooks")`)
	s.shot("settings-disconnected")
}

// TestConnectWithQuickBooksFromSettings covers the other Intuit paths: a firm that
// signed up with a password connects from settings; a second firm is refused the same
// company with a message saying why; the company's admin opening Hoursync from
// QuickBooks (App Store launch) is signed in as the same person.
func TestConnectWithQuickBooksFromSettings(t *testing.T) {
	a := newApp(t, true)
	s := newSession(t, a)
	s.signUp()
	s.realm = a.newCompany("Connect Co", "Essentials", s.email)
	a.approveNextConsent(s.realm)
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS(`form[action="/auth/intuit/connect"] button`)))
	s.mustSee("Not connected", "Connect with QuickBooks")
	s.throughConsent(chromedp.Click(chromedp.CSS(`form[action="/auth/intuit/connect"] button`)), "/settings")
	s.mustSee("Connected to QuickBooks", "Connect Co", "Disconnect from QuickBooks")
	s.shot("settings-connected")

	other := newSession(t, a)
	other.signUp()
	a.approveNextConsent(s.realm)
	other.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS(`form[action="/auth/intuit/connect"] button`)))
	other.throughConsent(chromedp.Click(chromedp.CSS(`form[action="/auth/intuit/connect"] button`)), "/settings")
	other.mustSee("already connected to another Hoursync account", "Connect with QuickBooks")

	launched := newSession(t, a)
	a.approveNextConsent(s.realm)
	launched.run(chromedp.Navigate(a.url + "/signin"))
	launched.throughConsent(chromedp.Navigate(a.url+"/qbo/launch"), "/timesheet")
	if who := eval[string](launched, `document.querySelector("header .who").textContent`); !strings.Contains(who, "Browser Firm") {
		t.Fatalf("launched from QuickBooks as %q", who)
	}
}
