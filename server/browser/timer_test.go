package browser

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hoursync/internal/store"
)

// signIn signs the session's person in through the sign-in form.
func (s *session) signIn() {
	s.t.Helper()
	s.run(chromedp.Navigate(s.a.url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), s.email), chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("#cards")))
}

// startTimer starts a timer for Globex / Consulting from the timesheet's timer form.
func (s *session) startTimer(notes string) {
	s.t.Helper()
	s.run(chromedp.Navigate(s.a.url+"/timesheet"), chromedp.WaitVisible(chromedp.CSS("#f-timer_customer_id")))
	customer, service := s.optionValue("#f-timer_customer_id", "Globex"), s.optionValue("#f-timer_service_id", "Consulting")
	s.run(chromedp.SetValue(chromedp.CSS("#f-timer_customer_id"), customer), chromedp.SetValue(chromedp.CSS("#f-timer_service_id"), service),
		chromedp.SendKeys(chromedp.CSS("#f-timer_notes"), notes))
	s.submit("#timer-start")
	s.run(chromedp.WaitVisible(chromedp.CSS("#timer-running")))
}

// accountCards is every time card of the session's account, read from the store.
func (s *session) accountCards() (int64, []store.TimeCard) {
	s.t.Helper()
	ctx := context.Background()
	u, err := s.a.store.FindUserByEmail(ctx, s.email)
	if err != nil {
		s.t.Fatal(err)
	}
	cards, err := s.a.store.ListTimeCards(ctx, u.AccountID, store.TimeCardFilter{}, store.Page{Limit: 100})
	if err != nil {
		s.t.Fatal(err)
	}
	return u.ID, cards
}

// TestTimerStartedOnOneDeviceIsStoppedOnAnotherIntoOneCard starts a timer in one
// browser context (a laptop), sees it run on the page and in the header, ticking;
// signs the same person in from a second context (a phone), which shows the same
// timer and stops it; exactly one card exists, with start and end times. The laptop's
// stale Stop then records nothing more.
func TestTimerStartedOnOneDeviceIsStoppedOnAnotherIntoOneCard(t *testing.T) {
	a := newApp(t, false)
	laptop := newSession(t, a)
	laptop.signUp()
	laptop.addCustomerAndService()
	laptop.startTimer("Wireframes")
	laptop.mustSee("Timer started for Globex — Consulting.", "Globex — Consulting", "Wireframes", "Stop it and start this one")
	if !eval[bool](laptop, `!!document.querySelector("header #timer-on") && document.querySelector("#timer-running .timer-elapsed").textContent === "0:00"`) {
		t.Fatal("the header does not show the running timer, or it did not start at 0:00")
	}
	// app.js counts from what the server drew: drawn as 1:59 elapsed, both clocks show it
	// within a tick, without a reload.
	eval[bool](laptop, `document.querySelectorAll("[data-timer-elapsed]").forEach(e => e.setAttribute("data-timer-elapsed", "7140")); true`)
	laptop.waitFor("the timer to tick", `document.querySelector("#timer-running .timer-elapsed").textContent === "1:59" && document.querySelector("#timer-on .timer-elapsed").textContent === "1:59"`)
	// For the screenshot, the timer started 1 h 23 m ago (unless that was yesterday,
	// which would make the stop below ask first).
	userID, _ := laptop.accountCards()
	if now := time.Now().UTC(); now.Hour() >= 2 {
		if _, err := a.store.DB().Exec(`UPDATE timers SET started_at = started_at - interval '83 minutes' WHERE user_id = $1`, userID); err != nil {
			t.Fatal(err)
		}
	}
	// Every page shows that a timer runs.
	laptop.run(chromedp.Navigate(a.url+"/customers"), chromedp.WaitVisible(chromedp.CSS("header #timer-on")))
	laptop.run(chromedp.Navigate(a.url+"/timesheet"), chromedp.WaitVisible(chromedp.CSS("#timer-running")))
	laptop.shot("timer")

	phone := &session{t: t, a: a, ctx: tab(t), email: laptop.email}
	phone.signIn()
	if !eval[bool](phone, `!!document.querySelector("header #timer-on")`) {
		t.Fatal("the second device's header does not show the running timer")
	}
	phone.run(chromedp.WaitVisible(chromedp.CSS("#timer-running")))
	phone.mustSee("Globex — Consulting", "Wireframes", "elapsed")
	phone.submit("#timer-stop")
	phone.mustSee("Timer stopped:", "recorded for Globex — Consulting")
	if eval[bool](phone, `!!document.querySelector("#timer-running") || !!document.querySelector("#timer-on")`) {
		t.Fatal("the timer still shows after the stop")
	}
	_, cards := laptop.accountCards()
	if len(cards) != 1 {
		t.Fatalf("%d cards after the stop, want 1: %+v", len(cards), cards)
	}
	c := cards[0]
	if !c.StartTime.Valid || !c.EndTime.Valid || c.Minutes < 1 || c.Notes != "Wireframes" || c.UserID != userID || !c.Billable {
		t.Fatalf("the timer's card %+v", c)
	}
	if _, err := a.store.GetTimer(context.Background(), c.AccountID, userID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("timer after the stop: %v", err)
	}

	// The laptop still shows the timer it drew; its Stop finds none and records nothing.
	laptop.submit("#timer-stop")
	laptop.mustSee("No timer is running: it was stopped, perhaps on another device")
	if eval[bool](laptop, `!!document.querySelector("header #timer-on") || !!document.querySelector("#timer-running")`) {
		t.Fatal("the laptop shows a timer stopped on the phone")
	}
	if _, cards := laptop.accountCards(); len(cards) != 1 {
		t.Fatalf("%d cards after the second stop, want 1", len(cards))
	}
}

// TestForgottenTimerAsksBeforeSavingFourteenHours backdates a running timer by 14 h 05 m
// (as if left running overnight): Stop asks "This timer ran 14 h 05 m … save 14:05 on
// …, or enter the end time", and "Save 14:05" records 845 minutes on the day it started.
func TestForgottenTimerAsksBeforeSavingFourteenHours(t *testing.T) {
	a := newApp(t, false)
	s := newSession(t, a)
	s.signUp()
	s.addCustomerAndService()
	s.startTimer("Night shift")
	u, err := a.store.FindUserByEmail(context.Background(), s.email)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now().Add(-(14*time.Hour + 5*time.Minute))
	if _, err := a.store.DB().Exec(`UPDATE timers SET started_at = $3 WHERE account_id = $1 AND user_id = $2`, u.AccountID, u.ID, started); err != nil {
		t.Fatal(err)
	}
	s.run(chromedp.Navigate(a.url+"/timesheet"), chromedp.WaitVisible(chromedp.CSS("#timer-stop")))
	s.submit("#timer-stop")
	s.run(chromedp.WaitVisible(chromedp.CSS("#timer-confirm")))
	day := started.UTC().Format("Mon 2 Jan")
	s.mustSee("This timer ran 14 h 05 m", "save 14:05 on "+day+", or enter the end time", "Save 14:05 on "+day, "End time")
	s.shot("timer-confirm")
	if _, cards := s.accountCards(); len(cards) != 0 {
		t.Fatalf("an unconfirmed stop recorded %d cards", len(cards))
	}
	s.submit(`#timer-confirm button[value="elapsed"]`)
	s.mustSee("Timer stopped: 14:05 recorded for Globex — Consulting on " + day)
	_, cards := s.accountCards()
	if len(cards) != 1 || cards[0].Minutes != 845 || cards[0].Date() != started.UTC().Format(time.DateOnly) {
		t.Fatalf("cards after confirming: %+v", cards)
	}
}
