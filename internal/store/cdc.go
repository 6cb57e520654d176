package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// CDCWatermark returns where the last pull of QBO's changes left off; ok=false when
// there was none.
func (s *Store) CDCWatermark(ctx context.Context, accountID int64, realmID string) (time.Time, bool, error) {
	var t time.Time
	err := s.db.GetContext(ctx, &t, `SELECT changed_since FROM qbo_cdc_watermarks WHERE account_id = $1 AND realm_id = $2`, accountID, realmID)
	if err == sql.ErrNoRows {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: CDC watermark: %w", mapError(err))
	}
	return t, true, nil
}

// SetCDCWatermark records that every change up to at has been pulled. It never moves
// back (two pulls racing).
func (s *Store) SetCDCWatermark(ctx context.Context, accountID int64, realmID string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO qbo_cdc_watermarks (account_id, realm_id, changed_since) VALUES ($1, $2, $3)
		ON CONFLICT (account_id, realm_id) DO UPDATE SET changed_since = GREATEST(qbo_cdc_watermarks.changed_since, EXCLUDED.changed_since),
		updated_at = now()`, accountID, realmID, at)
	if err != nil {
		return fmt.Errorf("store: set CDC watermark: %w", mapError(err))
	}
	return nil
}

// ObjectIDByQBOID finds the local object linked to a QBO object; ok=false when none is.
func (s *Store) ObjectIDByQBOID(ctx context.Context, accountID int64, realmID, objectType, qboID string) (int64, bool, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `SELECT object_id FROM qbo_links WHERE account_id = $1 AND realm_id = $2 AND object_type = $3
		AND qbo_id = $4`, accountID, realmID, objectType, qboID)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: object by QBO id: %w", mapError(err))
	}
	return id, true, nil
}
