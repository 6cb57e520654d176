package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The JSON API of customers, services and income accounts: each handler decodes,
// calls its use case (catalog.go, syncing.go) and encodes.

func (s *Server) listCustomers(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	list, err := s.app.ListCustomers(c.Request.Context(), actorOf(c), c.Query("q"), p)
	s.answer(c, http.StatusOK, list, err)
}

func (s *Server) getCustomer(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	cu, err := s.app.GetCustomer(c.Request.Context(), actorOf(c), id)
	s.answer(c, http.StatusOK, cu, err)
}

func (s *Server) createCustomer(c *gin.Context) {
	var in customerInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	cu, err := s.app.CreateCustomer(c.Request.Context(), actorOf(c), in)
	s.answer(c, http.StatusCreated, cu, err)
}

func (s *Server) updateCustomer(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	var in customerInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	cu, err := s.app.UpdateCustomer(c.Request.Context(), actorOf(c), id, in)
	s.answer(c, http.StatusOK, cu, err)
}

func (s *Server) resyncCustomers(c *gin.Context) {
	st, err := s.app.ResyncCustomers(c.Request.Context(), actorOf(c))
	s.started(c, st, err)
}

func (s *Server) listServices(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	list, err := s.app.ListServices(c.Request.Context(), actorOf(c), c.Query("q"), p)
	s.answer(c, http.StatusOK, list, err)
}

func (s *Server) getService(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	sv, err := s.app.GetService(c.Request.Context(), actorOf(c), id)
	s.answer(c, http.StatusOK, sv, err)
}

func (s *Server) createService(c *gin.Context) {
	var in serviceInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	sv, err := s.app.CreateService(c.Request.Context(), actorOf(c), in)
	s.answer(c, http.StatusCreated, sv, err)
}

func (s *Server) updateService(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	var in serviceInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	sv, err := s.app.UpdateService(c.Request.Context(), actorOf(c), id, in)
	s.answer(c, http.StatusOK, sv, err)
}

func (s *Server) listIncomeAccounts(c *gin.Context) {
	ias, err := s.app.ListIncomeAccounts(c.Request.Context(), actorOf(c))
	s.answer(c, http.StatusOK, itemsJSON[store.IncomeAccount]{Items: ias}, err)
}
