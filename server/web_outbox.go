package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// uiOutbox shows development mail (outbox.html): the signed-in account's, or (signed
// out, in development only) the mail to one address, so a person can follow a reset
// link.
func (s *Server) uiOutbox(c *gin.Context) {
	if s.cfg.SMTPURL != "" {
		s.fail(c, errNotFound)
		return
	}
	pd := s.pageData(c, "Outbox", "outbox")
	var list listJSON[store.OutboxMail]
	var err error
	switch {
	case pd.Me != nil:
		list, err = s.app.Outbox(c.Request.Context(), actorOf(c), page{Limit: 50})
	case s.cfg.Dev() && c.Query("to") != "":
		list, err = s.app.OutboxTo(c.Request.Context(), c.Query("to"), page{Limit: 20})
	default:
		s.redirect(c, "/signin")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	pd.Data = list.Items
	s.render(c, http.StatusOK, "outbox", pd)
}
