package server

import (
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/config"
	"hoursync/internal/store"
)

// app holds Hoursync's use cases, one typed method each, in files named for their
// domain (timecards.go, invoices.go, catalog.go, account.go, users.go, sessions.go,
// syncing.go, connection.go). Both transports call them: a JSON handler (api_*.go)
// decodes its body into the use case's input, a form handler (web_*.go) parses its
// form into the same input, and neither calls the other. A use case validates its
// input, checks the actor's role and reads or writes the actor's account only; it
// sees no *gin.Context, cookie or template.
type app struct {
	cfg    *config.Config
	store  *store.Store
	log    *slog.Logger
	syncer Syncer
	intuit Intuit
	mailer Mailer
	// cost is the bcrypt cost of new password hashes.
	cost int
	now  func() time.Time
	// undoWindow is how long a delete of time can be undone (defaultUndoWindow when
	// zero; tests shorten it).
	undoWindow time.Duration

	dummyOnce sync.Once
	dummy     string
}

// actor is who a use case acts for: the signed-in person and their account, which is
// the only account the use case reads or writes.
type actor struct {
	AccountID int64
	User      store.User
}

// admin reports whether the actor may manage the account (admins and the owner).
func (a actor) admin() bool { return a.User.IsAdmin() }

// actorOf is the actor of a signed-in request (routes behind requireAuth or
// requirePage always have one).
func actorOf(c *gin.Context) actor {
	a := mustAuth(c)
	return actor{AccountID: a.AccountID, User: a.User}
}

// requireAdmin refuses a member what only an admin may do.
func requireAdmin(by actor) error {
	if !by.admin() {
		return errForbidden
	}
	return nil
}

// zoneOf is the account's time zone (UTC when it cannot be loaded).
func zoneOf(tz string) *time.Location {
	if loc, err := time.LoadLocation(tz); err == nil {
		return loc
	}
	return time.UTC
}

// today is the current date in the account's time zone.
func (a *app) today(tz string) time.Time {
	y, m, d := a.now().In(zoneOf(tz)).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// workflowURL links a workflow in the Temporal UI, which opens its latest run: right
// for a sync being followed, wrong for one that is over (see runURL).
func (a *app) workflowURL(workflowID string) string {
	if workflowID == "" {
		return ""
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", a.cfg.TemporalUIURL,
		url.PathEscape(a.cfg.TemporalNamespace), url.PathEscape(workflowID))
}

// runURL links one run of a workflow in the Temporal UI. Hoursync reuses a workflow id
// for every run of the same sync (the account's time-card sync, an invoice's syncs,
// continue-as-new), so a link to a past attempt must name its run or it opens a later
// one. Without a run id (a sync that never started) it falls back to workflowURL.
func (a *app) runURL(workflowID, runID string) string {
	if workflowID == "" || runID == "" {
		return a.workflowURL(workflowID)
	}
	return a.workflowURL(workflowID) + "/" + url.PathEscape(runID) + "/history"
}
