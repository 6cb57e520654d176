package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Roles a user can hold in an account.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// User is a person who logs time in an account.
type User struct {
	ID           int64          `db:"id" json:"id"`
	AccountID    int64          `db:"account_id" json:"-"`
	Email        string         `db:"email" json:"email"`
	FirstName    string         `db:"first_name" json:"first_name"`
	LastName     string         `db:"last_name" json:"last_name"`
	Role         string         `db:"role" json:"role"`
	PasswordHash sql.NullString `db:"password_hash" json:"-"`
	IntuitSub    sql.NullString `db:"intuit_sub" json:"-"`
	Active       bool           `db:"active" json:"active"`
	Version      int64          `db:"version" json:"-"`
	CreatedAt    time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt    time.Time      `db:"updated_at" json:"updated_at"`
}

// IsAdmin reports whether the user may manage the whole account.
func (u User) IsAdmin() bool { return u.Role == RoleOwner || u.Role == RoleAdmin }

// FullName is "First Last", trimmed.
func (u User) FullName() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// NewUser is a user to create. PasswordHash and IntuitSub may be empty.
type NewUser struct {
	Email        string
	FirstName    string
	LastName     string
	Role         string
	PasswordHash string
	IntuitSub    string
}

// UserUpdate is what an admin (or the user) may change.
type UserUpdate struct {
	FirstName string
	LastName  string
	Email     string
	Role      string
	Active    bool
}

const userColumns = `id, account_id, email, first_name, last_name, role, password_hash, intuit_sub, active, version, created_at, updated_at`

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func createUser(ctx context.Context, q queryer, accountID int64, u NewUser) (User, error) {
	var out User
	err := q.GetContext(ctx, &out, `INSERT INTO users (account_id, email, first_name, last_name, role, password_hash, intuit_sub)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+userColumns,
		accountID, strings.TrimSpace(u.Email), strings.TrimSpace(u.FirstName), strings.TrimSpace(u.LastName), u.Role,
		nullString(u.PasswordHash), nullString(u.IntuitSub))
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", mapError(err))
	}
	return out, nil
}

// CreateUser adds a user to the account.
func (s *Store) CreateUser(ctx context.Context, accountID int64, u NewUser) (User, error) {
	if u.Role == "" {
		u.Role = RoleMember
	}
	return createUser(ctx, s.db, accountID, u)
}

// GetUser returns one user of the account.
func (s *Store) GetUser(ctx context.Context, accountID, userID int64) (User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE account_id = $1 AND id = $2`, accountID, userID)
	if err != nil {
		return User{}, fmt.Errorf("store: get user: %w", mapError(err))
	}
	return u, nil
}

// FindUserByEmail finds a user by e-mail across accounts: sign-in starts before the
// account is known. Matching is case-insensitive and ignores surrounding spaces.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE lower(btrim(email)) = lower(btrim($1))`, email)
	if err != nil {
		return User{}, fmt.Errorf("store: find user by email: %w", mapError(err))
	}
	return u, nil
}

// FindUserByIntuitSub finds the user who signed in with this Intuit subject before.
func (s *Store) FindUserByIntuitSub(ctx context.Context, sub string) (User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE intuit_sub = $1`, sub)
	if err != nil {
		return User{}, fmt.Errorf("store: find user by intuit subject: %w", mapError(err))
	}
	return u, nil
}

// ListUsers lists the account's users by name.
func (s *Store) ListUsers(ctx context.Context, accountID int64) ([]User, error) {
	var us []User
	err := s.db.SelectContext(ctx, &us, `SELECT `+userColumns+` FROM users WHERE account_id = $1
		ORDER BY lower(first_name), lower(last_name), id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", mapError(err))
	}
	return us, nil
}

// UpdateUser changes a user's name, e-mail, role and active flag.
func (s *Store) UpdateUser(ctx context.Context, accountID, userID int64, in UserUpdate) (User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `UPDATE users SET first_name = $3, last_name = $4, email = $5, role = $6, active = $7,
		version = version + 1, updated_at = now() WHERE account_id = $1 AND id = $2 RETURNING `+userColumns,
		accountID, userID, strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName), strings.TrimSpace(in.Email), in.Role, in.Active)
	if err != nil {
		return User{}, fmt.Errorf("store: update user: %w", mapError(err))
	}
	s.credentials.forgetUser(userID)
	return u, nil
}

// SetPassword stores a new bcrypt hash for the user.
func (s *Store) SetPassword(ctx context.Context, accountID, userID int64, hash string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET password_hash = $3, updated_at = now() WHERE account_id = $1 AND id = $2`,
		accountID, userID, hash)
	if err != nil {
		return fmt.Errorf("store: set password: %w", mapError(err))
	}
	s.credentials.forgetUser(userID)
	return expectOne(res, "store: set password")
}

// SetIntuitSub links the user to their Intuit identity.
func (s *Store) SetIntuitSub(ctx context.Context, accountID, userID int64, sub string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE users SET intuit_sub = $3, updated_at = now() WHERE account_id = $1 AND id = $2`,
		accountID, userID, sub)
	if err != nil {
		return fmt.Errorf("store: set intuit subject: %w", mapError(err))
	}
	s.credentials.forgetUser(userID)
	return expectOne(res, "store: set intuit subject")
}

func expectOne(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
