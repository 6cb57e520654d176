package intuit_test

import (
	"testing"
	"time"

	"hoursync/internal/config"
	"hoursync/internal/qboemu"
	"hoursync/internal/store"
)

// TestRefreshStoresTheGrantsHardExpiry: Hoursync asks Intuit's token endpoint for the
// grant's five-year end (x-include-refresh-token-hard-expires-in) and keeps it with
// the tokens; a grant past it ends with invalid_grant, which asks for a reconnect.
func TestRefreshStoresTheGrantsHardExpiry(t *testing.T) {
	e := startEmulator(t, qboemu.Options{})
	keys := []config.TokenKey{newKey(t, "k")}
	p := newSetup(t, intuitConfig(e.URL), keys)
	acct := newAccount(t, p.DB)
	realm := e.company("Long Lived", "Essentials")
	if err := p.Conns.Connect(ctx(t), acct, 0, realm, "Long Lived", essentials, e.grant(realm)); err != nil {
		t.Fatal(err)
	}
	// Intuit's five years are nearly over for this grant.
	e.call("POST", "/admin/companies/"+realm+"/hard-expiry", map[string]any{"in": "240h"}, nil)
	if err := p.Conns.Refresh(ctx(t), acct); err != nil {
		t.Fatal(err)
	}
	conn, err := store.New(p.DB).GetConnection(ctx(t), acct)
	if err != nil {
		t.Fatal(err)
	}
	if !conn.RefreshHardExpiresAt.Valid {
		t.Fatal("the hard expiry was not stored")
	}
	if left := time.Until(conn.RefreshHardExpiresAt.Time); left < 239*time.Hour || left > 241*time.Hour {
		t.Fatalf("hard expiry in %s, want about 240h", left)
	}
	// Past it, the grant is gone: the connection needs a reconnect.
	e.call("POST", "/admin/companies/"+realm+"/hard-expiry", map[string]any{"in": "-1h"}, nil)
	if err := p.Conns.Refresh(ctx(t), acct); err == nil {
		t.Fatal("a refresh past the hard expiry succeeded")
	}
	st, err := store.New(p.DB).GetConnectionStatus(ctx(t), acct)
	if err != nil || st.Status != store.ConnectionNeedsReconnect {
		t.Fatalf("status %+v, %v", st.Status, err)
	}
}
