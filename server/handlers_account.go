package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

type accountJSON struct {
	ID                int64     `json:"id"`
	Name              string    `json:"name"`
	TimeZone          string    `json:"time_zone"`
	WeekStart         int       `json:"week_start"`
	IncomeAccountName string    `json:"income_account_name"`
	ResyncInterval    string    `json:"resync_interval"`
	CreatedAt         time.Time `json:"created_at"`
}

func toAccountJSON(a store.Account) accountJSON {
	return accountJSON{ID: a.ID, Name: a.Name, TimeZone: a.TimeZone, WeekStart: a.WeekStart,
		IncomeAccountName: a.IncomeAccountName, ResyncInterval: a.ResyncInterval, CreatedAt: a.CreatedAt}
}

func (s *Server) getSettings(c *gin.Context) {
	a, err := s.store.GetAccount(c.Request.Context(), mustAuth(c).AccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toAccountJSON(a))
}

type settingsRequest struct {
	TimeZone          *string `json:"time_zone"`
	WeekStart         *int    `json:"week_start"`
	IncomeAccountName *string `json:"income_account_name"`
	ResyncInterval    *string `json:"resync_interval"`
}

func (s *Server) updateSettings(c *gin.Context) {
	var req settingsRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	accountID := mustAuth(c).AccountID
	acct, err := s.store.GetAccount(ctx, accountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	in := store.AccountSettings{TimeZone: acct.TimeZone, WeekStart: acct.WeekStart,
		IncomeAccountName: acct.IncomeAccountName, ResyncInterval: acct.ResyncInterval}
	if req.TimeZone != nil {
		if err := checkTimeZone("time_zone", *req.TimeZone); err != nil {
			s.fail(c, err)
			return
		}
		in.TimeZone = *req.TimeZone
	}
	if req.WeekStart != nil {
		if *req.WeekStart < 0 || *req.WeekStart > 6 {
			s.fail(c, invalid("week_start", "choose a day from 0 (Sunday) to 6 (Saturday)"))
			return
		}
		in.WeekStart = *req.WeekStart
	}
	if req.IncomeAccountName != nil {
		name := strings.TrimSpace(*req.IncomeAccountName)
		if err := checkText("income_account_name", name, 1, 100, "an income account name"); err != nil {
			s.fail(c, err)
			return
		}
		// Once income accounts were imported, the name must be one of them.
		imported, err := s.store.ListIncomeAccounts(ctx, accountID, "")
		if err != nil {
			s.fail(c, err)
			return
		}
		if len(imported) > 0 {
			found := false
			for _, ia := range imported {
				if strings.EqualFold(ia.Name, name) {
					found, name = true, ia.Name
				}
			}
			if !found {
				s.fail(c, invalid("income_account_name", "choose one of the income accounts imported from QuickBooks"))
				return
			}
		}
		in.IncomeAccountName = name
	}
	if req.ResyncInterval != nil {
		switch *req.ResyncInterval {
		case "off", "hourly", "daily":
		default:
			s.fail(c, invalid("resync_interval", "choose off, hourly or daily"))
			return
		}
		in.ResyncInterval = *req.ResyncInterval
	}
	updated, err := s.store.UpdateAccountSettings(ctx, accountID, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	if updated.ResyncInterval != acct.ResyncInterval && s.syncer != nil {
		if connected, err := s.store.HasConnection(ctx, accountID); err == nil && connected {
			if err := s.syncer.EnsureSchedules(ctx, accountID, updated.ResyncInterval); err != nil {
				s.log.WarnContext(ctx, "update re-sync schedule", "request_id", requestID(c), "account_id", accountID, "err", err)
			}
		}
	}
	c.JSON(http.StatusOK, toAccountJSON(updated))
}

func (s *Server) listUsers(c *gin.Context) {
	users, err := s.store.ListUsers(c.Request.Context(), mustAuth(c).AccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		out = append(out, toUserJSON(u))
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (s *Server) getUser(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	u, err := s.store.GetUser(c.Request.Context(), mustAuth(c).AccountID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toUserJSON(u))
}

type userUpdateRequest struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Email     *string `json:"email"`
	Role      *string `json:"role"`
	Active    *bool   `json:"active"`
}

// updateUser lets a person edit their own name and e-mail, and an admin edit anyone's,
// including role and active flag. The owner's role is fixed and owners cannot be
// deactivated.
func (s *Server) updateUser(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	var req userUpdateRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	a := mustAuth(c)
	ctx := c.Request.Context()
	u, err := s.store.GetUser(ctx, a.AccountID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !a.User.IsAdmin() && u.ID != a.User.ID {
		s.fail(c, errForbidden)
		return
	}
	in := store.UserUpdate{FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Role: u.Role, Active: u.Active}
	if req.FirstName != nil {
		if err := checkText("first_name", *req.FirstName, 1, 100, "a first name"); err != nil {
			s.fail(c, err)
			return
		}
		in.FirstName = *req.FirstName
	}
	if req.LastName != nil {
		if err := checkText("last_name", *req.LastName, 0, 100, "a last name"); err != nil {
			s.fail(c, err)
			return
		}
		in.LastName = *req.LastName
	}
	if req.Email != nil {
		if err := checkEmail("email", *req.Email); err != nil {
			s.fail(c, err)
			return
		}
		in.Email = *req.Email
	}
	if req.Role != nil && *req.Role != u.Role {
		switch {
		case !a.User.IsAdmin():
			s.fail(c, errForbidden)
			return
		case u.Role == store.RoleOwner:
			s.fail(c, invalid("role", "the owner's role cannot change"))
			return
		case *req.Role != store.RoleAdmin && *req.Role != store.RoleMember:
			s.fail(c, invalid("role", "choose admin or member"))
			return
		}
		in.Role = *req.Role
	}
	if req.Active != nil && *req.Active != u.Active {
		switch {
		case !a.User.IsAdmin():
			s.fail(c, errForbidden)
			return
		case u.Role == store.RoleOwner || u.ID == a.User.ID:
			s.fail(c, invalid("active", "you cannot deactivate the owner or yourself"))
			return
		}
		in.Active = *req.Active
	}
	updated, err := s.store.UpdateUser(ctx, a.AccountID, id, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !updated.Active {
		if err := s.store.DeleteUserSessions(ctx, a.AccountID, id); err != nil {
			s.fail(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, toUserJSON(updated))
}

type invitationRequest struct {
	Email     string `json:"email" openapi:"required"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Role      string `json:"role"`
}

func (s *Server) listInvitations(c *gin.Context) {
	invs, err := s.store.ListInvitations(c.Request.Context(), mustAuth(c).AccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": invs})
}

func (s *Server) createInvitation(c *gin.Context) {
	var req invitationRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.Role == "" {
		req.Role = store.RoleMember
	}
	for _, err := range []error{
		checkEmail("email", req.Email),
		checkText("first_name", req.FirstName, 0, 100, "a first name"),
		checkText("last_name", req.LastName, 0, 100, "a last name"),
	} {
		if err != nil {
			s.fail(c, err)
			return
		}
	}
	if req.Role != store.RoleAdmin && req.Role != store.RoleMember {
		s.fail(c, invalid("role", "choose admin or member"))
		return
	}
	a := mustAuth(c)
	ctx := c.Request.Context()
	token := randomToken()
	inv, err := s.store.CreateInvitation(ctx, a.AccountID, store.NewInvitation{
		Email: req.Email, FirstName: req.FirstName, LastName: req.LastName, Role: req.Role,
		InvitedBy: a.User.ID, TokenHash: hashToken(token), ExpiresAt: s.now().Add(invitationTTL),
	})
	if err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			err = &apiError{Status: http.StatusConflict, Code: codeDuplicate, Field: "email", Message: "this e-mail address already has a Hoursync login"}
		}
		s.fail(c, err)
		return
	}
	acct, err := s.store.GetAccount(ctx, a.AccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	link := s.cfg.PublicURL + "/invitations/accept?token=" + token
	body := "Hello " + strings.TrimSpace(req.FirstName) + ",\n\n" + a.User.FullName() + " invited you to record your hours for " + acct.Name +
		" in Hoursync. To accept, choose a password through this link within 7 days:\n\n" + link + "\n"
	if err := s.mailer.Send(ctx, Mail{AccountID: a.AccountID, To: inv.Email, Subject: "Join " + acct.Name + " on Hoursync", Body: body}); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, inv)
}

func (s *Server) deleteInvitation(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	if err := s.store.DeleteInvitation(c.Request.Context(), mustAuth(c).AccountID, id); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// lookupInvitation shows the accept page whom the link invites, and to which firm.
func (s *Server) lookupInvitation(c *gin.Context) {
	token := c.Query("token")
	ctx := c.Request.Context()
	inv, err := s.store.FindInvitation(ctx, hashToken(token))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = notFound("token", "invitation (it may have expired or been used)")
		}
		s.fail(c, err)
		return
	}
	acct, err := s.store.GetAccount(ctx, inv.AccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"email": inv.Email, "first_name": inv.FirstName, "last_name": inv.LastName, "role": inv.Role, "account_name": acct.Name})
}

type acceptInvitationRequest struct {
	Token     string `json:"token" openapi:"required"`
	Password  string `json:"password" openapi:"required"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

func (s *Server) acceptInvitation(c *gin.Context) {
	var req acceptInvitationRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	for _, err := range []error{
		checkPassword("password", req.Password),
		checkText("first_name", req.FirstName, 0, 100, "a first name"),
		checkText("last_name", req.LastName, 0, 100, "a last name"),
	} {
		if err != nil {
			s.fail(c, err)
			return
		}
	}
	hash, err := s.hashPassword(req.Password)
	if err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.store.AcceptInvitation(c.Request.Context(), hashToken(req.Token),
		store.NewUser{FirstName: req.FirstName, LastName: req.LastName, PasswordHash: hash})
	if err != nil {
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = invalid("token", "this invitation is invalid, expired or already used; ask for a new one")
		case errors.Is(err, store.ErrDuplicate):
			err = &apiError{Status: http.StatusConflict, Code: codeDuplicate, Field: "email", Message: "this e-mail address already has a Hoursync login"}
		}
		s.fail(c, err)
		return
	}
	s.respondSignedIn(c, u, http.StatusCreated)
}

type apiTokenRequest struct {
	Name string `json:"name" openapi:"required"`
}

func (s *Server) listAPITokens(c *gin.Context) {
	a := mustAuth(c)
	toks, err := s.store.ListAPITokens(c.Request.Context(), a.AccountID, a.User.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": toks})
}

// createAPIToken answers the token once; only its hash is kept.
func (s *Server) createAPIToken(c *gin.Context) {
	var req apiTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := checkText("name", req.Name, 1, 100, "a name for the token"); err != nil {
		s.fail(c, err)
		return
	}
	a := mustAuth(c)
	raw := apiTokenPrefix + randomToken()
	tok, err := s.store.CreateAPIToken(c.Request.Context(), a.AccountID, a.User.ID, req.Name, hashToken(raw))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"token": raw, "api_token": tok})
}

func (s *Server) deleteAPIToken(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	a := mustAuth(c)
	if err := s.store.DeleteAPIToken(c.Request.Context(), a.AccountID, a.User.ID, id); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// devOutbox lists the account's mail; it exists only when no SMTP server is set.
func (s *Server) devOutbox(c *gin.Context) {
	if s.cfg.SMTPURL != "" {
		s.fail(c, errNotFound)
		return
	}
	p, ok := s.page(c)
	if !ok {
		return
	}
	mails, err := s.store.ListOutboxMail(c.Request.Context(), mustAuth(c).AccountID, p.store())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, paged(p, mails))
}

type deleteAccountRequest struct {
	// Confirm is the firm's name, typed by the owner.
	Confirm string `json:"confirm" openapi:"required"`
}

// deleteAccount deletes the firm's account with everything in it. Only the owner may,
// confirming with the firm's name. QuickBooks is disconnected first (the grant revoked
// at Intuit), then the account's schedules and running syncs are removed from Temporal,
// and nothing is deleted unless that worked; what was synced stays in QuickBooks.
func (s *Server) deleteAccount(c *gin.Context) {
	a := mustAuth(c)
	if a.User.Role != store.RoleOwner {
		s.fail(c, &apiError{Status: http.StatusForbidden, Code: codeForbidden, Message: "only the account's owner can delete it"})
		return
	}
	var req deleteAccountRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	acct, err := s.store.GetAccount(ctx, a.AccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if strings.TrimSpace(req.Confirm) != acct.Name {
		s.fail(c, invalid("confirm", "type the firm's name, %s, to confirm", acct.Name))
		return
	}
	if s.syncer == nil {
		s.fail(c, errNoSyncer)
		return
	}
	connected, err := s.store.HasConnection(ctx, a.AccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if connected {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := s.syncer.Disconnect(dctx, a.AccountID)
		cancel()
		if err != nil {
			s.log.WarnContext(ctx, "delete account: disconnect", "request_id", requestID(c), "account_id", a.AccountID, "err", err)
			s.fail(c, &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable,
				Message: "disconnecting from QuickBooks did not finish, so nothing was deleted; try again in a minute"})
			return
		}
	}
	if err := s.syncer.RemoveAccount(ctx, a.AccountID); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.DeleteAccount(ctx, a.AccountID); err != nil {
		s.fail(c, err)
		return
	}
	s.log.InfoContext(ctx, "account deleted", "request_id", requestID(c), "account_id", a.AccountID, "user_id", a.User.ID)
	s.clearCookie(c, sessionCookie)
	c.Status(http.StatusNoContent)
}
