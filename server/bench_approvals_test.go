package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"hoursync/internal/store"
)

// Benchmarks of search, bulk and approval (issue 20): docs/BENCHMARKS.md.

// BenchmarkCreateTimeCardWeekLock is BenchmarkCreateTimeCard (50 closed-loop clients
// posting cards) with the approved-week trigger (migration 00017) enabled and, for
// comparison in the same run, disabled: what the lock costs the API's hot path. The
// account has an approved week (not the cards' one), so the trigger's lookup finds
// rows to skip.
//
//	go test ./server -run '^$' -bench 'CreateTimeCardWeekLock' -benchtime 5s -count 3
func BenchmarkCreateTimeCardWeekLock(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := e.signUp()
	f := owner.fixtures()
	ctx := context.Background()
	approved, _ := time.Parse(time.DateOnly, "2026-02-23")
	if _, err := e.store.ApproveWeek(ctx, owner.me.Account.ID, owner.me.User.ID, approved, owner.me.User.ID, time.Now()); err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2026-03-02", "minutes": 45, "notes": "benchmark"})
	post := newPoster(e, owner, body)
	for _, mode := range []string{"trigger", "no-trigger"} {
		b.Run(mode, func(b *testing.B) {
			if mode == "no-trigger" {
				if _, err := e.store.DB().ExecContext(ctx, `ALTER TABLE time_cards DISABLE TRIGGER time_cards_week_lock`); err != nil {
					b.Fatal(err)
				}
				defer func() {
					_, _ = e.store.DB().ExecContext(ctx, `ALTER TABLE time_cards ENABLE TRIGGER time_cards_week_lock`)
				}()
			}
			var next atomic.Int64
			b.ResetTimer()
			closedLoop(b, post, func() bool { return next.Add(1) <= int64(b.N) })
		})
	}
}

// bigFirm is 20 people with 50,000 cards over 2026 (about 137 a day), two services
// and ten customers, written in one statement; it returns the owner.
func bigFirm(b *testing.B, e *testEnv) (*client, []int64) {
	owner := e.signUp()
	acct := owner.me.Account.ID
	var services []int64
	for i := range 2 {
		var sv serviceJSON
		owner.call("POST", "/api/v1/services", map[string]any{"name": fmt.Sprintf("Service %d", i), "rate": "100"}, http.StatusCreated, &sv)
		services = append(services, sv.ID)
	}
	var customers []int64
	for i := range 10 {
		var cu store.Customer
		owner.call("POST", "/api/v1/customers", map[string]any{"display_name": fmt.Sprintf("Customer %d", i)}, http.StatusCreated, &cu)
		customers = append(customers, cu.ID)
	}
	users := []int64{owner.me.User.ID}
	for i := range 19 {
		u, err := e.store.CreateUser(context.Background(), acct, store.NewUser{Email: fmt.Sprintf("p%d-%d@example.com", i, acct), FirstName: fmt.Sprintf("P%d", i), Role: store.RoleMember})
		if err != nil {
			b.Fatal(err)
		}
		users = append(users, u.ID)
	}
	_, err := e.store.DB().ExecContext(context.Background(), `INSERT INTO time_cards (account_id, user_id, customer_id, service_id, work_date, minutes, billable, rate_cents, notes)
		SELECT $1, ($2::bigint[])[1 + i % 20], ($3::bigint[])[1 + (i / 20) % 10], ($4::bigint[])[1 + (i / 7) % 2],
			date '2026-01-01' + (i % 365), 15 + i % 120, i % 3 <> 0, 10000, 'card ' || i
		FROM generate_series(0, 49999) i`, acct, int64s(users), int64s(customers), int64s(services))
	if err != nil {
		b.Fatal(err)
	}
	_, _ = e.store.DB().ExecContext(context.Background(), `ANALYZE time_cards`)
	return owner, services
}

// int64s is ids as a PostgreSQL array literal.
func int64s(ids []int64) string {
	raw, _ := json.Marshal(ids)
	return "{" + string(raw[1:len(raw)-1]) + "}"
}

// getPage GETs path as c and fails unless it answers 200.
func getPage(b *testing.B, e *testEnv, c *client, path string) int64 {
	resp, err := c.http.Get(e.srv.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: status %d", path, resp.StatusCode)
	}
	return n
}

// BenchmarkTimesheetFiltersOn50000Cards is the server time of the timesheet page of a
// firm of 20 people with 50,000 cards in 2026, signed in as the owner: a month's range
// narrowed to one service and billable time (about 1,400 cards), and the week of one
// person with its approval, over real HTTP on Postgres, one request at a time.
//
//	go test ./server -run '^$' -bench 'TimesheetFiltersOn50000Cards' -benchtime 30x -count 3 -benchmem
func BenchmarkTimesheetFiltersOn50000Cards(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner, services := bigFirm(b, e)
	week, _ := time.Parse(time.DateOnly, "2026-06-01")
	if _, err := e.store.ApproveWeek(context.Background(), owner.me.Account.ID, owner.me.User.ID, week, owner.me.User.ID, time.Now()); err != nil {
		b.Fatal(err)
	}
	for _, p := range []struct{ name, path string }{
		{"month-service-billable", fmt.Sprintf("/timesheet?from=2026-06-01&to=2026-06-30&service_id=%d&billable=true", services[0])},
		{"week-of-one-person-approved", fmt.Sprintf("/timesheet?week=2026-06-03&user_id=%d", owner.me.User.ID)},
	} {
		b.Run(p.name, func(b *testing.B) {
			if n := getPage(b, e, owner, p.path); n < 10_000 {
				b.Fatalf("%s: only %d bytes", p.path, n)
			}
			b.ResetTimer()
			for range b.N {
				getPage(b, e, owner, p.path)
			}
		})
	}
}

// BenchmarkBulkUpdate200Cards is one bulk change of 200 selected cards (billable on
// and off in turn) through the JSON API: one transaction locking, checking and
// updating them all, then reading them back.
//
//	go test ./server -run '^$' -bench 'BulkUpdate200Cards' -benchtime 50x -count 3 -benchmem
func BenchmarkBulkUpdate200Cards(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := e.signUp()
	f := owner.fixtures()
	day, _ := time.Parse(time.DateOnly, "2026-03-02")
	ids := make([]int64, 0, 200)
	for i := range 200 {
		tc, err := e.store.CreateTimeCard(context.Background(), owner.me.Account.ID, store.TimeCardInput{UserID: owner.me.User.ID, CustomerID: f.Customer.ID,
			ServiceID: f.Service.ID, WorkDate: day.AddDate(0, 0, i%7), Minutes: 30, Billable: true, RateCents: 12000})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, tc.ID)
	}
	cookies := owner.http.Jar.Cookies(mustURL(e.srv.URL))
	post := func(billable bool) {
		body, _ := json.Marshal(map[string]any{"ids": ids, "billable": billable})
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/time-cards/bulk-update", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(headerCSRF, owner.csrf)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var res bulkUpdateJSON
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(res.Updated) != len(ids) {
			b.Fatalf("bulk update: %d, %d updated, %v", resp.StatusCode, len(res.Updated), err)
		}
	}
	post(false)
	b.ResetTimer()
	for i := range b.N {
		post(i%2 == 0)
	}
}
