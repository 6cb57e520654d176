package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// ImportOutcome says what an import did with one QBO object.
type ImportOutcome string

// Import outcomes.
const (
	ImportCreated   ImportOutcome = "created"   // a new local object
	ImportLinked    ImportOutcome = "linked"    // an existing local object of the same name
	ImportUpdated   ImportOutcome = "updated"   // the linked object took QBO's values
	ImportKeptLocal ImportOutcome = "kept"      // local edits not yet pushed win; QBO's values wait
	ImportSkipped   ImportOutcome = "unchanged" // nothing to do
)

// importTarget describes one names-list table for importObject.
type importTarget struct {
	objectType string
	table      string
	nameColumn string
	// update sets the QBO-owned columns from values, given as $3.. in order.
	updateSet string
	// insert creates the row from values.
	insertCols string
}

var (
	customerImport = importTarget{ObjectCustomer, "customers", "display_name",
		"display_name = $3, email = $4, active = $5", "display_name, email, active"}
	serviceImport = importTarget{ObjectService, "services", "name",
		"name = $3, description = $4, rate_cents = $5, active = $6", "name, description, rate_cents, active"}
)

// ImportCustomer brings one QBO Customer into the account: linked by QBO id, else by
// display name (ignoring case), else created. QBO is the source of truth for what it
// imported, except that local edits not pushed yet are kept for the next push.
func (s *Store) ImportCustomer(ctx context.Context, accountID int64, realmID, qboID, syncToken string, in CustomerInput) (int64, ImportOutcome, error) {
	return s.importObject(ctx, customerImport, accountID, realmID, qboID, syncToken, strings.TrimSpace(in.DisplayName),
		strings.TrimSpace(in.DisplayName), strings.TrimSpace(in.Email), in.Active)
}

// ImportService brings one QBO Item of type Service into the account, like ImportCustomer.
func (s *Store) ImportService(ctx context.Context, accountID int64, realmID, qboID, syncToken string, in ServiceInput) (int64, ImportOutcome, error) {
	return s.importObject(ctx, serviceImport, accountID, realmID, qboID, syncToken, strings.TrimSpace(in.Name),
		strings.TrimSpace(in.Name), in.Description, in.RateCents, in.Active)
}

func (s *Store) importObject(ctx context.Context, t importTarget, accountID int64, realmID, qboID, syncToken, name string, values ...any) (int64, ImportOutcome, error) {
	var id int64
	var outcome ImportOutcome
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var link Link
		err := tx.GetContext(ctx, &link, `SELECT `+linkColumns+` FROM qbo_links WHERE account_id = $1 AND realm_id = $2
			AND object_type = $3 AND qbo_id = $4 FOR UPDATE`, accountID, realmID, t.objectType, qboID)
		switch {
		case err == nil:
			id = link.ObjectID
			var version int64
			// NO KEY: an import never changes keys, so time cards being recorded for
			// this customer or service (whose foreign keys take KEY SHARE) do not wait.
			if err := tx.GetContext(ctx, &version, `SELECT version FROM `+t.table+` WHERE account_id = $1 AND id = $2 FOR NO KEY UPDATE`, accountID, id); err != nil {
				return fmt.Errorf("store: import %s: %w", t.objectType, mapError(err))
			}
			if version > link.SyncedVersion {
				outcome = ImportKeptLocal
				return nil
			}
			if link.SyncToken == syncToken {
				outcome = ImportSkipped
				return nil
			}
			args := append([]any{accountID, id}, values...)
			if err := tx.GetContext(ctx, &version, `UPDATE `+t.table+` SET `+t.updateSet+`, version = version + 1, updated_at = now()
				WHERE account_id = $1 AND id = $2 RETURNING version`, args...); err != nil {
				return fmt.Errorf("store: import %s: %w", t.objectType, mapError(err))
			}
			outcome = ImportUpdated
			return upsertLink(ctx, tx, accountID, realmID, t.objectType, id, qboID, syncToken, version, false)
		case !errors.Is(mapError(err), ErrNotFound):
			return fmt.Errorf("store: import %s: %w", t.objectType, mapError(err))
		}
		var version int64
		row := struct {
			ID      int64 `db:"id"`
			Version int64 `db:"version"`
		}{}
		err = tx.GetContext(ctx, &row, `SELECT id, version FROM `+t.table+` WHERE account_id = $1
			AND lower(btrim(`+t.nameColumn+`)) = lower(btrim($2)) FOR NO KEY UPDATE`, accountID, name)
		switch {
		case err == nil:
			id, version, outcome = row.ID, row.Version, ImportLinked
		case errors.Is(mapError(err), ErrNotFound):
			placeholders := make([]string, len(values))
			for i := range values {
				placeholders[i] = fmt.Sprintf("$%d", i+2)
			}
			args := append([]any{accountID}, values...)
			if err := tx.GetContext(ctx, &row, `INSERT INTO `+t.table+` (account_id, `+t.insertCols+`) VALUES ($1, `+
				strings.Join(placeholders, ", ")+`) RETURNING id, version`, args...); err != nil {
				return fmt.Errorf("store: import %s: %w", t.objectType, mapError(err))
			}
			id, version, outcome = row.ID, row.Version, ImportCreated
		default:
			return fmt.Errorf("store: import %s: %w", t.objectType, mapError(err))
		}
		if err := upsertLink(ctx, tx, accountID, realmID, t.objectType, id, qboID, syncToken, version, false); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO sync_states (account_id, object_type, object_id, status, last_synced_at)
			VALUES ($1, $2, $3, 'synced', now()) ON CONFLICT (account_id, object_type, object_id)
			DO UPDATE SET status = 'synced', message = '', error_code = '', last_synced_at = now(), updated_at = now()`,
			accountID, t.objectType, id)
		return mapError(err)
	})
	return id, outcome, err
}
