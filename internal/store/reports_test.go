package store_test

import (
	"context"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// reportFirm is a tenant with a second person, customer and service, and cards
// spread over two weeks of March 2026 (Monday 2 and Monday 9).
type reportFirm struct {
	tenant
	other    store.User
	customer store.Customer
	service  store.Service
	cards    []store.TimeCard
}

func reportDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func newReportFirm(t *testing.T, s *store.Store) reportFirm {
	t.Helper()
	ctx := context.Background()
	f := reportFirm{tenant: newTenant(t, s)}
	id := f.account.ID
	var err error
	if f.other, err = s.CreateUser(ctx, id, store.NewUser{Email: testutil.UniqueName("ann") + "@example.com", FirstName: "Ann", LastName: "Archer", Role: store.RoleMember}); err != nil {
		t.Fatal(err)
	}
	if f.customer, err = s.CreateCustomer(ctx, id, store.CustomerInput{DisplayName: "Acme", Active: true}); err != nil {
		t.Fatal(err)
	}
	if f.service, err = s.CreateService(ctx, id, store.ServiceInput{Name: "Audit", RateCents: 10000, Active: true}); err != nil {
		t.Fatal(err)
	}
	// The tenant's own card (owner, O'Brien & Sons, Design, 2 Nov 2026, 1:30 at $120)
	// lies outside March and must never count.
	add := func(user store.User, cu store.Customer, sv store.Service, date string, minutes int, billable bool, rate int64) {
		t.Helper()
		c, err := s.CreateTimeCard(ctx, id, store.TimeCardInput{UserID: user.ID, CustomerID: cu.ID, ServiceID: sv.ID,
			WorkDate: reportDay(date), Minutes: minutes, Billable: billable, RateCents: rate, Notes: "n " + date})
		if err != nil {
			t.Fatal(err)
		}
		f.cards = append(f.cards, c)
	}
	add(f.owner, f.tenant.customer, f.tenant.service, "2026-03-02", 90, true, 12000) // $180.00
	add(f.owner, f.customer, f.tenant.service, "2026-03-03", 60, true, 12000)        // $120.00
	add(f.other, f.customer, f.service, "2026-03-03", 45, false, 10000)              // not billable
	add(f.other, f.tenant.customer, f.service, "2026-03-09", 20, true, 10000)        // $33.33
	add(f.owner, f.tenant.customer, f.tenant.service, "2026-03-15", 10, true, 12000) // Sunday: $20.00
	return f
}

type reportSums struct{ entries, minutes, billable, cents int64 }

func reportSumsOf(r store.ReportFigures) reportSums {
	return reportSums{r.Entries, r.Minutes, r.BillableMinutes, r.BillableCents}
}

func TestReportGroupsAndTotalsInEveryGrouping(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	f := newReportFirm(t, s)
	march := store.ReportFilter{From: reportDay("2026-03-01"), To: reportDay("2026-03-31"), WeekStart: 1}
	total := reportSums{5, 225, 180, 18000 + 12000 + 3333 + 2000}
	cases := []struct {
		groupBy string
		want    map[string]reportSums
	}{
		{store.GroupByCustomer, map[string]reportSums{"Acme": {2, 105, 60, 12000}, "O'Brien & Sons": {3, 120, 120, 18000 + 3333 + 2000}}},
		{store.GroupByService, map[string]reportSums{"Audit": {2, 65, 20, 3333}, "Design": {3, 160, 160, 18000 + 12000 + 2000}}},
		{store.GroupByPerson, map[string]reportSums{"Ann Archer": {2, 65, 20, 3333}, "Olive Owner": {3, 160, 160, 32000}}},
		{store.GroupByDate, map[string]reportSums{"2026-03-02": {1, 90, 90, 18000}, "2026-03-03": {2, 105, 60, 12000},
			"2026-03-09": {1, 20, 20, 3333}, "2026-03-15": {1, 10, 10, 2000}}},
		// Weeks start on Monday: Sunday 15 March is in the week of Monday 9.
		{store.GroupByWeek, map[string]reportSums{"2026-03-02": {3, 195, 150, 30000}, "2026-03-09": {2, 30, 30, 5333}}},
	}
	for _, tc := range cases {
		t.Run(tc.groupBy, func(t *testing.T) {
			r, err := s.Report(ctx, f.account.ID, march, tc.groupBy)
			if err != nil {
				t.Fatal(err)
			}
			if got := reportSumsOf(r.Totals); got != total {
				t.Errorf("totals = %+v, want %+v", got, total)
			}
			got := map[string]reportSums{}
			var order []string
			for _, g := range r.Groups {
				key := g.Name
				if !g.Date.IsZero() {
					key = g.Date.Format(time.DateOnly)
				}
				got[key] = reportSumsOf(g.ReportFigures)
				order = append(order, key)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("groups = %v, want %v", got, tc.want)
			}
			for k, w := range tc.want {
				if got[k] != w {
					t.Errorf("%s = %+v, want %+v", k, got[k], w)
				}
			}
			for i := 1; i < len(order); i++ {
				if order[i-1] > order[i] {
					t.Errorf("groups out of order: %v", order)
				}
			}
		})
	}
}

func TestReportWeeksStartOnTheAccountsWeekStart(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	f := newReportFirm(t, s)
	for _, tc := range []struct {
		weekStart int
		want      map[string]int64
	}{
		{1, map[string]int64{"2026-03-02": 195, "2026-03-09": 30}},
		// Sunday weeks: 1 March holds 2 and 3 March; 8 March holds the 9th; 15 March alone.
		{0, map[string]int64{"2026-03-01": 195, "2026-03-08": 20, "2026-03-15": 10}},
	} {
		r, err := s.Report(ctx, f.account.ID, store.ReportFilter{From: reportDay("2026-03-01"), To: reportDay("2026-03-31"), WeekStart: tc.weekStart}, store.GroupByCustomer)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, w := range r.Weeks {
			got[w.Start.Format(time.DateOnly)] = w.Minutes
		}
		if len(got) != len(tc.want) {
			t.Fatalf("week start %d: weeks = %v, want %v", tc.weekStart, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("week start %d: week %s = %d minutes, want %d", tc.weekStart, k, got[k], v)
			}
		}
	}
}

func TestReportFiltersNarrowTheCards(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	f := newReportFirm(t, s)
	id := f.account.ID
	// The owner's card of 3 March syncs; the 9 March card is billed on an invoice.
	run := store.SyncRun{Kind: "timecard", WorkflowID: "timecard-sync/x", RunID: "r"}
	synced := f.cards[1]
	if err := s.MarkSyncing(ctx, id, store.ObjectTimeCard, []int64{synced.ID}, run); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSyncSuccess(ctx, id, store.ObjectTimeCard, synced.ID, store.SyncSuccess{RealmID: "r1", QBOID: "9", SyncToken: "0", SyncedVersion: synced.Version}, run); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateInvoiceFromTimeCards(ctx, id, store.InvoiceInput{InvoiceDate: time.Now()}, []int64{f.cards[3].ID}, store.GroupPerServiceRate); err != nil {
		t.Fatal(err)
	}
	// A deleted card never counts.
	gone := f.cards[4]
	if _, err := s.DeleteTimeCard(ctx, id, gone.ID); err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	base := store.ReportFilter{From: reportDay("2026-03-01"), To: reportDay("2026-03-31"), WeekStart: 1}
	with := func(change func(*store.ReportFilter)) store.ReportFilter { c := base; change(&c); return c }
	cases := []struct {
		name   string
		filter store.ReportFilter
		want   reportSums
	}{
		{"all", base, reportSums{4, 215, 170, 33333}},
		{"customer", with(func(r *store.ReportFilter) { r.CustomerID = f.customer.ID }), reportSums{2, 105, 60, 12000}},
		{"service", with(func(r *store.ReportFilter) { r.ServiceID = f.service.ID }), reportSums{2, 65, 20, 3333}},
		{"person", with(func(r *store.ReportFilter) { r.UserID = f.other.ID }), reportSums{2, 65, 20, 3333}},
		{"billable", with(func(r *store.ReportFilter) { r.Billable = &yes }), reportSums{3, 170, 170, 33333}},
		{"non-billable", with(func(r *store.ReportFilter) { r.Billable = &no }), reportSums{1, 45, 0, 0}},
		{"synced", with(func(r *store.ReportFilter) { r.Synced = &yes }), reportSums{1, 60, 60, 12000}},
		{"not synced", with(func(r *store.ReportFilter) { r.Synced = &no }), reportSums{3, 155, 110, 21333}},
		{"one day", with(func(r *store.ReportFilter) { r.From, r.To = reportDay("2026-03-03"), reportDay("2026-03-03") }), reportSums{2, 105, 60, 12000}},
		{"person and customer", with(func(r *store.ReportFilter) { r.UserID, r.CustomerID = f.other.ID, f.tenant.customer.ID }), reportSums{1, 20, 20, 3333}},
	}
	for _, tc := range cases {
		r, err := s.Report(ctx, id, tc.filter, store.GroupByCustomer)
		if err != nil {
			t.Fatal(err)
		}
		if got := reportSumsOf(r.Totals); got != tc.want {
			t.Errorf("%s: totals = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	r, err := s.Report(ctx, id, base, store.GroupByPerson)
	if err != nil {
		t.Fatal(err)
	}
	// Unbilled: billable time on no invoice (the 9 March card is billed).
	if r.Totals.UnbilledMinutes != 150 || r.Totals.UnbilledCents != 30000 {
		t.Errorf("unbilled = %d min %d cents, want 150 min 30000 cents", r.Totals.UnbilledMinutes, r.Totals.UnbilledCents)
	}
	if r.Totals.SyncedEntries != 1 || r.Totals.SyncedMinutes != 60 {
		t.Errorf("synced = %d entries %d min, want 1 entry 60 min", r.Totals.SyncedEntries, r.Totals.SyncedMinutes)
	}
	if r.Totals.NonBillableMinutes() != 45 {
		t.Errorf("non-billable = %d, want 45", r.Totals.NonBillableMinutes())
	}
}

// Each card's amount is rounded once, and the totals are the sums of those amounts:
// three cards of 1 minute at $1.00 an hour are 2 cents each, 6 cents in all (rounding
// the sum of their exact amounts would say 5).
func TestReportRoundsEachCardOnceAndSumsTheAmounts(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	tn := newTenant(t, s)
	for range 3 {
		if _, err := s.CreateTimeCard(ctx, tn.account.ID, store.TimeCardInput{UserID: tn.owner.ID, CustomerID: tn.customer.ID,
			ServiceID: tn.service.ID, WorkDate: reportDay("2026-05-04"), Minutes: 1, Billable: true, RateCents: 100}); err != nil {
			t.Fatal(err)
		}
	}
	// 7 minutes at $0.50 an hour are 5.83 cents → 6; half a cent rounds up: 3 minutes at
	// $0.10 are 0.5 cents → 1.
	for _, c := range []struct {
		minutes int
		rate    int64
	}{{7, 50}, {3, 10}} {
		if _, err := s.CreateTimeCard(ctx, tn.account.ID, store.TimeCardInput{UserID: tn.owner.ID, CustomerID: tn.customer.ID,
			ServiceID: tn.service.ID, WorkDate: reportDay("2026-05-05"), Minutes: c.minutes, Billable: true, RateCents: c.rate}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.Report(ctx, tn.account.ID, store.ReportFilter{From: reportDay("2026-05-01"), To: reportDay("2026-05-31"), WeekStart: 1}, store.GroupByDate)
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.BillableCents != 6+6+1 {
		t.Fatalf("billable = %d cents, want 13", r.Totals.BillableCents)
	}
	if len(r.Groups) != 2 || r.Groups[0].BillableCents != 6 || r.Groups[1].BillableCents != 7 {
		t.Fatalf("per day = %+v, want 6 and 7 cents", r.Groups)
	}
	var sum int64
	if err := s.EachReportEntry(ctx, tn.account.ID, store.ReportFilter{From: reportDay("2026-05-01"), To: reportDay("2026-05-31")}, func(e store.ReportEntry) error {
		sum += e.AmountCents
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if sum != r.Totals.BillableCents {
		t.Fatalf("detail rows sum to %d cents, the report says %d", sum, r.Totals.BillableCents)
	}
}

func TestReportSeesOnlyItsAccountAndAnEmptyRangeIsZero(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a, b := newReportFirm(t, s), newReportFirm(t, s)
	march := store.ReportFilter{From: reportDay("2026-03-01"), To: reportDay("2026-03-31"), WeekStart: 1}
	// b's ids in a's report: nothing of b's leaks, and a's own cards do not match them.
	for _, f := range []store.ReportFilter{
		func() store.ReportFilter { c := march; c.CustomerID = b.customer.ID; return c }(),
		func() store.ReportFilter { c := march; c.UserID = b.other.ID; return c }(),
		{From: reportDay("2026-04-01"), To: reportDay("2026-04-30")},
	} {
		r, err := s.Report(ctx, a.account.ID, f, store.GroupByPerson)
		if err != nil {
			t.Fatal(err)
		}
		if r.Totals != (store.ReportFigures{}) || len(r.Groups) != 0 || len(r.Weeks) != 0 {
			t.Fatalf("report of %+v = %+v, want nothing", f, r)
		}
	}
	r, err := s.Report(ctx, a.account.ID, march, store.GroupByCustomer)
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.Entries != 5 {
		t.Fatalf("a's March has %d entries, want its own 5", r.Totals.Entries)
	}
	for _, g := range r.Groups {
		if g.ID == b.customer.ID || g.ID == b.tenant.customer.ID {
			t.Fatalf("a's report names b's customer %+v", g)
		}
	}
}

func TestReportEntriesAreNamedInDateOrder(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	f := newReportFirm(t, s)
	inv, err := s.CreateInvoiceFromTimeCards(ctx, f.account.ID, store.InvoiceInput{InvoiceDate: time.Now()}, []int64{f.cards[0].ID}, store.GroupPerServiceRate)
	if err != nil {
		t.Fatal(err)
	}
	var got []store.ReportEntry
	if err := s.EachReportEntry(ctx, f.account.ID, store.ReportFilter{From: reportDay("2026-03-01"), To: reportDay("2026-03-10")}, func(e store.ReportEntry) error {
		got = append(got, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("entries = %d, want 4", len(got))
	}
	first := got[0]
	if first.Date() != "2026-03-02" || first.Person != "Olive Owner" || first.Customer != "O'Brien & Sons" || first.Service != "Design" ||
		first.Minutes != 90 || first.AmountCents != 18000 || first.Invoice != inv.Number || first.SyncStatus != store.StatusNever || first.Notes != "n 2026-03-02" {
		t.Fatalf("first entry = %+v", first)
	}
	// 3 March: Ann Archer before Olive Owner.
	if got[1].Person != "Ann Archer" || got[2].Person != "Olive Owner" || got[1].Billable || got[1].AmountCents != 0 {
		t.Fatalf("3 March = %+v, %+v", got[1], got[2])
	}
}
