package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrResetInvalid means the password reset link is unknown, expired or already used.
var ErrResetInvalid = fmt.Errorf("password reset link invalid or expired: %w", ErrNotFound)

// CreatePasswordReset stores the hash of a reset link's token for the user.
func (s *Store) CreatePasswordReset(ctx context.Context, userID int64, tokenHash string, expiresAt time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES ($1, $2, $3)`,
		userID, tokenHash, expiresAt)
	if err != nil {
		return fmt.Errorf("store: create password reset: %w", mapError(err))
	}
	return nil
}

// ResetPassword uses a reset link once: it stores the new hash, marks the link used,
// withdraws the user's other unused links and signs the user out everywhere, all in
// one transaction.
func (s *Store) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (User, error) {
	var user User
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var userID int64
		if err := tx.GetContext(ctx, &userID, `UPDATE password_resets SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`, tokenHash); err != nil {
			if mapError(err) == ErrNotFound {
				return fmt.Errorf("store: reset password: %w", ErrResetInvalid)
			}
			return fmt.Errorf("store: reset password: %w", mapError(err))
		}
		if err := tx.GetContext(ctx, &user, `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1 AND active
			RETURNING `+userColumns, userID, passwordHash); err != nil {
			if mapError(err) == ErrNotFound {
				return fmt.Errorf("store: reset password: %w", ErrResetInvalid)
			}
			return fmt.Errorf("store: reset password: %w", mapError(err))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
			return fmt.Errorf("store: reset password: %w", mapError(err))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("store: reset password: %w", mapError(err))
		}
		return nil
	})
	if err == nil {
		s.credentials.forgetUser(user.ID)
	}
	return user, err
}

// CountRecentPasswordResets counts the reset links sent to the user since a moment, so
// the reset form cannot be used to flood someone's inbox.
func (s *Store) CountRecentPasswordResets(ctx context.Context, userID int64, since time.Time) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM password_resets WHERE user_id = $1 AND created_at > $2`, userID, since); err != nil {
		return 0, fmt.Errorf("store: count password resets: %w", mapError(err))
	}
	return n, nil
}
