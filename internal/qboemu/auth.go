package qboemu

import (
	"errors"
	"net/http"
	"time"
)

// grant is what an access token stands for.
type grant struct {
	realmID, clientID string
}

// errTokenExpired and errTokenUnknown tell the gateway which 401 detail to send.
var (
	errTokenExpired = errors.New("qboemu: access token expired")
	errTokenUnknown = errors.New("qboemu: access token unknown")
)

// authority is the Intuit OAuth server as the Accounting API sees it.
type authority interface {
	register(mux *http.ServeMux)
	authenticate(accessToken string) (grant, error)
	issue(realmID, clientID, scope string) (any, error)
	expire(realmID string)
	revoke(realmID string)
	// setHardExpiry moves the five-year end of the realm's grants; it returns how many.
	setHardExpiry(realmID string, at time.Time) int
	counters() map[string]any
	snapshot() ([]byte, error)
	restore(data []byte) error
	reset(realmID string)
}

// limiter is QBO's per realm+app throttle.
type limiter interface {
	acquire(realmID, clientID string, batch bool) (release func(), ok bool)
	counters() map[string]any
}

// notifier sends change notifications (webhooks).
type notifier interface {
	notify(realmID, entity, id, operation string, at time.Time)
	close()
}

// openLimiter never throttles; used when limits are off.
type openLimiter struct{}

func (openLimiter) acquire(string, string, bool) (func(), bool) { return func() {}, true }
func (openLimiter) counters() map[string]any                    { return map[string]any{} }

// silentNotifier drops notifications; used when no webhook URL is set.
type silentNotifier struct{}

func (silentNotifier) notify(string, string, string, string, time.Time) {}
func (silentNotifier) close()                                           {}
