package server

import (
	"time"

	"hoursync/internal/store"
)

// timeCardInput is a time card to create or replace, as the JSON body and the
// timesheet's form both give it. Duration is either
// minutes or start_time and end_time (HH:MM, same day); rate defaults to the service's.
type timeCardInput struct {
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
	// timeError is why a form's time could not be read as minutes; validate reports
	// it on minutes beside the input's other errors.
	timeError error
}

// timeCardDraft is a validated request; RateCents is -1 when the service's rate applies.
type timeCardDraft struct {
	store.TimeCardInput
	UserSet bool
}

// decodeTimeCard parses and validates a time card body without touching the database.
func decodeTimeCard(body []byte) (timeCardDraft, error) {
	var r timeCardInput
	if err := decodeStrict(body, &r); err != nil {
		return timeCardDraft{}, err
	}
	return r.validate()
}

func (r timeCardInput) validate() (timeCardDraft, error) {
	var d timeCardDraft
	var p problems
	if r.UserID != nil {
		if *r.UserID <= 0 {
			p.add(invalid("user_id", "choose a person"))
		}
		d.UserID, d.UserSet = *r.UserID, true
	}
	if r.CustomerID <= 0 {
		p.add(invalid("customer_id", "choose a customer"))
	}
	if r.ServiceID <= 0 {
		p.add(invalid("service_id", "choose a service"))
	}
	d.CustomerID, d.ServiceID = r.CustomerID, r.ServiceID
	date, err := parseDate("date", r.Date, true)
	p.add(err)
	d.WorkDate = date
	p.add(r.duration(&d))
	d.Billable = true
	if r.Billable != nil {
		d.Billable = *r.Billable
	}
	d.RateCents = -1
	if r.Rate.Set {
		d.RateCents, err = parseFixed("rate", r.Rate.Text, 2, maxRateCents, "the rate")
		p.add(err)
	}
	p.add(checkText("notes", r.Notes, 0, 4000, "notes"))
	d.Notes = r.Notes
	return d, p.err()
}

// duration sets d's minutes (and start and end) from minutes or the start and end
// times, or says why it cannot.
func (r timeCardInput) duration(d *timeCardDraft) error {
	switch {
	case r.timeError != nil:
		return r.timeError
	case r.StartTime != "" || r.EndTime != "":
		if r.StartTime == "" || r.EndTime == "" {
			field := "start_time"
			if r.EndTime == "" {
				field = "end_time"
			}
			return invalid(field, "enter both a start and an end time, or only minutes")
		}
		start, err1 := parseClock("start_time", r.StartTime)
		end, err2 := parseClock("end_time", r.EndTime)
		var p problems
		p.add(err1)
		p.add(err2)
		if err := p.err(); err != nil {
			return err
		}
		if end <= start {
			return invalid("end_time", "the end time must be after the start time")
		}
		if r.Minutes != nil && *r.Minutes != end-start {
			return invalid("minutes", "minutes do not match the start and end times")
		}
		d.Minutes, d.StartTime, d.EndTime = end-start, r.StartTime, r.EndTime
	case r.Minutes != nil:
		d.Minutes = *r.Minutes
	default:
		return invalid("minutes", "enter how long you worked")
	}
	if d.Minutes < 1 || d.Minutes > 24*60 {
		return invalid("minutes", "a time card is from 1 minute to 24 hours")
	}
	return nil
}

// timeCardJSON is a time card as the API answers it and the timesheet shows it.
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
	Deleted     bool   `json:"deleted,omitempty"`
	Version     int64  `json:"version"`
	SyncStatus  string `json:"sync_status"`
	SyncMessage string `json:"sync_message"`
	// SyncErrorCode is the error type of a failed sync (workflows.ErrType…), for
	// clients to branch on; SyncMessage is what to show.
	SyncErrorCode string    `json:"sync_error_code"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
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
