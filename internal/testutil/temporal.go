package testutil

import (
	"log/slog"
	"os"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
)

// TemporalAddress is the dev server `make test` started for this run
// (HOURSYNC_TEST_TEMPORAL_ADDRESS). Without one the test skips, or fails in CI.
func TemporalAddress(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("HOURSYNC_TEST_TEMPORAL_ADDRESS")
	if addr == "" {
		Unavailable(t, "no Temporal dev server: run through `make test`, or set HOURSYNC_TEST_TEMPORAL_ADDRESS")
	}
	return addr
}

// Temporal connects a client to the run's dev server and returns it with a task queue
// unique to the test, so tests never steal each other's tasks.
func Temporal(t testing.TB) (client.Client, string) {
	t.Helper()
	addr := TemporalAddress(t)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := client.Dial(client.Options{HostPort: addr, Logger: log.NewStructuredLogger(logger)})
	if err != nil {
		Unavailable(t, "Temporal at %s: %v", addr, err)
	}
	t.Cleanup(c.Close)
	return c, UniqueName("hoursync-test")
}
