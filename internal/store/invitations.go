package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Invitation asks someone by e-mail to join an account; they accept through the
// emailed link, whose token is stored only as a hash.
type Invitation struct {
	ID         int64         `db:"id" json:"id"`
	AccountID  int64         `db:"account_id" json:"-"`
	Email      string        `db:"email" json:"email"`
	FirstName  string        `db:"first_name" json:"first_name"`
	LastName   string        `db:"last_name" json:"last_name"`
	Role       string        `db:"role" json:"role"`
	InvitedBy  sql.NullInt64 `db:"invited_by" json:"-"`
	CreatedAt  time.Time     `db:"created_at" json:"created_at"`
	ExpiresAt  time.Time     `db:"expires_at" json:"expires_at"`
	AcceptedAt sql.NullTime  `db:"accepted_at" json:"-"`
}

// NewInvitation is an invitation to store.
type NewInvitation struct {
	Email     string
	FirstName string
	LastName  string
	Role      string
	InvitedBy int64
	TokenHash string
	ExpiresAt time.Time
}

const invitationColumns = `id, account_id, email, first_name, last_name, role, invited_by, created_at, expires_at, accepted_at`

// ErrInvitationInvalid means the invitation link is unknown, expired or already used.
var ErrInvitationInvalid = fmt.Errorf("invitation invalid or expired: %w", ErrNotFound)

// CreateInvitation stores an invitation. An e-mail that already signs in anywhere is a
// *DuplicateError on email: one person, one login.
func (s *Store) CreateInvitation(ctx context.Context, accountID int64, in NewInvitation) (Invitation, error) {
	var inv Invitation
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var taken bool
		if err := tx.GetContext(ctx, &taken, `SELECT EXISTS (SELECT 1 FROM users WHERE lower(btrim(email)) = lower(btrim($1)))`, in.Email); err != nil {
			return fmt.Errorf("store: create invitation: %w", mapError(err))
		}
		if taken {
			return &DuplicateError{Field: "email", Constraint: "users_email_key"}
		}
		invitedBy := sql.NullInt64{Int64: in.InvitedBy, Valid: in.InvitedBy != 0}
		err := tx.GetContext(ctx, &inv, `INSERT INTO invitations (account_id, email, first_name, last_name, role, token_hash, invited_by, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+invitationColumns,
			accountID, strings.TrimSpace(in.Email), strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName), in.Role,
			in.TokenHash, invitedBy, in.ExpiresAt)
		if err != nil {
			return fmt.Errorf("store: create invitation: %w", mapError(err))
		}
		return nil
	})
	return inv, err
}

// ListInvitations lists the account's pending invitations, newest first.
func (s *Store) ListInvitations(ctx context.Context, accountID int64) ([]Invitation, error) {
	out := []Invitation{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+invitationColumns+` FROM invitations
		WHERE account_id = $1 AND accepted_at IS NULL ORDER BY created_at DESC, id DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: list invitations: %w", mapError(err))
	}
	return out, nil
}

// FindInvitation returns the pending, unexpired invitation of a link.
func (s *Store) FindInvitation(ctx context.Context, tokenHash string) (Invitation, error) {
	var inv Invitation
	err := s.db.GetContext(ctx, &inv, `SELECT `+invitationColumns+` FROM invitations
		WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now()`, tokenHash)
	if err != nil {
		if mapError(err) == ErrNotFound {
			return Invitation{}, fmt.Errorf("store: find invitation: %w", ErrInvitationInvalid)
		}
		return Invitation{}, fmt.Errorf("store: find invitation: %w", mapError(err))
	}
	return inv, nil
}

// AcceptInvitation turns a pending invitation into a user with this password hash,
// once: the row is locked and marked accepted in the same transaction.
func (s *Store) AcceptInvitation(ctx context.Context, tokenHash string, u NewUser) (User, error) {
	var user User
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var inv Invitation
		if err := tx.GetContext(ctx, &inv, `SELECT `+invitationColumns+` FROM invitations
			WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > now() FOR UPDATE`, tokenHash); err != nil {
			if mapError(err) == ErrNotFound {
				return fmt.Errorf("store: accept invitation: %w", ErrInvitationInvalid)
			}
			return fmt.Errorf("store: accept invitation: %w", mapError(err))
		}
		u.Email = inv.Email
		u.Role = inv.Role
		if strings.TrimSpace(u.FirstName) == "" {
			u.FirstName = inv.FirstName
		}
		if strings.TrimSpace(u.LastName) == "" {
			u.LastName = inv.LastName
		}
		var err error
		if user, err = createUser(ctx, tx, inv.AccountID, u); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = now() WHERE id = $1`, inv.ID); err != nil {
			return fmt.Errorf("store: accept invitation: %w", mapError(err))
		}
		return nil
	})
	return user, err
}

// DeleteInvitation withdraws a pending invitation.
func (s *Store) DeleteInvitation(ctx context.Context, accountID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM invitations WHERE account_id = $1 AND id = $2 AND accepted_at IS NULL`, accountID, id)
	if err != nil {
		return fmt.Errorf("store: delete invitation: %w", mapError(err))
	}
	return expectOne(res, "store: delete invitation")
}
