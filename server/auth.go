package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

const (
	sessionCookie  = "hoursync_session"
	sessionTTL     = 14 * 24 * time.Hour
	sessionTouch   = 10 * time.Minute
	headerCSRF     = "X-CSRF-Token"
	formCSRF       = "csrf_token"
	apiTokenPrefix = "hs_"

	ctxAuth       = "hoursync.auth"
	ctxWorkflowID = "hoursync.workflow_id"
)

// authInfo is who a request acts as. AccountID comes from the session or API token and
// is the only account any handler reads or writes.
type authInfo struct {
	AccountID int64
	User      store.User
	// Session is nil for requests authenticated by an API token.
	Session *store.Session
}

func authOf(c *gin.Context) (authInfo, bool) {
	v, ok := c.Get(ctxAuth)
	if !ok {
		return authInfo{}, false
	}
	a, ok := v.(authInfo)
	return a, ok
}

// mustAuth returns the request's identity; routes behind requireAuth always have one.
func mustAuth(c *gin.Context) authInfo {
	a, _ := authOf(c)
	return a
}

// randomToken returns 32 random bytes, URL-safe: session cookies, CSRF tokens, reset
// and invitation links, OAuth states.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is what the database stores of a secret: a leaked table reveals no
// usable cookie, token or link.
func hashToken(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// secureCookies reports whether cookies must be Secure: over TLS, or when the public
// URL is https (TLS terminated by a proxy).
func (s *Server) secureCookies(c *gin.Context) bool {
	return c.Request.TLS != nil || strings.HasPrefix(s.cfg.PublicURL, "https://")
}

func (s *Server) setCookie(c *gin.Context, name, value string, maxAge time.Duration) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(c *gin.Context, name string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
}

// startSession signs the user in with a fresh session; any session the browser
// already had is deleted, so a session id planted before sign-in is worthless.
func (s *Server) startSession(c *gin.Context, u store.User) (store.Session, error) {
	ctx := c.Request.Context()
	if old, err := c.Cookie(sessionCookie); err == nil && old != "" {
		if err := s.store.DeleteSession(ctx, hashToken(old)); err != nil {
			return store.Session{}, err
		}
	}
	// Signing in is rare enough to carry the cleanup of expired sessions.
	if _, err := s.store.DeleteExpiredSessions(ctx); err != nil {
		s.log.WarnContext(ctx, "delete expired sessions", "err", err)
	}
	value := randomToken()
	sess, err := s.store.CreateSession(ctx, u.AccountID, u.ID, hashToken(value), randomToken(), s.now().Add(sessionTTL))
	if err != nil {
		return store.Session{}, err
	}
	s.setCookie(c, sessionCookie, value, sessionTTL)
	c.Set(ctxAuth, authInfo{AccountID: u.AccountID, User: u, Session: &sess})
	return sess, nil
}

// authenticate identifies the request by its Bearer API token or its session cookie.
// It never fails a request without credentials; requireAuth does.
func (s *Server) authenticate(c *gin.Context) {
	ctx := c.Request.Context()
	if h := c.GetHeader("Authorization"); h != "" {
		raw, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(raw, apiTokenPrefix) {
			s.fail(c, &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "send a personal API token as Authorization: Bearer hs_..."})
			return
		}
		_, u, err := s.store.UseAPIToken(ctx, hashToken(strings.TrimSpace(raw)))
		if err == nil && !u.Active {
			err = store.ErrNotFound
		}
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				err = &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "this API token is not valid"}
			}
			s.fail(c, err)
			return
		}
		c.Set(ctxAuth, authInfo{AccountID: u.AccountID, User: u})
		c.Next()
		return
	}
	value, err := c.Cookie(sessionCookie)
	if err != nil || value == "" {
		c.Next()
		return
	}
	idHash := hashToken(value)
	sess, u, err := s.store.GetSessionUser(ctx, idHash)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.fail(c, err)
			return
		}
		s.clearCookie(c, sessionCookie)
		c.Next()
		return
	}
	if !u.Active {
		_ = s.store.DeleteSession(ctx, idHash)
		s.clearCookie(c, sessionCookie)
		c.Next()
		return
	}
	if s.now().Sub(sess.LastSeenAt) > sessionTouch {
		if err := s.store.TouchSession(ctx, idHash, s.now().Add(sessionTTL)); err != nil {
			s.log.WarnContext(ctx, "touch session", "request_id", requestID(c), "err", err)
		}
	}
	c.Set(ctxAuth, authInfo{AccountID: u.AccountID, User: u, Session: &sess})
	c.Next()
}

// requireAuth answers 401 to requests that are not signed in.
func (s *Server) requireAuth(c *gin.Context) {
	if _, ok := authOf(c); !ok {
		s.fail(c, errUnauthorized)
		return
	}
	c.Next()
}

// requireAdmin answers 403 to members.
func (s *Server) requireAdmin(c *gin.Context) {
	if a, ok := authOf(c); !ok || !a.User.IsAdmin() {
		s.fail(c, errForbidden)
		return
	}
	c.Next()
}

// csrfSafe methods never change state, so they need no token.
func csrfSafe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// checkCSRF refuses a state-changing request made with a session cookie unless it
// carries the session's CSRF token (header X-CSRF-Token or form field csrf_token).
// API-token requests carry no ambient credentials, so they need none.
func (s *Server) checkCSRF(c *gin.Context) {
	a, ok := authOf(c)
	if csrfSafe(c.Request.Method) || !ok || a.Session == nil {
		c.Next()
		return
	}
	token := c.GetHeader(headerCSRF)
	if token == "" && !strings.HasPrefix(c.ContentType(), "application/json") {
		token = c.PostForm(formCSRF)
	}
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(a.Session.CSRFToken)) != 1 {
		s.fail(c, &apiError{Status: http.StatusForbidden, Code: codeCSRF, Message: "the form expired or came from another site; reload the page and try again"})
		return
	}
	c.Next()
}
