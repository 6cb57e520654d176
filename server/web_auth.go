package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The pages of signing up, in and out, password resets and accepting an invitation
// (auth.html). Each form calls the use case the JSON API calls (sessions.go); one
// that signs a person in starts the session here.

// authPage is an auth form: its page of auth.html, its title and its table of
// controls.
type authPage struct {
	page, title string
	controls    controls
}

// signInControls shows a sign-in refused as a whole (a wrong password, too many tries)
// beside the password.
var signInControls = controls{"": "password"}

var (
	signInPage = authPage{"signin", "Sign in", signInControls}
	signUpPage = authPage{"signup", "Create an account", nil}
	forgotPage = authPage{"forgot", "Reset your password", nil}
	resetPage  = authPage{"reset", "Choose a new password", nil}
	acceptPage = authPage{"accept", "Join your firm", nil}
)

func (s *Server) uiHome(c *gin.Context) {
	if _, ok := authOf(c); ok {
		s.redirect(c, "/timesheet")
		return
	}
	s.redirect(c, "/signin")
}

// uiAuthPage shows the auth form t; a signed-in person has nothing to do there but
// choose a new password.
func (s *Server) uiAuthPage(t authPage) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := authOf(c); ok && t.page != resetPage.page {
			s.redirect(c, "/timesheet")
			return
		}
		pd := s.pageData(c, t.title, "")
		pd.Page = t.page
		pd.Form.Set("token", c.Query("token"))
		if e := c.Query("error"); e != "" && pd.Error == nil {
			pd.Error = &apiError{Message: e}
		}
		s.render(c, http.StatusOK, "auth", pd)
	}
}

// authForm re-renders an auth form with err beside the control of its field.
func (s *Server) authForm(c *gin.Context, t authPage, err error) {
	e := t.controls.on(s.toAPIError(c, err))
	pd := s.pageData(c, t.title, "")
	pd.Page, pd.Error = t.page, e
	pd.Form = c.Request.PostForm
	pd.Form.Del("password")
	status := e.Status
	if status == 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, "auth", pd)
}

// signedIn starts the session of u and sends the browser on to its timesheet with
// welcome ("" for none); t says where the form is, should the session not start.
func (s *Server) signedIn(c *gin.Context, u store.User, welcome string, t authPage) {
	if _, err := s.startSession(c, u); err != nil {
		s.authForm(c, t, err)
		return
	}
	if welcome != "" {
		s.flash(c, "ok", welcome)
	}
	s.redirect(c, "/timesheet")
}

func (s *Server) uiSignIn(c *gin.Context) {
	_ = c.Request.ParseForm()
	in := signInInput{Email: c.PostForm("email"), Password: c.PostForm("password")}
	u, err := s.app.SignIn(c.Request.Context(), in, c.ClientIP())
	if err != nil {
		s.authForm(c, signInPage, err)
		return
	}
	s.signedIn(c, u, "", signInPage)
}

func (s *Server) uiSignUp(c *gin.Context) {
	_ = c.Request.ParseForm()
	in := signUpInput{FirmName: c.PostForm("firm_name"), FirstName: c.PostForm("first_name"), LastName: c.PostForm("last_name"),
		Email: c.PostForm("email"), Password: c.PostForm("password")}
	u, err := s.app.SignUp(c.Request.Context(), in)
	if err != nil {
		s.authForm(c, signUpPage, err)
		return
	}
	s.signedIn(c, u, "Welcome to Hoursync. Add your customers and services, or connect QuickBooks in settings to import them.", signUpPage)
}

func (s *Server) uiSignOut(c *gin.Context) {
	if err := s.app.EndSession(c.Request.Context(), mustAuth(c).Session); err != nil {
		s.log.WarnContext(c.Request.Context(), "sign out", "request_id", requestID(c), "err", err)
	}
	s.clearCookie(c, sessionCookie)
	s.redirect(c, "/signin")
}

func (s *Server) uiForgot(c *gin.Context) {
	_ = c.Request.ParseForm()
	if err := s.app.RequestPasswordReset(c.Request.Context(), resetInput{Email: c.PostForm("email")}); err != nil {
		s.authForm(c, forgotPage, err)
		return
	}
	pd := s.pageData(c, forgotPage.title, "")
	pd.Page, pd.Data = forgotPage.page, true
	s.render(c, http.StatusOK, "auth", pd)
}

func (s *Server) uiReset(c *gin.Context) {
	_ = c.Request.ParseForm()
	in := completeResetInput{Token: c.PostForm("token"), Password: c.PostForm("password")}
	if err := s.app.CompletePasswordReset(c.Request.Context(), in); err != nil {
		s.authForm(c, resetPage, err)
		return
	}
	s.flash(c, "ok", "Your password is changed. Sign in with it.")
	s.redirect(c, "/signin")
}

func (s *Server) uiAcceptPage(c *gin.Context) {
	pd := s.pageData(c, acceptPage.title, "")
	pd.Page = acceptPage.page
	token := c.Query("token")
	pd.Form.Set("token", token)
	look, err := s.app.LookupInvitation(c.Request.Context(), token)
	if err != nil {
		// Whatever went wrong, the page shows it on the link's token.
		ae := *s.toAPIError(c, err)
		ae.Field = "token"
		pd.Error = &ae
	} else {
		pd.Data = look
		pd.Form.Set("first_name", look.FirstName)
		pd.Form.Set("last_name", look.LastName)
	}
	s.render(c, http.StatusOK, "auth", pd)
}

func (s *Server) uiAccept(c *gin.Context) {
	_ = c.Request.ParseForm()
	in := acceptInvitationInput{Token: c.PostForm("token"), FirstName: c.PostForm("first_name"), LastName: c.PostForm("last_name"),
		Password: c.PostForm("password")}
	u, err := s.app.AcceptInvitation(c.Request.Context(), in)
	if err != nil {
		s.authForm(c, acceptPage, err)
		return
	}
	s.signedIn(c, u, "Welcome. Record your time below.", acceptPage)
}
