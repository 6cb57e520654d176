package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Syncing is a group of objects shown as syncing under one workflow, for the sweep
// that finds the ones no workflow is working on any more.
type Syncing struct {
	AccountID  int64     `db:"account_id"`
	WorkflowID string    `db:"workflow_id"`
	Oldest     time.Time `db:"oldest"`
	Count      int       `db:"count"`
}

// ListSyncing lists, per account and workflow, the objects marked syncing before
// `before`.
func (s *Store) ListSyncing(ctx context.Context, before time.Time) ([]Syncing, error) {
	var out []Syncing
	err := s.db.SelectContext(ctx, &out, `SELECT account_id, workflow_id, min(updated_at) AS oldest, count(*) AS count
		FROM sync_states WHERE status = 'syncing' AND updated_at < $1 GROUP BY account_id, workflow_id ORDER BY oldest`, before)
	if err != nil {
		return nil, fmt.Errorf("store: list syncing: %w", mapError(err))
	}
	return out, nil
}

// ReleaseSyncing returns objects shown as syncing, whose sync never started or is
// gone, to what they are — synced, changed or never synced, judged from their link to
// the connected company — with a history entry saying why. Only objects still marked
// by workflowID ("" for any) before `before` (zero for any time) are released, so an
// object a new sync has just taken on is left alone. It returns the ids released.
func (s *Store) ReleaseSyncing(ctx context.Context, accountID int64, objectType string, ids []int64, workflowID string, before time.Time, message string) ([]int64, error) {
	table, known := objectTables[objectType]
	if !known {
		return nil, fmt.Errorf("store: release syncing: unknown object type %q", objectType)
	}
	var released []int64
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var rows []struct {
			ID     int64  `db:"object_id"`
			Status string `db:"status"`
		}
		if err := tx.SelectContext(ctx, &rows, `SELECT ss.object_id,
				CASE WHEN l.qbo_id IS NULL THEN 'never' WHEN l.synced_version >= o.version THEN 'synced' ELSE 'changed' END AS status
			FROM sync_states ss
			LEFT JOIN `+table+` o ON o.account_id = ss.account_id AND o.id = ss.object_id
			LEFT JOIN qbo_links l ON l.account_id = ss.account_id AND l.object_type = ss.object_type AND l.object_id = ss.object_id
				AND NOT l.qbo_deleted AND l.realm_id = (SELECT realm_id FROM qbo_connections c WHERE c.account_id = ss.account_id)
			WHERE ss.account_id = $1 AND ss.object_type = $2 AND ($3::bigint[] IS NULL OR ss.object_id = ANY($3))
				AND ss.status = 'syncing' AND ($4 = '' OR ss.workflow_id = $4) AND ($5::timestamptz IS NULL OR ss.updated_at < $5)
			ORDER BY ss.object_id FOR UPDATE OF ss`, accountID, objectType, nullArray(ids), workflowID, nullTimeOf(before)); err != nil {
			return fmt.Errorf("store: release syncing: %w", mapError(err))
		}
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, `UPDATE sync_states SET status = $4, message = $5, error_code = '', updated_at = now()
				WHERE account_id = $1 AND object_type = $2 AND object_id = $3`, accountID, objectType, r.ID, r.Status, message); err != nil {
				return fmt.Errorf("store: release syncing: %w", mapError(err))
			}
			if err := addHistory(ctx, tx, accountID, objectType, r.ID, SyncRun{Kind: objectType, WorkflowID: workflowID}, OutcomeSkipped, message); err != nil {
				return err
			}
			released = append(released, r.ID)
		}
		return nil
	})
	for range released {
		s.counters.countOutcome(objectType, "released")
	}
	return released, err
}

func nullArray(ids []int64) any {
	if ids == nil {
		return nil
	}
	return pq.Array(ids)
}

func nullTimeOf(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
