package server

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The timesheet (timesheet.html): a week of time cards with filters, the form that
// adds time, and the buttons under the table (sync, re-sync, delete, invoice). The
// edit page of one card is web_timecard.go.

// timesheetData feeds the timesheet and the time card edit page.
type timesheetData struct {
	ID                   int64
	From, To, Prev, Next string
	UserID, CustomerID   int64
	Status               string
	Statuses             []string
	// Query carries the filters into the week links; built by url.Values.Encode.
	Query                    template.URL
	Cards                    []timeCardJSON
	Totals                   weekTotals
	Users                    []userJSON
	Customers                []store.Customer
	Services                 []serviceJSON
	UserNames, CustomerNames map[int64]string
	ServiceNames             map[int64]string
	// NeedsReconnect shows the reconnect button above the table.
	NeedsReconnect bool
	// PlanLacksTime says the company's QuickBooks plan cannot take time (Simple
	// Start): the page says so before the click and offers an invoice instead.
	PlanLacksTime bool
	PlanName      string
}

// everything is the page of a list a form chooses from.
var everything = page{Limit: 1000}

// loadLists reads the people, customers and services the forms choose from.
func (s *Server) loadLists(c *gin.Context, d *timesheetData) error {
	ctx, by := c.Request.Context(), actorOf(c)
	var err error
	if d.Users, err = s.app.ListUsers(ctx, by); err != nil {
		return err
	}
	customers, err := s.app.ListCustomers(ctx, by, "", everything)
	if err != nil {
		return err
	}
	services, err := s.app.ListServices(ctx, by, "", everything)
	if err != nil {
		return err
	}
	d.Customers, d.Services = customers.Items, services.Items
	d.UserNames, d.CustomerNames, d.ServiceNames = map[int64]string{}, map[int64]string{}, map[int64]string{}
	for _, u := range d.Users {
		d.UserNames[u.ID] = u.FullName()
	}
	for _, cu := range d.Customers {
		d.CustomerNames[cu.ID] = cu.DisplayName
	}
	for _, sv := range d.Services {
		d.ServiceNames[sv.ID] = sv.Name
	}
	return nil
}

func (s *Server) uiTimesheet(c *gin.Context) { s.timesheet(c, http.StatusOK, nil, nil) }

// timesheet renders the week view; form and e keep a failed add form as typed.
func (s *Server) timesheet(c *gin.Context, status int, form url.Values, e *apiError) {
	pd := s.pageData(c, "Timesheet", "timesheet")
	pd.Skip = skipLink{To: "#add-time", Text: "Skip to add time"}
	ctx, by := c.Request.Context(), actorOf(c)
	acct, err := s.app.Settings(ctx, by)
	if err != nil {
		s.fail(c, err)
		return
	}
	week := c.Query("week")
	if form != nil {
		week = form.Get("week")
	}
	day, perr := time.Parse(time.DateOnly, week)
	if perr != nil {
		day = s.app.today(acct.TimeZone)
	}
	from := weekOf(day, acct.WeekStart)
	d := &timesheetData{From: from.Format(time.DateOnly), To: from.AddDate(0, 0, 6).Format(time.DateOnly),
		Prev: from.AddDate(0, 0, -7).Format(time.DateOnly), Next: from.AddDate(0, 0, 7).Format(time.DateOnly),
		Statuses: timeCardStatuses}
	filter := url.Values{}
	if id, err := strconv.ParseInt(c.Query("user_id"), 10, 64); err == nil && id > 0 && by.admin() {
		d.UserID = id
		filter.Set("user_id", strconv.FormatInt(id, 10))
	}
	if id, err := strconv.ParseInt(c.Query("customer_id"), 10, 64); err == nil && id > 0 {
		d.CustomerID = id
		filter.Set("customer_id", strconv.FormatInt(id, 10))
	}
	for _, st := range d.Statuses {
		if c.Query("status") == st {
			d.Status = st
			filter.Set("status", st)
		}
	}
	if len(filter) > 0 {
		d.Query = template.URL("&" + filter.Encode())
	}
	if err := s.loadLists(c, d); err != nil {
		s.fail(c, err)
		return
	}
	q := timeCardQuery{From: d.From, To: d.To, UserID: d.UserID, CustomerID: d.CustomerID, Status: d.Status}
	cards, err := s.app.AllTimeCards(ctx, by, q)
	if err != nil {
		pd.Error = s.toAPIError(c, err)
	}
	d.Cards = cards
	d.Totals = totalsOf(cards, d.UserNames, d.CustomerNames)
	for _, tc := range d.Cards {
		if tc.SyncStatus == store.StatusFailed && reconnects(tc.SyncErrorCode) {
			d.NeedsReconnect = true
		}
	}
	if conn, err := s.app.Connection(ctx, by); err == nil {
		d.NeedsReconnect = d.NeedsReconnect || conn.Status == string(store.ConnectionNeedsReconnect)
		d.PlanLacksTime = conn.Connected && conn.Plan != "" && !conn.CanSyncTime
		d.PlanName = planName(conn.Plan)
	}
	pd.Data = d
	if form != nil {
		pd.Form, pd.Error = form, e
	} else {
		pd.Form.Set("date", s.app.today(acct.TimeZone).Format(time.DateOnly))
		if day.Before(from) || day.After(from.AddDate(0, 0, 6)) || perr == nil {
			pd.Form.Set("date", day.Format(time.DateOnly))
		}
		pd.Form.Set("user_id", strconv.FormatInt(by.User.ID, 10))
		if d.UserID != 0 {
			// An admin looking at someone's week records time for them by default.
			pd.Form.Set("user_id", strconv.FormatInt(d.UserID, 10))
		}
		pd.Form.Set("billable", "true")
	}
	s.render(c, status, "timesheet", pd)
}

// uiCreateCard adds time from the timesheet's form.
func (s *Server) uiCreateCard(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	tc, err := s.app.CreateTimeCard(c.Request.Context(), actorOf(c), cardForm(f))
	if err != nil {
		s.timesheet(c, http.StatusUnprocessableEntity, f, cardControls.on(s.toAPIError(c, err)))
		return
	}
	s.flash(c, "ok", "Time added.")
	s.redirect(c, "/timesheet?week="+tc.Date)
}

// uiTimesheetAction handles the buttons under the week's table: sync, delete or
// invoice the selected time, or re-sync what changed or failed.
func (s *Server) uiTimesheetAction(c *gin.Context) {
	_ = c.Request.ParseForm()
	ctx, by := c.Request.Context(), actorOf(c)
	back := "/timesheet?week=" + url.QueryEscape(c.PostForm("week"))
	var ids []int64
	for _, v := range c.PostFormArray("card_id") {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 && c.PostForm("action") == "resync" {
		q := timeCardQuery{Week: c.PostForm("week"), UserID: formNumber(c.PostForm("user_id")), CustomerID: formNumber(c.PostForm("customer_id"))}
		var err error
		if ids, err = s.app.TimeCardsToResync(ctx, by, q); err != nil {
			s.flashError(c, err)
			s.redirect(c, back)
			return
		}
		if len(ids) == 0 {
			s.flash(c, "ok", "Nothing to re-sync this week: no row is changed or failed.")
			s.redirect(c, back)
			return
		}
	}
	if len(ids) == 0 {
		s.flash(c, "error", "Select at least one row first.")
		s.redirect(c, back)
		return
	}
	switch c.PostForm("action") {
	case "sync", "resync":
		st, err := s.app.SyncTimeCards(ctx, by, ids)
		s.follow(c, back, "&", st, err)
	case "delete":
		if !s.confirmed(c, "timesheet", back, confirmData{Question: fmt.Sprintf("Delete %s?", entries(len(ids))),
			Detail: "Time already in QuickBooks is deleted there too.", Yes: "Delete"}) {
			return
		}
		del, err := s.app.DeleteTimeCards(ctx, by, ids)
		if s.failedBack(c, back, err) {
			return
		}
		s.flash(c, "ok", fmt.Sprintf("Deleted %s.", entries(len(ids)))+pushNote(del.QuickBooks))
		s.redirect(c, back+pushFollow("&", del.QuickBooks))
	case "invoice":
		inv, err := s.app.CreateInvoiceFromTimeCards(ctx, by, invoiceFromCardsInput{TimeCardIDs: ids, Grouping: c.PostForm("grouping")})
		if s.failedBack(c, back, err) {
			return
		}
		s.flash(c, "ok", "Invoice "+inv.Number+" created from the selected time.")
		s.redirect(c, fmt.Sprintf("/invoices/%d", inv.ID))
	default:
		s.redirect(c, back)
	}
}

// entries counts time entries in words: "1 time entry", "3 time entries".
func entries(n int) string {
	if n == 1 {
		return "1 time entry"
	}
	return fmt.Sprintf("%d time entries", n)
}

// planName is a QuickBooks plan as Intuit names it to people: "Simple Start".
func planName(plan string) string {
	plan = strings.TrimPrefix(plan, "QuickBooks Online ")
	if plan == "SimpleStart" {
		return "Simple Start"
	}
	return plan
}
