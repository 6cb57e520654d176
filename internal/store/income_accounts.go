package store

import (
	"context"
	"fmt"
	"time"
)

// IncomeAccount is a QBO income account, imported per realm; services Hoursync creates
// in QBO post to the one named in the account's settings.
type IncomeAccount struct {
	ID        int64     `db:"id" json:"id"`
	AccountID int64     `db:"account_id" json:"-"`
	RealmID   string    `db:"realm_id" json:"realm_id"`
	QBOID     string    `db:"qbo_id" json:"qbo_id"`
	Name      string    `db:"name" json:"name"`
	Active    bool      `db:"active" json:"active"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// UpsertIncomeAccount records an income account imported from QBO.
func (s *Store) UpsertIncomeAccount(ctx context.Context, accountID int64, realmID, qboID, name string, active bool) (IncomeAccount, error) {
	var ia IncomeAccount
	err := s.db.GetContext(ctx, &ia, `INSERT INTO income_accounts (account_id, realm_id, qbo_id, name, active)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id, realm_id, qbo_id) DO UPDATE SET name = EXCLUDED.name, active = EXCLUDED.active, updated_at = now()
		RETURNING id, account_id, realm_id, qbo_id, name, active, updated_at`, accountID, realmID, qboID, name, active)
	if err != nil {
		return IncomeAccount{}, fmt.Errorf("store: upsert income account: %w", mapError(err))
	}
	return ia, nil
}

// ListIncomeAccounts lists the income accounts imported from the realm, by name.
func (s *Store) ListIncomeAccounts(ctx context.Context, accountID int64, realmID string) ([]IncomeAccount, error) {
	var out []IncomeAccount
	err := s.db.SelectContext(ctx, &out, `SELECT id, account_id, realm_id, qbo_id, name, active, updated_at
		FROM income_accounts WHERE account_id = $1 AND ($2 = '' OR realm_id = $2) ORDER BY lower(name), id`, accountID, realmID)
	if err != nil {
		return nil, fmt.Errorf("store: list income accounts: %w", mapError(err))
	}
	return out, nil
}
