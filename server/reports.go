package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hoursync/internal/store"
)

// The report use case (issue 20): the time of any date range summed in total, by
// customer, service, person, date or week, and per week for the chart, with the
// billable amount, the billable time on no invoice (work in progress) and how much is
// synced with QuickBooks. The page (web_reports.go), its CSV exports and the JSON API
// (api_reports.go) all read it. Members see only their own time.

// reportQuery is a report's filters as the query string of the page, the CSV or the
// API sends them; empty values take their defaults.
type reportQuery struct {
	// From and To are the range's first and last dates (YYYY-MM-DD, in the account's
	// time zone): default this month; one without the other, its month.
	From, To string
	// CustomerID, ServiceID and UserID narrow to one customer, service or person.
	CustomerID, ServiceID, UserID string
	// Billable is all (the default), billable or non_billable.
	Billable string
	// Sync is all (the default), synced or not_synced.
	Sync string
	// GroupBy is customer (the default), service, person, date or week.
	GroupBy string
}

// Report filter choices.
const (
	choiceAll         = "all"
	choiceBillable    = "billable"
	choiceNonBillable = "non_billable"
	choiceSynced      = "synced"
	choiceNotSynced   = "not_synced"
)

// maxReportYears is the longest range a report covers.
const maxReportYears = 5

// reportQueryOf reads the filters from a query string.
func reportQueryOf(v url.Values) reportQuery {
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	return reportQuery{From: get("from"), To: get("to"), CustomerID: get("customer_id"), ServiceID: get("service_id"),
		UserID: get("user_id"), Billable: get("billable"), Sync: get("sync"), GroupBy: get("group_by")}
}

// values is the query string of q as chosen (defaults left out), for links.
func (q reportQuery) values() url.Values {
	v := url.Values{}
	set := func(name, value, zero string) {
		if value != "" && value != zero {
			v.Set(name, value)
		}
	}
	set("from", q.From, "")
	set("to", q.To, "")
	set("customer_id", q.CustomerID, "0")
	set("service_id", q.ServiceID, "0")
	set("user_id", q.UserID, "0")
	set("billable", q.Billable, choiceAll)
	set("sync", q.Sync, choiceAll)
	set("group_by", q.GroupBy, store.GroupByCustomer)
	return v
}

// badQuery refuses a query parameter: 400 on its field.
func badQuery(field, format string, args ...any) *apiError {
	e := invalid(field, format, args...)
	e.Status, e.Code = http.StatusBadRequest, codeBadRequest
	return e
}

// reportRange reads the range, defaulting to the month of today in the account's zone.
func (a *app) reportRange(p *problems, q reportQuery, tz string) (from, to time.Time) {
	var errFrom, errTo error
	from, errFrom = parseDate("from", q.From, false)
	to, errTo = parseDate("to", q.To, false)
	for _, err := range []error{errFrom, errTo} {
		if ae, ok := err.(*apiError); ok {
			p.add(badQuery(ae.Field, "%s", ae.Message))
		}
	}
	if errFrom != nil || errTo != nil {
		return from, to
	}
	monthOf := func(d time.Time) (time.Time, time.Time) {
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		return first, first.AddDate(0, 1, -1)
	}
	switch {
	case from.IsZero() && to.IsZero():
		from, to = monthOf(a.today(tz))
	case to.IsZero():
		_, to = monthOf(from)
	case from.IsZero():
		from, _ = monthOf(to)
	}
	switch {
	case to.Before(from):
		p.add(badQuery("to", "the last date is before the first date (%s)", from.Format(time.DateOnly)))
	case !to.Before(from.AddDate(maxReportYears, 0, 0)):
		p.add(badQuery("to", "a report covers at most %d years: choose a last date before %s", maxReportYears,
			from.AddDate(maxReportYears, 0, 0).Format(time.DateOnly)))
	}
	return from, to
}

// reportID reads an optional id filter.
func reportID(p *problems, field, v string) int64 {
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		p.add(badQuery(field, "%s must be the id of one of the lists (a whole number)", words(field)))
		return 0
	}
	return id
}

// reportChoice reads a choice among options; "" is the first.
func reportChoice(p *problems, field, v string, options ...string) string {
	if v == "" {
		return options[0]
	}
	for _, o := range options {
		if v == o {
			return v
		}
	}
	p.add(badQuery(field, "%s is one of %s", words(field), strings.Join(options, ", ")))
	return options[0]
}

// errOnlyYourTime refuses a member a report of someone else's time.
var errOnlyYourTime = &apiError{Status: http.StatusForbidden, Code: codeForbidden, Field: "user_id", Message: "you can see only your own time"}

// reportScope is a validated report query: the store's filter and the choices made.
type reportScope struct {
	filter         store.ReportFilter
	groupBy        string
	billable, sync string
	account        store.Account
}

// reportScopeOf validates q into the store's filter and the grouping, for the actor:
// a member's report is always of their own time.
func (a *app) reportScopeOf(ctx context.Context, by actor, q reportQuery) (reportScope, error) {
	acct, err := a.store.GetAccount(ctx, by.AccountID)
	if err != nil {
		return reportScope{}, err
	}
	var p problems
	sc := reportScope{account: acct, filter: store.ReportFilter{WeekStart: acct.WeekStart}}
	f := &sc.filter
	f.From, f.To = a.reportRange(&p, q, acct.TimeZone)
	f.CustomerID = reportID(&p, "customer_id", q.CustomerID)
	f.ServiceID = reportID(&p, "service_id", q.ServiceID)
	f.UserID = reportID(&p, "user_id", q.UserID)
	yes, no := true, false
	sc.billable = reportChoice(&p, "billable", q.Billable, choiceAll, choiceBillable, choiceNonBillable)
	switch sc.billable {
	case choiceBillable:
		f.Billable = &yes
	case choiceNonBillable:
		f.Billable = &no
	}
	sc.sync = reportChoice(&p, "sync", q.Sync, choiceAll, choiceSynced, choiceNotSynced)
	switch sc.sync {
	case choiceSynced:
		f.Synced = &yes
	case choiceNotSynced:
		f.Synced = &no
	}
	sc.groupBy = reportChoice(&p, "group_by", q.GroupBy, store.ReportGroupings...)
	if err := p.err(); err != nil {
		return sc, err
	}
	if !by.admin() {
		if f.UserID != 0 && f.UserID != by.User.ID {
			return sc, errOnlyYourTime
		}
		f.UserID = by.User.ID
	}
	return sc, nil
}

// reportHead is the report's description without its figures.
func (a *app) reportHead(ctx context.Context, by actor, sc reportScope) reportJSON {
	f := sc.filter
	return reportJSON{From: f.From.Format(time.DateOnly), To: f.To.Format(time.DateOnly), TimeZone: sc.account.TimeZone,
		WeekStart: sc.account.WeekStart, GroupBy: sc.groupBy, Currency: a.accountCurrency(ctx, by.AccountID),
		Filters: reportFiltersJSON{CustomerID: f.CustomerID, ServiceID: f.ServiceID, UserID: f.UserID, Billable: sc.billable, Sync: sc.sync}}
}

// reportJSON is a report as answered.
type reportJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
	// TimeZone is the account's: dates are days in it. Weeks start on WeekStart (0 is
	// Sunday).
	TimeZone  string            `json:"time_zone"`
	WeekStart int               `json:"week_start"`
	GroupBy   string            `json:"group_by"`
	Filters   reportFiltersJSON `json:"filters"`
	// Currency is the account's (its QuickBooks company's home currency; USD before
	// one is connected): every amount is in it.
	Currency string            `json:"currency"`
	Totals   reportFiguresJSON `json:"totals"`
	Groups   []reportGroupJSON `json:"groups"`
	// Weeks is every week the range touches, in order, with or without time.
	Weeks []reportWeekJSON `json:"weeks"`
}

// reportFiltersJSON are the filters the report applied (0: not narrowed).
type reportFiltersJSON struct {
	CustomerID int64  `json:"customer_id"`
	ServiceID  int64  `json:"service_id"`
	UserID     int64  `json:"user_id"`
	Billable   string `json:"billable"`
	Sync       string `json:"sync"`
}

// reportFiguresJSON are the sums of a set of time cards. Hours are decimal hours with
// two decimals; amounts are decimal strings with two decimals in the report's
// currency, each card's amount (minutes × rate) rounded half up to the cent once.
type reportFiguresJSON struct {
	Entries            int64  `json:"entries"`
	Minutes            int64  `json:"minutes"`
	Hours              string `json:"hours"`
	BillableMinutes    int64  `json:"billable_minutes"`
	BillableHours      string `json:"billable_hours"`
	NonBillableMinutes int64  `json:"non_billable_minutes"`
	NonBillableHours   string `json:"non_billable_hours"`
	BillableAmount     string `json:"billable_amount"`
	BillableCents      int64  `json:"billable_cents"`
	// Unbilled is billable time on no invoice yet: work in progress.
	UnbilledMinutes int64  `json:"unbilled_minutes"`
	UnbilledAmount  string `json:"unbilled_amount"`
	UnbilledCents   int64  `json:"unbilled_cents"`
	// Synced is time whose QuickBooks state is synced; not synced is the rest (never
	// synced, changed since, syncing, failed).
	SyncedEntries    int64 `json:"synced_entries"`
	SyncedMinutes    int64 `json:"synced_minutes"`
	NotSyncedEntries int64 `json:"not_synced_entries"`
	NotSyncedMinutes int64 `json:"not_synced_minutes"`
}

// reportGroupJSON is one row of the grouping: a customer, service or person (id and
// name) or a date or week (its first day in date; name as people read it).
type reportGroupJSON struct {
	ID   int64  `json:"id,omitempty"`
	Date string `json:"date,omitempty"`
	Name string `json:"name"`
	reportFiguresJSON
}

// reportWeekJSON is one week of the chart: Start is its first day, which may lie
// before the range (the figures count only the range's days).
type reportWeekJSON struct {
	Start              string `json:"start"`
	Minutes            int64  `json:"minutes"`
	BillableMinutes    int64  `json:"billable_minutes"`
	NonBillableMinutes int64  `json:"non_billable_minutes"`
}

// reportHours writes minutes as hours with two decimals, rounded half up: 90 → "1.50".
func reportHours(minutes int64) string { return formatFixed((minutes*100+30)/60, 2) }

// reportClock writes minutes as h:mm: 90 → "1:30".
func reportClock(minutes int64) string {
	return strconv.FormatInt(minutes/60, 10) + ":" + strconv.FormatInt(minutes%60/10, 10) + strconv.FormatInt(minutes%10, 10)
}

func toReportFigures(f store.ReportFigures) reportFiguresJSON {
	return reportFiguresJSON{Entries: f.Entries, Minutes: f.Minutes, Hours: reportHours(f.Minutes),
		BillableMinutes: f.BillableMinutes, BillableHours: reportHours(f.BillableMinutes),
		NonBillableMinutes: f.NonBillableMinutes(), NonBillableHours: reportHours(f.NonBillableMinutes()),
		BillableAmount: money(f.BillableCents), BillableCents: f.BillableCents,
		UnbilledMinutes: f.UnbilledMinutes, UnbilledAmount: money(f.UnbilledCents), UnbilledCents: f.UnbilledCents,
		SyncedEntries: f.SyncedEntries, SyncedMinutes: f.SyncedMinutes,
		NotSyncedEntries: f.Entries - f.SyncedEntries, NotSyncedMinutes: f.Minutes - f.SyncedMinutes}
}

// groupName names a date or week row as a bookkeeper reads it.
func groupName(groupBy string, g store.ReportGroup) string {
	switch {
	case groupBy == store.GroupByDate:
		return g.Date.Format("Mon 2 Jan 2006")
	case groupBy == store.GroupByWeek:
		return "Week of " + g.Date.Format("2 Jan 2006")
	case g.Name == "":
		return "(no name)"
	}
	return g.Name
}

// Report sums the time q selects; members' reports are of their own time.
func (a *app) Report(ctx context.Context, by actor, q reportQuery) (reportJSON, error) {
	sc, err := a.reportScopeOf(ctx, by, q)
	if err != nil {
		return reportJSON{}, err
	}
	r, err := a.store.Report(ctx, by.AccountID, sc.filter, sc.groupBy)
	if err != nil {
		return reportJSON{}, err
	}
	out := a.reportHead(ctx, by, sc)
	out.Totals, out.Groups = toReportFigures(r.Totals), make([]reportGroupJSON, 0, len(r.Groups))
	for _, g := range r.Groups {
		row := reportGroupJSON{Name: groupName(sc.groupBy, g), reportFiguresJSON: toReportFigures(g.ReportFigures)}
		if sc.groupBy == store.GroupByDate || sc.groupBy == store.GroupByWeek {
			row.Date = g.Date.Format(time.DateOnly)
		} else {
			row.ID = g.ID
		}
		out.Groups = append(out.Groups, row)
	}
	out.Weeks = everyWeek(r.Weeks, sc.filter.From, sc.filter.To, sc.account.WeekStart)
	return out, nil
}

// everyWeek lists each week from the one of from to the one of to, with the figures
// of those that have time.
func everyWeek(weeks []store.ReportWeek, from, to time.Time, weekStart int) []reportWeekJSON {
	byStart := make(map[string]store.ReportWeek, len(weeks))
	for _, w := range weeks {
		byStart[w.Start.Format(time.DateOnly)] = w
	}
	var out []reportWeekJSON
	for d := weekOf(from, weekStart); !d.After(to); d = d.AddDate(0, 0, 7) {
		key := d.Format(time.DateOnly)
		w := byStart[key]
		out = append(out, reportWeekJSON{Start: key, Minutes: w.Minutes, BillableMinutes: w.BillableMinutes, NonBillableMinutes: w.NonBillableMinutes()})
	}
	return out
}

// accountCurrency is the home currency of the account's QuickBooks company (USD before
// one is connected or its preferences are imported).
func (a *app) accountCurrency(ctx context.Context, accountID int64) string {
	prefs, err := a.store.GetCompanyPrefs(ctx, accountID, a.termsRealm(ctx, accountID))
	if err != nil || prefs.HomeCurrency == "" {
		return "USD"
	}
	return prefs.HomeCurrency
}

// EachReportEntry walks every card q selects, by date and person: begin gets the
// report's description (range, currency) before the first card, each calls row.
// Members' are their own.
func (a *app) EachReportEntry(ctx context.Context, by actor, q reportQuery, begin func(reportJSON), row func(store.ReportEntry) error) error {
	sc, err := a.reportScopeOf(ctx, by, q)
	if err != nil {
		return err
	}
	begin(a.reportHead(ctx, by, sc))
	return a.store.EachReportEntry(ctx, by.AccountID, sc.filter, row)
}
