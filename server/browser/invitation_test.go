package browser

import (
	"context"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
)

// Item 9 of "Web UI: honest numbers, names not ids, and pages a bookkeeper
// understands": an invitation link that no longer works says why, plainly, and leads
// to sign-in.

func TestUsedOrExpiredInvitationSaysSoAndLinksToSignIn(t *testing.T) {
	a := newApp(t, false)
	owner := newSession(t, a)
	owner.signUp()
	carl := owner.invite("Carl", "Clerk")
	used := owner.mailLink("/dev/outbox?to="+url.QueryEscape(carl), "/invitations/accept?token=")
	dora := owner.invite("Dora", "Late")
	expired := owner.mailLink("/dev/outbox?to="+url.QueryEscape(dora), "/invitations/accept?token=")
	if _, err := a.store.DB().ExecContext(context.Background(),
		`UPDATE invitations SET expires_at = '2026-03-02 12:00:00+00' WHERE lower(email) = lower($1)`, dora); err != nil {
		t.Fatal(err)
	}

	s := newSession(t, a)
	s.run(chromedp.Navigate(used), chromedp.WaitVisible(chromedp.CSS("#f-password")),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "a long enough password"), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#cards")))

	other := newSession(t, a)
	other.run(chromedp.Navigate(used), chromedp.WaitVisible(chromedp.CSS("#invitation-dead")))
	other.mustSee("This invitation to Browser Firm was already used: its login exists. Sign in with it.")
	if eval[bool](other, `document.querySelector("#f-password") != null`) {
		t.Fatal("a used invitation still offers its form")
	}
	other.shot("invitation-used")

	other.run(chromedp.Navigate(expired), chromedp.WaitVisible(chromedp.CSS("#invitation-dead")))
	other.mustSee("This invitation to Browser Firm expired on 2 Mar 2026: ask whoever invited you for a new one.")
	other.run(chromedp.Click(chromedp.CSS(`main a[href="/signin"]`)), chromedp.WaitVisible(chromedp.CSS("#f-email")))
	if p := eval[string](other, `location.pathname`); p != "/signin" {
		t.Fatalf("the link leads to %s", p)
	}
}
