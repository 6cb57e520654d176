package server

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// queryBool reads an optional true or false from the query string.
func queryBool(c *gin.Context, name string) (bool, error) {
	switch c.Query(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, invalid(name, "%s is true or false", name)
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

// page reads the list window of the request's query, answering 422 when it is not
// one.
func (s *Server) page(c *gin.Context) (page, bool) {
	p, err := parsePage(c.Query("limit"), c.Query("offset"))
	if err != nil {
		s.fail(c, err)
		return page{}, false
	}
	return p, true
}

// parsePage reads ?limit= and ?offset=.
func parsePage(limit, offset string) (page, error) {
	p := page{Limit: defaultLimit}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > maxLimit {
			return page{}, invalid("limit", "limit must be a whole number from 1 to %d", maxLimit)
		}
		p.Limit = n
	}
	if offset != "" {
		n, err := strconv.Atoi(offset)
		if err != nil || n < 0 || n > 1_000_000 {
			return page{}, invalid("offset", "offset must be a whole number of at least 0")
		}
		p.Offset = n
	}
	return p, nil
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
		return time.Time{}, invalid(field, "%s must be a date like 2026-03-31", words(field))
	}
	if d.Year() < 2000 || d.Year() > 2100 {
		return time.Time{}, invalid(field, "%s must be between the years 2000 and 2100", words(field))
	}
	return d, nil
}

// words is a field's name as its label says it: "due_date" is "due date".
func words(field string) string { return strings.ReplaceAll(field, "_", " ") }

// parseClock reads HH:MM into minutes after midnight.
func parseClock(field, s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, invalid(field, "%s must be a time like 09:30", words(field))
	}
	return t.Hour()*60 + t.Minute(), nil
}

// weekOf is the first day of day's week, for weeks that start on weekStart (0 is
// Sunday).
func weekOf(day time.Time, weekStart int) time.Time {
	return day.AddDate(0, 0, -((int(day.Weekday()) - weekStart + 7) % 7))
}

func normalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// checkEmail accepts a plain address (no display name, no line breaks).
func checkEmail(field, s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return invalid(field, "enter an e-mail address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || strings.ContainsAny(s, "\r\n") {
		return invalid(field, "enter a valid e-mail address, like name@example.com")
	}
	return nil
}

func checkPassword(field, p string) error {
	switch {
	case utf8.RuneCountInString(p) < 10:
		return invalid(field, "use at least 10 characters")
	case len(p) > 72:
		return invalid(field, "use at most 72 bytes")
	}
	return nil
}

func checkText(field, s string, minLen, maxLen int, what string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if n < minLen {
		return invalid(field, "enter %s", what)
	}
	if n > maxLen {
		return invalid(field, "%s must be at most %d characters", what, maxLen)
	}
	return nil
}

func checkTimeZone(field, tz string) error {
	if tz == "" || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") {
		return invalid(field, "choose a time zone, like America/New_York")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return invalid(field, "unknown time zone %q", tz)
	}
	return nil
}

// hm shows minutes as h:mm (the pages, the forms' time field, the timer's messages).
func hm(minutes int) string { return fmt.Sprintf("%d:%02d", minutes/60, minutes%60) }
