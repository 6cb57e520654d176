package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"hoursync/internal/store"
)

// The running timer's use cases. A person has one timer at most, kept in the database
// so it shows on every device; stopping it records a time card through the same
// validation and the same insert statement as recording time by hand, on the day it
// started in the account's time zone.

// A timer that ran past midnight or this long is not saved without the person's word:
// it was most likely forgotten.
const timerConfirmAfter = 12 * time.Hour

// timerStartInput is a timer to start, as the JSON body and the timesheet's timer form
// give it.
type timerStartInput struct {
	CustomerID int64  `json:"customer_id" openapi:"required"`
	ServiceID  int64  `json:"service_id" openapi:"required"`
	Notes      string `json:"notes"`
	Billable   *bool  `json:"billable"`
	// Switch stops the running timer (recording its time) and starts this one in one
	// transaction; without it a running timer is a 409.
	Switch bool `json:"switch"`
}

// timerStopInput is how to stop the timer: Confirm saves a timer that ran past
// midnight or longer than 12 hours as it ran; EndedAt ends it at another moment
// (RFC 3339, "2026-03-03T17:30" or "17:30" in the account's time zone, a clock time on
// the day the timer started, the next day when earlier than the start).
type timerStopInput struct {
	Confirm bool   `json:"confirm"`
	EndedAt string `json:"ended_at"`
}

// timerJSON is a running timer as the API answers it and the pages show it.
type timerJSON struct {
	ID           int64     `json:"id"`
	UserID       int64     `json:"user_id"`
	CustomerID   int64     `json:"customer_id"`
	CustomerName string    `json:"customer_name"`
	ServiceID    int64     `json:"service_id"`
	ServiceName  string    `json:"service_name"`
	Notes        string    `json:"notes"`
	Billable     bool      `json:"billable"`
	StartedAt    time.Time `json:"started_at"`
	// Date is the day it started in the account's time zone: its card's date.
	Date string `json:"date"`
	// Since is when it started in the account's time zone: "09:12" today, "Mon 2 Mar
	// 09:12" before.
	Since          string `json:"since"`
	ElapsedSeconds int64  `json:"elapsed_seconds"`
	// Elapsed is the elapsed time as h:mm.
	Elapsed string `json:"elapsed"`
	// Clock is the start's time of day in the account's zone: "09:12".
	Clock string `json:"-"`
	// NeedsConfirmation says a stop now would ask first (past midnight or over 12
	// hours), and what it would ask.
	NeedsConfirmation *timerFacts `json:"needs_confirmation,omitempty"`
}

// timerStartedJSON answers a start: the timer, and the card of the timer a switch
// stopped.
type timerStartedJSON struct {
	Timer       timerJSON     `json:"timer"`
	StoppedCard *timeCardJSON `json:"stopped_card"`
}

// timerFacts are what a stop needing confirmation tells: how long the timer ran, why it
// asks, and what saving it as it ran would record.
type timerFacts struct {
	Message        string    `json:"message"`
	StartedAt      time.Time `json:"started_at"`
	EndedAt        time.Time `json:"ended_at"`
	ElapsedMinutes int       `json:"elapsed_minutes"`
	PastMidnight   bool      `json:"past_midnight"`
	Over12Hours    bool      `json:"over_12_hours"`
	// Date is the day the card would have; SaveMinutes the minutes confirm saves (null
	// when over 24 hours, which only an end time can save).
	Date        string `json:"date"`
	SaveMinutes *int   `json:"save_minutes"`
	// Day is Date for people: "Tue 3 Mar"; Save is SaveMinutes as h:mm ("" when null).
	Day  string `json:"-"`
	Save string `json:"-"`
}

const codeTimerRunning, codeTimerConfirm = "timer_running", "timer_needs_confirmation"

// timerConfirmError is a stop (or switch) that needs the person's word first. It is
// an *apiError (409 timer_needs_confirmation) for every error path; the timer's
// handlers add the facts to the body.
type timerConfirmError struct {
	*apiError
	Facts timerFacts
}

func (e *timerConfirmError) Unwrap() error { return e.apiError }

// body is the error body's "error" object: the API's code and message, and the facts.
func (e *timerConfirmError) body() any {
	return struct {
		Code string `json:"code"`
		timerFacts
	}{Code: e.Code, timerFacts: e.Facts}
}

var errNoTimer = &apiError{Status: http.StatusNotFound, Code: codeNotFound, Message: "no timer is running: it was stopped, perhaps on another device"}

// timerOwner is whose timer a request means: the actor's own unless an admin names
// someone. A member naming someone else finds nothing, as with another's card.
func timerOwner(by actor, userID int64) (int64, error) {
	switch {
	case userID == 0 || userID == by.User.ID:
		return by.User.ID, nil
	case !by.admin():
		return 0, errNotFound
	}
	return userID, nil
}

// accountZone reads the account's time zone.
func (a *app) accountZone(ctx context.Context, accountID int64) (*time.Location, error) {
	acct, err := a.store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return zoneOf(acct.TimeZone), nil
}

// CurrentTimer is the running timer of the actor (or, for an admin, of userID); nil
// when none runs.
func (a *app) CurrentTimer(ctx context.Context, by actor, userID int64) (*timerJSON, error) {
	owner, err := timerOwner(by, userID)
	if err != nil {
		return nil, err
	}
	loc, err := a.accountZone(ctx, by.AccountID)
	if err != nil {
		return nil, err
	}
	return a.runningTimer(ctx, by.AccountID, owner, loc)
}

// runningTimer is a person's running timer shown in loc; nil when none runs.
func (a *app) runningTimer(ctx context.Context, accountID, userID int64, loc *time.Location) (*timerJSON, error) {
	t, err := a.store.GetTimer(ctx, accountID, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	out := toTimerJSON(t, loc, a.now())
	return &out, nil
}

func toTimerJSON(t store.Timer, loc *time.Location, now time.Time) timerJSON {
	start, today := t.StartedAt.In(loc), now.In(loc)
	elapsed := max(now.Sub(t.StartedAt), 0)
	since := start.Format("15:04")
	if start.Format(time.DateOnly) != today.Format(time.DateOnly) {
		since = start.Format("Mon 2 Jan 15:04")
	}
	secs := int64(elapsed / time.Second)
	out := timerJSON{ID: t.ID, UserID: t.UserID, CustomerID: t.CustomerID, CustomerName: t.CustomerName, ServiceID: t.ServiceID,
		ServiceName: t.ServiceName, Notes: t.Notes, Billable: t.Billable, StartedAt: t.StartedAt, Date: start.Format(time.DateOnly),
		Since: since, ElapsedSeconds: secs, Elapsed: fmt.Sprintf("%d:%02d", secs/3600, secs%3600/60), Clock: start.Format("15:04")}
	if f, ask := stopFacts(start, today); ask {
		out.NeedsConfirmation = &f
	}
	return out
}

// workName names a timer's work: "Acme — Design".
func workName(t store.Timer) string { return t.CustomerName + " — " + t.ServiceName }

// validate checks a timer to start without touching the database.
func (in timerStartInput) validate() (store.TimerInput, error) {
	var p problems
	if in.CustomerID <= 0 {
		p.add(invalid("customer_id", "choose a customer"))
	}
	if in.ServiceID <= 0 {
		p.add(invalid("service_id", "choose a service"))
	}
	p.add(checkText("notes", in.Notes, 0, 4000, "notes"))
	out := store.TimerInput{CustomerID: in.CustomerID, ServiceID: in.ServiceID, Notes: in.Notes, Billable: true}
	if in.Billable != nil {
		out.Billable = *in.Billable
	}
	return out, p.err()
}

// StartTimer starts the actor's timer now. While one runs it answers 409 naming it,
// unless in.Switch: then the running timer is stopped (its card recorded, asking first
// when it ran past midnight or over 12 hours) and the new one started in one
// transaction.
func (a *app) StartTimer(ctx context.Context, by actor, in timerStartInput) (timerStartedJSON, error) {
	next, err := in.validate()
	if err != nil {
		return timerStartedJSON{}, err
	}
	next.UserID, next.StartedAt = by.User.ID, a.now()
	loc, err := a.accountZone(ctx, by.AccountID)
	if err != nil {
		return timerStartedJSON{}, err
	}
	if in.Switch {
		running, err := a.store.GetTimer(ctx, by.AccountID, by.User.ID)
		switch {
		case err == nil:
			return a.switchTimer(ctx, by, running, next, loc)
		case !errors.Is(err, store.ErrNotFound):
			return timerStartedJSON{}, err
		}
	}
	t, err := a.store.StartTimer(ctx, by.AccountID, next)
	var running *store.TimerRunningError
	switch {
	case errors.As(err, &running):
		return timerStartedJSON{}, errTimerRunning(running.Running, loc, a.now())
	case err != nil:
		return timerStartedJSON{}, err
	}
	return timerStartedJSON{Timer: toTimerJSON(t, loc, a.now())}, nil
}

// switchTimer stops running and starts next in one transaction.
func (a *app) switchTimer(ctx context.Context, by actor, running store.Timer, next store.TimerInput, loc *time.Location) (timerStartedJSON, error) {
	card, err := timerCard(running, loc, next.StartedAt, timerStopInput{})
	if err != nil {
		return timerStartedJSON{}, err
	}
	card.EditApproved = by.admin() // as CreateTimeCard: only an admin's time may land in an approved week
	tc, t, err := a.store.SwitchTimer(ctx, running.AccountID, running.ID, card, next)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return timerStartedJSON{}, &apiError{Status: http.StatusConflict, Code: codeConflict,
			Message: "the running timer was stopped meanwhile, perhaps on another device; nothing changed: start the timer again"}
	case err != nil:
		return timerStartedJSON{}, err
	}
	stopped := toTimeCardJSON(tc)
	return timerStartedJSON{Timer: toTimerJSON(t, loc, a.now()), StoppedCard: &stopped}, nil
}

// errTimerRunning refuses a second timer, naming the first.
func errTimerRunning(t store.Timer, loc *time.Location, now time.Time) error {
	return &apiError{Status: http.StatusConflict, Code: codeTimerRunning,
		Message: fmt.Sprintf("A timer is already running for %s since %s; stop it first", workName(t), toTimerJSON(t, loc, now).Since)}
}

// StopTimer stops the actor's timer (or, for an admin, userID's), recording its card.
func (a *app) StopTimer(ctx context.Context, by actor, userID int64, in timerStopInput) (timeCardJSON, error) {
	_, tc, err := a.stopTimer(ctx, by, userID, in)
	return tc, err
}

// stopTimer is StopTimer, answering the timer it stopped too.
func (a *app) stopTimer(ctx context.Context, by actor, userID int64, in timerStopInput) (store.Timer, timeCardJSON, error) {
	owner, err := timerOwner(by, userID)
	if err != nil {
		return store.Timer{}, timeCardJSON{}, err
	}
	loc, err := a.accountZone(ctx, by.AccountID)
	if err != nil {
		return store.Timer{}, timeCardJSON{}, err
	}
	t, err := a.store.GetTimer(ctx, by.AccountID, owner)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Timer{}, timeCardJSON{}, errNoTimer
	case err != nil:
		return store.Timer{}, timeCardJSON{}, err
	}
	card, err := timerCard(t, loc, a.now(), in)
	if err != nil {
		return t, timeCardJSON{}, err
	}
	card.EditApproved = by.admin() // as CreateTimeCard: only an admin's time may land in an approved week
	tc, err := a.store.StopTimer(ctx, by.AccountID, t.ID, card)
	switch {
	case errors.Is(err, store.ErrNotFound): // stopped elsewhere a moment ago: its card exists once
		return t, timeCardJSON{}, errNoTimer
	case err != nil:
		return t, timeCardJSON{}, err
	}
	return t, toTimeCardJSON(tc), nil
}

// DiscardTimer throws the actor's timer (or, for an admin, userID's) away without
// recording time; timerID other than 0 discards it only if it is still that timer.
func (a *app) DiscardTimer(ctx context.Context, by actor, userID, timerID int64) error {
	owner, err := timerOwner(by, userID)
	if err != nil {
		return err
	}
	if err := a.store.DiscardTimer(ctx, by.AccountID, owner, timerID); errors.Is(err, store.ErrNotFound) {
		return errNoTimer
	} else if err != nil {
		return err
	}
	return nil
}

// stopFacts says whether a timer that started at start (in the account's zone) and
// ends at end needs the person's word before it is saved, and what to tell them.
func stopFacts(start, end time.Time) (timerFacts, bool) {
	elapsed := end.Sub(start)
	minutes := roundedMinutes(elapsed)
	f := timerFacts{StartedAt: start, EndedAt: end, ElapsedMinutes: minutes, Date: start.Format(time.DateOnly), Day: start.Format("Mon 2 Jan"),
		PastMidnight: end.Format(time.DateOnly) != start.Format(time.DateOnly), Over12Hours: elapsed > timerConfirmAfter}
	if !f.PastMidnight && !f.Over12Hours {
		return f, false
	}
	var why string
	switch {
	case f.PastMidnight && f.Over12Hours:
		why = "past midnight and longer than 12 hours"
	case f.PastMidnight:
		why = "past midnight"
	default:
		why = "longer than 12 hours"
	}
	ran := fmt.Sprintf("%d h %02d m", minutes/60, minutes%60)
	if minutes > 24*60 {
		f.Message = fmt.Sprintf("This timer ran %s, %s, more than a time card holds (24 hours) — enter the end time", ran, why)
		return f, true
	}
	f.SaveMinutes, f.Save = &minutes, hm(minutes)
	f.Message = fmt.Sprintf("This timer ran %s, %s — save %d:%02d on %s, or enter the end time", ran, why, minutes/60, minutes%60, f.Day)
	return f, true
}

// roundedMinutes is a duration in whole minutes, rounded to the nearest, at least 1.
func roundedMinutes(d time.Duration) int {
	return max(int((d+30*time.Second)/time.Minute), 1)
}

// timerCard is the card a stop at now records for t: on the day it started in loc,
// the minutes it ran rounded to the minute (at least 1), with its start and end times
// when it ended the same day. Past midnight or after 12 hours it needs in.Confirm or
// an end time (a *timerConfirmError otherwise).
func timerCard(t store.Timer, loc *time.Location, now time.Time, in timerStopInput) (store.TimeCardInput, error) {
	start, end := t.StartedAt.In(loc), now.In(loc)
	if strings.TrimSpace(in.EndedAt) != "" {
		var err error
		if end, err = timerEnd(in.EndedAt, start, now.In(loc)); err != nil {
			return store.TimeCardInput{}, err
		}
	} else if f, ask := stopFacts(start, end); ask && !in.Confirm {
		return store.TimeCardInput{}, &timerConfirmError{apiError: &apiError{Status: http.StatusConflict, Code: codeTimerConfirm, Message: f.Message}, Facts: f}
	}
	from := start
	if strings.TrimSpace(in.EndedAt) != "" {
		// A typed end is a clock time: count from the start's minute, so that 09:12
		// to 10:13 is the 61 minutes the person sees.
		from = start.Truncate(time.Minute)
	}
	minutes := roundedMinutes(end.Sub(from))
	if minutes > 24*60 {
		return store.TimeCardInput{}, invalid("ended_at", "a time card holds at most 24 hours, and this timer ran %d h %02d m: enter the end time", minutes/60, minutes%60)
	}
	billable := t.Billable
	card := timeCardInput{CustomerID: t.CustomerID, ServiceID: t.ServiceID, Date: start.Format(time.DateOnly), Billable: &billable, Notes: t.Notes}
	// The card's times are clock times of its one day: a timer that ended the next day
	// records only its minutes.
	at := start.Hour()*60 + start.Minute()
	if end.Format(time.DateOnly) == card.Date && at+minutes < 24*60 {
		card.StartTime, card.EndTime = clock(at), clock(at+minutes)
	} else {
		card.Minutes = &minutes
	}
	d, err := card.validate()
	if err != nil {
		return store.TimeCardInput{}, err
	}
	d.UserID = t.UserID
	return d.TimeCardInput, nil
}

// clock is minutes after midnight as HH:MM.
func clock(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// timerEnd reads the end time a person gave a timer that started at start, now being
// now (both in the account's zone): RFC 3339, a local date and time, or a local clock
// time on the start's day (the next day when not after the start).
func timerEnd(s string, start, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	loc := start.Location()
	end, err := time.Parse(time.RFC3339, s)
	if err != nil {
		end, err = time.ParseInLocation("2006-01-02T15:04", s, loc)
	}
	if err != nil {
		var c time.Time
		if c, err = time.Parse("15:04", s); err == nil && len(s) == 5 {
			y, m, d := start.Date()
			end = time.Date(y, m, d, c.Hour(), c.Minute(), 0, 0, loc)
			if !end.After(start) {
				end = time.Date(y, m, d+1, c.Hour(), c.Minute(), 0, 0, loc)
			}
		} else {
			err = errors.New("unreadable")
		}
	}
	switch {
	case err != nil:
		return end, invalid("ended_at", "the end time must be a time like 17:30, or a date and time like 2026-03-03T17:30")
	case !end.After(start):
		return end, invalid("ended_at", "the end time must be after the timer started (%s)", start.Format("Mon 2 Jan 15:04"))
	case end.After(now.Add(time.Minute)):
		return end, invalid("ended_at", "the end time cannot be later than now (%s)", now.Format("Mon 2 Jan 15:04"))
	}
	return end.In(loc), nil
}
