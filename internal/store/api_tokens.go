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

// UseAPIToken finds the token with this hash and records that it was used. Like a
// session cookie, a Bearer token arrives before the account is known.
func (s *Store) UseAPIToken(ctx context.Context, tokenHash string) (APIToken, error) {
	var t APIToken
	err := s.db.GetContext(ctx, &t, `UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1
		RETURNING `+apiTokenColumns, tokenHash)
	if err != nil {
		return APIToken{}, fmt.Errorf("store: use api token: %w", mapError(err))
	}
	return t, nil
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
	res, err := s.db.ExecContext(ctx, `DELETE FROM api_tokens WHERE account_id = $1 AND user_id = $2 AND id = $3`, accountID, userID, id)
	if err != nil {
		return fmt.Errorf("store: delete api token: %w", mapError(err))
	}
	return expectOne(res, "store: delete api token")
}
