package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// OAuthState is a pending Intuit authorization: sign in, App Store launch or connect.
type OAuthState struct {
	StateHash   string        `db:"state_hash"`
	BrowserHash string        `db:"browser_hash"`
	Kind        string        `db:"kind"`
	AccountID   sql.NullInt64 `db:"account_id"`
	UserID      sql.NullInt64 `db:"user_id"`
	Nonce       string        `db:"nonce"`
	CreatedAt   time.Time     `db:"created_at"`
	ExpiresAt   time.Time     `db:"expires_at"`
}

// CreateOAuthState stores a pending authorization. accountID and userID are zero for
// flows that start without a session.
func (s *Store) CreateOAuthState(ctx context.Context, st OAuthState) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO oauth_states (state_hash, browser_hash, kind, account_id, user_id, nonce, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, st.StateHash, st.BrowserHash, st.Kind, st.AccountID, st.UserID, st.Nonce, st.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: create oauth state: %w", mapError(err))
	}
	// Expired states are useless; clearing them here keeps the table small without a job.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM oauth_states WHERE expires_at < now() - interval '1 hour'`); err != nil {
		return fmt.Errorf("store: clear oauth states: %w", mapError(err))
	}
	return nil
}

// ConsumeOAuthState deletes and returns the state with this hash: a state is usable
// once, even when two callbacks race. An expired state is consumed and reported as
// ErrNotFound.
func (s *Store) ConsumeOAuthState(ctx context.Context, stateHash string) (OAuthState, error) {
	var st OAuthState
	err := s.db.GetContext(ctx, &st, `DELETE FROM oauth_states WHERE state_hash = $1
		RETURNING state_hash, browser_hash, kind, account_id, user_id, nonce, created_at, expires_at`, stateHash)
	if err != nil {
		return OAuthState{}, fmt.Errorf("store: consume oauth state: %w", mapError(err))
	}
	if !st.ExpiresAt.After(s.now()) {
		return OAuthState{}, fmt.Errorf("store: consume oauth state: expired: %w", ErrNotFound)
	}
	return st, nil
}

// RecordLoginFailure counts a failed sign-in against the scope ("ip" or "email") and key.
func (s *Store) RecordLoginFailure(ctx context.Context, scope, key string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO login_failures (scope, key) VALUES ($1, $2)`, scope, key); err != nil {
		return fmt.Errorf("store: record login failure: %w", mapError(err))
	}
	return nil
}

// CountLoginFailures counts the failures of a scope and key since a moment.
func (s *Store) CountLoginFailures(ctx context.Context, scope, key string, since time.Time) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM login_failures WHERE scope = $1 AND key = $2 AND created_at > $3`, scope, key, since)
	if err != nil {
		return 0, fmt.Errorf("store: count login failures: %w", mapError(err))
	}
	return n, nil
}

// ClearLoginFailures forgets an e-mail's failures after a successful sign-in, and
// drops failures older than a day.
func (s *Store) ClearLoginFailures(ctx context.Context, scope, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM login_failures WHERE (scope = $1 AND key = $2) OR created_at < now() - interval '1 day'`, scope, key); err != nil {
		return fmt.Errorf("store: clear login failures: %w", mapError(err))
	}
	return nil
}

// GetSessionUser returns the unexpired session with this hash and its user in one
// round trip, or from memory once CacheCredentials runs: every signed-in request starts
// with it.
func (s *Store) GetSessionUser(ctx context.Context, idHash string) (Session, User, error) {
	now := s.now()
	e, gen, ok := s.credentials.get(sessionKey(idHash), now)
	if ok {
		s.counters.credentialHits.Add(1)
		return e.sess, e.user, nil
	}
	s.counters.credentialMisses.Add(1)
	var row struct {
		Session `db:"s"`
		User    `db:"u"`
	}
	q := `SELECT s.id AS "s.id", s.account_id AS "s.account_id", s.user_id AS "s.user_id", s.csrf_token AS "s.csrf_token",
		s.created_at AS "s.created_at", s.last_seen_at AS "s.last_seen_at", s.expires_at AS "s.expires_at", ` +
		prefixColumns("u", userColumns) + `
		FROM sessions s JOIN users u ON u.account_id = s.account_id AND u.id = s.user_id
		WHERE s.id = $1 AND s.expires_at > now()`
	if err := s.db.GetContext(ctx, &row, q, idHash); err != nil {
		return Session{}, User{}, fmt.Errorf("store: get session user: %w", mapError(err))
	}
	s.credentials.put(sessionKey(idHash), gen, cachedCredential{sess: row.Session, user: row.User, loaded: now})
	return row.Session, row.User, nil
}

// prefixColumns turns "a, b" into `u.a AS "u.a", u.b AS "u.b"` for sqlx's nested structs.
func prefixColumns(prefix, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		c = strings.TrimSpace(c)
		parts[i] = prefix + "." + c + ` AS "` + prefix + "." + c + `"`
	}
	return strings.Join(parts, ", ")
}

// TimeCardRefs says which of a card's references exist in the account, and the
// service's rate.
type TimeCardRefs struct {
	UserOK      bool          `db:"user_ok"`
	CustomerOK  bool          `db:"customer_ok"`
	ServiceRate sql.NullInt64 `db:"service_rate"`
}

// CheckTimeCardRefs looks up a card's user, customer and service in one round trip.
func (s *Store) CheckTimeCardRefs(ctx context.Context, accountID, userID, customerID, serviceID int64) (TimeCardRefs, error) {
	var r TimeCardRefs
	err := s.db.GetContext(ctx, &r, `SELECT
		EXISTS (SELECT 1 FROM users WHERE account_id = $1 AND id = $2) AS user_ok,
		EXISTS (SELECT 1 FROM customers WHERE account_id = $1 AND id = $3) AS customer_ok,
		(SELECT rate_cents FROM services WHERE account_id = $1 AND id = $4) AS service_rate`, accountID, userID, customerID, serviceID)
	if err != nil {
		return TimeCardRefs{}, fmt.Errorf("store: check time card references: %w", mapError(err))
	}
	return r, nil
}
