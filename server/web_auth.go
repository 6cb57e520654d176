package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The pages of signing up, in and out, password resets and accepting an invitation
// (auth.html). Each form calls the use case the JSON API calls (sessions.go); one
// that signs a person in starts the session here.

// signInControls shows a sign-in refused as a whole (a wrong password, too many tries)
// beside the password.
var signInControls = controls{"": "password"}

func (s *Server) uiHome(c *gin.Context) {
	if _, ok := authOf(c); ok {
		s.redirect(c, "/timesheet")
		return
	}
	s.redirect(c, "/signin")
}

func (s *Server) uiAuthPage(page, title string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := authOf(c); ok && page != "reset" {
			s.redirect(c, "/timesheet")
			return
		}
		pd := s.pageData(c, title, "")
		pd.Page = page
		pd.Form.Set("token", c.Query("token"))
		if e := c.Query("error"); e != "" && pd.Error == nil {
			pd.Error = &apiError{Message: e}
		}
		s.render(c, http.StatusOK, "auth", pd)
	}
}

// authForm re-renders an auth page with the error beside its field.
func (s *Server) authForm(c *gin.Context, page, title string, e *apiError) {
	pd := s.pageData(c, title, "")
	pd.Page, pd.Error = page, e
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
		s.authForm(c, t.page, t.title, t.controls.on(s.toAPIError(c, err)))
		return
	}
	if welcome != "" {
		s.flash(c, "ok", welcome)
	}
	s.redirect(c, "/timesheet")
}

// authPage is an auth form: its page, title and table of controls.
type authPage struct {
	page, title string
	controls    controls
}

var (
	signInPage = authPage{"signin", "Sign in", signInControls}
	signUpPage = authPage{"signup", "Create an account", nil}
	acceptPage = authPage{"accept", "Join your firm", nil}
)

func (s *Server) uiSignIn(c *gin.Context) {
	_ = c.Request.ParseForm()
	in := signInInput{Email: c.PostForm("email"), Password: c.PostForm("password")}
	u, err := s.app.SignIn(c.Request.Context(), in, c.ClientIP())
	if err != nil {
		s.authForm(c, signInPage.page, signInPage.title, signInControls.on(s.toAPIError(c, err)))
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
		s.authForm(c, signUpPage.page, signUpPage.title, s.toAPIError(c, err))
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
		s.authForm(c, "forgot", "Reset your password", s.toAPIError(c, err))
		return
	}
	pd := s.pageData(c, "Reset your password", "")
	pd.Page, pd.Data = "forgot", true
	s.render(c, http.StatusOK, "auth", pd)
}

func (s *Server) uiReset(c *gin.Context) {
	_ = c.Request.ParseForm()
	in := completeResetInput{Token: c.PostForm("token"), Password: c.PostForm("password")}
	if err := s.app.CompletePasswordReset(c.Request.Context(), in); err != nil {
		s.authForm(c, "reset", "Choose a new password", s.toAPIError(c, err))
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
		s.authForm(c, acceptPage.page, acceptPage.title, s.toAPIError(c, err))
		return
	}
	s.signedIn(c, u, "Welcome. Record your time below.", acceptPage)
}
