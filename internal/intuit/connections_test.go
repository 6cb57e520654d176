package intuit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/oauth2"

	"hoursync/internal/config"
	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/internal/qboemu"
	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	t.Cleanup(cancel)
	return c
}

func intuitConfig(base string) config.IntuitConfig {
	return config.IntuitConfig{
		AuthorizeURL: base + "/connect/oauth2", TokenURL: base + "/oauth2/v1/tokens/bearer",
		RevokeURL: base + "/v2/oauth2/tokens/revoke", UserinfoURL: base + "/v1/openid_connect/userinfo",
		JWKSURL: base + "/op/v1/jwks", Issuer: base + "/op/v1",
		ClientID: "hoursync-dev", ClientSecret: "hoursync-dev-secret",
	}
}

func newKey(t *testing.T, id string) config.TokenKey {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return config.TokenKey{ID: id, Key: k}
}

// setup is one worker process's view: its own pool and Connections.
type setup struct {
	DB    *sqlx.DB
	Conns *intuit.Connections
	Logs  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newSetup(t *testing.T, cfg config.IntuitConfig, keys []config.TokenKey) *setup {
	t.Helper()
	db := testutil.DB(t)
	o, err := intuit.NewOAuth(cfg, "http://127.0.0.1:8080/auth/intuit/callback", nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	conns, err := intuit.NewConnections(db, o, keys, intuit.ConnectionsOptions{
		RefreshAhead: time.Minute, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return &setup{DB: db, Conns: conns, Logs: logs}
}

func newAccount(t *testing.T, db *sqlx.DB) int64 {
	t.Helper()
	var id int64
	if err := db.GetContext(ctx(t), &id, `INSERT INTO accounts(name) VALUES ($1) RETURNING id`, testutil.UniqueName("acct")); err != nil {
		t.Fatal(err)
	}
	return id
}

var essentials = qbo.Plan{Name: "QuickBooks Online Essentials", TimeTracking: true}

func expireAccess(t *testing.T, db *sqlx.DB, accountID int64) {
	t.Helper()
	if _, err := db.ExecContext(ctx(t), `UPDATE qbo_connections SET access_expires_at = now() - interval '1 minute' WHERE account_id = $1`, accountID); err != nil {
		t.Fatal(err)
	}
}

func TestConnectStoresTokensEncryptedAndGetShowsNoSecrets(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	k1 := newKey(t, "k1")
	s := newSetup(t, intuitConfig(e.URL), []config.TokenKey{k1})
	acct := newAccount(t, s.DB)
	realm9130 := e.company("Acme", "Essentials")
	tok := e.grant(realm9130)
	access, refresh := tok.AccessToken, tok.RefreshToken
	if err := s.Conns.Connect(ctx(t), acct, 0, realm9130, "Acme", essentials, tok); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		KeyID   string `db:"key_id"`
		Access  []byte `db:"access_token_enc"`
		Refresh []byte `db:"refresh_token_enc"`
	}
	if err := s.DB.GetContext(ctx(t), &raw, `SELECT key_id, access_token_enc, refresh_token_enc FROM qbo_connections WHERE account_id = $1`, acct); err != nil {
		t.Fatal(err)
	}
	if raw.KeyID != "k1" || bytes.Contains(raw.Access, []byte(access)) || bytes.Contains(raw.Refresh, []byte(refresh)) || len(raw.Access) < len(access)+28 {
		t.Fatalf("tokens not encrypted at rest: key %q", raw.KeyID)
	}
	conn, err := s.Conns.Get(ctx(t), acct)
	if err != nil {
		t.Fatal(err)
	}
	if conn.Status != store.ConnectionConnected || conn.RealmID != realm9130 || conn.CompanyName != "Acme" || !conn.Plan.CanSyncTime() {
		t.Fatalf("connection %+v", conn)
	}
	got, err := s.Conns.TokenSource(ctx(t), acct).Token()
	if err != nil || got.AccessToken != access {
		t.Fatalf("token source: %v", err)
	}
	if e.counters().TokenCalls["refresh_token"] != 0 {
		t.Fatal("refreshed a fresh token")
	}
}

func TestKeysRotate(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	k1, k2 := newKey(t, "k1"), newKey(t, "k2")
	old := newSetup(t, intuitConfig(e.URL), []config.TokenKey{k1})
	acct := newAccount(t, old.DB)
	realm := e.company("Rotating", "Plus")
	tok := e.grant(realm)
	access := tok.AccessToken
	if err := old.Conns.Connect(ctx(t), acct, 0, realm, "Rotating", essentials, tok); err != nil {
		t.Fatal(err)
	}
	rotated := newSetup(t, intuitConfig(e.URL), []config.TokenKey{k2, k1})
	tok, err := rotated.Conns.TokenSource(ctx(t), acct).Token()
	if err != nil || tok.AccessToken != access {
		t.Fatalf("old key no longer decrypts: %v", err)
	}
	if err := rotated.Conns.Refresh(ctx(t), acct); err != nil {
		t.Fatal(err)
	}
	var keyID string
	_ = rotated.DB.GetContext(ctx(t), &keyID, `SELECT key_id FROM qbo_connections WHERE account_id = $1`, acct)
	if keyID != "k2" {
		t.Fatalf("refreshed tokens sealed under %q, want the first key k2", keyID)
	}
	if _, err := old.Conns.TokenSource(ctx(t), acct).Token(); err == nil {
		t.Fatal("a process without key k2 decrypted a k2 token")
	}
}

func TestConnectRefusesTakenRealmAndSecondCompany(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	s := newSetup(t, intuitConfig(e.URL), []config.TokenKey{newKey(t, "k")})
	a, b := newAccount(t, s.DB), newAccount(t, s.DB)
	realmA, realmB := e.company("A", "Essentials"), e.company("B", "Essentials")
	tok := func() *oauth2.Token { return e.grant(realmA) }
	if err := s.Conns.Connect(ctx(t), a, 0, realmA, "A", essentials, tok()); err != nil {
		t.Fatal(err)
	}
	if err := s.Conns.Connect(ctx(t), b, 0, realmA, "A", essentials, tok()); !errors.Is(err, intuit.ErrRealmTaken) {
		t.Fatalf("want ErrRealmTaken, got %v", err)
	}
	if err := s.Conns.Connect(ctx(t), a, 0, realmB, "B", essentials, tok()); !errors.Is(err, intuit.ErrAlreadyConnected) {
		t.Fatalf("want ErrAlreadyConnected, got %v", err)
	}
	// Reconnecting the same company replaces the grant.
	if err := s.Conns.Connect(ctx(t), a, 0, realmA, "A2", qbo.Plan{Name: "QuickBooks Online Simple Start"}, tok()); err != nil {
		t.Fatal(err)
	}
	conn, _ := s.Conns.Get(ctx(t), a)
	if conn.CompanyName != "A2" || conn.Plan.CanSyncTime() {
		t.Fatalf("reconnect did not update: %+v", conn)
	}
	if _, err := s.Conns.Get(ctx(t), b); !errors.Is(err, intuit.ErrNotConnected) {
		t.Fatalf("half-written connection for b: %v", err)
	}
	// After a disconnect both the company and the account are free again.
	if err := s.Conns.Disconnect(ctx(t), a); err != nil {
		t.Fatal(err)
	}
	if err := s.Conns.Connect(ctx(t), b, 0, realmA, "A", essentials, tok()); err != nil {
		t.Fatalf("realm free after disconnect: %v", err)
	}
	if err := s.Conns.Connect(ctx(t), a, 0, realmB, "B", essentials, tok()); err != nil {
		t.Fatalf("account free after disconnect: %v", err)
	}
}

// TestExpiredTokenRefreshedOnceAcrossTwoPools: 20 goroutines in two worker
// "processes" (separate pools and Connections) find the access token expired at the
// same moment; exactly one refresh reaches Intuit and no replaced refresh token is
// ever presented.
func TestExpiredTokenRefreshedOnceAcrossTwoPools(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	keys := []config.TokenKey{newKey(t, "k")}
	p1, p2 := newSetup(t, intuitConfig(e.URL), keys), newSetup(t, intuitConfig(e.URL), keys)
	acct := newAccount(t, p1.DB)
	realm := e.company("Busy", "Essentials")
	tok := e.grant(realm)
	access := tok.AccessToken
	if err := p1.Conns.Connect(ctx(t), acct, 0, realm, "Busy", essentials, tok); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 3; round++ {
		expireAccess(t, p1.DB, acct)
		start := make(chan struct{})
		var wg sync.WaitGroup
		got := make([]string, 20)
		errs := make([]error, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := []*setup{p1, p2}[i%2]
				ts := p.Conns.TokenSource(ctx(t), acct)
				<-start
				tok, err := ts.Token()
				errs[i] = err
				if err == nil {
					got[i] = tok.AccessToken
				}
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("goroutine %d: %v", i, err)
			}
			if got[i] != got[0] || got[i] == access {
				t.Fatalf("goroutines got different or old tokens")
			}
		}
		if n := e.counters().TokenCalls["refresh_token"]; n != round {
			t.Fatalf("round %d: %d refresh calls in total, want %d", round, n, round)
		}
	}
	if c := e.counters(); c.ReplacedRefreshUses != 0 || len(c.InvalidGrant) != 0 {
		t.Fatalf("replaced refresh token presented %d times, invalid_grant %v", c.ReplacedRefreshUses, c.InvalidGrant)
	}
}

// TestRejectedTokenRefreshedOnceAcrossTwoPools: QBO refuses the access token (401) to
// 20 callers at once; each asks its TokenSource to replace the rejected token and only
// one refresh happens.
func TestRejectedTokenRefreshedOnceAcrossTwoPools(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	keys := []config.TokenKey{newKey(t, "k")}
	p1, p2 := newSetup(t, intuitConfig(e.URL), keys), newSetup(t, intuitConfig(e.URL), keys)
	acct := newAccount(t, p1.DB)
	realm := e.company("Busy", "Essentials")
	rejected := e.grant(realm)
	access := rejected.AccessToken
	if err := p1.Conns.Connect(ctx(t), acct, 0, realm, "Busy", essentials, rejected); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	var mu sync.Mutex
	seen := map[string]bool{}
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ts := []*setup{p1, p2}[i%2].Conns.TokenSource(ctx(t), acct)
			<-start
			tok, err := ts.RefreshToken(ctx(t), rejected)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen[tok.AccessToken] = true
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	c := e.counters()
	if n := c.TokenCalls["refresh_token"]; n != 1 || len(seen) != 1 || seen[access] {
		t.Fatalf("%d refreshes, tokens %v", n, seen)
	}
	if c.ReplacedRefreshUses != 0 {
		t.Fatal("replaced refresh token used")
	}
}

// TestLostGrantMarksNeedsReconnect: a revoked grant or an expired refresh token both
// get invalid_grant; the connection needs reconnecting, the error says "Reconnect
// QuickBooks" and quotes no token, and Intuit is not asked again.
func TestLostGrantMarksNeedsReconnect(t *testing.T) {
	for name, tc := range map[string]struct {
		lose   func(e *emulator, realm string)
		reason string
	}{
		"revoked grant": {func(e *emulator, realm string) { e.fault(map[string]any{"realmId": realm, "kind": "revoke"}) }, "revoked"},
		// Intuit's refresh tokens expire after ~100 days without use.
		"expired refresh token": {func(e *emulator, _ string) { e.advance(102 * 24 * time.Hour) }, "expired_refresh_token"},
	} {
		t.Run(name, func(t *testing.T) {
			e := startEmulator(t, qboemu.Options{})
			s := newSetup(t, intuitConfig(e.URL), []config.TokenKey{newKey(t, "k")})
			acct := newAccount(t, s.DB)
			realm := e.company("Gone", "Essentials")
			tok := e.grant(realm)
			access, refresh := tok.AccessToken, tok.RefreshToken
			if err := s.Conns.Connect(ctx(t), acct, 0, realm, "Gone", essentials, tok); err != nil {
				t.Fatal(err)
			}
			tc.lose(e, realm)
			expireAccess(t, s.DB, acct)
			_, err := s.Conns.TokenSource(ctx(t), acct).Token()
			var re *intuit.ReconnectError
			if !errors.Is(err, intuit.ErrNeedsReconnect) || !errors.As(err, &re) || re.UserMessage() != "Reconnect QuickBooks" {
				t.Fatalf("want ReconnectError, got %v", err)
			}
			if n := e.counters().InvalidGrant[tc.reason]; n != 1 {
				t.Fatalf("emulator saw %d invalid_grant (%s), want 1: %v", n, tc.reason, e.counters().InvalidGrant)
			}
			for _, s := range []string{err.Error(), s.Logs.String()} {
				if strings.Contains(s, refresh) || strings.Contains(s, access) {
					t.Fatalf("token leaked: %s", s)
				}
			}
			conn, _ := s.Conns.Get(ctx(t), acct)
			if conn.Status != store.ConnectionNeedsReconnect || conn.StatusMessage != "Reconnect QuickBooks" {
				t.Fatalf("connection %+v", conn)
			}
			var kept int
			_ = s.DB.GetContext(ctx(t), &kept, `SELECT count(*) FROM qbo_connections WHERE account_id = $1 AND refresh_token_enc IS NOT NULL`, acct)
			if kept != 0 {
				t.Fatal("dead tokens kept")
			}
			// Later calls fail fast without asking Intuit again.
			calls := e.counters().TokenCalls["refresh_token"]
			if _, err := s.Conns.TokenSource(ctx(t), acct).Token(); !errors.Is(err, intuit.ErrNeedsReconnect) {
				t.Fatalf("second call: %v", err)
			}
			if e.counters().TokenCalls["refresh_token"] != calls {
				t.Fatal("asked Intuit again after invalid_grant")
			}
			if _, _, err := s.Conns.Client(ctx(t), acct, qbo.Options{BaseURL: e.URL}); !errors.Is(err, intuit.ErrNeedsReconnect) {
				t.Fatalf("client for a lost grant: %v", err)
			}
			// Reconnecting the same company brings it back.
			if err := s.Conns.Connect(ctx(t), acct, 0, realm, "Back", essentials, e.grant(realm)); err != nil {
				t.Fatal(err)
			}
			if conn, _ := s.Conns.Get(ctx(t), acct); conn.Status != store.ConnectionConnected || conn.StatusMessage != "" {
				t.Fatalf("after reconnect: %+v", conn)
			}
			if _, err := s.Conns.TokenSource(ctx(t), acct).Token(); err != nil {
				t.Fatalf("token after reconnect: %v", err)
			}
		})
	}
}

func TestBadClientCredentialsLeaveConnectionUntouched(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	keys := []config.TokenKey{newKey(t, "k")}
	good := newSetup(t, intuitConfig(e.URL), keys)
	cfg := intuitConfig(e.URL)
	cfg.ClientSecret = "wrong"
	bad := newSetup(t, cfg, keys)
	acct := newAccount(t, good.DB)
	realm := e.company("Creds", "Essentials")
	tok := e.grant(realm)
	refresh := tok.RefreshToken
	if err := good.Conns.Connect(ctx(t), acct, 0, realm, "Creds", essentials, tok); err != nil {
		t.Fatal(err)
	}
	expireAccess(t, good.DB, acct)
	_, err := bad.Conns.TokenSource(ctx(t), acct).Token()
	if !errors.Is(err, intuit.ErrInvalidClient) || errors.Is(err, intuit.ErrNeedsReconnect) {
		t.Fatalf("want ErrInvalidClient, got %v", err)
	}
	if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), refresh) {
		t.Fatalf("secret leaked: %v", err)
	}
	conn, _ := good.Conns.Get(ctx(t), acct)
	if conn.Status != store.ConnectionConnected {
		t.Fatalf("status %s after an operator error", conn.Status)
	}
	// The stored grant still works with the right credentials.
	if _, err := good.Conns.TokenSource(ctx(t), acct).Token(); err != nil {
		t.Fatalf("grant damaged by the failed refresh: %v", err)
	}
}

func TestDisconnectRevokesAndForgetsTokens(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	s := newSetup(t, intuitConfig(e.URL), []config.TokenKey{newKey(t, "k")})
	acct := newAccount(t, s.DB)
	realm := e.company("Bye", "Essentials")
	tok := e.grant(realm)
	if err := s.Conns.Connect(ctx(t), acct, 0, realm, "Bye", essentials, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.Conns.Disconnect(ctx(t), acct); err != nil {
		t.Fatal(err)
	}
	if e.counters().Revocations != 1 {
		t.Fatal("grant not revoked at Intuit")
	}
	o := newOAuth(t, intuitConfig(e.URL))
	if _, err := o.Refresh(ctx(t), tok.RefreshToken); !errors.Is(err, intuit.ErrInvalidGrant) {
		t.Fatalf("refresh token still works after disconnect: %v", err)
	}
	var n int
	_ = s.DB.GetContext(ctx(t), &n, `SELECT count(*) FROM qbo_connections WHERE account_id = $1 AND (access_token_enc IS NOT NULL OR refresh_token_enc IS NOT NULL)`, acct)
	conn, _ := s.Conns.Get(ctx(t), acct)
	if n != 0 || conn.Status != store.ConnectionDisconnected {
		t.Fatalf("tokens kept (%d) or status %s", n, conn.Status)
	}
	if _, err := s.Conns.TokenSource(ctx(t), acct).Token(); !errors.Is(err, intuit.ErrNotConnected) {
		t.Fatalf("token after disconnect: %v", err)
	}
	if err := s.Conns.Disconnect(ctx(t), acct); err != nil {
		t.Fatalf("second disconnect: %v", err)
	}
}
