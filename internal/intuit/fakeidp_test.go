package intuit_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeIntuit is a small stand-in for Intuit's token and revoke endpoints, answering
// with Intuit's documented bodies: rotating refresh tokens (a replaced one is refused
// with invalid_grant and its use counted), invalid_client for wrong credentials.
// Used until the emulator's OAuth server serves the same.
type fakeIntuit struct {
	URL          string
	clientID     string
	clientSecret string
	// leak makes error bodies quote the refresh token, to prove it never escapes.
	leak bool

	mu       sync.Mutex
	live     map[string]string // refresh token -> grant id
	replaced map[string]bool
	revoked  map[string]bool // grant ids
	access   map[string]string
	calls    map[string]int
	reused   int
}

func newFakeIntuit(t *testing.T) *fakeIntuit {
	f := &fakeIntuit{clientID: "hoursync-dev", clientSecret: "hoursync-dev-secret",
		live: map[string]string{}, replaced: map[string]bool{}, revoked: map[string]bool{}, access: map[string]string{}, calls: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/v1/tokens/bearer", f.token)
	mux.HandleFunc("POST /v2/oauth2/tokens/revoke", f.revoke)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func randomString() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// grant issues a new grant (as the authorization-code exchange would).
func (f *fakeIntuit) grant() (access, refresh string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := randomString()
	access, refresh = "AT-"+randomString(), "RT-"+randomString()
	f.live[refresh] = g
	f.access[access] = g
	return access, refresh
}

func (f *fakeIntuit) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeIntuit) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[r.PostForm.Get("grant_type")]++
	if !ok || id != f.clientID || secret != f.clientSecret {
		f.writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	rt := r.PostForm.Get("refresh_token")
	g, live := f.live[rt]
	if f.replaced[rt] {
		f.reused++
	}
	if !live || f.revoked[g] {
		body := map[string]string{"error": "invalid_grant"}
		if f.leak {
			body["error_description"] = "refresh token " + rt + " is invalid"
		}
		f.writeJSON(w, http.StatusBadRequest, body)
		return
	}
	delete(f.live, rt)
	f.replaced[rt] = true
	access, refresh := "AT-"+randomString(), "RT-"+randomString()
	f.live[refresh] = g
	f.access[access] = g
	f.writeJSON(w, http.StatusOK, map[string]any{"token_type": "bearer", "access_token": access, "expires_in": 3600,
		"refresh_token": refresh, "x_refresh_token_expires_in": 8726400})
}

func (f *fakeIntuit) revoke(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Token string `json:"token"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls["revoke"]++
	g, ok := f.live[body.Token]
	if !ok {
		g, ok = f.access[body.Token]
	}
	if !ok {
		f.writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_token"})
		return
	}
	f.revoked[g] = true
	w.WriteHeader(http.StatusOK)
}

// revokeAll revokes every grant (as the person disconnecting the app at Intuit).
func (f *fakeIntuit) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.live {
		f.revoked[g] = true
	}
}

func (f *fakeIntuit) count(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[kind]
}

func (f *fakeIntuit) reusedReplaced() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reused
}

func (f *fakeIntuit) isLiveRefresh(rt string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.live[rt] != "" && !f.revoked[f.live[rt]] && strings.HasPrefix(rt, "RT-")
}
