package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// TimeCard is hours one user worked for one customer on one day.
type TimeCard struct {
	ID         int64          `db:"id" json:"id"`
	AccountID  int64          `db:"account_id" json:"-"`
	UserID     int64          `db:"user_id" json:"user_id"`
	CustomerID int64          `db:"customer_id" json:"customer_id"`
	ServiceID  int64          `db:"service_id" json:"service_id"`
	WorkDate   time.Time      `db:"work_date" json:"-"`
	Minutes    int            `db:"minutes" json:"minutes"`
	StartTime  sql.NullString `db:"start_time" json:"-"`
	EndTime    sql.NullString `db:"end_time" json:"-"`
	Billable   bool           `db:"billable" json:"billable"`
	RateCents  int64          `db:"rate_cents" json:"rate_cents"`
	Notes      string         `db:"notes" json:"notes"`
	InvoiceID  sql.NullInt64  `db:"invoice_id" json:"-"`
	DeletedAt  sql.NullTime   `db:"deleted_at" json:"-"`
	// UndoUntil is set on a deleted card while its delete may still be undone; its
	// deletion is not sent to QBO before then.
	UndoUntil sql.NullTime `db:"undo_until" json:"-"`
	Version   int64        `db:"version" json:"version"`
	CreatedAt time.Time    `db:"created_at" json:"created_at"`
	UpdatedAt time.Time    `db:"updated_at" json:"updated_at"`
	// SyncStatus and SyncMessage come from sync_states ("never" when absent).
	SyncStatus  string `db:"sync_status" json:"sync_status"`
	SyncMessage string `db:"sync_message" json:"sync_message"`
}

// Date is the work date as YYYY-MM-DD.
func (c TimeCard) Date() string { return c.WorkDate.Format(time.DateOnly) }

// TimeCardInput is a card to create or the new values of one. StartTime and EndTime
// are "HH:MM" or empty.
type TimeCardInput struct {
	UserID     int64
	CustomerID int64
	ServiceID  int64
	WorkDate   time.Time
	Minutes    int
	StartTime  string
	EndTime    string
	Billable   bool
	RateCents  int64
	Notes      string
	// EditApproved is an admin's change: time in an approved week may change. Without
	// it the database refuses such a change with a *WeekLockedError.
	EditApproved bool
}

// TimeCardFilter narrows a list of cards. Zero values do not filter.
type TimeCardFilter struct {
	From, To   time.Time // inclusive work dates
	UserID     int64
	CustomerID int64
	ServiceID  int64
	Billable   *bool  // nil: both
	Status     string // a sync status
	Unbilled   bool
	IDs        []int64
	// PendingDeletes also lists deleted cards whose deletion has not reached QBO yet,
	// so a re-sync of what changed or failed sends those deletions too.
	PendingDeletes bool
}

const timeCardSelect = `SELECT t.id, t.account_id, t.user_id, t.customer_id, t.service_id, t.work_date, t.minutes,
	to_char(t.start_time, 'HH24:MI') AS start_time, to_char(t.end_time, 'HH24:MI') AS end_time, t.billable, t.rate_cents,
	t.notes, t.invoice_id, t.deleted_at, t.undo_until, t.version, t.created_at, t.updated_at,
	COALESCE(ss.status, 'never') AS sync_status, COALESCE(ss.message, '') AS sync_message
	FROM time_cards t LEFT JOIN sync_states ss ON ss.account_id = t.account_id AND ss.object_type = 'time_card' AND ss.object_id = t.id`

func nullTime(s string) sql.NullString {
	return sql.NullString{String: s, Valid: strings.TrimSpace(s) != ""}
}

// GetTimeCard returns a card that has not been deleted.
func (s *Store) GetTimeCard(ctx context.Context, accountID, id int64) (TimeCard, error) {
	var c TimeCard
	err := s.db.GetContext(ctx, &c, timeCardSelect+` WHERE t.account_id = $1 AND t.id = $2 AND t.deleted_at IS NULL`, accountID, id)
	if err != nil {
		return TimeCard{}, fmt.Errorf("store: get time card: %w", mapError(err))
	}
	return c, nil
}

// GetTimeCardsForSync returns the cards with these ids, including deleted ones whose
// deletion has not reached QBO yet. A deletion still inside its undo window is left
// out, whatever asks: it must not reach QBO before the window ends.
func (s *Store) GetTimeCardsForSync(ctx context.Context, accountID int64, ids []int64) ([]TimeCard, error) {
	var out []TimeCard
	err := s.db.SelectContext(ctx, &out, timeCardSelect+` WHERE t.account_id = $1 AND t.id = ANY($2) AND t.undo_until IS NULL ORDER BY t.id`, accountID, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("store: get time cards for sync: %w", mapError(err))
	}
	return out, nil
}

// pendingDelete is a deleted card still linked to a TimeActivity it has not deleted,
// past its undo window.
const pendingDelete = `(t.undo_until IS NULL AND EXISTS (SELECT 1 FROM qbo_links l WHERE l.account_id = t.account_id
	AND l.object_type = 'time_card' AND l.object_id = t.id AND NOT l.qbo_deleted))`

// ListTimeCards lists the account's live cards (and, with f.PendingDeletes, deleted
// ones still to be deleted in QBO) by date, user and id.
func (s *Store) ListTimeCards(ctx context.Context, accountID int64, f TimeCardFilter, p Page) ([]TimeCard, error) {
	live := "t.deleted_at IS NULL"
	if f.PendingDeletes {
		live = "(t.deleted_at IS NULL OR " + pendingDelete + ")"
	}
	c := conds{where: []string{"t.account_id = $1", live}, args: []any{accountID}}
	if !f.From.IsZero() {
		c.add("t.work_date >= ?", f.From.Format(time.DateOnly))
	}
	if !f.To.IsZero() {
		c.add("t.work_date <= ?", f.To.Format(time.DateOnly))
	}
	c.cards(f.UserID, f.CustomerID, f.ServiceID, f.Billable)
	if f.Status != "" {
		c.add("COALESCE(ss.status, 'never') = ?", f.Status)
	}
	if f.Unbilled {
		c.where = append(c.where, "t.invoice_id IS NULL")
	}
	if len(f.IDs) > 0 {
		c.add("t.id = ANY(?)", pq.Array(f.IDs))
	}
	args := append(c.args, p.limit(), p.Offset)
	q := timeCardSelect + ` WHERE ` + c.sql() +
		fmt.Sprintf(` ORDER BY t.work_date, t.user_id, t.id LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	var out []TimeCard
	if err := s.db.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, fmt.Errorf("store: list time cards: %w", mapError(err))
	}
	return out, nil
}

// lockEditableCard locks a live card for change and refuses cards a person must not
// change silently: ones billed on an invoice, and ones a sync is writing right now.
func lockEditableCard(ctx context.Context, tx *sqlx.Tx, accountID, id int64) (TimeCard, error) {
	var c TimeCard
	err := tx.GetContext(ctx, &c, timeCardSelect+` WHERE t.account_id = $1 AND t.id = $2 AND t.deleted_at IS NULL FOR UPDATE OF t`, accountID, id)
	if err != nil {
		return TimeCard{}, fmt.Errorf("store: lock time card: %w", mapError(err))
	}
	if err := uneditable(ctx, tx, c); err != nil {
		return TimeCard{}, err
	}
	return c, nil
}

// uneditable says why a locked card must not change silently (a *ConflictError), or
// nil: billed on an invoice, or being written by a sync right now.
func uneditable(ctx context.Context, tx *sqlx.Tx, c TimeCard) error {
	if c.InvoiceID.Valid {
		var number string
		_ = tx.GetContext(ctx, &number, `SELECT number FROM invoices WHERE account_id = $1 AND id = $2`, c.AccountID, c.InvoiceID.Int64)
		return &ConflictError{Reason: fmt.Sprintf("this time is billed on invoice %s; remove it from the invoice first", number)}
	}
	if c.SyncStatus == StatusSyncing {
		return &ConflictError{Reason: "this time is being synced with QuickBooks right now; try again when the sync finishes"}
	}
	return nil
}

// UpdateTimeCard replaces a card's fields and bumps its version; a synced card becomes
// "changed" and re-syncs to the same QBO TimeActivity. A card naming an inactive
// customer or service is refused with an *InactiveError, even one it had already:
// QBO would refuse its TimeActivity. A card moved into or out of an approved week of
// its person is refused with a *WeekLockedError unless in.EditApproved.
func (s *Store) UpdateTimeCard(ctx context.Context, accountID, id int64, in TimeCardInput) (TimeCard, error) {
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if in.EditApproved {
			if err := allowApprovedEdits(ctx, tx); err != nil {
				return err
			}
		}
		if _, err := lockEditableCard(ctx, tx, accountID, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE time_cards SET user_id = $3, customer_id = $4, service_id = $5, work_date = $6,
			minutes = $7, start_time = $8::time, end_time = $9::time, billable = $10, rate_cents = $11, notes = $12,
			version = version + 1, updated_at = now() WHERE account_id = $1 AND id = $2
			AND NOT EXISTS (SELECT 1 FROM customers WHERE account_id = $1 AND id = $4 AND NOT active)
			AND NOT EXISTS (SELECT 1 FROM services WHERE account_id = $1 AND id = $5 AND NOT active)`,
			accountID, id, in.UserID, in.CustomerID, in.ServiceID, in.WorkDate.Format(time.DateOnly), in.Minutes,
			nullTime(in.StartTime), nullTime(in.EndTime), in.Billable, in.RateCents, in.Notes)
		if err != nil {
			return fmt.Errorf("store: update time card: %w", mapError(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("store: update time card: %w", err)
		}
		if n == 0 {
			// The card is locked, so only an inactive reference leaves it unchanged.
			if err := cardReferenceError(ctx, tx, accountID, in.CustomerID, in.ServiceID); err != nil {
				return fmt.Errorf("store: update time card: %w", err)
			}
			return fmt.Errorf("store: update time card: %w", ErrConflict)
		}
		return markChanged(ctx, tx, accountID, ObjectTimeCard, id)
	})
	if err != nil {
		return TimeCard{}, err
	}
	return s.GetTimeCard(ctx, accountID, id)
}

// DeleteTimeCard deletes a card at once, without an undo window (scripts and tests; the
// app deletes with DeleteTimeCards). A card that reached QBO is kept, marked deleted,
// until its next sync deletes the TimeActivity; one that never synced is removed at
// once. It reports whether the deletion still has to reach QBO.
func (s *Store) DeleteTimeCard(ctx context.Context, accountID, id int64) (pendingQBO bool, err error) {
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := lockEditableCard(ctx, tx, accountID, id); err != nil {
			return err
		}
		var err error
		pendingQBO, err = deleteOrTombstone(ctx, tx, accountID, ObjectTimeCard, id)
		return err
	})
	return pendingQBO, err
}

// conds builds a WHERE clause over time cards t: each condition's ? becomes the next
// numbered parameter.
type conds struct {
	where []string
	args  []any
}

func (c *conds) add(cond string, v any) {
	c.args = append(c.args, v)
	c.where = append(c.where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(c.args))))
}

// cards narrows to a person, customer, service (each unless 0) and billable (unless nil).
func (c *conds) cards(userID, customerID, serviceID int64, billable *bool) {
	if userID != 0 {
		c.add("t.user_id = ?", userID)
	}
	if customerID != 0 {
		c.add("t.customer_id = ?", customerID)
	}
	if serviceID != 0 {
		c.add("t.service_id = ?", serviceID)
	}
	if billable != nil {
		c.add("t.billable = ?", *billable)
	}
}

func (c *conds) sql() string { return strings.Join(c.where, " AND ") }
