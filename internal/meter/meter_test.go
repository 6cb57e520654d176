package meter_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	promtest "github.com/prometheus/client_golang/prometheus/testutil"

	"hoursync/internal/meter"
	"hoursync/internal/qbo"
	"hoursync/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

func TestReadsAreCountedPerRealmAndMonthAndWarnAtEightyPercent(t *testing.T) {
	db := testutil.DB(t)
	ctx := context.Background()
	var logs bytes.Buffer
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	reg := prometheus.NewRegistry()
	realmA, realmB := "ra-"+testutil.RandomHex(4), "rb-"+testutil.RandomHex(4)
	m := meter.New(db.DB, reg, meter.Options{Budget: 6, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }})
	for i := 0; i < 3; i++ {
		m.ObserveQBORequest(realmA, qbo.KindRead, 200)
	}
	m.ObserveQBORequest(realmA, qbo.KindWrite, 200)
	m.ObserveQBORequest(realmA, qbo.KindBatch, 429)
	m.ObserveQBORequest(realmB, qbo.KindRead, 200)
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := promtest.ToFloat64(m.RequestsCounter().WithLabelValues(realmA, qbo.KindRead, "200")); got != 3 {
		t.Fatalf("reads of A in the metric = %v", got)
	}
	if got := promtest.ToFloat64(m.RequestsCounter().WithLabelValues(realmA, qbo.KindBatch, "429")); got != 1 {
		t.Fatalf("throttled batches of A = %v", got)
	}
	a, err := meter.ReadsThisMonth(ctx, db.DB, now, realmA)
	if err != nil || a != 3 {
		t.Fatalf("reads of A this month = %d, %v", a, err)
	}
	if strings.Contains(logs.String(), "80 %") {
		t.Fatalf("warned at 4 of 6 reads: %s", logs.String())
	}
	// A second process adds to the same figure; at 5 of 6 (over 80 %) it warns, once.
	other := meter.New(db.DB, nil, meter.Options{Budget: 6, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }})
	other.ObserveQBORequest(realmB, qbo.KindRead, 200)
	if err := other.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := other.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "80 %"); n != 1 {
		t.Fatalf("warnings = %d, want 1:\n%s", n, logs.String())
	}
	all, _ := meter.ReadsThisMonth(ctx, db.DB, now, "")
	if all < 5 {
		t.Fatalf("reads of the installation = %d", all)
	}
	// Next month starts from zero.
	next, _ := meter.ReadsThisMonth(ctx, db.DB, now.AddDate(0, 1, 0), realmA)
	if next != 0 {
		t.Fatalf("reads next month = %d", next)
	}
}
