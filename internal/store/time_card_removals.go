package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Deleting time cards with an undo window, and restoring them within it. A deleted card keeps its row with undo_until set: until then it can be
// restored as it was, and its deletion is not sent to QBO (ListChangedObjects,
// ListTimeCards' pending deletes and GetTimeCardsForSync leave it out). When the window
// ends, ClaimDueTimeCardDeletes turns it into an ordinary deletion: a card QBO has
// becomes a pending delete for the sync (its version bumped, "changed"), one it never
// had is removed.

// CardEditor is who changes cards: OnlyUserID (a member) may change only their own
// (another's is not found; 0: any of the account's), and EditApproved (an admin) may
// change time in approved weeks.
type CardEditor struct {
	OnlyUserID   int64
	EditApproved bool
}

// TimeCardRefusal is why one card of a request for many was refused; Err is the
// reason (a *ConflictError, a *WeekLockedError, ErrNotFound).
type TimeCardRefusal struct {
	CardID int64
	Err    error
}

func (e *TimeCardRefusal) Error() string { return fmt.Sprintf("time card %d: %v", e.CardID, e.Err) }

// Unwrap is the reason.
func (e *TimeCardRefusal) Unwrap() error { return e.Err }

// DeletedTimeCards is what DeleteTimeCards did.
type DeletedTimeCards struct {
	IDs []int64
	// InQBO are the deleted cards QBO has: their deletion is sent when the window ends.
	InQBO     []int64
	UndoUntil time.Time
}

// begin starts a change of many cards: it lets an admin's change into approved weeks
// and locks the cards (live ones, or deleted ones for a restore) by id, so two changes
// never interleave. A card missing, or not the member's, is refused as not found.
func (e CardEditor) begin(ctx context.Context, tx *sqlx.Tx, accountID int64, ids []int64, deleted bool) ([]TimeCard, error) {
	if e.EditApproved {
		if err := allowApprovedEdits(ctx, tx); err != nil {
			return nil, err
		}
	}
	state := "t.deleted_at IS NULL"
	if deleted {
		state = "t.deleted_at IS NOT NULL"
	}
	var cards []TimeCard
	err := tx.SelectContext(ctx, &cards, timeCardSelect+` WHERE t.account_id = $1 AND t.id = ANY($2) AND `+state+`
		ORDER BY t.id FOR UPDATE OF t`, accountID, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("store: lock time cards: %w", mapError(err))
	}
	for _, id := range ids {
		i := slices.IndexFunc(cards, func(c TimeCard) bool { return c.ID == id })
		if i < 0 || (e.OnlyUserID != 0 && cards[i].UserID != e.OnlyUserID) {
			return nil, &TimeCardRefusal{CardID: id, Err: ErrNotFound}
		}
	}
	return cards, nil
}

// lockedCard says which card the database refused for an approved week (the first
// such card among cards), or returns err as it is.
func lockedCard(err error, cards []TimeCard) error {
	var locked *WeekLockedError
	if !errors.As(err, &locked) {
		return err
	}
	for _, c := range cards {
		if c.UserID == locked.UserID && !c.WorkDate.Before(locked.WeekStart) && c.WorkDate.Before(locked.WeekStart.AddDate(0, 0, 7)) {
			return &TimeCardRefusal{CardID: c.ID, Err: locked}
		}
	}
	return err
}

// DeleteTimeCards deletes the cards in one transaction, all or none: a card billed on
// an invoice, being synced, or (for a member) in an approved week refuses the whole
// request with a *TimeCardRefusal naming it. The cards can be restored until
// UndoUntil, undoFor from now.
func (s *Store) DeleteTimeCards(ctx context.Context, accountID int64, ids []int64, by CardEditor, undoFor time.Duration) (DeletedTimeCards, error) {
	var out DeletedTimeCards
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		cards, err := by.begin(ctx, tx, accountID, ids, false)
		if err != nil {
			return err
		}
		for _, c := range cards {
			if err := uneditable(ctx, tx, c); err != nil {
				return &TimeCardRefusal{CardID: c.ID, Err: err}
			}
		}
		var until []time.Time
		err = tx.SelectContext(ctx, &until, `UPDATE time_cards SET deleted_at = now(), undo_until = now() + $3 * interval '1 millisecond',
			updated_at = now() WHERE account_id = $1 AND id = ANY($2) RETURNING undo_until`, accountID, pq.Array(ids), undoFor.Milliseconds())
		if err != nil {
			return lockedCard(mapError(err), cards)
		}
		if len(until) > 0 {
			out.UndoUntil = until[0]
		}
		if err := tx.SelectContext(ctx, &out.InQBO, `SELECT DISTINCT object_id FROM qbo_links WHERE account_id = $1
			AND object_type = 'time_card' AND object_id = ANY($2) AND NOT qbo_deleted ORDER BY object_id`, accountID, pq.Array(ids)); err != nil {
			return mapError(err)
		}
		out.IDs = append([]int64(nil), ids...)
		return nil
	})
	if err != nil {
		return DeletedTimeCards{}, fmt.Errorf("store: delete time cards: %w", err)
	}
	return out, nil
}

// RestoreTimeCards undoes the deletion of the cards, all or none, as they were before
// it. A card whose window has passed is refused with a *TimeCardRefusal: its deletion
// went to the sync (a *ConflictError) or it is gone (ErrNotFound).
func (s *Store) RestoreTimeCards(ctx context.Context, accountID int64, ids []int64, by CardEditor) ([]TimeCard, error) {
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		cards, err := by.begin(ctx, tx, accountID, ids, true)
		if err != nil {
			return err
		}
		for _, c := range cards {
			if !c.UndoUntil.Valid {
				return &TimeCardRefusal{CardID: c.ID, Err: &ConflictError{Reason: "it is too late to undo: the deletion has gone to QuickBooks; record the time again"}}
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE time_cards SET deleted_at = NULL, undo_until = NULL, updated_at = now()
			WHERE account_id = $1 AND id = ANY($2)`, accountID, pq.Array(ids))
		return lockedCard(mapError(err), cards)
	})
	if err != nil {
		return nil, fmt.Errorf("store: restore time cards: %w", err)
	}
	return s.ListTimeCards(ctx, accountID, TimeCardFilter{IDs: ids}, Page{Limit: len(ids)})
}

// RestorableTimeCards lists which of these deleted cards can still be restored (of
// userID only, unless 0).
func (s *Store) RestorableTimeCards(ctx context.Context, accountID, userID int64, ids []int64) ([]TimeCard, error) {
	var out []TimeCard
	err := s.db.SelectContext(ctx, &out, timeCardSelect+` WHERE t.account_id = $1 AND t.id = ANY($2) AND t.deleted_at IS NOT NULL
		AND t.undo_until IS NOT NULL AND ($3::bigint = 0 OR t.user_id = $3::bigint) ORDER BY t.work_date, t.id`, accountID, pq.Array(ids), userID)
	if err != nil {
		return nil, fmt.Errorf("store: restorable time cards: %w", mapError(err))
	}
	return out, nil
}

// DueDeletes are an account's deleted cards whose undo window ended, now pending
// deletes that QBO has to hear of.
type DueDeletes struct {
	AccountID int64
	CardIDs   []int64
	// Connected says the account has a QBO connection to send them through.
	Connected bool
}

// maxClaim bounds one claim; what is left is claimed by the next.
const maxClaim = 1000

// ClaimDueTimeCardDeletes ends the undo window of deleted cards whose window is over
// (of one account, or of all with accountID 0): the cards QBO has become pending
// deletes (version bumped, "changed") and are returned, by account, for the sync; the
// others are removed. Claimed cards cannot be restored any more. Cards another claim
// or a restore holds are skipped, so every due deletion is handed over once.
func (s *Store) ClaimDueTimeCardDeletes(ctx context.Context, accountID int64) ([]DueDeletes, error) {
	var out []DueDeletes
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var due []struct {
			ID        int64 `db:"id"`
			AccountID int64 `db:"account_id"`
			InQBO     bool  `db:"in_qbo"`
			Connected bool  `db:"connected"`
		}
		err := tx.SelectContext(ctx, &due, `SELECT t.id, t.account_id,
			EXISTS (SELECT 1 FROM qbo_links l WHERE l.account_id = t.account_id AND l.object_type = 'time_card'
				AND l.object_id = t.id AND NOT l.qbo_deleted) AS in_qbo,
			EXISTS (SELECT 1 FROM qbo_connections c WHERE c.account_id = t.account_id AND c.status <> 'disconnected') AS connected
			FROM time_cards t WHERE ($1::bigint = 0 OR t.account_id = $1::bigint) AND t.deleted_at IS NOT NULL AND t.undo_until <= now()
			ORDER BY t.account_id, t.id LIMIT $2 FOR UPDATE OF t SKIP LOCKED`, accountID, maxClaim)
		if err != nil {
			return fmt.Errorf("store: claim due deletes: %w", mapError(err))
		}
		var send, gone []int64
		for _, d := range due {
			if !d.InQBO {
				gone = append(gone, d.ID)
				continue
			}
			send = append(send, d.ID)
			if n := len(out); n == 0 || out[n-1].AccountID != d.AccountID {
				out = append(out, DueDeletes{AccountID: d.AccountID, Connected: d.Connected})
			}
			out[len(out)-1].CardIDs = append(out[len(out)-1].CardIDs, d.ID)
		}
		for _, q := range []struct {
			sql string
			ids []int64
		}{
			{`UPDATE time_cards SET undo_until = NULL, version = version + 1, updated_at = now() WHERE id = ANY($1)`, send},
			{`UPDATE sync_states SET status = 'changed', updated_at = now() WHERE object_type = 'time_card' AND object_id = ANY($1) AND status = 'synced'`, send},
			{`DELETE FROM sync_states WHERE object_type = 'time_card' AND object_id = ANY($1)`, gone},
			{`DELETE FROM time_cards WHERE id = ANY($1)`, gone},
		} {
			if len(q.ids) == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, q.sql, pq.Array(q.ids)); err != nil {
				return fmt.Errorf("store: claim due deletes: %w", mapError(err))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
