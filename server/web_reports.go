package server

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The Reports page (reports.html): a GET form of filters, the range's figures, a table
// by the chosen grouping, an SVG chart of hours per week drawn here (no script, no
// chart library), and the CSV exports of the same filters (/reports.csv, one row per
// group; ?detail=1, one row per time card).

// reportsData feeds reports.html.
type reportsData struct {
	// Query is the filters as typed (what the form shows).
	Query                       reportQuery
	Report                      *reportJSON
	Users                       []userJSON
	Customers                   []store.Customer
	Services                    []serviceJSON
	Groupings, Billables, Syncs []reportChoiceView
	Ranges                      []reportLink
	// GroupLabel names the grouping's column ("Customer"), GroupWord the grouping in a
	// sentence ("by customer").
	GroupLabel, GroupWord string
	Rows                  []reportRowView
	Total                 reportRowView
	// WeekRows are the chart's figures as a table.
	WeekRows []reportRowView
	// Currency is the one amounts are in, said once beside the figures.
	Currency       string
	CSV, DetailCSV string
	Chart          reportChart
	RangeName      string
	// SyncedShare is the part of the time synced with QuickBooks: "75%".
	SyncedShare string
	// Whose says whose time the report sums: everyone's for admins.
	Whose string
}

type reportChoiceView struct{ Value, Label string }

type reportLink struct {
	Label, URL, From, To string
	Current              bool
}

// reportRowView is one row of the table, its figures as people read them.
type reportRowView struct {
	Name, URL                                      string
	Entries                                        int64
	Hours, Billable, NonBillable, Amount, Unbilled string
	NotSynced, Decimal                             string
}

var (
	reportGroupingChoices = []reportChoiceView{{store.GroupByCustomer, "Customer"}, {store.GroupByService, "Service"},
		{store.GroupByPerson, "Person"}, {store.GroupByDate, "Date"}, {store.GroupByWeek, "Week"}}
	reportBillableChoices = []reportChoiceView{{choiceAll, "All time"}, {choiceBillable, "Billable"}, {choiceNonBillable, "Non-billable"}}
	reportSyncChoices     = []reportChoiceView{{choiceAll, "All"}, {choiceSynced, "Synced"}, {choiceNotSynced, "Not synced"}}
)

// moneyIn shows cents in a currency: "$1,180.00" in dollars, "EUR 1,180.00" otherwise.
func moneyIn(currency string, cents int64) string {
	if currency == "" || currency == "USD" {
		return usd(cents)
	}
	return currency + " " + strings.TrimPrefix(usd(cents), "$")
}

// rangeName is a range as people read it: "1 Mar 2026 – 31 Mar 2026".
func rangeName(from, to string) string {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		return from + " – " + to
	}
	if f.Equal(t) {
		return f.Format("Mon 2 Jan 2006")
	}
	return f.Format("2 Jan 2006") + " – " + t.Format("2 Jan 2006")
}

func (s *Server) uiReports(c *gin.Context) {
	pd := s.pageData(c, "Reports", "reports")
	ctx, by := c.Request.Context(), actorOf(c)
	q := reportQueryOf(c.Request.URL.Query())
	d := &reportsData{Query: q, Groupings: reportGroupingChoices, Billables: reportBillableChoices, Syncs: reportSyncChoices}
	var err error
	if by.admin() {
		if d.Users, err = s.app.ListUsers(ctx, by); err != nil {
			s.fail(c, err)
			return
		}
	}
	customers, err := s.app.ListCustomers(ctx, by, "", everything)
	if err != nil {
		s.fail(c, err)
		return
	}
	services, err := s.app.ListServices(ctx, by, "", everything)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Customers, d.Services = customers.Items, services.Items
	pd.Data = d
	pd.Form.Set("from", q.From)
	pd.Form.Set("to", q.To)
	acct, err := s.app.Settings(ctx, by)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Ranges = reportRanges(s.app.today(acct.TimeZone), acct.WeekStart, q)
	r, err := s.app.Report(ctx, by, q)
	if err != nil {
		e := s.toAPIError(c, err)
		if e.Status >= 500 {
			s.fail(c, err)
			return
		}
		if e.Field == "user_id" && !by.admin() {
			// A member's form has no person to show it beside: say it above the form.
			only := *e
			only.Field, only.Fields = "", nil
			e = &only
		}
		pd.Error = e
		s.render(c, e.Status, "reports", pd)
		return
	}
	d.Report = &r
	// The form shows the range the report covers, defaults filled in.
	d.Query.From, d.Query.To = r.From, r.To
	pd.Form.Set("from", r.From)
	pd.Form.Set("to", r.To)
	for i, rg := range d.Ranges {
		d.Ranges[i].Current = rg.From == r.From && rg.To == r.To
	}
	d.fill(r, by.admin())
	s.render(c, http.StatusOK, "reports", pd)
}

// fill turns the report's figures into what the page shows.
func (d *reportsData) fill(r reportJSON, admin bool) {
	d.Currency = r.Currency
	d.RangeName = rangeName(r.From, r.To)
	d.Whose = "everyone's time"
	if !admin {
		d.Whose = "your own time"
	}
	for _, g := range reportGroupingChoices {
		if g.Value == r.GroupBy {
			d.GroupLabel, d.GroupWord = g.Label, strings.ToLower(g.Label)
		}
	}
	same := reportQuery{From: r.From, To: r.To, CustomerID: d.Query.CustomerID, ServiceID: d.Query.ServiceID, UserID: d.Query.UserID,
		Billable: r.Filters.Billable, Sync: r.Filters.Sync, GroupBy: r.GroupBy}
	v := same.values()
	v.Set("from", r.From)
	v.Set("to", r.To)
	d.CSV = "/reports.csv?" + v.Encode()
	v.Set("detail", "1")
	d.DetailCSV = "/reports.csv?" + v.Encode()
	row := func(name, link string, f reportFiguresJSON) reportRowView {
		return reportRowView{Name: name, URL: link, Entries: f.Entries, Hours: reportClock(f.Minutes), Decimal: f.Hours,
			Billable: reportClock(f.BillableMinutes), NonBillable: reportClock(f.NonBillableMinutes),
			Amount: moneyIn(r.Currency, f.BillableCents), Unbilled: moneyIn(r.Currency, f.UnbilledCents),
			NotSynced: reportClock(f.NotSyncedMinutes)}
	}
	for _, g := range r.Groups {
		d.Rows = append(d.Rows, row(g.Name, drillDown(same, r.GroupBy, g, admin), g.reportFiguresJSON))
	}
	d.Total = row("Total", "", r.Totals)
	d.SyncedShare = "0%"
	if r.Totals.Minutes > 0 {
		d.SyncedShare = strconv.FormatInt(r.Totals.SyncedMinutes*100/r.Totals.Minutes, 10) + "%"
	}
	d.Chart = weekChart(r)
	for _, w := range r.Weeks {
		d.WeekRows = append(d.WeekRows, reportRowView{Name: w.Start, Hours: reportClock(w.Minutes),
			Billable: reportClock(w.BillableMinutes), NonBillable: reportClock(w.NonBillableMinutes)})
	}
}

// drillDown is where a row of the table leads: a customer's time by service, a
// service's or a person's by customer, a date's or a week's timesheet.
func drillDown(q reportQuery, groupBy string, g reportGroupJSON, admin bool) string {
	id := strconv.FormatInt(g.ID, 10)
	switch groupBy {
	case store.GroupByCustomer:
		q.CustomerID, q.GroupBy = id, store.GroupByService
	case store.GroupByService:
		q.ServiceID, q.GroupBy = id, store.GroupByCustomer
	case store.GroupByPerson:
		if !admin {
			return ""
		}
		q.UserID, q.GroupBy = id, store.GroupByCustomer
	default:
		week := "/timesheet?week=" + url.QueryEscape(g.Date)
		if admin && q.UserID != "" && q.UserID != "0" {
			week += "&user_id=" + url.QueryEscape(q.UserID)
		}
		return week
	}
	return "/reports?" + q.values().Encode()
}

// reportRanges are the quick ranges beside the form, keeping the other filters.
func reportRanges(today time.Time, weekStart int, q reportQuery) []reportLink {
	week := weekOf(today, weekStart)
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	year := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	ranges := []struct {
		label    string
		from, to time.Time
	}{
		{"This week", week, week.AddDate(0, 0, 6)},
		{"Last week", week.AddDate(0, 0, -7), week.AddDate(0, 0, -1)},
		{"This month", month, month.AddDate(0, 1, -1)},
		{"Last month", month.AddDate(0, -1, 0), month.AddDate(0, 0, -1)},
		{"This year", year, year.AddDate(1, 0, -1)},
		{"Last year", year.AddDate(-1, 0, 0), year.AddDate(0, 0, -1)},
	}
	out := make([]reportLink, 0, len(ranges))
	for _, r := range ranges {
		rq := q
		rq.From, rq.To = r.from.Format(time.DateOnly), r.to.Format(time.DateOnly)
		out = append(out, reportLink{Label: r.label, URL: "/reports?" + rq.values().Encode(), From: rq.From, To: rq.To})
	}
	return out
}

// The chart's colours: each has a contrast of at least 4.5:1 on the white card
// (TestReportChartColoursContrastWithTheCard), and the two bar colours differ in hue
// along the blue–yellow axis that colour-blind readers keep.
const (
	chartBillable    = "#1f5fbf"
	chartNonBillable = "#8a5a00"
	chartText        = "#1d2433"
	chartBackground  = "#ffffff"
)

// reportChart is the SVG bar chart of hours per week, stacked billable under
// non-billable, with its numbers as text: axis labels, a value over each bar when
// there is room, and a <title> per bar.
type reportChart struct {
	Title, Desc                       string
	Width, Height                     int
	Left, Right, Top, Bottom, MidX    string
	BillableColour, NonBillableColour string
	TextColour                        string
	Bars                              []chartBar
	Ticks                             []chartTick
	Empty                             bool
}

type chartBar struct {
	X, W, BillY, BillH, NonY, NonH string
	// Label is the bar's hours written over it (when the bars leave room).
	LabelX, LabelY, Label string
	// AxisLabel is the week's first day under the bar (every few weeks).
	AxisX, AxisY, AxisLabel string
	Title                   string
}

type chartTick struct{ Y, Label string }

func px(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// niceStep is the gap between the hour lines: 1, 2 or 5 × a power of ten, at most
// five lines up to max.
func niceStep(max float64) float64 {
	if max <= 0 {
		return 1
	}
	for mag := 1.0; ; mag *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if max/(m*mag) <= 5 {
				return m * mag
			}
		}
	}
}

func weekChart(r reportJSON) reportChart {
	const width, height, left, right, top, bottom = 960, 280, 56.0, 950.0, 24.0, 236.0
	ch := reportChart{Width: width, Height: height, Left: px(left), Right: px(right), Top: px(top), Bottom: px(bottom), MidX: px((left + right) / 2),
		BillableColour: chartBillable, NonBillableColour: chartNonBillable, TextColour: chartText}
	ch.Title = "Hours per week, " + rangeName(r.From, r.To)
	var maxMinutes int64
	for _, w := range r.Weeks {
		maxMinutes = max(maxMinutes, w.Minutes)
	}
	ch.Desc = fmt.Sprintf("Bar chart of %d weeks: billable hours (blue, bottom) and non-billable hours (brown, top) stacked per week; %s hours in all. The weeks table below lists the same figures.",
		len(r.Weeks), reportClock(r.Totals.Minutes))
	ch.Empty = maxMinutes == 0
	step := niceStep(float64(maxMinutes) / 60)
	ceiling := math.Ceil(float64(maxMinutes)/60/step) * step
	if ceiling == 0 {
		ceiling = step
	}
	scale := (bottom - top) / ceiling
	for v := 0.0; v <= ceiling+step/2; v += step {
		ch.Ticks = append(ch.Ticks, chartTick{Y: px(bottom - v*scale), Label: strconv.FormatFloat(v, 'f', -1, 64) + " h"})
	}
	n := len(r.Weeks)
	if n == 0 {
		return ch
	}
	slot := (right - left) / float64(n)
	barW := max(slot*0.7, 1)
	every := (n + 11) / 12 // at most twelve week labels
	valueLabels := n <= 20
	layout := "2 Jan"
	if r.From[:4] != r.To[:4] {
		layout = "2 Jan 06"
	}
	for i, w := range r.Weeks {
		x := left + float64(i)*slot + (slot-barW)/2
		billH := float64(w.BillableMinutes) / 60 * scale
		nonH := float64(w.NonBillableMinutes) / 60 * scale
		start, _ := time.Parse(time.DateOnly, w.Start)
		b := chartBar{X: px(x), W: px(barW), BillY: px(bottom - billH), BillH: px(billH), NonY: px(bottom - billH - nonH), NonH: px(nonH),
			Title: fmt.Sprintf("Week of %s: %s h, %s billable, %s non-billable", start.Format("2 Jan 2006"),
				reportClock(w.Minutes), reportClock(w.BillableMinutes), reportClock(w.NonBillableMinutes))}
		if valueLabels && w.Minutes > 0 {
			b.Label, b.LabelX, b.LabelY = reportClock(w.Minutes), px(x+barW/2), px(bottom-billH-nonH-4)
		}
		if i%every == 0 {
			b.AxisLabel, b.AxisX, b.AxisY = start.Format(layout), px(x+barW/2), px(bottom+18)
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// csvText keeps a text cell from being read as a formula by a spreadsheet: one
// starting with =, +, -, @, a tab or a carriage return gets a leading apostrophe.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvFilename names an export by its range.
func csvFilename(kind string, r reportJSON) string {
	return fmt.Sprintf("hoursync-%s-%s-to-%s.csv", kind, r.From, r.To)
}

// beginCSV starts a CSV download: headers, then the byte order mark that makes Excel
// read the file as UTF-8.
func beginCSV(c *gin.Context, filename string) *csv.Writer {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	_, _ = c.Writer.WriteString("\ufeff")
	return csv.NewWriter(c.Writer)
}

// uiReportCSV exports the report of the query: one row per group and a total row, or
// with ?detail=1 one row per time card.
func (s *Server) uiReportCSV(c *gin.Context) {
	if c.Query("detail") == "1" {
		s.reportDetailCSV(c)
		return
	}
	r, err := s.app.Report(c.Request.Context(), actorOf(c), reportQueryOf(c.Request.URL.Query()))
	if err != nil {
		s.fail(c, err)
		return
	}
	label := "Customer"
	for _, g := range reportGroupingChoices {
		if g.Value == r.GroupBy {
			label = g.Label
		}
	}
	if r.GroupBy == store.GroupByWeek {
		label = "Week starting"
	}
	w := beginCSV(c, csvFilename("report", r))
	_ = w.Write([]string{label, "Entries", "Hours", "Hours (h:mm)", "Billable hours", "Billable hours (h:mm)",
		"Non-billable hours", "Non-billable hours (h:mm)", "Billable amount", "Unbilled amount", "Currency",
		"Synced hours", "Not synced hours"})
	line := func(name string, f reportFiguresJSON) {
		_ = w.Write([]string{csvText(name), strconv.FormatInt(f.Entries, 10), f.Hours, reportClock(f.Minutes),
			f.BillableHours, reportClock(f.BillableMinutes), f.NonBillableHours, reportClock(f.NonBillableMinutes),
			f.BillableAmount, f.UnbilledAmount, r.Currency, reportHours(f.SyncedMinutes), reportHours(f.NotSyncedMinutes)})
	}
	for _, g := range r.Groups {
		name := g.Name
		if g.Date != "" {
			name = g.Date
		}
		line(name, g.reportFiguresJSON)
	}
	line("Total", r.Totals)
	w.Flush()
	if err := w.Error(); err != nil {
		s.log.WarnContext(c.Request.Context(), "report csv", "request_id", requestID(c), "err", err)
	}
}

// syncWords is a card's QuickBooks state in an export.
func syncWords(status, message string) string {
	switch status {
	case store.StatusSynced:
		return "synced"
	case store.StatusChanged:
		return "changed since last sync"
	case store.StatusSyncing:
		return "syncing"
	case store.StatusFailed:
		if message != "" {
			return "failed: " + message
		}
		return "failed"
	}
	return "not synced"
}

// reportDetailCSV exports one row per time card, as the rows come from the database.
func (s *Server) reportDetailCSV(c *gin.Context) {
	var w *csv.Writer
	var currency string
	begin := func(r reportJSON) {
		currency = r.Currency
		w = beginCSV(c, csvFilename("time-entries", r))
		_ = w.Write([]string{"Date", "Person", "Customer", "Service", "Notes", "Hours", "Hours (h:mm)", "Billable",
			"Rate", "Amount", "Currency", "Invoice", "QuickBooks"})
	}
	err := s.app.EachReportEntry(c.Request.Context(), actorOf(c), reportQueryOf(c.Request.URL.Query()), begin, func(e store.ReportEntry) error {
		billable := "No"
		if e.Billable {
			billable = "Yes"
		}
		return w.Write([]string{e.Date(), csvText(e.Person), csvText(e.Customer), csvText(e.Service), csvText(e.Notes),
			reportHours(e.Minutes), reportClock(e.Minutes), billable, money(e.RateCents), money(e.AmountCents), currency,
			csvText(e.Invoice), csvText(syncWords(e.SyncStatus, e.SyncMessage))})
	})
	if w == nil {
		s.fail(c, err)
		return
	}
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err != nil {
		// The download has begun: the status is sent, so the cut is only logged.
		s.log.WarnContext(c.Request.Context(), "report detail csv", "request_id", requestID(c), "err", err)
	}
}
