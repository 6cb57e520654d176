package store_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	promtest "github.com/prometheus/client_golang/prometheus/testutil"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

func TestSyncOutcomesAndConnectionStatesAreMetrics(t *testing.T) {
	s := store.New(testutil.DB(t))
	tn := newTenant(t, s)
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	if err := s.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSyncFailure(ctx, tn.account.ID, store.ObjectTimeCard, tn.card.ID, "InactiveInQBO", "inactive", store.SyncRun{}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSyncSuccess(ctx, tn.account.ID, store.ObjectTimeCard, tn.card.ID, store.SyncSuccess{RealmID: "r", QBOID: "9", SyncedVersion: tn.card.Version}, store.SyncRun{}); err != nil {
		t.Fatal(err)
	}
	n, err := promtest.GatherAndCount(reg, "hoursync_sync_outcomes_total", "hoursync_qbo_connections")
	if err != nil {
		t.Fatal(err)
	}
	// succeeded and failed of time cards and invoices (present from the start), and
	// the three connection states.
	if n != 4+3 {
		t.Fatalf("series = %d, want 7", n)
	}
	failed, err := promtest.GatherAndCount(reg, "hoursync_sync_outcomes_total")
	if err != nil || failed != 4 {
		t.Fatalf("outcome series %d, %v", failed, err)
	}
	if v := promtest.ToFloat64(outcomeCounter(t, reg, "time_card", "failed")); v != 1 {
		t.Fatalf("failed time cards = %v", v)
	}
}

// outcomeCounter reads one series of hoursync_sync_outcomes_total.
func outcomeCounter(t *testing.T, reg *prometheus.Registry, objectType, outcome string) prometheus.Collector {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "hoursync_sync_outcomes_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["object_type"] == objectType && labels["outcome"] == outcome {
				c := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
				c.Add(m.GetCounter().GetValue())
				return c
			}
		}
	}
	t.Fatalf("no series %s/%s", objectType, outcome)
	return nil
}
