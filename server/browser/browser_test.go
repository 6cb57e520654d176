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
	if err := a.conns.Connect(context.Background(), u.AccountID, u.ID, co.RealmID, "Browser Co", qbo.Plan{Name: plan, TimeTracking: true}, ot); err != nil {
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

func TestTimeCardsSyncFromTheTimesheet(t *testing.T) {
	a := newApp(t)
	ctx := browser(t)
	email := testutil.UniqueName("browser") + "@example.com"
	run := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	run(chromedp.Navigate(a.url+"/signup"),
		chromedp.SendKeys(chromedp.CSS("#f-firm_name"), "Browser Firm"), chromedp.SendKeys(chromedp.CSS("#f-first_name"), "Bea"),
		chromedp.SendKeys(chromedp.CSS("#f-last_name"), "Browser"), chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS("#cards")))
	shot(t, ctx, "timesheet-empty")
	realm := a.connectCompany(email, "Plus")

	run(chromedp.Navigate(a.url+"/customers"), chromedp.SendKeys(chromedp.CSS("#f-display_name"), "Globex"), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.Navigate(a.url+"/services"), chromedp.SendKeys(chromedp.CSS("#f-name"), "Consulting"), chromedp.SendKeys(chromedp.CSS("#f-rate"), "150"),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	shot(t, ctx, "services")

	// Import the company's lists, then choose its income account in settings.
	run(chromedp.Navigate(a.url+"/customers"), chromedp.Click(chromedp.CSS(`form[action="/customers/resync"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".progress")))
	a.waitFor(ctx, "/customers", `location.search.includes("done=1") || document.querySelector(".progress") == null`)
	run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS("select#f-income_account_name")))
	income := optionValue(t, ctx, "#f-income_account_name", "")
	run(chromedp.SetValue(chromedp.CSS("#f-income_account_name"), income),
		chromedp.Click(chromedp.CSS(`form[action="/settings"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	shot(t, ctx, "settings")

	week := "2026-03-02"
	for i, hours := range []string{"1:30", "2", "0:45"} {
		date := fmt.Sprintf("2026-03-0%d", 2+i)
		run(chromedp.Navigate(a.url+"/timesheet?week="+week), chromedp.WaitVisible(chromedp.CSS("#f-customer_id")))
		customer, service := optionValue(t, ctx, "#f-customer_id", "Globex"), optionValue(t, ctx, "#f-service_id", "Consulting")
		run(chromedp.SetValue(chromedp.CSS("#f-date"), date),
			chromedp.SetValue(chromedp.CSS("#f-customer_id"), customer),
			chromedp.SetValue(chromedp.CSS("#f-service_id"), service),
			chromedp.SendKeys(chromedp.CSS("#f-hours"), hours),
			chromedp.Click(chromedp.CSS(`form[action="/time-cards"] button.primary`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	}
	run(chromedp.Click(chromedp.CSS(`[data-select-all]`)), chromedp.Click(chromedp.CSS(`button[value="sync"]`)), chromedp.WaitVisible(chromedp.CSS(".progress")))
	shot(t, ctx, "timesheet-syncing")

	// The page follows the sync and reloads with the final badges.
	deadline := time.Now().Add(90 * time.Second)
	for {
		synced, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".badge.synced").length`))
		if err != nil {
			t.Fatal(err)
		}
		if synced == 3 {
			break
		}
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("badges never all turned synced:\n%s", html)
		}
		time.Sleep(time.Second)
		run(chromedp.Navigate(a.url + "/timesheet?week=" + week))
	}
	shot(t, ctx, "timesheet-synced")

	var list []map[string]any
	a.admin("GET", "/admin/companies/"+realm+"/entities/TimeActivity", nil, &list)
	if len(list) != 3 {
		t.Fatalf("TimeActivities in the emulator = %d", len(list))
	}
	for _, p := range []string{"/settings", "/invoices", "/customers", "/sync", "/users"} {
		run(chromedp.Navigate(a.url+p), chromedp.WaitVisible(chromedp.CSS("main")))
		shot(t, ctx, strings.Trim(p, "/"))
	}
}

// waitFor polls the current page until the JavaScript condition holds.
func (a *app) waitFor(ctx context.Context, what, cond string) {
	a.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("%s: %q never held (%v)", what, cond, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// optionValue reads the value of the option labelled label in select sel.
func optionValue(t *testing.T, ctx context.Context, sel, label string) string {
	t.Helper()
	js := fmt.Sprintf(`Array.from(document.querySelectorAll(%q + " option")).find(o => o.textContent.startsWith(%q)).value`, sel, label)
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("option %q: %v", label, err)
	}
	return v
}
