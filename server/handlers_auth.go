package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"hoursync/internal/store"
)

// Sign-in throttling: failures counted per e-mail and per IP over a window.
const (
	throttleWindow   = 15 * time.Minute
	maxEmailFailures = 5
	maxIPFailures    = 30
	resetTTL         = time.Hour
	invitationTTL    = 7 * 24 * time.Hour
	// maxResetMails caps reset links per person per throttle window.
	maxResetMails = 3
)

type userJSON struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Role      string    `json:"role"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

func toUserJSON(u store.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Role: u.Role, Active: u.Active, CreatedAt: u.CreatedAt}
}

type sessionJSON struct {
	User      userJSON    `json:"user"`
	Account   accountJSON `json:"account"`
	CSRFToken string      `json:"csrf_token,omitempty"`
}

func normalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// checkEmail accepts a plain address (no display name, no line breaks).
func checkEmail(field, s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return invalid(field, "enter an e-mail address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || strings.ContainsAny(s, "\r\n") {
		return invalid(field, "enter a valid e-mail address, like name@example.com")
	}
	return nil
}

func checkPassword(field, p string) error {
	switch {
	case utf8.RuneCountInString(p) < 10:
		return invalid(field, "use at least 10 characters")
	case len(p) > 72:
		return invalid(field, "use at most 72 bytes")
	}
	return nil
}

func checkText(field, s string, minLen, maxLen int, what string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if n < minLen {
		return invalid(field, "enter %s", what)
	}
	if n > maxLen {
		return invalid(field, "%s must be at most %d characters", what, maxLen)
	}
	return nil
}

func checkTimeZone(field, tz string) error {
	if tz == "" || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") {
		return invalid(field, "choose a time zone, like America/New_York")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return invalid(field, "unknown time zone %q", tz)
	}
	return nil
}

func (s *Server) hashPassword(p string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(p), s.cost)
	if err != nil {
		return "", fmt.Errorf("server: hash password: %w", err)
	}
	return string(h), nil
}

// respondSignedIn starts a session for u (a fresh cookie) and answers with the signed-in
// user, account and CSRF token.
func (s *Server) respondSignedIn(c *gin.Context, u store.User, status int) {
	sess, err := s.startSession(c, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	body, err := s.sessionBody(c, u, &sess)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(status, body)
}

func (s *Server) sessionBody(c *gin.Context, u store.User, sess *store.Session) (sessionJSON, error) {
	acct, err := s.store.GetAccount(c.Request.Context(), u.AccountID)
	if err != nil {
		return sessionJSON{}, err
	}
	out := sessionJSON{User: toUserJSON(u), Account: toAccountJSON(acct)}
	if sess != nil {
		out.CSRFToken = sess.CSRFToken
	}
	return out, nil
}

type signUpRequest struct {
	FirmName  string `json:"firm_name" openapi:"required"`
	FirstName string `json:"first_name" openapi:"required"`
	LastName  string `json:"last_name"`
	Email     string `json:"email" openapi:"required"`
	Password  string `json:"password" openapi:"required"`
	TimeZone  string `json:"time_zone"`
}

func (r *signUpRequest) validate() error {
	if r.TimeZone == "" {
		r.TimeZone = "UTC"
	}
	for _, err := range []error{
		checkText("firm_name", r.FirmName, 1, 200, "the firm's name"),
		checkText("first_name", r.FirstName, 1, 100, "your first name"),
		checkText("last_name", r.LastName, 0, 100, "your last name"),
		checkEmail("email", r.Email),
		checkPassword("password", r.Password),
		checkTimeZone("time_zone", r.TimeZone),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) signUp(c *gin.Context) {
	var req signUpRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := req.validate(); err != nil {
		s.fail(c, err)
		return
	}
	hash, err := s.hashPassword(req.Password)
	if err != nil {
		s.fail(c, err)
		return
	}
	acct, u, err := s.store.CreateAccountWithOwner(c.Request.Context(),
		store.NewAccount{Name: req.FirmName, TimeZone: req.TimeZone},
		store.NewUser{Email: strings.TrimSpace(req.Email), FirstName: req.FirstName, LastName: req.LastName, PasswordHash: hash})
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			err = &apiError{Status: http.StatusConflict, Code: codeDuplicate, Field: "email", Message: "this e-mail address already has a login; sign in or reset the password"}
		}
		s.fail(c, err)
		return
	}
	sess, err := s.startSession(c, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, sessionJSON{User: toUserJSON(u), Account: toAccountJSON(acct), CSRFToken: sess.CSRFToken})
}

type signInRequest struct {
	Email    string `json:"email" openapi:"required"`
	Password string `json:"password" openapi:"required"`
}

var errBadLogin = &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "the e-mail address or password is wrong"}

// throttled reports whether sign-in attempts for this e-mail or from this IP failed
// too often recently.
func (s *Server) throttled(ctx context.Context, ip, email string) (bool, error) {
	since := s.now().Add(-throttleWindow)
	n, err := s.store.CountLoginFailures(ctx, "email", email, since)
	if err != nil || n >= maxEmailFailures {
		return n >= maxEmailFailures, err
	}
	n, err = s.store.CountLoginFailures(ctx, "ip", ip, since)
	return n >= maxIPFailures, err
}

func (s *Server) signIn(c *gin.Context) {
	var req signInRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := checkEmail("email", req.Email); err != nil {
		s.fail(c, err)
		return
	}
	if req.Password == "" {
		s.fail(c, invalid("password", "enter your password"))
		return
	}
	ctx := c.Request.Context()
	email, ip := normalEmail(req.Email), c.ClientIP()
	limited, err := s.throttled(ctx, ip, email)
	if err != nil {
		s.fail(c, err)
		return
	}
	if limited {
		c.Header("Retry-After", fmt.Sprint(int(throttleWindow.Seconds())))
		s.fail(c, &apiError{Status: http.StatusTooManyRequests, Code: codeThrottled, Message: "too many failed sign-ins; wait a few minutes or reset the password"})
		return
	}
	u, err := s.store.FindUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(c, err)
		return
	}
	hash := s.dummyHash()
	if err == nil && u.Active && u.PasswordHash.Valid {
		hash = u.PasswordHash.String
	}
	// Compare even when there is no such user, so timing does not reveal who has a login.
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(req.Password)) != nil || hash == s.dummyHash() {
		for _, k := range [][2]string{{"email", email}, {"ip", ip}} {
			if err := s.store.RecordLoginFailure(ctx, k[0], k[1]); err != nil {
				s.fail(c, err)
				return
			}
		}
		s.fail(c, errBadLogin)
		return
	}
	if err := s.store.ClearLoginFailures(ctx, "email", email); err != nil {
		s.fail(c, err)
		return
	}
	s.respondSignedIn(c, u, http.StatusOK)
}

// dummyHash is a bcrypt hash of a random password at the server's cost, computed once.
func (s *Server) dummyHash() string {
	s.dummyOnce.Do(func() {
		h, _ := bcrypt.GenerateFromPassword([]byte(randomToken()), s.cost)
		s.dummy = string(h)
	})
	return s.dummy
}

func (s *Server) signOut(c *gin.Context) {
	a := mustAuth(c)
	if a.Session != nil {
		if err := s.store.DeleteSession(c.Request.Context(), a.Session.ID); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.clearCookie(c, sessionCookie)
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) {
	a := mustAuth(c)
	body, err := s.sessionBody(c, a.User, a.Session)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, body)
}

type resetRequest struct {
	Email string `json:"email" openapi:"required"`
}

// requestPasswordReset mails a reset link. It answers 202 whether or not the address
// has a login, so it cannot be used to find out who does.
func (s *Server) requestPasswordReset(c *gin.Context) {
	var req resetRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := checkEmail("email", req.Email); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	u, err := s.store.FindUserByEmail(ctx, req.Email)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		s.fail(c, err)
		return
	case u.Active:
		recent, err := s.store.CountRecentPasswordResets(ctx, u.ID, s.now().Add(-throttleWindow))
		if err != nil {
			s.fail(c, err)
			return
		}
		if recent >= maxResetMails {
			// Same answer as for a sent link: the limit must not reveal the address.
			break
		}
		token := randomToken()
		if err := s.store.CreatePasswordReset(ctx, u.ID, hashToken(token), s.now().Add(resetTTL)); err != nil {
			s.fail(c, err)
			return
		}
		link := s.cfg.PublicURL + "/reset-password?token=" + token
		body := fmt.Sprintf("Hello %s,\n\nSomeone asked to reset the password of your Hoursync login. To choose a new password, open this link within an hour:\n\n%s\n\nIf it was not you, ignore this message; your password stays as it is.\n", u.FirstName, link)
		if err := s.mailer.Send(ctx, Mail{AccountID: u.AccountID, To: u.Email, Subject: "Reset your Hoursync password", Body: body}); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.JSON(http.StatusAccepted, gin.H{"message": "if this address has a login, a reset link is on its way"})
}

type completeResetRequest struct {
	Token    string `json:"token" openapi:"required"`
	Password string `json:"password" openapi:"required"`
}

func (s *Server) completePasswordReset(c *gin.Context) {
	var req completeResetRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.Token == "" {
		s.fail(c, invalid("token", "the reset link is incomplete"))
		return
	}
	if err := checkPassword("password", req.Password); err != nil {
		s.fail(c, err)
		return
	}
	hash, err := s.hashPassword(req.Password)
	if err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.store.ResetPassword(c.Request.Context(), hashToken(req.Token), hash); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = invalid("token", "this reset link is invalid, expired or already used; ask for a new one")
		}
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
