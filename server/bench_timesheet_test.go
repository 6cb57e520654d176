package server

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"hoursync/internal/store"
)

// BenchmarkTimesheetWeekOf1000Cards is the server time of the timesheet page for a
// week holding 1,000 time cards (every card of the week, its totals and the forms'
// lists), over real HTTP on Postgres, one request at a time: docs/BENCHMARKS.md.
//
//	go test ./server -run '^$' -bench 'TimesheetWeekOf1000Cards' -benchtime 50x
func BenchmarkTimesheetWeekOf1000Cards(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := e.signUp()
	f := owner.fixtures()
	ctx := context.Background()
	monday, _ := time.Parse(time.DateOnly, "2026-03-02")
	for i := range 1000 {
		if _, err := e.store.CreateTimeCard(ctx, owner.me.Account.ID, store.TimeCardInput{UserID: owner.me.User.ID, CustomerID: f.Customer.ID,
			ServiceID: f.Service.ID, WorkDate: monday.AddDate(0, 0, i%7), Minutes: 15 + i%120, Billable: i%5 != 0, RateCents: f.Service.RateCents}); err != nil {
			b.Fatal(err)
		}
	}
	get := func() {
		resp, err := owner.http.Get(e.srv.URL + "/timesheet?week=2026-03-02")
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n < 100_000 {
			b.Fatalf("timesheet: status %d, %d bytes", resp.StatusCode, n)
		}
	}
	get()
	b.ResetTimer()
	for range b.N {
		get()
	}
}
