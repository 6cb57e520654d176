package store_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// cachingStore is a second server process: its own pool and its own credential cache.
func cachingStore(t *testing.T) *store.Store {
	t.Helper()
	s := store.New(testutil.DB(t))
	stop, err := s.CacheCredentials(context.Background(), testutil.DatabaseURL(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("cache sessions: %v", err)
	}
	t.Cleanup(stop)
	return s
}

// quietSQL returns a function running SQL that no trigger announces (replication role
// "replica"), as a change the caching process cannot know of.
func quietSQL(t *testing.T) func(query string, args ...any) {
	t.Helper()
	conn, err := testutil.DB(t).Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(context.Background(), `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	return func(query string, args ...any) {
		t.Helper()
		if _, err := conn.ExecContext(context.Background(), query, args...); err != nil {
			t.Fatal(err)
		}
	}
}

// eventually polls cond for up to 5 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("after 5s: %s", what)
}

// sessionFor signs the tenant's owner in and returns the session's hash.
func sessionFor(t *testing.T, s *store.Store, tn tenant) string {
	t.Helper()
	hash := "session-" + testutil.RandomHex(8)
	if _, err := s.CreateSession(context.Background(), tn.account.ID, tn.owner.ID, hash, "csrf", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return hash
}

// TestSessionCacheServesFromMemory proves the cache is used: a deletion that no
// trigger announces (replication role "replica" skips triggers) stays unseen by the
// caching process, while a plain store reads the database every time.
func TestSessionCacheServesFromMemory(t *testing.T) {
	plain, cached := store.New(testutil.DB(t)), cachingStore(t)
	tn := newTenant(t, plain)
	hash := sessionFor(t, plain, tn)
	ctx := context.Background()
	if _, u, err := cached.GetSessionUser(ctx, hash); err != nil || u.ID != tn.owner.ID {
		t.Fatalf("first read: %v, user %d", err, u.ID)
	}
	quietSQL(t)(`DELETE FROM sessions WHERE id = $1`, hash)
	if _, _, err := cached.GetSessionUser(ctx, hash); err != nil {
		t.Errorf("caching process went to the database: %v", err)
	}
	if _, _, err := plain.GetSessionUser(ctx, hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("plain store: %v, want not found", err)
	}
}

// TestSessionCacheFollowsOtherProcesses: sign-out, a deactivated user and a user
// changed by hand in psql, each made by another process, reach the caching process.
func TestSessionCacheFollowsOtherProcesses(t *testing.T) {
	other, cached := store.New(testutil.DB(t)), cachingStore(t)
	ctx := context.Background()
	tn := newTenant(t, other)
	read := func(hash string) (store.User, error) {
		_, u, err := cached.GetSessionUser(ctx, hash)
		return u, err
	}

	signedOut := sessionFor(t, other, tn)
	if _, err := read(signedOut); err != nil {
		t.Fatal(err)
	}
	if err := other.DeleteSession(ctx, signedOut); err != nil {
		t.Fatal(err)
	}
	eventually(t, "signed-out session still accepted", func() bool {
		_, err := read(signedOut)
		return errors.Is(err, store.ErrNotFound)
	})

	hash := sessionFor(t, other, tn)
	if u, err := read(hash); err != nil || u.LastName != "Owner" {
		t.Fatalf("read: %v %+v", err, u)
	}
	if _, err := testutil.DB(t).ExecContext(ctx, `UPDATE users SET last_name = 'Renamed' WHERE id = $1`, tn.owner.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "change made in psql not seen", func() bool {
		u, err := read(hash)
		return err == nil && u.LastName == "Renamed"
	})

	if _, err := other.UpdateUser(ctx, tn.account.ID, tn.owner.ID, store.UserUpdate{FirstName: "Olive", LastName: "Renamed",
		Email: tn.owner.Email, Role: tn.owner.Role, Active: false}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "deactivated user still active", func() bool {
		u, err := read(hash)
		return err == nil && !u.Active
	})
}

// TestSessionCacheOwnWritesAtOnce: a process sees its own sign-out before the call
// returns, without waiting for the notification.
func TestSessionCacheOwnWritesAtOnce(t *testing.T) {
	s := cachingStore(t)
	ctx := context.Background()
	tn := newTenant(t, s)
	for range 20 {
		hash := sessionFor(t, s, tn)
		if _, _, err := s.GetSessionUser(ctx, hash); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, hash); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetSessionUser(ctx, hash); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("own sign-out not seen at once: %v", err)
		}
	}
}

// TestSessionCacheAfterListenerLoss: notifications sent while the listening connection
// is down are lost, so when it is back the cache must start empty; a change made in
// the gap is then seen.
func TestSessionCacheAfterListenerLoss(t *testing.T) {
	other, cached := store.New(testutil.DB(t)), cachingStore(t)
	ctx := context.Background()
	tn := newTenant(t, other)
	hash := sessionFor(t, other, tn)
	if _, _, err := cached.GetSessionUser(ctx, hash); err != nil {
		t.Fatal(err)
	}
	db := testutil.DB(t)
	listener := func() (pid int) {
		_ = db.GetContext(ctx, &pid, `SELECT coalesce(max(pid), 0) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'hoursync credential cache'`)
		return pid
	}
	old := listener()
	if old == 0 {
		t.Fatal("no listening connection in pg_stat_activity")
	}
	// Kill the listening connection and commit a change right after, in one
	// transaction, so the change's notification goes out before the listener has
	// reconnected (it waits at least 100 ms) and is lost.
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, old); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET first_name = 'Changed' WHERE id = $1`, tn.owner.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "listener not back", func() bool { p := listener(); return p != 0 && p != old })
	eventually(t, "change made while the listener was down not seen", func() bool {
		_, u, err := cached.GetSessionUser(ctx, hash)
		return err == nil && u.FirstName == "Changed"
	})
}

// TestTokenCacheFollowsRevocations: an API token is served from memory, and revoking it
// in another process, by hand in psql or in this process reaches the caching process.
func TestTokenCacheFollowsRevocations(t *testing.T) {
	other, cached := store.New(testutil.DB(t)), cachingStore(t)
	ctx := context.Background()
	tn := newTenant(t, other)
	db, quiet := testutil.DB(t), quietSQL(t)
	// newToken creates a token in s and has cached hold it in memory. It was "used"
	// just now, so using it records nothing and no notification is on its way.
	newToken := func(s *store.Store) (store.APIToken, string) {
		hash := "token-" + testutil.RandomHex(8)
		tok, err := s.CreateAPIToken(ctx, tn.account.ID, tn.owner.ID, "script", hash)
		if err != nil {
			t.Fatal(err)
		}
		quiet(`UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1`, hash)
		if _, u, err := cached.UseAPIToken(ctx, hash); err != nil || u.ID != tn.owner.ID {
			t.Fatalf("use: %v, user %d", err, u.ID)
		}
		return tok, hash
	}
	revoked := func(hash string) bool {
		_, _, err := cached.UseAPIToken(ctx, hash)
		return errors.Is(err, store.ErrNotFound)
	}

	_, hidden := newToken(other)
	quiet(`DELETE FROM api_tokens WHERE token_hash = $1`, hidden)
	if revoked(hidden) {
		t.Error("token lookup went to the database")
	}

	tok, hash := newToken(other)
	if err := other.DeleteAPIToken(ctx, tn.account.ID, tn.owner.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "token revoked in another process still accepted", func() bool { return revoked(hash) })

	_, hash = newToken(other)
	if _, err := db.ExecContext(ctx, `DELETE FROM api_tokens WHERE token_hash = $1`, hash); err != nil {
		t.Fatal(err)
	}
	eventually(t, "token deleted in psql still accepted", func() bool { return revoked(hash) })

	for range 10 {
		tok, hash := newToken(cached)
		if err := cached.DeleteAPIToken(ctx, tn.account.ID, tn.owner.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if !revoked(hash) {
			t.Fatal("own revocation not seen at once")
		}
	}
}
