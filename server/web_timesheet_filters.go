package server

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// timesheetFilter is what the timesheet shows: a week (the default) or any range of
// dates (from, to), narrowed by person (admins), customer, service, billable and sync
// state. It lives in the URL (the filters are a GET form) and rides along, as hidden
// inputs, in the forms under the table, so every action returns to the same view.
type timesheetFilter struct {
	Week, From, To                string
	UserID, CustomerID, ServiceID int64
	// Billable is "true", "false" or "" (both).
	Billable string
	Status   string
}

// maxRangeDays bounds a range the page lists at once.
const maxRangeDays = 366

// timesheetFilterOf reads the filters from a query string or a posted form; a person
// is a filter for admins only (members see their own time).
func timesheetFilterOf(v url.Values, admin bool) timesheetFilter {
	f := timesheetFilter{Week: strings.TrimSpace(v.Get("week")), From: strings.TrimSpace(v.Get("from")), To: strings.TrimSpace(v.Get("to")),
		CustomerID: positive(v.Get("customer_id")), ServiceID: positive(v.Get("service_id"))}
	if admin {
		f.UserID = positive(v.Get("user_id"))
	}
	if b := v.Get("billable"); b == "true" || b == "false" {
		f.Billable = b
	}
	if slices.Contains(timeCardStatuses, v.Get("status")) {
		f.Status = v.Get("status")
	}
	return f
}

// positive is a posted id, or 0 when it is none.
func positive(v string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// ranged reports whether the filter is a range of dates rather than a week.
func (f timesheetFilter) ranged() bool { return f.From != "" || f.To != "" }

// narrowing is the filters other than the dates.
func (f timesheetFilter) narrowing() url.Values {
	v := url.Values{}
	for name, id := range map[string]int64{"user_id": f.UserID, "customer_id": f.CustomerID, "service_id": f.ServiceID} {
		if id != 0 {
			v.Set(name, strconv.FormatInt(id, 10))
		}
	}
	if f.Billable != "" {
		v.Set("billable", f.Billable)
	}
	if f.Status != "" {
		v.Set("status", f.Status)
	}
	return v
}

// values is the whole filter as a query.
func (f timesheetFilter) values() url.Values {
	v := f.narrowing()
	if f.ranged() {
		v.Set("from", f.From)
		v.Set("to", f.To)
	} else if f.Week != "" {
		v.Set("week", f.Week)
	}
	return v
}

// path is the timesheet showing this filter.
func (f timesheetFilter) path() string {
	if v := f.values(); len(v) > 0 {
		return "/timesheet?" + v.Encode()
	}
	return "/timesheet"
}

// query is the filter as the list use case takes it; a range missing one end is a
// week from the other.
func (f timesheetFilter) query() timeCardQuery {
	q := timeCardQuery{Week: f.Week, UserID: f.UserID, CustomerID: f.CustomerID, ServiceID: f.ServiceID, Status: f.Status}
	if f.ranged() {
		q.Week, q.From, q.To = "", f.From, f.To
		if q.From == "" {
			q.From = shiftDate(f.To, -6)
		}
		if q.To == "" {
			q.To = shiftDate(f.From, 6)
		}
	}
	if f.Billable != "" {
		b := f.Billable == "true"
		q.Billable = &b
	}
	return q
}

// shiftDate moves a YYYY-MM-DD date by days; one that is not a date stays as it is
// (the list refuses it on its field).
func shiftDate(date string, days int) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return d.AddDate(0, 0, days).Format(time.DateOnly)
}

// checkRange refuses a range the page would not list at once, on "to".
func checkRange(q timeCardQuery) error {
	from, err1 := time.Parse(time.DateOnly, q.From)
	to, err2 := time.Parse(time.DateOnly, q.To)
	if err1 == nil && err2 == nil && to.Sub(from) > maxRangeDays*24*time.Hour {
		return invalid("to", "show at most a year at a time")
	}
	return nil
}
