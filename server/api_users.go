package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The JSON API of users, invitations and personal API tokens: each handler decodes,
// calls its use case (users.go) and encodes (the adapters in api.go).

func (s *Server) listUsers(c *gin.Context)  { itemsCall(s, c, s.app.ListUsers) }
func (s *Server) getUser(c *gin.Context)    { idCall(s, c, s.app.GetUser) }
func (s *Server) updateUser(c *gin.Context) { idJSONCall(s, c, s.app.UpdateUser) }

func (s *Server) listInvitations(c *gin.Context)  { itemsCall(s, c, s.app.ListInvitations) }
func (s *Server) createInvitation(c *gin.Context) { jsonCall(s, c, http.StatusCreated, s.app.Invite) }
func (s *Server) deleteInvitation(c *gin.Context) { idDone(s, c, s.app.WithdrawInvitation) }

func (s *Server) listAPITokens(c *gin.Context) { itemsCall(s, c, s.app.ListAPITokens) }
func (s *Server) createAPIToken(c *gin.Context) {
	jsonCall(s, c, http.StatusCreated, s.app.CreateAPIToken)
}
func (s *Server) deleteAPIToken(c *gin.Context) { idDone(s, c, s.app.DeleteAPIToken) }
