package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// The edit page of one time card (timecard_edit.html, with the timesheet's fields),
// and the form both it and the timesheet post.

// cardControls: the time card forms edit a card's minutes in their "hours" control.
var cardControls = controls{"minutes": "hours"}

// cardForm parses the add and edit forms of a time card into the input the JSON API
// decodes. The time is typed as h:mm, hours or minutes; one that reads as none of them
// is refused with the input's other errors, on its minutes.
func cardForm(f url.Values) timeCardInput {
	billable := f.Get("billable") == "true"
	in := timeCardInput{CustomerID: formNumber(f.Get("customer_id")), ServiceID: formNumber(f.Get("service_id")), Date: f.Get("date"),
		StartTime: f.Get("start_time"), EndTime: f.Get("end_time"), Billable: &billable, Notes: f.Get("notes")}
	if v := strings.TrimSpace(f.Get("user_id")); v != "" {
		id := formNumber(v)
		in.UserID = &id
	}
	if r := strings.TrimSpace(f.Get("rate")); r != "" {
		in.Rate = decimal{Text: r, Set: true}
	}
	if h := strings.TrimSpace(f.Get("hours")); h != "" {
		m, ok := minutesOf(h)
		if !ok {
			in.timeError = invalid("minutes", "time must look like 1:30 or 1.5 (or 90m for minutes)")
		} else {
			in.Minutes = &m
		}
	}
	return in
}

// minutesOf reads "1:30" (h:mm), "1.5" or "2" (hours, up to 100) or "90m" (minutes).
func minutesOf(v string) (int, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case strings.Contains(v, ":"):
		h, m, _ := strings.Cut(v, ":")
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(m)
		if err1 != nil || err2 != nil || mm < 0 || mm > 59 || hh < 0 {
			return 0, false
		}
		return hh*60 + mm, true
	case strings.HasSuffix(v, "m"):
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(v, "m")))
		return n, err == nil
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(strings.TrimSuffix(v, "h")), ",", "."), 64)
	if err != nil || f < 0 || f > 100 {
		return 0, false
	}
	return int(f*60 + 0.5), true
}

// cardValues are a card's values as the form shows them.
func cardValues(tc timeCardJSON) url.Values {
	f := url.Values{}
	f.Set("user_id", strconv.FormatInt(tc.UserID, 10))
	f.Set("customer_id", strconv.FormatInt(tc.CustomerID, 10))
	f.Set("service_id", strconv.FormatInt(tc.ServiceID, 10))
	f.Set("date", tc.Date)
	f.Set("hours", hm(tc.Minutes))
	if tc.StartTime != nil {
		f.Set("start_time", *tc.StartTime)
		f.Set("end_time", *tc.EndTime)
	}
	f.Set("rate", tc.Rate)
	f.Set("notes", tc.Notes)
	f.Set("billable", strconv.FormatBool(tc.Billable))
	return f
}

func (s *Server) uiEditCard(c *gin.Context) {
	id, err := formID(c)
	var tc timeCardJSON
	if err == nil {
		tc, err = s.app.GetTimeCard(c.Request.Context(), actorOf(c), id)
	}
	if err != nil {
		s.flashError(c, err)
		s.redirect(c, "/timesheet")
		return
	}
	s.editCard(c, http.StatusOK, tc.ID, cardValues(tc), nil)
}

func (s *Server) editCard(c *gin.Context, status int, id int64, f url.Values, e *apiError) {
	pd := s.pageData(c, "Edit time", "timesheet")
	d := &timesheetData{ID: id}
	if err := s.loadLists(c, d); err != nil {
		s.fail(c, err)
		return
	}
	pd.Data, pd.Form = d, f
	pd.setError(e)
	s.render(c, status, "timecard_edit", pd)
}

func (s *Server) uiUpdateCard(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	id, err := formID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	tc, err := s.app.UpdateTimeCard(c.Request.Context(), actorOf(c), id, cardForm(f))
	if err != nil {
		ae := s.toAPIError(c, err)
		if ae.Status == http.StatusNotFound && ae.Field == "" {
			s.fail(c, ae)
			return
		}
		s.editCard(c, http.StatusUnprocessableEntity, id, f, cardControls.on(ae))
		return
	}
	s.flash(c, "ok", "Time saved.")
	s.redirect(c, "/timesheet?week="+tc.Date)
}
