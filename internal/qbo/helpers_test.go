package qbo_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"hoursync/internal/qbo"
	"hoursync/internal/qboemu"
	"hoursync/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// emulator is an in-process QBO emulator served over real HTTP.
type emulator struct {
	t   testing.TB
	URL string
	Emu *qboemu.Emulator
}

func startEmulator(t testing.TB, opts qboemu.Options) *emulator {
	t.Helper()
	if opts.Limits == (qboemu.Limits{}) {
		opts.Limits.Off = true
	}
	emu, err := qboemu.New(opts)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = emu.Close()
	})
	return &emulator{t: t, URL: srv.URL, Emu: emu}
}

// admin calls the emulator's admin API and decodes the answer into out.
func (e *emulator) admin(method, path string, body, out any) int {
	e.t.Helper()
	return testutil.Admin(e.t, e.URL, method, path, body, out)
}

// company creates a company on plan ("SimpleStart", "Essentials", "Plus"...).
func (e *emulator) company(name, plan string) string {
	e.t.Helper()
	var out struct {
		RealmID string `json:"realmId"`
	}
	e.admin("POST", "/admin/companies", map[string]any{"companyName": name, "plan": plan,
		"adminUser": map[string]string{"givenName": "Ada", "familyName": "Admin", "email": "ada@example.com"}}, &out)
	if out.RealmID == "" {
		e.t.Fatal("no realmId")
	}
	return out.RealmID
}

// token issues a grant for realm without the browser dance.
func (e *emulator) token(realm string) *oauth2.Token {
	e.t.Helper()
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	e.admin("POST", "/admin/companies/"+realm+"/tokens", map[string]any{}, &out)
	return &oauth2.Token{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, TokenType: "Bearer",
		Expiry: time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)}
}

func (e *emulator) fault(spec map[string]any) {
	e.t.Helper()
	e.admin("POST", "/admin/faults", spec, nil)
}

func (e *emulator) clearFaults() {
	e.t.Helper()
	e.admin("DELETE", "/admin/faults", nil, nil)
}

func (e *emulator) counters(realm string) map[string]any {
	e.t.Helper()
	var out map[string]any
	e.admin("GET", "/admin/counters?realmId="+realm, nil, &out)
	return out
}

// entities lists every object of entity in realm, deleted ones included.
func (e *emulator) entities(realm, entity string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	e.admin("GET", "/admin/companies/"+realm+"/entities/"+entity, nil, &out)
	return out
}

// adminTokens is a token source that gets new grants from the admin API when QBO
// refuses the current one, counting the refreshes.
type adminTokens struct {
	e     *emulator
	realm string

	mu        sync.Mutex
	tok       *oauth2.Token
	refreshes int
}

func (s *adminTokens) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil {
		s.tok = s.e.token(s.realm)
	}
	return s.tok, nil
}

func (s *adminTokens) RefreshToken(_ context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && rejected != nil && s.tok.AccessToken != rejected.AccessToken {
		return s.tok, nil
	}
	s.refreshes++
	s.tok = s.e.token(s.realm)
	return s.tok, nil
}

func (s *adminTokens) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

// client returns a client for realm with fast back-off, and its token source.
func (e *emulator) client(realm string, edit func(*qbo.Options)) (*qbo.Client, *adminTokens) {
	e.t.Helper()
	ts := &adminTokens{e: e, realm: realm}
	opts := qbo.Options{BaseURL: e.URL, RealmID: realm, TokenSource: ts,
		Logger:      slog.New(slog.DiscardHandler),
		BaseBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, CallTimeout: 10 * time.Second}
	if edit != nil {
		edit(&opts)
	}
	c, err := qbo.New(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return c, ts
}

// newRealm starts an emulator with one company on plan and returns a client for it.
func newRealm(t *testing.T, plan string) (*emulator, string, *qbo.Client) {
	t.Helper()
	e := startEmulator(t, qboemu.Options{})
	realm := e.company("Acme "+testutil.RandomHex(3), plan)
	c, _ := e.client(realm, nil)
	return e, realm, c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	t.Cleanup(cancel)
	return c
}

func rid(t *testing.T) string { return "t-" + testutil.RandomHex(8) }

func emuOpts() qboemu.Options { return qboemu.Options{} }

func isNotFound(err error) bool { return errors.Is(err, qbo.ErrNotFound) }

type ctxT = context.Context
