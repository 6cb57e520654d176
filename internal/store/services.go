package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Service is a kind of work the firm bills for, at an hourly rate.
type Service struct {
	ID          int64  `db:"id" json:"id"`
	AccountID   int64  `db:"account_id" json:"-"`
	Name        string `db:"name" json:"name"`
	Description string `db:"description" json:"description"`
	RateCents   int64  `db:"rate_cents" json:"rate_cents"`
	Active      bool   `db:"active" json:"active"`
	// TaxCode is the QBO TaxCode id its lines get by default (from the QBO item).
	TaxCode   string    `db:"tax_code" json:"tax_code"`
	Version   int64     `db:"version" json:"version"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// ServiceInput is a service to create or the new values of one.
type ServiceInput struct {
	Name        string
	Description string
	RateCents   int64
	Active      bool
}

const serviceColumns = `id, account_id, name, description, rate_cents, active, tax_code, version, created_at, updated_at`

// CreateService adds a service; a name already used in the account (any case) is a
// *DuplicateError on name.
func (s *Store) CreateService(ctx context.Context, accountID int64, in ServiceInput) (Service, error) {
	var sv Service
	err := s.db.GetContext(ctx, &sv, `INSERT INTO services (account_id, name, description, rate_cents, active)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+serviceColumns,
		accountID, strings.TrimSpace(in.Name), strings.TrimSpace(in.Description), in.RateCents, in.Active)
	if err != nil {
		return Service{}, fmt.Errorf("store: create service: %w", mapError(err))
	}
	return sv, nil
}

// GetService returns one service of the account.
func (s *Store) GetService(ctx context.Context, accountID, id int64) (Service, error) {
	var sv Service
	err := s.db.GetContext(ctx, &sv, `SELECT `+serviceColumns+` FROM services WHERE account_id = $1 AND id = $2`, accountID, id)
	if err != nil {
		return Service{}, fmt.Errorf("store: get service: %w", mapError(err))
	}
	return sv, nil
}

// FindServiceByName finds the account's service with this name, ignoring case.
func (s *Store) FindServiceByName(ctx context.Context, accountID int64, name string) (Service, error) {
	var sv Service
	err := s.db.GetContext(ctx, &sv, `SELECT `+serviceColumns+` FROM services
		WHERE account_id = $1 AND lower(btrim(name)) = lower(btrim($2))`, accountID, name)
	if err != nil {
		return Service{}, fmt.Errorf("store: find service by name: %w", mapError(err))
	}
	return sv, nil
}

// ListServices lists the account's services by name.
func (s *Store) ListServices(ctx context.Context, accountID int64, search string, p Page) ([]Service, error) {
	var ss []Service
	err := s.db.SelectContext(ctx, &ss, `SELECT `+serviceColumns+` FROM services
		WHERE account_id = $1 AND ($2 = '' OR name ILIKE '%' || $2 || '%')
		ORDER BY lower(name), id LIMIT $3 OFFSET $4`, accountID, escapeLike(search), p.limit(), p.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list services: %w", mapError(err))
	}
	return ss, nil
}

// UpdateService replaces a service's fields and bumps its version.
func (s *Store) UpdateService(ctx context.Context, accountID, id int64, in ServiceInput) (Service, error) {
	var sv Service
	err := s.db.GetContext(ctx, &sv, `UPDATE services SET name = $3, description = $4, rate_cents = $5, active = $6,
		version = version + 1, updated_at = now() WHERE account_id = $1 AND id = $2 RETURNING `+serviceColumns,
		accountID, id, strings.TrimSpace(in.Name), strings.TrimSpace(in.Description), in.RateCents, in.Active)
	if err != nil {
		return Service{}, fmt.Errorf("store: update service: %w", mapError(err))
	}
	if err := markChanged(ctx, s.db, accountID, ObjectService, id); err != nil {
		return Service{}, err
	}
	return sv, nil
}
