package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Term types, as QBO names them.
const (
	TermStandard   = "STANDARD"
	TermDateDriven = "DATE_DRIVEN"
)

// Term is a QBO sales term, imported per realm. An invoice's terms are a choice from
// them; QBO computes the due date from the term unless the person set one.
type Term struct {
	ID               int64     `db:"id" json:"id"`
	AccountID        int64     `db:"account_id" json:"-"`
	RealmID          string    `db:"realm_id" json:"realm_id"`
	QBOID            string    `db:"qbo_id" json:"qbo_id"`
	Name             string    `db:"name" json:"name"`
	Type             string    `db:"type" json:"type"`
	DueDays          *int      `db:"due_days" json:"due_days,omitempty"`
	DayOfMonthDue    *int      `db:"day_of_month_due" json:"day_of_month_due,omitempty"`
	DueNextMonthDays *int      `db:"due_next_month_days" json:"due_next_month_days,omitempty"`
	Active           bool      `db:"active" json:"active"`
	UpdatedAt        time.Time `db:"updated_at" json:"updated_at"`
}

// TermInput is a term as imported from QBO.
type TermInput struct {
	QBOID, Name, Type string
	DueDays           *int
	DayOfMonthDue     *int
	DueNextMonthDays  *int
	Active            bool
}

const termColumns = `id, account_id, realm_id, qbo_id, name, type, due_days, day_of_month_due, due_next_month_days, active, updated_at`

// DueDate is the due date the term gives an invoice dated invoiceDate, computed as QBO
// does before QBO has said: STANDARD is the date plus DueDays; DATE_DRIVEN is
// DayOfMonthDue of the date's month (its last day when shorter), moved to the next
// month when that is before the date or fewer than DueNextMonthDays days after it.
func (t Term) DueDate(invoiceDate time.Time) time.Time {
	d := time.Date(invoiceDate.Year(), invoiceDate.Month(), invoiceDate.Day(), 0, 0, 0, 0, time.UTC)
	if t.Type != TermDateDriven {
		if t.DueDays == nil {
			return d
		}
		return d.AddDate(0, 0, *t.DueDays)
	}
	day, next := 1, 0
	if t.DayOfMonthDue != nil {
		day = *t.DayOfMonthDue
	}
	if t.DueNextMonthDays != nil {
		next = *t.DueNextMonthDays
	}
	due := clampedDay(d.Year(), d.Month(), day)
	if due.Before(d) || int(due.Sub(d).Hours()/24) < next {
		due = clampedDay(d.Year(), d.Month()+1, day)
	}
	return due
}

// clampedDay is the day of the month, or the month's last day when it is shorter.
func clampedDay(year int, month time.Month, day int) time.Time {
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	if last := first.AddDate(0, 1, -1).Day(); day > last {
		day = last
	}
	return first.AddDate(0, 0, day-1)
}

// UpsertTerm records a term imported from QBO.
func (s *Store) UpsertTerm(ctx context.Context, accountID int64, realmID string, in TermInput) (Term, error) {
	var t Term
	err := s.db.GetContext(ctx, &t, `INSERT INTO terms (account_id, realm_id, qbo_id, name, type, due_days, day_of_month_due,
		due_next_month_days, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (account_id, realm_id, qbo_id) DO UPDATE SET name = EXCLUDED.name, type = EXCLUDED.type,
			due_days = EXCLUDED.due_days, day_of_month_due = EXCLUDED.day_of_month_due,
			due_next_month_days = EXCLUDED.due_next_month_days, active = EXCLUDED.active, updated_at = now()
		RETURNING `+termColumns, accountID, realmID, in.QBOID, in.Name, in.Type, in.DueDays, in.DayOfMonthDue, in.DueNextMonthDays, in.Active)
	if err != nil {
		return Term{}, fmt.Errorf("store: upsert term: %w", mapError(err))
	}
	return t, nil
}

// ListTerms lists the terms imported from the realm ("" = every realm), by name.
func (s *Store) ListTerms(ctx context.Context, accountID int64, realmID string) ([]Term, error) {
	var out []Term
	err := s.db.SelectContext(ctx, &out, `SELECT `+termColumns+` FROM terms WHERE account_id = $1 AND ($2 = '' OR realm_id = $2)
		ORDER BY lower(name), id`, accountID, realmID)
	if err != nil {
		return nil, fmt.Errorf("store: list terms: %w", mapError(err))
	}
	return out, nil
}

// GetTerm returns one of the account's terms.
func (s *Store) GetTerm(ctx context.Context, accountID, id int64) (Term, error) {
	return getTerm(ctx, s.db, accountID, id)
}

func getTerm(ctx context.Context, q queryer, accountID, id int64) (Term, error) {
	var t Term
	if err := q.GetContext(ctx, &t, `SELECT `+termColumns+` FROM terms WHERE account_id = $1 AND id = $2`, accountID, id); err != nil {
		return Term{}, fmt.Errorf("store: get term: %w", mapError(err))
	}
	return t, nil
}

// FindTermByName returns the realm's term with this name (trimmed, ignoring case; "" =
// any realm), an active one before an inactive one, or ErrNotFound.
func (s *Store) FindTermByName(ctx context.Context, accountID int64, realmID, name string) (Term, error) {
	var t Term
	err := s.db.GetContext(ctx, &t, `SELECT `+termColumns+` FROM terms WHERE account_id = $1 AND ($2 = '' OR realm_id = $2)
		AND lower(btrim(name)) = lower(btrim($3)) ORDER BY active DESC, updated_at DESC, id LIMIT 1`, accountID, realmID, strings.TrimSpace(name))
	if err != nil {
		return Term{}, fmt.Errorf("store: find term: %w", mapError(err))
	}
	return t, nil
}

// invoiceTerms is what an invoice row stores of its terms.
type invoiceTerms struct {
	termID   sql.NullInt64
	text     string
	dueDate  sql.NullString
	explicit bool
}

// resolveInvoiceTerms turns an input's term choice into what the invoice stores: the
// term and its name as the display text, and the due date, the person's own or else
// the term's from the invoice date. Without a term the text stays as given (invoices
// written before terms were a choice).
func resolveInvoiceTerms(ctx context.Context, tx *sqlx.Tx, accountID int64, in InvoiceInput) (invoiceTerms, error) {
	out := invoiceTerms{text: in.Terms, dueDate: nullDate(in.DueDate), explicit: !in.DueDate.IsZero()}
	if in.TermID == 0 {
		return out, nil
	}
	t, err := getTerm(ctx, tx, accountID, in.TermID)
	if errors.Is(err, ErrNotFound) {
		return out, &ReferenceError{Field: "term_id"}
	}
	if err != nil {
		return out, err
	}
	out.termID = sql.NullInt64{Int64: t.ID, Valid: true}
	out.text = t.Name
	if !out.explicit {
		out.dueDate = nullDate(t.DueDate(in.InvoiceDate))
	}
	return out, nil
}

// RecordQBOInvoiceTerms stores the due date and term QBO has for a synced invoice, so
// Hoursync shows them exactly as QBO does. termQBOID is QBO's SalesTermRef ("" when the
// QBO invoice has none); a term not imported yet leaves the invoice's term as it is.
// Nothing is written when the invoice changed since the synced version: its next sync
// brings QBO's values for the edit. The version does not change, so the invoice does
// not look edited.
func (s *Store) RecordQBOInvoiceTerms(ctx context.Context, accountID, invoiceID int64, realmID string, syncedVersion int64, termQBOID, dueDate string) error {
	var due sql.NullString
	if dueDate != "" {
		d, err := time.Parse(time.DateOnly, dueDate)
		if err != nil {
			return fmt.Errorf("store: record QBO invoice terms: due date %q: %w", dueDate, err)
		}
		due = nullDate(d)
	}
	_, err := s.db.ExecContext(ctx, `WITH t AS (
			SELECT id, name FROM terms WHERE account_id = $1 AND realm_id = $3 AND qbo_id = $5 AND $5 <> ''
		)
		UPDATE invoices i SET
			due_date = COALESCE($6::date, i.due_date),
			term_id = CASE WHEN $5 = '' THEN NULL WHEN EXISTS (SELECT 1 FROM t) THEN (SELECT id FROM t) ELSE i.term_id END,
			terms = CASE WHEN $5 = '' AND i.term_id IS NOT NULL THEN '' WHEN EXISTS (SELECT 1 FROM t) THEN (SELECT name FROM t) ELSE i.terms END
		WHERE i.account_id = $1 AND i.id = $2 AND i.version = $4 AND i.deleted_at IS NULL`,
		accountID, invoiceID, realmID, syncedVersion, termQBOID, due)
	if err != nil {
		return fmt.Errorf("store: record QBO invoice terms: %w", mapError(err))
	}
	return nil
}
