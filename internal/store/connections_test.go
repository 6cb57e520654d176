package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// connAccount is an account with its owner, ready to connect.
func connAccount(t *testing.T, s *store.Store) (accountID, ownerID int64) {
	t.Helper()
	a, u, err := s.CreateAccountWithOwner(context.Background(), store.NewAccount{Name: "Firm " + testutil.RandomHex(3)},
		store.NewUser{Email: testutil.UniqueName("owner") + "@example.com", FirstName: "Olive", LastName: "Owner"})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	return a.ID, u.ID
}

func sealedTokens(keyID string) store.SealedTokens {
	return store.SealedTokens{KeyID: keyID, Access: []byte("sealed-access-" + keyID), Refresh: []byte("sealed-refresh-" + keyID),
		AccessExpiresAt: sql.NullTime{Time: time.Now().Add(time.Hour), Valid: true}}
}

// connect stores a connection of realm for the account through the locked transaction,
// as internal/intuit does.
func connect(t *testing.T, s *store.Store, accountID, userID int64, realm string) {
	t.Helper()
	err := s.LockConnection(context.Background(), accountID, func(tx *store.ConnectionTx, _ store.Connection, _ bool) error {
		return tx.Connect(context.Background(), store.ConnectionInput{RealmID: realm, CompanyName: "Co " + realm,
			Plan: "QuickBooks Online Plus", CanSyncTime: true, ConnectedBy: userID, Tokens: sealedTokens("k1")})
	})
	if err != nil {
		t.Fatalf("connect %s: %v", realm, err)
	}
}

func TestConnectStoresTheGrantAndGetConnectionReadsItBack(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	acct, owner := connAccount(t, s)
	realm := "realm-" + testutil.RandomHex(4)
	if _, err := s.GetConnection(ctx, acct); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("before connecting: %v, want ErrNotFound", err)
	}
	if has, err := s.HasConnection(ctx, acct); err != nil || has {
		t.Fatalf("HasConnection before connecting = %v, %v", has, err)
	}
	var sawRow bool
	err := s.LockConnection(ctx, acct, func(tx *store.ConnectionTx, _ store.Connection, found bool) error {
		sawRow = found
		return tx.Connect(ctx, store.ConnectionInput{RealmID: realm, CompanyName: "Acme", Plan: "QuickBooks Online Plus",
			CanSyncTime: true, ConnectedBy: owner, Tokens: sealedTokens("k1")})
	})
	if err != nil || sawRow {
		t.Fatalf("connect: %v (found a row before the first connect: %v)", err, sawRow)
	}
	c, err := s.GetConnection(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.ConnectionConnected || c.RealmID != realm || c.CompanyName != "Acme" || !c.CanSyncTime ||
		c.ConnectedBy.Int64 != owner || c.KeyID != "k1" || string(c.Refresh) != "sealed-refresh-k1" || !c.LastRefreshedAt.Valid {
		t.Fatalf("connection %+v", c)
	}
	if has, err := s.HasConnection(ctx, acct); err != nil || !has {
		t.Fatalf("HasConnection = %v, %v", has, err)
	}
	if id, err := s.FindAccountByRealm(ctx, realm); err != nil || id != acct {
		t.Fatalf("FindAccountByRealm = %d, %v", id, err)
	}
	if status, err := s.GetConnectionStatus(ctx, acct); err != nil || status.ID != c.ID || status.Status != c.Status || status.RealmID != c.RealmID {
		t.Fatalf("GetConnectionStatus = %+v, %v; want what GetConnection reads", status, err)
	}
}

func TestRealmOwnerSeesOtherLiveAccountsOnly(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	first, _ := connAccount(t, s)
	second, _ := connAccount(t, s)
	realm := "realm-" + testutil.RandomHex(4)
	connect(t, s, first, 0, realm)
	owner := func(accountID int64) (int64, error) {
		var id int64
		err := s.LockConnection(ctx, accountID, func(tx *store.ConnectionTx, _ store.Connection, _ bool) error {
			var err error
			id, err = tx.RealmOwner(ctx, realm)
			return err
		})
		return id, err
	}
	if id, err := owner(second); err != nil || id != first {
		t.Fatalf("owner seen by the second account = %d, %v; want %d", id, err, first)
	}
	if _, err := owner(first); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the connected account is not another owner: %v", err)
	}
	if err := s.LockConnection(ctx, first, func(tx *store.ConnectionTx, _ store.Connection, _ bool) error {
		return tx.MarkDisconnected(ctx)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner(second); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a disconnected realm is free: %v", err)
	}
	if _, err := s.FindAccountByRealm(ctx, realm); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("FindAccountByRealm of a disconnected realm: %v", err)
	}
}

func TestConnectingARealmLiveElsewhereIsADuplicateRealm(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	first, _ := connAccount(t, s)
	second, _ := connAccount(t, s)
	realm := "realm-" + testutil.RandomHex(4)
	connect(t, s, first, 0, realm)
	// Skipping the RealmOwner check, as a racing connect would: the partial unique
	// index is the last word.
	err := s.LockConnection(ctx, second, func(tx *store.ConnectionTx, _ store.Connection, _ bool) error {
		return tx.Connect(ctx, store.ConnectionInput{RealmID: realm, Tokens: sealedTokens("k1")})
	})
	var dup *store.DuplicateError
	if !errors.As(err, &dup) || dup.Field != "realm_id" {
		t.Fatalf("second connect of a live realm: %v, want a duplicate realm_id", err)
	}
}

func TestMarkDisconnectedForgetsTokensAndKeepsTheRow(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	acct, _ := connAccount(t, s)
	connect(t, s, acct, 0, "realm-"+testutil.RandomHex(4))
	if err := s.LockConnection(ctx, acct, func(tx *store.ConnectionTx, _ store.Connection, _ bool) error {
		return tx.MarkDisconnected(ctx)
	}); err != nil {
		t.Fatal(err)
	}
	c, err := s.GetConnection(ctx, acct)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.ConnectionDisconnected || c.KeyID != "" || c.Access != nil || c.Refresh != nil || c.AccessExpiresAt.Valid {
		t.Fatalf("after disconnect %+v", c)
	}
	if has, err := s.HasConnection(ctx, acct); err != nil || has {
		t.Fatalf("HasConnection after disconnect = %v, %v", has, err)
	}
	// Plan and status changes only apply to a connection that was not disconnected.
	if err := s.UpdateConnectionPlan(ctx, acct, "Essentials", true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update plan of a disconnected connection: %v", err)
	}
	if err := s.MarkConnectionNeedsReconnect(ctx, acct, "Reconnect QuickBooks"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("mark a disconnected connection: %v", err)
	}
}

func TestMarkNeedsReconnectForgetsTokensWithTheMessage(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		mark func(accountID int64) error
	}{
		{"unlocked", func(accountID int64) error {
			return s.MarkConnectionNeedsReconnect(ctx, accountID, "Reconnect QuickBooks")
		}},
		{"inside the lock", func(accountID int64) error {
			return s.LockConnection(ctx, accountID, func(tx *store.ConnectionTx, _ store.Connection, _ bool) error {
				return tx.MarkNeedsReconnect(ctx, "Reconnect QuickBooks")
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acct, _ := connAccount(t, s)
			connect(t, s, acct, 0, "realm-"+testutil.RandomHex(4))
			if err := tc.mark(acct); err != nil {
				t.Fatal(err)
			}
			c, err := s.GetConnection(ctx, acct)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != store.ConnectionNeedsReconnect || c.StatusMessage != "Reconnect QuickBooks" || c.Access != nil || c.Refresh != nil {
				t.Fatalf("after marking %+v", c)
			}
			if has, err := s.HasConnection(ctx, acct); err != nil || !has {
				t.Fatalf("a connection needing a reconnect still counts: %v, %v", has, err)
			}
		})
	}
}

func TestLockConnectionRollsBackWhenFnFails(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	acct, _ := connAccount(t, s)
	connect(t, s, acct, 0, "realm-"+testutil.RandomHex(4))
	boom := errors.New("boom")
	err := s.LockConnection(ctx, acct, func(tx *store.ConnectionTx, _ store.Connection, _ bool) error {
		if err := tx.SaveTokens(ctx, sealedTokens("k2")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("LockConnection = %v, want fn's error as it is", err)
	}
	if c, _ := s.GetConnection(ctx, acct); c.KeyID != "k1" {
		t.Fatalf("key id %q after a failed fn, want the tokens from before", c.KeyID)
	}
}

func TestWritesWithoutARowAreNotFound(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	acct, _ := connAccount(t, s)
	err := s.LockConnection(ctx, acct, func(tx *store.ConnectionTx, _ store.Connection, _ bool) error {
		return tx.SaveTokens(ctx, sealedTokens("k1"))
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("save tokens of an account that never connected: %v", err)
	}
}

// TestLockConnectionHoldersTakeTurnsAndSeeTheLastCommit proves what the token refresh
// relies on: a second holder waits for the first, then reads the row the first one
// committed, not the row as it was when it started waiting.
func TestLockConnectionHoldersTakeTurnsAndSeeTheLastCommit(t *testing.T) {
	db := testutil.DB(t)
	s := store.New(db)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	acct, _ := connAccount(t, s)
	connect(t, s, acct, 0, "realm-"+testutil.RandomHex(4))

	locked, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.LockConnection(ctx, acct, func(tx *store.ConnectionTx, _ store.Connection, _ bool) error {
			close(locked)
			<-release
			return tx.SaveTokens(ctx, sealedTokens("rotated"))
		})
	}()
	<-locked
	second := make(chan string, 1)
	go func() {
		var seen string
		err := s.LockConnection(ctx, acct, func(_ *store.ConnectionTx, cur store.Connection, _ bool) error {
			seen = cur.KeyID
			return nil
		})
		if err != nil {
			seen = "error: " + err.Error()
		}
		second <- seen
	}()
	// Release the first holder only once the second is waiting for the row lock.
	for {
		var waiting int
		if err := db.GetContext(ctx, &waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'`); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the second holder never waited for the lock")
		case <-time.After(10 * time.Millisecond):
		}
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if seen := <-second; seen != "rotated" {
		t.Fatalf("second holder read key id %q, want the first holder's committed %q", seen, "rotated")
	}
}
