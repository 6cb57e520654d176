package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// benchReportFirm seeds a firm of 20 people with 30 customers, 8 services and 50,000 time
// cards over 2025 (about 10 a working day each), a third of them synced and a tenth
// on an invoice, and returns its owner's browser.
func benchReportFirm(b *testing.B, e *testEnv) *client {
	b.Helper()
	owner := e.signUp()
	ctx := context.Background()
	id := owner.me.Account.ID
	users := []int64{owner.me.User.ID}
	for i := range 19 {
		u, err := e.store.CreateUser(ctx, id, store.NewUser{Email: testutil.UniqueName(fmt.Sprintf("p%d", i)) + "@example.com",
			FirstName: fmt.Sprintf("Person%02d", i), LastName: "Bench", Role: store.RoleMember})
		if err != nil {
			b.Fatal(err)
		}
		users = append(users, u.ID)
	}
	var customers, services []int64
	for i := range 30 {
		c, err := e.store.CreateCustomer(ctx, id, store.CustomerInput{DisplayName: fmt.Sprintf("Customer %02d", i), Active: true})
		if err != nil {
			b.Fatal(err)
		}
		customers = append(customers, c.ID)
	}
	for i := range 8 {
		s, err := e.store.CreateService(ctx, id, store.ServiceInput{Name: fmt.Sprintf("Service %d", i), RateCents: int64(8000 + 1500*i), Active: true})
		if err != nil {
			b.Fatal(err)
		}
		services = append(services, s.ID)
	}
	inv, err := e.store.CreateInvoice(ctx, id, store.InvoiceInput{CustomerID: customers[0], InvoiceDate: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
		Lines: []store.LineInput{{ServiceID: services[0], QuantityMilli: 1000, RateCents: 8000}}})
	if err != nil {
		b.Fatal(err)
	}
	db := e.store.DB()
	// One statement: 50,000 cards spread over the year's days, people, customers and
	// services, with rates of a few cents' odd amounts so rounding happens.
	if _, err := db.ExecContext(ctx, `INSERT INTO time_cards (account_id, user_id, customer_id, service_id, work_date, minutes, billable, rate_cents, notes, invoice_id)
		SELECT $1, ($2::bigint[])[1 + i % 20], ($3::bigint[])[1 + (i / 7) % 30], ($4::bigint[])[1 + (i / 3) % 8],
			DATE '2025-01-01' + (i % 365), 15 + (i * 37) % 240, i % 5 <> 0, 8000 + (i % 13) * 125, 'bench card ' || i,
			CASE WHEN i % 10 = 0 THEN $5::bigint END
		FROM generate_series(0, 49999) AS i`, id, pgInt64Array(users), pgInt64Array(customers), pgInt64Array(services), inv.ID); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO sync_states (account_id, object_type, object_id, status, last_synced_at)
		SELECT account_id, 'time_card', id, 'synced', now() FROM time_cards WHERE account_id = $1 AND id % 3 = 0`, id); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE time_cards; ANALYZE sync_states`); err != nil {
		b.Fatal(err)
	}
	return owner
}

func pgInt64Array(ids []int64) string {
	out := "{"
	for i, id := range ids {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprint(id)
	}
	return out + "}"
}

// BenchmarkReportPageOfAYear is the server time of the Reports page for one year of
// a firm of 20 people and 50,000 cards (the figures, the table by the grouping, the
// 53-week chart and the filters' lists), over real HTTP on Postgres, one request at a
// time, signed in as the owner: docs/BENCHMARKS.md.
//
//	go test ./server -run '^$' -bench 'ReportPageOfAYear' -benchtime 50x
func BenchmarkReportPageOfAYear(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := benchReportFirm(b, e)
	for _, groupBy := range []string{"customer", "person", "week"} {
		b.Run(groupBy, func(b *testing.B) {
			url := e.srv.URL + "/reports?from=2025-01-01&to=2025-12-31&group_by=" + groupBy
			get := func() {
				resp, err := owner.http.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || len(body) < 20_000 {
					b.Fatalf("report: status %d, %d bytes", resp.StatusCode, len(body))
				}
			}
			get()
			b.ResetTimer()
			for range b.N {
				get()
			}
		})
	}
}

// BenchmarkReportDetailCSVOfAYear is the detail export of the same year: 50,000 rows.
//
//	go test ./server -run '^$' -bench 'ReportDetailCSVOfAYear' -benchtime 10x
func BenchmarkReportDetailCSVOfAYear(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := benchReportFirm(b, e)
	url := e.srv.URL + "/reports.csv?from=2025-01-01&to=2025-12-31&detail=1"
	for range b.N {
		resp, err := owner.http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n < 1_000_000 {
			b.Fatalf("detail: status %d, %d bytes", resp.StatusCode, n)
		}
	}
}
