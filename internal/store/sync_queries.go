package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
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

// Dependency is what a time-card batch needs of the user, customer or service a card
// refers to: its name, its link in the realm (QBOID, the link marked deleted in QBO
// or not), and whether a sync needs to do nothing about it (InSync: linked, not
// deleted in QBO and, for a customer or service, unchanged since it last synced and
// active; a user is an Employee in QBO once linked, as Hoursync does not push edits of
// people).
type Dependency struct {
	ID         int64  `db:"id"`
	Name       string `db:"name"`
	Linked     bool   `db:"linked"`
	QBOID      string `db:"qbo_id"`
	QBODeleted bool   `db:"qbo_deleted"`
	InSync     bool   `db:"in_sync"`
}

// Dependencies returns these users, customers or services of the account as a batch
// of cards needs them in the realm, in one query.
func (s *Store) Dependencies(ctx context.Context, accountID int64, realmID, objectType string, ids []int64) (map[int64]Dependency, error) {
	out := make(map[int64]Dependency, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var name, inSync string
	switch objectType {
	case ObjectUser:
		name, inSync = "btrim(o.first_name || ' ' || o.last_name)", "true"
	case ObjectCustomer:
		name, inSync = "o.display_name", "o.active AND o.version <= l.synced_version"
	case ObjectService:
		name, inSync = "o.name", "o.active AND o.version <= l.synced_version"
	default:
		return nil, fmt.Errorf("store: dependencies: unsupported object type %q", objectType)
	}
	var rows []Dependency
	if err := s.db.SelectContext(ctx, &rows, `SELECT o.id, `+name+` AS name, l.id IS NOT NULL AS linked,
		coalesce(l.qbo_id, '') AS qbo_id, coalesce(l.qbo_deleted, false) AS qbo_deleted,
		coalesce(NOT l.qbo_deleted AND `+inSync+`, false) AS in_sync
		FROM `+objectTables[objectType]+` o
		LEFT JOIN qbo_links l ON l.account_id = o.account_id AND l.realm_id = $2 AND l.object_type = $3 AND l.object_id = o.id
		WHERE o.account_id = $1 AND o.id = ANY($4)`, accountID, realmID, objectType, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("store: %s dependencies: %w", objectType, mapError(err))
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// ImportedCustomer is one QBO Customer of an imported page.
type ImportedCustomer struct {
	QBOID, SyncToken string
	CustomerInput
}

// ImportedService is one QBO service Item of an imported page.
type ImportedService struct {
	QBOID, SyncToken string
	ServiceInput
}

// bulkImport describes one names-list table for importPage: its value columns (the
// name first) with their array types.
type bulkImport struct {
	target importTarget
	cols   []string
	types  []string
}

var (
	customerBulk = bulkImport{customerImport, []string{"display_name", "email", "active"}, []string{"text[]", "text[]", "boolean[]"}}
	serviceBulk  = bulkImport{serviceImport, []string{"name", "description", "rate_cents", "active"}, []string{"text[]", "text[]", "bigint[]", "boolean[]"}}
)

// ImportCustomers brings a page of QBO Customers into the account in one statement,
// each as ImportCustomer would (linked by QBO id, else by name, else created; local
// edits not pushed yet kept), and answers each one's outcome in order. A page the
// statement cannot take whole (two of its customers meeting the same local one) is
// imported one customer at a time.
func (s *Store) ImportCustomers(ctx context.Context, accountID int64, realmID string, page []ImportedCustomer) ([]ImportOutcome, error) {
	ids, tokens := make([]string, len(page)), make([]string, len(page))
	names, emails, active := make([]string, len(page)), make([]string, len(page)), make([]bool, len(page))
	for i, c := range page {
		ids[i], tokens[i] = c.QBOID, c.SyncToken
		names[i], emails[i], active[i] = strings.TrimSpace(c.DisplayName), strings.TrimSpace(c.Email), c.Active
	}
	out, err := s.importPage(ctx, customerBulk, accountID, realmID, ids, tokens, pq.Array(names), pq.Array(emails), pq.Array(active))
	if !refused(err) {
		return out, err
	}
	out = make([]ImportOutcome, len(page))
	for i, c := range page {
		if _, out[i], err = s.ImportCustomer(ctx, accountID, realmID, c.QBOID, c.SyncToken, c.CustomerInput); err != nil {
			return out[:i], fmt.Errorf("customer %q: %w", c.DisplayName, err)
		}
	}
	return out, nil
}

// ImportServices brings a page of QBO service Items into the account in one statement,
// like ImportCustomers.
func (s *Store) ImportServices(ctx context.Context, accountID int64, realmID string, page []ImportedService) ([]ImportOutcome, error) {
	ids, tokens := make([]string, len(page)), make([]string, len(page))
	names, descriptions := make([]string, len(page)), make([]string, len(page))
	rates, active := make([]int64, len(page)), make([]bool, len(page))
	for i, sv := range page {
		ids[i], tokens[i] = sv.QBOID, sv.SyncToken
		names[i], descriptions[i], rates[i], active[i] = strings.TrimSpace(sv.Name), sv.Description, sv.RateCents, sv.Active
	}
	out, err := s.importPage(ctx, serviceBulk, accountID, realmID, ids, tokens, pq.Array(names), pq.Array(descriptions), pq.Array(rates), pq.Array(active))
	if !refused(err) {
		return out, err
	}
	out = make([]ImportOutcome, len(page))
	for i, sv := range page {
		if _, out[i], err = s.ImportService(ctx, accountID, realmID, sv.QBOID, sv.SyncToken, sv.ServiceInput); err != nil {
			return out[:i], fmt.Errorf("service %q: %w", sv.Name, err)
		}
	}
	return out, nil
}

// refused reports whether PostgreSQL refused the statement (so nothing of it was
// done), as opposed to the connection failing with its outcome unknown.
func refused(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr)
}

// importPage is importObject for a whole page in one statement. Its CTEs: the page
// (input), the objects linked to its QBO ids (linked, locked like importObject locks
// them), those of them taking QBO's values (updated: not edited locally since their
// last sync, a new SyncToken, checked again on the locked row), the others' local
// namesakes (named), the rest inserted (created); then their links and, for the linked
// and created, their sync states; and each input's outcome.
func (s *Store) importPage(ctx context.Context, b bulkImport, accountID int64, realmID string, qboIDs, tokens []string, values ...any) ([]ImportOutcome, error) {
	t := b.target
	var inputCols, setCols, insertVals []string
	for i, col := range b.cols {
		inputCols = append(inputCols, fmt.Sprintf("$%d::%s", i+5, b.types[i]))
		setCols = append(setCols, fmt.Sprintf("%s = i.v_%s", col, col))
		insertVals = append(insertVals, "i.v_"+col)
	}
	var vcols []string
	for _, col := range b.cols {
		vcols = append(vcols, "v_"+col)
	}
	name := "v_" + b.cols[0]
	q := `WITH input AS (
		SELECT * FROM unnest($3::text[], $4::text[], ` + strings.Join(inputCols, ", ") + `) WITH ORDINALITY
			AS i(qbo_id, sync_token, ` + strings.Join(vcols, ", ") + `, ord)
	), linked AS (
		SELECT i.ord, l.object_id AS id, l.sync_token AS link_token, l.synced_version, o.version
		FROM input i
		JOIN qbo_links l ON l.account_id = $1 AND l.realm_id = $2 AND l.object_type = '` + t.objectType + `' AND l.qbo_id = i.qbo_id
		JOIN ` + t.table + ` o ON o.account_id = $1 AND o.id = l.object_id
		FOR UPDATE OF l FOR NO KEY UPDATE OF o
	), updated AS (
		UPDATE ` + t.table + ` o SET ` + strings.Join(setCols, ", ") + `, version = o.version + 1, updated_at = now()
		FROM linked k JOIN input i ON i.ord = k.ord
		WHERE o.account_id = $1 AND o.id = k.id AND o.version <= k.synced_version AND k.link_token <> i.sync_token
		RETURNING k.ord, o.id, o.version
	), named AS (
		SELECT i.ord, o.id, o.version FROM input i
		JOIN ` + t.table + ` o ON o.account_id = $1 AND lower(btrim(o.` + t.nameColumn + `)) = lower(btrim(i.` + name + `))
		WHERE i.ord NOT IN (SELECT ord FROM linked)
		FOR NO KEY UPDATE OF o
	), inserted AS (
		INSERT INTO ` + t.table + ` (account_id, ` + strings.Join(b.cols, ", ") + `)
		SELECT $1, ` + strings.Join(insertVals, ", ") + ` FROM input i
		WHERE i.ord NOT IN (SELECT ord FROM linked) AND i.ord NOT IN (SELECT ord FROM named)
		RETURNING id, version, ` + t.nameColumn + ` AS name
	), created AS (
		SELECT i.ord, n.id, n.version FROM inserted n
		JOIN input i ON lower(btrim(i.` + name + `)) = lower(btrim(n.name))
			AND i.ord NOT IN (SELECT ord FROM linked) AND i.ord NOT IN (SELECT ord FROM named)
	), links AS (
		INSERT INTO qbo_links (account_id, realm_id, object_type, object_id, qbo_id, sync_token, synced_version, qbo_deleted)
		SELECT $1, $2, '` + t.objectType + `', x.id, i.qbo_id, i.sync_token, x.version, false
		FROM (SELECT ord, id, version FROM updated UNION ALL SELECT ord, id, version FROM named
			UNION ALL SELECT ord, id, version FROM created) x
		JOIN input i ON i.ord = x.ord
		ON CONFLICT (account_id, realm_id, object_type, object_id) DO UPDATE SET qbo_id = EXCLUDED.qbo_id,
			sync_token = EXCLUDED.sync_token, synced_version = EXCLUDED.synced_version, qbo_deleted = EXCLUDED.qbo_deleted, synced_at = now()
	), states AS (
		INSERT INTO sync_states (account_id, object_type, object_id, status, last_synced_at)
		SELECT $1, '` + t.objectType + `', x.id, 'synced', now() FROM (SELECT id FROM named UNION ALL SELECT id FROM created) x
		ON CONFLICT (account_id, object_type, object_id)
		DO UPDATE SET status = 'synced', message = '', error_code = '', last_synced_at = now(), updated_at = now()
	)
	SELECT CASE
		WHEN u.ord IS NOT NULL THEN 'updated'
		WHEN k.ord IS NOT NULL AND k.version <= k.synced_version AND k.link_token = i.sync_token THEN 'unchanged'
		WHEN k.ord IS NOT NULL THEN 'kept'
		WHEN n.ord IS NOT NULL THEN 'linked'
		WHEN c.ord IS NOT NULL THEN 'created'
		ELSE '' END
	FROM input i LEFT JOIN updated u ON u.ord = i.ord LEFT JOIN linked k ON k.ord = i.ord
		LEFT JOIN named n ON n.ord = i.ord LEFT JOIN created c ON c.ord = i.ord
	ORDER BY i.ord`
	args := append([]any{accountID, realmID, pq.Array(qboIDs), pq.Array(tokens)}, values...)
	var outcomes []string
	if err := s.db.SelectContext(ctx, &outcomes, q, args...); err != nil {
		return nil, fmt.Errorf("store: import %s page: %w", t.objectType, err)
	}
	out := make([]ImportOutcome, len(outcomes))
	for i, o := range outcomes {
		if o == "" {
			return nil, fmt.Errorf("store: import %s page: no outcome for row %d", t.objectType, i+1)
		}
		out[i] = ImportOutcome(o)
	}
	return out, nil
}

// ObjectSuccess is one object's successful write, for RecordSyncSuccesses.
type ObjectSuccess struct {
	ID int64
	SyncSuccess
}

// RecordSyncSuccesses records what RecordSyncSuccess records, for many objects of one
// type in one transaction of three statements (links, states, history): a batch of
// 30 cards costs five round trips instead of 180.
func (s *Store) RecordSyncSuccesses(ctx context.Context, accountID int64, objectType string, oks []ObjectSuccess, run SyncRun) error {
	table, known := objectTables[objectType]
	if !known {
		return fmt.Errorf("store: record sync successes: unknown object type %q", objectType)
	}
	if len(oks) == 0 {
		return nil
	}
	n := len(oks)
	ids, versions := make([]int64, n), make([]int64, n)
	realms, qboIDs, tokens, messages := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	deleted := make([]bool, n)
	for i, ok := range oks {
		ids[i], versions[i], deleted[i] = ok.ID, ok.SyncedVersion, ok.Deleted
		realms[i], qboIDs[i], tokens[i], messages[i] = ok.RealmID, ok.QBOID, ok.SyncToken, ok.Message
	}
	attempt := max(run.Attempt, 1)
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		// No QBO id: nothing reached QBO (e.g. an invoice deleted before its first sync).
		if _, err := tx.ExecContext(ctx, `INSERT INTO qbo_links (account_id, realm_id, object_type, object_id, qbo_id, sync_token, synced_version, qbo_deleted)
			SELECT $1, u.realm, $2, u.id, u.qbo_id, u.token, u.version, u.deleted
			FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::boolean[]) AS u(realm, id, qbo_id, token, version, deleted)
			WHERE u.qbo_id <> ''
			ON CONFLICT (account_id, realm_id, object_type, object_id) DO UPDATE SET qbo_id = EXCLUDED.qbo_id,
			sync_token = EXCLUDED.sync_token, synced_version = EXCLUDED.synced_version, qbo_deleted = EXCLUDED.qbo_deleted, synced_at = now()`,
			accountID, objectType, pq.Array(realms), pq.Array(ids), pq.Array(qboIDs), pq.Array(tokens), pq.Array(versions), pq.Array(deleted)); err != nil {
			return fmt.Errorf("store: record sync successes: links: %w", mapError(err))
		}
		// An object edited while it synced (version moved past the one synced) ends "changed".
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_states (account_id, object_type, object_id, status, message,
			workflow_id, run_id, last_synced_at)
			SELECT $1, $2, u.id, CASE WHEN o.version > u.version THEN 'changed' ELSE 'synced' END, u.message, $6, $7, now()
			FROM unnest($3::bigint[], $4::bigint[], $5::text[]) AS u(id, version, message)
			LEFT JOIN `+table+` o ON o.account_id = $1 AND o.id = u.id
			ON CONFLICT (account_id, object_type, object_id) DO UPDATE SET status = EXCLUDED.status, message = EXCLUDED.message,
			error_code = '', workflow_id = EXCLUDED.workflow_id, run_id = EXCLUDED.run_id, last_synced_at = now(), updated_at = now()`,
			accountID, objectType, pq.Array(ids), pq.Array(versions), pq.Array(messages), run.WorkflowID, run.RunID); err != nil {
			return fmt.Errorf("store: record sync successes: states: %w", mapError(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sync_history (account_id, object_type, object_id, kind, attempt, workflow_id,
			run_id, outcome, message) SELECT $1, $2, u.id, $5, $6, $7, $8, 'succeeded', u.message
			FROM unnest($3::bigint[], $4::text[]) AS u(id, message)`,
			accountID, objectType, pq.Array(ids), pq.Array(messages), run.Kind, attempt, run.WorkflowID, run.RunID); err != nil {
			return fmt.Errorf("store: record sync successes: history: %w", mapError(err))
		}
		return nil
	})
	if err == nil {
		for range oks {
			s.counters.countOutcome(objectType, OutcomeSucceeded)
		}
	}
	return err
}
