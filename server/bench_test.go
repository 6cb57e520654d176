package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCreateTimeCard is closed-loop time-card POSTs over real HTTP on Postgres from
// exactly 50 concurrent clients, whatever GOMAXPROCS is: the API half of the comparison
// with pgbench -c 50 in docs/BENCHMARKS.md.
//
//	go test ./server -run '^$' -bench 'CreateTimeCard$' -benchtime 20s
func BenchmarkCreateTimeCard(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := e.signUp()
	f := owner.fixtures()
	body, _ := json.Marshal(map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2026-03-02", "minutes": 45, "notes": "benchmark"})
	post := newPoster(e, owner, body)
	var next atomic.Int64
	b.ResetTimer()
	closedLoop(b, post, func() bool { return next.Add(1) <= int64(b.N) })
}

// BenchmarkCreateTimeCardWithAPIToken is BenchmarkCreateTimeCard for a script: every
// request carries the same personal API token instead of a session cookie.
//
//	go test ./server -run '^$' -bench 'CreateTimeCardWithAPIToken' -benchtime 20s
func BenchmarkCreateTimeCardWithAPIToken(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := e.signUp()
	f := owner.fixtures()
	var created createdTokenJSON
	owner.call("POST", "/api/v1/api-tokens", map[string]any{"name": "bench"}, http.StatusCreated, &created)
	script := e.newClient()
	script.token = created.Token
	body, _ := json.Marshal(map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2026-03-02", "minutes": 45, "notes": "benchmark"})
	post := newPoster(e, script, body)
	var next atomic.Int64
	b.ResetTimer()
	closedLoop(b, post, func() bool { return next.Add(1) <= int64(b.N) })
}

// closedLoop runs 50 clients, each posting again as soon as its answer arrives, while
// more says so, and returns how many posts were answered.
func closedLoop(b *testing.B, post func() error, more func() bool) int64 {
	var done atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for more() {
				if err := post(); err != nil {
					b.Error(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return done.Load()
}

// logToDevNull makes the server write its request logs to a real file, as it writes
// them to stderr in production, rather than to io.Discard: formatting and the write
// system call are part of a request's cost.
func logToDevNull(b *testing.B) envOption {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return func(d *Deps) { d.Logger = slog.New(slog.NewTextHandler(f, nil)) }
}

// newPoster returns a function that POSTs body as a new time card with owner's session
// (or API token, when owner has one) and fails unless the card is created. Its client keeps up to 500 idle connections,
// and it drains each answer, so connections are reused rather than redialled.
func newPoster(e *testEnv, owner *client, body []byte) func() error {
	cookies := owner.http.Jar.Cookies(mustURL(e.srv.URL))
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 500}}
	return func() error {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/time-cards", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if owner.token != "" {
			req.Header.Set("Authorization", "Bearer "+owner.token)
		} else {
			req.Header.Set(headerCSRF, owner.csrf)
			for _, c := range cookies {
				req.AddCookie(c)
			}
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
}

// BenchmarkTimeCardLatencyAtHalfThroughput measures the closed-loop throughput of
// time-card POSTs at 50 clients for 5 seconds, then sends POSTs at a fixed arrival rate
// of half that throughput for 20 seconds and reports the latency percentiles, each
// measured from the request's scheduled start, so a stall cannot hide the requests
// queued behind it. HOURSYNC_BENCH_RATE overrides the arrival rate (requests/s) and
// HOURSYNC_BENCH_SECONDS the open-loop duration.
//
//	go test ./server -run '^$' -bench TimeCardLatency -benchtime 1x
func BenchmarkTimeCardLatencyAtHalfThroughput(b *testing.B) {
	e := newEnv(b, logToDevNull(b))
	owner := e.signUp()
	f := owner.fixtures()
	body, _ := json.Marshal(map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": "2026-03-02", "minutes": 45})
	post := newPoster(e, owner, body)
	seconds := 20.0
	if v, err := strconv.ParseFloat(os.Getenv("HOURSYNC_BENCH_SECONDS"), 64); err == nil && v > 0 {
		seconds = v
	}
	b.ResetTimer()
	for range b.N {
		stop := time.Now().Add(5 * time.Second)
		throughput := float64(closedLoop(b, post, func() bool { return time.Now().Before(stop) })) / 5
		rate := throughput / 2
		if v, err := strconv.ParseFloat(os.Getenv("HOURSYNC_BENCH_RATE"), 64); err == nil && v > 0 {
			rate = v
		}

		n := int(rate * seconds)
		interval := time.Duration(float64(time.Second) / rate)
		lat := make([]time.Duration, n)
		var wg sync.WaitGroup
		start := time.Now()
		for i := range n {
			at := start.Add(time.Duration(i) * interval)
			time.Sleep(time.Until(at))
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := post(); err != nil {
					b.Error(err)
				}
				lat[i] = time.Since(at)
			}()
		}
		wg.Wait()
		slices.Sort(lat)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(throughput, "closed-loop-req/s")
		b.ReportMetric(rate, "offered-req/s")
		b.ReportMetric(ms(lat[n/2]), "p50-ms")
		b.ReportMetric(ms(lat[n*99/100]), "p99-ms")
		b.ReportMetric(ms(lat[n*999/1000]), "p99.9-ms")
		b.ReportMetric(ms(lat[n-1]), "max-ms")
	}
}
