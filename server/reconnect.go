package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// qboReconnect is the app's Reconnect URL (Intuit requires one from January 2026: set
// PUBLIC_URL/qbo/reconnect in the app's settings at Intuit). It takes a person straight
// into re-authorizing their company: a signed-in admin into the connect flow; someone
// not signed in into Sign in with Intuit, whose callback reconnects the company of an
// admin; a member is told who can.
func (s *Server) qboReconnect(c *gin.Context) {
	a, ok := authOf(c)
	switch {
	case !ok:
		s.redirectToIntuit(c, flowLaunch)
	case a.User.IsAdmin():
		s.redirectToIntuit(c, flowConnect)
	default:
		s.flash(c, "error", "Only an owner or admin of this Hoursync account can reconnect QuickBooks; ask one of them to open Settings → Reconnect.")
		c.Redirect(http.StatusSeeOther, "/")
	}
}
