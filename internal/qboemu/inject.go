package qboemu

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Fault kinds accepted by POST /admin/faults.
const (
	FaultLatency         = "latency"
	FaultError           = "error"
	FaultThrottle        = "throttle"
	FaultDropAfterCommit = "drop_after_commit"
	FaultExpireTokens    = "expire_tokens"
	FaultRevoke          = "revoke"
)

// injectedFault is one rule of POST /admin/faults. Count 0 means every
// matching request until DELETE /admin/faults; Ratio 0 means always.
type injectedFault struct {
	ID      string  `json:"id"`
	RealmID string  `json:"realmId,omitempty"`
	Kind    string  `json:"kind"`
	Status  int     `json:"status,omitempty"`
	Count   int     `json:"count,omitempty"`
	Ratio   float64 `json:"ratio,omitempty"`
	Ms      int     `json:"ms,omitempty"`
	// Format "xml" answers the fault in XML even when JSON was asked for, as QBO's
	// throttles have been seen to.
	Format string `json:"format,omitempty"`
	used   int
}

// faultSet holds the active rules.
type faultSet struct {
	mu       sync.Mutex
	rules    []*injectedFault
	seq      int
	injected int
}

// injection is what the rules decided for one request.
type injection struct {
	latency         time.Duration
	fault           *fault
	faultXML        bool // answer the fault in XML whatever was asked for
	dropAfterCommit bool
}

func (s *faultSet) add(f *injectedFault) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	f.ID = "fault-" + strconv.Itoa(s.seq)
	s.rules = append(s.rules, f)
	return f.ID
}

func (s *faultSet) clear(realmID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if realmID == "" {
		s.rules = nil
		return
	}
	kept := s.rules[:0]
	for _, f := range s.rules {
		if f.RealmID != realmID {
			kept = append(kept, f)
		}
	}
	s.rules = kept
}

func (s *faultSet) injectedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.injected
}

// take applies the rules matching a request of realmID; drop_after_commit
// only applies to writes.
func (s *faultSet) take(realmID string, write bool) injection {
	s.mu.Lock()
	defer s.mu.Unlock()
	var inj injection
	if len(s.rules) == 0 {
		return inj
	}
	kept := s.rules[:0]
	for _, f := range s.rules {
		applies := (f.RealmID == "" || f.RealmID == realmID) && (f.Kind != FaultDropAfterCommit || write)
		if applies && inj.fault == nil && (f.Ratio <= 0 || f.Ratio >= 1 || rand.Float64() < f.Ratio) {
			switch f.Kind {
			case FaultLatency:
				inj.latency += time.Duration(f.Ms) * time.Millisecond
			case FaultError:
				inj.fault = faultInjected(f.Status)
				inj.faultXML = f.Format == "xml"
			case FaultThrottle:
				inj.fault = faultThrottle()
				if f.Status == http.StatusForbidden {
					inj.fault = faultLegacyThrottle()
				}
				inj.faultXML = f.Format == "xml"
			case FaultDropAfterCommit:
				inj.dropAfterCommit = true
			}
			f.used++
			s.injected++
		}
		if f.Count == 0 || f.used < f.Count {
			kept = append(kept, f)
		}
	}
	s.rules = kept
	return inj
}

func (e *Emulator) adminAddFault(r *http.Request) *result {
	var f injectedFault
	if err := decodeAdmin(r, &f); err != nil {
		return adminError(http.StatusBadRequest, "%v", err)
	}
	switch f.Kind {
	case FaultLatency, FaultError, FaultThrottle, FaultDropAfterCommit:
		if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
			return adminError(http.StatusBadRequest, "status must be 4xx or 5xx")
		}
		if f.Count < 0 || f.Ratio < 0 || f.Ms < 0 {
			return adminError(http.StatusBadRequest, "count, ratio and ms must not be negative")
		}
		if f.Format != "" && f.Format != "json" && f.Format != "xml" {
			return adminError(http.StatusBadRequest, "format must be json or xml")
		}
		if f.Kind == FaultThrottle && f.Status != 0 && f.Status != http.StatusTooManyRequests && f.Status != http.StatusForbidden {
			return adminError(http.StatusBadRequest, "a throttle is 429, or 403 as QBO sent it before 2016")
		}
		return adminJSON(http.StatusCreated, map[string]string{"id": e.faults.add(&f)})
	case FaultExpireTokens, FaultRevoke:
		if f.Kind == FaultExpireTokens {
			e.auth.expire(f.RealmID)
		} else {
			e.auth.revoke(f.RealmID)
		}
		e.markDirty()
		e.faults.mu.Lock()
		e.faults.seq++
		e.faults.injected++
		id := "fault-" + strconv.Itoa(e.faults.seq)
		e.faults.mu.Unlock()
		return adminJSON(http.StatusCreated, map[string]string{"id": id})
	}
	return adminError(http.StatusBadRequest, "unknown fault kind %q (want latency, error, throttle, drop_after_commit, expire_tokens or revoke)", f.Kind)
}

func (e *Emulator) adminClearFaults(r *http.Request) *result {
	e.faults.clear(r.URL.Query().Get("realmId"))
	return adminJSON(http.StatusOK, map[string]string{"cleared": "faults"})
}

// counters count Accounting API traffic for GET /admin/counters.
type counters struct {
	mu       sync.Mutex
	requests map[requestKey]int
	replays  map[string]int
	drops    map[string]int
	meters   map[string]*meterCount // by realm (metering.go)
	mails    map[string]int         // invoices sent by email, by realm
}

type requestKey struct {
	realm, entity, operation string
	status                   int
}

func newCounters() *counters {
	return &counters{requests: map[requestKey]int{}, replays: map[string]int{}, drops: map[string]int{},
		meters: map[string]*meterCount{}, mails: map[string]int{}}
}

func (c *counters) request(realm, entity, operation string, status int) {
	c.mu.Lock()
	c.requests[requestKey{realm, entity, operation, status}]++
	c.mu.Unlock()
}

func (c *counters) replayed(realm string) {
	c.mu.Lock()
	c.replays[realm]++
	c.mu.Unlock()
}

func (c *counters) dropped(realm string) {
	c.mu.Lock()
	c.drops[realm]++
	c.mu.Unlock()
}

func (c *counters) reset(realm string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if realm == "" {
		c.requests, c.replays, c.drops = map[requestKey]int{}, map[string]int{}, map[string]int{}
		c.meters, c.mails = map[string]*meterCount{}, map[string]int{}
		return
	}
	for k := range c.requests {
		if k.realm == realm {
			delete(c.requests, k)
		}
	}
	delete(c.replays, realm)
	delete(c.drops, realm)
	delete(c.meters, realm)
	delete(c.mails, realm)
}

// snapshot renders the counters: requests nested by realm, entity,
// operation and status, plus totals.
func (c *counters) snapshot(realm string) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	byRealm := map[string]map[string]map[string]map[string]int{}
	total := 0
	for k, n := range c.requests {
		if realm != "" && k.realm != realm {
			continue
		}
		total += n
		if byRealm[k.realm] == nil {
			byRealm[k.realm] = map[string]map[string]map[string]int{}
		}
		if byRealm[k.realm][k.entity] == nil {
			byRealm[k.realm][k.entity] = map[string]map[string]int{}
		}
		if byRealm[k.realm][k.entity][k.operation] == nil {
			byRealm[k.realm][k.entity][k.operation] = map[string]int{}
		}
		byRealm[k.realm][k.entity][k.operation][strconv.Itoa(k.status)] += n
	}
	sum := func(m map[string]int) int {
		if realm != "" {
			return m[realm]
		}
		t := 0
		for _, n := range m {
			t += n
		}
		return t
	}
	out := map[string]any{
		"requests":           byRealm,
		"requestsTotal":      total,
		"replayedRequestIds": sum(c.replays),
		"droppedResponses":   sum(c.drops),
		"mailsSent":          sum(c.mails),
	}
	c.meterSnapshot(realm, out)
	return out
}
