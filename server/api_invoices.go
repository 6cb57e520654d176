package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The JSON API of invoices: each handler decodes, calls its use case (invoices.go,
// removals.go, syncing.go) and encodes.

func (s *Server) listInvoices(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	customer, err := queryID(c, "customer_id")
	if err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.app.ListInvoices(c.Request.Context(), actorOf(c), invoiceQuery{CustomerID: customer, Status: c.Query("status")}, p)
	s.answer(c, http.StatusOK, list, err)
}

func (s *Server) getInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	inv, err := s.app.GetInvoice(c.Request.Context(), actorOf(c), id)
	s.answer(c, http.StatusOK, inv, err)
}

func (s *Server) createInvoice(c *gin.Context) {
	var in invoiceInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	inv, err := s.app.CreateInvoice(c.Request.Context(), actorOf(c), in)
	s.answer(c, http.StatusCreated, inv, err)
}

func (s *Server) createInvoiceFromTimeCards(c *gin.Context) {
	var in invoiceFromCardsInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	inv, err := s.app.CreateInvoiceFromTimeCards(c.Request.Context(), actorOf(c), in)
	s.answer(c, http.StatusCreated, inv, err)
}

func (s *Server) updateInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	var in invoiceInput
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	inv, err := s.app.UpdateInvoice(c.Request.Context(), actorOf(c), id, in)
	s.answer(c, http.StatusOK, inv, err)
}

func (s *Server) voidInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	inv, err := s.app.VoidInvoice(c.Request.Context(), actorOf(c), id)
	s.answer(c, http.StatusOK, inv, err)
}

func (s *Server) deleteInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	del, err := s.app.DeleteInvoice(c.Request.Context(), actorOf(c), id)
	s.answer(c, http.StatusOK, del, err)
}

func (s *Server) syncInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	st, err := s.app.SyncInvoice(c.Request.Context(), actorOf(c), id)
	s.started(c, st, err)
}
