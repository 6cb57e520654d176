package server

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The weekly grid (grid.html): the week as rows of customer × service (× person, for
// an admin looking at everyone) and a column per day, each cell a time to type. One
// form posts every cell; the use cases are in grid.go. app.js adds live totals, saves
// a changed cell when it loses focus (through the JSON API) and adds rows in place.

// gridData feeds grid.html.
type gridData struct {
	From, To, Prev, Next string
	// UserID is the person the admin picked (0: everyone, or a member's own week);
	// RowUser is whose rows "Add row" adds (0: the person is chosen per row).
	UserID, RowUser int64
	Everyone        bool
	// Query carries the person into the week links.
	Query     template.URL
	ListURL   string
	Days      []gridDayView
	Rows      []gridRowView
	Minutes   int
	AddedRows []string
	Users     []userJSON
	Customers []store.Customer
	Services  []serviceJSON
	// Approval says who approved the person's week and when ("" when it is not);
	// Locked: it is the signed-in member's own, so the grid cannot change it.
	Approval string
	Locked   bool
}

// gridDayView is a column: its day and the day's total.
type gridDayView struct {
	Date, Name string
	Minutes    int
}

// gridRowView is one row as drawn.
type gridRowView struct {
	Key                        string
	UserID, CustomerID         int64
	ServiceID                  int64
	Person, Customer, Service  string
	InactiveCustomer, Inactive bool
	Cells                      []gridCellView
	Minutes                    int
}

// gridCellView is one cell as drawn: an input (empty, or the one card of the day), the
// sum of the day's cards with a link to the list when there are several, or a billed
// card's time, which only its invoice changes. The page draws hundreds of cells, so
// what they show is worked out here rather than by template functions.
type gridCellView struct {
	Key, Label, Date, DayName string
	// Value is what the input shows: the card's time, or what was typed.
	Value string
	// Minutes is what the cell adds to the totals; Time shows them.
	Minutes int
	Time    string
	Card    *timeCardJSON
	// Was is the card the cell showed ("id:version:minutes"), posted back beside it.
	Was string
	// Multi: the day holds Count cards, edited in the list at ListURL.
	Multi   bool
	Count   int
	ListURL string
	Billed  bool
	// Status is the card's sync status ("" for none); Mark says it on hover, MarkText
	// to screen readers ("" when never synced).
	Status, Mark, MarkText string
	Error                  string
}

// gridPost is a posted grid drawn again: what was typed in each cell, the errors by
// cell, and whether nothing was saved (then every typed value is kept).
type gridPost struct {
	Week    string
	UserID  int64
	Rows    []string
	Typed   map[gridCell]string
	Errs    map[gridCell]string
	KeepAll bool
	Saved   string
}

// syncStatusText words a sync status as the pages' badges do (the template function
// statusText).
var syncStatusText = map[string]string{store.StatusNever: "not synced", store.StatusSynced: "synced", store.StatusChanged: "changed",
	store.StatusSyncing: "syncing", store.StatusFailed: "failed"}

func (s *Server) uiGrid(c *gin.Context) { s.grid(c, http.StatusOK, nil) }

// grid renders the week's grid; post keeps a refused save as typed.
func (s *Server) grid(c *gin.Context, status int, post *gridPost) {
	pd := s.pageData(c, "Weekly grid", "timesheet")
	pd.Skip = skipLink{To: "#grid", Text: "Skip to the grid"}
	pd.TimerBack = "grid"
	ctx, by := c.Request.Context(), actorOf(c)
	acct, err := s.app.Settings(ctx, by)
	if err != nil {
		s.fail(c, err)
		return
	}
	week, userParam, rowParams := c.Query("week"), c.Query("user_id"), c.QueryArray("row")
	if post != nil {
		week, userParam, rowParams = post.Week, strconv.FormatInt(post.UserID, 10), post.Rows
	}
	day, perr := time.Parse(time.DateOnly, week)
	if perr != nil {
		day = s.app.today(acct.TimeZone)
	}
	from := weekOf(day, acct.WeekStart)
	d := &gridData{From: from.Format(time.DateOnly), To: from.AddDate(0, 0, 6).Format(time.DateOnly),
		Prev: from.AddDate(0, 0, -7).Format(time.DateOnly), Next: from.AddDate(0, 0, 7).Format(time.DateOnly)}
	if id := formNumber(userParam); id > 0 && by.admin() {
		d.UserID = id
		d.Query = template.URL("&user_id=" + strconv.FormatInt(id, 10))
	}
	d.Everyone = by.admin() && d.UserID == 0
	d.RowUser = d.UserID
	if !by.admin() {
		d.RowUser = by.User.ID
	}
	d.ListURL = "/timesheet?week=" + d.From + string(d.Query)
	if err := s.gridApproval(ctx, by, pd, d, from); err != nil {
		s.fail(c, err)
		return
	}
	lists := &timesheetData{}
	if err := s.loadLists(c, lists); err != nil {
		s.fail(c, err)
		return
	}
	d.Users, d.Customers, d.Services = lists.Users, lists.Customers, lists.Services
	g, err := s.app.WeekGrid(ctx, by, from, d.UserID)
	if err != nil {
		s.fail(c, err)
		return
	}

	// The rows: every row with time this week, the rows added (empty until saved) and
	// the rows of the cells just posted.
	rows := map[gridRow]bool{}
	for k := range g.Cards {
		rows[k.gridRow] = true
	}
	added := func(r gridRow) {
		if !rows[r] && (d.Everyone || r.UserID == d.RowUser) {
			rows[r] = true
			d.AddedRows = append(d.AddedRows, r.String())
		}
	}
	for _, v := range rowParams {
		if r, ok := parseGridRow(v); ok {
			added(r)
		}
	}
	if post == nil && (c.Query("row_customer") != "" || c.Query("row_service") != "") {
		if r, err := addedRow(c.Request.URL.Query(), d, lists); err != nil {
			pd.Error, status = s.toAPIError(c, err), http.StatusUnprocessableEntity
			pd.Form = c.Request.URL.Query()
		} else {
			added(r)
		}
	}
	if post != nil {
		for k := range post.Typed {
			rows[k.gridRow] = true
		}
	}

	inactiveCustomers, inactiveServices := map[int64]bool{}, map[int64]bool{}
	for _, cu := range lists.Customers {
		inactiveCustomers[cu.ID] = !cu.Active
	}
	for _, sv := range lists.Services {
		inactiveServices[sv.ID] = !sv.Active
	}
	days := make([]string, 7)
	for i := range days {
		days[i] = from.AddDate(0, 0, i).Format(time.DateOnly)
		d.Days = append(d.Days, gridDayView{Date: days[i], Name: dayName(days[i])})
	}
	var errs []fieldProblem
	for r := range rows {
		rv := gridRowView{Key: r.String(), UserID: r.UserID, CustomerID: r.CustomerID, ServiceID: r.ServiceID,
			Person: nameOr(lists.UserNames, r.UserID, "Person"), Customer: nameOr(lists.CustomerNames, r.CustomerID, "Customer"),
			Service: nameOr(lists.ServiceNames, r.ServiceID, "Service"), InactiveCustomer: inactiveCustomers[r.CustomerID], Inactive: inactiveServices[r.ServiceID]}
		label := rv.Customer + ", " + rv.Service
		if d.Everyone {
			label = rv.Person + ", " + label
		}
		for i, date := range days {
			k := gridCell{gridRow: r, Date: date}
			cv := drawCell(k, g.Cards[k], by.admin())
			cv.DayName, cv.Label = d.Days[i].Name, label+", "+d.Days[i].Name
			if post != nil && !cv.Multi && !cv.Billed {
				if typed, ok := post.Typed[k]; ok && (post.KeepAll || post.Errs[k] != "") {
					cv.Value = typed
					cv.Minutes, _, _ = parseCellDuration("", typed)
				}
				if msg := post.Errs[k]; msg != "" {
					cv.Error = msg
					errs = append(errs, fieldProblem{Field: "cell_" + cv.Key, Message: msg})
				}
			}
			rv.Minutes += cv.Minutes
			d.Days[i].Minutes += cv.Minutes
			rv.Cells = append(rv.Cells, cv)
		}
		d.Minutes += rv.Minutes
		d.Rows = append(d.Rows, rv)
	}
	slices.SortFunc(d.Rows, func(a, b gridRowView) int {
		return cmp.Or(strings.Compare(a.Person, b.Person), cmp.Compare(a.UserID, b.UserID), strings.Compare(a.Customer, b.Customer),
			cmp.Compare(a.CustomerID, b.CustomerID), strings.Compare(a.Service, b.Service), cmp.Compare(a.ServiceID, b.ServiceID))
	})
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b fieldProblem) int { return strings.Compare(a.Field, b.Field) })
		pd.Error = &apiError{Status: http.StatusUnprocessableEntity, Code: codeValidation, Field: errs[0].Field, Message: errs[0].Message, Fields: errs}
		if post.Saved != "" {
			pd.Flash = post.Saved + " The cells marked need a fix; they show what you typed."
		}
	}
	pd.Data = d
	s.render(c, status, "grid", pd)
}

// addedRow is the row "Add row" asks for (row_user, row_customer, row_service), or
// the choices it lacks.
func addedRow(q url.Values, d *gridData, lists *timesheetData) (gridRow, error) {
	r := gridRow{UserID: d.RowUser, CustomerID: formNumber(q.Get("row_customer")), ServiceID: formNumber(q.Get("row_service"))}
	if d.Everyone {
		r.UserID = formNumber(q.Get("row_user"))
	}
	var p problems
	if r.UserID <= 0 {
		p.add(invalid("row_user", "choose a person"))
	}
	if _, ok := lists.CustomerNames[r.CustomerID]; !ok {
		p.add(invalid("row_customer", "choose a customer"))
	}
	if _, ok := lists.ServiceNames[r.ServiceID]; !ok {
		p.add(invalid("row_service", "choose a service"))
	}
	return r, p.err()
}

// drawCell is the cell k holding cards, as the grid shows it.
func drawCell(k gridCell, cards []timeCardJSON, admin bool) gridCellView {
	cv := gridCellView{Key: k.String(), Date: k.Date, Count: len(cards), Multi: len(cards) > 1}
	for _, tc := range cards {
		cv.Minutes += tc.Minutes
	}
	cv.Time = hm(cv.Minutes)
	switch {
	case cv.Multi:
		cv.ListURL = dayListURL(k, admin)
	case len(cards) == 1:
		tc := cards[0]
		cv.Card, cv.Billed, cv.Value = &tc, tc.InvoiceID != nil, hm(tc.Minutes)
		cv.Was = strconv.FormatInt(tc.ID, 10) + ":" + strconv.FormatInt(tc.Version, 10) + ":" + strconv.Itoa(tc.Minutes)
		cv.Status, cv.Mark = tc.SyncStatus, "QuickBooks: "+syncStatusText[tc.SyncStatus]
		if tc.SyncMessage != "" {
			cv.Mark += ": " + tc.SyncMessage
		}
		if tc.SyncStatus != store.StatusNever {
			cv.MarkText = "QuickBooks: " + syncStatusText[tc.SyncStatus]
		}
	}
	return cv
}

// nameOr is the name of id in names, or what it is and its number when unknown.
func nameOr(names map[int64]string, id int64, what string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return fmt.Sprintf("%s %d", what, id)
}

// dayListURL is the list view of one cell's day: its week, narrowed to the day, the
// customer, the service and (for an admin) the person.
func dayListURL(k gridCell, admin bool) string {
	q := url.Values{"week": {k.Date}, "from": {k.Date}, "to": {k.Date}, "customer_id": {strconv.FormatInt(k.CustomerID, 10)},
		"service_id": {strconv.FormatInt(k.ServiceID, 10)}}
	if admin {
		q.Set("user_id", strconv.FormatInt(k.UserID, 10))
	}
	return "/timesheet?" + q.Encode()
}

// uiSaveGrid saves the posted grid: every cell whose time differs from the card it
// showed. A time that cannot be read stops the save before anything is written; a
// cell a use case refuses is shown beside its input, and the others are saved.
func (s *Server) uiSaveGrid(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	post := &gridPost{Week: f.Get("week"), UserID: formNumber(f.Get("user_id")), Rows: f["row"], Typed: map[gridCell]string{}, Errs: map[gridCell]string{}}
	var edits []gridEdit
	for name, values := range f {
		key, isCell := strings.CutPrefix(name, "cell_")
		if !isCell {
			continue
		}
		k, ok := parseGridCell(key)
		if !ok {
			s.fail(c, invalid(name, "%s is not a cell of the grid", name))
			return
		}
		typed := values[0]
		post.Typed[k] = typed
		minutes, set, err := parseCellDuration(name, typed)
		if err != nil {
			post.Errs[k] = sentence(s.toAPIError(c, err).Message)
			continue
		}
		e := gridEdit{Cell: k}
		was := 0
		if v := f.Get("was_" + key); v != "" {
			parts := strings.Split(v, ":")
			if len(parts) != 3 {
				s.fail(c, invalid("was_"+key, "was_%s is not a card of the grid", key))
				return
			}
			e.CardID, e.Version = formNumber(parts[0]), formNumber(parts[1])
			was = int(formNumber(parts[2]))
		}
		if set {
			e.Minutes = &minutes
		}
		if (e.CardID == 0 && !set) || (e.CardID != 0 && set && minutes == was) {
			continue
		}
		edits = append(edits, e)
	}
	if len(post.Errs) > 0 {
		post.KeepAll = true
		s.grid(c, http.StatusUnprocessableEntity, post)
		return
	}
	slices.SortFunc(edits, func(a, b gridEdit) int { return a.Cell.compare(b.Cell) })
	saved := s.app.SaveGrid(c.Request.Context(), actorOf(c), edits)
	for k, err := range saved.Errs {
		post.Errs[k] = sentence(s.toAPIError(c, err).Message)
	}
	if len(post.Errs) > 0 {
		if saved.Added+saved.Changed+saved.Deleted > 0 {
			post.Saved = savedText(saved) + pushNote(saved.QuickBooks)
		}
		s.grid(c, http.StatusUnprocessableEntity, post)
		return
	}
	s.flash(c, "ok", savedText(saved)+pushNote(saved.QuickBooks))
	back := "/timesheet/grid?week=" + url.QueryEscape(post.Week)
	if post.UserID > 0 {
		back += "&user_id=" + strconv.FormatInt(post.UserID, 10)
	}
	s.redirect(c, back+pushFollow("&", saved.QuickBooks))
}

// savedText says what a save did: "Saved: 3 added, 1 changed."
func savedText(saved gridSaved) string {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{saved.Added, "added"}, {saved.Changed, "changed"}, {saved.Deleted, "deleted"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if len(parts) == 0 {
		return "Saved: every cell is up to date."
	}
	return "Saved: " + strings.Join(parts, ", ") + "."
}

// gridApproval shows whether the week of the grid's person is approved: locked for a
// member (the store refuses their changes all the same), still open to an admin.
func (s *Server) gridApproval(ctx context.Context, by actor, pd *pageData, d *gridData, from time.Time) error {
	person := d.UserID
	if !by.admin() {
		person = by.User.ID
	}
	if person == 0 {
		return nil
	}
	approved, err := s.app.weekApprovalsOf(ctx, by.AccountID, person, from)
	if err != nil {
		return err
	}
	if ap, ok := approved[person]; ok {
		d.Locked = !by.admin()
		d.Approval = fmt.Sprintf("Approved by %s on %s", ap.ApprovedBy, pd.zoned(ap.ApprovedAt))
		if d.Locked {
			d.Approval = lockWords(ap.ApprovedBy, pd.zoned(ap.ApprovedAt))
		}
	}
	return nil
}
