package qboemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
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

// tokenAuthority is a minimal bearer-token issuer used until the full Intuit
// OAuth server is mounted: tokens come only from the admin API.
type tokenAuthority struct {
	now      func() time.Time
	lifetime time.Duration

	mu     sync.Mutex
	tokens map[string]issuedToken
	issued int
}

type issuedToken struct {
	RealmID  string    `json:"realmId"`
	ClientID string    `json:"clientId"`
	Expires  time.Time `json:"expires"`
}

func newTokenAuthority(now func() time.Time, timeScale float64) *tokenAuthority {
	return &tokenAuthority{now: now, lifetime: time.Duration(float64(time.Hour) / timeScale), tokens: map[string]issuedToken{}}
}

func (a *tokenAuthority) register(*http.ServeMux) {}

func (a *tokenAuthority) authenticate(token string) (grant, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.tokens[token]
	if !ok {
		return grant{}, errTokenUnknown
	}
	if !a.now().Before(t.Expires) {
		return grant{}, errTokenExpired
	}
	return grant{realmID: t.RealmID, clientID: t.ClientID}, nil
}

func (a *tokenAuthority) issue(realmID, clientID, _ string) (any, error) {
	access, err := randomToken()
	if err != nil {
		return nil, err
	}
	refresh, err := randomToken()
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tokens[access] = issuedToken{RealmID: realmID, ClientID: clientID, Expires: a.now().Add(a.lifetime)}
	a.issued++
	return map[string]any{
		"token_type": "bearer", "access_token": access, "expires_in": int64(a.lifetime / time.Second),
		"refresh_token": refresh, "x_refresh_token_expires_in": int64(8726400),
	}, nil
}

func (a *tokenAuthority) expire(realmID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, t := range a.tokens {
		if realmID == "" || t.RealmID == realmID {
			t.Expires = a.now()
			a.tokens[k] = t
		}
	}
}

func (a *tokenAuthority) revoke(realmID string) { a.reset(realmID) }

func (a *tokenAuthority) reset(realmID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, t := range a.tokens {
		if realmID == "" || t.RealmID == realmID {
			delete(a.tokens, k)
		}
	}
}

func (a *tokenAuthority) counters() map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	return map[string]any{"tokensIssued": a.issued}
}

func (a *tokenAuthority) snapshot() ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, err := json.Marshal(a.tokens)
	if err != nil {
		return nil, fmt.Errorf("qboemu: snapshot tokens: %w", err)
	}
	return b, nil
}

func (a *tokenAuthority) restore(data []byte) error {
	tokens := map[string]issuedToken{}
	if err := json.Unmarshal(data, &tokens); err != nil {
		return fmt.Errorf("qboemu: restore tokens: %w", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tokens = tokens
	return nil
}

func randomToken() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("qboemu: random token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// openLimiter never throttles; used when limits are off.
type openLimiter struct{}

func (openLimiter) acquire(string, string, bool) (func(), bool) { return func() {}, true }
func (openLimiter) counters() map[string]any                    { return map[string]any{} }

// silentNotifier drops notifications; used when no webhook URL is set.
type silentNotifier struct{}

func (silentNotifier) notify(string, string, string, string, time.Time) {}
func (silentNotifier) close()                                           {}
