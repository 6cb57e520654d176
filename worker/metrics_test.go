package worker_test

import (
	"net"
	"strings"
	"testing"

	"hoursync/worker"
)

func TestMetricsListenerTakesAFreePortWhenTheDefaultIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()

	l, err := worker.ListenMetrics(addr, true)
	if err != nil {
		t.Fatalf("default address taken: %v", err)
	}
	defer l.Close()
	if l.Addr().String() == addr || !strings.HasPrefix(l.Addr().String(), "127.0.0.1:") {
		t.Fatalf("got %s, want another port on 127.0.0.1", l.Addr())
	}

	// Set explicitly, a taken address is an error that says what to set.
	_, err = worker.ListenMetrics(addr, false)
	if err == nil || !strings.Contains(err.Error(), "METRICS_ADDR") || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("explicit taken address: %v", err)
	}
}
