package server

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes builds the router. Every route here is described in the OpenAPI document
// (openapi.go); TestOpenAPIMatchesRoutes fails on any difference.
func (s *Server) routes() *gin.Engine {
	// Debug mode only prints route tables and warnings to stdout; logs go through slog.
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// Client IPs (sign-in throttling, logs) come from the connection, or from
	// X-Forwarded-For only when the connection is from a proxy TRUSTED_PROXIES names:
	// never from a header any client can forge. config.Load checked the addresses.
	_ = r.SetTrustedProxies(s.cfg.TrustedProxies)
	r.HandleMethodNotAllowed = true
	r.Use(s.observe, gin.CustomRecovery(s.recovered), securityHeaders)
	r.NoRoute(func(c *gin.Context) { s.fail(c, errNotFound) })
	r.NoMethod(func(c *gin.Context) {
		s.fail(c, &apiError{Status: http.StatusMethodNotAllowed, Code: codeBadRequest, Message: "method not allowed"})
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})))
	r.POST("/webhooks/qbo", s.qboWebhook)

	web := r.Group("", s.authenticate, s.checkCSRF)
	web.GET("/auth/intuit/start", s.intuitStart)
	web.GET("/qbo/launch", s.qboLaunch)
	web.GET("/qbo/reconnect", s.qboReconnect)
	web.GET("/auth/intuit/callback", s.intuitCallback)
	web.POST("/auth/intuit/connect", s.requireAuth, s.requireAdmin, s.intuitConnect)

	api := r.Group("/api/v1", s.authenticate, s.checkCSRF)
	api.GET("/openapi.json", s.openAPI)
	api.POST("/signup", s.signUp)
	api.POST("/signin", s.signIn)
	api.POST("/password-resets", s.requestPasswordReset)
	api.POST("/password-resets/complete", s.completePasswordReset)
	api.GET("/invitations/lookup", s.lookupInvitation)
	api.POST("/invitations/accept", s.acceptInvitation)

	in := api.Group("", s.requireAuth)
	admin := in.Group("", s.requireAdmin)
	in.POST("/signout", s.signOut)
	in.GET("/me", s.me)
	in.GET("/api-tokens", s.listAPITokens)
	in.POST("/api-tokens", s.createAPIToken)
	in.DELETE("/api-tokens/:id", s.deleteAPIToken)
	in.GET("/dev/outbox", s.devOutbox)

	in.GET("/settings", s.getSettings)
	admin.PATCH("/settings", s.updateSettings)
	admin.DELETE("/account", s.deleteAccount)
	in.GET("/users", s.listUsers)
	in.GET("/users/:id", s.getUser)
	in.PATCH("/users/:id", s.updateUser)
	admin.GET("/invitations", s.listInvitations)
	admin.POST("/invitations", s.createInvitation)
	admin.DELETE("/invitations/:id", s.deleteInvitation)

	in.GET("/customers", s.listCustomers)
	in.GET("/customers/:id", s.getCustomer)
	admin.POST("/customers", s.createCustomer)
	admin.PATCH("/customers/:id", s.updateCustomer)
	admin.POST("/customers/resync", s.resyncCustomers)
	in.GET("/services", s.listServices)
	in.GET("/services/:id", s.getService)
	admin.POST("/services", s.createService)
	admin.PATCH("/services/:id", s.updateService)
	in.GET("/income-accounts", s.listIncomeAccounts)
	in.GET("/tax-codes", s.listTaxCodes)

	in.GET("/time-cards", s.listTimeCards)
	in.POST("/time-cards", s.createTimeCard)
	in.GET("/time-cards/:id", s.getTimeCard)
	in.PUT("/time-cards/:id", s.updateTimeCard)
	in.DELETE("/time-cards/:id", s.deleteTimeCard)
	in.POST("/time-cards/sync", s.syncTimeCards)
	in.POST("/time-cards/bulk-update", s.bulkUpdateTimeCards)
	in.POST("/time-cards/restore", s.restoreTimeCards)
	in.GET("/week-approvals", s.listWeekApprovals)
	admin.POST("/week-approvals", s.approveWeek)
	admin.DELETE("/week-approvals", s.reopenWeek)
	in.GET("/timer", s.getTimer)
	in.POST("/timer", s.startTimer)
	in.POST("/timer/stop", s.stopTimer)
	in.DELETE("/timer", s.discardTimer)

	admin.GET("/invoices", s.listInvoices)
	admin.POST("/invoices", s.createInvoice)
	admin.POST("/invoices/from-time-cards", s.createInvoiceFromTimeCards)
	admin.GET("/invoices/:id", s.getInvoice)
	admin.PUT("/invoices/:id", s.updateInvoice)
	admin.DELETE("/invoices/:id", s.deleteInvoice)
	admin.POST("/invoices/:id/void", s.voidInvoice)
	admin.POST("/invoices/:id/sync", s.syncInvoice)
	admin.GET("/invoices/:id/pdf", s.invoicePDF)
	admin.POST("/invoices/:id/send", s.sendInvoice)

	in.GET("/connection", s.getConnection)
	admin.POST("/connection", s.startConnect)
	admin.DELETE("/connection", s.disconnect)

	in.GET("/sync/activity", s.syncActivity)
	in.GET("/sync/progress", s.syncProgress)
	in.GET("/sync/states/:type/:id", s.syncState)

	in.GET("/reports", s.getReport)

	s.uiRoutes(r)
	return r
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz checks every dependency (database, Temporal) with a short timeout, in a
// stable order, and answers 503 naming the ones that failed.
func (s *Server) readyz(c *gin.Context) {
	names := make([]string, 0, len(s.ready))
	for name := range s.ready {
		names = append(names, name)
	}
	sort.Strings(names)
	checks := gin.H{}
	status := http.StatusOK
	for _, name := range names {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
		err := s.ready[name].Ping(ctx)
		cancel()
		if err != nil {
			s.log.WarnContext(c.Request.Context(), "readiness check failed", "check", name, "err", err)
			checks[name] = "unavailable"
			status = http.StatusServiceUnavailable
			continue
		}
		checks[name] = "ok"
	}
	word := "ok"
	if status != http.StatusOK {
		word = "unavailable"
	}
	c.JSON(status, gin.H{"status": word, "checks": checks})
}
