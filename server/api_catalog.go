package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The JSON API of customers, services and income accounts: each handler decodes,
// calls its use case (catalog.go, syncing.go) and encodes (the adapters in api.go).

func (s *Server) listCustomers(c *gin.Context) { searchCall(s, c, s.app.ListCustomers) }
func (s *Server) getCustomer(c *gin.Context)   { idCall(s, c, s.app.GetCustomer) }
func (s *Server) createCustomer(c *gin.Context) {
	jsonCall(s, c, http.StatusCreated, s.app.CreateCustomer)
}
func (s *Server) updateCustomer(c *gin.Context) { idJSONCall(s, c, s.app.UpdateCustomer) }

func (s *Server) resyncCustomers(c *gin.Context) {
	st, err := s.app.ResyncCustomers(c.Request.Context(), actorOf(c))
	s.started(c, st, err)
}

func (s *Server) listServices(c *gin.Context) { searchCall(s, c, s.app.ListServices) }
func (s *Server) getService(c *gin.Context)   { idCall(s, c, s.app.GetService) }
func (s *Server) createService(c *gin.Context) {
	jsonCall(s, c, http.StatusCreated, s.app.CreateService)
}
func (s *Server) updateService(c *gin.Context) { idJSONCall(s, c, s.app.UpdateService) }

func (s *Server) listIncomeAccounts(c *gin.Context) { itemsCall(s, c, s.app.ListIncomeAccounts) }
