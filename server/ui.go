package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/server/web"
)

// The web UI renders pages on the server and posts plain forms. Every form is turned
// into the JSON API call the API clients make, run in-process through the same router
// (same session, CSRF token, validation, tenant checks), so the UI and the API can
// never disagree about a rule; an error comes back with its field and is shown beside
// that field with what the person typed.

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
	Data     any
}

// setError shows e, keeping an error the previous page flashed when e is nil.
func (pd *pageData) setError(e *apiError) {
	if e != nil {
		pd.Error = e
	}
}

// fieldView is one labelled input.
type fieldView struct {
	Name, Label, Type, Autocomplete, Value, Error, Step string
}

func parseTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"field": func(pd *pageData, name, label, typ, autocomplete string) fieldView {
			return fieldView{Name: name, Label: label, Type: typ, Autocomplete: autocomplete, Value: pd.Form.Get(name), Error: fieldError(pd.Error, name)}
		},
		"fieldError": fieldError,
		"sentence":   sentence,
		"objectName": objectName,
		"objectURL":  objectURL,
		"kindName": func(kind string) string {
			if name, ok := map[string]string{"import": "Import from QuickBooks", "timecards": "Time sync", "invoice": "Invoice sync",
				"resync": "Re-sync", "scheduled-resync": "Scheduled re-sync", "token-keepalive": "Token refresh", "disconnect": "Disconnect"}[kind]; ok {
				return name
			}
			return kind
		},
		"dollars": dollars,
		"statusText": func(s string) string {
			return map[string]string{"never": "not synced", "synced": "synced", "changed": "changed", "syncing": "syncing", "failed": "failed"}[s]
		},
		"hm": func(minutes int) string { return fmt.Sprintf("%d:%02d", minutes/60, minutes%60) },
		"weekday": func(date string) string {
			d, err := time.Parse(time.DateOnly, date)
			if err != nil {
				return ""
			}
			return d.Format("Mon")
		},
		"date":      func(t time.Time) string { return t.Format("2 Jan 2006") },
		"datetime":  func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"inc":       func(i int) int { return i + 1 },
		"reconnect": func(msg string) bool { return strings.Contains(msg, "Reconnect QuickBooks") },
	}
	pages := map[string]string{
		"auth": "auth.html", "timesheet": "timesheet.html", "timecard_edit": "timesheet.html timecard_edit.html",
		"invoices": "invoices.html", "invoice_edit": "invoice_edit.html", "customers": "customers.html",
		"services": "services.html", "users": "users.html", "settings": "settings.html", "sync": "sync.html", "outbox": "outbox.html",
		"confirm": "confirm.html",
	}
	out := map[string]*template.Template{}
	for name, files := range pages {
		paths := []string{"templates/layout.html"}
		for _, f := range strings.Fields(files) {
			paths = append(paths, "templates/"+f)
		}
		// Later files redefine "content": the edit page reuses the timesheet's field
		// templates with a content of its own.
		t := template.Must(template.New(name).Funcs(funcs).ParseFS(web.FS, paths...))
		out[name] = t
	}
	return out
}

func fieldError(e *apiError, name string) string {
	if e != nil && e.Field == name {
		return sentence(e.Message)
	}
	return ""
}

// sentence starts an API message (written to be embedded, in lower case) with a
// capital letter, to stand on its own beside a field.
func sentence(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	if n == 0 {
		return msg
	}
	return string(unicode.ToUpper(r)) + msg[n:]
}

// objectName names a synced object for people: "Time card 12".
func objectName(typ string, id int64) string {
	name := map[string]string{store.ObjectTimeCard: "Time card", store.ObjectInvoice: "Invoice", store.ObjectCustomer: "Customer",
		store.ObjectService: "Service", store.ObjectUser: "User"}[typ]
	if name == "" {
		name = sentence(strings.ReplaceAll(typ, "_", " "))
	}
	return fmt.Sprintf("%s %d", name, id)
}

// objectURL is the page of a synced object, or "" for one without a page of its own.
func objectURL(typ string, id int64) string {
	switch typ {
	case store.ObjectTimeCard:
		return fmt.Sprintf("/time-cards/%d/edit", id)
	case store.ObjectInvoice:
		return fmt.Sprintf("/invoices/%d", id)
	case store.ObjectCustomer:
		return fmt.Sprintf("/customers/%d/edit", id)
	case store.ObjectService:
		return fmt.Sprintf("/services/%d/edit", id)
	}
	return ""
}

// dollars shows an amount the API writes as "1234.50" (from integer cents) as
// "$1234.50".
func dollars(amount string) string {
	switch {
	case amount == "":
		return ""
	case strings.HasPrefix(amount, "-"):
		return "-$" + amount[1:]
	}
	return "$" + amount
}

// page prepares the data of a page for the signed-in person (or nobody).
func (s *Server) pageData(c *gin.Context, title, nav string) *pageData {
	pd := &pageData{Title: title, Nav: nav, Form: url.Values{}, DevOutbox: s.cfg.SMTPURL == ""}
	if a, ok := authOf(c); ok {
		me, err := s.sessionBody(c, a.User, a.Session)
		if err == nil {
			pd.Me = &me
			pd.Admin = a.User.IsAdmin()
			pd.CSRF = me.CSRFToken
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
			pd.WorkflowID, pd.WorkflowURL, pd.SelectionID = wf, s.workflowURL(wf), c.Query("selection_id")
			pd.Progress = s.progressText(c, wf)
		}
	}
	return pd
}

// progressText says how far the sync is, briefly asked; "Sync started…" when the
// workflow does not answer in time.
func (s *Server) progressText(c *gin.Context, workflowID string) string {
	const started = "Sync started…"
	if s.syncer == nil {
		return started
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
	defer cancel()
	st, err := s.syncer.Progress(ctx, workflowID, c.Query("selection_id"))
	p := st.Progress
	switch {
	case errors.Is(err, syncs.ErrUnavailable) || errors.Is(ctx.Err(), context.DeadlineExceeded):
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

func (s *Server) redirect(c *gin.Context, to string) { c.Redirect(http.StatusSeeOther, to) }

// callAPI runs a JSON API request in-process as the current browser: its cookies, its
// address, its session's CSRF token. Cookies the API sets are passed on. It decodes a
// success into out and returns the API's error otherwise.
func (s *Server) callAPI(c *gin.Context, method, path string, body, out any) *apiError {
	var r *bytes.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "something went wrong; try again"}
		}
		r = bytes.NewReader(raw)
	} else {
		r = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(c.Request.Context(), method, path, r)
	if err != nil {
		return &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "something went wrong; try again"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header["Cookie"] = c.Request.Header["Cookie"]
	req.Header.Set(headerRequestID, requestID(c))
	req.RemoteAddr = c.Request.RemoteAddr
	req.TLS = c.Request.TLS
	if a, ok := authOf(c); ok && a.Session != nil {
		req.Header.Set(headerCSRF, a.Session.CSRFToken)
	}
	rec := &recorder{header: http.Header{}, code: http.StatusOK}
	s.engine.ServeHTTP(rec, req)
	for _, v := range rec.header.Values("Set-Cookie") {
		c.Writer.Header().Add("Set-Cookie", v)
	}
	if rec.code >= 400 {
		var e struct {
			Error apiError `json:"error"`
		}
		if json.Unmarshal(rec.body.Bytes(), &e) != nil || e.Error.Message == "" {
			return &apiError{Status: rec.code, Code: codeInternal, Message: "something went wrong; try again"}
		}
		e.Error.Status = rec.code
		return &e.Error
	}
	if out != nil && rec.body.Len() > 0 {
		if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
			return &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "something went wrong; try again"}
		}
	}
	return nil
}

// recorder keeps an in-process API answer.
type recorder struct {
	header http.Header
	code   int
	wrote  bool
	body   bytes.Buffer
}

// Header is the answer's header.
func (r *recorder) Header() http.Header { return r.header }

// WriteHeader records the status of the first call.
func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
}

// Write buffers the body.
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// sameOrigin refuses form posts from other sites: browsers send Origin (or at least
// Referer) with every form post, and a cross-site one cannot match this host. It is
// what protects the forms used before there is a session (sign in, sign up).
func (s *Server) sameOrigin(c *gin.Context) {
	if csrfSafe(c.Request.Method) {
		c.Next()
		return
	}
	src := c.GetHeader("Origin")
	if src == "" || src == "null" {
		src = c.GetHeader("Referer")
	}
	u, err := url.Parse(src)
	public, _ := url.Parse(s.cfg.PublicURL)
	if src == "" || err != nil || (u.Host != c.Request.Host && (public == nil || u.Host != public.Host)) {
		c.AbortWithStatus(http.StatusForbidden)
		return
	}
	c.Next()
}

// requirePage sends signed-out browsers to the sign-in page.
func (s *Server) requirePage(c *gin.Context) {
	if _, ok := authOf(c); !ok {
		s.redirect(c, "/signin")
		c.Abort()
		return
	}
	c.Next()
}

// requireAdminPage sends members back to their timesheet.
func (s *Server) requireAdminPage(c *gin.Context) {
	if a, ok := authOf(c); !ok || !a.User.IsAdmin() {
		s.flash(c, "error", "Only an admin of your firm can do that.")
		s.redirect(c, "/timesheet")
		c.Abort()
		return
	}
	c.Next()
}

// uiRoutes adds the web UI to r.
func (s *Server) uiRoutes(r *gin.Engine) {
	static, _ := fs.Sub(web.FS, "static")
	r.StaticFS("/static", http.FS(static))
	ui := r.Group("", s.sameOrigin, s.authenticate, s.checkCSRF)
	ui.GET("/", s.uiHome)
	ui.GET("/signin", s.uiAuthPage("signin", "Sign in"))
	ui.POST("/signin", s.uiSignIn)
	ui.GET("/signup", s.uiAuthPage("signup", "Create an account"))
	ui.POST("/signup", s.uiSignUp)
	ui.GET("/forgot-password", s.uiAuthPage("forgot", "Reset your password"))
	ui.POST("/forgot-password", s.uiForgot)
	ui.GET("/reset-password", s.uiAuthPage("reset", "Choose a new password"))
	ui.POST("/reset-password", s.uiReset)
	ui.GET("/invitations/accept", s.uiAcceptPage)
	ui.POST("/invitations/accept", s.uiAccept)
	ui.GET("/dev/outbox", s.uiOutbox)

	in := ui.Group("", s.requirePage)
	admin := in.Group("", s.requireAdminPage)
	in.POST("/signout", s.uiSignOut)
	in.GET("/timesheet", s.uiTimesheet)
	in.POST("/time-cards", s.uiCreateCard)
	in.GET("/time-cards/:id/edit", s.uiEditCard)
	in.POST("/time-cards/:id", s.uiUpdateCard)
	in.POST("/timesheet/actions", s.uiTimesheetAction)
	admin.GET("/invoices", s.uiInvoices)
	admin.GET("/invoices/new", s.uiNewInvoice)
	admin.POST("/invoices", s.uiSaveInvoice)
	admin.GET("/invoices/:id", s.uiInvoice)
	admin.POST("/invoices/:id", s.uiSaveInvoice)
	admin.POST("/invoices/:id/:action", s.uiInvoiceAction)
	in.GET("/customers", s.uiCustomers)
	in.GET("/customers/:id/edit", s.uiCustomers)
	admin.POST("/customers", s.uiSaveCustomer)
	admin.POST("/customers/:id", s.uiSaveCustomer)
	admin.POST("/customers/resync", s.uiResyncCustomers)
	in.GET("/services", s.uiServices)
	in.GET("/services/:id/edit", s.uiServices)
	admin.POST("/services", s.uiSaveService)
	admin.POST("/services/:id", s.uiSaveService)
	in.GET("/users", s.uiUsers)
	admin.POST("/users/invite", s.uiInvite)
	admin.POST("/users/:id", s.uiUpdateUser)
	admin.POST("/users/invitations/:id/delete", s.uiWithdrawInvitation)
	in.GET("/settings", s.uiSettings)
	admin.POST("/settings", s.uiSaveSettings)
	admin.POST("/settings/disconnect", s.uiDisconnect)
	admin.POST("/settings/delete-account", s.uiDeleteAccount)
	in.GET("/sync", s.uiSyncActivity)
}

// isUIHandler reports whether a route belongs to the web UI (not in the OpenAPI
// document).
func isUIHandler(name string) bool {
	return strings.Contains(name, ".(*Server).ui") || strings.Contains(name, "gin.(*RouterGroup).createStaticHandler")
}

// formValue turns a form value into JSON: empty is omitted, whole numbers are numbers,
// anything else is passed as typed so the API names the field that is wrong.
func formNumber(v string) any {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	return v
}

func setIf(m map[string]any, key string, v any) {
	if v != nil {
		m[key] = v
	}
}
