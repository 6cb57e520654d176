package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hoursync/internal/store"
)

// The use cases of signing up, in and out, password resets and accepting an
// invitation. Each one that signs a person in returns the user; the transport starts
// the session (the cookie is the transport's).

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

type sessionJSON struct {
	User      userJSON    `json:"user"`
	Account   accountJSON `json:"account"`
	CSRFToken string      `json:"csrf_token,omitempty"`
}

// Session is who is signed in, with the session's CSRF token (nil sess: a request
// with an API token, which has none).
func (a *app) Session(ctx context.Context, u store.User, sess *store.Session) (sessionJSON, error) {
	acct, err := a.store.GetAccount(ctx, u.AccountID)
	if err != nil {
		return sessionJSON{}, err
	}
	out := sessionJSON{User: toUserJSON(u), Account: toAccountJSON(acct)}
	if sess != nil {
		out.CSRFToken = sess.CSRFToken
	}
	return out, nil
}

type signUpInput struct {
	FirmName  string `json:"firm_name" openapi:"required"`
	FirstName string `json:"first_name" openapi:"required"`
	LastName  string `json:"last_name"`
	Email     string `json:"email" openapi:"required"`
	Password  string `json:"password" openapi:"required"`
	TimeZone  string `json:"time_zone"`
}

// SignUp creates a firm's account with its owner.
func (a *app) SignUp(ctx context.Context, in signUpInput) (store.User, error) {
	if in.TimeZone == "" {
		in.TimeZone = "UTC"
	}
	var p problems
	for _, err := range []error{
		checkText("firm_name", in.FirmName, 1, 200, "the firm's name"),
		checkText("first_name", in.FirstName, 1, 100, "your first name"),
		checkText("last_name", in.LastName, 0, 100, "your last name"),
		checkEmail("email", in.Email),
		checkPassword("password", in.Password),
		checkTimeZone("time_zone", in.TimeZone),
	} {
		p.add(err)
	}
	if err := p.err(); err != nil {
		return store.User{}, err
	}
	hash, err := a.hashPassword(in.Password)
	if err != nil {
		return store.User{}, err
	}
	_, u, err := a.store.CreateAccountWithOwner(ctx, store.NewAccount{Name: in.FirmName, TimeZone: in.TimeZone},
		store.NewUser{Email: strings.TrimSpace(in.Email), FirstName: in.FirstName, LastName: in.LastName, PasswordHash: hash})
	if errors.Is(err, store.ErrDuplicate) {
		err = &apiError{Status: http.StatusConflict, Code: codeDuplicate, Field: "email", Message: "this e-mail address already has a login; sign in or reset the password"}
	}
	return u, err
}

type signInInput struct {
	Email    string `json:"email" openapi:"required"`
	Password string `json:"password" openapi:"required"`
}

var (
	errBadLogin  = &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "the e-mail address or password is wrong"}
	errThrottled = &apiError{Status: http.StatusTooManyRequests, Code: codeThrottled, Message: "too many failed sign-ins; wait a few minutes or reset the password"}
)

// SignIn checks an e-mail address and password from the client at ip. Failures are
// counted: too many for the address or the IP answer errThrottled for a while.
func (a *app) SignIn(ctx context.Context, in signInInput, ip string) (store.User, error) {
	if err := checkEmail("email", in.Email); err != nil {
		return store.User{}, err
	}
	if in.Password == "" {
		return store.User{}, invalid("password", "enter your password")
	}
	email := normalEmail(in.Email)
	limited, err := a.throttled(ctx, ip, email)
	if err != nil {
		return store.User{}, err
	}
	if limited {
		return store.User{}, errThrottled
	}
	u, err := a.store.FindUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	hash := a.dummyHash()
	if err == nil && u.Active && u.PasswordHash.Valid {
		hash = u.PasswordHash.String
	}
	// Compare even when there is no such user, so timing does not reveal who has a login.
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(in.Password)) != nil || hash == a.dummyHash() {
		for _, k := range [][2]string{{"email", email}, {"ip", ip}} {
			if err := a.store.RecordLoginFailure(ctx, k[0], k[1]); err != nil {
				return store.User{}, err
			}
		}
		return store.User{}, errBadLogin
	}
	if err := a.store.ClearLoginFailures(ctx, "email", email); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// throttled reports whether sign-in attempts for this e-mail or from this IP failed
// too often recently.
func (a *app) throttled(ctx context.Context, ip, email string) (bool, error) {
	since := a.now().Add(-throttleWindow)
	n, err := a.store.CountLoginFailures(ctx, "email", email, since)
	if err != nil || n >= maxEmailFailures {
		return n >= maxEmailFailures, err
	}
	n, err = a.store.CountLoginFailures(ctx, "ip", ip, since)
	return n >= maxIPFailures, err
}

// EndSession signs a session out (sess nil: nothing to end).
func (a *app) EndSession(ctx context.Context, sess *store.Session) error {
	if sess == nil {
		return nil
	}
	return a.store.DeleteSession(ctx, sess.ID)
}

type resetInput struct {
	Email string `json:"email" openapi:"required"`
}

// RequestPasswordReset mails a reset link. It succeeds whether or not the address
// has a login, so it cannot be used to find out who does.
func (a *app) RequestPasswordReset(ctx context.Context, in resetInput) error {
	if err := checkEmail("email", in.Email); err != nil {
		return err
	}
	u, err := a.store.FindUserByEmail(ctx, in.Email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case !u.Active:
		return nil
	}
	recent, err := a.store.CountRecentPasswordResets(ctx, u.ID, a.now().Add(-throttleWindow))
	if err != nil || recent >= maxResetMails {
		// Over the limit, the same answer as for a sent link: it must not reveal the address.
		return err
	}
	token := randomToken()
	if err := a.store.CreatePasswordReset(ctx, u.ID, hashToken(token), a.now().Add(resetTTL)); err != nil {
		return err
	}
	link := a.cfg.PublicURL + "/reset-password?token=" + token
	body := fmt.Sprintf("Hello %s,\n\nSomeone asked to reset the password of your Hoursync login. To choose a new password, open this link within an hour:\n\n%s\n\nIf it was not you, ignore this message; your password stays as it is.\n", u.FirstName, link)
	return a.mailer.Send(ctx, Mail{AccountID: u.AccountID, To: u.Email, Subject: "Reset your Hoursync password", Body: body})
}

type completeResetInput struct {
	Token    string `json:"token" openapi:"required"`
	Password string `json:"password" openapi:"required"`
}

// CompletePasswordReset sets a new password through a reset link's token.
func (a *app) CompletePasswordReset(ctx context.Context, in completeResetInput) error {
	if in.Token == "" {
		return invalid("token", "the reset link is incomplete")
	}
	if err := checkPassword("password", in.Password); err != nil {
		return err
	}
	hash, err := a.hashPassword(in.Password)
	if err != nil {
		return err
	}
	if _, err := a.store.ResetPassword(ctx, hashToken(in.Token), hash); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = invalid("token", "this reset link is invalid, expired or already used; ask for a new one")
		}
		return err
	}
	return nil
}

// LookupInvitation says whom an invitation's link invites, and to which firm.
func (a *app) LookupInvitation(ctx context.Context, token string) (invitationLookupJSON, error) {
	inv, err := a.store.FindInvitation(ctx, hashToken(token))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = a.deadInvitation(ctx, token, http.StatusNotFound)
		}
		return invitationLookupJSON{}, err
	}
	acct, err := a.store.GetAccount(ctx, inv.AccountID)
	if err != nil {
		return invitationLookupJSON{}, err
	}
	return invitationLookupJSON{Email: inv.Email, FirstName: inv.FirstName, LastName: inv.LastName, Role: inv.Role, AccountName: acct.Name}, nil
}

type acceptInvitationInput struct {
	Token     string `json:"token" openapi:"required"`
	Password  string `json:"password" openapi:"required"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// AcceptInvitation creates the invited person's login with the password they chose.
func (a *app) AcceptInvitation(ctx context.Context, in acceptInvitationInput) (store.User, error) {
	for _, err := range []error{
		checkPassword("password", in.Password),
		checkText("first_name", in.FirstName, 0, 100, "a first name"),
		checkText("last_name", in.LastName, 0, 100, "a last name"),
	} {
		if err != nil {
			return store.User{}, err
		}
	}
	hash, err := a.hashPassword(in.Password)
	if err != nil {
		return store.User{}, err
	}
	u, err := a.store.AcceptInvitation(ctx, hashToken(in.Token),
		store.NewUser{FirstName: in.FirstName, LastName: in.LastName, PasswordHash: hash})
	switch {
	case errors.Is(err, store.ErrNotFound):
		err = a.deadInvitation(ctx, in.Token, http.StatusUnprocessableEntity)
	case errors.Is(err, store.ErrDuplicate):
		err = errHasLogin
	}
	return u, err
}

// SignInWithIntuit finds the person Intuit identified by their Intuit subject, then by
// verified e-mail (linking the subject), or creates them with a new account of their
// own.
func (a *app) SignInWithIntuit(ctx context.Context, id IntuitIdentity) (store.User, error) {
	if id.Subject == "" {
		return store.User{}, badRequest("Intuit did not identify the person signing in")
	}
	inactive := &apiError{Status: http.StatusForbidden, Code: codeForbidden, Message: "this login is deactivated; ask an admin of your firm"}
	u, err := a.store.FindUserByIntuitSub(ctx, id.Subject)
	if err == nil {
		if !u.Active {
			return store.User{}, inactive
		}
		return u, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return store.User{}, err
	}
	email := strings.TrimSpace(id.Email)
	if email != "" && id.EmailVerified {
		u, err := a.store.FindUserByEmail(ctx, email)
		if err == nil {
			if !u.Active {
				return store.User{}, inactive
			}
			if err := a.store.SetIntuitSub(ctx, u.AccountID, u.ID, id.Subject); err != nil {
				return store.User{}, err
			}
			return u, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.User{}, err
		}
	}
	if email == "" {
		return store.User{}, badRequest("Intuit did not share an e-mail address; allow Hoursync to see it and try again")
	}
	name := strings.TrimSpace(id.GivenName + " " + id.FamilyName)
	firm := name
	if firm == "" {
		firm = email
	}
	_, u, err = a.store.CreateAccountWithOwner(ctx, store.NewAccount{Name: firm, TimeZone: "UTC"},
		store.NewUser{Email: email, FirstName: id.GivenName, LastName: id.FamilyName, IntuitSub: id.Subject})
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return store.User{}, &apiError{Status: http.StatusConflict, Code: codeDuplicate, Field: "email",
				Message: "this e-mail address already has a login; sign in with your password and connect QuickBooks from settings"}
		}
		return store.User{}, err
	}
	return u, nil
}

func (a *app) hashPassword(p string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(p), a.cost)
	if err != nil {
		return "", fmt.Errorf("server: hash password: %w", err)
	}
	return string(h), nil
}

// dummyHash is a bcrypt hash of a random password at the server's cost, computed once.
func (a *app) dummyHash() string {
	a.dummyOnce.Do(func() {
		h, _ := bcrypt.GenerateFromPassword([]byte(randomToken()), a.cost)
		a.dummy = string(h)
	})
	return a.dummy
}

// deadInvitation says plainly why the invitation link of token no longer works: it
// was used, it expired (on what day), or it is no invitation at all. Each way, a
// person with a login signs in.
func (a *app) deadInvitation(ctx context.Context, token string, status int) error {
	e := &apiError{Status: status, Code: codeNotFound, Field: "token"}
	st, err := a.store.FindInvitationStanding(ctx, hashToken(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		e.Message = "this invitation link is not one Hoursync sent: check that it was copied whole. If you already have a login, sign in"
	case err != nil:
		return err
	case st.AcceptedAt.Valid:
		e.Message = fmt.Sprintf("this invitation to %s was already used: its login exists. Sign in with it", st.AccountName)
	default:
		e.Message = fmt.Sprintf("this invitation to %s expired on %s: ask whoever invited you for a new one. If you already have a login, sign in",
			st.AccountName, st.ExpiresAt.In(zoneOf(st.TimeZone)).Format("2 Jan 2006"))
	}
	return e
}
