package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// timeCardRequest is the body of a time card to create or replace. Duration is either
// minutes or start_time and end_time (HH:MM, same day); rate defaults to the service's.
type timeCardRequest struct {
	UserID     *int64  `json:"user_id"`
	CustomerID int64   `json:"customer_id" openapi:"required"`
	ServiceID  int64   `json:"service_id" openapi:"required"`
	Date       string  `json:"date" openapi:"required"`
	Minutes    *int    `json:"minutes"`
	StartTime  string  `json:"start_time"`
	EndTime    string  `json:"end_time"`
	Billable   *bool   `json:"billable"`
	Rate       decimal `json:"rate"`
	Notes      string  `json:"notes"`
}

// timeCardDraft is a validated request; RateCents is -1 when the service's rate applies.
type timeCardDraft struct {
	store.TimeCardInput
	UserSet bool
}

// decodeTimeCard parses and validates a time card body without touching the database.
func decodeTimeCard(body []byte) (timeCardDraft, error) {
	var r timeCardRequest
	if err := decodeStrict(body, &r); err != nil {
		return timeCardDraft{}, err
	}
	return r.validate()
}

func (r timeCardRequest) validate() (timeCardDraft, error) {
	var d timeCardDraft
	if r.UserID != nil {
		if *r.UserID <= 0 {
			return d, invalid("user_id", "choose a person")
		}
		d.UserID, d.UserSet = *r.UserID, true
	}
	if r.CustomerID <= 0 {
		return d, invalid("customer_id", "choose a customer")
	}
	if r.ServiceID <= 0 {
		return d, invalid("service_id", "choose a service")
	}
	d.CustomerID, d.ServiceID = r.CustomerID, r.ServiceID
	date, err := parseDate("date", r.Date, true)
	if err != nil {
		return d, err
	}
	d.WorkDate = date
	switch {
	case r.StartTime != "" || r.EndTime != "":
		if r.StartTime == "" || r.EndTime == "" {
			field := "start_time"
			if r.EndTime == "" {
				field = "end_time"
			}
			return d, invalid(field, "enter both a start and an end time, or only minutes")
		}
		start, err := parseClock("start_time", r.StartTime)
		if err != nil {
			return d, err
		}
		end, err := parseClock("end_time", r.EndTime)
		if err != nil {
			return d, err
		}
		if end <= start {
			return d, invalid("end_time", "the end time must be after the start time")
		}
		if r.Minutes != nil && *r.Minutes != end-start {
			return d, invalid("minutes", "minutes do not match the start and end times")
		}
		d.Minutes, d.StartTime, d.EndTime = end-start, r.StartTime, r.EndTime
	case r.Minutes != nil:
		d.Minutes = *r.Minutes
	default:
		return d, invalid("minutes", "enter how long you worked")
	}
	if d.Minutes < 1 || d.Minutes > 24*60 {
		return d, invalid("minutes", "a time card is from 1 minute to 24 hours")
	}
	d.Billable = true
	if r.Billable != nil {
		d.Billable = *r.Billable
	}
	d.RateCents = -1
	if r.Rate.Set {
		if d.RateCents, err = parseFixed("rate", r.Rate.Text, 2, maxRateCents, "the rate"); err != nil {
			return d, err
		}
	}
	if err := checkText("notes", r.Notes, 0, 4000, "notes"); err != nil {
		return d, err
	}
	d.Notes = r.Notes
	return d, nil
}

type timeCardJSON struct {
	ID         int64   `json:"id"`
	UserID     int64   `json:"user_id"`
	CustomerID int64   `json:"customer_id"`
	ServiceID  int64   `json:"service_id"`
	Date       string  `json:"date"`
	Minutes    int     `json:"minutes"`
	StartTime  *string `json:"start_time"`
	EndTime    *string `json:"end_time"`
	Billable   bool    `json:"billable"`
	Rate       string  `json:"rate"`
	RateCents  int64   `json:"rate_cents"`
	Notes      string  `json:"notes"`
	InvoiceID  *int64  `json:"invoice_id"`
	// Deleted marks a deleted card whose deletion has not reached QuickBooks yet
	// (listed only with pending_deletes=true).
	Deleted     bool      `json:"deleted,omitempty"`
	Version     int64     `json:"version"`
	SyncStatus  string    `json:"sync_status"`
	SyncMessage string    `json:"sync_message"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toTimeCardJSON(t store.TimeCard) timeCardJSON {
	out := timeCardJSON{ID: t.ID, UserID: t.UserID, CustomerID: t.CustomerID, ServiceID: t.ServiceID, Date: t.Date(),
		Minutes: t.Minutes, Billable: t.Billable, Rate: money(t.RateCents), RateCents: t.RateCents, Notes: t.Notes,
		Deleted: t.DeletedAt.Valid, Version: t.Version, SyncStatus: t.SyncStatus, SyncMessage: t.SyncMessage, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if t.StartTime.Valid {
		out.StartTime = &t.StartTime.String
	}
	if t.EndTime.Valid {
		out.EndTime = &t.EndTime.String
	}
	if t.InvoiceID.Valid {
		out.InvoiceID = &t.InvoiceID.Int64
	}
	return out
}

// resolveCard fills the defaults of a validated card: the user (the signed-in person
// unless an admin names someone) and the rate (the service's). A member naming someone
// else is refused.
func (s *Server) resolveCard(c *gin.Context, d timeCardDraft, defaultUser int64) (store.TimeCardInput, error) {
	a := mustAuth(c)
	in := d.TimeCardInput
	if !d.UserSet {
		in.UserID = defaultUser
	}
	if in.UserID != a.User.ID && !a.User.IsAdmin() {
		return in, &apiError{Status: http.StatusForbidden, Code: codeForbidden, Field: "user_id", Message: "you can record time only for yourself"}
	}
	refs, err := s.store.CheckTimeCardRefs(c.Request.Context(), a.AccountID, in.UserID, in.CustomerID, in.ServiceID)
	switch {
	case err != nil:
		return in, err
	case !refs.UserOK:
		return in, notFound("user_id", "user")
	case !refs.CustomerOK:
		return in, notFound("customer_id", "customer")
	case !refs.ServiceRate.Valid:
		return in, notFound("service_id", "service")
	}
	if in.RateCents < 0 {
		in.RateCents = refs.ServiceRate.Int64
	}
	return in, nil
}

// ownCard loads a card the signed-in person may see: any card for an admin, only their
// own for a member (another's answers 404).
func (s *Server) ownCard(c *gin.Context, id int64) (store.TimeCard, error) {
	a := mustAuth(c)
	tc, err := s.store.GetTimeCard(c.Request.Context(), a.AccountID, id)
	if err != nil {
		return store.TimeCard{}, err
	}
	if !a.User.IsAdmin() && tc.UserID != a.User.ID {
		return store.TimeCard{}, errNotFound
	}
	return tc, nil
}

func (s *Server) readTimeCard(c *gin.Context) (timeCardDraft, bool) {
	var r timeCardRequest
	if err := decodeJSON(c, &r); err != nil {
		s.fail(c, err)
		return timeCardDraft{}, false
	}
	d, err := r.validate()
	if err != nil {
		s.fail(c, err)
		return timeCardDraft{}, false
	}
	return d, true
}

func (s *Server) createTimeCard(c *gin.Context) {
	d, ok := s.readTimeCard(c)
	if !ok {
		return
	}
	a := mustAuth(c)
	in := d.TimeCardInput
	if !d.UserSet {
		in.UserID = a.User.ID
	}
	if in.UserID != a.User.ID && !a.User.IsAdmin() {
		s.fail(c, &apiError{Status: http.StatusForbidden, Code: codeForbidden, Field: "user_id", Message: "you can record time only for yourself"})
		return
	}
	// One statement checks the references and inserts: this is the API's hot path.
	tc, err := s.store.CreateTimeCard(c.Request.Context(), a.AccountID, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toTimeCardJSON(tc))
}

func (s *Server) getTimeCard(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	tc, err := s.ownCard(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toTimeCardJSON(tc))
}

// updateTimeCard replaces a card. A card billed on an invoice or syncing right now is
// refused with the reason (409); a synced card becomes "changed".
func (s *Server) updateTimeCard(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	cur, err := s.ownCard(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, ok := s.readTimeCard(c)
	if !ok {
		return
	}
	in, err := s.resolveCard(c, d, cur.UserID)
	if err != nil {
		s.fail(c, err)
		return
	}
	tc, err := s.store.UpdateTimeCard(c.Request.Context(), mustAuth(c).AccountID, id, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toTimeCardJSON(tc))
}

// deleteTimeCard deletes a card; one QuickBooks has is deleted there at once.
func (s *Server) deleteTimeCard(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	out, err := s.deleteCardsAndPush(c, []int64{id})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// listTimeCards lists cards by week (?week=any date in it, weeks start on the
// account's week start), date range, user, customer, sync status or unbilled, and with
// pending_deletes=true deleted cards still to be deleted in QuickBooks. Members see
// only their own.
func (s *Server) listTimeCards(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	a := mustAuth(c)
	ctx := c.Request.Context()
	var f store.TimeCardFilter
	var err error
	fail := func(e error) bool {
		if e != nil {
			s.fail(c, e)
			return true
		}
		return false
	}
	if week := c.Query("week"); week != "" {
		day, err := parseDate("week", week, true)
		if fail(err) {
			return
		}
		acct, err := s.store.GetAccount(ctx, a.AccountID)
		if fail(err) {
			return
		}
		back := (int(day.Weekday()) - acct.WeekStart + 7) % 7
		f.From = day.AddDate(0, 0, -back)
		f.To = f.From.AddDate(0, 0, 6)
	}
	if v := c.Query("from"); v != "" {
		if f.From, err = parseDate("from", v, true); fail(err) {
			return
		}
	}
	if v := c.Query("to"); v != "" {
		if f.To, err = parseDate("to", v, true); fail(err) {
			return
		}
	}
	if f.UserID, err = queryID(c, "user_id"); fail(err) {
		return
	}
	if f.CustomerID, err = queryID(c, "customer_id"); fail(err) {
		return
	}
	switch st := c.Query("status"); st {
	case "", store.StatusNever, store.StatusSynced, store.StatusChanged, store.StatusSyncing, store.StatusFailed:
		f.Status = st
	default:
		fail(invalid("status", "status is one of never, synced, changed, syncing, failed"))
		return
	}
	if v := c.Query("ids"); v != "" {
		for _, part := range strings.Split(v, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || id <= 0 || len(f.IDs) >= 1000 {
				fail(invalid("ids", "ids is a comma-separated list of up to 1000 time card ids"))
				return
			}
			f.IDs = append(f.IDs, id)
		}
	}
	switch c.Query("unbilled") {
	case "", "false":
	case "true":
		f.Unbilled = true
	default:
		fail(invalid("unbilled", "unbilled is true or false"))
		return
	}
	switch c.Query("pending_deletes") {
	case "", "false":
	case "true":
		f.PendingDeletes = true
	default:
		fail(invalid("pending_deletes", "pending_deletes is true or false"))
		return
	}
	if !a.User.IsAdmin() {
		if f.UserID != 0 && f.UserID != a.User.ID {
			c.JSON(http.StatusOK, paged(p, []timeCardJSON{}))
			return
		}
		f.UserID = a.User.ID
	}
	cards, err := s.store.ListTimeCards(ctx, a.AccountID, f, p.store())
	if fail(err) {
		return
	}
	out := make([]timeCardJSON, 0, len(cards))
	for _, tc := range cards {
		out = append(out, toTimeCardJSON(tc))
	}
	c.JSON(http.StatusOK, paged(p, out))
}
