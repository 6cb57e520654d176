package store

import (
	"context"
	"fmt"
	"time"
)

// Link ties a local object to its QBO object in one realm. Links survive disconnects,
// so reconnecting to the same company never duplicates anything.
type Link struct {
	ID            int64     `db:"id" json:"-"`
	AccountID     int64     `db:"account_id" json:"-"`
	RealmID       string    `db:"realm_id" json:"realm_id"`
	ObjectType    string    `db:"object_type" json:"object_type"`
	ObjectID      int64     `db:"object_id" json:"object_id"`
	QBOID         string    `db:"qbo_id" json:"qbo_id"`
	SyncToken     string    `db:"sync_token" json:"sync_token"`
	SyncedVersion int64     `db:"synced_version" json:"synced_version"`
	QBODeleted    bool      `db:"qbo_deleted" json:"qbo_deleted"`
	SyncedAt      time.Time `db:"synced_at" json:"synced_at"`
}

const linkColumns = `id, account_id, realm_id, object_type, object_id, qbo_id, sync_token, synced_version, qbo_deleted, synced_at`

// GetLink returns the link of a local object in the realm, or ErrNotFound.
func (s *Store) GetLink(ctx context.Context, accountID int64, realmID, objectType string, objectID int64) (Link, error) {
	var l Link
	err := s.db.GetContext(ctx, &l, `SELECT `+linkColumns+` FROM qbo_links
		WHERE account_id = $1 AND realm_id = $2 AND object_type = $3 AND object_id = $4`, accountID, realmID, objectType, objectID)
	if err != nil {
		return Link{}, fmt.Errorf("store: get link: %w", mapError(err))
	}
	return l, nil
}

// UpsertLink stores (or moves forward) a link without touching sync state; imports use it.
func (s *Store) UpsertLink(ctx context.Context, accountID int64, realmID, objectType string, objectID int64, qboID, syncToken string, syncedVersion int64) error {
	return upsertLink(ctx, s.db, accountID, realmID, objectType, objectID, qboID, syncToken, syncedVersion, false)
}

func upsertLink(ctx context.Context, q queryer, accountID int64, realmID, objectType string, objectID int64, qboID, syncToken string, syncedVersion int64, deleted bool) error {
	_, err := q.ExecContext(ctx, `INSERT INTO qbo_links (account_id, realm_id, object_type, object_id, qbo_id, sync_token, synced_version, qbo_deleted)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (account_id, realm_id, object_type, object_id) DO UPDATE SET qbo_id = EXCLUDED.qbo_id,
		sync_token = EXCLUDED.sync_token, synced_version = EXCLUDED.synced_version, qbo_deleted = EXCLUDED.qbo_deleted, synced_at = now()`,
		accountID, realmID, objectType, objectID, qboID, syncToken, syncedVersion, deleted)
	if err != nil {
		return fmt.Errorf("store: upsert link: %w", mapError(err))
	}
	return nil
}

// MarkDeletedInQBO records that the object's QBO counterpart was deleted there by
// someone else: the link stays (for history) but no longer counts, so the object's
// next sync creates it anew instead of updating what is gone.
func (s *Store) MarkDeletedInQBO(ctx context.Context, accountID int64, realmID, objectType string, objectID int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE qbo_links SET qbo_deleted = true WHERE account_id = $1 AND realm_id = $2
		AND object_type = $3 AND object_id = $4`, accountID, realmID, objectType, objectID)
	if err != nil {
		return fmt.Errorf("store: mark deleted in QBO: %w", mapError(err))
	}
	return nil
}
