package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"
)

// The queries of a time-card batch: each reads what the batch needs of many objects in
// one round trip, so a batch of 30 cards costs a handful of statements, not a few per
// card.

// LinksOf returns the realm's links of these objects by object id, those marked
// deleted in QBO included (Link.QBODeleted); objects without a link are left out.
func (s *Store) LinksOf(ctx context.Context, accountID int64, realmID, objectType string, ids []int64) (map[int64]Link, error) {
	out := make(map[int64]Link, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var links []Link
	if err := s.db.SelectContext(ctx, &links, `SELECT `+linkColumns+` FROM qbo_links WHERE account_id = $1 AND realm_id = $2
		AND object_type = $3 AND object_id = ANY($4)`, accountID, realmID, objectType, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("store: links of %s: %w", objectType, mapError(err))
	}
	for _, l := range links {
		out[l.ObjectID] = l
	}
	return out, nil
}

// InSyncWithQBO returns, of these users, customers or services, the ones a sync needs
// to do nothing about in the realm: linked (not deleted in QBO) and, for a customer or
// service, unchanged since it last synced and active. A user is an Employee in QBO once
// linked: Hoursync does not push edits of people.
func (s *Store) InSyncWithQBO(ctx context.Context, accountID int64, realmID, objectType string, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var cond string
	switch objectType {
	case ObjectUser:
		cond = "true"
	case ObjectCustomer, ObjectService:
		cond = "o.active AND o.version <= l.synced_version"
	default:
		return nil, fmt.Errorf("store: in sync with QBO: unsupported object type %q", objectType)
	}
	var found []int64
	if err := s.db.SelectContext(ctx, &found, `SELECT o.id FROM `+objectTables[objectType]+` o
		JOIN qbo_links l ON l.account_id = o.account_id AND l.realm_id = $2 AND l.object_type = $3 AND l.object_id = o.id
		WHERE o.account_id = $1 AND o.id = ANY($4) AND NOT l.qbo_deleted AND `+cond, accountID, realmID, objectType, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("store: %s in sync with QBO: %w", objectType, mapError(err))
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// NamesOf returns the names a person knows these users (full name), customers (display
// name) or services (name) by.
func (s *Store) NamesOf(ctx context.Context, accountID int64, objectType string, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var name string
	switch objectType {
	case ObjectUser:
		name = "btrim(first_name || ' ' || last_name)"
	case ObjectCustomer:
		name = "display_name"
	case ObjectService:
		name = "name"
	default:
		return nil, fmt.Errorf("store: names of: unsupported object type %q", objectType)
	}
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, `+name+` AS name FROM `+objectTables[objectType]+`
		WHERE account_id = $1 AND id = ANY($2)`, accountID, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("store: names of %s: %w", objectType, mapError(err))
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}
