package e2e

import (
	"testing"
	"time"
)

// TestTwoWorkersOnOneHostRunWithTheDefaultMetricsAddress starts two `hoursync worker`
// processes with METRICS_ADDR unset, as a second worker on a host would be: the second
// finds the default port taken and serves metrics on a free one instead of exiting
// after it had begun polling; both stay up and the cards sync.
func TestTwoWorkersOnOneHostRunWithTheDefaultMetricsAddress(t *testing.T) {
	s := newStackWith(t, false)
	bin := buildHoursync(t)
	first := s.startWorkerProcessWith(bin, "METRICS_ADDR=")
	second := s.startWorkerProcessWith(bin, "METRICS_ADDR=")
	tn := s.connect("Essentials")
	s.importAll(tn)
	_, _, _, ids := s.newCards(tn, 40)
	s.syncCards(tn, ids...)
	if n := s.countSynced(tn, ids); n != len(ids) {
		t.Fatalf("%d of %d cards synced", n, len(ids))
	}
	time.Sleep(time.Second)
	for i, w := range []*workerProcess{first, second} {
		if !w.running() {
			t.Fatalf("worker %d exited: %v", i+1, w.err)
		}
	}
}
