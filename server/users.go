package server

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"hoursync/internal/store"
)

// The people use cases: users, invitations and personal API tokens. Accepting an
// invitation is in sessions.go (it signs the person in).

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

// FullName is the user's first and last name.
func (u userJSON) FullName() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// ListUsers lists the account's users.
func (a *app) ListUsers(ctx context.Context, by actor) ([]userJSON, error) {
	users, err := a.store.ListUsers(ctx, by.AccountID)
	if err != nil {
		return nil, err
	}
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		out = append(out, toUserJSON(u))
	}
	return out, nil
}

// GetUser is one user of the account.
func (a *app) GetUser(ctx context.Context, by actor, id int64) (userJSON, error) {
	u, err := a.store.GetUser(ctx, by.AccountID, id)
	return toUserJSON(u), err
}

// userUpdateInput is the fields of a user to change (nil: keep).
type userUpdateInput struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Email     *string `json:"email"`
	Role      *string `json:"role"`
	Active    *bool   `json:"active"`
}

// UpdateUser lets a person edit their own name and e-mail, and an admin edit anyone's,
// including role and active flag. The owner's role is fixed and owners cannot be
// deactivated; a deactivated user's sessions end.
func (a *app) UpdateUser(ctx context.Context, by actor, id int64, in userUpdateInput) (userJSON, error) {
	u, err := a.store.GetUser(ctx, by.AccountID, id)
	if err != nil {
		return userJSON{}, err
	}
	if !by.admin() && u.ID != by.User.ID {
		return userJSON{}, errForbidden
	}
	up := store.UserUpdate{FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Role: u.Role, Active: u.Active}
	if in.FirstName != nil {
		if err := checkText("first_name", *in.FirstName, 1, 100, "a first name"); err != nil {
			return userJSON{}, err
		}
		up.FirstName = *in.FirstName
	}
	if in.LastName != nil {
		if err := checkText("last_name", *in.LastName, 0, 100, "a last name"); err != nil {
			return userJSON{}, err
		}
		up.LastName = *in.LastName
	}
	if in.Email != nil {
		if err := checkEmail("email", *in.Email); err != nil {
			return userJSON{}, err
		}
		up.Email = *in.Email
	}
	if in.Role != nil && *in.Role != u.Role {
		switch {
		case !by.admin():
			return userJSON{}, errForbidden
		case u.Role == store.RoleOwner:
			return userJSON{}, invalid("role", "the owner's role cannot change")
		case *in.Role != store.RoleAdmin && *in.Role != store.RoleMember:
			return userJSON{}, invalid("role", "choose admin or member")
		}
		up.Role = *in.Role
	}
	if in.Active != nil && *in.Active != u.Active {
		switch {
		case !by.admin():
			return userJSON{}, errForbidden
		case u.Role == store.RoleOwner || u.ID == by.User.ID:
			return userJSON{}, invalid("active", "you cannot deactivate the owner or yourself")
		}
		up.Active = *in.Active
	}
	updated, err := a.store.UpdateUser(ctx, by.AccountID, id, up)
	if err != nil {
		return userJSON{}, err
	}
	if !updated.Active {
		if err := a.store.DeleteUserSessions(ctx, by.AccountID, id); err != nil {
			return userJSON{}, err
		}
	}
	return toUserJSON(updated), nil
}

// ListInvitations lists the invitations not accepted yet.
func (a *app) ListInvitations(ctx context.Context, by actor) ([]store.Invitation, error) {
	if err := requireAdmin(by); err != nil {
		return nil, err
	}
	return a.store.ListInvitations(ctx, by.AccountID)
}

type invitationInput struct {
	Email     string `json:"email" openapi:"required"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Role      string `json:"role"`
}

// errHasLogin refuses an address that already has a login (logins are global).
var errHasLogin = &apiError{Status: http.StatusConflict, Code: codeDuplicate, Field: "email", Message: "this e-mail address already has a Hoursync login"}

// Invite invites someone by e-mail to the account, as a member unless the input says
// admin; the mail's link is valid for a week.
func (a *app) Invite(ctx context.Context, by actor, in invitationInput) (store.Invitation, error) {
	if err := requireAdmin(by); err != nil {
		return store.Invitation{}, err
	}
	if in.Role == "" {
		in.Role = store.RoleMember
	}
	for _, err := range []error{
		checkEmail("email", in.Email),
		checkText("first_name", in.FirstName, 0, 100, "a first name"),
		checkText("last_name", in.LastName, 0, 100, "a last name"),
	} {
		if err != nil {
			return store.Invitation{}, err
		}
	}
	if in.Role != store.RoleAdmin && in.Role != store.RoleMember {
		return store.Invitation{}, invalid("role", "choose admin or member")
	}
	token := randomToken()
	inv, err := a.store.CreateInvitation(ctx, by.AccountID, store.NewInvitation{
		Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, Role: in.Role,
		InvitedBy: by.User.ID, TokenHash: hashToken(token), ExpiresAt: a.now().Add(invitationTTL),
	})
	if errors.Is(err, store.ErrDuplicate) {
		err = errHasLogin
	}
	if err != nil {
		return store.Invitation{}, err
	}
	acct, err := a.store.GetAccount(ctx, by.AccountID)
	if err != nil {
		return store.Invitation{}, err
	}
	link := a.cfg.PublicURL + "/invitations/accept?token=" + token
	body := "Hello " + strings.TrimSpace(in.FirstName) + ",\n\n" + by.User.FullName() + " invited you to record your hours for " + acct.Name +
		" in Hoursync. To accept, choose a password through this link within 7 days:\n\n" + link + "\n"
	if err := a.mailer.Send(ctx, Mail{AccountID: by.AccountID, To: inv.Email, Subject: "Join " + acct.Name + " on Hoursync", Body: body}); err != nil {
		return store.Invitation{}, err
	}
	return inv, nil
}

// WithdrawInvitation withdraws an invitation; its link stops working.
func (a *app) WithdrawInvitation(ctx context.Context, by actor, id int64) error {
	if err := requireAdmin(by); err != nil {
		return err
	}
	return a.store.DeleteInvitation(ctx, by.AccountID, id)
}

// ListAPITokens lists the actor's own personal API tokens.
func (a *app) ListAPITokens(ctx context.Context, by actor) ([]store.APIToken, error) {
	return a.store.ListAPITokens(ctx, by.AccountID, by.User.ID)
}

type apiTokenInput struct {
	Name string `json:"name" openapi:"required"`
}

// CreateAPIToken creates a personal API token of the actor. The token is in this
// answer only; only its hash is kept.
func (a *app) CreateAPIToken(ctx context.Context, by actor, in apiTokenInput) (createdTokenJSON, error) {
	if err := checkText("name", in.Name, 1, 100, "a name for the token"); err != nil {
		return createdTokenJSON{}, err
	}
	raw := apiTokenPrefix + randomToken()
	tok, err := a.store.CreateAPIToken(ctx, by.AccountID, by.User.ID, in.Name, hashToken(raw))
	return createdTokenJSON{Token: raw, APIToken: tok}, err
}

// DeleteAPIToken revokes one of the actor's personal API tokens.
func (a *app) DeleteAPIToken(ctx context.Context, by actor, id int64) error {
	return a.store.DeleteAPIToken(ctx, by.AccountID, by.User.ID, id)
}
