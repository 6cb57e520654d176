package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Week approval: an admin approves a person's week, which locks it for that person.
// The lock itself is the trigger hoursync_week_lock (migration 00017), so every
// writer of time cards keeps it; this file stores approvals, reads them, and turns
// the trigger's refusal into a WeekLockedError.

// WeekApproval is one person's approved week.
type WeekApproval struct {
	AccountID  int64         `db:"account_id" json:"-"`
	UserID     int64         `db:"user_id" json:"user_id"`
	WeekStart  time.Time     `db:"week_start" json:"-"`
	ApprovedBy sql.NullInt64 `db:"approved_by" json:"-"`
	// ApproverName is the approver's first name (their e-mail without one).
	ApproverName string    `db:"approver_name" json:"approver_name"`
	ApprovedAt   time.Time `db:"approved_at" json:"approved_at"`
}

// lockedWeekCode is the SQLSTATE hoursync_week_lock raises.
const lockedWeekCode = "HS423"

// WeekLockedError refuses a change to time dated in an approved week of its person.
type WeekLockedError struct {
	UserID    int64
	WeekStart time.Time
	// ApprovedBy names the approver; ApprovedOn is the day they approved, in the
	// account's time zone ("3 Mar").
	ApprovedBy string
	ApprovedOn string
}

func (e *WeekLockedError) Error() string {
	return fmt.Sprintf("the week of %s was approved by %s on %s", e.WeekStart.Format(time.DateOnly), e.ApprovedBy, e.ApprovedOn)
}

// Is makes errors.Is(err, ErrConflict) true for every WeekLockedError.
func (e *WeekLockedError) Is(target error) bool { return target == ErrConflict }

// weekLockedError reads the trigger's refusal; its DETAIL carries the approval.
func weekLockedError(pqErr *pq.Error) error {
	var d struct {
		UserID     int64  `json:"user_id"`
		WeekStart  string `json:"week_start"`
		ApprovedBy string `json:"approved_by"`
		ApprovedOn string `json:"approved_on"`
	}
	if err := json.Unmarshal([]byte(pqErr.Detail), &d); err != nil {
		return &WeekLockedError{ApprovedBy: "an admin", ApprovedOn: "an earlier day"}
	}
	week, _ := time.Parse(time.DateOnly, d.WeekStart)
	return &WeekLockedError{UserID: d.UserID, WeekStart: week, ApprovedBy: d.ApprovedBy, ApprovedOn: d.ApprovedOn}
}

// allowApprovedEdits lets the rest of the transaction change time in approved weeks:
// an admin's change.
func allowApprovedEdits(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, `SELECT set_config('hoursync.edit_approved', 'on', true)`); err != nil {
		return fmt.Errorf("store: allow edits of approved weeks: %w", err)
	}
	return nil
}

// approvedCard holds when the card t's date is in an approved week of its person.
var approvedCard = approvedCardOf("t")

// approvedCardOf is approvedCard of the card the query calls alias.
func approvedCardOf(alias string) string {
	return `EXISTS (SELECT 1 FROM week_approvals wa WHERE wa.account_id = ` + alias + `.account_id AND wa.user_id = ` + alias + `.user_id
	AND wa.week_start BETWEEN ` + alias + `.work_date - 6 AND ` + alias + `.work_date)`
}

const weekApprovalSelect = `SELECT a.account_id, a.user_id, a.week_start, a.approved_by, a.approved_at,
	COALESCE(NULLIF(btrim(u.first_name), ''), u.email, 'an admin') AS approver_name
	FROM week_approvals a LEFT JOIN users u ON u.account_id = a.account_id AND u.id = a.approved_by`

// ApproveWeek approves the person's week starting weekStart, by approvedBy at
// approvedAt; approving it again keeps the first approval. An unknown person is a
// *ReferenceError on user_id.
func (s *Store) ApproveWeek(ctx context.Context, accountID, userID int64, weekStart time.Time, approvedBy int64, approvedAt time.Time) (WeekApproval, error) {
	_, err := s.db.ExecContext(ctx, `INSERT INTO week_approvals (account_id, user_id, week_start, approved_by, approved_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, user_id, week_start) DO NOTHING`,
		accountID, userID, weekStart.Format(time.DateOnly), approvedBy, approvedAt)
	if err != nil {
		var ref *ReferenceError
		if err = mapError(err); errors.As(err, &ref) {
			return WeekApproval{}, fmt.Errorf("store: approve week: %w", &ReferenceError{Field: "user_id", Constraint: "week_approvals_account_id_user_id_fkey"})
		}
		return WeekApproval{}, fmt.Errorf("store: approve week: %w", err)
	}
	a, found, err := s.GetWeekApproval(ctx, accountID, userID, weekStart)
	if err == nil && !found { // reopened in between
		err = &ConflictError{Reason: "the week was reopened meanwhile; approve it again"}
	}
	return a, err
}

// ReopenWeek withdraws the approval of the person's week; it reports whether there was
// one.
func (s *Store) ReopenWeek(ctx context.Context, accountID, userID int64, weekStart time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM week_approvals WHERE account_id = $1 AND user_id = $2 AND week_start = $3`,
		accountID, userID, weekStart.Format(time.DateOnly))
	if err != nil {
		return false, fmt.Errorf("store: reopen week: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// GetWeekApproval is the approval of the person's week starting weekStart, if any.
func (s *Store) GetWeekApproval(ctx context.Context, accountID, userID int64, weekStart time.Time) (WeekApproval, bool, error) {
	var a WeekApproval
	err := s.db.GetContext(ctx, &a, weekApprovalSelect+` WHERE a.account_id = $1 AND a.user_id = $2 AND a.week_start = $3`,
		accountID, userID, weekStart.Format(time.DateOnly))
	if err == sql.ErrNoRows {
		return WeekApproval{}, false, nil
	}
	if err != nil {
		return WeekApproval{}, false, fmt.Errorf("store: get week approval: %w", mapError(err))
	}
	return a, true, nil
}

// ListWeekApprovals lists the account's approvals of weeks starting from to to
// (inclusive), of one person (userID) or everyone (0), by week and person.
func (s *Store) ListWeekApprovals(ctx context.Context, accountID, userID int64, from, to time.Time) ([]WeekApproval, error) {
	out := []WeekApproval{}
	err := s.db.SelectContext(ctx, &out, weekApprovalSelect+` WHERE a.account_id = $1 AND ($2::bigint = 0 OR a.user_id = $2::bigint)
		AND a.week_start BETWEEN $3 AND $4 ORDER BY a.week_start, a.user_id`,
		accountID, userID, from.Format(time.DateOnly), to.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("store: list week approvals: %w", mapError(err))
	}
	return out, nil
}

// UnapprovedTimeCards lists which of these live cards are dated in no approved week of
// their person: what "Sync only approved time" leaves out. Deleted cards are never
// listed (a deletion is not time to approve).
func (s *Store) UnapprovedTimeCards(ctx context.Context, accountID int64, ids []int64) ([]int64, error) {
	out := []int64{}
	err := s.db.SelectContext(ctx, &out, `SELECT t.id FROM time_cards t WHERE t.account_id = $1 AND t.id = ANY($2)
		AND t.deleted_at IS NULL AND NOT `+approvedCard+` ORDER BY t.id`, accountID, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("store: unapproved time cards: %w", mapError(err))
	}
	return out, nil
}

// CountUnapprovedChanges counts the account's cards in QuickBooks that changed since
// their last sync and are in no approved week: what the scheduled re-sync leaves out
// while "Sync only approved time" is on.
func (s *Store) CountUnapprovedChanges(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM time_cards t
		JOIN qbo_links l ON l.account_id = t.account_id AND l.object_type = 'time_card' AND l.object_id = t.id
		JOIN qbo_connections c ON c.account_id = t.account_id AND c.realm_id = l.realm_id
		WHERE t.account_id = $1 AND t.deleted_at IS NULL AND t.version > l.synced_version AND NOT l.qbo_deleted
			AND NOT `+approvedCard, accountID)
	if err != nil {
		return 0, fmt.Errorf("store: count unapproved changes: %w", mapError(err))
	}
	return n, nil
}

// syncableTimeCard is the condition ListChangedObjects adds for time cards o: no
// deletion still inside its undo window, and, while the account syncs only approved
// time, live cards only in approved weeks.
var syncableTimeCard = ` AND o.undo_until IS NULL AND (o.deleted_at IS NOT NULL
	OR NOT (SELECT sync_only_approved FROM accounts WHERE id = o.account_id)
	OR ` + approvedCardOf("o") + `)`
