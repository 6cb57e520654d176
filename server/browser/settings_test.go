package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Item 5 of "Web UI: honest numbers, names not ids, and pages a bookkeeper
// understands": Settings explain themselves.

func TestSettingsFollowTheImportExplainTheScheduleAndShowTimesInTheAccountsZone(t *testing.T) {
	a := newApp(t, true)
	s := newSession(t, a)
	s.signUp()

	// Connecting follows the import live and says what it brought in.
	realm := a.newCompany("Zone Co", "Plus", s.email)
	a.approveNextConsent(realm)
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS(`form[action="/auth/intuit/connect"] button`)))
	s.submit(`form[action="/auth/intuit/connect"] button`)
	s.waitFor("the import's result", `location.pathname === "/settings" && location.search.includes("done=import")`)
	s.mustSee("Import from QuickBooks finished:", "imported")

	// The time zone: every IANA zone to choose from, typed with suggestions.
	if n := eval[int](s, `document.querySelectorAll("#time-zones option").length`); n < 400 {
		t.Fatalf("the time zone offers %d zones", n)
	}
	eval[bool](s, `document.querySelector("#f-time_zone").value = "America/New_York"; true`)
	s.submit(`form[action="/settings"] button.primary`)
	s.mustSee("Settings saved.")

	// The schedule says what it does and when it runs next, in the account's zone.
	s.run(chromedp.WaitVisible(chromedp.CSS("#schedule")))
	if got := s.text("#schedule-words"); !strings.Contains(got, "Every day Hoursync imports customers, services and income accounts") {
		t.Fatalf("the schedule says %q", got)
	}
	next := s.text("#schedule-next")
	if !strings.HasPrefix(next, "Next run: ") || !(strings.Contains(next, "EST") || strings.Contains(next, "EDT")) {
		t.Fatalf("the next run is %q, want a New York time", next)
	}

	// "Sync now" runs that re-sync; its run shows with its message.
	s.submit(`form[action="/settings/resync"] button`)
	s.syncStarted()
	s.reloadUntil("/settings", `document.querySelector("#scheduled-runs") != null && document.querySelector("#scheduled-runs").innerText.includes("Scheduled re-sync")`)
	if got := s.text("#scheduled-runs"); !strings.Contains(got, "ok") || !(strings.Contains(got, "EST") || strings.Contains(got, "EDT")) {
		t.Fatalf("the scheduled runs show %q", got)
	}

	// A hard end of the connection within 30 days is announced, with the button.
	u, err := a.store.FindUserByEmail(context.Background(), s.email)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Now().AddDate(0, 0, 12)
	if _, err := a.store.DB().ExecContext(context.Background(), `UPDATE qbo_connections SET refresh_hard_expires_at = $2 WHERE account_id = $1`,
		u.AccountID, end); err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS("#hard-expiry")))
	s.mustSee("Intuit ends this connection on " + end.In(ny).Format("2 Jan 2006") + ": reconnect before then.")
	s.run(chromedp.WaitVisible(chromedp.CSS(`#hard-expiry form[action="/auth/intuit/connect"] button`)))
	s.shot("settings-schedule")

	// Sync activity shows its times in the account's zone too.
	s.run(chromedp.Navigate(a.url+"/sync"), chromedp.WaitVisible(chromedp.CSS("main table")))
	if got := s.text("main table tbody td"); !(strings.Contains(got, "EST") || strings.Contains(got, "EDT")) {
		t.Fatalf("sync activity shows %q, want a New York time", got)
	}
}
