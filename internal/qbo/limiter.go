package qbo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
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
}

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
	return &DBLimiter{db: db, limits: limits, lease: lease}, nil
}

// Acquire blocks until one more request (batch call when batch is true) of realmID
// may start, and returns the function that marks it finished. Requests are counted
// until the moment they finish, not the moment they start, so a request delayed on
// its way to QBO still counts against the window QBO sees it in.
func (l *DBLimiter) Acquire(ctx context.Context, realmID string, batch bool) (func(), error) {
	for {
		var lease sql.NullInt64
		var waitMS int
		err := l.db.QueryRowContext(ctx, `SELECT lease_id, wait_ms FROM qbo_rate_acquire($1, $2, $3, $4, $5, $6, $7, $8)`,
			realmID, batch, l.limits.Requests, interval(l.limits.RequestsWindow), l.limits.InFlight,
			l.limits.Batches, interval(l.limits.BatchesWindow), interval(l.lease)).Scan(&lease, &waitMS)
		if err != nil {
			return nil, fmt.Errorf("qbo: limiter: acquire: %w", err)
		}
		if lease.Valid {
			id := lease.Int64
			return func() { l.release(id) }, nil
		}
		// Jitter spreads the waiters of several processes so they do not all retry at
		// the same instant.
		d := time.Duration(waitMS)*time.Millisecond + rand.N(5*time.Millisecond)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("qbo: limiter: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// release marks the request finished. It runs even when the caller's context has
// ended, with its own timeout; if it fails, the lease expiry frees the slot.
func (l *DBLimiter) release(id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = l.db.ExecContext(ctx, `UPDATE qbo_rate_events SET finished_at = clock_timestamp() WHERE id = $1`, id)
}

func interval(d time.Duration) string { return fmt.Sprintf("%d microseconds", d.Microseconds()) }
