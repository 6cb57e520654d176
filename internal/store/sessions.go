package store

import (
	"context"
	"fmt"
	"time"
)

// Session is a signed-in browser. ID is the SHA-256 of the cookie value: a leaked
// sessions table does not let anyone sign in.
type Session struct {
	ID         string    `db:"id"`
	AccountID  int64     `db:"account_id"`
	UserID     int64     `db:"user_id"`
	CSRFToken  string    `db:"csrf_token"`
	CreatedAt  time.Time `db:"created_at"`
	LastSeenAt time.Time `db:"last_seen_at"`
	ExpiresAt  time.Time `db:"expires_at"`
}

const sessionColumns = `id, account_id, user_id, csrf_token, created_at, last_seen_at, expires_at`

// CreateSession stores a session under the hash of its cookie value.
func (s *Store) CreateSession(ctx context.Context, accountID, userID int64, idHash, csrfToken string, expiresAt time.Time) (Session, error) {
	var out Session
	err := s.db.GetContext(ctx, &out, `INSERT INTO sessions (id, account_id, user_id, csrf_token, expires_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+sessionColumns, idHash, accountID, userID, csrfToken, expiresAt)
	if err != nil {
		return Session{}, fmt.Errorf("store: create session: %w", mapError(err))
	}
	return out, nil
}

// GetSession returns the unexpired session with this hash. The account is not known
// before the cookie is read, so this is the one lookup that is not account-scoped.
func (s *Store) GetSession(ctx context.Context, idHash string) (Session, error) {
	var out Session
	err := s.db.GetContext(ctx, &out, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1 AND expires_at > now()`, idHash)
	if err != nil {
		return Session{}, fmt.Errorf("store: get session: %w", mapError(err))
	}
	return out, nil
}

// TouchSession records activity and slides the expiry forward.
func (s *Store) TouchSession(ctx context.Context, idHash string, expiresAt time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = now(), expires_at = $2 WHERE id = $1`, idHash, expiresAt)
	if err != nil {
		return fmt.Errorf("store: touch session: %w", mapError(err))
	}
	s.credentials.forgetKey(sessionKey(idHash))
	return nil
}

// DeleteSession signs one browser out; an unknown session is not an error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, idHash); err != nil {
		return fmt.Errorf("store: delete session: %w", mapError(err))
	}
	s.credentials.forgetKey(sessionKey(idHash))
	return nil
}

// DeleteUserSessions signs a user out everywhere (after a password change).
func (s *Store) DeleteUserSessions(ctx context.Context, accountID, userID int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1 AND user_id = $2`, accountID, userID); err != nil {
		return fmt.Errorf("store: delete user sessions: %w", mapError(err))
	}
	s.credentials.forgetUser(userID)
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry and reports how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= now()`)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", mapError(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}
