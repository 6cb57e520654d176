package server

import (
	"errors"
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

// The timesheet (timesheet.html): a week (or any range of dates) of time cards with
// filters (web_timesheet_filters.go), the form that adds time, the week's approval, and
// the buttons under the table (sync, re-sync, delete with undo, change in bulk,
// invoice). The edit page of one card is web_timecard.go.

// timesheetData feeds the timesheet and the time card edit page.
type timesheetData struct {
	ID                   int64
	From, To, Prev, Next string
	UserID, CustomerID   int64
	ServiceID            int64
	Billable             string
	Status               string
	Statuses             []string
	// Ranged: the page shows the dates From to To (the filter's), not a week.
	Ranged bool
	// Filter is the view's filters, as hidden inputs of the forms under the table.
	Filter url.Values
	// Query carries the filters into the week links; built by url.Values.Encode.
	Query template.URL
	// Approval is the week of one person as the page shows it (nil in a range, or for
	// an admin looking at everyone); Approved lists who is approved that week.
	Approval *weekView
	Approved []string
	// Locked: the signed-in member's week is approved, so its inputs are disabled.
	Locked bool
	// Undo offers to restore the cards just deleted for UndoLeft more milliseconds.
	Undo     []timeCardJSON
	UndoText string
	UndoLeft int64
	// Bulk is the bulk change form as posted, BulkError its error, and Selected the
	// rows it had selected.
	Bulk                     url.Values
	BulkError                *apiError
	Selected                 map[int64]bool
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
	f := timesheetFilterOf(c.Request.URL.Query(), actorOf(c).admin())
	if form != nil {
		f.Week = form.Get("week")
	}
	s.timesheetPage(c, status, f, timesheetForms{Add: form, AddError: e})
}

// timesheetForms are the forms of the timesheet as posted, kept when one failed: the
// add form (Add, AddError) or the bulk change (Bulk, BulkError).
type timesheetForms struct {
	Add       url.Values
	AddError  *apiError
	Bulk      url.Values
	BulkError *apiError
}

// timesheetPage renders the timesheet of the filter f.
func (s *Server) timesheetPage(c *gin.Context, status int, f timesheetFilter, forms timesheetForms) {
	form, e := forms.Add, forms.AddError
	pd := s.pageData(c, "Timesheet", "timesheet")
	pd.Skip = skipLink{To: "#add-time", Text: "Skip to add time"}
	ctx, by := c.Request.Context(), actorOf(c)
	acct, err := s.app.Settings(ctx, by)
	if err != nil {
		s.fail(c, err)
		return
	}
	day, perr := time.Parse(time.DateOnly, f.Week)
	if perr != nil {
		day = s.app.today(acct.TimeZone)
	}
	from := weekOf(day, acct.WeekStart)
	d := &timesheetData{From: from.Format(time.DateOnly), To: from.AddDate(0, 0, 6).Format(time.DateOnly),
		Prev: from.AddDate(0, 0, -7).Format(time.DateOnly), Next: from.AddDate(0, 0, 7).Format(time.DateOnly),
		Statuses: timeCardStatuses, UserID: f.UserID, CustomerID: f.CustomerID, ServiceID: f.ServiceID, Billable: f.Billable,
		Status: f.Status, Bulk: forms.Bulk, BulkError: forms.BulkError, Selected: map[int64]bool{}}
	for _, id := range formIDs(forms.Bulk["card_id"]) {
		d.Selected[id] = true
	}
	q := f.query()
	if f.ranged() {
		d.Ranged, d.From, d.To = true, q.From, q.To
		f.From, f.To = q.From, q.To
	} else {
		f.Week = d.From
		q.Week, q.From, q.To = "", d.From, d.To
	}
	d.Filter = f.values()
	if filter := f.narrowing(); len(filter) > 0 {
		d.Query = template.URL("&" + filter.Encode())
	}
	if err := s.loadLists(c, d); err != nil {
		s.fail(c, err)
		return
	}
	cards, err := []timeCardJSON(nil), checkRange(q)
	if err == nil {
		cards, err = s.app.AllTimeCards(ctx, by, q)
	}
	if err != nil {
		pd.Error = s.toAPIError(c, err)
		if status == http.StatusOK {
			status = pd.Error.Status
		}
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
	if !d.Ranged {
		if err := s.weekApproval(c, pd, d, from); err != nil {
			s.fail(c, err)
			return
		}
	}
	if err := s.undoOffer(c, pd, d); err != nil {
		s.fail(c, err)
		return
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

// uiTimesheetAction handles the buttons under the table: sync, delete, change or
// invoice the selected time, or re-sync what changed or failed. Each returns to the
// view it came from (the filters ride along as hidden inputs).
func (s *Server) uiTimesheetAction(c *gin.Context) {
	_ = c.Request.ParseForm()
	ctx, by := c.Request.Context(), actorOf(c)
	f := timesheetFilterOf(c.Request.PostForm, by.admin())
	back := f.path()
	ids := formIDs(c.PostFormArray("card_id"))
	if len(ids) == 0 && c.PostForm("action") == "resync" {
		var err error
		if ids, err = s.app.TimeCardsToResync(ctx, by, f.query()); err != nil {
			s.flashError(c, err)
			s.redirect(c, back)
			return
		}
		if len(ids) == 0 {
			s.flash(c, "ok", "Nothing to re-sync here: no row is changed or failed.")
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
		if err == nil && st.Note != "" {
			s.flash(c, "ok", st.Note)
		}
		s.follow(c, back, sepOf(back), st.Started, err)
	case "delete":
		if !s.confirmed(c, "timesheet", back, confirmData{Question: fmt.Sprintf("Delete %s?", entries(len(ids))),
			Detail: "Time already in QuickBooks is deleted there too, once the few seconds to undo are over.", Yes: "Delete"}) {
			return
		}
		del, err := s.app.DeleteTimeCards(ctx, by, ids)
		if s.failedBack(c, back, err) {
			return
		}
		s.redirect(c, back+sepOf(back)+"undo="+joinIDs(del.IDs))
	case "bulk":
		res, err := s.app.BulkUpdateTimeCards(ctx, by, bulkForm(c.Request.PostForm, ids))
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusUnprocessableEntity {
			// A choice to fix: shown beside its control, the selection and choices kept.
			s.timesheetPage(c, ae.Status, f, timesheetForms{Bulk: c.Request.PostForm, BulkError: bulkControls.on(ae)})
			return
		}
		if s.failedBack(c, back, err) {
			return
		}
		kind := "ok"
		if len(res.Refused) > 0 {
			kind = "error"
		}
		s.flash(c, kind, res.Message)
		s.redirect(c, back)
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

// bulkControls: the bulk change edits its input's fields in controls of their own.
var bulkControls = controls{"customer_id": "bulk_customer_id", "service_id": "bulk_service_id", "billable": "bulk_billable"}

// bulkForm parses the bulk change under the table into the input the JSON API
// decodes; an empty choice keeps each card's own value.
func bulkForm(f url.Values, ids []int64) bulkUpdateInput {
	in := bulkUpdateInput{IDs: ids}
	if v := strings.TrimSpace(f.Get("bulk_customer_id")); v != "" {
		id := formNumber(v)
		in.CustomerID = &id
	}
	if v := strings.TrimSpace(f.Get("bulk_service_id")); v != "" {
		id := formNumber(v)
		in.ServiceID = &id
	}
	if v := f.Get("bulk_billable"); v == "true" || v == "false" {
		b := v == "true"
		in.Billable = &b
	}
	return in
}

// uiRestoreCards undoes a delete from the timesheet.
func (s *Server) uiRestoreCards(c *gin.Context) {
	_ = c.Request.ParseForm()
	by := actorOf(c)
	back := timesheetFilterOf(c.Request.PostForm, by.admin()).path()
	cards, err := s.app.RestoreTimeCards(c.Request.Context(), by, formIDs(c.PostFormArray("card_id")))
	if s.failedBack(c, back, err) {
		return
	}
	s.flash(c, "ok", fmt.Sprintf("Restored %s; QuickBooks heard of nothing.", entries(len(cards))))
	s.redirect(c, back)
}

// uiApproveWeek approves the week of the person the timesheet shows (admins).
func (s *Server) uiApproveWeek(c *gin.Context) { s.approval(c, true) }

// uiReopenWeek reopens it.
func (s *Server) uiReopenWeek(c *gin.Context) { s.approval(c, false) }

func (s *Server) approval(c *gin.Context, approve bool) {
	_ = c.Request.ParseForm()
	ctx, by := c.Request.Context(), actorOf(c)
	f := timesheetFilterOf(c.Request.PostForm, by.admin())
	in := weekApprovalInput{UserID: f.UserID, Week: f.Week}
	name := "this person"
	if u, err := s.app.GetUser(ctx, by, f.UserID); err == nil {
		name = u.FullName()
	}
	if approve {
		ap, err := s.app.ApproveWeek(ctx, by, in)
		if s.failedBack(c, f.path(), err) {
			return
		}
		s.flash(c, "ok", fmt.Sprintf("Approved the week of %s for %s: it is locked for them until an admin reopens it.", ap.WeekStart, name))
	} else {
		if s.failedBack(c, f.path(), s.app.ReopenWeek(ctx, by, in)) {
			return
		}
		s.flash(c, "ok", fmt.Sprintf("Reopened the week for %s: they can change its time again.", name))
	}
	s.redirect(c, f.path())
}

// weekView is the approval of one person's week as the timesheet shows it.
type weekView struct {
	UserID   int64
	Name     string
	Approved *weekApprovalJSON
	// Words say who approved it and when ("Approved by Ann on 3 Mar").
	Words string
}

// weekApproval shows the week's approval: of the person an admin chose, or the
// member's own (locked: the page's inputs are disabled); for an admin looking at
// everyone, who is approved.
func (s *Server) weekApproval(c *gin.Context, pd *pageData, d *timesheetData, start time.Time) error {
	ctx, by := c.Request.Context(), actorOf(c)
	person := d.UserID
	if !by.admin() {
		person = by.User.ID
	}
	approved, err := s.app.weekApprovalsOf(ctx, by.AccountID, person, start)
	if err != nil {
		return err
	}
	if person == 0 {
		for _, u := range d.Users {
			if ap, ok := approved[u.ID]; ok {
				d.Approved = append(d.Approved, fmt.Sprintf("%s (by %s on %s)", u.FullName(), ap.ApprovedBy, pd.zoned(ap.ApprovedAt)))
			}
		}
		return nil
	}
	v := &weekView{UserID: person, Name: d.UserNames[person]}
	if ap, ok := approved[person]; ok {
		v.Approved = &ap
		v.Words = fmt.Sprintf("Approved by %s on %s", ap.ApprovedBy, pd.zoned(ap.ApprovedAt))
		d.Locked = !by.admin()
		if d.Locked {
			v.Words = lockWords(ap.ApprovedBy, pd.zoned(ap.ApprovedAt))
		}
	}
	d.Approval = v
	return nil
}

// zoned is the day and month of a moment in the account's time zone: "3 Mar", as
// the refusal of a locked week says it.
func (pd *pageData) zoned(t time.Time) string { return t.In(pd.zone()).Format("2 Jan") }

// undoOffer offers to restore the cards a delete just took (?undo=ids) while it can.
func (s *Server) undoOffer(c *gin.Context, pd *pageData, d *timesheetData) error {
	ids := formIDs(strings.Split(c.Query("undo"), ","))
	if len(ids) == 0 {
		return nil
	}
	cards, until, err := s.app.restorable(c.Request.Context(), actorOf(c), ids)
	if err != nil || len(cards) == 0 {
		return err
	}
	d.Undo, d.UndoLeft = cards, max(time.Until(until).Milliseconds(), 0)
	d.UndoText = fmt.Sprintf("Deleted %s.", entries(len(cards)))
	for _, tc := range cards {
		if tc.SyncStatus == store.StatusSynced || tc.SyncStatus == store.StatusChanged {
			d.UndoText += " " + fmt.Sprintf(msgPushAfterUndo, int(s.app.undoFor().Round(time.Second)/time.Second))
			break
		}
	}
	return nil
}

// formIDs reads the ids a form posted, leaving out what is not one.
func formIDs(values []string) []int64 {
	var ids []int64
	for _, v := range values {
		if id := positive(v); id > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// joinIDs writes ids as "1,2,3".
func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// sepOf joins a query to path: "?" or "&".
func sepOf(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
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
