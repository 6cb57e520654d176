package server

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The users page (users.html): the account's users and, for admins, their roles, the
// invitation form and the pending invitations.

// usersData feeds the users page.
type usersData struct {
	Users       []userJSON
	Invitations []store.Invitation
}

func (s *Server) uiUsers(c *gin.Context) { s.usersPage(c, http.StatusOK, nil, nil) }

func (s *Server) usersPage(c *gin.Context, status int, f url.Values, e *apiError) {
	pd := s.pageData(c, "Users", "users")
	ctx, by := c.Request.Context(), actorOf(c)
	d := &usersData{}
	var err error
	if d.Users, err = s.app.ListUsers(ctx, by); err != nil {
		s.fail(c, err)
		return
	}
	if by.admin() {
		if d.Invitations, err = s.app.ListInvitations(ctx, by); err != nil {
			s.fail(c, err)
			return
		}
	}
	if f != nil {
		pd.Form = f
	}
	pd.Data = d
	pd.setError(e)
	s.render(c, status, "users", pd)
}

// invitationForm parses the invitation form into the input the JSON API decodes.
func invitationForm(f url.Values) invitationInput {
	return invitationInput{Email: f.Get("email"), FirstName: f.Get("first_name"), LastName: f.Get("last_name"), Role: f.Get("role")}
}

func (s *Server) uiInvite(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	if _, err := s.app.Invite(c.Request.Context(), actorOf(c), invitationForm(f)); err != nil {
		s.usersPage(c, http.StatusUnprocessableEntity, f, s.toAPIError(c, err))
		return
	}
	s.flash(c, "ok", "Invitation sent to "+f.Get("email")+".")
	s.redirect(c, "/users")
}

// userForm parses a user's row of the users page (role and active) into the input the
// JSON API decodes.
func userForm(f url.Values) userUpdateInput {
	role, active := f.Get("role"), f.Get("active") != "false"
	return userUpdateInput{Role: &role, Active: &active}
}

func (s *Server) uiUpdateUser(c *gin.Context) {
	_ = c.Request.ParseForm()
	id, err := formID(c)
	if err == nil {
		_, err = s.app.UpdateUser(c.Request.Context(), actorOf(c), id, userForm(c.Request.PostForm))
	}
	if err != nil {
		s.flashError(c, err)
	} else {
		s.flash(c, "ok", "User saved.")
	}
	s.redirect(c, "/users")
}

func (s *Server) uiWithdrawInvitation(c *gin.Context) {
	_ = c.Request.ParseForm()
	if !s.confirmed(c, "users", "/users", confirmData{Question: "Withdraw the invitation?", Detail: "Its link stops working.", Yes: "Withdraw"}) {
		return
	}
	id, err := formID(c)
	if err == nil {
		err = s.app.WithdrawInvitation(c.Request.Context(), actorOf(c), id)
	}
	if err != nil {
		s.flashError(c, err)
	} else {
		s.flash(c, "ok", "Invitation withdrawn.")
	}
	s.redirect(c, "/users")
}
