package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"hoursync/internal/meter"
	"hoursync/internal/store"
)

// The settings page (settings.html): the QuickBooks connection (connect, reconnect,
// disconnect), the account's settings, and deleting the account.

// settingsData feeds the settings page.
type settingsData struct {
	Connection     connectionJSON
	IncomeAccounts []store.IncomeAccount
	Days           []string
	Intervals      []string
	// Zones are the time zones to choose from.
	Zones []string
	// Schedule is the re-sync schedule and how the scheduled jobs last ran;
	// ScheduleWords says what the re-sync does.
	Schedule      scheduleJSON
	ScheduleWords string
	// Reads is how many metered QBO reads the company cost this month (-1: unknown).
	Reads int64
	// Unapproved counts changed time in QuickBooks that the scheduled re-sync leaves
	// out while "Sync only approved time" is on (weeks not approved).
	Unapproved int
}

func (s *Server) uiSettings(c *gin.Context) { s.settingsPage(c, http.StatusOK, nil, nil) }

func (s *Server) settingsPage(c *gin.Context, status int, f url.Values, e *apiError) {
	pd := s.pageData(c, "Settings", "settings")
	ctx, by := c.Request.Context(), actorOf(c)
	d := &settingsData{Days: []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		Intervals: resyncIntervals, Zones: timeZones}
	var err error
	if d.Connection, err = s.app.Connection(ctx, by); err != nil {
		s.fail(c, err)
		return
	}
	d.Reads = -1
	if conn, cerr := s.store.GetConnectionStatus(ctx, by.AccountID); cerr == nil && by.User.IsAdmin() {
		if n, rerr := meter.ReadsThisMonth(ctx, s.store.DB().DB, s.now(), conn.RealmID); rerr == nil {
			d.Reads = n
		}
	}
	if d.Schedule, err = s.app.Schedule(ctx, by); err != nil {
		s.fail(c, err)
		return
	}
	d.ScheduleWords = scheduleWords(d.Schedule.Interval)
	if ias, err := s.app.ListIncomeAccounts(ctx, by); err == nil {
		d.IncomeAccounts = ias
	}
	if f == nil {
		a, err := s.app.Settings(ctx, by)
		if err != nil {
			s.fail(c, err)
			return
		}
		f = url.Values{"time_zone": {a.TimeZone}, "week_start": {strconv.Itoa(a.WeekStart)},
			"income_account_name": {a.IncomeAccountName}, "resync_interval": {a.ResyncInterval},
			"sync_only_approved": {strconv.FormatBool(a.SyncOnlyApproved)}}
		if a.SyncOnlyApproved && by.admin() {
			if n, err := s.store.CountUnapprovedChanges(ctx, by.AccountID); err == nil {
				d.Unapproved = n
			}
		}
	}
	if c.Query("connected") != "" {
		// Settings follows the import the connection started, and then says what it
		// brought in (pageData read the result off the query).
		switch {
		case c.Query("done") == "":
			pd.Flash = "Connected to QuickBooks. Your customers, services and income accounts are being imported."
		case pd.Flash != "":
			pd.Flash = "Connected to QuickBooks. " + pd.Flash
		default:
			pd.Flash = "Connected to QuickBooks."
		}
	}
	pd.Data, pd.Form = d, f
	pd.setError(e)
	s.render(c, status, "settings", pd)
}

// settingsForm parses the settings form into the input the JSON API decodes; the form
// sends every field.
func settingsForm(f url.Values) settingsInput {
	onlyApproved := f.Get("sync_only_approved") == "true"
	in := settingsInput{TimeZone: formText(f, "time_zone"), IncomeAccountName: formText(f, "income_account_name"),
		ResyncInterval: formText(f, "resync_interval"), SyncOnlyApproved: &onlyApproved}
	if v := strings.TrimSpace(f.Get("week_start")); v != "" {
		day, err := strconv.Atoi(v)
		if err != nil {
			day = -1 // not a day: refused like any day out of range
		}
		in.WeekStart = &day
	}
	return in
}

// uiResyncNow starts the scheduled re-sync now and follows it on Settings.
func (s *Server) uiResyncNow(c *gin.Context) { s.startedFrom(c, "/settings", s.app.ResyncNow) }

func (s *Server) uiSaveSettings(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	if _, err := s.app.UpdateSettings(c.Request.Context(), actorOf(c), settingsForm(f)); err != nil {
		s.settingsPage(c, http.StatusUnprocessableEntity, f, s.toAPIError(c, err))
		return
	}
	s.flash(c, "ok", "Settings saved.")
	s.redirect(c, "/settings")
}

// uiDeleteAccount deletes the account; the owner typed the firm's name.
func (s *Server) uiDeleteAccount(c *gin.Context) {
	err := s.app.DeleteAccount(c.Request.Context(), actorOf(c), deleteAccountInput{Confirm: c.PostForm("confirm")})
	if err != nil {
		ae := s.toAPIError(c, err)
		s.settingsPage(c, ae.Status, nil, ae)
		return
	}
	s.clearCookie(c, sessionCookie)
	s.flash(c, "ok", "The account and everything in it were deleted. What was synced stays in QuickBooks.")
	s.redirect(c, "/signin")
}

func (s *Server) uiDisconnect(c *gin.Context) {
	_ = c.Request.ParseForm()
	if !s.confirmed(c, "settings", "/settings", confirmData{Question: "Disconnect from QuickBooks?",
		Detail: "Syncing stops until you connect again. Nothing is deleted here or in QuickBooks.", Yes: "Disconnect from QuickBooks"}) {
		return
	}
	switch pending, err := s.app.Disconnect(c.Request.Context(), actorOf(c)); {
	case err != nil:
		s.flashError(c, err)
	case pending:
		s.flash(c, "ok", "Disconnecting from QuickBooks; Intuit is slow to answer, so this finishes in the background.")
	default:
		s.flash(c, "ok", "Disconnected from QuickBooks. Nothing was deleted; connect again at any time.")
	}
	s.redirect(c, "/settings")
}
