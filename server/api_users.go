package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The JSON API of users, invitations and personal API tokens: each handler decodes,
// calls its use case (users.go) and encodes.

func (s *Server) listUsers(c *gin.Context) {
	users, err := s.app.ListUsers(c.Request.Context(), actorOf(c))
	s.answer(c, http.StatusOK, itemsJSON[userJSON]{Items: users}, err)
}

func (s *Server) getUser(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	u, err := s.app.GetUser(c.Request.Context(), actorOf(c), id)
	s.answer(c, http.StatusOK, u, err)
}

func (s *Server) updateUser(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	var in userUpdateInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.app.UpdateUser(c.Request.Context(), actorOf(c), id, in)
	s.answer(c, http.StatusOK, u, err)
}

func (s *Server) listInvitations(c *gin.Context) {
	invs, err := s.app.ListInvitations(c.Request.Context(), actorOf(c))
	s.answer(c, http.StatusOK, itemsJSON[store.Invitation]{Items: invs}, err)
}

func (s *Server) createInvitation(c *gin.Context) {
	var in invitationInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	inv, err := s.app.Invite(c.Request.Context(), actorOf(c), in)
	s.answer(c, http.StatusCreated, inv, err)
}

func (s *Server) deleteInvitation(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	s.noContent(c, s.app.WithdrawInvitation(c.Request.Context(), actorOf(c), id))
}

func (s *Server) listAPITokens(c *gin.Context) {
	toks, err := s.app.ListAPITokens(c.Request.Context(), actorOf(c))
	s.answer(c, http.StatusOK, itemsJSON[store.APIToken]{Items: toks}, err)
}

func (s *Server) createAPIToken(c *gin.Context) {
	var in apiTokenInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	tok, err := s.app.CreateAPIToken(c.Request.Context(), actorOf(c), in)
	s.answer(c, http.StatusCreated, tok, err)
}

func (s *Server) deleteAPIToken(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	s.noContent(c, s.app.DeleteAPIToken(c.Request.Context(), actorOf(c), id))
}
