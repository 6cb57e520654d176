package intuit_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
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
	codes    map[string]codeGrant
	key      *rsa.PrivateKey
	// idClaims edits the ID token's claims before signing (tests of bad tokens).
	idClaims func(map[string]any)
	// signWith, when set, signs ID tokens with a key the JWKS does not publish.
	signWith *rsa.PrivateKey
	// issue, when set, mints refreshed access tokens at the QBO emulator (its admin
	// API) so they work against its Accounting API.
	issue  func(realm string) string
	realms map[string]string // grant id -> realm
}

// codeGrant is what an authorization code stands for.
type codeGrant struct {
	nonce, realm, redirect string
}

func newFakeIntuit(t *testing.T) *fakeIntuit {
	f := &fakeIntuit{clientID: "hoursync-dev", clientSecret: "hoursync-dev-secret",
		live: map[string]string{}, replaced: map[string]bool{}, revoked: map[string]bool{}, access: map[string]string{},
		calls: map[string]int{}, codes: map[string]codeGrant{}, realms: map[string]string{}}
	var err error
	if f.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/v1/tokens/bearer", f.token)
	mux.HandleFunc("POST /v2/oauth2/tokens/revoke", f.revoke)
	mux.HandleFunc("GET /op/v1/jwks", func(w http.ResponseWriter, _ *http.Request) {
		f.writeJSON(w, 200, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /.well-known/openid_configuration", func(w http.ResponseWriter, _ *http.Request) {
		f.writeJSON(w, 200, map[string]any{"issuer": f.URL + "/op/v1", "authorization_endpoint": f.URL + "/connect/oauth2",
			"token_endpoint": f.URL + "/oauth2/v1/tokens/bearer", "userinfo_endpoint": f.URL + "/v1/openid_connect/userinfo",
			"revocation_endpoint": f.URL + "/v2/oauth2/tokens/revoke", "jwks_uri": f.URL + "/op/v1/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /v1/openid_connect/userinfo", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		_, ok := f.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		f.writeJSON(w, 200, map[string]any{"sub": "sub-ada", "email": "ada@example.com", "emailVerified": true,
			"givenName": "Ada", "familyName": "Lovelace"})
	})
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
	if r.PostForm.Get("grant_type") == "authorization_code" {
		f.exchangeCode(w, r)
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
	if f.issue != nil && f.realms[g] != "" {
		access = f.issue(f.realms[g])
	}
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

// adopt makes the fake the token endpoint of a grant issued elsewhere (the QBO
// emulator's admin API) for realm.
func (f *fakeIntuit) adopt(access, refresh, realm string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := randomString()
	f.live[refresh] = g
	f.access[access] = g
	f.realms[g] = realm
}

// revokeAll revokes every grant (as the person disconnecting the app at Intuit).
func (f *fakeIntuit) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.live {
		f.revoked[g] = true
	}
}

// expireRefreshTokens ages every refresh token past its expiry: Intuit answers
// invalid_grant, as for a revoked grant.
func (f *fakeIntuit) expireRefreshTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for rt := range f.live {
		delete(f.live, rt)
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

// authorize pre-answers a consent: the returned code is redeemable once.
func (f *fakeIntuit) authorize(nonce, realm string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	code := "AB-" + randomString()
	f.codes[code] = codeGrant{nonce: nonce, realm: realm, redirect: "http://127.0.0.1:8080/auth/intuit/callback"}
	return code
}

// exchangeCode answers grant_type=authorization_code; f.mu is held.
func (f *fakeIntuit) exchangeCode(w http.ResponseWriter, r *http.Request) {
	cg, ok := f.codes[r.PostForm.Get("code")]
	delete(f.codes, r.PostForm.Get("code"))
	if !ok || r.PostForm.Get("redirect_uri") != cg.redirect {
		f.writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	g := randomString()
	access, refresh := "AT-"+randomString(), "RT-"+randomString()
	f.live[refresh] = g
	f.access[access] = g
	now := time.Now()
	claims := map[string]any{"iss": f.URL + "/op/v1", "aud": []string{f.clientID}, "sub": "sub-ada",
		"email": "ada@example.com", "realmid": cg.realm, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if cg.nonce != "" {
		claims["nonce"] = cg.nonce
	}
	if f.idClaims != nil {
		f.idClaims(claims)
	}
	key := f.key
	if f.signWith != nil {
		key = f.signWith
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		panic(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	idToken, _ := jws.CompactSerialize()
	f.writeJSON(w, http.StatusOK, map[string]any{"token_type": "bearer", "access_token": access, "expires_in": 3600,
		"refresh_token": refresh, "x_refresh_token_expires_in": 8726400, "id_token": idToken})
}
