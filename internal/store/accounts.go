package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Account is one firm: the tenant every other row belongs to.
type Account struct {
	ID                int64  `db:"id" json:"id"`
	Name              string `db:"name" json:"name"`
	TimeZone          string `db:"time_zone" json:"time_zone"`
	WeekStart         int    `db:"week_start" json:"week_start"`
	IncomeAccountName string `db:"income_account_name" json:"income_account_name"`
	ResyncInterval    string `db:"resync_interval" json:"resync_interval"`
	// SyncOnlyApproved leaves time of weeks not approved out of every time sync.
	SyncOnlyApproved bool      `db:"sync_only_approved" json:"sync_only_approved"`
	CreatedAt        time.Time `db:"created_at" json:"created_at"`
	UpdatedAt        time.Time `db:"updated_at" json:"updated_at"`
}

// NewAccount is what sign-up (or a first Intuit sign-in) knows about a firm.
type NewAccount struct {
	Name     string
	TimeZone string
}

// AccountSettings are the settings a person edits.
type AccountSettings struct {
	TimeZone          string
	WeekStart         int
	IncomeAccountName string
	ResyncInterval    string
	SyncOnlyApproved  bool
}

const accountColumns = `id, name, time_zone, week_start, income_account_name, resync_interval, sync_only_approved, created_at, updated_at`

// CreateAccountWithOwner creates a firm and its owner in one transaction.
func (s *Store) CreateAccountWithOwner(ctx context.Context, a NewAccount, owner NewUser) (Account, User, error) {
	var acct Account
	var user User
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		tz := a.TimeZone
		if tz == "" {
			tz = "UTC"
		}
		if err := tx.GetContext(ctx, &acct,
			`INSERT INTO accounts (name, time_zone) VALUES ($1, $2) RETURNING `+accountColumns,
			strings.TrimSpace(a.Name), tz); err != nil {
			return fmt.Errorf("store: create account: %w", mapError(err))
		}
		owner.Role = RoleOwner
		var err error
		user, err = createUser(ctx, tx, acct.ID, owner)
		return err
	})
	return acct, user, err
}

// GetAccount returns the account.
func (s *Store) GetAccount(ctx context.Context, accountID int64) (Account, error) {
	var a Account
	err := s.db.GetContext(ctx, &a, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, accountID)
	if err != nil {
		return Account{}, fmt.Errorf("store: get account: %w", mapError(err))
	}
	return a, nil
}

// DeleteAccount deletes the account and everything in it — users, sessions, API tokens,
// customers, services, time cards, invoices, the QBO connection, links and sync
// history — in one transaction (the account's foreign keys cascade). What was synced
// stays in QBO.
func (s *Store) DeleteAccount(ctx context.Context, accountID int64) error {
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		// Time cards and invoices first: their foreign keys to users, customers and
		// services do not cascade, and a cascade from accounts would check them before
		// reaching them.
		for _, q := range []string{
			`DELETE FROM time_cards WHERE account_id = $1`,
			`DELETE FROM invoices WHERE account_id = $1`, // and their lines
		} {
			if _, err := tx.ExecContext(ctx, q, accountID); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = $1`, accountID)
		if err != nil {
			return err
		}
		return expectOne(res, "store: delete account")
	})
	if err != nil {
		return fmt.Errorf("store: delete account: %w", mapError(err))
	}
	// Its sessions and tokens were deleted with it: the triggers tell other processes;
	// this one forgets every cached credential at once.
	s.credentials.purge()
	return nil
}

// UpdateAccountSettings replaces the account's settings.
func (s *Store) UpdateAccountSettings(ctx context.Context, accountID int64, in AccountSettings) (Account, error) {
	var a Account
	err := s.db.GetContext(ctx, &a, `UPDATE accounts SET time_zone = $2, week_start = $3, income_account_name = $4,
		resync_interval = $5, sync_only_approved = $6, updated_at = now() WHERE id = $1 RETURNING `+accountColumns,
		accountID, in.TimeZone, in.WeekStart, strings.TrimSpace(in.IncomeAccountName), in.ResyncInterval, in.SyncOnlyApproved)
	if err != nil {
		return Account{}, fmt.Errorf("store: update account settings: %w", mapError(err))
	}
	return a, nil
}
