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
	// failed + succeeded for time cards, and the three connection states.
	if n != 2+3 {
		t.Fatalf("series = %d, want 5", n)
	}
}
