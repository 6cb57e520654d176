package store

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// storeCounters are what the hot paths count, read by the metrics below.
type storeCounters struct {
	credentialHits, credentialMisses atomic.Int64
	cardStatements, cardRows         atomic.Int64
	// syncOutcomes counts the outcomes of syncs recorded here, by object type and
	// outcome (succeeded, failed, released).
	syncOutcomes sync.Map // syncOutcome -> *atomic.Int64
	// scheduledRuns counts the runs of scheduled jobs by kind and outcome.
	scheduledRuns sync.Map // scheduledOutcome -> *atomic.Int64
}

type syncOutcome struct{ objectType, outcome string }

// scheduledOutcome is a scheduled job's kind and how it ended.
type scheduledOutcome struct{ kind, outcome string }

func (c *storeCounters) countScheduled(kind, outcome string) {
	v, _ := c.scheduledRuns.LoadOrStore(scheduledOutcome{kind, outcome}, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// scheduledCollector exports storeCounters.scheduledRuns.
type scheduledCollector struct{ c *storeCounters }

var scheduledRunsDesc = prometheus.NewDesc("hoursync_scheduled_runs_total",
	"Runs of the accounts' scheduled jobs this process recorded, by kind (token-keepalive, scheduled-resync) and outcome (succeeded, failed).",
	[]string{"kind", "outcome"}, nil)

func (o scheduledCollector) Describe(ch chan<- *prometheus.Desc) { ch <- scheduledRunsDesc }

func (o scheduledCollector) Collect(ch chan<- prometheus.Metric) {
	// Both outcomes of both kinds always exist, so an alert on increase() has a series.
	for _, kind := range []string{"token-keepalive", "scheduled-resync"} {
		for _, outcome := range []string{"succeeded", "failed"} {
			o.c.scheduledRuns.LoadOrStore(scheduledOutcome{kind, outcome}, new(atomic.Int64))
		}
	}
	o.c.scheduledRuns.Range(func(k, v any) bool {
		so := k.(scheduledOutcome)
		ch <- prometheus.MustNewConstMetric(scheduledRunsDesc, prometheus.CounterValue, float64(v.(*atomic.Int64).Load()), so.kind, so.outcome)
		return true
	})
}

func (c *storeCounters) countOutcome(objectType, outcome string) {
	v, _ := c.syncOutcomes.LoadOrStore(syncOutcome{objectType, outcome}, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// syncOutcomeCollector exports storeCounters.syncOutcomes.
type syncOutcomeCollector struct{ c *storeCounters }

var syncOutcomesDesc = prometheus.NewDesc("hoursync_sync_outcomes_total",
	"Objects whose sync this process recorded, by object type and outcome (succeeded; failed: a person has to act; released: back from a sync that never ran).",
	[]string{"object_type", "outcome"}, nil)

func (o syncOutcomeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- syncOutcomesDesc }

func (o syncOutcomeCollector) Collect(ch chan<- prometheus.Metric) {
	// The series of what syncs exist from the start, so rates and alerts have them.
	for _, objectType := range []string{ObjectTimeCard, ObjectInvoice} {
		for _, outcome := range []string{OutcomeSucceeded, OutcomeFailed} {
			o.c.syncOutcomes.LoadOrStore(syncOutcome{objectType, outcome}, new(atomic.Int64))
		}
	}
	o.c.syncOutcomes.Range(func(k, v any) bool {
		so := k.(syncOutcome)
		ch <- prometheus.MustNewConstMetric(syncOutcomesDesc, prometheus.CounterValue, float64(v.(*atomic.Int64).Load()), so.objectType, so.outcome)
		return true
	})
}

// connectionCollector exports how many QBO connections are in each state, read from
// the database at each scrape (one small query).
type connectionCollector struct{ s *Store }

var connectionsDesc = prometheus.NewDesc("hoursync_qbo_connections",
	"QuickBooks connections by status (connected, needs_reconnect, disconnected): needs_reconnect > 0 means someone must reconnect.",
	[]string{"status"}, nil)

func (o connectionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- connectionsDesc }

func (o connectionCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := o.s.CountConnectionsByStatus(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(connectionsDesc, err)
		return
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(connectionsDesc, prometheus.GaugeValue, float64(n), string(status))
	}
}

// RegisterMetrics exposes the hot paths to operators: how often credentials come from
// memory, whether the cache is listening (0 means every request reads the database,
// so alert on it), and how many cards each group-committed statement carries
// (cards / statements).
func (s *Store) RegisterMetrics(reg prometheus.Registerer) error {
	c := &s.counters
	lookups := func(result string, v *atomic.Int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "hoursync_credential_cache_lookups_total",
			Help:        "Session and API-token lookups, by whether memory answered (hit) or the database (miss).",
			ConstLabels: prometheus.Labels{"result": result},
		}, func() float64 { return float64(v.Load()) })
	}
	for _, col := range []prometheus.Collector{
		lookups("hit", &c.credentialHits),
		lookups("miss", &c.credentialMisses),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hoursync_credential_cache_listening",
			Help: "1 while the credential cache listens for changes and may answer from memory; 0 while every lookup reads the database.",
		}, func() float64 {
			s.credentials.mu.RLock()
			defer s.credentials.mu.RUnlock()
			if s.credentials.live {
				return 1
			}
			return 0
		}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hoursync_time_card_statements_total",
			Help: "Statements that inserted new time cards (each carries one or more cards).",
		}, func() float64 { return float64(c.cardStatements.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hoursync_time_card_statement_cards_total",
			Help: "Cards handed to those statements.",
		}, func() float64 { return float64(c.cardRows.Load()) }),
		syncOutcomeCollector{c},
		scheduledCollector{c},
		connectionCollector{s},
	} {
		if err := reg.Register(col); err != nil {
			return err
		}
	}
	return nil
}
