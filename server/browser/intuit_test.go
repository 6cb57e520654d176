package browser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"hoursync/server"
)

// emulatorServesOAuth reports whether the emulator at emuURL is also Intuit's OAuth
// server (consent screen, tokens, revocation, OpenID discovery).
func emulatorServesOAuth(emuURL string) bool {
	resp, err := http.Get(emuURL + "/.well-known/openid-configuration")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// standInIntuit plays Intuit's side of the browser flows while the emulator has no
// OAuth server of its own, at the level the server's own tests fake it (the
// server.Intuit interface): a consent screen that sends the browser back with a code
// for the company chosen in advance; an exchange that answers that company's admin
// with tokens from the emulator's admin API; the real Connect (company and plan read
// from the emulator). Its token endpoint refuses every refresh with invalid_grant,
// which is right for these tests: tokens outlive a test, so a refresh only ever
// follows a revoked grant. Its revocation endpoint accepts every token.
type standInIntuit struct {
	emuURL      string
	callbackURL string
	connect     *server.IntuitService
	srv         *httptest.Server

	mu    sync.Mutex
	realm string            // the company the next consent approves
	codes map[string]string // code → realm
}

func newStandInIntuit(emuURL, callbackURL string) *standInIntuit {
	f := &standInIntuit{emuURL: emuURL, callbackURL: callbackURL, codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /consent", f.consent)
	mux.HandleFunc("GET /approve", f.approve)
	mux.HandleFunc("POST /tokens", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"Token invalid"}`))
	})
	mux.HandleFunc("POST /revoke", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	f.srv = httptest.NewServer(mux)
	return f
}

// approveNext makes the next consent approve realm.
func (f *standInIntuit) approveNext(realm string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.realm = realm
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html><title>Intuit (stand-in)</title>
<h1>Allow Hoursync to use your QuickBooks company?</h1>
<form method="get" action="/approve"><input type="hidden" name="state" value="{{.}}"><button>Approve</button></form>`))

func (f *standInIntuit) consent(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = consentPage.Execute(w, r.URL.Query().Get("state"))
}

func (f *standInIntuit) approve(w http.ResponseWriter, r *http.Request) {
	buf := make([]byte, 16)
	_, _ = rand.Read(buf)
	code := hex.EncodeToString(buf)
	f.mu.Lock()
	realm := f.realm
	f.codes[code] = realm
	f.mu.Unlock()
	q := url.Values{"code": {code}, "state": {r.URL.Query().Get("state")}, "realmId": {realm}}
	http.Redirect(w, r, f.callbackURL+"?"+q.Encode(), http.StatusFound)
}

// AuthCodeURL is the stand-in consent screen.
func (f *standInIntuit) AuthCodeURL(state, _ string) string {
	return f.srv.URL + "/consent?" + url.Values{"state": {state}, "scope": {"openid profile email com.intuit.quickbooks.accounting"}}.Encode()
}

// Exchange answers a code with the company admin's identity and fresh tokens.
func (f *standInIntuit) Exchange(ctx context.Context, code, _ string) (server.IntuitGrant, error) {
	f.mu.Lock()
	realm, ok := f.codes[code]
	delete(f.codes, code)
	f.mu.Unlock()
	if !ok {
		return server.IntuitGrant{}, errors.New("stand-in intuit: invalid_grant: unknown code")
	}
	var companies []struct {
		RealmID   string `json:"realmId"`
		AdminUser struct {
			GivenName  string `json:"givenName"`
			FamilyName string `json:"familyName"`
			Email      string `json:"email"`
		} `json:"adminUser"`
	}
	if err := f.adminCall(ctx, "GET", "/admin/companies", nil, &companies); err != nil {
		return server.IntuitGrant{}, err
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	if err := f.adminCall(ctx, "POST", "/admin/companies/"+realm+"/tokens", map[string]string{"clientId": clientID}, &tok); err != nil {
		return server.IntuitGrant{}, err
	}
	for _, co := range companies {
		if co.RealmID != realm {
			continue
		}
		u := co.AdminUser
		return server.IntuitGrant{
			Identity: server.IntuitIdentity{Subject: "sub-" + realm + "-" + u.Email, Email: u.Email, EmailVerified: true, GivenName: u.GivenName, FamilyName: u.FamilyName},
			Token: &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: "Bearer",
				Expiry: time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)},
		}, nil
	}
	return server.IntuitGrant{}, fmt.Errorf("stand-in intuit: no company %s", realm)
}

// Connect stores the connection as the product does.
func (f *standInIntuit) Connect(ctx context.Context, accountID, userID int64, realmID string, token *oauth2.Token) error {
	return f.connect.Connect(ctx, accountID, userID, realmID, token)
}

func (f *standInIntuit) adminCall(ctx context.Context, method, path string, body, out any) error {
	var payload string
	if body != nil {
		raw, _ := json.Marshal(body)
		payload = string(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.emuURL+path, strings.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("stand-in intuit: %s %s: %s", method, path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
