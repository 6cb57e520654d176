package server

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// The timesheet's totals: hours and billable amount per day, per person and per
// customer, over every card of the period (not only the rows of one screen), and the
// billable amount not yet on an invoice.

// totalRow is one line of a totals table.
type totalRow struct {
	Name    string
	Minutes int
	// Billable is the billable amount in cents: each billable card's time × its rate.
	Billable int64
}

// weekTotals sums the week's cards.
type weekTotals struct {
	Minutes  int
	Billable int64
	// Unbilled is the billable amount of the cards no invoice bills yet.
	Unbilled                int64
	Days, People, Customers []totalRow
}

// cardAmount is a card's billable amount in cents, rounded half up: time × rate.
func cardAmount(tc timeCardJSON) int64 {
	if !tc.Billable {
		return 0
	}
	return (int64(tc.Minutes)*tc.RateCents + 30) / 60
}

// totalsOf sums cards by day (in date order), person and customer (by name).
func totalsOf(cards []timeCardJSON, userNames, customerNames map[int64]string) weekTotals {
	var w weekTotals
	days, people, customers := map[string]*totalRow{}, map[string]*totalRow{}, map[string]*totalRow{}
	add := func(m map[string]*totalRow, key, name string, minutes int, cents int64) {
		r := m[key]
		if r == nil {
			r = &totalRow{Name: name}
			m[key] = r
		}
		r.Minutes += minutes
		r.Billable += cents
	}
	for _, tc := range cards {
		cents := cardAmount(tc)
		w.Minutes += tc.Minutes
		w.Billable += cents
		if tc.InvoiceID == nil {
			w.Unbilled += cents
		}
		add(days, tc.Date, dayName(tc.Date), tc.Minutes, cents)
		add(people, userNames[tc.UserID]+"\x00"+strconv.FormatInt(tc.UserID, 10), userNames[tc.UserID], tc.Minutes, cents)
		add(customers, customerNames[tc.CustomerID]+"\x00"+strconv.FormatInt(tc.CustomerID, 10), customerNames[tc.CustomerID], tc.Minutes, cents)
	}
	w.Days, w.People, w.Customers = sorted(days), sorted(people), sorted(customers)
	return w
}

// sorted lists m's rows in the order of their keys (a date, or a name then an id).
func sorted(m map[string]*totalRow) []totalRow {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]totalRow, 0, len(keys))
	for _, k := range keys {
		out = append(out, *m[k])
	}
	return out
}

// dayName is a date as a bookkeeper reads it: "Mon 14 Dec".
func dayName(date string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return d.Format("Mon 2 Jan")
}

// usd shows cents as a bookkeeper reads an amount: "$1,180.00", "-$5.00".
func usd(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return fmt.Sprintf("%s$%s.%02d", sign, whole, cents%100)
}
