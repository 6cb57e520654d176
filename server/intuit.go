package server

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"hoursync/internal/store"
)

// Intuit is the OAuth 2.0 / OpenID Connect side of the Intuit flows and the token
// store behind a QBO connection; cmd/hoursync adapts internal/intuit to it.
type Intuit interface {
	// AuthCodeURL is Intuit's authorize URL with the scopes
	// "openid profile email com.intuit.quickbooks.accounting", this state and nonce.
	AuthCodeURL(state, nonce string) string
	// Exchange trades an authorization code for tokens and returns the identity of the
	// verified ID token (issuer, audience, expiry, signature and nonce checked).
	Exchange(ctx context.Context, code, nonce string) (IntuitGrant, error)
	// Connect stores the tokens as the account's connection to the realm (encrypted),
	// reading the company's name and plan. A realm connected to another account is a
	// *store.DuplicateError.
	Connect(ctx context.Context, accountID, userID int64, realmID string, token *oauth2.Token) error
}

// IntuitIdentity is the person who authorized at Intuit.
type IntuitIdentity struct {
	Subject       string
	Email         string
	EmailVerified bool
	GivenName     string
	FamilyName    string
}

// IntuitGrant is what a code exchange yields.
type IntuitGrant struct {
	Identity IntuitIdentity
	Token    *oauth2.Token
}

// Flow kinds carried by an OAuth state.
const (
	flowSignIn  = "signin"
	flowLaunch  = "launch"
	flowConnect = "connect"

	oauthCookie   = "hoursync_oauth"
	oauthStateTTL = 10 * time.Minute
)

var errNoIntuit = &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable, Message: "Intuit sign-in is not available right now"}

// authorizeURL records a new state for the flow, bound to this browser by a cookie,
// and returns where to send the browser.
func (s *Server) authorizeURL(c *gin.Context, kind string) (string, error) {
	if s.intuit == nil {
		return "", errNoIntuit
	}
	binding, err := c.Cookie(oauthCookie)
	if err != nil || len(binding) < 40 {
		binding = randomToken()
	}
	state, nonce := randomToken(), randomToken()
	st := store.OAuthState{StateHash: hashToken(state), BrowserHash: hashToken(binding), Kind: kind, Nonce: nonce,
		ExpiresAt: s.now().Add(oauthStateTTL)}
	if a, ok := authOf(c); ok && kind == flowConnect {
		st.AccountID = sql.NullInt64{Int64: a.AccountID, Valid: true}
		st.UserID = sql.NullInt64{Int64: a.User.ID, Valid: true}
	}
	if err := s.store.CreateOAuthState(c.Request.Context(), st); err != nil {
		return "", err
	}
	s.setCookie(c, oauthCookie, binding, 24*time.Hour)
	return s.intuit.AuthCodeURL(state, nonce), nil
}

func (s *Server) redirectToIntuit(c *gin.Context, kind string) {
	u, err := s.authorizeURL(c, kind)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusFound, u)
}

// intuitStart begins "Sign in with Intuit" from the login page.
func (s *Server) intuitStart(c *gin.Context) { s.redirectToIntuit(c, flowSignIn) }

// qboLaunch begins the same flow when a person opens Hoursync from the QuickBooks App
// Store or from inside QBO, without a local session.
func (s *Server) qboLaunch(c *gin.Context) { s.redirectToIntuit(c, flowLaunch) }

// intuitConnect begins "Connect with QuickBooks" for a signed-in admin (browser form).
func (s *Server) intuitConnect(c *gin.Context) { s.redirectToIntuit(c, flowConnect) }

// startConnect is the API form of Connect with QuickBooks: it answers the URL to open.
func (s *Server) startConnect(c *gin.Context) {
	u, err := s.authorizeURL(c, flowConnect)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"authorize_url": u})
}

var errBadState = &apiError{Status: http.StatusBadRequest, Code: codeBadRequest, Field: "state",
	Message: "this sign-in with Intuit expired or was already used; start again"}

// intuitCallback is the single callback of every Intuit flow. The state must be one
// this server issued, to this browser, not used before and not expired.
func (s *Server) intuitCallback(c *gin.Context) {
	ctx := c.Request.Context()
	state := c.Query("state")
	if state == "" {
		s.browserFail(c, errBadState)
		return
	}
	st, err := s.store.ConsumeOAuthState(ctx, hashToken(state))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = errBadState
		}
		s.browserFail(c, err)
		return
	}
	binding, _ := c.Cookie(oauthCookie)
	if binding == "" || subtle.ConstantTimeCompare([]byte(hashToken(binding)), []byte(st.BrowserHash)) != 1 {
		s.browserFail(c, errBadState)
		return
	}
	if e := c.Query("error"); e == "access_denied" {
		// The person chose Cancel on Intuit's screen: their choice, not a failure.
		s.flash(c, "ok", "Connecting to QuickBooks was cancelled; nothing changed.")
		if _, ok := authOf(c); ok {
			s.redirect(c, "/settings")
		} else {
			s.redirect(c, "/signin")
		}
		return
	} else if e != "" {
		s.browserFail(c, &apiError{Status: http.StatusBadRequest, Code: codeBadRequest, Message: "Intuit did not authorize Hoursync (" + e + "); try again"})
		return
	}
	code := c.Query("code")
	if code == "" || s.intuit == nil {
		s.browserFail(c, badRequest("the answer from Intuit has no authorization code"))
		return
	}
	realm := c.Query("realmId")
	grant, err := s.intuit.Exchange(ctx, code, st.Nonce)
	if err != nil {
		s.log.WarnContext(ctx, "intuit code exchange failed", "request_id", requestID(c), "err", err)
		s.browserFail(c, &apiError{Status: http.StatusBadGateway, Code: codeUnavailable, Message: "Intuit did not confirm the sign-in; try again"})
		return
	}
	switch st.Kind {
	case flowConnect:
		a, ok := authOf(c)
		if !ok || a.User.ID != st.UserID.Int64 || a.AccountID != st.AccountID.Int64 || !a.User.IsAdmin() {
			s.browserFail(c, errBadState)
			return
		}
		if realm == "" {
			s.browserFail(c, invalid("realmId", "Intuit did not say which company to connect; choose a company and try again"))
			return
		}
		wf, err := s.connectRealm(c, actorOf(c), realm, grant.Token)
		if err != nil {
			s.browserFail(c, err)
			return
		}
		// Settings follows the import's progress and says what it brought in.
		to := "/settings?connected=1"
		if wf != "" {
			to += "&workflow_id=" + url.QueryEscape(wf)
		}
		c.Redirect(http.StatusSeeOther, to)
	default:
		u, err := s.app.SignInWithIntuit(ctx, grant.Identity)
		if err != nil {
			s.browserFail(c, err)
			return
		}
		if _, err := s.startSession(c, u); err != nil {
			s.browserFail(c, err)
			return
		}
		if realm != "" && u.IsAdmin() {
			if _, err := s.connectRealm(c, actor{AccountID: u.AccountID, User: u}, realm, grant.Token); err != nil {
				s.browserFail(c, err)
				return
			}
		}
		c.Redirect(http.StatusSeeOther, "/")
	}
}

// browserFail answers a failed browser flow: a page with the reason for a browser
// (the sign-in page, or settings for a signed-in person), the API's error body for
// anything else.
func (s *Server) browserFail(c *gin.Context, err error) {
	if !strings.Contains(c.GetHeader("Accept"), "text/html") {
		s.fail(c, err)
		return
	}
	ae := s.toAPIError(c, err)
	if _, ok := authOf(c); ok {
		s.flash(c, "error", ae.Message)
		c.Redirect(http.StatusSeeOther, "/settings")
		c.Abort()
		return
	}
	pd := s.pageData(c, "Sign in", "")
	pd.Page = "signin"
	pd.Error = &apiError{Message: ae.Message}
	s.render(c, ae.Status, "auth", pd)
	c.Abort()
}

// connectRealm connects the company the person chose at Intuit (ConnectRealm); the
// request's log line names the import it started.
func (s *Server) connectRealm(c *gin.Context, by actor, realm string, tok *oauth2.Token) (workflowID string, err error) {
	st, err := s.app.ConnectRealm(c.Request.Context(), by, realm, tok)
	if err == nil && st.WorkflowID != "" {
		c.Set(ctxWorkflowID, st.WorkflowID)
	}
	return st.WorkflowID, err
}
