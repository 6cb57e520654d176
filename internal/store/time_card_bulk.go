package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// BulkChange is what a bulk update sets on every card it changes; nil keeps each card's
// own value. A new service brings its rate.
type BulkChange struct {
	CustomerID *int64
	ServiceID  *int64
	Billable   *bool
}

// Why a bulk update left a card as it was.
const (
	// RefusedInQuickBooks: QBO has the card; a bulk change of it would have to be
	// synced again, so it is edited one by one instead.
	RefusedInQuickBooks = "in_quickbooks"
	RefusedBilled       = "billed"
	RefusedSyncing      = "syncing"
	RefusedWeekApproved = "week_approved"
)

// BulkRefusal is a card a bulk update left as it was: Reason is one of Refused…, Err
// the refusal a single edit of it would meet (nil for RefusedInQuickBooks).
type BulkRefusal struct {
	Card   TimeCard
	Reason string
	Err    error
}

// BulkResult is what a bulk update did: the cards changed and the ones refused.
type BulkResult struct {
	Updated []TimeCard
	Refused []BulkRefusal
}

// BulkUpdateTimeCards applies ch to the cards in one transaction. It changes the cards
// QBO never had and refuses, by card, the ones QBO has, ones billed on an invoice or
// being synced, and (for a member) ones in an approved week. A missing card (or, for a
// member, another's) refuses the request with a *TimeCardRefusal; an unknown customer
// or service is a *ReferenceError, an inactive one an *InactiveError.
func (s *Store) BulkUpdateTimeCards(ctx context.Context, accountID int64, ids []int64, ch BulkChange, by CardEditor) (BulkResult, error) {
	var out BulkResult
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := referenceError(ctx, tx, accountID, ch.CustomerID, ch.ServiceID); err != nil {
			return err
		}
		cards, err := by.begin(ctx, tx, accountID, ids, false)
		if err != nil {
			return err
		}
		var inQBO, locked []int64
		if err := tx.SelectContext(ctx, &inQBO, `SELECT DISTINCT object_id FROM qbo_links WHERE account_id = $1
			AND object_type = 'time_card' AND object_id = ANY($2) AND NOT qbo_deleted`, accountID, pq.Array(ids)); err != nil {
			return mapError(err)
		}
		if !by.EditApproved {
			if err := tx.SelectContext(ctx, &locked, `SELECT t.id FROM time_cards t WHERE t.account_id = $1 AND t.id = ANY($2)
				AND `+approvedCard, accountID, pq.Array(ids)); err != nil {
				return mapError(err)
			}
		}
		var change []int64
		for _, c := range cards {
			switch {
			case slices.Contains(inQBO, c.ID):
				out.Refused = append(out.Refused, BulkRefusal{Card: c, Reason: RefusedInQuickBooks})
			case c.InvoiceID.Valid || c.SyncStatus == StatusSyncing:
				reason := RefusedBilled
				if !c.InvoiceID.Valid {
					reason = RefusedSyncing
				}
				out.Refused = append(out.Refused, BulkRefusal{Card: c, Reason: reason, Err: uneditable(ctx, tx, c)})
			case slices.Contains(locked, c.ID):
				out.Refused = append(out.Refused, BulkRefusal{Card: c, Reason: RefusedWeekApproved, Err: weekLockOf(ctx, tx, c)})
			default:
				change = append(change, c.ID)
			}
		}
		if len(change) == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE time_cards t SET customer_id = COALESCE($3::bigint, t.customer_id),
			service_id = COALESCE($4::bigint, t.service_id),
			rate_cents = COALESCE((SELECT rate_cents FROM services WHERE account_id = $1 AND id = $4::bigint), t.rate_cents),
			billable = COALESCE($5::bool, t.billable), version = version + 1, updated_at = now()
			WHERE t.account_id = $1 AND t.id = ANY($2)`, accountID, pq.Array(change), ch.CustomerID, ch.ServiceID, ch.Billable)
		if err != nil {
			return lockedCard(mapError(err), cards)
		}
		err = tx.SelectContext(ctx, &out.Updated, timeCardSelect+` WHERE t.account_id = $1 AND t.id = ANY($2) ORDER BY t.work_date, t.user_id, t.id`,
			accountID, pq.Array(change))
		return mapError(err)
	})
	if err != nil {
		return BulkResult{}, fmt.Errorf("store: bulk update time cards: %w", err)
	}
	return out, nil
}

// weekLockOf is the approval that locks card c, as the refusal a single edit of it
// meets.
func weekLockOf(ctx context.Context, tx *sqlx.Tx, c TimeCard) error {
	var a WeekApproval
	err := tx.GetContext(ctx, &a, weekApprovalSelect+` WHERE a.account_id = $1 AND a.user_id = $2
		AND a.week_start BETWEEN $3::date - 6 AND $3::date ORDER BY a.week_start LIMIT 1`, c.AccountID, c.UserID, c.Date())
	if err != nil {
		return fmt.Errorf("store: week lock of time card %d: %w", c.ID, mapError(err))
	}
	var on string
	_ = tx.GetContext(ctx, &on, `SELECT to_char($2::timestamptz AT TIME ZONE time_zone, 'FMDD Mon') FROM accounts WHERE id = $1`, c.AccountID, a.ApprovedAt)
	return &WeekLockedError{UserID: a.UserID, WeekStart: a.WeekStart, ApprovedBy: a.ApproverName, ApprovedOn: on}
}
