package intuit_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hoursync/internal/config"
	"hoursync/internal/intuit"
	"hoursync/internal/qboemu"
)

func newOAuth(t *testing.T, cfg config.IntuitConfig) *intuit.OAuth {
	t.Helper()
	o, err := intuit.NewOAuth(cfg, "http://127.0.0.1:8080/auth/intuit/callback", nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestAuthCodeURLCarriesStateNonceAndScopes(t *testing.T) {
	o := newOAuth(t, intuitConfig("https://appcenter.example"))
	u, err := url.Parse(o.AuthCodeURL("st-123", "n-456"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/connect/oauth2" || q.Get("state") != "st-123" || q.Get("nonce") != "n-456" || q.Get("response_type") != "code" ||
		q.Get("client_id") != "hoursync-dev" || q.Get("redirect_uri") != "http://127.0.0.1:8080/auth/intuit/callback" {
		t.Fatalf("authorize URL %s", u)
	}
	for _, s := range []string{"com.intuit.quickbooks.accounting", "openid", "email", "profile"} {
		if !strings.Contains(" "+q.Get("scope")+" ", " "+s+" ") {
			t.Errorf("scope %q missing from %q", s, q.Get("scope"))
		}
	}
}

// TestCodeFlowAgainstEmulator drives the authorization-code flow against the
// emulator's Intuit OAuth server: consent, exchange, ID token verified against its
// JWKS (with the nonce), userinfo, and single-use codes.
func TestCodeFlowAgainstEmulator(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	realm := e.company("Flow Co", "Essentials")
	o := newOAuth(t, intuitConfig(e.URL))
	q := e.authorize(o.AuthCodeURL("st-1", "n-1"), realm)
	if q.Get("state") != "st-1" || q.Get("realmId") != realm || q.Get("code") == "" {
		t.Fatalf("redirect %v", q)
	}
	g, err := o.Exchange(ctx(t), q.Get("code"), "n-1")
	if err != nil {
		t.Fatal(err)
	}
	if g.Token.AccessToken == "" || g.Token.RefreshToken == "" || g.ID == nil || g.ID.Subject == "" ||
		g.ID.RealmID != realm || g.ID.Email != "ada@example.com" || g.ID.Nonce != "n-1" {
		t.Fatalf("grant %+v id %+v", g, g.ID)
	}
	ui, err := o.UserInfo(ctx(t), g.Token)
	if err != nil || ui.Subject != g.ID.Subject || ui.GivenName != "Ada" || !ui.EmailVerified {
		t.Fatalf("userinfo %+v %v", ui, err)
	}
	if _, err := o.Exchange(ctx(t), q.Get("code"), "n-1"); !errors.Is(err, intuit.ErrInvalidGrant) || strings.Contains(err.Error(), q.Get("code")) {
		t.Fatalf("reused code: %v", err)
	}
	q = e.authorize(o.AuthCodeURL("st-2", "n-2"), realm)
	if _, err := o.Exchange(ctx(t), q.Get("code"), "n-other"); err == nil {
		t.Fatal("ID token with another nonce accepted")
	}
	// The refresh token of the grant works, and rotates.
	tok, err := o.Refresh(ctx(t), g.Token.RefreshToken)
	if err != nil || tok.RefreshToken == g.Token.RefreshToken {
		t.Fatalf("refresh: %v", err)
	}
	if _, err := o.Refresh(ctx(t), g.Token.RefreshToken); !errors.Is(err, intuit.ErrInvalidGrant) {
		t.Fatalf("replaced refresh token accepted: %v", err)
	}
	// Wrong client credentials are an operator error, not the person's.
	cfg := intuitConfig(e.URL)
	cfg.ClientSecret = "wrong-secret"
	if _, err := newOAuth(t, cfg).Refresh(ctx(t), tok.RefreshToken); !errors.Is(err, intuit.ErrInvalidClient) ||
		strings.Contains(err.Error(), "wrong-secret") || strings.Contains(err.Error(), tok.RefreshToken) {
		t.Fatalf("bad credentials: %v", err)
	}
}

// TestIDTokenForgeriesRejected: tokens with another audience, issuer, an expiry in the
// past or a signature by a key the JWKS does not publish are refused. The emulator
// only mints good tokens, so a small stand-in signs these.
func TestIDTokenForgeriesRejected(t *testing.T) {
	idp := newFakeIntuit(t)
	o := newOAuth(t, intuitConfig(idp.URL))
	if _, err := o.Exchange(ctx(t), idp.authorize("n-0", "1"), "n-0"); err != nil {
		t.Fatalf("good token refused: %v", err)
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		claims   func(map[string]any)
		signWith *rsa.PrivateKey
	}{
		"wrong audience":  {claims: func(c map[string]any) { c["aud"] = []string{"someone-else"} }},
		"wrong issuer":    {claims: func(c map[string]any) { c["iss"] = "https://evil.example/op/v1" }},
		"expired":         {claims: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }},
		"foreign signing": {signWith: otherKey},
	} {
		idp.idClaims, idp.signWith = tc.claims, tc.signWith
		if _, err := o.Exchange(ctx(t), idp.authorize("n-2", "1"), "n-2"); err == nil {
			t.Errorf("%s: ID token accepted", name)
		}
	}
}

func TestDiscoverReadsEndpoints(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	for _, path := range []string{"/.well-known/openid_configuration", "/.well-known/openid-configuration"} {
		cfg, err := intuit.Discover(ctx(t), http.DefaultClient, e.URL+path,
			config.IntuitConfig{ClientID: "hoursync-dev", ClientSecret: "hoursync-dev-secret"})
		if err != nil {
			t.Fatal(err)
		}
		if cfg != intuitConfig(e.URL) {
			t.Fatalf("discovered %+v", cfg)
		}
	}
}

func TestRevokeEndsTheGrant(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	realm := e.company("Revoke", "Essentials")
	o := newOAuth(t, intuitConfig(e.URL))
	tok := e.grant(realm)
	if err := o.Revoke(ctx(t), tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Refresh(ctx(t), tok.RefreshToken); !errors.Is(err, intuit.ErrInvalidGrant) {
		t.Fatalf("refresh after revoke: %v", err)
	}
	if n := e.counters().InvalidGrant["revoked"]; n != 1 {
		t.Fatalf("invalid_grant revoked = %d", n)
	}
}
