package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ConnectionStatus is the state of an account's QBO connection (qbo_connections.status).
type ConnectionStatus string

// The connection statuses; the table's CHECK constraint allows exactly these.
const (
	// ConnectionConnected: syncs can run.
	ConnectionConnected ConnectionStatus = "connected"
	// ConnectionNeedsReconnect: the grant stopped working (revoked, expired); the
	// tokens are gone and only the person reconnecting helps.
	ConnectionNeedsReconnect ConnectionStatus = "needs_reconnect"
	// ConnectionDisconnected: someone disconnected; the row stays so links survive a
	// reconnect, but the company is free to connect to another account.
	ConnectionDisconnected ConnectionStatus = "disconnected"
)

// liveConnection is the SQL condition of a connection that was not disconnected. It
// is spelled as a literal, not a parameter, so the planner can prove it matches the
// partial unique index qbo_connections_realm_key.
const liveConnection = `status <> '` + string(ConnectionDisconnected) + `'`

// SealedTokens are a connection's OAuth tokens as internal/intuit encrypted them. The
// store keeps the ciphertext and the id of the key that sealed it; it never sees a
// token in clear.
type SealedTokens struct {
	KeyID            string       `db:"key_id"`
	Access           []byte       `db:"access_token_enc"`
	Refresh          []byte       `db:"refresh_token_enc"`
	AccessExpiresAt  sql.NullTime `db:"access_expires_at"`
	RefreshExpiresAt sql.NullTime `db:"refresh_expires_at"`
	// RefreshHardExpiresAt is when Intuit ends the grant whatever (five years at most);
	// a refresh keeps the one stored when Intuit does not say.
	RefreshHardExpiresAt sql.NullTime `db:"refresh_hard_expires_at"`
}

// Connection is an account's QBO connection: one row of qbo_connections. A disconnected
// or needs_reconnect connection holds no tokens.
type Connection struct {
	ID            int64            `db:"id"`
	AccountID     int64            `db:"account_id"`
	RealmID       string           `db:"realm_id"`
	CompanyName   string           `db:"company_name"`
	Plan          string           `db:"plan"`
	CanSyncTime   bool             `db:"can_sync_time"`
	Status        ConnectionStatus `db:"status"`
	StatusMessage string           `db:"status_message"`
	SealedTokens
	LastRefreshedAt sql.NullTime  `db:"last_refreshed_at"`
	ConnectedBy     sql.NullInt64 `db:"connected_by"` // NULL once the user is deleted
	ConnectedAt     time.Time     `db:"connected_at"`
	UpdatedAt       time.Time     `db:"updated_at"`
}

const connectionColumns = `id, account_id, realm_id, company_name, plan, can_sync_time, status, status_message,
	key_id, access_token_enc, refresh_token_enc, access_expires_at, refresh_expires_at, refresh_hard_expires_at,
	last_refreshed_at, connected_by, connected_at, updated_at`

// ConnectionInput is a fresh grant to store as the account's connection.
type ConnectionInput struct {
	RealmID     string
	CompanyName string
	Plan        string
	CanSyncTime bool
	ConnectedBy int64 // 0: no user (App Store launch, tests)
	Tokens      SealedTokens
}

// GetConnection returns the account's connection, whatever its status, or ErrNotFound
// when it never connected.
func (s *Store) GetConnection(ctx context.Context, accountID int64) (Connection, error) {
	var c Connection
	err := s.db.GetContext(ctx, &c, `SELECT `+connectionColumns+` FROM qbo_connections WHERE account_id = $1`, accountID)
	if err != nil {
		return Connection{}, fmt.Errorf("store: get connection of account %d: %w", accountID, mapError(err))
	}
	return c, nil
}

// GetConnectionStatus is GetConnection under the name the server's handlers use.
func (s *Store) GetConnectionStatus(ctx context.Context, accountID int64) (Connection, error) {
	return s.GetConnection(ctx, accountID)
}

// HasConnection reports whether the account has a QBO connection that was not
// disconnected: connected, or needing a reconnect.
func (s *Store) HasConnection(ctx context.Context, accountID int64) (bool, error) {
	c, err := s.GetConnection(ctx, accountID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil && c.Status != ConnectionDisconnected, err
}

// FindAccountByRealm returns the account a QBO company is connected to (connected or
// needing a reconnect), or ErrNotFound.
func (s *Store) FindAccountByRealm(ctx context.Context, realmID string) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `SELECT account_id FROM qbo_connections WHERE realm_id = $1 AND `+liveConnection, realmID)
	if err != nil {
		return 0, fmt.Errorf("store: find account by realm: %w", mapError(err))
	}
	return id, nil
}

// CountConnectionsByStatus counts the connections of every account in each status,
// every status present even at zero. It is for operators' metrics, the one read here
// not scoped to an account.
func (s *Store) CountConnectionsByStatus(ctx context.Context) (map[ConnectionStatus]int64, error) {
	var rows []struct {
		Status ConnectionStatus `db:"status"`
		N      int64            `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT status, count(*) AS n FROM qbo_connections GROUP BY status`); err != nil {
		return nil, fmt.Errorf("store: count connections: %w", mapError(err))
	}
	counts := map[ConnectionStatus]int64{ConnectionConnected: 0, ConnectionNeedsReconnect: 0, ConnectionDisconnected: 0}
	for _, r := range rows {
		counts[r.Status] = r.N
	}
	return counts, nil
}

// UpdateConnectionPlan caches the company's plan on a connection that was not
// disconnected; ErrNotFound when there is none.
func (s *Store) UpdateConnectionPlan(ctx context.Context, accountID int64, plan string, canSyncTime bool) error {
	res, err := s.db.ExecContext(ctx, `UPDATE qbo_connections SET plan = $2, can_sync_time = $3, updated_at = now()
		WHERE account_id = $1 AND `+liveConnection, accountID, plan, canSyncTime)
	if err != nil {
		return fmt.Errorf("store: update plan of account %d: %w", accountID, mapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: update plan of account %d: %w", accountID, ErrNotFound)
	}
	return nil
}

// MarkConnectionNeedsReconnect sets a connection that was not disconnected to
// needs_reconnect with message and forgets its tokens; ErrNotFound when there is none.
func (s *Store) MarkConnectionNeedsReconnect(ctx context.Context, accountID int64, message string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE qbo_connections SET status = $2, status_message = $3,
		access_token_enc = NULL, refresh_token_enc = NULL, updated_at = now()
		WHERE account_id = $1 AND `+liveConnection, accountID, ConnectionNeedsReconnect, message)
	if err != nil {
		return fmt.Errorf("store: mark account %d needs reconnect: %w", accountID, mapError(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: mark account %d needs reconnect: %w", accountID, ErrNotFound)
	}
	return nil
}

// LockConnection runs fn in a transaction that holds the account's qbo_connections row
// locked (SELECT … FOR UPDATE), and commits when fn returns nil. fn gets the row as read
// under the lock (found is false when the account never connected; nothing is locked
// then, and the unique indexes settle a race) and a ConnectionTx to write it.
//
// The lock is what makes token work safe across processes: Intuit rotates the refresh
// token on every refresh and the old one stops working, so whoever holds the lock must
// decide on the row as it is now (another process may have refreshed while this one
// waited) and must commit the rotated token before anyone else can read the old one.
// fn's writes and that decision share the one transaction.
func (s *Store) LockConnection(ctx context.Context, accountID int64, fn func(tx *ConnectionTx, cur Connection, found bool) error) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		var cur Connection
		err := tx.GetContext(ctx, &cur, `SELECT `+connectionColumns+` FROM qbo_connections WHERE account_id = $1 FOR UPDATE`, accountID)
		found := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: lock connection of account %d: %w", accountID, mapError(err))
		}
		return fn(&ConnectionTx{tx: tx, accountID: accountID, id: cur.ID}, cur, found)
	})
}

// ConnectionTx writes the connection row LockConnection holds; it is valid only while
// fn runs.
type ConnectionTx struct {
	tx        *sqlx.Tx
	accountID int64
	id        int64 // 0 when the account had no row
}

// RealmOwner returns the other account the company is connected to (connected or
// needing a reconnect), or ErrNotFound when it is free for this account.
func (c *ConnectionTx) RealmOwner(ctx context.Context, realmID string) (int64, error) {
	var other int64
	err := c.tx.GetContext(ctx, &other, `SELECT account_id FROM qbo_connections
		WHERE realm_id = $1 AND `+liveConnection+` AND account_id <> $2 LIMIT 1`, realmID, c.accountID)
	if err != nil {
		return 0, fmt.Errorf("store: owner of realm: %w", mapError(err))
	}
	return other, nil
}

// Connect stores in as the account's connection, status connected: a new row, or the
// existing one replaced (its id stays). A company connected to another account at the
// same moment violates qbo_connections_realm_key: a *DuplicateError on realm_id.
func (c *ConnectionTx) Connect(ctx context.Context, in ConnectionInput) error {
	var by sql.NullInt64
	if in.ConnectedBy > 0 {
		by = sql.NullInt64{Int64: in.ConnectedBy, Valid: true}
	}
	t := in.Tokens
	_, err := c.tx.ExecContext(ctx, `INSERT INTO qbo_connections
		(account_id, realm_id, company_name, plan, can_sync_time, status, status_message, key_id,
		 access_token_enc, refresh_token_enc, access_expires_at, refresh_expires_at, last_refreshed_at,
		 connected_by, connected_at, updated_at, refresh_hard_expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8, $9, $10, $11, now(), $12, now(), now(), $13)
		ON CONFLICT (account_id) DO UPDATE SET
		 realm_id = EXCLUDED.realm_id, company_name = EXCLUDED.company_name, plan = EXCLUDED.plan,
		 can_sync_time = EXCLUDED.can_sync_time, status = EXCLUDED.status, status_message = '',
		 key_id = EXCLUDED.key_id, access_token_enc = EXCLUDED.access_token_enc,
		 refresh_token_enc = EXCLUDED.refresh_token_enc, access_expires_at = EXCLUDED.access_expires_at,
		 refresh_expires_at = EXCLUDED.refresh_expires_at, last_refreshed_at = now(),
		 connected_by = EXCLUDED.connected_by, connected_at = now(), updated_at = now(),
		 refresh_hard_expires_at = EXCLUDED.refresh_hard_expires_at`,
		c.accountID, in.RealmID, in.CompanyName, in.Plan, in.CanSyncTime, ConnectionConnected,
		t.KeyID, t.Access, t.Refresh, t.AccessExpiresAt, t.RefreshExpiresAt, by, t.RefreshHardExpiresAt)
	if err != nil {
		return fmt.Errorf("store: connect account %d: %w", c.accountID, mapError(err))
	}
	return nil
}

// SaveTokens replaces the connection's tokens with a refreshed pair.
func (c *ConnectionTx) SaveTokens(ctx context.Context, t SealedTokens) error {
	if err := c.exec(ctx, `UPDATE qbo_connections SET key_id = $2, access_token_enc = $3, refresh_token_enc = $4,
		access_expires_at = $5, refresh_expires_at = $6, last_refreshed_at = now(), updated_at = now(),
		refresh_hard_expires_at = COALESCE($7, refresh_hard_expires_at) WHERE id = $1`,
		c.id, t.KeyID, t.Access, t.Refresh, t.AccessExpiresAt, t.RefreshExpiresAt, t.RefreshHardExpiresAt); err != nil {
		return fmt.Errorf("store: save tokens of account %d: %w", c.accountID, err)
	}
	return nil
}

// MarkNeedsReconnect sets the connection to needs_reconnect with message (shown to the
// person) and forgets its tokens, which no longer work.
func (c *ConnectionTx) MarkNeedsReconnect(ctx context.Context, message string) error {
	if err := c.exec(ctx, `UPDATE qbo_connections SET status = $2, status_message = $3,
		access_token_enc = NULL, refresh_token_enc = NULL, updated_at = now() WHERE id = $1`,
		c.id, ConnectionNeedsReconnect, message); err != nil {
		return fmt.Errorf("store: mark account %d needs reconnect: %w", c.accountID, err)
	}
	return nil
}

// MarkDisconnected sets the connection to disconnected and deletes its tokens; the
// row stays, so the links to the company's objects survive a reconnect.
func (c *ConnectionTx) MarkDisconnected(ctx context.Context) error {
	if err := c.exec(ctx, `UPDATE qbo_connections SET status = $2, status_message = '',
		key_id = '', access_token_enc = NULL, refresh_token_enc = NULL, access_expires_at = NULL,
		refresh_expires_at = NULL, updated_at = now() WHERE id = $1`, c.id, ConnectionDisconnected); err != nil {
		return fmt.Errorf("store: disconnect account %d: %w", c.accountID, err)
	}
	return nil
}

// exec runs an UPDATE of the locked row; a row that was not there is ErrNotFound.
func (c *ConnectionTx) exec(ctx context.Context, query string, args ...any) error {
	if c.id == 0 {
		return ErrNotFound
	}
	if _, err := c.tx.ExecContext(ctx, query, args...); err != nil {
		return mapError(err)
	}
	return nil
}
