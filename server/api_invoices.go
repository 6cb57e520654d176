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

func (s *Server) getInvoice(c *gin.Context) { idCall(s, c, s.app.GetInvoice) }

func (s *Server) createInvoice(c *gin.Context) {
	jsonCall(s, c, http.StatusCreated, s.app.CreateInvoice)
}

func (s *Server) createInvoiceFromTimeCards(c *gin.Context) {
	jsonCall(s, c, http.StatusCreated, s.app.CreateInvoiceFromTimeCards)
}

func (s *Server) updateInvoice(c *gin.Context) { idJSONCall(s, c, s.app.UpdateInvoice) }

func (s *Server) voidInvoice(c *gin.Context) { idCall(s, c, s.app.VoidInvoice) }

func (s *Server) deleteInvoice(c *gin.Context) { idCall(s, c, s.app.DeleteInvoice) }

func (s *Server) syncInvoice(c *gin.Context) { idStart(s, c, s.app.SyncInvoice) }
