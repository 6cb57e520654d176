// Package meter counts Hoursync's requests to QuickBooks Online the way Intuit meters
// them: reads ("CorePlus" calls: GET, queries, CDC, reports) count against one monthly
// pool for the whole installation, and beyond it Intuit answers 429 until the month
// ends. The meter exports the counts as Prometheus metrics, keeps them per realm and
// month in PostgreSQL (so every process adds to one figure and Settings can show an
// account its reads), and warns when the month's reads pass 80 % of the budget.
package meter

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// WarnAt is the share of the monthly read budget at which the meter warns.
const WarnAt = 0.8

// Meter implements qbo.Observer. Create it with New; run Run so it writes its counts.
type Meter struct {
	db       *sql.DB
	log      *slog.Logger
	budget   int64
	now      func() time.Time
	requests *prometheus.CounterVec
	reads    prometheus.Gauge
	budgetG  prometheus.Gauge

	mu      sync.Mutex
	pending map[key]int64
	warned  string // the month last warned about
}

type key struct {
	realm, kind string
	month       time.Time
}

// Options configure a Meter.
type Options struct {
	// Budget is the installation's monthly read budget (QBO_READ_BUDGET); 0 for none.
	Budget int64
	Logger *slog.Logger
	// Now defaults to time.Now (tests move the month).
	Now func() time.Time
}

// New returns a meter writing to db and registering its metrics on reg.
func New(db *sql.DB, reg prometheus.Registerer, opts Options) *Meter {
	m := &Meter{db: db, log: opts.Logger, budget: opts.Budget, now: opts.Now, pending: map[key]int64{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hoursync_qbo_requests_total",
			Help: "Requests sent to QuickBooks Online, by realm, kind (read = metered CorePlus call, write, batch) and HTTP status (0: no answer)."},
			[]string{"realm", "kind", "status"}),
		reads: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hoursync_qbo_reads_this_month",
			Help: "QBO reads (metered CorePlus calls) of the whole installation this calendar month (UTC), from the database."}),
		budgetG: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hoursync_qbo_read_budget",
			Help: "The installation's monthly QBO read budget (QBO_READ_BUDGET); 0 means none is set."}),
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.now == nil {
		m.now = time.Now
	}
	m.budgetG.Set(float64(opts.Budget))
	if reg != nil {
		reg.MustRegister(m.requests, m.reads, m.budgetG)
	}
	return m
}

// monthOf is the first day of t's month, in UTC (Intuit's months).
func monthOf(t time.Time) time.Time {
	y, mo, _ := t.UTC().Date()
	return time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
}

// ObserveQBORequest counts one attempt (qbo.Observer).
func (m *Meter) ObserveQBORequest(realmID, kind string, status int) {
	m.requests.WithLabelValues(realmID, kind, strconv.Itoa(status)).Inc()
	m.mu.Lock()
	m.pending[key{realm: realmID, kind: kind, month: monthOf(m.now())}]++
	m.mu.Unlock()
}

// Run writes the counts every interval until ctx ends, then once more.
func (m *Meter) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := m.Flush(fctx); err != nil {
				m.log.Warn("QBO request meter: last flush", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := m.Flush(ctx); err != nil && ctx.Err() == nil {
				m.log.Warn("QBO request meter: flush", "err", err)
			}
		}
	}
}

// Flush adds the counts gathered since the last flush to the database and refreshes
// the month's figure; counts it could not write are kept for the next flush.
func (m *Meter) Flush(ctx context.Context) error {
	m.mu.Lock()
	batch := m.pending
	m.pending = map[key]int64{}
	m.mu.Unlock()
	var failed error
	for k, n := range batch {
		if _, err := m.db.ExecContext(ctx, `INSERT INTO qbo_request_counts (realm_id, month, kind, count) VALUES ($1, $2, $3, $4)
			ON CONFLICT (realm_id, month, kind) DO UPDATE SET count = qbo_request_counts.count + EXCLUDED.count`,
			k.realm, k.month, k.kind, n); err != nil {
			m.mu.Lock()
			m.pending[k] += n
			m.mu.Unlock()
			failed = fmt.Errorf("meter: write counts: %w", err)
		}
	}
	if failed != nil {
		return failed
	}
	return m.refresh(ctx)
}

// refresh reads the installation's reads this month and warns once a month past 80 %.
func (m *Meter) refresh(ctx context.Context) error {
	month := monthOf(m.now())
	reads, err := ReadsThisMonth(ctx, m.db, month, "")
	if err != nil {
		return err
	}
	m.reads.Set(float64(reads))
	if m.budget > 0 && float64(reads) >= WarnAt*float64(m.budget) {
		m.mu.Lock()
		first := m.warned != month.Format("2006-01")
		m.warned = month.Format("2006-01")
		m.mu.Unlock()
		if first {
			m.log.Warn("QBO reads this month passed 80 % of the budget: Intuit answers 429 to every read once the pool is spent",
				"reads", reads, "budget", m.budget, "month", month.Format("2006-01"))
		}
	}
	return nil
}

// ReadsThisMonth counts the metered reads of the month starting at month, of one realm
// or ("") of all.
func ReadsThisMonth(ctx context.Context, db *sql.DB, month time.Time, realmID string) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT COALESCE(sum(count), 0) FROM qbo_request_counts
		WHERE month = $1 AND kind = 'read' AND ($2 = '' OR realm_id = $2)`, monthOf(month), realmID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("meter: reads this month: %w", err)
	}
	return n, nil
}

// RequestsCounter is hoursync_qbo_requests_total (tests read it).
func (m *Meter) RequestsCounter() *prometheus.CounterVec { return m.requests }
