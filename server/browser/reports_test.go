package browser

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// addReportTime records time through the timesheet's form for a customer of
// Consulting, billable or not, and waits for the confirmation.
func (s *session) addReportTime(date, customer, hours, notes string, billable bool) {
	s.t.Helper()
	s.run(chromedp.Navigate(s.a.url+"/timesheet?week="+date), chromedp.WaitVisible(chromedp.CSS("#f-customer_id")))
	s.run(chromedp.SetValue(chromedp.CSS("#f-date"), date),
		chromedp.SetValue(chromedp.CSS("#f-customer_id"), s.optionValue("#f-customer_id", customer)),
		chromedp.SetValue(chromedp.CSS("#f-service_id"), s.optionValue("#f-service_id", "Consulting")),
		chromedp.SendKeys(chromedp.CSS("#f-hours"), hours),
		chromedp.SendKeys(chromedp.CSS("#f-notes"), notes))
	if !billable {
		s.run(chromedp.Click(chromedp.CSS("#f-billable")))
	}
	s.run(chromedp.Click(chromedp.CSS(`form[action="/time-cards"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
}

// download fetches the link sel points at with the browser's own cookies and returns
// the response's bytes and Content-Disposition.
func (s *session) fetchDownload(sel string) ([]byte, string) {
	s.t.Helper()
	js := `fetch(document.querySelector(` + jsString(sel) + `).href).then(async r => {
		const bytes = new Uint8Array(await r.arrayBuffer());
		let bin = "";
		for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
		return JSON.stringify({status: r.status, disposition: r.headers.get("content-disposition") || "", body: btoa(bin)});
	})`
	raw, err := chromedp.Run(s.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		s.t.Fatalf("download %s: %v", sel, err)
	}
	var got struct {
		Status      int
		Disposition string
		Body        string
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		s.t.Fatal(err)
	}
	if got.Status != 200 {
		s.t.Fatalf("download %s: status %d", sel, got.Status)
	}
	body, err := base64.StdEncoding.DecodeString(got.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return body, got.Disposition
}

// parseReportCSV checks the byte order mark and parses the rest with encoding/csv.
func parseReportCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		t.Fatalf("CSV without the UTF-8 byte order mark: %q", body[:min(20, len(body))])
	}
	rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, body)
	}
	return rows
}

// reportTableRows is the text of each cell of the table's body rows (and its footer's).
func (s *session) reportTableRows(sel string) [][]string {
	return eval[[][]string](s, `Array.from(document.querySelectorAll(`+jsString(sel+" tbody tr, "+sel+" tfoot tr")+`)).map(r => Array.from(r.cells).map(c => c.innerText.trim()))`)
}

// csvAmount is "$1,325.00" as a CSV writes it: "1325.00".
func csvAmount(shown string) string {
	return strings.NewReplacer("$", "", ",", "").Replace(shown)
}

// Reports (issue 20): time filled in through the timesheet, the report opened with
// filters through its form, the CSV downloaded with the browser's session, and the
// CSV's groups and totals equal to what the page shows.
func TestReportPageFiltersAndItsCSVAgreeWithThePage(t *testing.T) {
	a, s := newFirm(t)
	s.run(chromedp.Navigate(a.url+"/customers"), chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Initech, Inc."),
		chromedp.Click(chromedp.CSS(`form[action="/customers"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	s.addReportTime("2026-03-02", "Globex", "1:30", "kick-off, scope", true) // $225.00
	s.addReportTime("2026-03-03", "Globex", "2", "", true)                   // $300.00
	s.addReportTime("2026-03-10", "Initech", "0:45", "internal", false)
	s.addReportTime("2026-03-16", "Initech", "1:20", "", true)               // $200.00
	s.addReportTime("2026-03-25", "Globex", "4", "workshop \"day 1\"", true) // $600.00
	s.addReportTime("2026-03-26", "Initech", "1", "", false)
	s.addReportTime("2026-04-01", "Globex", "3", "April", true) // outside the range

	// The nav leads there; the form picks the range and the grouping.
	s.run(chromedp.Navigate(a.url+"/timesheet"), chromedp.Click(chromedp.CSS(`nav a[href="/reports"]`)), chromedp.WaitVisible(chromedp.CSS("#report-filters")))
	s.run(chromedp.SetValue(chromedp.CSS("#f-from"), "2026-03-01"), chromedp.SetValue(chromedp.CSS("#f-to"), "2026-03-31"),
		chromedp.SetValue(chromedp.CSS("#f-group_by"), "customer"))
	s.submit("#show-report")
	for sel, want := range map[string]string{"#total-hours": "10:35", "#billable-hours": "8:50", "#non-billable-hours": "1:45",
		"#billable-amount": "$1,325.00", "#unbilled-amount": "$1,325.00", "#synced-share": "0%"} {
		if got := s.text(sel); got != want {
			t.Fatalf("%s shows %q, want %q", sel, got, want)
		}
	}
	s.mustSee("1 Mar 2026 – 31 Mar 2026", "By customer")
	page := s.reportTableRows("#report-table")
	if len(page) != 3 || !strings.HasPrefix(page[0][0], "Globex") || !strings.HasPrefix(page[1][0], "Initech") || page[2][0] != "Total" {
		t.Fatalf("table = %v", page)
	}
	// The chart: one bar group per week the range touches (23 Feb to 30 Mar), titled.
	if n := eval[int](s, `document.querySelectorAll("#chart g.bar").length`); n != 6 {
		t.Fatalf("chart has %d weeks, want 6", n)
	}
	if title := eval[string](s, `document.querySelector("#chart > title").textContent`); title != "Hours per week, 1 Mar 2026 – 31 Mar 2026" {
		t.Fatalf("chart title %q", title)
	}
	s.shot("report")

	body, disposition := s.fetchDownload("#csv-link")
	if disposition != `attachment; filename="hoursync-report-2026-03-01-to-2026-03-31.csv"` {
		t.Fatalf("Content-Disposition %q", disposition)
	}
	rows := parseReportCSV(t, body)
	if len(rows) != 4 || rows[0][0] != "Customer" {
		t.Fatalf("CSV = %v", rows)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	// Each CSV row is the page's row: name, h:mm and amount.
	for i, row := range rows[1:] {
		shown := page[i]
		if !strings.HasPrefix(shown[0], row[col["Customer"]]) || row[col["Hours (h:mm)"]] != shown[2] ||
			row[col["Billable amount"]] != csvAmount(shown[5]) || row[col["Currency"]] != "USD" {
			t.Fatalf("CSV row %v, page row %v", row, shown)
		}
	}
	total := rows[3]
	if total[0] != "Total" || total[col["Hours (h:mm)"]] != s.text("#total-hours") || total[col["Hours"]] != "10.58" ||
		total[col["Billable hours (h:mm)"]] != s.text("#billable-hours") || total[col["Non-billable hours (h:mm)"]] != s.text("#non-billable-hours") ||
		total[col["Billable amount"]] != csvAmount(s.text("#billable-amount")) || total[col["Unbilled amount"]] != csvAmount(s.text("#unbilled-amount")) {
		t.Fatalf("CSV total %v, page %s / %s", total, s.text("#total-hours"), s.text("#billable-amount"))
	}

	// The detail: one row per card of the range, amounts summing to the page's.
	body, disposition = s.fetchDownload("#detail-csv-link")
	if !strings.Contains(disposition, "hoursync-time-entries-2026-03-01-to-2026-03-31.csv") {
		t.Fatalf("detail Content-Disposition %q", disposition)
	}
	detail := parseReportCSV(t, body)
	if len(detail) != 7 || detail[1][4] != "kick-off, scope" || detail[5][4] != `workshop "day 1"` || detail[3][7] != "No" {
		t.Fatalf("detail = %v", detail)
	}
	var cents int64
	for _, row := range detail[1:] {
		cents += reportCents(t, row[9])
	}
	if cents != reportCents(t, csvAmount(s.text("#billable-amount"))) {
		t.Fatalf("detail amounts sum to %d cents, the page says %s", cents, s.text("#billable-amount"))
	}

	// Narrower: billable time only, by week.
	s.run(chromedp.SetValue(chromedp.CSS("#f-billable"), "billable"), chromedp.SetValue(chromedp.CSS("#f-group_by"), "week"))
	s.submit("#show-report")
	if got := s.text("#total-hours"); got != "8:50" {
		t.Fatalf("billable only: %q", got)
	}
	weeks := s.reportTableRows("#report-table")
	// 9 March's week had only non-billable time.
	if len(weeks) != 4 || weeks[0][0] != "Week of 2 Mar 2026" || weeks[0][2] != "3:30" || weeks[1][0] != "Week of 16 Mar 2026" || weeks[3][0] != "Total" {
		t.Fatalf("weeks = %v", weeks)
	}
	rows = parseReportCSV(t, bodyOf(s.fetchDownload("#csv-link")))
	if rows[0][0] != "Week starting" || rows[1][0] != "2026-03-02" || rows[len(rows)-1][col["Hours (h:mm)"]] != "8:50" {
		t.Fatalf("week CSV = %v", rows)
	}

	// On a phone the page needs no sideways scrolling: the chart scales, the table
	// keeps name, hours and amount.
	s.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#report-table")))
	if w := eval[int](s, `document.documentElement.scrollWidth`); w > 390 {
		t.Fatalf("the report is %d px wide on a 390 px screen", w)
	}
	if right := eval[float64](s, `document.querySelector("#report-total td:nth-of-type(5)").getBoundingClientRect().right`); right > 390 {
		t.Fatalf("the total amount ends at %.0f px", right)
	}
	s.shot("phone-report")
}

func bodyOf[A, B any](a A, _ B) A { return a }

func reportCents(t *testing.T, amount string) int64 {
	t.Helper()
	whole, frac, ok := strings.Cut(amount, ".")
	if !ok || len(frac) != 2 {
		t.Fatalf("amount %q has no two decimals", amount)
	}
	var n int64
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			t.Fatalf("amount %q", amount)
		}
		n = n*10 + int64(r-'0')
	}
	return n
}
