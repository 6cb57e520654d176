package qbo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"hoursync/internal/config"
)

// DBLimiter keeps every process of every worker pool inside one realm's QBO budget
// (requests per window, requests in flight, batch calls per window) through
// PostgreSQL: see the package doc for why. It is safe for concurrent use.
type DBLimiter struct {
	db     *sql.DB
	limits config.RateLimits
	lease  time.Duration

	mu sync.Mutex
	// queues holds, per realm and kind of request (batch, spare, other), the turn of
	// this process's waiters: one of them asks the database at a time, the others wait
	// their turn here, so a crowd of waiters costs one query per freed slot, not one
	// each. freed wakes a realm's waiter for an in-flight slot when this process ends
	// one of the realm's requests.
	queues map[queueKey]chan struct{}
	freed  map[string]chan struct{}
	// pausedUntil is, per realm, the end of the pause this process last started after
	// a throttled answer (so ten throttled answers in flight start one pause).
	pausedUntil map[string]time.Time
}

type queueKey struct {
	realm string
	kind  int
}

// arrivalBound bounds how long after its slot was granted a request reaches QBO (the
// connection, TLS and the request's bytes). A request is counted in the window from
// the moment QBO may last have seen it arrive: when it finished, or — for a long one,
// such as a batch QBO runs item by item — its start plus this bound. Counting a
// 4.5-second batch from its end would waste most of a minute's batch budget at a time.
const arrivalBound = time.Second

// inFlightPoll is the longest a waiter for an in-flight slot sleeps before it asks
// again; a release in this process wakes it sooner, one in another process is seen at
// the next poll.
const inFlightPoll = 50 * time.Millisecond

// NewDBLimiter returns a limiter spending limits through db (migration 00002). lease
// bounds how long a crashed process can hold an in-flight slot; it must exceed the
// client's CallTimeout (0 means 3 minutes).
func NewDBLimiter(db *sql.DB, limits config.RateLimits, lease time.Duration) (*DBLimiter, error) {
	if db == nil {
		return nil, errors.New("qbo: limiter: nil database")
	}
	if limits.Requests < 1 || limits.InFlight < 1 || limits.Batches < 1 || limits.RequestsWindow <= 0 || limits.BatchesWindow <= 0 {
		return nil, fmt.Errorf("qbo: limiter: invalid limits %+v", limits)
	}
	if lease <= 0 {
		lease = 3 * time.Minute
	}
	return &DBLimiter{db: db, limits: limits, lease: lease, queues: map[queueKey]chan struct{}{}, freed: map[string]chan struct{}{},
		pausedUntil: map[string]time.Time{}}, nil
}

type spareKey struct{}

// WithSpareBudget marks the requests made with ctx as ones that may only spend the
// request budget batch calls leave: they never take one of the requests the window's
// batch calls may still make (at most half the requests), so batch calls (30 writes
// for one request) always find a request free while their own budget lasts. Single writes sent to use what the batch budget
// leaves of a realm's throughput go this way.
func WithSpareBudget(ctx context.Context) context.Context {
	return context.WithValue(ctx, spareKey{}, true)
}

func spareBudget(ctx context.Context) bool {
	v, _ := ctx.Value(spareKey{}).(bool)
	return v
}

// Acquire blocks until one more request (batch call when batch is true) of realmID
// may start, and returns the function that marks it finished. Requests are counted in
// their window until QBO can no longer count them (see arrivalBound), so a request
// delayed on its way to QBO still counts against the window QBO sees it in. A request
// made with a WithSpareBudget context leaves the batch calls' share of the requests.
func (l *DBLimiter) Acquire(ctx context.Context, realmID string, batch bool) (func(), error) {
	// The batch calls' share of the requests is what remains of their own budget in the
	// window (never more than half the requests), counted as the statement starts.
	reserve, kind := 0, 0
	switch {
	case batch:
		kind = 2
	case spareBudget(ctx):
		reserve, kind = min(l.limits.Batches, l.limits.Requests/2), 1
	}
	if id, _, err := l.try(ctx, realmID, batch, reserve); err != nil || id != 0 {
		return l.releaser(realmID, id), err
	}
	// Wait for this process's turn among the realm's waiters of the kind, then ask until
	// a slot is free.
	turn := l.queue(queueKey{realmID, kind})
	select {
	case turn <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("qbo: limiter: %w", ctx.Err())
	}
	defer func() { <-turn }()
	freed := l.freedChan(realmID)
	for {
		// Asked again once the turn came: the waiters before may have waited long.
		id, waitMS, err := l.try(ctx, realmID, batch, reserve)
		if err != nil || id != 0 {
			return l.releaser(realmID, id), err
		}
		// Jitter spreads the waiters of several processes so they do not all retry at
		// the same instant.
		d := time.Duration(waitMS)*time.Millisecond + rand.N(5*time.Millisecond)
		var wake <-chan struct{}
		if waitMS <= 5 { // the function's answer when every in-flight slot is taken
			d, wake = inFlightPoll, freed
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("qbo: limiter: %w", ctx.Err())
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// try asks for a slot once: its lease id, or how long to wait.
func (l *DBLimiter) try(ctx context.Context, realmID string, batch bool, reserve int) (id int64, waitMS int, err error) {
	var lease sql.NullInt64
	err = l.db.QueryRowContext(ctx, `SELECT lease_id, wait_ms FROM qbo_rate_acquire($1, $2,
		$3 - CASE WHEN $9 = 0 THEN 0 ELSE greatest(0, $9 - (SELECT count(*)::int FROM qbo_rate_events WHERE realm_id = $1 AND batch
			AND (finished_at IS NULL OR finished_at > clock_timestamp() - $7::interval))) END,
		$4, $5, $6, $7, $8)`,
		realmID, batch, l.limits.Requests, interval(l.limits.RequestsWindow), l.limits.InFlight,
		l.limits.Batches, interval(l.limits.BatchesWindow), interval(l.lease), reserve).Scan(&lease, &waitMS)
	if err != nil {
		return 0, 0, fmt.Errorf("qbo: limiter: acquire: %w", err)
	}
	return lease.Int64, waitMS, nil
}

func (l *DBLimiter) releaser(realmID string, id int64) func() {
	if id == 0 {
		return nil
	}
	return func() { l.release(realmID, id) }
}

func (l *DBLimiter) queue(k queueKey) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	q, ok := l.queues[k]
	if !ok {
		q = make(chan struct{}, 1)
		l.queues[k] = q
	}
	return q
}

func (l *DBLimiter) freedChan(realmID string) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.freed[realmID]
	if !ok {
		f = make(chan struct{}, 1)
		l.freed[realmID] = f
	}
	return f
}

// release marks the request finished, counted in the window from the moment QBO may
// last have seen it arrive (see arrivalBound), and wakes the realm's waiter for an
// in-flight slot, if any. It runs even when the caller's context has ended, with its
// own timeout; if it fails, the lease expiry frees the slot.
func (l *DBLimiter) release(realmID string, id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = l.db.ExecContext(ctx, `UPDATE qbo_rate_events SET finished_at = least(clock_timestamp(), started_at + $2::interval)
		WHERE id = $1`, id, interval(arrivalBound))
	select {
	case l.freedChan(realmID) <- struct{}{}:
	default: // a wake is pending already
	}
}

// throttlePause is how long every process holds a realm's new requests back after QBO
// answered one of them 429. The limiter keeps inside QBO's budget, so a 429 means
// something it does not see spends the realm's budget (another installation of the
// app, or QBO counting differently): hammering would only earn more of them. The
// request that was refused backs off on its own (Options.BaseBackoff, doubling up to
// the 60 s Intuit advises).
const throttlePause = 5 * time.Second

// ObserveQBORequest implements Observer: a throttled answer (429) pauses the realm's
// new requests in every process for throttlePause, by taking all of its in-flight
// slots until then. Those slots count in the window afterwards like requests, which
// keeps the realm a little under its budget for one window after a throttle.
func (l *DBLimiter) ObserveQBORequest(realmID, _ string, status int) {
	if status != http.StatusTooManyRequests {
		return
	}
	now := time.Now()
	l.mu.Lock()
	if l.pausedUntil[realmID].After(now) {
		l.mu.Unlock()
		return
	}
	l.pausedUntil[realmID] = now.Add(throttlePause)
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = l.db.ExecContext(ctx, `INSERT INTO qbo_rate_events (realm_id, batch, started_at, lease_expires_at)
		SELECT $1, false, clock_timestamp(), clock_timestamp() + $2::interval FROM generate_series(1, $3)`,
		realmID, interval(throttlePause), l.limits.InFlight)
}

func interval(d time.Duration) string { return fmt.Sprintf("%d microseconds", d.Microseconds()) }
