package qbo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"hoursync/internal/config"
	"hoursync/internal/qbo"
	"hoursync/internal/qboemu"
	"hoursync/internal/testutil"
)

// meter wraps the emulator's handler and records, for the Accounting API, when each
// request arrived and how many were in flight at most.
type meter struct {
	next http.Handler

	mu          sync.Mutex
	inFlight    int
	maxInFlight int
	arrivals    []time.Time
	batches     []time.Time
	throttled   int
}

func (m *meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Path) < 4 || r.URL.Path[:4] != "/v3/" {
		m.next.ServeHTTP(w, r)
		return
	}
	now := time.Now()
	m.mu.Lock()
	m.inFlight++
	m.maxInFlight = max(m.maxInFlight, m.inFlight)
	m.arrivals = append(m.arrivals, now)
	if len(r.URL.Path) > 6 && r.URL.Path[len(r.URL.Path)-6:] == "/batch" {
		m.batches = append(m.batches, now)
	}
	m.mu.Unlock()
	rec := &statusRecorder{ResponseWriter: w}
	m.next.ServeHTTP(rec, r)
	m.mu.Lock()
	m.inFlight--
	if rec.status == http.StatusTooManyRequests {
		m.throttled++
	}
	m.mu.Unlock()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// maxInWindow is the largest number of times inside any window of length w.
func maxInWindow(times []time.Time, w time.Duration) int {
	ts := append([]time.Time(nil), times...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= w {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// meteredEmulator is an emulator enforcing limits, behind a meter.
func meteredEmulator(t *testing.T, opts qboemu.Options) (*emulator, *meter) {
	t.Helper()
	emu, err := qboemu.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m := &meter{next: emu.Handler()}
	srv := httptest.NewServer(m)
	t.Cleanup(func() {
		srv.Close()
		_ = emu.Close()
	})
	return &emulator{t: t, URL: srv.URL, Emu: emu}, m
}

func limiter(t *testing.T, limits config.RateLimits) *qbo.DBLimiter {
	t.Helper()
	db := testutil.DB(t) // a pool of its own: stands for another worker process
	l, err := qbo.NewDBLimiter(db.DB, limits, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestTwoWorkersShareOneRealmBudget sends 2,000 requests through two clients of one
// realm, each with its own database pool and limiter, against an emulator enforcing
// QBO's limits on a one-second window: none may be throttled.
func TestTwoWorkersShareOneRealmBudget(t *testing.T) {
	const perWindow, window = 400, time.Second
	e, m := meteredEmulator(t, qboemu.Options{TimeScale: float64(time.Minute / window),
		Limits: qboemu.Limits{PerMinute: perWindow, InFlight: 10, BatchPerMinute: 40}})
	realm := e.company("Busy", "Essentials")
	limits := config.RateLimits{Requests: perWindow, RequestsWindow: window, InFlight: 10, Batches: 40, BatchesWindow: window}
	var clients []*qbo.Client
	for range 2 {
		l := limiter(t, limits)
		c, ts := e.client(realm, func(o *qbo.Options) {
			o.Limiter = l
			o.MaxAttempts = 1 // a 429 must surface, not be retried away
		})
		if _, err := ts.Token(); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	const total, workers = 2000, 16
	var wg sync.WaitGroup
	errs := make(chan error, total)
	jobs := make(chan int)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[w%2]
			for range jobs {
				if _, err := qbo.Read[qbo.Customer](ctx(t), c, "1"); err != nil && !errors.Is(err, qbo.ErrNotFound) {
					errs <- err
				}
			}
		}()
	}
	for i := range total {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("request failed: %v", err)
	}
	if m.throttled != 0 {
		t.Fatalf("%d requests throttled", m.throttled)
	}
	if len(m.arrivals) != total {
		t.Fatalf("%d requests arrived, want %d", len(m.arrivals), total)
	}
	if n := maxInWindow(m.arrivals, window); n > perWindow {
		t.Fatalf("%d requests arrived within one window, limit %d", n, perWindow)
	}
	if m.maxInFlight > 10 {
		t.Fatalf("%d requests in flight at once, limit 10", m.maxInFlight)
	}
	cnt := e.counters(realm)
	if cnt["throttled"] != float64(0) || cnt["maxInFlight"].(float64) > 10 {
		t.Fatalf("emulator counters: throttled %v, maxInFlight %v", cnt["throttled"], cnt["maxInFlight"])
	}
}

// TestBatchBudgetAndThrottleBurst: batch calls stay within their own budget, and a
// burst of injected 429s is ridden out by back-off.
func TestBatchBudgetAndThrottleBurst(t *testing.T) {
	const window = 500 * time.Millisecond
	e, m := meteredEmulator(t, qboemu.Options{TimeScale: float64(time.Minute / window),
		Limits: qboemu.Limits{PerMinute: 500, InFlight: 10, BatchPerMinute: 4}})
	realm := e.company("Batches", "Essentials")
	limits := config.RateLimits{Requests: 500, RequestsWindow: window, InFlight: 10, Batches: 4, BatchesWindow: window}
	c1, _ := e.client(realm, func(o *qbo.Options) { o.Limiter = limiter(t, limits) })
	c2, _ := e.client(realm, func(o *qbo.Options) { o.Limiter = limiter(t, limits) })
	e.fault(map[string]any{"realmId": realm, "kind": "throttle", "count": 5})
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := []*qbo.Client{c1, c2}[i%2]
			res, err := qbo.Batch(ctx(t), c, rid(t), []qbo.BatchOp[qbo.Customer]{
				{BID: "a", Operation: qbo.OpCreate, Entity: qbo.Customer{DisplayName: fmt.Sprintf("Batch %d", i)}}})
			if err == nil {
				err = res[0].Err
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("batch failed: %v", err)
	}
	if n := maxInWindow(m.batches, window); n > 4 {
		t.Fatalf("%d batch calls in one window, limit 4", n)
	}
	if m.throttled != 5 {
		t.Fatalf("%d throttled answers, want exactly the 5 injected", m.throttled)
	}
}

// TestCrashedHolderSlotFreesAtLeaseEnd: a process that dies mid-call never releases
// its slot; the slot comes back when the lease ends, and waiting honours the context.
func TestCrashedHolderSlotFreesAtLeaseEnd(t *testing.T) {
	db := testutil.DB(t)
	limits := config.RateLimits{Requests: 100, RequestsWindow: time.Second, InFlight: 1, Batches: 10, BatchesWindow: time.Second}
	l, err := qbo.NewDBLimiter(db.DB, limits, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	realm := "lease-" + testutil.RandomHex(4)
	if _, err := l.Acquire(ctx(t), realm, false); err != nil { // never released: the holder "crashed"
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx(t), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Acquire(short, realm, false); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second slot granted while the first is leased: %v", err)
	}
	release, err := l.Acquire(ctx(t), realm, false)
	if err != nil {
		t.Fatalf("slot not freed by the lease: %v", err)
	}
	release()
	// Another realm has a budget of its own.
	if release, err := l.Acquire(ctx(t), "other-"+realm, false); err != nil {
		t.Fatalf("realms share a budget: %v", err)
	} else {
		release()
	}
}

// TestSpareRequestsLeaveBatchCallsTheirShare: single writes sent with spare budget
// never take the requests the window's batch calls may still make, so a batch call
// finds one; once the batch budget is spent, the spare ones take the rest.
func TestSpareRequestsLeaveBatchCallsTheirShare(t *testing.T) {
	db := testutil.DB(t)
	limits := config.RateLimits{Requests: 10, RequestsWindow: time.Minute, InFlight: 100, Batches: 4, BatchesWindow: time.Minute}
	l, err := qbo.NewDBLimiter(db.DB, limits, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	take := func(realm string, n int, batch bool) {
		t.Helper()
		c := ctx(t)
		if !batch {
			c = qbo.WithSpareBudget(c)
		}
		for i := range n {
			release, err := l.Acquire(c, realm, batch)
			if err != nil {
				t.Fatalf("request %d (batch %v): %v", i, batch, err)
			}
			release()
		}
	}
	refused := func(realm string) {
		t.Helper()
		short, cancel := context.WithTimeout(qbo.WithSpareBudget(ctx(t)), 100*time.Millisecond)
		defer cancel()
		if _, err := l.Acquire(short, realm, false); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a spare request took what the batch calls may still need: %v", err)
		}
	}
	first := "spare-" + testutil.RandomHex(4)
	take(first, 6, false)
	refused(first)
	take(first, 4, true)
	// The batch budget spent first, the spare requests take every request left.
	second := "spare-" + testutil.RandomHex(4)
	take(second, 4, true)
	take(second, 6, false)
	refused(second)
	// Limits that never bind leave spare requests free too.
	huge := config.RateLimits{Requests: 1000000, RequestsWindow: time.Minute, InFlight: 1000, Batches: 1000000, BatchesWindow: time.Minute}
	lh, err := qbo.NewDBLimiter(db.DB, huge, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		release, err := lh.Acquire(qbo.WithSpareBudget(ctx(t)), "huge-"+first, false)
		if err != nil {
			t.Fatalf("spare request with limits that never bind: %v", err)
		}
		release()
	}
}

// TestLongRequestCountsFromWhenQBOSawItArrive: a request that takes longer than the
// arrival bound (a batch QBO runs item by item) is counted in the window from its
// start plus that bound, not from its end; a short one from its end.
func TestLongRequestCountsFromWhenQBOSawItArrive(t *testing.T) {
	db := testutil.DB(t)
	limits := config.RateLimits{Requests: 100, RequestsWindow: time.Minute, InFlight: 10, Batches: 10, BatchesWindow: time.Minute}
	l, err := qbo.NewDBLimiter(db.DB, limits, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	realm := "arrival-" + testutil.RandomHex(4)
	long, err := l.Acquire(ctx(t), realm, true)
	if err != nil {
		t.Fatal(err)
	}
	short, err := l.Acquire(ctx(t), realm, false)
	if err != nil {
		t.Fatal(err)
	}
	short()
	time.Sleep(1200 * time.Millisecond)
	long()
	var counted []float64
	if err := db.SelectContext(ctx(t), &counted, `SELECT extract(epoch FROM finished_at - started_at)::float8 FROM qbo_rate_events
		WHERE realm_id = $1 ORDER BY batch`, realm); err != nil {
		t.Fatal(err)
	}
	if len(counted) != 2 || counted[0] > 0.5 || counted[1] != 1 {
		t.Fatalf("counted from (s after start): %v, want the short one's end and the long one's start + 1 s", counted)
	}
}

// TestThrottledAnswerPausesTheRealm: a 429 seen by one request holds back the realm's
// new requests in every process for a while; other realms go on.
func TestThrottledAnswerPausesTheRealm(t *testing.T) {
	limits := config.RateLimits{Requests: 100, RequestsWindow: time.Minute, InFlight: 10, Batches: 10, BatchesWindow: time.Minute}
	l, other := limiter(t, limits), limiter(t, limits)
	realm := "paused-" + testutil.RandomHex(4)
	l.ObserveQBORequest(realm, qbo.KindWrite, http.StatusTooManyRequests)
	short, cancel := context.WithTimeout(ctx(t), 300*time.Millisecond)
	defer cancel()
	if _, err := other.Acquire(short, realm, false); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("another process sent a request right after a 429: %v", err)
	}
	release, err := other.Acquire(ctx(t), "other-"+realm, false)
	if err != nil {
		t.Fatalf("another realm paused: %v", err)
	}
	release()
}
