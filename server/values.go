package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// pathID reads the :id path parameter; a malformed id answers 404 like a missing one.
func (s *Server) pathID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(c, errNotFound)
		return 0, false
	}
	return id, true
}

// queryID reads an optional positive id from the query string.
func queryID(c *gin.Context, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalid(name, "%s must be a positive whole number", name)
	}
	return id, nil
}

// page is a list window: ?limit= (1–200, default 50) and ?offset=.
type page struct {
	Limit  int
	Offset int
}

const (
	defaultLimit = 50
	maxLimit     = 200
)

func (s *Server) page(c *gin.Context) (page, bool) {
	p := page{Limit: defaultLimit}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			s.fail(c, invalid("limit", "limit must be a whole number from 1 to %d", maxLimit))
			return page{}, false
		}
		p.Limit = n
	}
	if v := c.Query("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			s.fail(c, invalid("offset", "offset must be a whole number of at least 0"))
			return page{}, false
		}
		p.Offset = n
	}
	return p, true
}

// store asks for one row more than the page holds, to tell whether another page follows.
func (p page) store() store.Page { return store.Page{Limit: p.Limit + 1, Offset: p.Offset} }

// listJSON is the shape of every list answer.
type listJSON[T any] struct {
	Items      []T  `json:"items"`
	Limit      int  `json:"limit"`
	Offset     int  `json:"offset"`
	NextOffset *int `json:"next_offset"`
}

func paged[T any](p page, items []T) listJSON[T] {
	out := listJSON[T]{Items: items, Limit: p.Limit, Offset: p.Offset}
	if len(items) > p.Limit {
		out.Items = items[:p.Limit]
		next := p.Offset + p.Limit
		out.NextOffset = &next
	}
	if out.Items == nil {
		out.Items = []T{}
	}
	return out
}

// decimal holds a number as the client wrote it, JSON number or string, so money and
// quantities are parsed exactly into integers and never pass through float64.
type decimal struct {
	Text string
	Set  bool
}

// UnmarshalJSON keeps the literal text of a JSON number or string.
func (d *decimal) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = decimal{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = decimal{Text: strings.TrimSpace(s), Set: true}
		return nil
	}
	if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[float64]()}
	}
	*d = decimal{Text: string(b), Set: true}
	return nil
}

// MarshalJSON writes the text as a JSON string.
func (d decimal) MarshalJSON() ([]byte, error) { return json.Marshal(d.Text) }

// parseFixed parses a non-negative decimal with at most places decimals into an
// integer scaled by 10^places. max bounds the scaled value.
func parseFixed(field, text string, places int, max int64, what string) (int64, error) {
	if strings.HasPrefix(text, "-") {
		return 0, invalid(field, "%s must not be negative", what)
	}
	whole, frac, hasDot := strings.Cut(text, ".")
	if whole == "" || len(whole) > 12 || !allDigits(whole) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, invalid(field, "%s must be a number like %s", what, example(places))
	}
	if len(frac) > places {
		return 0, invalid(field, "%s has at most %d decimals", what, places)
	}
	frac += strings.Repeat("0", places-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > max {
		return 0, invalid(field, "%s is too large", what)
	}
	return n, nil
}

func example(places int) string {
	if places == 3 {
		return "1.5"
	}
	return "125.00"
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// formatFixed writes a scaled integer with places decimals ("12345", 2 → "123.45").
func formatFixed(n int64, places int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	if len(s) <= places {
		s = strings.Repeat("0", places-len(s)+1) + s
	}
	out := s[:len(s)-places] + "." + s[len(s)-places:]
	if neg {
		out = "-" + out
	}
	return out
}

func money(cents int64) string { return formatFixed(cents, 2) }

// parseDate reads a YYYY-MM-DD date within a sane range.
func parseDate(field, s string, required bool) (time.Time, error) {
	if s == "" {
		if required {
			return time.Time{}, invalid(field, "enter a date (YYYY-MM-DD)")
		}
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, invalid(field, "%s must be a date like 2026-03-31", field)
	}
	if d.Year() < 2000 || d.Year() > 2100 {
		return time.Time{}, invalid(field, "%s must be between the years 2000 and 2100", field)
	}
	return d, nil
}

// parseClock reads HH:MM into minutes after midnight.
func parseClock(field, s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, invalid(field, "%s must be a time like 09:30", field)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// today is the current date in the account's time zone.
func (s *Server) today(tz string) time.Time {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	y, m, d := s.now().In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// workflowURL links a workflow in the Temporal UI, which opens its latest run: right
// for a sync being followed, wrong for one that is over (see runURL).
func (s *Server) workflowURL(workflowID string) string {
	if workflowID == "" {
		return ""
	}
	return fmt.Sprintf("%s/namespaces/%s/workflows/%s", s.cfg.TemporalUIURL,
		url.PathEscape(s.cfg.TemporalNamespace), url.PathEscape(workflowID))
}

// runURL links one run of a workflow in the Temporal UI. Hoursync reuses a workflow id
// for every run of the same sync (the account's time-card sync, an invoice's syncs,
// continue-as-new), so a link to a past attempt must name its run or it opens a later
// one. Without a run id (a sync that never started) it falls back to workflowURL.
func (s *Server) runURL(workflowID, runID string) string {
	if workflowID == "" || runID == "" {
		return s.workflowURL(workflowID)
	}
	return s.workflowURL(workflowID) + "/" + url.PathEscape(runID) + "/history"
}
