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
	"golang.org/x/oauth2"

	"hoursync/internal/config"
	"hoursync/internal/qbo"
	"hoursync/internal/store"
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

// Connection is an account's QBO connection as shown to people and handed to the
// activities: the stored row (store.Connection) without its secrets, with the plan as
// the QBO client reads it.
type Connection struct {
	AccountID        int64
	RealmID          string
	CompanyName      string
	Plan             qbo.Plan
	Status           store.ConnectionStatus
	StatusMessage    string
	ConnectedBy      int64 // 0 when the user was deleted
	ConnectedAt      time.Time
	AccessExpiresAt  time.Time
	RefreshExpiresAt time.Time
	LastRefreshedAt  time.Time
}

// Connected reports whether syncs can run.
func (c Connection) Connected() bool { return c.Status == store.ConnectionConnected }

// ConnectionsOptions tunes a Connections store.
type ConnectionsOptions struct {
	// RefreshAhead is how long before expiry an access token is replaced (default
	// 5 minutes; tests with short-lived emulator tokens shrink it).
	RefreshAhead time.Duration
	// Logger receives refresh and status events, never tokens.
	Logger *slog.Logger
}

// Connections keeps each account's QBO connection with its tokens encrypted (the rows
// are internal/store's), and hands out token sources that refresh them once per
// connection across processes.
type Connections struct {
	store        *store.Store
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
	c := &Connections{store: store.New(db), oauth: oauth, sealer: s, refreshAhead: opts.RefreshAhead, log: opts.Logger}
	if c.refreshAhead <= 0 {
		c.refreshAhead = 5 * time.Minute
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

// connectionOf is what of the stored row a Connection shows.
func connectionOf(r store.Connection) Connection {
	return Connection{
		AccountID: r.AccountID, RealmID: r.RealmID, CompanyName: r.CompanyName,
		Plan:   qbo.Plan{Name: r.Plan, TimeTracking: r.CanSyncTime},
		Status: r.Status, StatusMessage: r.StatusMessage, ConnectedBy: r.ConnectedBy.Int64, ConnectedAt: r.ConnectedAt,
		AccessExpiresAt: r.AccessExpiresAt.Time, RefreshExpiresAt: r.RefreshExpiresAt.Time, LastRefreshedAt: r.LastRefreshedAt.Time,
	}
}

// aad binds a ciphertext to its account and column, so a sealed token copied to
// another row or column does not open.
func aad(accountID int64, column string) []byte {
	return []byte("qbo_connections/" + strconv.FormatInt(accountID, 10) + "/" + column)
}

// seal encrypts a token pair for one account's row. RefreshExpiresAt stays NULL when
// Intuit did not say when the refresh token expires.
func (c *Connections) seal(accountID int64, tok *oauth2.Token, now time.Time) (store.SealedTokens, error) {
	if tok == nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		return store.SealedTokens{}, errors.New("intuit: token without access or refresh token")
	}
	var s store.SealedTokens
	var err error
	if s.Access, s.KeyID, err = c.sealer.seal([]byte(tok.AccessToken), aad(accountID, "access")); err != nil {
		return store.SealedTokens{}, err
	}
	if s.Refresh, _, err = c.sealer.seal([]byte(tok.RefreshToken), aad(accountID, "refresh")); err != nil {
		return store.SealedTokens{}, err
	}
	exp := tok.Expiry
	if exp.IsZero() {
		exp = now.Add(time.Hour)
	}
	s.AccessExpiresAt = sql.NullTime{Time: exp, Valid: true}
	if secs := extraSeconds(tok, "x_refresh_token_expires_in"); secs > 0 {
		s.RefreshExpiresAt = sql.NullTime{Time: now.Add(time.Duration(secs) * time.Second), Valid: true}
	}
	if secs := extraSeconds(tok, "x_refresh_token_hard_expires_in"); secs > 0 {
		s.RefreshHardExpiresAt = sql.NullTime{Time: now.Add(time.Duration(secs) * time.Second), Valid: true}
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
func (c *Connections) open(r store.Connection) (*oauth2.Token, error) {
	if r.Access == nil || r.Refresh == nil {
		return nil, errors.New("intuit: connection holds no tokens")
	}
	access, err := c.sealer.open(r.KeyID, r.Access, aad(r.AccountID, "access"))
	if err != nil {
		return nil, err
	}
	refresh, err := c.sealer.open(r.KeyID, r.Refresh, aad(r.AccountID, "refresh"))
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
	err = c.store.LockConnection(ctx, accountID, func(tx *store.ConnectionTx, cur store.Connection, found bool) error {
		if found && cur.Status != store.ConnectionDisconnected && cur.RealmID != realmID {
			return ErrAlreadyConnected
		}
		_, err := tx.RealmOwner(ctx, realmID)
		if err == nil {
			return ErrRealmTaken
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Connect(ctx, store.ConnectionInput{RealmID: realmID, CompanyName: companyName,
			Plan: plan.Name, CanSyncTime: plan.CanSyncTime(), ConnectedBy: userID, Tokens: s})
	})
	if errors.Is(err, store.ErrDuplicate) {
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
	r, err := c.store.GetConnection(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return Connection{}, ErrNotConnected
	}
	if err != nil {
		return Connection{}, fmt.Errorf("intuit: %w", err)
	}
	return connectionOf(r), nil
}

// UpdatePlan caches the company's plan on the connection (after connect, or after
// QBO answered ErrPlanLacksFeature).
func (c *Connections) UpdatePlan(ctx context.Context, accountID int64, plan qbo.Plan) error {
	err := c.store.UpdateConnectionPlan(ctx, accountID, plan.Name, plan.CanSyncTime())
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotConnected
	}
	if err != nil {
		return fmt.Errorf("intuit: %w", err)
	}
	return nil
}

// MarkNeedsReconnect sets the connection to needs_reconnect with reason (shown to
// the person) and forgets its tokens, which no longer work.
func (c *Connections) MarkNeedsReconnect(ctx context.Context, accountID int64, reason string) error {
	if reason == "" {
		reason = UserMessageReconnect
	}
	err := c.store.MarkConnectionNeedsReconnect(ctx, accountID, reason)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotConnected
	}
	if err != nil {
		return fmt.Errorf("intuit: %w", err)
	}
	c.log.WarnContext(ctx, "qbo connection needs reconnect", "account_id", accountID, "reason", reason)
	return nil
}

// Disconnect revokes the grant at Intuit, deletes the tokens and sets the connection
// disconnected (links to QBO objects stay, per realm). If Intuit cannot be reached
// nothing changes and the error says so; a grant Intuit already forgot is fine.
func (c *Connections) Disconnect(ctx context.Context, accountID int64) error {
	// The row stays locked while Intuit is asked to revoke, so no refresh can rotate
	// the token being revoked.
	err := c.store.LockConnection(ctx, accountID, func(tx *store.ConnectionTx, r store.Connection, found bool) error {
		if !found {
			return ErrNotConnected
		}
		if r.Status == store.ConnectionDisconnected {
			return nil
		}
		if r.Refresh != nil {
			tok, err := c.open(r)
			if err != nil {
				return err
			}
			var oe *OAuthError
			if err := c.oauth.Revoke(ctx, tok.RefreshToken); err != nil && !(errors.As(err, &oe) && oe.Status == 400) {
				return err
			}
		}
		return tx.MarkDisconnected(ctx)
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
