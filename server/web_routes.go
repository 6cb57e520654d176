package server

import (
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"hoursync/server/web"
)

// sameOrigin refuses form posts from other sites: browsers send Origin (or at least
// Referer) with every form post, and a cross-site one cannot match this host. It is
// what protects the forms used before there is a session (sign in, sign up).
func (s *Server) sameOrigin(c *gin.Context) {
	if csrfSafe(c.Request.Method) {
		c.Next()
		return
	}
	src := c.GetHeader("Origin")
	if src == "" || src == "null" {
		src = c.GetHeader("Referer")
	}
	u, err := url.Parse(src)
	public, _ := url.Parse(s.cfg.PublicURL)
	if src == "" || err != nil || (u.Host != c.Request.Host && (public == nil || u.Host != public.Host)) {
		c.AbortWithStatus(http.StatusForbidden)
		return
	}
	c.Next()
}

// requirePage sends signed-out browsers to the sign-in page.
func (s *Server) requirePage(c *gin.Context) {
	if _, ok := authOf(c); !ok {
		s.redirect(c, "/signin")
		c.Abort()
		return
	}
	c.Next()
}

// requireAdminPage sends members back to their timesheet.
func (s *Server) requireAdminPage(c *gin.Context) {
	if a, ok := authOf(c); !ok || !a.User.IsAdmin() {
		s.flash(c, "error", "Only an admin of your firm can do that.")
		s.redirect(c, "/timesheet")
		c.Abort()
		return
	}
	c.Next()
}

// uiRoutes adds the web UI to r.
func (s *Server) uiRoutes(r *gin.Engine) {
	static, _ := fs.Sub(web.FS, "static")
	r.StaticFS("/static", http.FS(static))
	ui := r.Group("", s.sameOrigin, s.authenticate, s.checkCSRF)
	ui.GET("/", s.uiHome)
	ui.GET("/signin", s.uiAuthPage(signInPage))
	ui.POST("/signin", s.uiSignIn)
	ui.GET("/signup", s.uiAuthPage(signUpPage))
	ui.POST("/signup", s.uiSignUp)
	ui.GET("/forgot-password", s.uiAuthPage(forgotPage))
	ui.POST("/forgot-password", s.uiForgot)
	ui.GET("/reset-password", s.uiAuthPage(resetPage))
	ui.POST("/reset-password", s.uiReset)
	ui.GET("/invitations/accept", s.uiAcceptPage)
	ui.POST("/invitations/accept", s.uiAccept)
	ui.GET("/dev/outbox", s.uiOutbox)

	in := ui.Group("", s.requirePage)
	admin := in.Group("", s.requireAdminPage)
	in.POST("/signout", s.uiSignOut)
	in.GET("/timesheet", s.uiTimesheet)
	in.POST("/time-cards", s.uiCreateCard)
	in.GET("/time-cards/:id/edit", s.uiEditCard)
	in.POST("/time-cards/:id", s.uiUpdateCard)
	in.POST("/timesheet/actions", s.uiTimesheetAction)
	in.POST("/timesheet/restore", s.uiRestoreCards)
	admin.POST("/timesheet/approve", s.uiApproveWeek)
	admin.POST("/timesheet/reopen", s.uiReopenWeek)
	in.POST("/timer", s.uiStartTimer)
	in.POST("/timer/stop", s.uiStopTimer)
	in.POST("/timer/discard", s.uiDiscardTimer)
	in.GET("/timesheet/grid", s.uiGrid)
	in.POST("/timesheet/grid", s.uiSaveGrid)
	admin.GET("/invoices", s.uiInvoices)
	admin.GET("/invoices/new", s.uiNewInvoice)
	admin.POST("/invoices", s.uiSaveInvoice)
	admin.GET("/invoices/:id", s.uiInvoice)
	admin.POST("/invoices/:id", s.uiSaveInvoice)
	admin.POST("/invoices/:id/:action", s.uiInvoiceAction)
	in.GET("/customers", s.uiCustomers)
	in.GET("/customers/:id/edit", s.uiCustomers)
	admin.POST("/customers", s.uiSaveCustomer)
	admin.POST("/customers/:id", s.uiSaveCustomer)
	admin.POST("/customers/resync", s.uiResyncCustomers)
	in.GET("/services", s.uiServices)
	in.GET("/services/:id/edit", s.uiServices)
	admin.POST("/services", s.uiSaveService)
	admin.POST("/services/resync", s.uiResyncServices)
	admin.POST("/services/:id", s.uiSaveService)
	in.GET("/users", s.uiUsers)
	admin.POST("/users/invite", s.uiInvite)
	admin.POST("/users/:id", s.uiUpdateUser)
	admin.POST("/users/invitations/:id/delete", s.uiWithdrawInvitation)
	in.GET("/settings", s.uiSettings)
	admin.POST("/settings", s.uiSaveSettings)
	admin.POST("/settings/disconnect", s.uiDisconnect)
	admin.POST("/settings/resync", s.uiResyncNow)
	admin.POST("/settings/delete-account", s.uiDeleteAccount)
	in.GET("/sync", s.uiSyncActivity)
	in.GET("/reports", s.uiReports)
	in.GET("/reports.csv", s.uiReportCSV)
}

// isUIHandler reports whether a route belongs to the web UI (not in the OpenAPI
// document).
func isUIHandler(name string) bool {
	return strings.Contains(name, ".(*Server).ui") || strings.Contains(name, "gin.(*RouterGroup).createStaticHandler")
}
