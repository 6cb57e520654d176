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

func TestExchangeVerifiesIDToken(t *testing.T) {
	idp := newFakeIntuit(t)
	o := newOAuth(t, intuitConfig(idp.URL))
	g, err := o.Exchange(ctx(t), idp.authorize("n-1", "4620816365"), "n-1")
	if err != nil {
		t.Fatal(err)
	}
	if g.Token.AccessToken == "" || g.Token.RefreshToken == "" || g.ID == nil || g.ID.Subject != "sub-ada" ||
		g.ID.RealmID != "4620816365" || g.ID.Email != "ada@example.com" {
		t.Fatalf("grant %+v id %+v", g, g.ID)
	}
	ui, err := o.UserInfo(ctx(t), g.Token)
	if err != nil || ui.Subject != "sub-ada" || ui.GivenName != "Ada" || !ui.EmailVerified {
		t.Fatalf("userinfo %+v %v", ui, err)
	}
	// A code is single-use.
	code := idp.authorize("", "1")
	if _, err := o.Exchange(ctx(t), code, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Exchange(ctx(t), code, ""); !errors.Is(err, intuit.ErrInvalidGrant) || strings.Contains(err.Error(), code) {
		t.Fatalf("reused code: %v", err)
	}

	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		claims   func(map[string]any)
		signWith *rsa.PrivateKey
		nonce    string
	}{
		"wrong nonce":     {nonce: "n-other"},
		"wrong audience":  {claims: func(c map[string]any) { c["aud"] = []string{"someone-else"} }},
		"wrong issuer":    {claims: func(c map[string]any) { c["iss"] = "https://evil.example/op/v1" }},
		"expired":         {claims: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }},
		"foreign signing": {signWith: otherKey},
	} {
		idp.idClaims, idp.signWith = tc.claims, tc.signWith
		nonce := tc.nonce
		if nonce == "" {
			nonce = "n-2"
		}
		if _, err := o.Exchange(ctx(t), idp.authorize("n-2", "1"), nonce); err == nil {
			t.Errorf("%s: ID token accepted", name)
		}
	}
}

func TestDiscoverReadsEndpoints(t *testing.T) {
	idp := newFakeIntuit(t)
	cfg, err := intuit.Discover(ctx(t), http.DefaultClient, idp.URL+"/.well-known/openid_configuration",
		config.IntuitConfig{ClientID: "hoursync-dev", ClientSecret: "hoursync-dev-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg != intuitConfig(idp.URL) {
		t.Fatalf("discovered %+v", cfg)
	}
}

func TestRevokeEndsTheGrant(t *testing.T) {
	idp := newFakeIntuit(t)
	o := newOAuth(t, intuitConfig(idp.URL))
	_, refresh := idp.grant()
	if err := o.Revoke(ctx(t), refresh); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Refresh(ctx(t), refresh); !errors.Is(err, intuit.ErrInvalidGrant) {
		t.Fatalf("refresh after revoke: %v", err)
	}
}
