package intuit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/oauth2"

	"hoursync/internal/config"
	"hoursync/internal/qbo"
)

// Connection statuses, as stored in qbo_connections.status.
const (
	StatusConnected      = "connected"
	StatusNeedsReconnect = "needs_reconnect"
	StatusDisconnected   = "disconnected"
)

// UserMessageReconnect is what a person sees when the grant no longer works.
const UserMessageReconnect = "Reconnect QuickBooks"

// Sentinel errors of the connection store.
var (
	// ErrNotConnected: the account has no connection, or it was disconnected.
	ErrNotConnected = errors.New("intuit: not connected to QuickBooks")
	// ErrRealmTaken: the company is connected to another Hoursync account.
	ErrRealmTaken = errors.New("intuit: this QuickBooks company is connected to another Hoursync account")
	// ErrAlreadyConnected: the account is connected to another company; disconnect
	// it first (connecting never silently replaces a company).
	ErrAlreadyConnected = errors.New("intuit: already connected to another QuickBooks company")
	// ErrNeedsReconnect matches every *ReconnectError.
	ErrNeedsReconnect = errors.New("intuit: needs reconnect")
)

// ReconnectError means the grant is gone (invalid_grant: revoked, expired or replaced
// refresh token); only the person reconnecting helps, so it must not be retried.
type ReconnectError struct {
	AccountID int64
	// Reason is why, without secrets (e.g. "refresh: invalid_grant (HTTP 400)").
	Reason string
}

// Error names the account and why; it never holds a token.
func (e *ReconnectError) Error() string {
	return fmt.Sprintf("intuit: account %d: %s: %s", e.AccountID, UserMessageReconnect, e.Reason)
}

// Is makes errors.Is(err, ErrNeedsReconnect) true.
func (e *ReconnectError) Is(target error) bool { return target == ErrNeedsReconnect }

// UserMessage is the message to show the person: "Reconnect QuickBooks".
func (e *ReconnectError) UserMessage() string { return UserMessageReconnect }

// Connection is an account's QBO connection as shown to people: no secrets.
type Connection struct {
	AccountID        int64
	RealmID          string
	CompanyName      string
	Plan             qbo.Plan
	Status           string
	StatusMessage    string
	ConnectedBy      int64 // 0 when the user was deleted
	ConnectedAt      time.Time
	AccessExpiresAt  time.Time
	RefreshExpiresAt time.Time
	LastRefreshedAt  time.Time
}

// Connected reports whether syncs can run.
func (c Connection) Connected() bool { return c.Status == StatusConnected }

// ConnectionsOptions tunes a Connections store.
type ConnectionsOptions struct {
	// RefreshAhead is how long before expiry an access token is replaced (default
	// 5 minutes; tests with short-lived emulator tokens shrink it).
	RefreshAhead time.Duration
	// Logger receives refresh and status events, never tokens.
	Logger *slog.Logger
}

// Connections stores each account's QBO connection with its tokens encrypted, and
// hands out token sources that refresh them once per connection across processes.
type Connections struct {
	db           *sqlx.DB
	oauth        *OAuth
	sealer       *sealer
	refreshAhead time.Duration
	log          *slog.Logger
}

// NewConnections returns the store over db; keys[0] encrypts, every key decrypts.
func NewConnections(db *sqlx.DB, oauth *OAuth, keys []config.TokenKey, opts ConnectionsOptions) (*Connections, error) {
	if db == nil || oauth == nil {
		return nil, errors.New("intuit: connections: database and oauth are required")
	}
	s, err := newSealer(keys)
	if err != nil {
		return nil, err
	}
	c := &Connections{db: db, oauth: oauth, sealer: s, refreshAhead: opts.RefreshAhead, log: opts.Logger}
	if c.refreshAhead <= 0 {
		c.refreshAhead = 5 * time.Minute
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

// row is qbo_connections as read for token work.
type row struct {
	ID               int64         `db:"id"`
	AccountID        int64         `db:"account_id"`
	RealmID          string        `db:"realm_id"`
	CompanyName      string        `db:"company_name"`
	Plan             string        `db:"plan"`
	CanSyncTime      bool          `db:"can_sync_time"`
	Status           string        `db:"status"`
	StatusMessage    string        `db:"status_message"`
	KeyID            string        `db:"key_id"`
	AccessEnc        []byte        `db:"access_token_enc"`
	RefreshEnc       []byte        `db:"refresh_token_enc"`
	AccessExpiresAt  sql.NullTime  `db:"access_expires_at"`
	RefreshExpiresAt sql.NullTime  `db:"refresh_expires_at"`
	LastRefreshedAt  sql.NullTime  `db:"last_refreshed_at"`
	ConnectedBy      sql.NullInt64 `db:"connected_by"`
	ConnectedAt      time.Time     `db:"connected_at"`
}

const rowColumns = `id, account_id, realm_id, company_name, plan, can_sync_time, status, status_message, key_id,
	access_token_enc, refresh_token_enc, access_expires_at, refresh_expires_at, last_refreshed_at, connected_by, connected_at`

func (r row) connection() Connection {
	return Connection{
		AccountID: r.AccountID, RealmID: r.RealmID, CompanyName: r.CompanyName,
		Plan:   qbo.Plan{Name: r.Plan, TimeTracking: r.CanSyncTime},
		Status: r.Status, StatusMessage: r.StatusMessage, ConnectedBy: r.ConnectedBy.Int64, ConnectedAt: r.ConnectedAt,
		AccessExpiresAt: r.AccessExpiresAt.Time, RefreshExpiresAt: r.RefreshExpiresAt.Time, LastRefreshedAt: r.LastRefreshedAt.Time,
	}
}

func aad(accountID int64, column string) []byte {
	return []byte("qbo_connections/" + strconv.FormatInt(accountID, 10) + "/" + column)
}

// sealed is a token pair encrypted for one account's row.
type sealed struct {
	keyID                string
	access, refresh      []byte
	accessExp, refreshAt sql.NullTime
}

func (c *Connections) seal(accountID int64, tok *oauth2.Token, now time.Time) (sealed, error) {
	if tok == nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		return sealed{}, errors.New("intuit: token without access or refresh token")
	}
	var s sealed
	var err error
	if s.access, s.keyID, err = c.sealer.seal([]byte(tok.AccessToken), aad(accountID, "access")); err != nil {
		return sealed{}, err
	}
	if s.refresh, _, err = c.sealer.seal([]byte(tok.RefreshToken), aad(accountID, "refresh")); err != nil {
		return sealed{}, err
	}
	exp := tok.Expiry
	if exp.IsZero() {
		exp = now.Add(time.Hour)
	}
	s.accessExp = sql.NullTime{Time: exp, Valid: true}
	if secs := extraSeconds(tok, "x_refresh_token_expires_in"); secs > 0 {
		s.refreshAt = sql.NullTime{Time: now.Add(time.Duration(secs) * time.Second), Valid: true}
	}
	return s, nil
}

func extraSeconds(tok *oauth2.Token, key string) int64 {
	switch v := tok.Extra(key).(type) {
	case float64:
		return int64(v)
	case int64:
		return v
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// open decrypts r's tokens.
func (c *Connections) open(r row) (*oauth2.Token, error) {
	if r.AccessEnc == nil || r.RefreshEnc == nil {
		return nil, errors.New("intuit: connection holds no tokens")
	}
	access, err := c.sealer.open(r.KeyID, r.AccessEnc, aad(r.AccountID, "access"))
	if err != nil {
		return nil, err
	}
	refresh, err := c.sealer.open(r.KeyID, r.RefreshEnc, aad(r.AccountID, "refresh"))
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: string(access), RefreshToken: string(refresh), TokenType: "Bearer",
		Expiry: r.AccessExpiresAt.Time}, nil
}

// Connect stores a fresh grant as the account's connection (status connected),
// replacing an earlier connection of the same company or a disconnected one. A
// company connected to another account gives ErrRealmTaken; another company while
// this account is still connected (or needs reconnecting) gives ErrAlreadyConnected.
func (c *Connections) Connect(ctx context.Context, accountID, userID int64, realmID, companyName string, plan qbo.Plan, tok *oauth2.Token) error {
	if realmID == "" {
		return errors.New("intuit: connect: empty realm id")
	}
	now := time.Now()
	s, err := c.seal(accountID, tok, now)
	if err != nil {
		return fmt.Errorf("intuit: connect: %w", err)
	}
	err = c.inTx(ctx, func(tx *sqlx.Tx) error {
		var cur row
		err := tx.GetContext(ctx, &cur, `SELECT `+rowColumns+` FROM qbo_connections WHERE account_id = $1 FOR UPDATE`, accountID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case cur.Status != StatusDisconnected && cur.RealmID != realmID:
			return ErrAlreadyConnected
		}
		var other int64
		err = tx.GetContext(ctx, &other, `SELECT account_id FROM qbo_connections
			WHERE realm_id = $1 AND status <> 'disconnected' AND account_id <> $2 LIMIT 1`, realmID, accountID)
		if err == nil {
			return ErrRealmTaken
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var by sql.NullInt64
		if userID > 0 {
			by = sql.NullInt64{Int64: userID, Valid: true}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO qbo_connections
			(account_id, realm_id, company_name, plan, can_sync_time, status, status_message, key_id,
			 access_token_enc, refresh_token_enc, access_expires_at, refresh_expires_at, last_refreshed_at,
			 connected_by, connected_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'connected', '', $6, $7, $8, $9, $10, now(), $11, now(), now())
			ON CONFLICT (account_id) DO UPDATE SET
			 realm_id = EXCLUDED.realm_id, company_name = EXCLUDED.company_name, plan = EXCLUDED.plan,
			 can_sync_time = EXCLUDED.can_sync_time, status = 'connected', status_message = '',
			 key_id = EXCLUDED.key_id, access_token_enc = EXCLUDED.access_token_enc,
			 refresh_token_enc = EXCLUDED.refresh_token_enc, access_expires_at = EXCLUDED.access_expires_at,
			 refresh_expires_at = EXCLUDED.refresh_expires_at, last_refreshed_at = now(),
			 connected_by = EXCLUDED.connected_by, connected_at = now(), updated_at = now()`,
			accountID, realmID, companyName, plan.Name, plan.CanSyncTime(), s.keyID, s.access, s.refresh,
			s.accessExp, s.refreshAt, by)
		return err
	})
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		// Two accounts connected the same company at the same moment: the unique index
		// on live realms let one through.
		return ErrRealmTaken
	}
	if err != nil {
		if errors.Is(err, ErrAlreadyConnected) || errors.Is(err, ErrRealmTaken) {
			return err
		}
		return fmt.Errorf("intuit: connect account %d: %w", accountID, err)
	}
	c.log.InfoContext(ctx, "qbo connected", "account_id", accountID, "realm_id", realmID)
	return nil
}

// Get returns the account's connection without secrets; ErrNotConnected when it has
// none (a disconnected connection is returned with its status).
func (c *Connections) Get(ctx context.Context, accountID int64) (Connection, error) {
	var r row
	err := c.db.GetContext(ctx, &r, `SELECT `+rowColumns+` FROM qbo_connections WHERE account_id = $1`, accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return Connection{}, ErrNotConnected
	}
	if err != nil {
		return Connection{}, fmt.Errorf("intuit: get connection of account %d: %w", accountID, err)
	}
	return r.connection(), nil
}

// UpdatePlan caches the company's plan on the connection (after connect, or after
// QBO answered ErrPlanLacksFeature).
func (c *Connections) UpdatePlan(ctx context.Context, accountID int64, plan qbo.Plan) error {
	res, err := c.db.ExecContext(ctx, `UPDATE qbo_connections SET plan = $2, can_sync_time = $3, updated_at = now()
		WHERE account_id = $1 AND status <> 'disconnected'`, accountID, plan.Name, plan.CanSyncTime())
	if err != nil {
		return fmt.Errorf("intuit: update plan of account %d: %w", accountID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotConnected
	}
	return nil
}

// MarkNeedsReconnect sets the connection to needs_reconnect with reason (shown to
// the person) and forgets its tokens, which no longer work.
func (c *Connections) MarkNeedsReconnect(ctx context.Context, accountID int64, reason string) error {
	if reason == "" {
		reason = UserMessageReconnect
	}
	res, err := c.db.ExecContext(ctx, `UPDATE qbo_connections SET status = 'needs_reconnect', status_message = $2,
		access_token_enc = NULL, refresh_token_enc = NULL, updated_at = now()
		WHERE account_id = $1 AND status <> 'disconnected'`, accountID, reason)
	if err != nil {
		return fmt.Errorf("intuit: mark account %d needs reconnect: %w", accountID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotConnected
	}
	c.log.WarnContext(ctx, "qbo connection needs reconnect", "account_id", accountID, "reason", reason)
	return nil
}

// Disconnect revokes the grant at Intuit, deletes the tokens and sets the connection
// disconnected (links to QBO objects stay, per realm). If Intuit cannot be reached
// nothing changes and the error says so; a grant Intuit already forgot is fine.
func (c *Connections) Disconnect(ctx context.Context, accountID int64) error {
	err := c.inTx(ctx, func(tx *sqlx.Tx) error {
		var r row
		err := tx.GetContext(ctx, &r, `SELECT `+rowColumns+` FROM qbo_connections WHERE account_id = $1 FOR UPDATE`, accountID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotConnected
		}
		if err != nil {
			return err
		}
		if r.Status == StatusDisconnected {
			return nil
		}
		if r.RefreshEnc != nil {
			tok, err := c.open(r)
			if err != nil {
				return err
			}
			var oe *OAuthError
			if err := c.oauth.Revoke(ctx, tok.RefreshToken); err != nil && !(errors.As(err, &oe) && oe.Status == 400) {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE qbo_connections SET status = 'disconnected', status_message = '',
			key_id = '', access_token_enc = NULL, refresh_token_enc = NULL, access_expires_at = NULL,
			refresh_expires_at = NULL, updated_at = now() WHERE id = $1`, r.ID)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotConnected) {
			return err
		}
		return fmt.Errorf("intuit: disconnect account %d: %w", accountID, err)
	}
	c.log.InfoContext(ctx, "qbo disconnected", "account_id", accountID)
	return nil
}

func (c *Connections) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := c.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
