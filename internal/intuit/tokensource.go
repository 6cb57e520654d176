package intuit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/oauth2"

	"hoursync/internal/qbo"
)

// TokenSource hands out the account's access token, refreshing it ahead of expiry and
// after QBO refused it. It is an oauth2.TokenSource and a qbo.TokenRefresher; safe
// for concurrent use. Create one per activity: it uses the context it was made with.
type TokenSource struct {
	c         *Connections
	ctx       context.Context
	accountID int64

	mu  sync.Mutex
	tok *oauth2.Token
}

var (
	_ oauth2.TokenSource      = (*TokenSource)(nil)
	_ qbo.TokenRefresher      = (*TokenSource)(nil)
	_ qbo.AuthFailureReporter = (*TokenSource)(nil)
)

// TokenSource returns the account's token source. Calls made through it use ctx.
func (c *Connections) TokenSource(ctx context.Context, accountID int64) *TokenSource {
	return &TokenSource{c: c, ctx: ctx, accountID: accountID}
}

// Token returns a valid access token: the cached one, the stored one, or a refreshed
// one when the stored token expires within RefreshAhead.
func (s *TokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.c.fresh(s.tok.Expiry) {
		return s.tok, nil
	}
	// Read without a lock first: almost always the stored token is still good.
	var r row
	err := s.c.db.GetContext(s.ctx, &r, `SELECT `+rowColumns+` FROM qbo_connections WHERE account_id = $1`, s.accountID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("intuit: token of account %d: %w", s.accountID, err)
	}
	if err == nil && r.Status == StatusConnected && r.AccessEnc != nil && s.c.fresh(r.AccessExpiresAt.Time) {
		tok, err := s.c.open(r)
		if err != nil {
			return nil, err
		}
		s.tok = tok
		return tok, nil
	}
	tok, err := s.c.refresh(s.ctx, s.accountID, nil, false)
	if err != nil {
		return nil, err
	}
	s.tok = tok
	return tok, nil
}

// RefreshToken replaces rejected, the access token QBO answered 401 to. When another
// caller (in any process) already replaced it, the stored token is returned without
// calling Intuit.
func (s *TokenSource) RefreshToken(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, err := s.c.refresh(ctx, s.accountID, rejected, false)
	if err != nil {
		return nil, err
	}
	s.tok = tok
	return tok, nil
}

// ReportAuthFailure marks the connection needs_reconnect after QBO refused the grant
// for good (401 after a refresh, or 403). It changes nothing when the stored token is
// no longer the rejected one: another caller has replaced it in between.
func (s *TokenSource) ReportAuthFailure(ctx context.Context, rejected *oauth2.Token, f *qbo.Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok = nil
	err := s.c.inTx(ctx, func(tx *sqlx.Tx) error {
		var r row
		if err := tx.GetContext(ctx, &r, `SELECT `+rowColumns+` FROM qbo_connections WHERE account_id = $1 FOR UPDATE`, s.accountID); err != nil {
			return err
		}
		if r.Status != StatusConnected {
			return nil
		}
		cur, err := s.c.open(r)
		if err != nil {
			return err
		}
		if rejected == nil || cur.AccessToken != rejected.AccessToken {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE qbo_connections SET status = 'needs_reconnect', status_message = $2,
			access_token_enc = NULL, refresh_token_enc = NULL, updated_at = now() WHERE id = $1`, r.ID, UserMessageReconnect)
		if err == nil {
			s.c.log.WarnContext(ctx, "qbo refused the grant; connection needs reconnect", "account_id", s.accountID,
				"code", f.Code(), "status", f.StatusCode, "intuit_tid", f.IntuitTID)
		}
		return err
	})
	if err != nil {
		s.c.log.ErrorContext(ctx, "could not mark connection needs reconnect", "account_id", s.accountID, "error", err)
	}
}

// Refresh refreshes the account's tokens now, whatever their expiry: the token
// keep-alive schedule calls it so the refresh token never reaches its idle expiry.
func (c *Connections) Refresh(ctx context.Context, accountID int64) error {
	_, err := c.refresh(ctx, accountID, nil, true)
	return err
}

// refreshTimeout bounds one locked refresh: waiting for the row, calling Intuit,
// saving the rotated tokens.
const refreshTimeout = time.Minute

// fresh reports whether an access token expiring at exp needs no refresh yet.
func (c *Connections) fresh(exp time.Time) bool {
	return !exp.IsZero() && time.Until(exp) > c.refreshAhead
}

// refresh is the one place tokens are refreshed. It locks the connection row
// (SELECT … FOR UPDATE), so one caller across every process refreshes while the
// others wait; each re-reads the row once it holds the lock and refreshes only if
// the token there still needs it (expiring, or the very token QBO rejected). Intuit
// rotates refresh tokens and the replaced one stops working: the new pair is
// committed in the same transaction that held the lock, before anyone can read the
// old one again.
func (c *Connections) refresh(ctx context.Context, accountID int64, rejected *oauth2.Token, force bool) (*oauth2.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("intuit: refresh account %d: %w", accountID, err)
	}
	// Once Intuit has rotated the refresh token, the new one must be committed even if
	// the caller gives up meanwhile: a cancelled context would roll the transaction
	// back and lose the only working refresh token. So the whole locked section runs
	// on a context of its own, bounded by its own timeout.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	tx, err := c.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("intuit: refresh account %d: begin: %w", accountID, err)
	}
	defer func() { _ = tx.Rollback() }()
	var r row
	err = tx.GetContext(ctx, &r, `SELECT `+rowColumns+` FROM qbo_connections WHERE account_id = $1 FOR UPDATE`, accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotConnected
	}
	if err != nil {
		return nil, fmt.Errorf("intuit: refresh account %d: lock: %w", accountID, err)
	}
	switch r.Status {
	case StatusDisconnected:
		return nil, ErrNotConnected
	case StatusNeedsReconnect:
		return nil, &ReconnectError{AccountID: accountID, Reason: r.StatusMessage}
	}
	cur, err := c.open(r)
	if err != nil {
		return nil, err
	}
	if !force && c.fresh(cur.Expiry) && (rejected == nil || rejected.AccessToken != cur.AccessToken) {
		return cur, tx.Commit()
	}
	tok, err := c.oauth.Refresh(ctx, cur.RefreshToken)
	if errors.Is(err, ErrInvalidGrant) {
		reason := err.Error()
		if _, uerr := tx.ExecContext(ctx, `UPDATE qbo_connections SET status = 'needs_reconnect', status_message = $2,
			access_token_enc = NULL, refresh_token_enc = NULL, updated_at = now() WHERE id = $1`,
			r.ID, UserMessageReconnect); uerr != nil {
			return nil, fmt.Errorf("intuit: refresh account %d: mark needs reconnect: %w", accountID, uerr)
		}
		if cerr := tx.Commit(); cerr != nil {
			return nil, fmt.Errorf("intuit: refresh account %d: mark needs reconnect: %w", accountID, cerr)
		}
		c.log.WarnContext(ctx, "qbo grant lost; connection needs reconnect", "account_id", accountID, "reason", reason)
		return nil, &ReconnectError{AccountID: accountID, Reason: reason}
	}
	if err != nil {
		return nil, fmt.Errorf("intuit: refresh account %d: %w", accountID, err)
	}
	now := time.Now()
	s, err := c.seal(accountID, tok, now)
	if err != nil {
		return nil, fmt.Errorf("intuit: refresh account %d: %w", accountID, err)
	}
	refreshAt := s.refreshAt
	if !refreshAt.Valid {
		refreshAt = r.RefreshExpiresAt
	}
	if _, err := tx.ExecContext(ctx, `UPDATE qbo_connections SET key_id = $2, access_token_enc = $3, refresh_token_enc = $4,
		access_expires_at = $5, refresh_expires_at = $6, last_refreshed_at = now(), updated_at = now() WHERE id = $1`,
		r.ID, s.keyID, s.access, s.refresh, s.accessExp, refreshAt); err != nil {
		return nil, fmt.Errorf("intuit: refresh account %d: save: %w", accountID, err)
	}
	if err := tx.Commit(); err != nil {
		// Intuit has rotated the refresh token but the new one is not stored: the next
		// refresh will get invalid_grant unless Intuit's grace period still accepts
		// the old one. Nothing else can be done here; say so loudly.
		c.log.ErrorContext(ctx, "qbo refresh token rotated but not saved", "account_id", accountID)
		return nil, fmt.Errorf("intuit: refresh account %d: commit: %w", accountID, err)
	}
	c.log.InfoContext(ctx, "qbo tokens refreshed", "account_id", accountID, "forced", force, "after_401", rejected != nil)
	return &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: "Bearer", Expiry: s.accessExp.Time}, nil
}

// Client returns a QBO client for the account's connected company, with opts' other
// settings (base URL, limiter, logger...). Calls use ctx for token work.
func (c *Connections) Client(ctx context.Context, accountID int64, opts qbo.Options) (*qbo.Client, Connection, error) {
	conn, err := c.Get(ctx, accountID)
	if err != nil {
		return nil, Connection{}, err
	}
	switch conn.Status {
	case StatusDisconnected:
		return nil, conn, ErrNotConnected
	case StatusNeedsReconnect:
		return nil, conn, &ReconnectError{AccountID: accountID, Reason: conn.StatusMessage}
	}
	opts.RealmID = conn.RealmID
	opts.TokenSource = c.TokenSource(ctx, accountID)
	cl, err := qbo.New(opts)
	if err != nil {
		return nil, conn, err
	}
	return cl, conn, nil
}
