package intuit_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"hoursync/internal/qboemu"
	"hoursync/internal/testutil"
)

// emulator is the QBO emulator (Accounting API and Intuit's OAuth server) over real
// HTTP, on a clock tests can move forward.
type emulator struct {
	t      *testing.T
	URL    string
	offset atomic.Int64
}

func startEmulator(t *testing.T, opts qboemu.Options) *emulator {
	t.Helper()
	e := &emulator{t: t}
	if opts.Limits == (qboemu.Limits{}) {
		opts.Limits.Off = true
	}
	opts.Now = func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }
	emu, err := qboemu.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = emu.Close()
	})
	e.URL = srv.URL
	return e
}

// advance moves the emulator's clock forward.
func (e *emulator) advance(d time.Duration) { e.offset.Add(int64(d)) }

func (e *emulator) call(method, path string, body, out any) {
	e.t.Helper()
	testutil.Admin(e.t, e.URL, method, path, body, out)
}

func (e *emulator) company(name, plan string) string {
	e.t.Helper()
	var out struct {
		RealmID string `json:"realmId"`
	}
	e.call("POST", "/admin/companies", map[string]any{"companyName": name, "plan": plan,
		"adminUser": map[string]string{"givenName": "Ada", "familyName": "Admin", "email": "ada@example.com"}}, &out)
	return out.RealmID
}

// grant issues Intuit's token response for realm without the browser dance.
func (e *emulator) grant(realm string) *oauth2.Token {
	e.t.Helper()
	var out struct {
		AccessToken  string  `json:"access_token"`
		RefreshToken string  `json:"refresh_token"`
		ExpiresIn    float64 `json:"expires_in"`
		RefreshIn    float64 `json:"x_refresh_token_expires_in"`
	}
	e.call("POST", "/admin/companies/"+realm+"/tokens", map[string]any{}, &out)
	tok := &oauth2.Token{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, TokenType: "Bearer",
		Expiry: time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)}
	return tok.WithExtra(map[string]any{"x_refresh_token_expires_in": out.RefreshIn})
}

func (e *emulator) fault(spec map[string]any) {
	e.t.Helper()
	e.call("POST", "/admin/faults", spec, nil)
}

// oauthCounters is the token endpoint's part of GET /admin/counters.
type oauthCounters struct {
	TokenCalls          map[string]int `json:"tokenCalls"`
	InvalidGrant        map[string]int `json:"invalidGrant"`
	ReplacedRefreshUses int            `json:"replacedRefreshUses"`
	Revocations         int            `json:"revocations"`
}

func (e *emulator) counters() oauthCounters {
	e.t.Helper()
	var out oauthCounters
	e.call("GET", "/admin/counters", nil, &out)
	return out
}

// authorize pre-answers the consent for realm and follows the authorize URL as a
// browser would, returning the redirect's query (code, state, realmId).
func (e *emulator) authorize(authURL, realm string) url.Values {
	e.t.Helper()
	e.call("POST", "/admin/consent", map[string]any{"realmId": realm, "approve": true}, nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		e.t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}
