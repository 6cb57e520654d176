// Package browser drives the web UI in Debian's chromium against the real server, a
// worker with the real activities on the Temporal dev server, and the QBO emulator.
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"

	"hoursync/activities"
	"hoursync/internal/config"
	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/internal/qboemu"
	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/internal/testutil"
	"hoursync/server"
	"hoursync/worker"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// app is the whole product for one test, reachable at url.
type app struct {
	t      *testing.T
	url    string
	emuURL string
	store  *store.Store
	conns  *intuit.Connections
}

func newApp(t *testing.T) *app {
	t.Helper()
	if _, err := exec.LookPath("chromium"); err != nil {
		testutil.Unavailable(t, "chromium not installed (make chromium)")
	}
	db := testutil.DB(t)
	tc, queue := testutil.Temporal(t)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	emu, err := qboemu.New(qboemu.Options{ClientID: "hoursync-test", ClientSecret: "hoursync-test-secret", Limits: qboemu.Limits{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	emuSrv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { emuSrv.Close(); _ = emu.Close() })

	env := map[string]string{"HOURSYNC_ENV": "dev", "DATABASE_URL": testutil.DatabaseURL(t), "QBO_API_BASE_URL": emuSrv.URL,
		"INTUIT_CLIENT_ID": "hoursync-test", "INTUIT_CLIENT_SECRET": "hoursync-test-secret"}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(db)
	oauth, err := intuit.NewOAuth(cfg.Intuit, "http://127.0.0.1/auth/intuit/callback", nil)
	if err != nil {
		t.Fatal(err)
	}
	conns, err := intuit.NewConnections(db, oauth, cfg.TokenKeys, intuit.ConnectionsOptions{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	limits, _ := config.ParseRateLimits("500/2s,10,40/2s")
	limiter, err := qbo.NewDBLimiter(db.DB, limits, 0)
	if err != nil {
		t.Fatal(err)
	}
	starter := syncs.New(tc, queue, st)
	acts := &activities.Activities{Store: st, Syncs: starter, Logger: logger,
		QBO: &activities.QBOCompanies{Connections: conns, Options: qbo.Options{BaseURL: emuSrv.URL, Limiter: limiter, Logger: logger,
			BaseBackoff: 50 * time.Millisecond, MaxBackoff: time.Second}}}
	w, err := worker.New(tc, worker.Options{TaskQueue: queue, Activities: acts})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	srv := server.New(server.Deps{Config: cfg, Store: st, Logger: logger, Registry: prometheus.NewRegistry(), Syncer: starter,
		Intuit:     &server.IntuitService{OAuth: oauth, Connections: conns, QBOBaseURL: emuSrv.URL, Logger: logger},
		BcryptCost: bcrypt.MinCost})
	web := httptest.NewServer(srv.Handler())
	t.Cleanup(web.Close)
	return &app{t: t, url: web.URL, emuURL: emuSrv.URL, store: st, conns: conns}
}

// admin calls the emulator's admin API.
func (a *app) admin(method, path string, body, out any) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = strings.NewReader(string(raw))
	}
	req, _ := http.NewRequest(method, a.emuURL+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		a.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("decode %s: %v", raw, err)
		}
	}
}

// connectCompany creates an emulated company on plan and connects the account of
// email to it, as the consent screen would.
func (a *app) connectCompany(email, plan string) string {
	a.t.Helper()
	u, err := a.store.FindUserByEmail(context.Background(), email)
	if err != nil {
		a.t.Fatal(err)
	}
	var co struct {
		RealmID string `json:"realmId"`
	}
	a.admin("POST", "/admin/companies", map[string]any{"companyName": "Browser Co", "plan": plan,
		"adminUser": map[string]string{"givenName": "Bea", "familyName": "Browser", "email": email}}, &co)
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	a.admin("POST", "/admin/companies/"+co.RealmID+"/tokens", map[string]string{"clientId": "hoursync-test"}, &tok)
	ot := &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: "Bearer",
		Expiry: time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)}
	if err := a.conns.Connect(context.Background(), u.AccountID, u.ID, co.RealmID, "Browser Co", qbo.Plan{Name: plan, TimeTracking: plan != "SimpleStart"}, ot); err != nil {
		a.t.Fatal(err)
	}
	return co.RealmID
}

func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("chromium"), chromedp.NoSandbox,
		chromedp.Flag("headless", "new"), chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// shot saves a screenshot into the run's artifacts folder.
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("HOURSYNC_TEST_ARTIFACTS")
	if dir == "" {
		return
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("screenshots: %v", err)
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
}

// session is one person in one browser.
type session struct {
	t     *testing.T
	a     *app
	ctx   context.Context
	email string
	realm string
}

func (s *session) run(actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		s.t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression on the current page.
func eval[T any](s *session, js string) T {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		s.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// signUpConnected signs a new firm up in the browser, connects it to a new emulated
// company on plan, imports the company's lists through "Re-sync from QuickBooks",
// chooses its income account, and adds a customer and a service.
func signUpConnected(t *testing.T, a *app, plan string) *session {
	s := &session{t: t, a: a, ctx: browser(t), email: testutil.UniqueName("browser") + "@example.com"}
	s.run(chromedp.Navigate(a.url+"/signup"),
		chromedp.SendKeys(chromedp.CSS("#f-firm_name"), "Browser Firm"), chromedp.SendKeys(chromedp.CSS("#f-first_name"), "Bea"),
		chromedp.SendKeys(chromedp.CSS("#f-last_name"), "Browser"), chromedp.SendKeys(chromedp.CSS("#f-email"), s.email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("#cards")))
	shot(t, s.ctx, "timesheet-empty")
	s.realm = a.connectCompany(s.email, plan)

	s.run(chromedp.Navigate(a.url+"/customers"), chromedp.Click(chromedp.CSS(`form[action="/customers/resync"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".progress")))
	s.waitFor("import", `location.search.includes("done=1") || document.querySelector(".progress") == null`)
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS("select#f-income_account_name")))
	s.run(chromedp.SetValue(chromedp.CSS("#f-income_account_name"), s.optionValue("#f-income_account_name", "")),
		chromedp.Click(chromedp.CSS(`form[action="/settings"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	shot(t, s.ctx, "settings")

	s.run(chromedp.Navigate(a.url+"/customers"), chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Globex"),
		chromedp.Click(chromedp.CSS(`form[action="/customers"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.Navigate(a.url+"/services"), chromedp.SendKeys(chromedp.CSS("#f-name"), "Consulting"), chromedp.SendKeys(chromedp.CSS("#f-rate"), "150"),
		chromedp.Click(chromedp.CSS(`form[action="/services"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	shot(t, s.ctx, "services")
	return s
}

const week = "2026-03-02"

// addTime records time for Globex / Consulting through the timesheet's form.
func (s *session) addTime(date, hours string) {
	s.t.Helper()
	s.run(chromedp.Navigate(s.a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#f-customer_id")))
	customer, service := s.optionValue("#f-customer_id", "Globex"), s.optionValue("#f-service_id", "Consulting")
	s.run(chromedp.SetValue(chromedp.CSS("#f-date"), date),
		chromedp.SetValue(chromedp.CSS("#f-customer_id"), customer),
		chromedp.SetValue(chromedp.CSS("#f-service_id"), service),
		chromedp.SendKeys(chromedp.CSS("#f-hours"), hours),
		chromedp.Click(chromedp.CSS(`form[action="/time-cards"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
}

// acceptConfirms answers every confirmation dialog of the page with OK.
func (s *session) acceptConfirms() { eval[bool](s, `window.confirm = () => true; true`) }

// reloadUntil reloads path until the JavaScript condition holds.
func (s *session) reloadUntil(path, cond string) {
	s.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		s.run(chromedp.Navigate(s.a.url + path))
		if eval[bool](s, cond) {
			return
		}
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(s.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			s.t.Fatalf("%s: %q never held:\n%s", path, cond, html)
		}
		time.Sleep(time.Second)
	}
}

func (s *session) entities(entity string) []map[string]any {
	var list []map[string]any
	s.a.admin("GET", "/admin/companies/"+s.realm+"/entities/"+entity, nil, &list)
	var live []map[string]any
	for _, o := range list {
		if st, _ := o["status"].(string); st != "Deleted" {
			live = append(live, o)
		}
	}
	return live
}

func TestTimeCardsSyncFromTheTimesheet(t *testing.T) {
	a := newApp(t)
	s := signUpConnected(t, a, "Plus")
	for i, hours := range []string{"1:30", "2", "0:45"} {
		s.addTime(fmt.Sprintf("2026-03-0%d", 2+i), hours)
	}
	s.run(chromedp.Click(chromedp.CSS(`[data-select-all]`)), chromedp.Click(chromedp.CSS(`button[value="sync"]`)),
		chromedp.WaitVisible(chromedp.CSS(".progress")))
	shot(t, s.ctx, "timesheet-syncing")
	s.reloadUntil("/timesheet?week="+week, `document.querySelectorAll(".badge.synced").length == 3`)
	shot(t, s.ctx, "timesheet-synced")
	if n := len(s.entities("TimeActivity")); n != 3 {
		t.Fatalf("TimeActivities in the emulator = %d", n)
	}
	for _, p := range []string{"/invoices", "/customers", "/sync", "/users"} {
		s.run(chromedp.Navigate(a.url+p), chromedp.WaitVisible(chromedp.CSS("main")))
		shot(t, s.ctx, strings.Trim(p, "/"))
	}
}

func TestInvoiceFromTimeSyncEditResync(t *testing.T) {
	a := newApp(t)
	s := signUpConnected(t, a, "Plus")
	s.addTime("2026-03-02", "2")
	s.addTime("2026-03-03", "1")
	s.run(chromedp.Click(chromedp.CSS(`[data-select-all]`)), chromedp.Click(chromedp.CSS(`button[value="invoice"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/sync"]`)))
	invoicePath := eval[string](s, `location.pathname`)
	s.run(chromedp.Click(chromedp.CSS(`form[action$="/sync"] button`)), chromedp.WaitVisible(chromedp.CSS(".progress")))
	s.reloadUntil(invoicePath, `document.querySelector(".badge.synced") != null`)
	shot(t, s.ctx, "invoice-synced")
	if inv := s.entities("Invoice"); len(inv) != 1 || fmt.Sprint(inv[0]["TotalAmt"]) != "450" {
		t.Fatalf("invoices in the emulator = %v", inv)
	}
	// Edit the line: 4 hours instead of 3, then re-sync to the same QBO invoice.
	s.run(chromedp.SetValue(chromedp.CSS(`input[name="line_quantity"]`), "4"),
		chromedp.Click(chromedp.CSS(`form[action="`+invoicePath+`"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if !eval[bool](s, `document.querySelector(".badge.changed") != null`) {
		t.Fatal("edited invoice is not marked changed")
	}
	s.run(chromedp.Click(chromedp.CSS(`form[action$="/sync"] button`)), chromedp.WaitVisible(chromedp.CSS(".progress")))
	s.reloadUntil(invoicePath, `document.querySelector(".badge.synced") != null`)
	inv := s.entities("Invoice")
	if len(inv) != 1 || fmt.Sprint(inv[0]["TotalAmt"]) != "600" {
		t.Fatalf("after re-sync the emulator has %v", inv)
	}
	shot(t, s.ctx, "invoice-edit")
}

func TestSimpleStartRefusesTimeSyncButSyncsInvoices(t *testing.T) {
	a := newApp(t)
	s := signUpConnected(t, a, "SimpleStart")
	s.addTime("2026-03-02", "1")
	s.run(chromedp.Click(chromedp.CSS(`[data-select-all]`)), chromedp.Click(chromedp.CSS(`button[value="sync"]`)),
		chromedp.WaitVisible(chromedp.CSS(".progress")))
	s.reloadUntil("/timesheet?week="+week, `document.querySelector(".badge.failed") != null`)
	if !eval[bool](s, `document.querySelector("main").textContent.includes("Time sync needs QuickBooks Online Essentials or better")`) {
		t.Fatal("the plan message is not shown")
	}
	shot(t, s.ctx, "timesheet-plan-message")
	if n := len(s.entities("TimeActivity")); n != 0 {
		t.Fatalf("TimeActivities written on Simple Start: %d", n)
	}
	// Invoices sync on every plan.
	s.run(chromedp.Click(chromedp.CSS(`[data-select-all]`)), chromedp.Click(chromedp.CSS(`button[value="invoice"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/sync"]`)))
	invoicePath := eval[string](s, `location.pathname`)
	s.run(chromedp.Click(chromedp.CSS(`form[action$="/sync"] button`)), chromedp.WaitVisible(chromedp.CSS(".progress")))
	s.reloadUntil(invoicePath, `document.querySelector(".badge.synced") != null`)
	if n := len(s.entities("Invoice")); n != 1 {
		t.Fatalf("invoices in the emulator = %d", n)
	}
}

func TestDisconnectFromSettings(t *testing.T) {
	a := newApp(t)
	if resp, err := http.Post(a.emuURL+"/v2/oauth2/tokens/revoke", "application/json", strings.NewReader(`{}`)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			t.Skip("the emulator has no token revocation endpoint yet, so the disconnect workflow cannot finish")
		}
	}
	s := signUpConnected(t, a, "Plus")
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS(`form[action="/settings/disconnect"]`)))
	s.acceptConfirms()
	s.run(chromedp.Click(chromedp.CSS(`form[action="/settings/disconnect"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if !eval[bool](s, `document.querySelector("main").textContent.includes("Connect with QuickBooks")`) {
		html, _ := chromedp.Run(s.ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("settings after disconnect:\n%s", html)
	}
	shot(t, s.ctx, "settings-disconnected")
}

// waitFor polls the current page until the JavaScript condition holds.
func (s *session) waitFor(what, cond string) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ok, err := chromedp.Run(s.ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: %q never held (%v)", what, cond, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// optionValue reads the value of the option labelled label in select sel.
func (s *session) optionValue(sel, label string) string {
	t, ctx := s.t, s.ctx
	t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q + " option")).find(o => o.textContent.startsWith(%q)).value`, sel, label)
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("option %q: %v", label, err)
	}
	return v
}
