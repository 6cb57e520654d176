package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/syncs"
)

// The web UI renders pages on the server and posts plain forms, one file per page
// (web_*.go). A form handler parses its form into the same typed input the JSON API
// decodes and calls the same use case (app); a page reads through the use cases too.
// An error comes back on its input's field, which the form's table of controls puts
// beside the control that edits it, with what the person typed.

const flashCookie = "hoursync_flash"

// pageData is what every template gets.
type pageData struct {
	Title       string
	Page        string
	Nav         string
	Me          *sessionJSON
	Admin       bool
	CSRF        string
	DevOutbox   bool
	Flash       string
	Error       *apiError
	Form        url.Values
	WorkflowID  string
	SelectionID string
	WorkflowURL string
	// Progress is the running sync's progress when the page was drawn, for browsers
	// without JavaScript (app.js keeps it current).
	Progress string
	// Skip is where the page's skip link leads (zero: the main content).
	Skip skipLink
	// Timer is the signed-in person's running timer (nil: none), which the header of
	// every page shows (web_timer.go).
	Timer *timerJSON
	// TimerBack is the page the timer's forms come back to ("grid"; "": the timesheet).
	TimerBack string
	Data      any
}

// zone is the account's time zone, in which pages show every time (UTC for nobody).
func (pd *pageData) zone() *time.Location {
	if pd.Me != nil {
		return zoneOf(pd.Me.Account.TimeZone)
	}
	return time.UTC
}

// When is a moment in the account's time zone: "2 Mar 2026 14:05 CET".
func (pd *pageData) When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(pd.zone()).Format("2 Jan 2006 15:04 MST")
}

// Day is the date of a moment in the account's time zone: "2 Mar 2026".
func (pd *pageData) Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(pd.zone()).Format("2 Jan 2006")
}

// skipLink is the first stop of the Tab key: a link past the navigation.
type skipLink struct{ To, Text string }

// setError shows e, keeping an error the previous page flashed when e is nil.
func (pd *pageData) setError(e *apiError) {
	if e != nil {
		pd.Error = e
	}
}

// controls maps the fields of a use case's input to the form controls that edit them,
// where their names differ; a field not listed is edited by the control of its name.
// The key "" is where a form shows an error that names no field (none: above the
// form).
type controls map[string]string

// on is e as the form shows it: on the control of its field.
func (t controls) on(e *apiError) *apiError {
	if e == nil {
		return nil
	}
	out := *e
	if name, ok := t[e.Field]; ok {
		out.Field = name
	}
	out.Fields = make([]fieldProblem, len(e.Fields))
	for i, f := range e.Fields {
		if name, ok := t[f.Field]; ok {
			f.Field = name
		}
		out.Fields[i] = f
	}
	return &out
}

// pageData prepares the data of a page for the signed-in person (or nobody).
func (s *Server) pageData(c *gin.Context, title, nav string) *pageData {
	pd := &pageData{Title: title, Nav: nav, Form: url.Values{}, DevOutbox: s.cfg.SMTPURL == ""}
	if a, ok := authOf(c); ok {
		me, err := s.app.Session(c.Request.Context(), a.User, a.Session)
		if err == nil {
			pd.Me = &me
			pd.Admin = a.User.IsAdmin()
			pd.CSRF = me.CSRFToken
			pd.Timer = s.loadTimer(c, &me)
		}
	}
	if v, err := c.Cookie(flashCookie); err == nil && v != "" {
		s.clearCookie(c, flashCookie)
		if raw, err := base64.RawURLEncoding.DecodeString(v); err == nil {
			var f struct{ Message, Kind string }
			if json.Unmarshal(raw, &f) == nil {
				if f.Kind == "error" {
					pd.Error = &apiError{Message: f.Message}
				} else {
					pd.Flash = f.Message
				}
			}
		}
	}
	if c.Query("done") != "" && pd.Flash == "" && pd.Error == nil {
		pd.Flash, pd.Error = syncResult(c.Query("done"), c.Query("synced"), c.Query("failed"))
	}
	if wf := c.Query("workflow_id"); wf != "" {
		if owner, ok := workflowAccount(wf); ok && pd.Me != nil && owner == pd.Me.Account.ID {
			pd.WorkflowID, pd.WorkflowURL, pd.SelectionID = wf, s.app.workflowURL(wf), c.Query("selection_id")
			pd.Progress = s.progressText(c, wf)
		}
	}
	return pd
}

// progressText says how far the sync is, briefly asked; "Sync started…" when the
// workflow does not answer in time.
func (s *Server) progressText(c *gin.Context, workflowID string) string {
	const started = "Sync started…"
	ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
	defer cancel()
	st, err := s.app.Progress(ctx, actorOf(c), workflowID, c.Query("selection_id"))
	p := st.Progress
	switch {
	case errors.Is(err, errSyncPaused):
		return errSyncPaused.Message + "."
	case err != nil || p.Total == 0:
		return started
	case p.Done >= p.Total:
		return "Finished: " + p.Message
	}
	return fmt.Sprintf("%d of %d done so far; reload the page to follow it.", p.Done, p.Total)
}

// syncResult is the message a finished sync of kind (the workflow id's first part)
// leaves: a flash when everything went through, an alert pointing at the failures
// otherwise.
func syncResult(kind, synced, failed string) (string, *apiError) {
	ok, err1 := strconv.Atoi(synced)
	bad, err2 := strconv.Atoi(failed)
	from := kind == "import" || kind == "resync"
	switch {
	case err1 != nil || err2 != nil:
		if from {
			return "Import from QuickBooks finished.", nil
		}
		return "Sync finished. Each object shows its result; a failed one says what to do.", nil
	case bad > 0 && from:
		return "", &apiError{Message: fmt.Sprintf("Import from QuickBooks finished: %d imported, %d failed. Sync activity says why.", ok, bad)}
	case bad > 0:
		return "", &apiError{Message: fmt.Sprintf("Sync finished: %d synced, %d failed. Each failed one says what to do.", ok, bad)}
	case from:
		return fmt.Sprintf("Import from QuickBooks finished: %d imported.", ok), nil
	}
	return fmt.Sprintf("Sync finished: %d synced to QuickBooks.", ok), nil
}

func (s *Server) render(c *gin.Context, status int, name string, pd *pageData) {
	t := s.templates[name]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render page", "page", name, "request_id", requestID(c), "err", err)
		c.String(http.StatusInternalServerError, "Something went wrong; try again.")
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// confirmData feeds the confirmation page.
type confirmData struct {
	Question, Detail, Yes, Action, Back string
	// Fields are the posted form's values, posted again with the confirmation.
	Fields url.Values
}

// confirmed reports whether a destructive form was confirmed: in the browser's dialog
// (app.js then adds confirmed=1) or, without JavaScript, on the confirmation page it
// renders here instead, which posts the same form again with confirmed=1.
func (s *Server) confirmed(c *gin.Context, nav, back string, d confirmData) bool {
	if c.PostForm("confirmed") == "1" {
		return true
	}
	pd := s.pageData(c, d.Question, nav)
	d.Action, d.Back, d.Fields = c.Request.URL.Path, back, url.Values{}
	for k, v := range c.Request.PostForm {
		if k != formCSRF && k != "confirmed" {
			d.Fields[k] = v
		}
	}
	pd.Data = d
	s.render(c, http.StatusOK, "confirm", pd)
	return false
}

// flash leaves a message for the next page.
func (s *Server) flash(c *gin.Context, kind, message string) {
	raw, _ := json.Marshal(struct{ Message, Kind string }{message, kind})
	s.setCookie(c, flashCookie, base64.RawURLEncoding.EncodeToString(raw), time.Minute)
}

// flashError leaves err's message for the next page.
func (s *Server) flashError(c *gin.Context, err error) {
	s.flash(c, "error", s.toAPIError(c, err).Message)
}

func (s *Server) redirect(c *gin.Context, to string) { c.Redirect(http.StatusSeeOther, to) }

// formID reads the :id of a form's path; a malformed one is not found.
func formID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// formNumber reads a whole number a form posted ("" or not a number: 0, which the use
// case refuses as a missing choice).
func formNumber(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n
}

// formText is a form value as an input's optional text: always set, since a posted
// form sends every control.
func formText(f url.Values, name string) *string {
	v := f.Get(name)
	return &v
}

// pushNote is what a flash adds about QuickBooks after a delete or void ("" when
// QuickBooks had nothing to hear).
func pushNote(p *pushJSON) string {
	if p == nil {
		return ""
	}
	return " " + p.Message
}

// pushFollow is the query that makes the next page follow the sync a delete or void
// started ("" when none started); sep joins it to the page's path.
func pushFollow(sep string, p *pushJSON) string {
	if p == nil || !p.Queued {
		return ""
	}
	q := sep + "workflow_id=" + url.QueryEscape(p.WorkflowID)
	if p.SelectionID != "" {
		q += "&selection_id=" + url.QueryEscape(p.SelectionID)
	}
	return q
}

// failedBack flashes err, when there is one, and goes back; it reports whether it did.
func (s *Server) failedBack(c *gin.Context, back string, err error) bool {
	if err == nil {
		return false
	}
	s.flashError(c, err)
	s.redirect(c, back)
	return true
}

// follow sends the browser back to the page it came from following the sync st (its
// progress, of its selection), or flashes why it did not start; sep joins the query
// to back.
func (s *Server) follow(c *gin.Context, back, sep string, st syncs.Started, err error) {
	if s.failedBack(c, back, err) {
		return
	}
	c.Set(ctxWorkflowID, st.WorkflowID)
	q := sep + "workflow_id=" + url.QueryEscape(st.WorkflowID)
	if st.SelectionID != "" {
		q += "&selection_id=" + url.QueryEscape(st.SelectionID)
	}
	s.redirect(c, back+q)
}
