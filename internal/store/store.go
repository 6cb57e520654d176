// Package store is Hoursync's PostgreSQL storage: hand-written SQL through sqlx, one
// file per entity. Every method that touches tenant data takes the account id, so no
// tenant object can be read or written without naming its account.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Sentinel errors callers branch on.
var (
	// ErrNotFound means no row of this account matched; another account's row answers
	// the same, so callers never learn it exists.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the row changed state in a way that forbids the write (for
	// example a time card that is syncing or billed on a synced invoice).
	ErrConflict = errors.New("conflict")
)

// DuplicateError reports a unique constraint violation, naming the field at fault.
type DuplicateError struct {
	Field      string
	Constraint string
}

func (e *DuplicateError) Error() string { return fmt.Sprintf("duplicate %s", e.Field) }

// ErrDuplicate matches any *DuplicateError with errors.Is.
var ErrDuplicate = errors.New("duplicate")

// Is makes errors.Is(err, ErrDuplicate) true for every DuplicateError.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// ReferenceError reports a foreign key violation: the request named an object that does
// not exist in this account.
type ReferenceError struct {
	Field      string
	Constraint string
}

func (e *ReferenceError) Error() string { return fmt.Sprintf("unknown %s", e.Field) }

// constraintFields maps constraint names to the field a person would fix.
var constraintFields = map[string]string{
	"users_email_key":                          "email",
	"users_intuit_sub_key":                     "intuit_sub",
	"customers_name_key":                       "display_name",
	"services_name_key":                        "name",
	"invoices_number_key":                      "number",
	"qbo_connections_realm_key":                "realm_id",
	"qbo_connections_account_id_key":           "account_id",
	"time_cards_account_id_user_id_fkey":       "user_id",
	"time_cards_account_id_customer_id_fkey":   "customer_id",
	"time_cards_account_id_service_id_fkey":    "service_id",
	"time_cards_account_id_invoice_id_fkey":    "invoice_id",
	"invoices_account_id_customer_id_fkey":     "customer_id",
	"invoice_lines_account_id_service_id_fkey": "service_id",
}

// mapError turns PostgreSQL errors into the package's typed errors.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		field := constraintFields[pqErr.Constraint]
		if field == "" {
			field = pqErr.Constraint
		}
		switch pqErr.Code {
		case "23505":
			return &DuplicateError{Field: field, Constraint: pqErr.Constraint}
		case "23503":
			return &ReferenceError{Field: field, Constraint: pqErr.Constraint}
		case lockedWeekCode:
			return weekLockedError(pqErr)
		}
	}
	return err
}

// Store holds the database pool. Its methods are safe for concurrent use.
type Store struct {
	db          *sqlx.DB
	now         func() time.Time
	cards       cardBatcher
	credentials credentialCache
	counters    storeCounters
}

// New returns a Store over db.
func New(db *sqlx.DB) *Store {
	s := &Store{db: db, now: time.Now}
	s.cards.s = s
	return s
}

// Open connects to databaseURL and checks the connection.
func Open(ctx context.Context, databaseURL string) (*sqlx.DB, error) {
	db, err := sqlx.Open("postgres", WithOneRoundTrip(databaseURL))
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return db, nil
}

// WithOneRoundTrip turns on lib/pq's binary_parameters unless the URL sets it: a query
// with arguments then goes to PostgreSQL in one round trip instead of two (parse, then
// bind and execute), which halves the latency of every parameterised query.
func WithOneRoundTrip(databaseURL string) string {
	return withURLDefault(databaseURL, "binary_parameters", "yes")
}

// withURLDefault sets a parameter of a postgres:// URL that does not set it already.
// A key=value connection string is returned as it is.
func withURLDefault(databaseURL, key, value string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || u.Scheme == "" || u.Query().Has(key) {
		return databaseURL
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// DB exposes the pool for packages that keep their own SQL (token refresh locking).
func (s *Store) DB() *sqlx.DB { return s.db }

// Ping checks the database is reachable (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// queryer is what both *sqlx.DB and *sqlx.Tx offer, so one method body serves both.
type queryer interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// InTx runs fn in a transaction, committing when it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", mapError(err))
	}
	return nil
}

// ConflictError explains why a write was refused (errors.Is(err, ErrConflict) holds).
type ConflictError struct {
	Reason string
}

func (e *ConflictError) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrConflict) true for every ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }
