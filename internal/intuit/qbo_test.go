package intuit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"hoursync/internal/config"
	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/internal/qboemu"
)

// qboEmulator serves the emulator's Accounting and admin API over real HTTP.
func qboEmulator(t *testing.T, opts qboemu.Options) string {
	t.Helper()
	if opts.Limits == (qboemu.Limits{}) {
		opts.Limits.Off = true
	}
	emu, err := qboemu.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() {
		srv.Close()
		_ = emu.Close()
	})
	return srv.URL
}

func adminPost(t *testing.T, base, path string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

func emuCompany(t *testing.T, base, name, plan string) string {
	t.Helper()
	var out struct {
		RealmID string `json:"realmId"`
	}
	adminPost(t, base, "/admin/companies", map[string]any{"companyName": name, "plan": plan,
		"adminUser": map[string]string{"givenName": "Ada", "familyName": "Admin", "email": "ada@example.com"}}, &out)
	return out.RealmID
}

func emuToken(t *testing.T, base, realm string) *oauth2.Token {
	t.Helper()
	var out struct {
		AccessToken  string  `json:"access_token"`
		RefreshToken string  `json:"refresh_token"`
		ExpiresIn    float64 `json:"expires_in"`
		RefreshIn    float64 `json:"x_refresh_token_expires_in"`
	}
	adminPost(t, base, "/admin/companies/"+realm+"/tokens", map[string]any{}, &out)
	tok := &oauth2.Token{AccessToken: out.AccessToken, RefreshToken: out.RefreshToken, TokenType: "Bearer",
		Expiry: time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)}
	return tok.WithExtra(map[string]any{"x_refresh_token_expires_in": out.RefreshIn})
}

// TestWrongRealmMarksNeedsReconnect: a grant stored for a company it does not cover
// gets QBO's 403; the connection then needs reconnecting and no refresh is tried.
func TestWrongRealmMarksNeedsReconnect(t *testing.T) {
	base := qboEmulator(t, qboemu.Options{})
	realmA, realmB := emuCompany(t, base, "A", "Essentials"), emuCompany(t, base, "B", "Essentials")
	s := newSetup(t, intuitConfig(base), []config.TokenKey{newKey(t, "k")})
	acct := newAccount(t, s.DB)
	if err := s.Conns.Connect(ctx(t), acct, 0, realmB, "B", essentials, emuToken(t, base, realmA)); err != nil {
		t.Fatal(err)
	}
	c, conn, err := s.Conns.Client(ctx(t), acct, qbo.Options{BaseURL: base, Logger: slog.New(slog.DiscardHandler)})
	if err != nil || conn.RealmID != realmB {
		t.Fatalf("client: %v %+v", err, conn)
	}
	_, err = c.CompanyInfo(ctx(t))
	if !errors.Is(err, qbo.ErrForbidden) {
		t.Fatalf("want ErrForbidden, got %v", err)
	}
	got, _ := s.Conns.Get(ctx(t), acct)
	if got.Status != intuit.StatusNeedsReconnect || got.StatusMessage != intuit.UserMessageReconnect {
		t.Fatalf("connection after 403: %+v", got)
	}
	// The right company works through the same store.
	other := newAccount(t, s.DB)
	if err := s.Conns.Connect(ctx(t), other, 0, realmA, "A", essentials, emuToken(t, base, realmA)); err != nil {
		t.Fatal(err)
	}
	c, _, err = s.Conns.Client(ctx(t), other, qbo.Options{BaseURL: base, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := c.Plan(ctx(t))
	if err != nil || !plan.CanSyncTime() {
		t.Fatalf("plan %+v %v", plan, err)
	}
}

// TestQBO401RefreshesOnceAcrossTwoPools: the emulator expires every access token;
// 20 QBO calls in two worker pools all get a 401 at once, and exactly one refresh
// reaches the token endpoint, after which every call succeeds.
func TestQBO401RefreshesOnceAcrossTwoPools(t *testing.T) {
	base := qboEmulator(t, qboemu.Options{})
	realm := emuCompany(t, base, "Refreshing", "Essentials")
	idp := newFakeIntuit(t)
	idp.issue = func(realm string) string {
		var out struct {
			AccessToken string `json:"access_token"`
		}
		b, _ := json.Marshal(map[string]any{})
		resp, err := http.Post(base+"/admin/companies/"+realm+"/tokens", "application/json", bytes.NewReader(b))
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out.AccessToken
	}
	cfg := intuitConfig(idp.URL)
	keys := []config.TokenKey{newKey(t, "k")}
	p1, p2 := newSetup(t, cfg, keys), newSetup(t, cfg, keys)
	acct := newAccount(t, p1.DB)
	tok := emuToken(t, base, realm)
	idp.adopt(tok.AccessToken, tok.RefreshToken, realm)
	if err := p1.Conns.Connect(ctx(t), acct, 0, realm, "Refreshing", essentials, tok); err != nil {
		t.Fatal(err)
	}
	clients := make([]*qbo.Client, 20)
	for i := range clients {
		c, _, err := []*setup{p1, p2}[i%2].Conns.Client(ctx(t), acct, qbo.Options{BaseURL: base, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CompanyInfo(ctx(t)); err != nil { // caches the current token
			t.Fatal(err)
		}
		clients[i] = c
	}
	adminPost(t, base, "/admin/faults", map[string]any{"realmId": realm, "kind": "expire_tokens"}, nil)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, len(clients))
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = c.CompanyInfo(ctx(t))
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := idp.count("refresh_token"); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	if idp.reusedReplaced() != 0 {
		t.Fatal("a replaced refresh token was presented")
	}
	conn, _ := p1.Conns.Get(ctx(t), acct)
	if conn.Status != intuit.StatusConnected {
		t.Fatalf("status %s", conn.Status)
	}
}
