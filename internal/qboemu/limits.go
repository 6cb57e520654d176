package qboemu

import (
	"sync"
	"time"
)

// windowLimiter enforces QBO's per realm+app limits: requests per window
// (batch calls included), batch calls per window and requests in flight.
type windowLimiter struct {
	perWindow, batchPerWindow, inFlight int
	window                              time.Duration
	now                                 func() time.Time

	mu          sync.Mutex
	apps        map[string]*appLoad
	throttled   int
	maxInFlight int
}

type appLoad struct {
	requests, batches []time.Time
	inFlight          int
}

func newWindowLimiter(l Limits, timeScale float64, now func() time.Time) *windowLimiter {
	w := &windowLimiter{
		perWindow: l.PerMinute, batchPerWindow: l.BatchPerMinute, inFlight: l.InFlight,
		window: time.Duration(float64(time.Minute) / timeScale), now: now, apps: map[string]*appLoad{},
	}
	if w.perWindow <= 0 {
		w.perWindow = 500
	}
	if w.batchPerWindow <= 0 {
		w.batchPerWindow = 40
	}
	if w.inFlight <= 0 {
		w.inFlight = 10
	}
	return w
}

// prune drops the times that left the window.
func prune(ts []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(since) {
		i++
	}
	return ts[i:]
}

func (w *windowLimiter) acquire(realmID, clientID string, batch bool) (func(), bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := realmID + "\x00" + clientID
	a := w.apps[key]
	if a == nil {
		a = &appLoad{}
		w.apps[key] = a
	}
	now := w.now()
	a.requests = prune(a.requests, now.Add(-w.window))
	a.batches = prune(a.batches, now.Add(-w.window))
	if a.inFlight >= w.inFlight || len(a.requests) >= w.perWindow || (batch && len(a.batches) >= w.batchPerWindow) {
		w.throttled++
		return nil, false
	}
	a.requests = append(a.requests, now)
	if batch {
		a.batches = append(a.batches, now)
	}
	a.inFlight++
	w.maxInFlight = max(w.maxInFlight, a.inFlight)
	var once sync.Once
	return func() {
		once.Do(func() {
			w.mu.Lock()
			a.inFlight--
			w.mu.Unlock()
		})
	}, true
}

func (w *windowLimiter) counters() map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return map[string]any{"throttled": w.throttled, "maxInFlight": w.maxInFlight}
}
