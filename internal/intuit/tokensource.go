package intuit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
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
	r, err := s.c.store.GetConnection(s.ctx, s.accountID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("intuit: token of account %d: %w", s.accountID, err)
	}
	if err == nil && r.Status == store.ConnectionConnected && r.Access != nil && s.c.fresh(r.AccessExpiresAt.Time) {
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
	err := s.c.store.LockConnection(ctx, s.accountID, func(tx *store.ConnectionTx, r store.Connection, found bool) error {
		if !found {
			return ErrNotConnected
		}
		if r.Status != store.ConnectionConnected {
			return nil
		}
		cur, err := s.c.open(r)
		if err != nil {
			return err
		}
		if rejected == nil || cur.AccessToken != rejected.AccessToken {
			return nil
		}
		if err := tx.MarkNeedsReconnect(ctx, UserMessageReconnect); err != nil {
			return err
		}
		s.c.log.WarnContext(ctx, "qbo refused the grant; connection needs reconnect", "account_id", s.accountID,
			"code", f.Code(), "status", f.StatusCode, "intuit_tid", f.IntuitTID)
		return nil
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
// (store.LockConnection: SELECT … FOR UPDATE), so one caller across every process refreshes while the
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
	var (
		out     *oauth2.Token
		lost    *ReconnectError // invalid_grant: needs_reconnect is recorded (and committed) first
		rotated bool            // Intuit rotated the tokens and the new pair is written
	)
	err := c.store.LockConnection(ctx, accountID, func(tx *store.ConnectionTx, r store.Connection, found bool) error {
		if !found {
			return ErrNotConnected
		}
		switch r.Status {
		case store.ConnectionDisconnected:
			return ErrNotConnected
		case store.ConnectionNeedsReconnect:
			return &ReconnectError{AccountID: accountID, Reason: r.StatusMessage}
		}
		cur, err := c.open(r)
		if err != nil {
			return err
		}
		if !force && c.fresh(cur.Expiry) && (rejected == nil || rejected.AccessToken != cur.AccessToken) {
			out = cur
			return nil
		}
		tok, err := c.oauth.Refresh(ctx, cur.RefreshToken)
		if errors.Is(err, ErrInvalidGrant) {
			if uerr := tx.MarkNeedsReconnect(ctx, UserMessageReconnect); uerr != nil {
				return fmt.Errorf("mark needs reconnect: %w", uerr)
			}
			// Returning nil commits the mark: the grant is gone whatever the caller does.
			lost = &ReconnectError{AccountID: accountID, Reason: err.Error()}
			return nil
		}
		if err != nil {
			return err
		}
		s, err := c.seal(accountID, tok, time.Now())
		if err != nil {
			return err
		}
		if !s.RefreshExpiresAt.Valid {
			s.RefreshExpiresAt = r.RefreshExpiresAt
		}
		if err := tx.SaveTokens(ctx, s); err != nil {
			return fmt.Errorf("save: %w", err)
		}
		rotated = true
		out = &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: "Bearer", Expiry: s.AccessExpiresAt.Time}
		return nil
	})
	var re *ReconnectError
	switch {
	case err == nil:
	case errors.Is(err, ErrNotConnected), errors.As(err, &re):
		return nil, err
	case rotated:
		// fn returned, so the commit failed: Intuit has rotated the refresh token but
		// the new one is not stored. The next refresh will get invalid_grant unless
		// Intuit's grace period still accepts the old one. Nothing else can be done
		// here; say so loudly.
		c.log.ErrorContext(ctx, "qbo refresh token rotated but not saved", "account_id", accountID)
		return nil, fmt.Errorf("intuit: refresh account %d: commit: %w", accountID, err)
	case lost != nil:
		return nil, fmt.Errorf("intuit: refresh account %d: mark needs reconnect: %w", accountID, err)
	default:
		return nil, fmt.Errorf("intuit: refresh account %d: %w", accountID, err)
	}
	if lost != nil {
		c.log.WarnContext(ctx, "qbo grant lost; connection needs reconnect", "account_id", accountID, "reason", lost.Reason)
		return nil, lost
	}
	if rotated {
		c.log.InfoContext(ctx, "qbo tokens refreshed", "account_id", accountID, "forced", force, "after_401", rejected != nil)
	}
	return out, nil
}

// Client returns a QBO client for the account's connected company, with opts' other
// settings (base URL, limiter, logger...). Calls use ctx for token work.
func (c *Connections) Client(ctx context.Context, accountID int64, opts qbo.Options) (*qbo.Client, Connection, error) {
	conn, err := c.Get(ctx, accountID)
	if err != nil {
		return nil, Connection{}, err
	}
	switch conn.Status {
	case store.ConnectionDisconnected:
		return nil, conn, ErrNotConnected
	case store.ConnectionNeedsReconnect:
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
