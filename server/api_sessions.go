package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The JSON API of signing up, in and out, password resets and invitations: each
// handler decodes, calls its use case (sessions.go) and encodes; one that signs a
// person in starts the session (the cookie) and answers who is signed in.

// respondSignedIn starts a session for u (a fresh cookie) and answers with the signed-in
// user, account and CSRF token.
func (s *Server) respondSignedIn(c *gin.Context, u store.User, status int) {
	sess, err := s.startSession(c, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	body, err := s.app.Session(c.Request.Context(), u, &sess)
	s.answer(c, status, body, err)
}

func (s *Server) signUp(c *gin.Context) {
	var in signUpInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.app.SignUp(c.Request.Context(), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.respondSignedIn(c, u, http.StatusCreated)
}

func (s *Server) signIn(c *gin.Context) {
	var in signInInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.app.SignIn(c.Request.Context(), in, c.ClientIP())
	if err != nil {
		s.throttledFor(c, err)
		s.fail(c, err)
		return
	}
	s.respondSignedIn(c, u, http.StatusOK)
}

// throttledFor tells a throttled client when to try again.
func (s *Server) throttledFor(c *gin.Context, err error) {
	if errors.Is(err, errThrottled) {
		c.Header("Retry-After", fmt.Sprint(int(throttleWindow.Seconds())))
	}
}

func (s *Server) signOut(c *gin.Context) {
	if err := s.app.EndSession(c.Request.Context(), mustAuth(c).Session); err != nil {
		s.fail(c, err)
		return
	}
	s.clearCookie(c, sessionCookie)
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) {
	a := mustAuth(c)
	body, err := s.app.Session(c.Request.Context(), a.User, a.Session)
	s.answer(c, http.StatusOK, body, err)
}

// requestPasswordReset answers 202 whether or not the address has a login.
func (s *Server) requestPasswordReset(c *gin.Context) {
	var in resetInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	err := s.app.RequestPasswordReset(c.Request.Context(), in)
	s.answer(c, http.StatusAccepted, messageJSON{Message: "if this address has a login, a reset link is on its way"}, err)
}

func (s *Server) completePasswordReset(c *gin.Context) {
	var in completeResetInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	s.noContent(c, s.app.CompletePasswordReset(c.Request.Context(), in))
}

func (s *Server) lookupInvitation(c *gin.Context) {
	look, err := s.app.LookupInvitation(c.Request.Context(), c.Query("token"))
	s.answer(c, http.StatusOK, look, err)
}

func (s *Server) acceptInvitation(c *gin.Context) {
	var in acceptInvitationInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.app.AcceptInvitation(c.Request.Context(), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.respondSignedIn(c, u, http.StatusCreated)
}
