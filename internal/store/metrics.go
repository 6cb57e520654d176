package store

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// storeCounters are what the hot paths count, read by the metrics below.
type storeCounters struct {
	credentialHits, credentialMisses atomic.Int64
	cardStatements, cardRows         atomic.Int64
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
	} {
		if err := reg.Register(col); err != nil {
			return err
		}
	}
	return nil
}
