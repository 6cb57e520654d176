package intuit_test

import (
	"errors"
	"log/slog"
	"sync"
	"testing"

	"hoursync/internal/config"
	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/internal/qboemu"
	"hoursync/internal/store"
)

// TestWrongRealmMarksNeedsReconnect: a grant stored for a company it does not cover
// gets QBO's 403; the connection then needs reconnecting and no refresh is tried.
func TestWrongRealmMarksNeedsReconnect(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	base := e.URL
	realmA, realmB := e.company("A", "Essentials"), e.company("B", "Essentials")
	s := newSetup(t, intuitConfig(base), []config.TokenKey{newKey(t, "k")})
	acct := newAccount(t, s.DB)
	if err := s.Conns.Connect(ctx(t), acct, 0, realmB, "B", essentials, e.grant(realmA)); err != nil {
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
	if got.Status != store.ConnectionNeedsReconnect || got.StatusMessage != intuit.UserMessageReconnect {
		t.Fatalf("connection after 403: %+v", got)
	}
	// The right company works through the same store.
	other := newAccount(t, s.DB)
	if err := s.Conns.Connect(ctx(t), other, 0, realmA, "A", essentials, e.grant(realmA)); err != nil {
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
// reaches Intuit's token endpoint, after which every call succeeds.
func TestQBO401RefreshesOnceAcrossTwoPools(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	realm := e.company("Refreshing", "Essentials")
	cfg := intuitConfig(e.URL)
	keys := []config.TokenKey{newKey(t, "k")}
	p1, p2 := newSetup(t, cfg, keys), newSetup(t, cfg, keys)
	acct := newAccount(t, p1.DB)
	if err := p1.Conns.Connect(ctx(t), acct, 0, realm, "Refreshing", essentials, e.grant(realm)); err != nil {
		t.Fatal(err)
	}
	clients := make([]*qbo.Client, 20)
	for i := range clients {
		c, _, err := []*setup{p1, p2}[i%2].Conns.Client(ctx(t), acct, qbo.Options{BaseURL: e.URL, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CompanyInfo(ctx(t)); err != nil { // caches the current token
			t.Fatal(err)
		}
		clients[i] = c
	}
	e.fault(map[string]any{"realmId": realm, "kind": "expire_tokens"})
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
	c := e.counters()
	if n := c.TokenCalls["refresh_token"]; n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	if c.ReplacedRefreshUses != 0 || len(c.InvalidGrant) != 0 {
		t.Fatalf("replaced refresh token presented %d times; invalid_grant %v", c.ReplacedRefreshUses, c.InvalidGrant)
	}
	conn, _ := p1.Conns.Get(ctx(t), acct)
	if conn.Status != store.ConnectionConnected {
		t.Fatalf("status %s", conn.Status)
	}
}

// TestRevokedGrantFailsQBOCallWithReconnect: the person revoked the app at Intuit; the
// next QBO call gets a 401, the refresh gets invalid_grant, and the call fails with
// "Reconnect QuickBooks" while the connection shows needs_reconnect.
func TestRevokedGrantFailsQBOCallWithReconnect(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	realm := e.company("Revoking", "Essentials")
	s := newSetup(t, intuitConfig(e.URL), []config.TokenKey{newKey(t, "k")})
	acct := newAccount(t, s.DB)
	if err := s.Conns.Connect(ctx(t), acct, 0, realm, "Revoking", essentials, e.grant(realm)); err != nil {
		t.Fatal(err)
	}
	c, _, err := s.Conns.Client(ctx(t), acct, qbo.Options{BaseURL: e.URL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	e.fault(map[string]any{"realmId": realm, "kind": "revoke"})
	_, err = c.CompanyInfo(ctx(t))
	var re *intuit.ReconnectError
	if !errors.Is(err, intuit.ErrNeedsReconnect) || !errors.As(err, &re) || re.UserMessage() != "Reconnect QuickBooks" {
		t.Fatalf("want ReconnectError, got %v", err)
	}
	if conn, _ := s.Conns.Get(ctx(t), acct); conn.Status != store.ConnectionNeedsReconnect {
		t.Fatalf("status %s", conn.Status)
	}
}
