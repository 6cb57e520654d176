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

func (s *Server) uiHome(c *gin.Context) {
	if _, ok := authOf(c); ok {
		s.redirect(c, "/timesheet")
		return
	}
	s.redirect(c, "/signin")
}

func (s *Server) uiAuthPage(page, title string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := authOf(c); ok && page != "reset" {
			s.redirect(c, "/timesheet")
			return
		}
		pd := s.pageData(c, title, "")
		pd.Page = page
		pd.Form.Set("token", c.Query("token"))
		if e := c.Query("error"); e != "" && pd.Error == nil {
			pd.Error = &apiError{Message: e}
		}
		s.render(c, http.StatusOK, "auth", pd)
	}
}

// authForm re-renders an auth page with the API's error beside its field.
func (s *Server) authForm(c *gin.Context, page, title string, e *apiError) {
	pd := s.pageData(c, title, "")
	pd.Page, pd.Error = page, e
	pd.Form = c.Request.PostForm
	pd.Form.Del("password")
	status := e.Status
	if status == 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(c, status, "auth", pd)
}

func (s *Server) uiSignIn(c *gin.Context) {
	_ = c.Request.ParseForm()
	body := map[string]any{"email": c.PostForm("email"), "password": c.PostForm("password")}
	if e := s.callAPI(c, "POST", "/api/v1/signin", body, nil); e != nil {
		if e.Field == "" {
			e.Field = "password"
		}
		s.authForm(c, "signin", "Sign in", e)
		return
	}
	s.redirect(c, "/timesheet")
}

func (s *Server) uiSignUp(c *gin.Context) {
	_ = c.Request.ParseForm()
	body := map[string]any{}
	for _, k := range []string{"firm_name", "first_name", "last_name", "email", "password"} {
		body[k] = c.PostForm(k)
	}
	if e := s.callAPI(c, "POST", "/api/v1/signup", body, nil); e != nil {
		s.authForm(c, "signup", "Create an account", e)
		return
	}
	s.flash(c, "ok", "Welcome to Hoursync. Add your customers and services, or connect QuickBooks in settings to import them.")
	s.redirect(c, "/timesheet")
}

func (s *Server) uiSignOut(c *gin.Context) {
	_ = s.callAPI(c, "POST", "/api/v1/signout", nil, nil)
	s.redirect(c, "/signin")
}

func (s *Server) uiForgot(c *gin.Context) {
	_ = c.Request.ParseForm()
	if e := s.callAPI(c, "POST", "/api/v1/password-resets", map[string]any{"email": c.PostForm("email")}, nil); e != nil {
		s.authForm(c, "forgot", "Reset your password", e)
		return
	}
	pd := s.pageData(c, "Reset your password", "")
	pd.Page, pd.Data = "forgot", true
	s.render(c, http.StatusOK, "auth", pd)
}

func (s *Server) uiReset(c *gin.Context) {
	_ = c.Request.ParseForm()
	body := map[string]any{"token": c.PostForm("token"), "password": c.PostForm("password")}
	if e := s.callAPI(c, "POST", "/api/v1/password-resets/complete", body, nil); e != nil {
		s.authForm(c, "reset", "Choose a new password", e)
		return
	}
	s.flash(c, "ok", "Your password is changed. Sign in with it.")
	s.redirect(c, "/signin")
}

func (s *Server) uiAcceptPage(c *gin.Context) {
	pd := s.pageData(c, "Join your firm", "")
	pd.Page = "accept"
	token := c.Query("token")
	pd.Form.Set("token", token)
	var look map[string]any
	if e := s.callAPI(c, "GET", "/api/v1/invitations/lookup?token="+url.QueryEscape(token), nil, &look); e != nil {
		e.Field = "token"
		pd.Error = e
	} else {
		pd.Data = look
		pd.Form.Set("first_name", fmt.Sprint(look["first_name"]))
		pd.Form.Set("last_name", fmt.Sprint(look["last_name"]))
	}
	s.render(c, http.StatusOK, "auth", pd)
}

func (s *Server) uiAccept(c *gin.Context) {
	_ = c.Request.ParseForm()
	body := map[string]any{}
	for _, k := range []string{"token", "first_name", "last_name", "password"} {
		body[k] = c.PostForm(k)
	}
	if e := s.callAPI(c, "POST", "/api/v1/invitations/accept", body, nil); e != nil {
		s.authForm(c, "accept", "Join your firm", e)
		return
	}
	s.flash(c, "ok", "Welcome. Record your time below.")
	s.redirect(c, "/timesheet")
}

// uiOutbox shows development mail: the signed-in account's, or (signed out, in
// development only) the mail to one address, so a person can follow a reset link.
func (s *Server) uiOutbox(c *gin.Context) {
	if s.cfg.SMTPURL != "" {
		s.fail(c, errNotFound)
		return
	}
	pd := s.pageData(c, "Outbox", "outbox")
	var mails []store.OutboxMail
	var err error
	switch {
	case pd.Me != nil:
		mails, err = s.store.ListOutboxMail(c.Request.Context(), pd.Me.Account.ID, store.Page{Limit: 50})
	case s.cfg.Dev() && c.Query("to") != "":
		mails, err = s.store.ListOutboxMailTo(c.Request.Context(), c.Query("to"), store.Page{Limit: 20})
	default:
		s.redirect(c, "/signin")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	pd.Data = mails
	s.render(c, http.StatusOK, "outbox", pd)
}

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
	Total                    int
	Users                    []store.User
	Customers                []store.Customer
	Services                 []serviceJSON
	UserNames, CustomerNames map[int64]string
	ServiceNames             map[int64]string
	// NeedsReconnect shows the reconnect button above the table.
	NeedsReconnect bool
}

func (s *Server) loadLists(c *gin.Context, d *timesheetData) error {
	ctx := c.Request.Context()
	a := mustAuth(c)
	var err error
	if d.Users, err = s.store.ListUsers(ctx, a.AccountID); err != nil {
		return err
	}
	if d.Customers, err = s.store.ListCustomers(ctx, a.AccountID, "", store.Page{Limit: 1000}); err != nil {
		return err
	}
	svcs, err := s.store.ListServices(ctx, a.AccountID, "", store.Page{Limit: 1000})
	if err != nil {
		return err
	}
	d.UserNames, d.CustomerNames, d.ServiceNames = map[int64]string{}, map[int64]string{}, map[int64]string{}
	for _, u := range d.Users {
		d.UserNames[u.ID] = u.FullName()
	}
	for _, cu := range d.Customers {
		d.CustomerNames[cu.ID] = cu.DisplayName
	}
	for _, sv := range svcs {
		d.Services = append(d.Services, toServiceJSON(sv))
		d.ServiceNames[sv.ID] = sv.Name
	}
	return nil
}

func (s *Server) uiTimesheet(c *gin.Context) { s.timesheet(c, http.StatusOK, nil, nil) }

// timesheet renders the week view; form and e keep a failed add form as typed.
func (s *Server) timesheet(c *gin.Context, status int, form url.Values, e *apiError) {
	pd := s.pageData(c, "Timesheet", "timesheet")
	a := mustAuth(c)
	acct, err := s.store.GetAccount(c.Request.Context(), a.AccountID)
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
		day = s.today(acct.TimeZone)
	}
	from := day.AddDate(0, 0, -((int(day.Weekday()) - acct.WeekStart + 7) % 7))
	d := &timesheetData{From: from.Format(time.DateOnly), To: from.AddDate(0, 0, 6).Format(time.DateOnly),
		Prev: from.AddDate(0, 0, -7).Format(time.DateOnly), Next: from.AddDate(0, 0, 7).Format(time.DateOnly)}
	d.Statuses = []string{store.StatusNever, store.StatusSynced, store.StatusChanged, store.StatusSyncing, store.StatusFailed}
	filter := url.Values{}
	if id, err := strconv.ParseInt(c.Query("user_id"), 10, 64); err == nil && id > 0 && a.User.IsAdmin() {
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
	var list listJSON[timeCardJSON]
	q := "/api/v1/time-cards?limit=200&from=" + d.From + "&to=" + d.To + string(d.Query)
	if ae := s.callAPI(c, "GET", q, nil, &list); ae != nil {
		pd.Error = ae
	}
	d.Cards = list.Items
	for _, tc := range d.Cards {
		d.Total += tc.Minutes
		if tc.SyncStatus == store.StatusFailed && strings.Contains(tc.SyncMessage, "Reconnect QuickBooks") {
			d.NeedsReconnect = true
		}
	}
	if conn, err := s.store.GetConnectionStatus(c.Request.Context(), a.AccountID); err == nil && conn.Status == "needs_reconnect" {
		d.NeedsReconnect = true
	}
	pd.Data = d
	if form != nil {
		pd.Form, pd.Error = form, e
	} else {
		pd.Form.Set("date", s.today(acct.TimeZone).Format(time.DateOnly))
		if day.Before(from) || day.After(from.AddDate(0, 0, 6)) || perr == nil {
			pd.Form.Set("date", day.Format(time.DateOnly))
		}
		pd.Form.Set("user_id", strconv.FormatInt(a.User.ID, 10))
		if d.UserID != 0 {
			// An admin looking at someone's week records time for them by default.
			pd.Form.Set("user_id", strconv.FormatInt(d.UserID, 10))
		}
		pd.Form.Set("billable", "true")
	}
	s.render(c, status, "timesheet", pd)
}

// minutesOf reads "1:30" (h:mm), "1.5" or "2" (hours) or "90m" (minutes).
func minutesOf(v string) any {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case v == "":
		return nil
	case strings.Contains(v, ":"):
		h, m, _ := strings.Cut(v, ":")
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(m)
		if err1 != nil || err2 != nil || mm < 0 || mm > 59 || hh < 0 {
			return v
		}
		return hh*60 + mm
	case strings.HasSuffix(v, "m"):
		if n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(v, "m"))); err == nil {
			return n
		}
		return v
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(strings.TrimSuffix(v, "h")), ",", "."), 64)
	if err != nil || f < 0 || f > 100 {
		return v
	}
	return int(f*60 + 0.5)
}

// cardBody turns the add/edit form into the API's time card body.
func cardBody(f url.Values) map[string]any {
	body := map[string]any{"date": f.Get("date"), "notes": f.Get("notes"), "billable": f.Get("billable") == "true"}
	setIf(body, "user_id", formNumber(f.Get("user_id")))
	setIf(body, "customer_id", formNumber(f.Get("customer_id")))
	setIf(body, "service_id", formNumber(f.Get("service_id")))
	if f.Get("start_time") != "" || f.Get("end_time") != "" {
		body["start_time"], body["end_time"] = f.Get("start_time"), f.Get("end_time")
	}
	setIf(body, "minutes", minutesOf(f.Get("hours")))
	if r := strings.TrimSpace(f.Get("rate")); r != "" {
		body["rate"] = r
	}
	return body
}

// formField maps an API field to the form's name for it.
func formField(e *apiError) *apiError {
	if e != nil && e.Field == "minutes" {
		e.Field = "hours"
	}
	return e
}

func (s *Server) uiCreateCard(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	var tc timeCardJSON
	if e := s.callAPI(c, "POST", "/api/v1/time-cards", cardBody(f), &tc); e != nil {
		s.timesheet(c, http.StatusUnprocessableEntity, f, formField(e))
		return
	}
	s.flash(c, "ok", "Time added.")
	s.redirect(c, "/timesheet?week="+tc.Date)
}

func (s *Server) uiEditCard(c *gin.Context) {
	var tc timeCardJSON
	if e := s.callAPI(c, "GET", "/api/v1/time-cards/"+c.Param("id"), nil, &tc); e != nil {
		s.flash(c, "error", e.Message)
		s.redirect(c, "/timesheet")
		return
	}
	f := url.Values{}
	f.Set("user_id", strconv.FormatInt(tc.UserID, 10))
	f.Set("customer_id", strconv.FormatInt(tc.CustomerID, 10))
	f.Set("service_id", strconv.FormatInt(tc.ServiceID, 10))
	f.Set("date", tc.Date)
	f.Set("hours", fmt.Sprintf("%d:%02d", tc.Minutes/60, tc.Minutes%60))
	if tc.StartTime != nil {
		f.Set("start_time", *tc.StartTime)
		f.Set("end_time", *tc.EndTime)
	}
	f.Set("rate", tc.Rate)
	f.Set("notes", tc.Notes)
	f.Set("billable", strconv.FormatBool(tc.Billable))
	s.editCard(c, http.StatusOK, tc.ID, f, nil)
}

func (s *Server) editCard(c *gin.Context, status int, id int64, f url.Values, e *apiError) {
	pd := s.pageData(c, "Edit time", "timesheet")
	d := &timesheetData{ID: id}
	if err := s.loadLists(c, d); err != nil {
		s.fail(c, err)
		return
	}
	pd.Data, pd.Form = d, f
	pd.setError(e)
	s.render(c, status, "timecard_edit", pd)
}

func (s *Server) uiUpdateCard(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.fail(c, errNotFound)
		return
	}
	var tc timeCardJSON
	if e := s.callAPI(c, "PUT", "/api/v1/time-cards/"+c.Param("id"), cardBody(f), &tc); e != nil {
		if e.Status == http.StatusNotFound && e.Field == "" {
			s.fail(c, e)
			return
		}
		s.editCard(c, http.StatusUnprocessableEntity, id, f, formField(e))
		return
	}
	s.flash(c, "ok", "Time saved.")
	s.redirect(c, "/timesheet?week="+tc.Date)
}

// uiTimesheetAction handles the buttons under the week's table: sync, delete or
// invoice the selected time.
func (s *Server) uiTimesheetAction(c *gin.Context) {
	_ = c.Request.ParseForm()
	back := "/timesheet?week=" + url.QueryEscape(c.PostForm("week"))
	var ids []int64
	for _, v := range c.PostFormArray("card_id") {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 && c.PostForm("action") == "resync" {
		ids = s.weekToResync(c)
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
		var st startedJSON
		if e := s.callAPI(c, "POST", "/api/v1/time-cards/sync", map[string]any{"time_card_ids": ids}, &st); e != nil {
			s.flash(c, "error", e.Message)
			s.redirect(c, back)
			return
		}
		s.redirect(c, back+"&workflow_id="+url.QueryEscape(st.WorkflowID)+"&selection_id="+url.QueryEscape(st.SelectionID))
	case "delete":
		if !s.confirmed(c, "timesheet", back, confirmData{Question: fmt.Sprintf("Delete %s?", entries(len(ids))),
			Detail: "Time already in QuickBooks is deleted there too.", Yes: "Delete"}) {
			return
		}
		del, err := s.deleteCardsAndPush(c, ids)
		if err != nil {
			s.flash(c, "error", s.toAPIError(c, err).Message)
			s.redirect(c, back)
			return
		}
		s.flash(c, "ok", fmt.Sprintf("Deleted %s.", entries(len(ids)))+pushNote(del.QuickBooks))
		s.redirect(c, back+pushFollow("&", del.QuickBooks))
	case "invoice":
		var inv invoiceJSON
		if e := s.callAPI(c, "POST", "/api/v1/invoices/from-time-cards", map[string]any{"time_card_ids": ids, "grouping": c.PostForm("grouping")}, &inv); e != nil {
			s.flash(c, "error", e.Message)
			s.redirect(c, back)
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

// weekToResync lists the week's cards (of the posted week and filters) whose last sync
// failed or that changed since it, deleted ones whose deletion has not reached
// QuickBooks included.
func (s *Server) weekToResync(c *gin.Context) []int64 {
	q := url.Values{"week": {c.PostForm("week")}, "limit": {"200"}, "pending_deletes": {"true"}}
	for _, k := range []string{"user_id", "customer_id"} {
		if v := c.PostForm(k); v != "" {
			q.Set(k, v)
		}
	}
	var ids []int64
	for _, st := range []string{store.StatusChanged, store.StatusFailed} {
		q.Set("status", st)
		var list listJSON[timeCardJSON]
		if e := s.callAPI(c, "GET", "/api/v1/time-cards?"+q.Encode(), nil, &list); e != nil {
			continue
		}
		for _, tc := range list.Items {
			ids = append(ids, tc.ID)
		}
	}
	return ids
}

// invoicesData feeds the invoice pages.
type invoicesData struct {
	Invoices      []invoiceJSON
	Invoice       *invoiceJSON
	Lines         []lineRow
	Customers     []store.Customer
	Services      []serviceJSON
	CustomerNames map[int64]string
	QBOURL        string
	// Terms are the choices of the terms select; DueHint says where a due date not
	// set by hand comes from.
	Terms   []store.Term
	DueHint string
}

type lineRow struct {
	ServiceID, Description, Quantity, Rate, Amount string
}

func (s *Server) invoiceLists(c *gin.Context, d *invoicesData) error {
	var td timesheetData
	if err := s.loadLists(c, &td); err != nil {
		return err
	}
	d.Customers, d.Services, d.CustomerNames = td.Customers, td.Services, td.CustomerNames
	return nil
}

func (s *Server) uiInvoices(c *gin.Context) {
	pd := s.pageData(c, "Invoices", "invoices")
	d := &invoicesData{}
	if err := s.invoiceLists(c, d); err != nil {
		s.fail(c, err)
		return
	}
	var list listJSON[invoiceJSON]
	if e := s.callAPI(c, "GET", "/api/v1/invoices?limit=200", nil, &list); e != nil {
		pd.Error = e
	}
	d.Invoices = list.Items
	pd.Data = d
	s.render(c, http.StatusOK, "invoices", pd)
}

func (s *Server) uiNewInvoice(c *gin.Context) {
	f := url.Values{}
	acct, err := s.store.GetAccount(c.Request.Context(), mustAuth(c).AccountID)
	if err != nil {
		s.fail(c, err)
		return
	}
	f.Set("date", s.today(acct.TimeZone).Format(time.DateOnly))
	s.invoicePage(c, http.StatusOK, nil, f, make([]lineRow, 4), nil)
}

func (s *Server) uiInvoice(c *gin.Context) {
	var inv invoiceJSON
	if e := s.callAPI(c, "GET", "/api/v1/invoices/"+c.Param("id"), nil, &inv); e != nil {
		s.flash(c, "error", e.Message)
		s.redirect(c, "/invoices")
		return
	}
	f := url.Values{}
	f.Set("number", inv.Number)
	f.Set("date", inv.Date)
	if inv.DueDate != nil && inv.DueDateExplicit {
		f.Set("due_date", *inv.DueDate) // one that follows the terms is shown beside the field
	}
	f.Set("terms", inv.Terms)
	if inv.TermID != nil {
		f.Set("term_id", strconv.FormatInt(*inv.TermID, 10))
	}
	f.Set("memo", inv.Memo)
	var rows []lineRow
	for _, l := range inv.Lines {
		rows = append(rows, lineRow{ServiceID: strconv.FormatInt(l.ServiceID, 10), Description: l.Description, Quantity: l.Quantity, Rate: l.Rate, Amount: l.Amount})
	}
	rows = append(rows, lineRow{}, lineRow{})
	s.invoicePage(c, http.StatusOK, &inv, f, rows, nil)
}

func (s *Server) invoicePage(c *gin.Context, status int, inv *invoiceJSON, f url.Values, rows []lineRow, e *apiError) {
	title := "New invoice"
	if inv != nil {
		title = "Invoice " + inv.Number
	}
	pd := s.pageData(c, title, "invoices")
	d := &invoicesData{Invoice: inv, Lines: rows, DueHint: dueHint(inv)}
	if err := s.invoiceLists(c, d); err != nil {
		s.fail(c, err)
		return
	}
	current, _ := strconv.ParseInt(f.Get("term_id"), 10, 64)
	terms, err := s.termChoices(c.Request.Context(), mustAuth(c).AccountID, current)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Terms = terms
	if inv != nil && inv.SyncStatus != store.StatusNever {
		if st, err := s.store.GetSyncState(c.Request.Context(), mustAuth(c).AccountID, store.ObjectInvoice, inv.ID); err == nil && st.Status != "" {
			if conn, err := s.store.GetConnectionStatus(c.Request.Context(), mustAuth(c).AccountID); err == nil {
				if l, err := s.store.GetLink(c.Request.Context(), mustAuth(c).AccountID, conn.RealmID, store.ObjectInvoice, inv.ID); err == nil {
					d.QBOURL = s.qboInvoiceURL(l.QBOID)
				}
			}
		}
	}
	pd.Data, pd.Form = d, f
	pd.setError(e)
	s.render(c, status, "invoice_edit", pd)
}

// qboInvoiceURL links an invoice in QBO's web app (the emulator serves the same path).
func (s *Server) qboInvoiceURL(qboID string) string {
	base := "https://app.qbo.intuit.com"
	switch {
	case strings.Contains(s.cfg.QBOAPIBaseURL, "sandbox-quickbooks.api.intuit.com"):
		base = "https://app.sandbox.qbo.intuit.com"
	case !strings.Contains(s.cfg.QBOAPIBaseURL, "intuit.com"):
		base = s.cfg.QBOAPIBaseURL
	}
	return base + "/app/invoice?txnId=" + url.QueryEscape(qboID)
}

func (s *Server) uiSaveInvoice(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	svc, desc, qty, rate := f["line_service_id"], f["line_description"], f["line_quantity"], f["line_rate"]
	var rows []lineRow
	var lines []any
	var rowOf []int
	for i := range svc {
		row := lineRow{ServiceID: svc[i], Description: at(desc, i), Quantity: at(qty, i), Rate: at(rate, i)}
		rows = append(rows, row)
		if strings.TrimSpace(row.ServiceID) == "" && strings.TrimSpace(row.Quantity) == "" {
			continue
		}
		line := map[string]any{"description": row.Description}
		setIf(line, "service_id", formNumber(row.ServiceID))
		if row.Quantity != "" {
			line["quantity"] = strings.TrimSpace(row.Quantity)
		}
		if row.Rate != "" {
			line["rate"] = strings.TrimSpace(row.Rate)
		}
		lines = append(lines, line)
		rowOf = append(rowOf, i)
	}
	body := map[string]any{"number": f.Get("number"), "date": f.Get("date"), "due_date": f.Get("due_date"),
		"terms": f.Get("terms"), "memo": f.Get("memo"), "lines": lines}
	setIf(body, "customer_id", formNumber(f.Get("customer_id")))
	setIf(body, "term_id", formNumber(f.Get("term_id")))
	method, path := "POST", "/api/v1/invoices"
	var current *invoiceJSON
	if id := c.Param("id"); id != "" {
		method, path = "PUT", "/api/v1/invoices/"+id
		var inv invoiceJSON
		if e := s.callAPI(c, "GET", path, nil, &inv); e != nil {
			s.fail(c, e)
			return
		}
		current = &inv
	}
	var saved invoiceJSON
	if e := s.callAPI(c, method, path, body, &saved); e != nil {
		// Errors name lines by their place among the lines sent; show them on the row.
		var k int
		var rest string
		if n, _ := fmt.Sscanf(e.Field, "lines[%d]%s", &k, &rest); n == 2 && k < len(rowOf) {
			e.Field = fmt.Sprintf("lines[%d]%s", rowOf[k], rest)
		}
		s.invoicePage(c, http.StatusUnprocessableEntity, current, f, rows, e)
		return
	}
	s.flash(c, "ok", "Invoice "+saved.Number+" saved.")
	s.redirect(c, fmt.Sprintf("/invoices/%d", saved.ID))
}

func at(v []string, i int) string {
	if i < len(v) {
		return v[i]
	}
	return ""
}

func (s *Server) uiInvoiceAction(c *gin.Context) {
	id := c.Param("id")
	back := "/invoices/" + id
	switch c.Param("action") {
	case "sync":
		var st startedJSON
		if e := s.callAPI(c, "POST", "/api/v1/invoices/"+id+"/sync", nil, &st); e != nil {
			s.flash(c, "error", e.Message)
			s.redirect(c, back)
			return
		}
		s.redirect(c, back+"?workflow_id="+url.QueryEscape(st.WorkflowID))
	case "void":
		if !s.confirmed(c, "invoices", back, confirmData{Question: "Void this invoice?",
			Detail: "Its time becomes unbilled again. An invoice already in QuickBooks is voided there too.", Yes: "Void"}) {
			return
		}
		invoiceID, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			s.fail(c, errNotFound)
			return
		}
		_, pushed, err := s.voidInvoiceAndPush(c, invoiceID)
		if err != nil {
			s.flash(c, "error", s.toAPIError(c, err).Message)
			s.redirect(c, back)
			return
		}
		s.flash(c, "ok", "Invoice voided; its time is unbilled again."+pushNote(pushed))
		s.redirect(c, back+pushFollow("?", pushed))
	case "delete":
		if !s.confirmed(c, "invoices", back, confirmData{Question: "Delete this invoice?",
			Detail: "An invoice already in QuickBooks is deleted there too.", Yes: "Delete"}) {
			return
		}
		invoiceID, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			s.fail(c, errNotFound)
			return
		}
		del, err := s.deleteInvoiceAndPush(c, invoiceID)
		if err != nil {
			s.flash(c, "error", s.toAPIError(c, err).Message)
			s.redirect(c, back)
			return
		}
		s.flash(c, "ok", "Invoice deleted."+pushNote(del.QuickBooks))
		s.redirect(c, "/invoices"+pushFollow("?", del.QuickBooks))
	default:
		s.fail(c, errNotFound)
	}
}

// listData feeds the customers and services pages.
type listData struct {
	Customers []store.Customer
	Services  []serviceJSON
	Editing   any
	// Connected says whether the account has a QuickBooks connection (empty states).
	Connected bool
}

// connected reports whether the account has a QuickBooks connection that is not
// disconnected.
func (s *Server) connected(c *gin.Context) bool {
	connected, err := s.store.HasConnection(c.Request.Context(), mustAuth(c).AccountID)
	return err == nil && connected
}

func (s *Server) uiCustomers(c *gin.Context) { s.customersPage(c, http.StatusOK, nil, nil) }

func (s *Server) customersPage(c *gin.Context, status int, f url.Values, e *apiError) {
	pd := s.pageData(c, "Customers", "customers")
	ctx := c.Request.Context()
	a := mustAuth(c)
	d := &listData{Connected: s.connected(c)}
	var err error
	if d.Customers, err = s.store.ListCustomers(ctx, a.AccountID, "", store.Page{Limit: 1000}); err != nil {
		s.fail(c, err)
		return
	}
	if id, err := strconv.ParseInt(c.Param("id"), 10, 64); err == nil {
		cu, err := s.store.GetCustomer(ctx, a.AccountID, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.Editing = cu
		if f == nil {
			f = url.Values{"display_name": {cu.DisplayName}, "contact_name": {cu.ContactName}, "email": {cu.Email}, "active": {strconv.FormatBool(cu.Active)}}
		}
	}
	if f != nil {
		pd.Form = f
	}
	pd.Data = d
	pd.setError(e)
	s.render(c, status, "customers", pd)
}

func (s *Server) uiSaveCustomer(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	body := map[string]any{"display_name": f.Get("display_name"), "contact_name": f.Get("contact_name"), "email": f.Get("email"), "active": f.Get("active") == "true"}
	method, path := "POST", "/api/v1/customers"
	if id := c.Param("id"); id != "" {
		method, path = "PATCH", "/api/v1/customers/"+id
	}
	if e := s.callAPI(c, method, path, body, nil); e != nil {
		if f.Get("active") == "" {
			f.Set("active", "false")
		}
		s.customersPage(c, http.StatusUnprocessableEntity, f, e)
		return
	}
	s.flash(c, "ok", "Customer saved.")
	s.redirect(c, "/customers")
}

func (s *Server) uiResyncCustomers(c *gin.Context) {
	var st startedJSON
	if e := s.callAPI(c, "POST", "/api/v1/customers/resync", nil, &st); e != nil {
		s.flash(c, "error", e.Message)
		s.redirect(c, "/customers")
		return
	}
	s.redirect(c, "/customers?workflow_id="+url.QueryEscape(st.WorkflowID))
}

func (s *Server) uiServices(c *gin.Context) { s.servicesPage(c, http.StatusOK, nil, nil) }

func (s *Server) servicesPage(c *gin.Context, status int, f url.Values, e *apiError) {
	pd := s.pageData(c, "Services", "services")
	ctx := c.Request.Context()
	a := mustAuth(c)
	d := &listData{Connected: s.connected(c)}
	svcs, err := s.store.ListServices(ctx, a.AccountID, "", store.Page{Limit: 1000})
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, sv := range svcs {
		d.Services = append(d.Services, toServiceJSON(sv))
	}
	if id, err := strconv.ParseInt(c.Param("id"), 10, 64); err == nil {
		sv, err := s.store.GetService(ctx, a.AccountID, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.Editing = sv
		if f == nil {
			f = url.Values{"name": {sv.Name}, "rate": {money(sv.RateCents)}, "description": {sv.Description}, "active": {strconv.FormatBool(sv.Active)}}
		}
	}
	if f != nil {
		pd.Form = f
	}
	pd.Data = d
	pd.setError(e)
	s.render(c, status, "services", pd)
}

func (s *Server) uiSaveService(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	body := map[string]any{"name": f.Get("name"), "description": f.Get("description"), "active": f.Get("active") == "true"}
	if r := strings.TrimSpace(f.Get("rate")); r != "" {
		body["rate"] = r
	}
	method, path := "POST", "/api/v1/services"
	if id := c.Param("id"); id != "" {
		method, path = "PATCH", "/api/v1/services/"+id
	}
	if e := s.callAPI(c, method, path, body, nil); e != nil {
		if f.Get("active") == "" {
			f.Set("active", "false")
		}
		s.servicesPage(c, http.StatusUnprocessableEntity, f, e)
		return
	}
	s.flash(c, "ok", "Service saved.")
	s.redirect(c, "/services")
}

// usersData feeds the users page.
type usersData struct {
	Users       []store.User
	Invitations []store.Invitation
}

func (s *Server) uiUsers(c *gin.Context) { s.usersPage(c, http.StatusOK, nil, nil) }

func (s *Server) usersPage(c *gin.Context, status int, f url.Values, e *apiError) {
	pd := s.pageData(c, "Users", "users")
	ctx := c.Request.Context()
	a := mustAuth(c)
	d := &usersData{}
	var err error
	if d.Users, err = s.store.ListUsers(ctx, a.AccountID); err != nil {
		s.fail(c, err)
		return
	}
	if a.User.IsAdmin() {
		if d.Invitations, err = s.store.ListInvitations(ctx, a.AccountID); err != nil {
			s.fail(c, err)
			return
		}
	}
	if f != nil {
		pd.Form = f
	}
	pd.Data = d
	pd.setError(e)
	s.render(c, status, "users", pd)
}

func (s *Server) uiInvite(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	body := map[string]any{"email": f.Get("email"), "first_name": f.Get("first_name"), "last_name": f.Get("last_name"), "role": f.Get("role")}
	if e := s.callAPI(c, "POST", "/api/v1/invitations", body, nil); e != nil {
		s.usersPage(c, http.StatusUnprocessableEntity, f, e)
		return
	}
	s.flash(c, "ok", "Invitation sent to "+f.Get("email")+".")
	s.redirect(c, "/users")
}

func (s *Server) uiUpdateUser(c *gin.Context) {
	body := map[string]any{"role": c.PostForm("role"), "active": c.PostForm("active") != "false"}
	if e := s.callAPI(c, "PATCH", "/api/v1/users/"+c.Param("id"), body, nil); e != nil {
		s.flash(c, "error", e.Message)
	} else {
		s.flash(c, "ok", "User saved.")
	}
	s.redirect(c, "/users")
}

func (s *Server) uiWithdrawInvitation(c *gin.Context) {
	_ = c.Request.ParseForm()
	if !s.confirmed(c, "users", "/users", confirmData{Question: "Withdraw the invitation?", Detail: "Its link stops working.", Yes: "Withdraw"}) {
		return
	}
	if e := s.callAPI(c, "DELETE", "/api/v1/invitations/"+c.Param("id"), nil, nil); e != nil {
		s.flash(c, "error", e.Message)
	} else {
		s.flash(c, "ok", "Invitation withdrawn.")
	}
	s.redirect(c, "/users")
}

// settingsData feeds the settings page.
type settingsData struct {
	Connection     connectionJSON
	IncomeAccounts []store.IncomeAccount
	Days           []string
	Intervals      []string
}

func (s *Server) uiSettings(c *gin.Context) { s.settingsPage(c, http.StatusOK, nil, nil) }

func (s *Server) settingsPage(c *gin.Context, status int, f url.Values, e *apiError) {
	pd := s.pageData(c, "Settings", "settings")
	d := &settingsData{Days: []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		Intervals: []string{"off", "hourly", "daily"}}
	if ae := s.callAPI(c, "GET", "/api/v1/connection", nil, &d.Connection); ae != nil {
		s.fail(c, ae)
		return
	}
	var ias itemsJSON[store.IncomeAccount]
	if ae := s.callAPI(c, "GET", "/api/v1/income-accounts", nil, &ias); ae == nil {
		d.IncomeAccounts = ias.Items
	}
	if f == nil {
		var a accountJSON
		if ae := s.callAPI(c, "GET", "/api/v1/settings", nil, &a); ae != nil {
			s.fail(c, ae)
			return
		}
		f = url.Values{"time_zone": {a.TimeZone}, "week_start": {strconv.Itoa(a.WeekStart)},
			"income_account_name": {a.IncomeAccountName}, "resync_interval": {a.ResyncInterval}}
	}
	if c.Query("connected") != "" && pd.Flash == "" {
		pd.Flash = "Connected to QuickBooks. Your customers, services and income accounts are being imported."
	}
	pd.Data, pd.Form = d, f
	pd.setError(e)
	s.render(c, status, "settings", pd)
}

func (s *Server) uiSaveSettings(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	body := map[string]any{"time_zone": f.Get("time_zone"), "income_account_name": f.Get("income_account_name"), "resync_interval": f.Get("resync_interval")}
	setIf(body, "week_start", formNumber(f.Get("week_start")))
	if e := s.callAPI(c, "PATCH", "/api/v1/settings", body, nil); e != nil {
		s.settingsPage(c, http.StatusUnprocessableEntity, f, e)
		return
	}
	s.flash(c, "ok", "Settings saved.")
	s.redirect(c, "/settings")
}

// uiDeleteAccount deletes the account through the API; the owner typed the firm's name.
func (s *Server) uiDeleteAccount(c *gin.Context) {
	if e := s.callAPI(c, "DELETE", "/api/v1/account", map[string]any{"confirm": c.PostForm("confirm")}, nil); e != nil {
		s.settingsPage(c, e.Status, nil, e)
		return
	}
	s.flash(c, "ok", "The account and everything in it were deleted. What was synced stays in QuickBooks.")
	s.redirect(c, "/signin")
}

func (s *Server) uiDisconnect(c *gin.Context) {
	_ = c.Request.ParseForm()
	if !s.confirmed(c, "settings", "/settings", confirmData{Question: "Disconnect from QuickBooks?",
		Detail: "Syncing stops until you connect again. Nothing is deleted here or in QuickBooks.", Yes: "Disconnect from QuickBooks"}) {
		return
	}
	var pending struct {
		Status string `json:"status"`
	}
	switch e := s.callAPI(c, "DELETE", "/api/v1/connection", nil, &pending); {
	case e != nil:
		s.flash(c, "error", e.Message)
	case pending.Status == "disconnecting":
		s.flash(c, "ok", "Disconnecting from QuickBooks; Intuit is slow to answer, so this finishes in the background.")
	default:
		s.flash(c, "ok", "Disconnected from QuickBooks. Nothing was deleted; connect again at any time.")
	}
	s.redirect(c, "/settings")
}

// syncData feeds the sync activity page.
type syncData struct {
	History []historyJSON
	Next    *int
	// Filter carries the object filter into the "older" link.
	Filter template.URL
}

func (s *Server) uiSyncActivity(c *gin.Context) {
	pd := s.pageData(c, "Sync activity", "sync")
	path := "/api/v1/sync/activity?limit=50"
	filter := ""
	if typ, id := c.Query("type"), c.Query("id"); typ != "" && id != "" {
		path = "/api/v1/sync/states/" + url.PathEscape(typ) + "/" + url.PathEscape(id) + "?limit=50"
		filter = "&type=" + url.QueryEscape(typ) + "&id=" + url.QueryEscape(id)
	}
	if off := c.Query("offset"); off != "" {
		path += "&offset=" + url.QueryEscape(off)
	}
	d := &syncData{Filter: template.URL(filter)}
	var list listJSON[historyJSON]
	var e *apiError
	if filter != "" {
		var body syncStateBody
		e = s.callAPI(c, "GET", path, nil, &body)
		list = body.History
	} else {
		e = s.callAPI(c, "GET", path, nil, &list)
	}
	if e != nil {
		pd.Error = e
	}
	d.History, d.Next = list.Items, list.NextOffset
	pd.Data = d
	s.render(c, http.StatusOK, "sync", pd)
}
