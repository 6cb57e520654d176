package intuit_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// fakeIntuit mints the ID tokens the emulator never will — another audience or
// issuer, expired, signed by a key its JWKS does not publish — on Intuit's token and
// JWKS paths, so the verifier's refusals can be tested. Everything else runs against
// the emulator.
type fakeIntuit struct {
	URL string
	key *rsa.PrivateKey

	mu    sync.Mutex
	codes map[string]string // code -> nonce
	// idClaims edits the ID token's claims before signing.
	idClaims func(map[string]any)
	// signWith, when set, signs with a key the JWKS does not publish.
	signWith *rsa.PrivateKey
}

func newFakeIntuit(t *testing.T) *fakeIntuit {
	f := &fakeIntuit{codes: map[string]string{}}
	var err error
	if f.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/v1/tokens/bearer", f.token)
	mux.HandleFunc("GET /op/v1/jwks", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// authorize pre-answers a consent: the returned code is redeemable once.
func (f *fakeIntuit) authorize(nonce, _ string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	code := "AB-" + randomString()
	f.codes[code] = nonce
	return code
}

func (f *fakeIntuit) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	nonce, ok := f.codes[r.PostForm.Get("code")]
	delete(f.codes, r.PostForm.Get("code"))
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": f.URL + "/op/v1", "aud": []string{"hoursync-dev"}, "sub": "sub-ada",
		"email": "ada@example.com", "realmid": "1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "nonce": nonce}
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
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "bearer", "access_token": "AT-" + randomString(), "expires_in": 3600,
		"refresh_token": "RT-" + randomString(), "x_refresh_token_expires_in": 8726400, "id_token": idToken})
}
