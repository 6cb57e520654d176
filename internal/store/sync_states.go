package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Object types that sync with QBO.
const (
	ObjectUser     = "user"
	ObjectCustomer = "customer"
	ObjectService  = "service"
	ObjectTimeCard = "time_card"
	ObjectInvoice  = "invoice"
)

// Sync statuses a person sees on an object.
const (
	StatusNever   = "never"
	StatusSynced  = "synced"
	StatusChanged = "changed"
	StatusSyncing = "syncing"
	StatusFailed  = "failed"
)

// History outcomes.
const (
	OutcomeStarted   = "started"
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	OutcomeSkipped   = "skipped"
)

// objectTables maps an object type to the table whose version column it syncs.
var objectTables = map[string]string{
	ObjectUser: "users", ObjectCustomer: "customers", ObjectService: "services",
	ObjectTimeCard: "time_cards", ObjectInvoice: "invoices",
}

// SyncState is the outcome of an object's latest sync.
type SyncState struct {
	AccountID    int64        `db:"account_id" json:"-"`
	ObjectType   string       `db:"object_type" json:"object_type"`
	ObjectID     int64        `db:"object_id" json:"object_id"`
	Status       string       `db:"status" json:"status"`
	Message      string       `db:"message" json:"message"`
	ErrorCode    string       `db:"error_code" json:"error_code"`
	WorkflowID   string       `db:"workflow_id" json:"workflow_id"`
	RunID        string       `db:"run_id" json:"run_id"`
	LastSyncedAt sql.NullTime `db:"last_synced_at" json:"-"`
	UpdatedAt    time.Time    `db:"updated_at" json:"updated_at"`
}

// SyncHistoryEntry is one attempt to sync an object.
type SyncHistoryEntry struct {
	ID         int64     `db:"id" json:"id"`
	AccountID  int64     `db:"account_id" json:"-"`
	ObjectType string    `db:"object_type" json:"object_type"`
	ObjectID   int64     `db:"object_id" json:"object_id"`
	Kind       string    `db:"kind" json:"kind"`
	Attempt    int       `db:"attempt" json:"attempt"`
	WorkflowID string    `db:"workflow_id" json:"workflow_id"`
	RunID      string    `db:"run_id" json:"run_id"`
	Outcome    string    `db:"outcome" json:"outcome"`
	Message    string    `db:"message" json:"message"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
}

// SyncRun identifies the workflow run doing a sync, for state and history.
type SyncRun struct {
	Kind       string
	WorkflowID string
	RunID      string
	Attempt    int
}

// markChanged turns a synced object into a changed one after a local edit.
func markChanged(ctx context.Context, q queryer, accountID int64, objectType string, id int64) error {
	_, err := q.ExecContext(ctx, `UPDATE sync_states SET status = 'changed', updated_at = now()
		WHERE account_id = $1 AND object_type = $2 AND object_id = $3 AND status = 'synced'`, accountID, objectType, id)
	if err != nil {
		return fmt.Errorf("store: mark %s changed: %w", objectType, mapError(err))
	}
	return nil
}

// GetSyncState returns the object's sync state; an object never synced answers a
// state with status "never".
func (s *Store) GetSyncState(ctx context.Context, accountID int64, objectType string, id int64) (SyncState, error) {
	var st SyncState
	err := s.db.GetContext(ctx, &st, `SELECT account_id, object_type, object_id, status, message, error_code, workflow_id,
		run_id, last_synced_at, updated_at FROM sync_states WHERE account_id = $1 AND object_type = $2 AND object_id = $3`,
		accountID, objectType, id)
	if err == sql.ErrNoRows {
		return SyncState{AccountID: accountID, ObjectType: objectType, ObjectID: id, Status: StatusNever}, nil
	}
	if err != nil {
		return SyncState{}, fmt.Errorf("store: get sync state: %w", mapError(err))
	}
	return st, nil
}

// MarkSyncing records that a workflow run took these objects on.
func (s *Store) MarkSyncing(ctx context.Context, accountID int64, objectType string, ids []int64, run SyncRun) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sync_states (account_id, object_type, object_id, status, workflow_id, run_id)
		SELECT $1, $2, unnest($3::bigint[]), 'syncing', $4, $5
		ON CONFLICT (account_id, object_type, object_id) DO UPDATE SET status = 'syncing', message = '', error_code = '',
		workflow_id = EXCLUDED.workflow_id, run_id = EXCLUDED.run_id, updated_at = now()`,
		accountID, objectType, pq.Array(ids), run.WorkflowID, run.RunID)
	if err != nil {
		return fmt.Errorf("store: mark syncing: %w", mapError(err))
	}
	return nil
}

// SyncSuccess is what a successful write to QBO leaves behind.
type SyncSuccess struct {
	RealmID string
	// QBOID is the QBO object's id; empty when nothing had to reach QBO.
	QBOID         string
	SyncToken     string
	SyncedVersion int64
	// Deleted means the QBO object was deleted or voided on purpose by this sync.
	Deleted bool
	Message string
}

// RecordSyncSuccess stores the QBO link, the object's new state and a history entry
// in one transaction, so a link is never stored without its state or the reverse.
// An object edited while it synced (version moved past SyncedVersion) ends "changed".
func (s *Store) RecordSyncSuccess(ctx context.Context, accountID int64, objectType string, id int64, ok SyncSuccess, run SyncRun) error {
	table, known := objectTables[objectType]
	if !known {
		return fmt.Errorf("store: record sync success: unknown object type %q", objectType)
	}
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		// No QBO id: nothing reached QBO (e.g. an invoice deleted before its first sync).
		if ok.QBOID != "" {
			if err := upsertLink(ctx, tx, accountID, ok.RealmID, objectType, id, ok.QBOID, ok.SyncToken, ok.SyncedVersion, ok.Deleted); err != nil {
				return err
			}
		}
		var current sql.NullInt64
		if err := tx.GetContext(ctx, &current, `SELECT version FROM `+table+` WHERE account_id = $1 AND id = $2`, accountID, id); err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("store: record sync success: %w", mapError(err))
		}
		status := StatusSynced
		if current.Valid && current.Int64 > ok.SyncedVersion {
			status = StatusChanged
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_states (account_id, object_type, object_id, status, message,
			workflow_id, run_id, last_synced_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())
			ON CONFLICT (account_id, object_type, object_id) DO UPDATE SET status = EXCLUDED.status, message = EXCLUDED.message,
			error_code = '', workflow_id = EXCLUDED.workflow_id, run_id = EXCLUDED.run_id, last_synced_at = now(), updated_at = now()`,
			accountID, objectType, id, status, ok.Message, run.WorkflowID, run.RunID); err != nil {
			return fmt.Errorf("store: record sync success: %w", mapError(err))
		}
		return addHistory(ctx, tx, accountID, objectType, id, run, OutcomeSucceeded, ok.Message)
	})
	if err == nil {
		s.counters.countOutcome(objectType, OutcomeSucceeded)
	}
	return err
}

// RecordSyncFailure marks the object failed with a message a person can act on.
func (s *Store) RecordSyncFailure(ctx context.Context, accountID int64, objectType string, id int64, code, message string, run SyncRun) error {
	return s.recordFailure(ctx, accountID, objectType, id, code, message, run, 0)
}

// RecordQBOFault marks the object failed because QBO answered its write with a fault,
// and counts the fault: the object's next write is a new request (see QBOFaults).
func (s *Store) RecordQBOFault(ctx context.Context, accountID int64, objectType string, id int64, code, message string, run SyncRun) error {
	return s.recordFailure(ctx, accountID, objectType, id, code, message, run, 1)
}

// QBOFaults returns, per object, how many of its writes QBO answered with a fault.
// Objects without any are left out.
func (s *Store) QBOFaults(ctx context.Context, accountID int64, objectType string, ids []int64) (map[int64]int, error) {
	var rows []struct {
		ID     int64 `db:"object_id"`
		Faults int   `db:"qbo_faults"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT object_id, qbo_faults FROM sync_states WHERE account_id = $1
		AND object_type = $2 AND object_id = ANY($3) AND qbo_faults > 0`, accountID, objectType, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("store: qbo faults: %w", mapError(err))
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Faults
	}
	return out, nil
}

func (s *Store) recordFailure(ctx context.Context, accountID int64, objectType string, id int64, code, message string, run SyncRun, faults int) error {
	defer s.counters.countOutcome(objectType, OutcomeFailed)
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_states (account_id, object_type, object_id, status, message,
			error_code, workflow_id, run_id, qbo_faults) VALUES ($1, $2, $3, 'failed', $4, $5, $6, $7, $8)
			ON CONFLICT (account_id, object_type, object_id) DO UPDATE SET status = 'failed', message = EXCLUDED.message,
			error_code = EXCLUDED.error_code, workflow_id = EXCLUDED.workflow_id, run_id = EXCLUDED.run_id,
			qbo_faults = sync_states.qbo_faults + EXCLUDED.qbo_faults, updated_at = now()`,
			accountID, objectType, id, message, code, run.WorkflowID, run.RunID, faults); err != nil {
			return fmt.Errorf("store: record sync failure: %w", mapError(err))
		}
		return addHistory(ctx, tx, accountID, objectType, id, run, OutcomeFailed, message)
	})
}

func addHistory(ctx context.Context, q queryer, accountID int64, objectType string, id int64, run SyncRun, outcome, message string) error {
	attempt := run.Attempt
	if attempt < 1 {
		attempt = 1
	}
	_, err := q.ExecContext(ctx, `INSERT INTO sync_history (account_id, object_type, object_id, kind, attempt, workflow_id,
		run_id, outcome, message) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		accountID, objectType, id, run.Kind, attempt, run.WorkflowID, run.RunID, outcome, message)
	if err != nil {
		return fmt.Errorf("store: add sync history: %w", mapError(err))
	}
	return nil
}

// ListSyncHistory lists an object's sync attempts, newest first. With objectType ""
// it lists the account's recent attempts across all objects.
func (s *Store) ListSyncHistory(ctx context.Context, accountID int64, objectType string, id int64, p Page) ([]SyncHistoryEntry, error) {
	var out []SyncHistoryEntry
	err := s.db.SelectContext(ctx, &out, `SELECT id, account_id, object_type, object_id, kind, attempt, workflow_id, run_id,
		outcome, message, created_at FROM sync_history
		WHERE account_id = $1 AND ($2 = '' OR (object_type = $2 AND object_id = $3))
		ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5`, accountID, objectType, id, p.limit(), p.Offset)
	if err != nil {
		return nil, fmt.Errorf("store: list sync history: %w", mapError(err))
	}
	return out, nil
}

// ListChangedObjects lists ids of objects of a type whose local version moved past what
// was last synced to the realm, or that were never synced (for scheduled re-sync). Time
// cards deleted inside their undo window are left out, and, while the account syncs
// only approved time, live cards in weeks not approved.
func (s *Store) ListChangedObjects(ctx context.Context, accountID int64, realmID, objectType string) ([]int64, error) {
	table, known := objectTables[objectType]
	if !known {
		return nil, fmt.Errorf("store: list changed objects: unknown object type %q", objectType)
	}
	cond := ""
	if objectType == ObjectTimeCard {
		cond = syncableTimeCard
	}
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `SELECT o.id FROM `+table+` o
		JOIN qbo_links l ON l.account_id = o.account_id AND l.realm_id = $2 AND l.object_type = $3 AND l.object_id = o.id
		WHERE o.account_id = $1 AND o.version > l.synced_version AND NOT l.qbo_deleted`+cond+` ORDER BY o.id`, accountID, realmID, objectType)
	if err != nil {
		return nil, fmt.Errorf("store: list changed objects: %w", mapError(err))
	}
	return ids, nil
}

// MarkQueued shows objects as syncing the moment a person asks for a sync, before the
// workflow picks them up.
func (s *Store) MarkQueued(ctx context.Context, accountID int64, objectType string, ids []int64, workflowID string) error {
	return s.MarkSyncing(ctx, accountID, objectType, ids, SyncRun{WorkflowID: workflowID})
}

// Unqueue returns queued objects to what they were when their sync could not be
// started, with a history entry saying so.
func (s *Store) Unqueue(ctx context.Context, accountID int64, objectType string, ids []int64, message string) error {
	_, err := s.ReleaseSyncing(ctx, accountID, objectType, ids, "", time.Time{}, message)
	return err
}

// deleteOrTombstone deletes an object that never reached QBO, with its sync state; one
// that did is kept, marked deleted with its version bumped, so its next sync deletes
// it in QBO. It reports whether that deletion is still to happen.
func deleteOrTombstone(ctx context.Context, tx *sqlx.Tx, accountID int64, objectType string, id int64) (pendingQBO bool, err error) {
	table := objectTables[objectType]
	if err := tx.GetContext(ctx, &pendingQBO, `SELECT EXISTS (SELECT 1 FROM qbo_links WHERE account_id = $1
		AND object_type = $2 AND object_id = $3 AND NOT qbo_deleted)`, accountID, objectType, id); err != nil {
		return false, fmt.Errorf("store: delete %s: %w", objectType, mapError(err))
	}
	if !pendingQBO {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE account_id = $1 AND id = $2`, accountID, id); err != nil {
			return false, fmt.Errorf("store: delete %s: %w", objectType, mapError(err))
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sync_states WHERE account_id = $1 AND object_type = $2 AND object_id = $3`, accountID, objectType, id)
		return false, mapError(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET deleted_at = now(), version = version + 1, updated_at = now()
		WHERE account_id = $1 AND id = $2`, accountID, id); err != nil {
		return false, fmt.Errorf("store: delete %s: %w", objectType, mapError(err))
	}
	return true, markChanged(ctx, tx, accountID, objectType, id)
}
