package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Customer is someone the firm bills.
type Customer struct {
	ID          int64  `db:"id" json:"id"`
	AccountID   int64  `db:"account_id" json:"-"`
	DisplayName string `db:"display_name" json:"display_name"`
	ContactName string `db:"contact_name" json:"contact_name"`
	Email       string `db:"email" json:"email"`
	Active      bool   `db:"active" json:"active"`
	// Taxable, TaxCode (a QBO TaxCode id) and Currency come from QBO.
	Taxable   bool      `db:"taxable" json:"taxable"`
	TaxCode   string    `db:"tax_code" json:"tax_code"`
	Currency  string    `db:"currency" json:"currency"`
	Version   int64     `db:"version" json:"version"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// CustomerInput is a customer to create or the new values of one.
type CustomerInput struct {
	DisplayName string
	ContactName string
	Email       string
	Active      bool
}

// Page bounds a list. A zero Limit means 100.
type Page struct {
	Limit  int
	Offset int
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 100
	case p.Limit > 1000:
		return 1000
	}
	return p.Limit
}

const customerColumns = `id, account_id, display_name, contact_name, email, active, taxable, tax_code, currency, version, created_at, updated_at`

// CreateCustomer adds a customer; a display name already used in the account (any
// case) is a *DuplicateError on display_name.
func (s *Store) CreateCustomer(ctx context.Context, accountID int64, in CustomerInput) (Customer, error) {
	var c Customer
	err := s.db.GetContext(ctx, &c, `INSERT INTO customers (account_id, display_name, contact_name, email, active)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+customerColumns,
		accountID, strings.TrimSpace(in.DisplayName), strings.TrimSpace(in.ContactName), strings.TrimSpace(in.Email), in.Active)
	if err != nil {
		return Customer{}, fmt.Errorf("store: create customer: %w", mapError(err))
	}
	return c, nil
}

// GetCustomer returns one customer of the account.
func (s *Store) GetCustomer(ctx context.Context, accountID, id int64) (Customer, error) {
	var c Customer
	err := s.db.GetContext(ctx, &c, `SELECT `+customerColumns+` FROM customers WHERE account_id = $1 AND id = $2`, accountID, id)
	if err != nil {
		return Customer{}, fmt.Errorf("store: get customer: %w", mapError(err))
	}
	return c, nil
}

// FindCustomerByName finds the account's customer with this display name, ignoring
// case and surrounding spaces.
func (s *Store) FindCustomerByName(ctx context.Context, accountID int64, name string) (Customer, error) {
	var c Customer
	err := s.db.GetContext(ctx, &c, `SELECT `+customerColumns+` FROM customers
		WHERE account_id = $1 AND lower(btrim(display_name)) = lower(btrim($2))`, accountID, name)
	if err != nil {
		return Customer{}, fmt.Errorf("store: find customer by name: %w", mapError(err))
	}
	return c, nil
}

// ListCustomers lists the account's customers by name; search matches part of the name.
func (s *Store) ListCustomers(ctx context.Context, accountID int64, search string, p Page) ([]Customer, error) {
	var cs []Customer
	err := s.db.SelectContext(ctx, &cs, `SELECT `+customerColumns+` FROM customers
		WHERE account_id = $1 AND ($2 = '' OR display_name ILIKE '%' || $2 || '%')
		ORDER BY lower(display_name), id LIMIT $3 OFFSET $4`, accountID, escapeLike(search), p.limit(), p.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list customers: %w", mapError(err))
	}
	return cs, nil
}

// UpdateCustomer replaces a customer's fields and bumps its version; a synced
// customer becomes "changed".
func (s *Store) UpdateCustomer(ctx context.Context, accountID, id int64, in CustomerInput) (Customer, error) {
	var c Customer
	err := s.db.GetContext(ctx, &c, `UPDATE customers SET display_name = $3, contact_name = $4, email = $5, active = $6,
		version = version + 1, updated_at = now() WHERE account_id = $1 AND id = $2 RETURNING `+customerColumns,
		accountID, id, strings.TrimSpace(in.DisplayName), strings.TrimSpace(in.ContactName), strings.TrimSpace(in.Email), in.Active)
	if err != nil {
		return Customer{}, fmt.Errorf("store: update customer: %w", mapError(err))
	}
	if err := markChanged(ctx, s.db, accountID, ObjectCustomer, id); err != nil {
		return Customer{}, err
	}
	return c, nil
}

// escapeLike escapes LIKE wildcards so a search for "50%" finds "50%" literally.
func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(strings.TrimSpace(s))
}
