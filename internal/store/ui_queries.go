package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"
)

// SyncErrorCodes returns the error code (a workflow error type, "NeedsReconnect") of
// each of these objects whose last sync failed with one; the others are absent. The
// server puts it beside the sync message, so clients and pages branch on the code and
// only show the message.
func (s *Store) SyncErrorCodes(ctx context.Context, accountID int64, objectType string, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID   int64  `db:"object_id"`
		Code string `db:"error_code"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT object_id, error_code FROM sync_states WHERE account_id = $1
		AND object_type = $2 AND object_id = ANY($3) AND error_code <> ''`, accountID, objectType, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("store: sync error codes: %w", mapError(err))
	}
	for _, r := range rows {
		out[r.ID] = r.Code
	}
	return out, nil
}
