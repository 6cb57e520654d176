package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// uiInvoices is the list of invoices (invoices.html).
func (s *Server) uiInvoices(c *gin.Context) {
	pd := s.pageData(c, "Invoices", "invoices")
	d := &invoicesData{}
	if err := s.invoiceLists(c, d); err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.app.ListInvoices(c.Request.Context(), actorOf(c), invoiceQuery{}, page{Limit: maxLimit})
	if err != nil {
		pd.Error = s.toAPIError(c, err)
	}
	d.Invoices = list.Items
	pd.Data = d
	s.render(c, http.StatusOK, "invoices", pd)
}
