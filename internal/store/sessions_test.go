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

func newFirm(t *testing.T, s *store.Store) (store.Account, store.User) {
	t.Helper()
	a, u, err := s.CreateAccountWithOwner(context.Background(), store.NewAccount{Name: "Firm " + testutil.RandomHex(3)},
		store.NewUser{Email: testutil.UniqueName("owner") + "@example.com", FirstName: "Olive", PasswordHash: "old-hash"})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	return a, u
}

func TestSessionsExpireAndEndPerUser(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a, u := newFirm(t, s)
	live, err := s.CreateSession(ctx, a.ID, u.ID, "hash-"+testutil.RandomHex(8), "csrf", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	expired, err := s.CreateSession(ctx, a.ID, u.ID, "hash-"+testutil.RandomHex(8), "csrf", time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetSession(ctx, live.ID); err != nil || got.UserID != u.ID || got.CSRFToken != "csrf" {
		t.Fatalf("get live session: %+v %v", got, err)
	}
	if _, err := s.GetSession(ctx, expired.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session: %v", err)
	}
	if err := s.TouchSession(ctx, live.ID, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpiredSessions(ctx); err != nil || n < 1 {
		t.Fatalf("delete expired: %d %v", n, err)
	}
	if err := s.DeleteUserSessions(ctx, a.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSession(ctx, live.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session survived sign-out everywhere: %v", err)
	}
}

func TestOAuthStateIsSingleUseAndShortLived(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	fresh := store.OAuthState{StateHash: "s-" + testutil.RandomHex(8), BrowserHash: "b", Kind: "signin", Nonce: "n", ExpiresAt: time.Now().Add(time.Minute)}
	old := store.OAuthState{StateHash: "s-" + testutil.RandomHex(8), BrowserHash: "b", Kind: "launch", ExpiresAt: time.Now().Add(-time.Second)}
	for _, st := range []store.OAuthState{fresh, old} {
		if err := s.CreateOAuthState(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ConsumeOAuthState(ctx, fresh.StateHash)
	if err != nil || got.Kind != "signin" || got.Nonce != "n" {
		t.Fatalf("consume: %+v %v", got, err)
	}
	if _, err := s.ConsumeOAuthState(ctx, fresh.StateHash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := s.ConsumeOAuthState(ctx, old.StateHash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired state: %v", err)
	}
}

func TestLoginFailuresCountPerKey(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	key := testutil.UniqueName("who") + "@example.com"
	for range 3 {
		if err := s.RecordLoginFailure(ctx, "email", key); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.CountLoginFailures(ctx, "email", key, time.Now().Add(-time.Minute)); err != nil || n != 3 {
		t.Fatalf("count = %d %v", n, err)
	}
	if n, _ := s.CountLoginFailures(ctx, "ip", key, time.Now().Add(-time.Minute)); n != 0 {
		t.Fatalf("ip count = %d", n)
	}
	if err := s.ClearLoginFailures(ctx, "email", key); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountLoginFailures(ctx, "email", key, time.Now().Add(-time.Minute)); n != 0 {
		t.Fatalf("after clear = %d", n)
	}
}

func TestInvitationAcceptedOnce(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a, u := newFirm(t, s)
	email := testutil.UniqueName("guest") + "@example.com"
	inv, err := s.CreateInvitation(ctx, a.ID, store.NewInvitation{Email: email, FirstName: "Gus", Role: store.RoleMember,
		InvitedBy: u.ID, TokenHash: "inv-" + testutil.RandomHex(8), ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateInvitation(ctx, a.ID, store.NewInvitation{Email: u.Email, Role: store.RoleMember, TokenHash: "x-" + testutil.RandomHex(8), ExpiresAt: time.Now().Add(time.Hour)}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("inviting an existing login: %v", err)
	}
	token := "tok-" + testutil.RandomHex(8)
	if _, err := s.DB().Exec(`UPDATE invitations SET token_hash = $1 WHERE id = $2`, token, inv.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindInvitation(ctx, token); err != nil || got.Email != email {
		t.Fatalf("find: %+v %v", got, err)
	}
	user, err := s.AcceptInvitation(ctx, token, store.NewUser{PasswordHash: "h"})
	if err != nil || user.AccountID != a.ID || user.Role != store.RoleMember || user.FirstName != "Gus" || user.Email != email {
		t.Fatalf("accept: %+v %v", user, err)
	}
	if _, err := s.AcceptInvitation(ctx, token, store.NewUser{PasswordHash: "h"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second accept: %v", err)
	}
	if list, _ := s.ListInvitations(ctx, a.ID); len(list) != 0 {
		t.Fatalf("accepted invitation still pending: %+v", list)
	}
	other, _ := newFirm(t, s)
	if err := s.DeleteInvitation(ctx, other.ID, inv.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete another account's invitation: %v", err)
	}
}

func TestPasswordResetUsedOnceAndEndsSessions(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a, u := newFirm(t, s)
	sess, _ := s.CreateSession(ctx, a.ID, u.ID, "hash-"+testutil.RandomHex(8), "csrf", time.Now().Add(time.Hour))
	token := "reset-" + testutil.RandomHex(8)
	if err := s.CreatePasswordReset(ctx, u.ID, token, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	expired := "reset-" + testutil.RandomHex(8)
	if err := s.CreatePasswordReset(ctx, u.ID, expired, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResetPassword(ctx, expired, "new"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired link: %v", err)
	}
	got, err := s.ResetPassword(ctx, token, "new-hash")
	if err != nil || got.PasswordHash != (sql.NullString{String: "new-hash", Valid: true}) {
		t.Fatalf("reset: %+v %v", got, err)
	}
	if _, err := s.ResetPassword(ctx, token, "again"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := s.GetSession(ctx, sess.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session survived the reset: %v", err)
	}
}

func TestAPITokensAndOutbox(t *testing.T) {
	s := store.New(testutil.DB(t))
	ctx := context.Background()
	a, u := newFirm(t, s)
	hash := "api-" + testutil.RandomHex(8)
	tok, err := s.CreateAPIToken(ctx, a.ID, u.ID, " script ", hash)
	if err != nil || tok.Name != "script" {
		t.Fatalf("create: %+v %v", tok, err)
	}
	used, user, err := s.UseAPIToken(ctx, hash)
	if err != nil || used.ID != tok.ID || !used.LastUsedAt.Valid || user.ID != u.ID || user.AccountID != a.ID {
		t.Fatalf("use: %+v %+v %v", used, user, err)
	}
	// Used again within the minute: last_used_at is not rewritten.
	again, _, err := s.UseAPIToken(ctx, hash)
	if err != nil || !again.LastUsedAt.Time.Equal(used.LastUsedAt.Time) {
		t.Fatalf("second use: %+v %v (first %v)", again, err, used.LastUsedAt.Time)
	}
	if _, err := s.DB().ExecContext(ctx, `UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE token_hash = $1`, hash); err != nil {
		t.Fatal(err)
	}
	later, _, err := s.UseAPIToken(ctx, hash)
	if err != nil || !later.LastUsedAt.Time.After(used.LastUsedAt.Time.Add(-time.Second)) || later.LastUsedAt.Time.Before(time.Now().Add(-time.Minute)) {
		t.Fatalf("use after two idle minutes did not record it: %+v %v", later, err)
	}
	other, otherOwner := newFirm(t, s)
	if err := s.DeleteAPIToken(ctx, other.ID, otherOwner.ID, tok.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete another account's token: %v", err)
	}
	if err := s.DeleteAPIToken(ctx, a.ID, u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UseAPIToken(ctx, hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoked token still works: %v", err)
	}

	m, err := s.AddOutboxMail(ctx, a.ID, u.Email, "Hello", "Body")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkOutboxMailSent(ctx, m.ID, ""); err != nil {
		t.Fatal(err)
	}
	mine, _ := s.ListOutboxMail(ctx, a.ID, store.Page{})
	theirs, _ := s.ListOutboxMail(ctx, other.ID, store.Page{})
	if len(mine) != 1 || !mine[0].SentAt.Valid || len(theirs) != 0 {
		t.Fatalf("outbox: mine %+v, theirs %+v", mine, theirs)
	}
	if to, _ := s.ListOutboxMailTo(ctx, u.Email, store.Page{}); len(to) != 1 {
		t.Fatalf("by address: %+v", to)
	}
}
