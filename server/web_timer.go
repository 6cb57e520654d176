package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The running timer on the web (timer.html, drawn on the timesheet): start, stop
// (asking first when it ran past midnight or over 12 hours) and discard forms, and
// the "timer running" link every page's header shows (layout.html), so another
// device sees it.

// timerControls are the timer form's controls: its names differ from the add-time
// form's on the same page, so each form shows only its own errors.
var timerControls = controls{"customer_id": "timer_customer_id", "service_id": "timer_service_id", "notes": "timer_notes"}

// loadTimer is the signed-in person's running timer for the header, nil when none
// runs (or it cannot be read: the page still draws).
func (s *Server) loadTimer(c *gin.Context, me *sessionJSON) *timerJSON {
	t, err := s.app.runningTimer(c.Request.Context(), me.Account.ID, me.User.ID, zoneOf(me.Account.TimeZone))
	if err != nil {
		s.log.WarnContext(c.Request.Context(), "read running timer", "request_id", requestID(c), "err", err)
		return nil
	}
	return t
}

// TimerAsking reports whether the timer block shows the stop's question (the timer
// ran past midnight or over 12 hours) with its confirm form.
func (pd *pageData) TimerAsking() bool {
	return pd.Timer != nil && pd.Timer.NeedsConfirmation != nil && pd.Form.Get("timer_asking") == "1"
}

// uiStartTimer starts the timer from the timesheet's form; "switch" stops the running
// one first.
func (s *Server) uiStartTimer(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	billable := f.Get("timer_billable") == "true"
	in := timerStartInput{CustomerID: formNumber(f.Get("timer_customer_id")), ServiceID: formNumber(f.Get("timer_service_id")),
		Notes: f.Get("timer_notes"), Billable: &billable, Switch: f.Get("switch") == "1"}
	out, err := s.app.StartTimer(c.Request.Context(), actorOf(c), in)
	if err != nil {
		s.timerFormFailed(c, f, err)
		return
	}
	msg := fmt.Sprintf("Timer started for %s — %s.", out.Timer.CustomerName, out.Timer.ServiceName)
	if sc := out.StoppedCard; sc != nil {
		msg = fmt.Sprintf("Recorded %s of the previous timer on %s; timer started for %s — %s.", hm(sc.Minutes), dayName(sc.Date),
			out.Timer.CustomerName, out.Timer.ServiceName)
	}
	s.flash(c, "ok", msg)
	s.redirect(c, timerBack(c, "", "#timer"))
}

// timerBack is the page a timer form came from (the timesheet, or its weekly grid with
// back=grid), at the week of day ("": this week) and the fragment.
func timerBack(c *gin.Context, day, fragment string) string {
	page := "/timesheet"
	if c.PostForm("back") == "grid" {
		page = "/timesheet/grid"
	}
	if day != "" {
		page += "?week=" + url.QueryEscape(day)
	}
	return page + fragment
}

// uiStopTimer stops the timer. A timer that ran past midnight or over 12 hours draws
// the timesheet again asking what to save: as it ran (confirm) or up to an end time.
func (s *Server) uiStopTimer(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	in := timerStopInput{Confirm: f.Get("confirm") == "true", EndedAt: f.Get("ended_at")}
	var err error
	switch f.Get("save") {
	case "elapsed": // "Save 14:05": as it ran, whatever the end time field holds
		in.EndedAt = ""
	case "end":
		if strings.TrimSpace(in.EndedAt) == "" {
			err = invalid("ended_at", "enter the end time")
		}
	}
	if err == nil {
		var t store.Timer
		var tc timeCardJSON
		t, tc, err = s.app.stopTimer(c.Request.Context(), actorOf(c), 0, in)
		if err == nil {
			s.flash(c, "ok", fmt.Sprintf("Timer stopped: %s recorded for %s on %s.", hm(tc.Minutes), workName(t), dayName(tc.Date)))
			s.redirect(c, timerBack(c, tc.Date, ""))
			return
		}
	}
	s.timerFormFailed(c, f, err)
}

// uiDiscardTimer throws the timer shown away (after a confirmation).
func (s *Server) uiDiscardTimer(c *gin.Context) {
	_ = c.Request.ParseForm()
	if !s.confirmed(c, "timesheet", timerBack(c, "", "#timer"), confirmData{Question: "Discard the running timer?",
		Detail: "Nothing is recorded: the time since it started is thrown away.", Yes: "Discard"}) {
		return
	}
	id, _ := strconv.ParseInt(c.PostForm("timer_id"), 10, 64)
	if s.failedBack(c, timerBack(c, "", "#timer"), s.app.DiscardTimer(c.Request.Context(), actorOf(c), 0, id)) {
		return
	}
	s.flash(c, "ok", "Timer discarded; nothing was recorded.")
	s.redirect(c, timerBack(c, "", ""))
}

// timerFormFailed draws the timesheet again after a timer form failed: the stop's
// question, or the error beside its field with what was typed kept, or (an error on no
// field, such as a timer already running) above the page.
func (s *Server) timerFormFailed(c *gin.Context, f url.Values, err error) {
	form := url.Values{}
	for k, v := range f {
		if k != formCSRF {
			form[k] = v
		}
	}
	// The add-time form on the same page keeps its defaults.
	form.Set("date", s.app.today(s.accountTimeZone(c)).Format(time.DateOnly))
	form.Set("user_id", strconv.FormatInt(actorOf(c).User.ID, 10))
	form.Set("billable", "true")
	var ce *timerConfirmError
	if errors.As(err, &ce) {
		form.Set("timer_asking", "1")
		s.timesheet(c, http.StatusConflict, form, nil)
		return
	}
	ae := timerControls.on(s.toAPIError(c, err))
	if fieldError(ae, "ended_at") != "" {
		form.Set("timer_asking", "1")
	}
	if !timerFields[ae.Field] {
		// About no control of the timer's forms (a week approved and locked names the
		// card's date): above the page, not beside the add-time form's field.
		top := *ae
		top.Field, top.Fields = "", nil
		ae = &top
	}
	s.timesheet(c, ae.Status, form, ae)
}

// timerFields are the controls of the timer's forms, where their errors show.
var timerFields = map[string]bool{"timer_customer_id": true, "timer_service_id": true, "timer_notes": true, "ended_at": true}

// accountTimeZone is the signed-in person's account's time zone ("UTC" if unread).
func (s *Server) accountTimeZone(c *gin.Context) string {
	acct, err := s.app.Settings(c.Request.Context(), actorOf(c))
	if err != nil {
		return "UTC"
	}
	return acct.TimeZone
}
