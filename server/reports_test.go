package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"hoursync/internal/store"
)

// card records time through the API with every field given.
func (c *client) reportCard(f fixtures, date string, minutes int, billable bool, rate, notes string) timeCardJSON {
	c.e.t.Helper()
	var tc timeCardJSON
	c.call("POST", "/api/v1/time-cards", map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": date,
		"minutes": minutes, "billable": billable, "rate": rate, "notes": notes}, http.StatusCreated, &tc)
	return tc
}

func (c *client) reportOf(query string) reportJSON {
	c.e.t.Helper()
	var r reportJSON
	c.call("GET", "/api/v1/reports?"+query, nil, http.StatusOK, &r)
	return r
}

func TestReportAPIAnswersTheFiguresOfTheFilters(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	f := owner.fixtures()
	g := owner.fixtures()
	owner.reportCard(f, "2026-03-02", 90, true, "120.00", "")  // $180.00
	owner.reportCard(f, "2026-03-03", 20, true, "100.00", "")  // $33.33
	owner.reportCard(g, "2026-03-10", 45, false, "120.00", "") // not billable
	owner.reportCard(g, "2026-04-01", 60, true, "120.00", "")  // outside the range

	r := owner.reportOf("from=2026-03-01&to=2026-03-31")
	if r.From != "2026-03-01" || r.To != "2026-03-31" || r.GroupBy != "customer" || r.Currency != "USD" {
		t.Fatalf("head = %+v", r)
	}
	want := reportFiguresJSON{Entries: 3, Minutes: 155, Hours: "2.58", BillableMinutes: 110, BillableHours: "1.83",
		NonBillableMinutes: 45, NonBillableHours: "0.75", BillableAmount: "213.33", BillableCents: 21333,
		UnbilledMinutes: 110, UnbilledAmount: "213.33", UnbilledCents: 21333, NotSyncedEntries: 3, NotSyncedMinutes: 155}
	if r.Totals != want {
		t.Fatalf("totals = %+v\nwant     %+v", r.Totals, want)
	}
	if len(r.Groups) != 2 {
		t.Fatalf("groups = %+v", r.Groups)
	}
	byID := map[int64]reportGroupJSON{}
	for _, gr := range r.Groups {
		byID[gr.ID] = gr
	}
	if a := byID[f.Customer.ID]; a.Name != f.Customer.DisplayName || a.Minutes != 110 || a.BillableAmount != "213.33" {
		t.Fatalf("first customer = %+v", a)
	}
	if b := byID[g.Customer.ID]; b.Minutes != 45 || b.BillableCents != 0 || b.NonBillableMinutes != 45 {
		t.Fatalf("second customer = %+v", b)
	}
	// Every week the range touches, Monday weeks (the default): 23 Feb … 30 Mar.
	if len(r.Weeks) != 6 || r.Weeks[0].Start != "2026-02-23" || r.Weeks[1].Minutes != 110 || r.Weeks[2].NonBillableMinutes != 45 || r.Weeks[5].Start != "2026-03-30" {
		t.Fatalf("weeks = %+v", r.Weeks)
	}

	for _, tc := range []struct {
		query   string
		minutes int64
		groups  int
	}{
		{"customer_id=" + itoa64(g.Customer.ID), 45, 1},
		{"service_id=" + itoa64(f.Service.ID), 110, 1},
		{"billable=billable", 110, 1},
		{"billable=non_billable", 45, 1},
		{"sync=synced", 0, 0},
		{"sync=not_synced", 155, 2},
		{"group_by=date", 155, 3},
		{"group_by=week", 155, 2},
		{"group_by=service", 155, 2},
		{"group_by=person&user_id=" + itoa64(owner.me.User.ID), 155, 1},
	} {
		r := owner.reportOf("from=2026-03-01&to=2026-03-31&" + tc.query)
		if r.Totals.Minutes != tc.minutes || len(r.Groups) != tc.groups {
			t.Errorf("%s: %d minutes in %d groups, want %d in %d", tc.query, r.Totals.Minutes, len(r.Groups), tc.minutes, tc.groups)
		}
	}
	if d := owner.reportOf("from=2026-03-01&to=2026-03-31&group_by=date"); d.Groups[0].Date != "2026-03-02" || d.Groups[0].Name != "Mon 2 Mar 2026" {
		t.Fatalf("date group = %+v", d.Groups[0])
	}
}

func TestReportRefusesBadFiltersNamingTheField(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	for _, tc := range []struct{ query, field string }{
		{"from=2026-02-30", "from"},
		{"from=yesterday&to=2026-03-01", "from"},
		{"to=31/03/2026", "to"},
		{"from=2026-03-10&to=2026-03-09", "to"},
		{"from=2021-01-01&to=2026-01-01", "to"},
		{"customer_id=abc", "customer_id"},
		{"service_id=-1", "service_id"},
		{"user_id=1.5", "user_id"},
		{"billable=maybe", "billable"},
		{"sync=yes", "sync"},
		{"group_by=month", "group_by"},
	} {
		owner.fails("GET", "/api/v1/reports?"+tc.query, nil, http.StatusBadRequest, tc.field)
		if status, _, _ := owner.do("GET", "/reports.csv?"+tc.query, nil); status != http.StatusBadRequest {
			t.Errorf("CSV of %s: status %d, want 400", tc.query, status)
		}
	}
	// Five years to the day less one is the longest range.
	if r := owner.reportOf("from=2021-01-01&to=2025-12-31"); r.To != "2025-12-31" || len(r.Weeks) != 262 {
		t.Fatalf("five years: %s, %d weeks", r.To, len(r.Weeks))
	}
	// Every field wrong at once is named at once.
	var body struct {
		Error apiError `json:"error"`
	}
	owner.call("GET", "/api/v1/reports?from=x&billable=x&group_by=x", nil, http.StatusBadRequest, &body)
	if len(body.Error.Fields) != 3 {
		t.Fatalf("fields = %+v", body.Error.Fields)
	}
}

func TestReportOfAMemberIsTheirOwnTime(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	f := owner.fixtures()
	member := owner.member(store.RoleMember)
	owner.reportCard(f, "2026-03-02", 60, true, "120.00", "")
	member.reportCard(f, "2026-03-03", 30, true, "120.00", "")
	member.reportCard(f, "2026-03-04", 15, false, "120.00", "")

	all := owner.reportOf("from=2026-03-01&to=2026-03-31&group_by=person")
	if all.Totals.Minutes != 105 || len(all.Groups) != 2 {
		t.Fatalf("admin's report = %+v", all)
	}
	own := member.reportOf("from=2026-03-01&to=2026-03-31&group_by=person")
	if own.Totals.Minutes != 45 || len(own.Groups) != 1 || own.Groups[0].ID != member.me.User.ID || own.Filters.UserID != member.me.User.ID {
		t.Fatalf("member's report = %+v", own)
	}
	mine := member.reportOf("from=2026-03-01&to=2026-03-31&user_id=" + itoa64(member.me.User.ID))
	if mine.Totals.Minutes != 45 {
		t.Fatalf("member naming themselves = %+v", mine.Totals)
	}
	member.fails("GET", "/api/v1/reports?user_id="+itoa64(owner.me.User.ID), nil, http.StatusForbidden, "user_id")
	// The exports too: the member's detail has only their rows.
	status, raw, _ := member.do("GET", "/reports.csv?from=2026-03-01&to=2026-03-31&detail=1", nil)
	rows := readReportCSV(t, status, raw)
	if len(rows) != 3 {
		t.Fatalf("member's detail rows = %v", rows)
	}
	for _, row := range rows[1:] {
		if row[1] != "Mia Member" {
			t.Fatalf("member's detail shows %q's time", row[1])
		}
	}
	if status, _, _ := member.do("GET", "/reports.csv?user_id="+itoa64(owner.me.User.ID), nil); status != http.StatusForbidden {
		t.Fatalf("member's CSV of the owner: status %d, want 403", status)
	}
	// The page shows the member no person filter.
	_, page, _ := member.do("GET", "/reports?from=2026-03-01&to=2026-03-31", nil)
	if bytes.Contains(page, []byte(`name="user_id"`)) || !bytes.Contains(page, []byte("your own time")) {
		t.Fatalf("member's page offers a person filter or hides whose time it is")
	}
}

// The default range is this month in the account's time zone: at 05:00 UTC on the
// first of a month it is still the last day of the month before in Los Angeles, so
// the default report is that month's and holds the card of its last day, not the one
// of the first. (The clock is the first of next month: sessions expire against the
// database's real clock.)
func TestReportDefaultsToThisMonthInTheAccountsTimeZone(t *testing.T) {
	wall := time.Now().UTC()
	first := time.Date(wall.Year(), wall.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 0, -1)
	monthStart := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC)
	now := first.Add(5 * time.Hour)
	e := newEnv(t, func(d *Deps) { d.Now = func() time.Time { return now } })
	owner := e.signUp()
	owner.call("PATCH", "/api/v1/settings", map[string]any{"time_zone": "America/Los_Angeles"}, http.StatusOK, nil)
	f := owner.fixtures()
	owner.reportCard(f, last.Format(time.DateOnly), 30, true, "120.00", "last day")
	owner.reportCard(f, first.Format(time.DateOnly), 45, true, "120.00", "next month")

	r := owner.reportOf("")
	if r.From != monthStart.Format(time.DateOnly) || r.To != last.Format(time.DateOnly) || r.TimeZone != "America/Los_Angeles" {
		t.Fatalf("default range at %s = %s – %s in %s", now, r.From, r.To, r.TimeZone)
	}
	if r.Totals.Minutes != 30 || r.Totals.BillableAmount != "60.00" {
		t.Fatalf("the month = %+v, want the last day's card alone", r.Totals)
	}
	status, raw, _ := owner.do("GET", "/reports.csv?detail=1", nil)
	rows := readReportCSV(t, status, raw)
	if len(rows) != 2 || rows[1][0] != last.Format(time.DateOnly) || rows[1][4] != "last day" {
		t.Fatalf("detail = %v", rows)
	}
	// In UTC it is the next month already: the same clock, an account in UTC, the other card.
	utc := e.signUp()
	g := utc.fixtures()
	utc.reportCard(g, last.Format(time.DateOnly), 30, true, "120.00", "")
	utc.reportCard(g, first.Format(time.DateOnly), 45, true, "120.00", "")
	if r := utc.reportOf(""); r.From != first.Format(time.DateOnly) || r.Totals.Minutes != 45 {
		t.Fatalf("UTC default = %s, %d minutes", r.From, r.Totals.Minutes)
	}
	// One date alone: its month.
	if r := owner.reportOf("from=2026-02-10"); r.To != "2026-02-28" {
		t.Fatalf("from alone ends %s", r.To)
	}
	if r := owner.reportOf("to=2026-02-10"); r.From != "2026-02-01" {
		t.Fatalf("to alone starts %s", r.From)
	}
}

// readReportCSV checks a CSV download (200, UTF-8 byte order mark) and parses it.
func readReportCSV(t *testing.T, status int, raw []byte) [][]string {
	t.Helper()
	if status != http.StatusOK {
		t.Fatalf("CSV: status %d: %s", status, raw)
	}
	if !bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
		t.Fatalf("CSV without the UTF-8 byte order mark: %q", raw[:min(len(raw), 20)])
	}
	rows, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, raw)
	}
	return rows
}

func TestReportCSVHasAGroupPerRowATotalAndQuotesText(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	var f fixtures
	owner.call("POST", "/api/v1/customers", map[string]any{"display_name": `Smith, "Jones" & Søn`}, http.StatusCreated, &f.Customer)
	owner.call("POST", "/api/v1/services", map[string]any{"name": "=Design", "rate": "120.00"}, http.StatusCreated, &f.Service)
	other := owner.fixtures()
	owner.reportCard(f, "2026-03-02", 90, true, "120.00", "wireframes, v2\n\"final\"")
	owner.reportCard(f, "2026-03-03", 1, true, "1.00", "")
	owner.reportCard(other, "2026-03-03", 25, false, "120.00", "-internal")
	// The account's currency is its QuickBooks company's.
	e.connect(owner.me.Account.ID, "realm-eur")
	if err := e.store.SaveCompanyPrefs(context.Background(), store.CompanyPrefs{AccountID: owner.me.Account.ID, RealmID: "realm-eur",
		TaxModel: store.TaxModelGlobal, HomeCurrency: "EUR"}); err != nil {
		t.Fatal(err)
	}
	r := owner.reportOf("from=2026-03-01&to=2026-03-31")

	status, raw, h := owner.do("GET", "/reports.csv?from=2026-03-01&to=2026-03-31", nil)
	if ct := h.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if cd := h.Get("Content-Disposition"); cd != `attachment; filename="hoursync-report-2026-03-01-to-2026-03-31.csv"` {
		t.Fatalf("content disposition %q", cd)
	}
	rows := readReportCSV(t, status, raw)
	if len(rows) != 4 || rows[0][0] != "Customer" || rows[3][0] != "Total" {
		t.Fatalf("rows = %v", rows)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	byName := map[string][]string{}
	for _, row := range rows[1:] {
		byName[row[0]] = row
	}
	smith := byName[`Smith, "Jones" & Søn`]
	if smith == nil || smith[col["Hours"]] != "1.52" || smith[col["Hours (h:mm)"]] != "1:31" || smith[col["Billable amount"]] != "180.02" ||
		smith[col["Currency"]] != "EUR" || smith[col["Entries"]] != "2" {
		t.Fatalf("Smith row = %v", smith)
	}
	total := rows[3]
	if total[col["Hours"]] != r.Totals.Hours || total[col["Billable amount"]] != r.Totals.BillableAmount || total[col["Hours (h:mm)"]] != "1:56" ||
		total[col["Non-billable hours (h:mm)"]] != "0:25" || total[col["Unbilled amount"]] != "180.02" || r.Currency != "EUR" {
		t.Fatalf("total row = %v, report %+v", total, r.Totals)
	}
	// The quoting is RFC 4180: the raw file quotes the name with its comma and quotes.
	if !bytes.Contains(raw, []byte(`"Smith, ""Jones"" & Søn"`)) {
		t.Fatalf("name not quoted: %s", raw)
	}

	status, raw, h = owner.do("GET", "/reports.csv?from=2026-03-01&to=2026-03-31&detail=1", nil)
	if cd := h.Get("Content-Disposition"); !strings.Contains(cd, "hoursync-time-entries-2026-03-01-to-2026-03-31.csv") {
		t.Fatalf("detail content disposition %q", cd)
	}
	rows = readReportCSV(t, status, raw)
	want := []string{"Date", "Person", "Customer", "Service", "Notes", "Hours", "Hours (h:mm)", "Billable", "Rate", "Amount", "Currency", "Invoice", "QuickBooks"}
	if strings.Join(rows[0], "|") != strings.Join(want, "|") || len(rows) != 4 {
		t.Fatalf("detail = %v", rows)
	}
	first := rows[1]
	if first[0] != "2026-03-02" || first[1] != "Olive Owner" || first[2] != `Smith, "Jones" & Søn` || first[3] != "'=Design" ||
		first[4] != "wireframes, v2\n\"final\"" || first[5] != "1.50" || first[6] != "1:30" || first[7] != "Yes" || first[8] != "120.00" ||
		first[9] != "180.00" || first[10] != "EUR" || first[11] != "" || first[12] != "not synced" {
		t.Fatalf("first detail row = %q", first)
	}
	var cents int64
	for _, row := range rows[1:] {
		c, err := parseFixed("amount", row[9], 2, math.MaxInt64, "")
		if err != nil {
			t.Fatal(err)
		}
		cents += c
	}
	if cents != r.Totals.BillableCents {
		t.Fatalf("detail amounts sum to %d cents, the report says %d", cents, r.Totals.BillableCents)
	}
	if rows[3][4] != "'-internal" || rows[3][7] != "No" || rows[3][9] != "0.00" {
		t.Fatalf("non-billable row = %q", rows[3])
	}
}

func TestReportPageShowsFiguresAndErrorsBesideTheirFields(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	f := owner.fixtures()
	owner.reportCard(f, "2026-03-02", 90, true, "120.00", "")
	owner.reportCard(f, "2026-03-09", 30, false, "120.00", "")

	status, page, _ := owner.do("GET", "/reports?from=2026-03-01&to=2026-03-31&group_by=week", nil)
	if status != http.StatusOK {
		t.Fatalf("page: %d", status)
	}
	for _, want := range []string{`id="total-hours">2:00<`, `id="billable-hours">1:30<`, `id="non-billable-hours">0:30<`,
		`id="billable-amount">$180.00<`, `id="unbilled-amount">$180.00<`, `Week of 2 Mar 2026`, `<title id="chart-title">Hours per week, 1 Mar 2026 – 31 Mar 2026</title>`,
		`href="/reports.csv?from=2026-03-01&amp;group_by=week&amp;to=2026-03-31"`, `aria-current="page">Reports<`,
		`Week of 2 Mar 2026: 1:30 h, 1:30 billable, 0:00 non-billable`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks %s", want)
		}
	}
	status, page, _ = owner.do("GET", "/reports?from=2026-03-31&to=2026-03-01&billable=x", nil)
	if status != http.StatusBadRequest {
		t.Fatalf("bad filters: status %d", status)
	}
	for _, want := range []string{`id="e-to"`, `id="e-billable"`, `aria-describedby="e-to"`, `value="2026-03-31"`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page with bad filters lacks %s", want)
		}
	}
	if bytes.Contains(page, []byte(`id="total-hours"`)) {
		t.Errorf("page with bad filters shows figures")
	}
}

// chartLuminance is WCAG 2's for a #rrggbb colour.
func chartLuminance(hex string) float64 {
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

func chartContrast(a, b string) float64 {
	la, lb := chartLuminance(a), chartLuminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func TestReportChartColoursContrastWithTheCard(t *testing.T) {
	for _, c := range []string{chartBillable, chartNonBillable, chartText} {
		if r := chartContrast(c, chartBackground); r < 4.5 {
			t.Errorf("%s on %s: contrast %.2f, want at least 4.5", c, chartBackground, r)
		}
	}
	if got := fmt.Sprintf("%.1f", chartContrast("#000000", "#ffffff")); got != "21.0" {
		t.Fatalf("contrast of black on white = %s", got)
	}
}

func TestReportChartDrawsEveryWeekToScale(t *testing.T) {
	r := reportJSON{From: "2026-03-01", To: "2026-03-31", Weeks: []reportWeekJSON{
		{Start: "2026-02-23"}, {Start: "2026-03-02", Minutes: 600, BillableMinutes: 450, NonBillableMinutes: 150}, {Start: "2026-03-09", Minutes: 60, BillableMinutes: 60}}}
	ch := weekChart(r)
	if len(ch.Bars) != 3 || ch.Empty {
		t.Fatalf("bars = %+v", ch.Bars)
	}
	// 10 hours: lines every 2 hours up to 10; the plot is 212 px high.
	if len(ch.Ticks) != 6 || ch.Ticks[5].Label != "10 h" {
		t.Fatalf("ticks = %+v", ch.Ticks)
	}
	b := ch.Bars[1]
	if b.BillH != "159" || b.NonH != "53" || b.NonY != "24" || b.Label != "10:00" {
		t.Fatalf("the 10-hour week = %+v", b)
	}
	if ch.Bars[0].BillH != "0" || ch.Bars[0].Label != "" || ch.Bars[0].AxisLabel != "23 Feb" {
		t.Fatalf("the empty week = %+v", ch.Bars[0])
	}
	if empty := weekChart(reportJSON{From: "2026-03-01", To: "2026-03-01", Weeks: []reportWeekJSON{{Start: "2026-02-23"}}}); !empty.Empty {
		t.Fatalf("a range without time is not said to be empty")
	}
}

// The OpenAPI document describes the report with its groups' figures (promoted from
// an embedded struct, as encoding/json writes them) and its filters.
func TestReportIsDescribedInOpenAPI(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name string } `json:"parameters"`
			Responses  map[string]struct {
				Content map[string]struct {
					Schema struct {
						Properties map[string]struct {
							Items struct {
								Properties map[string]any `json:"properties"`
							} `json:"items"`
						} `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	e.newClient().call("GET", "/api/v1/openapi.json", nil, http.StatusOK, &doc)
	op := doc.Paths["/api/v1/reports"]["get"]
	var params []string
	for _, p := range op.Parameters {
		params = append(params, p.Name)
	}
	if strings.Join(params, ",") != "from,to,customer_id,service_id,user_id,billable,sync,group_by" {
		t.Fatalf("parameters = %v", params)
	}
	groups := op.Responses["200"].Content["application/json"].Schema.Properties["groups"].Items.Properties
	for _, field := range []string{"id", "date", "name", "hours", "billable_amount", "unbilled_amount", "not_synced_minutes"} {
		if groups[field] == nil {
			t.Errorf("the groups' schema lacks %s: %v", field, groups)
		}
	}
}

// A member's page has no person filter, so a refusal of someone else's time is said
// above the form.
func TestReportPageTellsAMemberTheyCanSeeOnlyTheirTime(t *testing.T) {
	e := newEnv(t)
	owner := e.signUp()
	member := owner.member(store.RoleMember)
	status, page, _ := member.do("GET", "/reports?user_id="+itoa64(owner.me.User.ID), nil)
	if status != http.StatusForbidden || !bytes.Contains(page, []byte(`<div class="alert" role="alert">You can see only your own time</div>`)) {
		t.Fatalf("status %d: %s", status, page)
	}
}
