package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

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

// ObjectFacts is what a page names a synced object by: a time card's person, day,
// customer, service and minutes; a customer's, service's or person's name; an
// invoice's number, customer and total. Fields that do not apply are zero.
type ObjectFacts struct {
	ObjectType string    `db:"object_type"`
	ObjectID   int64     `db:"object_id"`
	Name       string    `db:"name"`
	Person     string    `db:"person"`
	Customer   string    `db:"customer"`
	Service    string    `db:"service"`
	Number     string    `db:"number"`
	Date       time.Time `db:"day"`
	Minutes    int       `db:"minutes"`
	TotalCents int64     `db:"total_cents"`
	Status     string    `db:"status"`
}

// ObjectFactsOf returns the facts of these objects (ids by object type), keyed by
// type and id; deleted time cards and invoices are included, since their history
// still names them. Objects that are gone are absent.
func (s *Store) ObjectFactsOf(ctx context.Context, accountID int64, ids map[string][]int64) (map[string]map[int64]ObjectFacts, error) {
	out := map[string]map[int64]ObjectFacts{}
	queries := map[string]string{
		ObjectTimeCard: `SELECT 'time_card' AS object_type, t.id AS object_id, '' AS name, btrim(u.first_name || ' ' || u.last_name) AS person,
			c.display_name AS customer, sv.name AS service, '' AS number, t.work_date AS day, t.minutes, 0::bigint AS total_cents, '' AS status
			FROM time_cards t JOIN users u ON u.account_id = t.account_id AND u.id = t.user_id
			JOIN customers c ON c.account_id = t.account_id AND c.id = t.customer_id
			JOIN services sv ON sv.account_id = t.account_id AND sv.id = t.service_id
			WHERE t.account_id = $1 AND t.id = ANY($2)`,
		ObjectInvoice: `SELECT 'invoice' AS object_type, i.id AS object_id, '' AS name, '' AS person, c.display_name AS customer, '' AS service,
			i.number, i.invoice_date AS day, 0 AS minutes,
			COALESCE((SELECT sum(amount_cents) FROM invoice_lines l WHERE l.invoice_id = i.id), 0)::bigint AS total_cents, i.status
			FROM invoices i JOIN customers c ON c.account_id = i.account_id AND c.id = i.customer_id
			WHERE i.account_id = $1 AND i.id = ANY($2)`,
		ObjectCustomer: `SELECT 'customer' AS object_type, id AS object_id, display_name AS name, '' AS person, '' AS customer, '' AS service,
			'' AS number, created_at::date AS day, 0 AS minutes, 0::bigint AS total_cents, '' AS status FROM customers WHERE account_id = $1 AND id = ANY($2)`,
		ObjectService: `SELECT 'service' AS object_type, id AS object_id, name, '' AS person, '' AS customer, '' AS service,
			'' AS number, created_at::date AS day, 0 AS minutes, rate_cents AS total_cents, '' AS status FROM services WHERE account_id = $1 AND id = ANY($2)`,
		ObjectUser: `SELECT 'user' AS object_type, id AS object_id, btrim(first_name || ' ' || last_name) AS name, '' AS person, '' AS customer,
			'' AS service, '' AS number, created_at::date AS day, 0 AS minutes, 0::bigint AS total_cents, '' AS status FROM users WHERE account_id = $1 AND id = ANY($2)`,
	}
	for typ, list := range ids {
		q, ok := queries[typ]
		if !ok || len(list) == 0 {
			continue
		}
		var rows []ObjectFacts
		if err := s.db.SelectContext(ctx, &rows, q, accountID, pq.Array(list)); err != nil {
			return nil, fmt.Errorf("store: facts of %s: %w", typ, mapError(err))
		}
		m := make(map[int64]ObjectFacts, len(rows))
		for _, r := range rows {
			r.ObjectType = typ
			m[r.ObjectID] = r
		}
		out[typ] = m
	}
	return out, nil
}

// RecordSync is where one record stands with QuickBooks, as its list shows it.
type RecordSync struct {
	Status  string `db:"status"`
	Message string `db:"message"`
}

// RecordSyncsOf returns the sync status of these customers, services or other
// objects in the connected realm, by id. A synced one edited since it last went to
// QuickBooks is changed.
func (s *Store) RecordSyncsOf(ctx context.Context, accountID int64, objectType string, ids []int64) (map[int64]RecordSync, error) {
	out := make(map[int64]RecordSync, len(ids))
	table, known := objectTables[objectType]
	if len(ids) == 0 || !known {
		return out, nil
	}
	var rows []struct {
		ID int64 `db:"object_id"`
		RecordSync
	}
	// An object imported from QuickBooks has a link and no sync state: it is synced.
	if err := s.db.SelectContext(ctx, &rows, `SELECT o.id AS object_id,
		CASE WHEN ss.status IS NOT NULL AND ss.status <> 'synced' THEN ss.status WHEN l.id IS NULL THEN COALESCE(ss.status, 'never')
		WHEN o.version > l.synced_version THEN 'changed' ELSE 'synced' END AS status, COALESCE(ss.message, '') AS message
		FROM `+table+` o LEFT JOIN sync_states ss ON ss.account_id = o.account_id AND ss.object_type = $2 AND ss.object_id = o.id
		LEFT JOIN qbo_connections qc ON qc.account_id = o.account_id
		LEFT JOIN qbo_links l ON l.account_id = o.account_id AND l.realm_id = qc.realm_id AND l.object_type = $2 AND l.object_id = o.id
		WHERE o.account_id = $1 AND o.id = ANY($3)`, accountID, objectType, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("store: sync states of %s: %w", objectType, mapError(err))
	}
	for _, r := range rows {
		out[r.ID] = r.RecordSync
	}
	return out, nil
}

// InvitationStanding says why an invitation link no longer works: it was used
// (AcceptedAt set) or it expired (ExpiresAt in the past). ErrNotFound: no invitation
// has this token.
type InvitationStanding struct {
	AccountName string       `db:"account_name"`
	ExpiresAt   time.Time    `db:"expires_at"`
	AcceptedAt  sql.NullTime `db:"accepted_at"`
	TimeZone    string       `db:"time_zone"`
}

// FindInvitationStanding reads the invitation of this token, whatever its state.
func (s *Store) FindInvitationStanding(ctx context.Context, tokenHash string) (InvitationStanding, error) {
	var st InvitationStanding
	if err := s.db.GetContext(ctx, &st, `SELECT a.name AS account_name, a.time_zone, i.expires_at, i.accepted_at
		FROM invitations i JOIN accounts a ON a.id = i.account_id WHERE i.token_hash = $1`, tokenHash); err != nil {
		return st, fmt.Errorf("store: invitation standing: %w", mapError(err))
	}
	return st, nil
}
