package qboemu_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"hoursync/internal/qboemu"
)

type oauthEnv struct {
	srv  *httptest.Server
	conf oauth2.Config
}

func newOAuthEnv(t *testing.T) *oauthEnv {
	t.Helper()
	emu, err := qboemu.New(qboemu.Options{Limits: qboemu.Limits{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { srv.Close(); emu.Close() })
	return &oauthEnv{srv: srv, conf: oauth2.Config{
		ClientID: qboemu.DefaultClientID, ClientSecret: qboemu.DefaultClientSecret,
		RedirectURL: "http://127.0.0.1:9999/auth/intuit/callback",
		Scopes:      []string{"openid", "profile", "email", "com.intuit.quickbooks.accounting"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL + "/connect/oauth2", TokenURL: srv.URL + "/oauth2/v1/tokens/bearer",
			AuthStyle: oauth2.AuthStyleInHeader},
	}}
}

func (e *oauthEnv) post(t *testing.T, path, body string) *http.Response {
	t.Helper()
	resp, err := http.Post(e.srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (e *oauthEnv) company(t *testing.T, plan string) string {
	t.Helper()
	resp := e.post(t, "/admin/companies", `{"companyName":"OAuth Co","plan":"`+plan+`","adminUser":{"givenName":"Ada","familyName":"Admin","email":"ada@example.com"}}`)
	defer resp.Body.Close()
	var out struct {
		RealmID string `json:"realmId"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if out.RealmID == "" {
		t.Fatalf("create company: %d", resp.StatusCode)
	}
	return out.RealmID
}

// noRedirect is a browser that stops at redirects so the test can read them.
func noRedirect() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *oauthEnv) verifier(t *testing.T) *oidc.IDTokenVerifier {
	p := (&oidc.ProviderConfig{IssuerURL: e.srv.URL + "/op/v1", JWKSURL: e.srv.URL + "/op/v1/jwks",
		Algorithms: []string{oidc.RS256}}).NewProvider(context.Background())
	return p.Verifier(&oidc.Config{ClientID: qboemu.DefaultClientID})
}

func TestAuthorizationCodeFlowThroughTheConsentPageLikeABrowser(t *testing.T) {
	e := newOAuthEnv(t)
	realm := e.company(t, "Essentials")
	browser := noRedirect()
	resp, err := browser.Get(e.conf.AuthCodeURL("st-123", oidc.Nonce("n-1")))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "OAuth Co") {
		t.Fatalf("consent page %d:\n%s", resp.StatusCode, page)
	}
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)">`).FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	form.Set("realm", realm)
	form.Set("decision", "approve")
	resp, err = browser.PostForm(e.srv.URL+"/connect/oauth2", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "st-123" || loc.Query().Get("realmId") != realm || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %d %s", resp.StatusCode, loc)
	}
	ctx := context.Background()
	tok, err := e.conf.Exchange(ctx, loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := e.verifier(t).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	var claims struct {
		Email   string `json:"email"`
		RealmID string `json:"realmid"`
		Nonce   string `json:"nonce"`
	}
	_ = idt.Claims(&claims)
	if claims.Email != "ada@example.com" || claims.RealmID != realm || claims.Nonce != "n-1" {
		t.Fatalf("claims %+v", claims)
	}
	// The code is single use.
	if _, err := e.conf.Exchange(ctx, loc.Query().Get("code")); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("reused code: %v", err)
	}
	// Userinfo answers with Intuit's camelCase fields.
	req, _ := http.NewRequest("GET", e.srv.URL+"/v1/openid_connect/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	uresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ui map[string]any
	_ = json.NewDecoder(uresp.Body).Decode(&ui)
	uresp.Body.Close()
	if ui["email"] != "ada@example.com" || ui["emailVerified"] != true || ui["givenName"] != "Ada" || ui["sub"] != idt.Subject {
		t.Fatalf("userinfo %v", ui)
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&#43;", "+").Replace(s)
}

func TestPresetConsentDeniedRedirectsWithAccessDenied(t *testing.T) {
	e := newOAuthEnv(t)
	realm := e.company(t, "Plus")
	e.post(t, "/admin/consent", `{"realmId":"`+realm+`","approve":false}`).Body.Close()
	resp, err := noRedirect().Get(e.conf.AuthCodeURL("s1"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "s1" {
		t.Fatalf("denied redirect %s", loc)
	}
}

// presetCode runs the flow through /admin/consent and returns the tokens.
func (e *oauthEnv) presetCode(t *testing.T, realm string) *oauth2.Token {
	t.Helper()
	e.post(t, "/admin/consent", `{"realmId":"`+realm+`","approve":true}`).Body.Close()
	resp, err := noRedirect().Get(e.conf.AuthCodeURL("s"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	tok, err := e.conf.Exchange(context.Background(), loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (e *oauthEnv) refresh(refreshToken string) (*oauth2.Token, error) {
	return e.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refreshToken}).Token()
}

func (e *oauthEnv) counters(t *testing.T) map[string]any {
	resp, err := http.Get(e.srv.URL + "/admin/counters")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&c)
	return c
}

func TestRefreshRotatesAndTheReplacedTokenIsRefusedAndCounted(t *testing.T) {
	e := newOAuthEnv(t)
	tok := e.presetCode(t, e.company(t, "Essentials"))
	next, err := e.refresh(tok.RefreshToken)
	if err != nil || next.RefreshToken == tok.RefreshToken || next.AccessToken == tok.AccessToken {
		t.Fatalf("refresh: %v (rotated: %v)", err, next != nil && next.RefreshToken != tok.RefreshToken)
	}
	if _, err := e.refresh(tok.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("replaced refresh token: %v", err)
	}
	if _, err := e.refresh(next.RefreshToken); err != nil {
		t.Fatalf("current refresh token: %v", err)
	}
	if n, _ := e.counters(t)["replacedRefreshUses"].(float64); n != 1 {
		t.Fatalf("replaced refresh uses counted = %v", e.counters(t)["replacedRefreshUses"])
	}
}

func TestRevokeEndsTheWholeGrant(t *testing.T) {
	e := newOAuthEnv(t)
	realm := e.company(t, "Essentials")
	tok := e.presetCode(t, realm)
	req, _ := http.NewRequest("POST", e.srv.URL+"/v2/oauth2/tokens/revoke", strings.NewReader(`{"token":"`+tok.RefreshToken+`"}`))
	req.SetBasicAuth(qboemu.DefaultClientID, qboemu.DefaultClientSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", err, resp)
	}
	if _, err := e.refresh(tok.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("refresh after revoke: %v", err)
	}
	api, _ := http.NewRequest("GET", e.srv.URL+"/v3/company/"+realm+"/companyinfo/"+realm, nil)
	api.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	api.Header.Set("Accept", "application/json")
	aresp, err := http.DefaultClient.Do(api)
	if err != nil || aresp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API with a revoked access token: %v %d", err, aresp.StatusCode)
	}
}

func TestTokenEndpointRefusesBadClientsCodesAndRedirects(t *testing.T) {
	e := newOAuthEnv(t)
	realm := e.company(t, "Essentials")
	bad := e.conf
	bad.ClientSecret = "wrong"
	if _, err := bad.Exchange(context.Background(), "x"); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("bad secret: %v", err)
	}
	e.post(t, "/admin/consent", `{"realmId":"`+realm+`","approve":true}`).Body.Close()
	resp, _ := noRedirect().Get(e.conf.AuthCodeURL("s"))
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	other := e.conf
	other.RedirectURL = "http://127.0.0.1:1/elsewhere"
	if _, err := other.Exchange(context.Background(), loc.Query().Get("code")); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("redirect mismatch: %v", err)
	}
	// A redirect URI off the loopback is refused outright, without redirecting.
	off := e.conf
	off.RedirectURL = "http://evil.example/cb"
	r2, _ := noRedirect().Get(off.AuthCodeURL("s"))
	r2.Body.Close()
	if r2.StatusCode != http.StatusBadRequest || r2.Header.Get("Location") != "" {
		t.Fatalf("foreign redirect_uri: %d %s", r2.StatusCode, r2.Header.Get("Location"))
	}
}

func TestDiscoveryAtBothPathsNamesTheEndpoints(t *testing.T) {
	e := newOAuthEnv(t)
	for _, p := range []string{"/.well-known/openid_configuration", "/.well-known/openid-configuration"} {
		resp, err := http.Get(e.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if d["issuer"] != e.srv.URL+"/op/v1" || d["token_endpoint"] != e.srv.URL+"/oauth2/v1/tokens/bearer" || d["revocation_endpoint"] == nil {
			t.Fatalf("%s: %v", p, d)
		}
	}
}
