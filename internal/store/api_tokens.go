package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// APIToken is a personal token a user's scripts send as a Bearer token. Only the
// SHA-256 of the token is stored.
type APIToken struct {
	ID         int64        `db:"id" json:"id"`
	AccountID  int64        `db:"account_id" json:"-"`
	UserID     int64        `db:"user_id" json:"user_id"`
	Name       string       `db:"name" json:"name"`
	CreatedAt  time.Time    `db:"created_at" json:"created_at"`
	LastUsedAt sql.NullTime `db:"last_used_at" json:"-"`
}

const apiTokenColumns = `id, account_id, user_id, name, created_at, last_used_at`

// CreateAPIToken stores a token's hash for the user.
func (s *Store) CreateAPIToken(ctx context.Context, accountID, userID int64, name, tokenHash string) (APIToken, error) {
	var t APIToken
	err := s.db.GetContext(ctx, &t, `INSERT INTO api_tokens (account_id, user_id, name, token_hash)
		VALUES ($1, $2, $3, $4) RETURNING `+apiTokenColumns, accountID, userID, strings.TrimSpace(name), tokenHash)
	if err != nil {
		return APIToken{}, fmt.Errorf("store: create api token: %w", mapError(err))
	}
	return t, nil
}

// apiTokenTouch is how stale last_used_at may get: a script's requests then write to
// its token's row about once a minute, rather than queue on the row's lock with every
// request.
const apiTokenTouch = time.Minute

// UseAPIToken finds the token with this hash and its user in one round trip (or from
// memory once CacheCredentials runs), and records that it was used. Like a session
// cookie, a Bearer token arrives before the account is known.
func (s *Store) UseAPIToken(ctx context.Context, tokenHash string) (APIToken, User, error) {
	now := s.now()
	e, gen, ok := s.credentials.get(tokenKey(tokenHash), now)
	if ok && e.token.LastUsedAt.Valid && now.Sub(e.token.LastUsedAt.Time) < apiTokenTouch {
		s.counters.credentialHits.Add(1)
		return e.token, e.user, nil
	}
	s.counters.credentialMisses.Add(1)
	var row struct {
		Token APIToken `db:"t"`
		User  User     `db:"u"`
	}
	err := s.db.GetContext(ctx, &row, `WITH touched AS (
			UPDATE api_tokens SET last_used_at = now()
			WHERE token_hash = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))
			RETURNING id, last_used_at)
		SELECT t.id AS "t.id", t.account_id AS "t.account_id", t.user_id AS "t.user_id", t.name AS "t.name",
			t.created_at AS "t.created_at", coalesce(touched.last_used_at, t.last_used_at) AS "t.last_used_at", `+
		prefixColumns("u", userColumns)+`
		FROM api_tokens t JOIN users u ON u.account_id = t.account_id AND u.id = t.user_id
		LEFT JOIN touched ON touched.id = t.id
		WHERE t.token_hash = $1`, tokenHash, apiTokenTouch.Seconds())
	if err != nil {
		return APIToken{}, User{}, fmt.Errorf("store: use api token: %w", mapError(err))
	}
	s.credentials.put(tokenKey(tokenHash), gen, cachedCredential{token: row.Token, user: row.User, loaded: now})
	return row.Token, row.User, nil
}

// ListAPITokens lists the user's tokens, newest first.
func (s *Store) ListAPITokens(ctx context.Context, accountID, userID int64) ([]APIToken, error) {
	out := []APIToken{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+apiTokenColumns+` FROM api_tokens
		WHERE account_id = $1 AND user_id = $2 ORDER BY created_at DESC, id DESC`, accountID, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list api tokens: %w", mapError(err))
	}
	return out, nil
}

// DeleteAPIToken revokes one of the user's tokens.
func (s *Store) DeleteAPIToken(ctx context.Context, accountID, userID, id int64) error {
	var hash string
	err := s.db.GetContext(ctx, &hash, `DELETE FROM api_tokens WHERE account_id = $1 AND user_id = $2 AND id = $3
		RETURNING token_hash`, accountID, userID, id)
	if err != nil {
		return fmt.Errorf("store: delete api token: %w", mapError(err))
	}
	s.credentials.forgetKey(tokenKey(hash))
	return nil
}
