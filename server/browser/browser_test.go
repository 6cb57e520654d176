// Package browser drives the web UI in Debian's chromium against the real server, a
// worker with the real activities on the Temporal dev server, and the QBO emulator.
// One browser serves the whole package; every test gets a tab in a browser context
// of its own, so cookies never leak from one test into the next.
package browser

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
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

// clientID is the app the emulator registers and the server signs in as.
const clientID = "hoursync-test"

// app is the whole product for one test, reachable at url.
type app struct {
	t      *testing.T
	url    string
	emuURL string
	store  *store.Store
	conns  *intuit.Connections
}

// newApp starts the emulator and the server on real Postgres; withSync adds a worker
// on the Temporal dev server, so the sync buttons run real workflows.
func newApp(t *testing.T, withSync bool) *app {
	t.Helper()
	chromiumPath(t)
	db := testutil.DB(t)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	emu, err := qboemu.New(qboemu.Options{ClientID: clientID, ClientSecret: "hoursync-test-secret", Limits: qboemu.Limits{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	emuSrv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { emuSrv.Close(); _ = emu.Close() })

	// The listener comes first: Intuit sends the browser back to the server's own
	// address, so the callback URL must be known before the server is built.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	appURL := "http://" + ln.Addr().String()
	env := map[string]string{"HOURSYNC_ENV": "dev", "DATABASE_URL": testutil.DatabaseURL(t), "QBO_API_BASE_URL": emuSrv.URL,
		"PUBLIC_URL": appURL, "INTUIT_CLIENT_ID": clientID, "INTUIT_CLIENT_SECRET": "hoursync-test-secret"}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(db)
	oauth, err := intuit.NewOAuth(cfg.Intuit, appURL+"/auth/intuit/callback", nil)
	if err != nil {
		t.Fatal(err)
	}
	conns, err := intuit.NewConnections(db, oauth, cfg.TokenKeys, intuit.ConnectionsOptions{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	intuitService := &server.IntuitService{OAuth: oauth, Connections: conns, QBOBaseURL: emuSrv.URL, Logger: logger}
	deps := server.Deps{Config: cfg, Store: st, Logger: logger, Registry: prometheus.NewRegistry(), Intuit: intuitService,
		BcryptCost: bcrypt.MinCost}
	if withSync {
		tc, queue := testutil.Temporal(t)
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
		deps.Syncer = starter
	}
	web := httptest.NewUnstartedServer(server.New(deps).Handler())
	_ = web.Listener.Close()
	web.Listener = ln
	web.Start()
	t.Cleanup(web.Close)
	return &app{t: t, url: appURL, emuURL: emuSrv.URL, store: st, conns: conns}
}

// admin calls the emulator's admin API.
func (a *app) admin(method, path string, body, out any) {
	a.t.Helper()
	testutil.Admin(a.t, a.emuURL, method, path, body, out)
}

// newCompany creates an emulated company on plan whose admin is email.
func (a *app) newCompany(name, plan, email string) string {
	a.t.Helper()
	var co struct {
		RealmID string `json:"realmId"`
	}
	a.admin("POST", "/admin/companies", map[string]any{"companyName": name, "plan": plan,
		"adminUser": map[string]string{"givenName": "Bea", "familyName": "Browser", "email": email}}, &co)
	return co.RealmID
}

// approveNextConsent answers the emulator's next consent screen with this company.
func (a *app) approveNextConsent(realm string) {
	a.t.Helper()
	a.admin("POST", "/admin/consent", map[string]any{"realmId": realm, "approve": true}, nil)
}

// connectCompany creates an emulated company on plan and connects the account of
// email to it with tokens from the admin API, as a finished consent would.
func (a *app) connectCompany(email, plan string) string {
	a.t.Helper()
	u, err := a.store.FindUserByEmail(context.Background(), email)
	if err != nil {
		a.t.Fatal(err)
	}
	realm := a.newCompany("Browser Co", plan, email)
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	a.admin("POST", "/admin/companies/"+realm+"/tokens", map[string]string{"clientId": clientID}, &tok)
	ot := &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: "Bearer",
		Expiry: time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)}
	if err := a.conns.Connect(context.Background(), u.AccountID, u.ID, realm, "Browser Co", qbo.Plan{Name: plan, TimeTracking: plan != "SimpleStart"}, ot); err != nil {
		a.t.Fatal(err)
	}
	return realm
}

// chromiumPath finds Debian's chromium: missing, the test skips (fails in CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testutil.Unavailable(t, "chromium not installed (make chromium)")
	return ""
}

// theBrowser is the package's one chromium, started by the first test that needs it.
// The kernel ends it with the test binary (chromedp starts it with Pdeathsig).
var theBrowser struct {
	once sync.Once
	ctx  context.Context
	err  error
}

// tab opens a tab in a fresh browser context of the package's browser.
func tab(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	theBrowser.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
			chromedp.UserDataDir(profileDir()),
			chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
			chromedp.WindowSize(1280, 900))
		actx, _ := chromedp.NewExecAllocator(context.Background(), opts...)
		theBrowser.ctx, _ = chromedp.NewContext(actx)
		theBrowser.err = chromedp.Do(theBrowser.ctx)
	})
	if theBrowser.err != nil {
		t.Fatalf("start chromium: %v", theBrowser.err)
	}
	ctx, cancel := chromedp.NewContext(theBrowser.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancelTime)
	return ctx
}

// profileDir is the browser profile of this test process. The browser outlives every
// test, so nothing removes its profile when the process ends; each run removes the
// profiles of runs that are gone instead.
func profileDir() string {
	stale, _ := filepath.Glob(filepath.Join(os.TempDir(), "hoursync-chromium-*"))
	for _, dir := range stale {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(dir), "hoursync-chromium-"))
		if err == nil && syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(dir)
		}
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("hoursync-chromium-%d", os.Getpid()))
}

// artifacts is the folder of this run's test artifacts: $HOURSYNC_TEST_ARTIFACTS, or
// test-artifacts/ at the root of the module.
func artifacts() string {
	if dir := os.Getenv("HOURSYNC_TEST_ARTIFACTS"); dir != "" {
		return dir
	}
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "test-artifacts")
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, "test-artifacts")
		}
	}
}

// session is one person in one browser tab.
type session struct {
	t     *testing.T
	a     *app
	ctx   context.Context
	email string
	realm string
}

func newSession(t *testing.T, a *app) *session {
	return &session{t: t, a: a, ctx: tab(t), email: testutil.UniqueName("browser") + "@example.com"}
}

func (s *session) run(actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		html, _ := chromedp.Run(s.ctx, chromedp.OuterHTML(chromedp.CSS("body"), chromedp.AtLeast(0)))
		s.t.Fatalf("%v\npage:\n%s", err, html)
	}
}

// shot saves a screenshot of the whole page into the run's artifacts.
func (s *session) shot(name string) {
	dir := filepath.Join(artifacts(), "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Logf("screenshots: %v", err)
		return
	}
	buf, err := chromedp.Run(s.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		s.t.Logf("screenshot %s: %v", name, err)
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

// mainText is the text of the page's main element.
func (s *session) mainText() string {
	return eval[string](s, `document.querySelector("main") ? document.querySelector("main").innerText : document.body.innerText`)
}

// mustSee fails unless the main element shows every text.
func (s *session) mustSee(texts ...string) {
	s.t.Helper()
	got := s.mainText()
	for _, text := range texts {
		if !strings.Contains(got, text) {
			s.t.Fatalf("the page does not show %q:\n%s", text, got)
		}
	}
}

// signUp creates a new firm through the sign-up form.
func (s *session) signUp() {
	s.t.Helper()
	s.run(chromedp.Navigate(s.a.url+"/signup"),
		chromedp.SendKeys(chromedp.CSS("#f-firm_name"), "Browser Firm"), chromedp.SendKeys(chromedp.CSS("#f-first_name"), "Bea"),
		chromedp.SendKeys(chromedp.CSS("#f-last_name"), "Browser"), chromedp.SendKeys(chromedp.CSS("#f-email"), s.email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("#cards")))
}

// addCustomerAndService adds Globex and Consulting at $150 an hour on their pages.
func (s *session) addCustomerAndService() {
	s.t.Helper()
	s.run(chromedp.Navigate(s.a.url+"/customers"), chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Globex"),
		chromedp.Click(chromedp.CSS(`form[action="/customers"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.Navigate(s.a.url+"/services"), chromedp.SendKeys(chromedp.CSS("#f-name"), "Consulting"), chromedp.SendKeys(chromedp.CSS("#f-rate"), "150"),
		chromedp.Click(chromedp.CSS(`form[action="/services"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
}

// signUpConnected signs a new firm up in the browser, connects it to a new emulated
// company on plan, imports the company's lists through "Re-sync from QuickBooks",
// chooses its income account, and adds a customer and a service.
func signUpConnected(t *testing.T, a *app, plan string) *session {
	s := newSession(t, a)
	s.signUp()
	s.realm = a.connectCompany(s.email, plan)
	s.run(chromedp.Navigate(a.url + "/customers"))
	s.submit(`form[action="/customers/resync"] button`)
	s.waitFor("import", `location.search.includes("done=")`)
	s.mustSee("Import from QuickBooks finished")
	s.shot("customers-imported")
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS("select#f-income_account_name")))
	s.run(chromedp.SetValue(chromedp.CSS("#f-income_account_name"), s.optionValue("#f-income_account_name", "")),
		chromedp.Click(chromedp.CSS(`form[action="/settings"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	s.addCustomerAndService()
	return s
}

const week = "2026-03-02"

// fillTime fills the timesheet's add form for Globex / Consulting and submits it.
func (s *session) fillTime(date, hours, notes string) {
	s.t.Helper()
	s.run(chromedp.Navigate(s.a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#f-customer_id")))
	customer, service := s.optionValue("#f-customer_id", "Globex"), s.optionValue("#f-service_id", "Consulting")
	s.run(chromedp.SetValue(chromedp.CSS("#f-date"), date),
		chromedp.SetValue(chromedp.CSS("#f-customer_id"), customer),
		chromedp.SetValue(chromedp.CSS("#f-service_id"), service),
		chromedp.SendKeys(chromedp.CSS("#f-hours"), hours),
		chromedp.SendKeys(chromedp.CSS("#f-notes"), notes),
		chromedp.Click(chromedp.CSS(`form[action="/time-cards"] button.primary`)))
}

// addTime records time through the timesheet's form and waits for the confirmation.
func (s *session) addTime(date, hours string) {
	s.t.Helper()
	s.fillTime(date, hours, "")
	s.run(chromedp.WaitVisible(chromedp.CSS(".flash")))
}

// selectAllAnd selects every row of the week and presses the action's button.
func (s *session) selectAllAnd(action string) {
	s.t.Helper()
	s.run(chromedp.Navigate(s.a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS(`[data-select-all]`)),
		chromedp.Click(chromedp.CSS(`[data-select-all]`)))
	s.submit(`button[value="` + action + `"]`)
}

// submit clicks a form's button and waits for the page the form leads to, so the
// next navigation cannot cancel the post.
func (s *session) submit(sel string) {
	s.t.Helper()
	eval[bool](s, `window.formPageBefore = true; true`)
	s.run(chromedp.Click(chromedp.CSS(sel)))
	s.waitFor("the page after "+sel, `window.formPageBefore === undefined && document.readyState === "complete"`)
}

// syncStarted checks that the page follows a sync it started (or already shows its
// result: a quick sync can end before the page is looked at).
func (s *session) syncStarted() {
	s.t.Helper()
	s.waitFor("a started sync", `location.search.includes("workflow_id=") || location.search.includes("done=")`)
}

// acceptConfirms answers every confirmation dialog of the page with OK.
func (s *session) acceptConfirms() { eval[bool](s, `window.confirm = () => true; true`) }

// reloadUntil reloads path until the JavaScript condition holds.
func (s *session) reloadUntil(path, cond string) {
	s.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		// A page following a sync replaces itself when the sync ends, which can abort
		// this navigation; the next round navigates again.
		err := chromedp.Do(s.ctx, chromedp.Navigate(s.a.url+path))
		if err != nil && !strings.Contains(err.Error(), "ERR_ABORTED") {
			s.t.Fatal(err)
		}
		if ok, err := chromedp.Run(s.ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: %q never held:\n%s", path, cond, s.mainText())
		}
		time.Sleep(time.Second)
	}
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
		time.Sleep(300 * time.Millisecond)
	}
}

// optionValue reads the value of the option labelled label in select sel.
func (s *session) optionValue(sel, label string) string {
	s.t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q + " option")).find(o => o.textContent.startsWith(%q)).value`, sel, label)
	return eval[string](s, js)
}

// entities lists the emulated company's live objects of one entity.
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
