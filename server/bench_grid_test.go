package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// BenchmarkGridWeekOfTwentyPeople is the server time of the weekly grid an admin sees
// for everyone in a firm of 20 people holding 50,000 time cards (100 weeks of 25 cards
// a person, over 6 customer × service rows each, one day a week holding two cards,
// every third card synced): one week, 120 rows, over real HTTP on Postgres, one
// request at a time: docs/BENCHMARKS.md.
//
//	go test ./server -run '^$' -bench 'GridWeekOfTwentyPeople' -benchtime 50x
func BenchmarkGridWeekOfTwentyPeople(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := e.signUp()
	ctx := context.Background()
	acct := owner.me.Account.ID
	people := []int64{owner.me.User.ID}
	for i := range 19 {
		u, err := e.store.CreateUser(ctx, acct, store.NewUser{Email: testutil.UniqueName(fmt.Sprintf("p%d", i)) + "@example.com",
			FirstName: fmt.Sprintf("Person%02d", i), LastName: "Bench", Role: "member", PasswordHash: "x"})
		if err != nil {
			b.Fatal(err)
		}
		people = append(people, u.ID)
	}
	var customers, services []int64
	for range 12 {
		var cu store.Customer
		owner.call("POST", "/api/v1/customers", map[string]any{"display_name": testutil.UniqueName("Client")}, http.StatusCreated, &cu)
		customers = append(customers, cu.ID)
	}
	for range 6 {
		var sv serviceJSON
		owner.call("POST", "/api/v1/services", map[string]any{"name": testutil.UniqueName("Work"), "rate": "120.00"}, http.StatusCreated, &sv)
		services = append(services, sv.ID)
	}
	first, _ := time.Parse(time.DateOnly, "2025-01-06") // a Monday
	var users, custs, servs, minutes []int64
	var dates []string
	for w := range 100 {
		for p, user := range people {
			for d := range 5 {
				for k := range 5 {
					r := (p + d + k) % 6
					if d == 4 && k == 4 {
						r = (p + d) % 6 // Friday's second card in one cell
					}
					users, custs, servs = append(users, user), append(custs, customers[(p+r)%12]), append(servs, services[r])
					dates = append(dates, first.AddDate(0, 0, 7*w+d).Format(time.DateOnly))
					minutes = append(minutes, int64(15+(w+p+d+k)%8*15))
				}
			}
		}
	}
	db := e.store.DB()
	if _, err := db.ExecContext(ctx, `INSERT INTO time_cards (account_id, user_id, customer_id, service_id, work_date, minutes, billable, rate_cents)
		SELECT $1, u, c, s, d, m, true, 12000 FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::date[], $6::int[]) AS r(u, c, s, d, m)`,
		acct, pq.Array(users), pq.Array(custs), pq.Array(servs), pq.Array(dates), pq.Array(minutes)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO sync_states (account_id, object_type, object_id, status)
		SELECT account_id, 'time_card', id, 'synced' FROM time_cards WHERE account_id = $1 AND id % 3 = 0`, acct); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE time_cards; ANALYZE sync_states`); err != nil {
		b.Fatal(err)
	}
	week := first.AddDate(0, 0, 7*50).Format(time.DateOnly)
	size := 0
	get := func() {
		resp, err := owner.http.Get(e.srv.URL + "/timesheet/grid?week=" + week)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.Count(string(body), "<tr data-user=") != 120 || strings.Count(string(body), `class="multi"`) != 20 {
			b.Fatalf("grid: status %d, %d rows, %d bytes", resp.StatusCode, strings.Count(string(body), "<tr data-user="), len(body))
		}
		size = len(body)
	}
	get()
	b.ResetTimer()
	for range b.N {
		get()
	}
	b.ReportMetric(float64(size), "page-bytes")
}
