package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/oauth2"

	"hoursync/internal/config"
	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/internal/testutil"
	"hoursync/workflows"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// testEnv is a server over real HTTP on the package's fresh database.
type testEnv struct {
	t      testing.TB
	srv    *httptest.Server
	store  *store.Store
	cfg    *config.Config
	syncer *fakeSyncer
	intuit *fakeIntuit
	server *Server
}

func testConfig(t testing.TB, mutate func(map[string]string)) *config.Config {
	t.Helper()
	env := map[string]string{"HOURSYNC_ENV": "dev", "DATABASE_URL": testutil.DatabaseURL(t), "PUBLIC_URL": "http://hoursync.test"}
	if mutate != nil {
		mutate(env)
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

type envOption func(*Deps)

func newEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	db := testutil.DB(t)
	st := store.New(db)
	stopCache, err := st.CacheCredentials(context.Background(), testutil.DatabaseURL(t), slog.New(slog.NewTextHandler(testLogOut(), nil)))
	if err != nil {
		t.Fatalf("cache sessions: %v", err)
	}
	t.Cleanup(stopCache)
	e := &testEnv{t: t, store: st, cfg: testConfig(t, nil), syncer: &fakeSyncer{}, intuit: newFakeIntuit(st)}
	deps := Deps{
		Config: e.cfg, Store: st, Registry: prometheus.NewRegistry(), Syncer: e.syncer, Intuit: e.intuit,
		Logger:     slog.New(slog.NewTextHandler(testLogOut(), nil)),
		BcryptCost: bcrypt.MinCost,
	}
	for _, o := range opts {
		o(&deps)
	}
	e.cfg = deps.Config
	e.server = New(deps)
	e.srv = httptest.NewServer(e.server.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// client is one browser (cookie jar) or script (Bearer token).
type client struct {
	e     *testEnv
	http  *http.Client
	csrf  string
	token string
	me    sessionJSON
}

func (e *testEnv) newClient() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request; a non-nil body is sent as JSON. It returns the status and body.
func (c *client) do(method, path string, body any) (int, []byte, http.Header) {
	c.e.t.Helper()
	var r io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			r = strings.NewReader(b)
		default:
			raw, err := json.Marshal(b)
			if err != nil {
				c.e.t.Fatalf("marshal: %v", err)
			}
			r = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, r)
	if err != nil {
		c.e.t.Fatalf("request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set(headerCSRF, c.csrf)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header
}

// call sends a request, fails the test unless the status is want, and decodes the
// answer into out (when not nil).
func (c *client) call(method, path string, body any, want int, out any) []byte {
	c.e.t.Helper()
	status, raw, _ := c.do(method, path, body)
	if status != want {
		c.e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.e.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return raw
}

// apiErr is the error body.
type apiErr struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func (c *client) fails(method, path string, body any, want int, field string) apiErr {
	c.e.t.Helper()
	var e apiErr
	c.call(method, path, body, want, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		c.e.t.Fatalf("%s %s: error body without code or message", method, path)
	}
	if field != "" && e.Error.Field != field {
		c.e.t.Fatalf("%s %s: error field %q, want %q (%s)", method, path, e.Error.Field, field, e.Error.Message)
	}
	return e
}

const testPassword = "correct horse battery"

// signUp creates a new firm and returns its owner's signed-in browser.
func (e *testEnv) signUp() *client {
	e.t.Helper()
	c := e.newClient()
	email := testutil.UniqueName("owner") + "@example.com"
	c.call("POST", "/api/v1/signup", map[string]any{"firm_name": "Firm " + email, "first_name": "Olive", "last_name": "Owner",
		"email": email, "password": testPassword}, http.StatusCreated, &c.me)
	c.csrf = c.me.CSRFToken
	return c
}

// member adds a member to c's account and returns their signed-in browser.
func (c *client) member(role string) *client {
	c.e.t.Helper()
	e := c.e
	email := testutil.UniqueName("member") + "@example.com"
	hash, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if _, err := e.store.CreateUser(context.Background(), c.me.Account.ID, store.NewUser{Email: email, FirstName: "Mia", LastName: "Member", Role: role, PasswordHash: string(hash)}); err != nil {
		e.t.Fatalf("create member: %v", err)
	}
	m := e.newClient()
	m.call("POST", "/api/v1/signin", map[string]any{"email": email, "password": testPassword}, http.StatusOK, &m.me)
	m.csrf = m.me.CSRFToken
	return m
}

// fixtures are one customer and one service of an account.
type fixtures struct {
	Customer store.Customer
	Service  serviceJSON
}

func (c *client) fixtures() fixtures {
	c.e.t.Helper()
	var f fixtures
	c.call("POST", "/api/v1/customers", map[string]any{"display_name": testutil.UniqueName("Acme")}, http.StatusCreated, &f.Customer)
	c.call("POST", "/api/v1/services", map[string]any{"name": testutil.UniqueName("Design"), "rate": "120.00"}, http.StatusCreated, &f.Service)
	return f
}

func (c *client) timeCard(f fixtures, date string, minutes int) timeCardJSON {
	c.e.t.Helper()
	var tc timeCardJSON
	c.call("POST", "/api/v1/time-cards", map[string]any{"customer_id": f.Customer.ID, "service_id": f.Service.ID, "date": date, "minutes": minutes},
		http.StatusCreated, &tc)
	return tc
}

// connect marks c's account connected to a realm, as the intuit package would.
func (e *testEnv) connect(accountID int64, realm string) {
	e.t.Helper()
	if err := e.intuit.Connect(context.Background(), accountID, 0, realm, &oauth2.Token{AccessToken: "a"}); err != nil {
		e.t.Fatalf("connect: %v", err)
	}
}

// fakeSyncer records what the server asked Temporal to do.
type fakeSyncer struct {
	mu        sync.Mutex
	calls     []string
	failStart error
}

func (f *fakeSyncer) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeSyncer) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeSyncer) SyncTimeCards(_ context.Context, accountID int64, ids []int64) (syncs.Started, error) {
	f.record("timecards %d %v", accountID, ids)
	return syncs.Started{WorkflowID: workflows.TimeCardSyncID(accountID), RunID: "run"}, f.failStart
}

func (f *fakeSyncer) SyncInvoice(_ context.Context, accountID, invoiceID int64) (syncs.Started, error) {
	f.record("invoice %d %d", accountID, invoiceID)
	return syncs.Started{WorkflowID: workflows.InvoiceSyncID(accountID, invoiceID), RunID: "run"}, f.failStart
}

func (f *fakeSyncer) StartImport(_ context.Context, accountID int64, realm string, userID int64, reason string) (syncs.Started, error) {
	f.record("import %d %s %s", accountID, realm, reason)
	return syncs.Started{WorkflowID: workflows.ImportID(accountID), RunID: "run"}, nil
}

func (f *fakeSyncer) Resync(_ context.Context, accountID int64, scope string) (syncs.Started, error) {
	f.record("resync %d %s", accountID, scope)
	return syncs.Started{WorkflowID: workflows.ResyncID(accountID, scope), RunID: "run"}, nil
}

func (f *fakeSyncer) Disconnect(_ context.Context, accountID int64) error {
	f.record("disconnect %d", accountID)
	return nil
}

func (f *fakeSyncer) PullChanges(_ context.Context, accountID int64) (syncs.Started, error) {
	f.record("pull changes %d", accountID)
	return syncs.Started{WorkflowID: workflows.PullChangesID(accountID), RunID: "run"}, nil
}

func (f *fakeSyncer) Progress(_ context.Context, workflowID, _ string) (syncs.Status, error) {
	return syncs.Status{WorkflowID: workflowID, Running: true, Status: "Running", Progress: workflows.Progress{Total: 3, Done: 1}}, nil
}

func (f *fakeSyncer) EnsureSchedules(_ context.Context, accountID int64, interval string) error {
	f.record("schedules %d %s", accountID, interval)
	return nil
}

func (f *fakeSyncer) RemoveAccount(_ context.Context, accountID int64) error {
	f.record("remove account %d", accountID)
	return nil
}

// fakeIntuit plays Intuit's authorization server: codes map to identities.
type fakeIntuit struct {
	st    *store.Store
	mu    sync.Mutex
	codes map[string]IntuitIdentity
}

func newFakeIntuit(st *store.Store) *fakeIntuit {
	return &fakeIntuit{st: st, codes: map[string]IntuitIdentity{}}
}

func (f *fakeIntuit) AuthCodeURL(state, nonce string) string {
	return "https://intuit.test/authorize?" + url.Values{"state": {state}, "nonce": {nonce},
		"scope": {"openid profile email com.intuit.quickbooks.accounting"}}.Encode()
}

// issue returns a code that Exchange will accept for id.
func (f *fakeIntuit) issue(id IntuitIdentity) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	code := randomToken()
	f.codes[code] = id
	return code
}

func (f *fakeIntuit) Exchange(_ context.Context, code, nonce string) (IntuitGrant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.codes[code]
	if !ok || nonce == "" {
		return IntuitGrant{}, fmt.Errorf("invalid_grant")
	}
	delete(f.codes, code)
	return IntuitGrant{Identity: id, Token: &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}}, nil
}

func (f *fakeIntuit) Connect(ctx context.Context, accountID, userID int64, realm string, _ *oauth2.Token) error {
	_, err := f.st.DB().ExecContext(ctx, `INSERT INTO qbo_connections (account_id, realm_id, company_name, plan, can_sync_time, status)
		VALUES ($1, $2, 'Test Co '||$2, 'QBO Plus', true, $3)
		ON CONFLICT (account_id) DO UPDATE SET realm_id = EXCLUDED.realm_id, status = EXCLUDED.status`, accountID, realm, store.ConnectionConnected)
	if err != nil {
		if strings.Contains(err.Error(), "qbo_connections_realm_key") {
			return &store.DuplicateError{Field: "realm_id"}
		}
		return err
	}
	return nil
}

func itoa64(n int64) string { return fmt.Sprint(n) }

func decodeBody(resp *http.Response, out any) error { return json.NewDecoder(resp.Body).Decode(out) }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// testLogOut is where server logs go in tests: nowhere unless HOURSYNC_TEST_LOGS is set.
func testLogOut() io.Writer {
	if os.Getenv("HOURSYNC_TEST_LOGS") != "" {
		return os.Stderr
	}
	return io.Discard
}
