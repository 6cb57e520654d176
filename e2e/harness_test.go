package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"golang.org/x/oauth2"

	"hoursync/activities"
	"hoursync/internal/config"
	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/internal/qboemu"
	"hoursync/internal/store"
	"hoursync/internal/syncs"
	"hoursync/internal/testutil"
	"hoursync/worker"
	"hoursync/workflows"
)

// stack is the whole sync path of one test: Postgres, the emulator over HTTP, the
// connection store, a worker with the real activities on the run's Temporal server.
type stack struct {
	t        testing.TB
	store    *store.Store
	emu      *qboemu.Emulator
	emuURL   string
	conns    *intuit.Connections
	oauth    *intuit.OAuth
	temporal client.Client
	queue    string
	starter  *syncs.Starter
	acts     *activities.Activities
	worker   sdkworker.Worker
	logger   *slog.Logger
	// hooks receives the emulator's signed webhooks (see hookRelay).
	hooks *hookRelay
}

// hookRelay is where the stack's emulator delivers its webhooks, signed with
// webhookVerifier: to the server a test points it at with to, or answered 200 and
// dropped while none is.
type hookRelay struct {
	target atomic.Pointer[httputil.ReverseProxy]
}

func (h *hookRelay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := h.target.Load(); p != nil {
		p.ServeHTTP(w, r)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// to sends the webhooks from now on to the server at base.
func (h *hookRelay) to(base string) {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	h.target.Store(httputil.NewSingleHostReverseProxy(u))
}

var testKeys = []config.TokenKey{{ID: "t1", Key: []byte("0123456789abcdef0123456789abcdef")}}

func newStack(t testing.TB) *stack { return newStackWith(t, true) }

// newStackWith builds the stack; without an in-process worker the test runs its own
// (a separate process, to be killed).
func newStackWith(t testing.TB, inProcessWorker bool) *stack {
	t.Helper()
	c, queue := testutil.Temporal(t)
	return newStackOn(t, inProcessWorker, c, queue)
}

// newStackOn builds the stack on a Temporal client of the test's choosing (one of its
// own dev server, to be killed).
func newStackOn(t testing.TB, inProcessWorker bool, c client.Client, queue string) *stack {
	t.Helper()
	db := testutil.DB(t)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	hooks := &hookRelay{}
	hookSrv := httptest.NewServer(hooks)
	t.Cleanup(hookSrv.Close)
	emu, err := qboemu.New(qboemu.Options{ClientID: "hoursync-test", ClientSecret: "hoursync-test-secret", Limits: qboemu.Limits{Off: true},
		WebhookURL: hookSrv.URL + "/webhooks/qbo", WebhookVerifier: webhookVerifier})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() { srv.Close(); emu.Close() })
	icfg := config.IntuitConfig{
		AuthorizeURL: srv.URL + "/connect/oauth2", TokenURL: srv.URL + "/oauth2/v1/tokens/bearer",
		RevokeURL: srv.URL + "/v2/oauth2/tokens/revoke", UserinfoURL: srv.URL + "/v1/openid_connect/userinfo",
		JWKSURL: srv.URL + "/op/v1/jwks", Issuer: srv.URL + "/op/v1", ClientID: "hoursync-test", ClientSecret: "hoursync-test-secret",
	}
	oauth, err := intuit.NewOAuth(icfg, "http://127.0.0.1/auth/intuit/callback", nil)
	if err != nil {
		t.Fatal(err)
	}
	conns, err := intuit.NewConnections(db, oauth, testKeys, intuit.ConnectionsOptions{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	limits, _ := config.ParseRateLimits("500/2s,10,40/2s")
	limiter, err := qbo.NewDBLimiter(db.DB, limits, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{t: t, store: store.New(db), emu: emu, emuURL: srv.URL, conns: conns, oauth: oauth, temporal: c, queue: queue, logger: logger,
		hooks: hooks}
	s.starter = syncs.New(c, queue, s.store)
	s.acts = &activities.Activities{Store: s.store, Syncs: s.starter, Logger: logger,
		QBO: &activities.QBOCompanies{Connections: conns, Options: qbo.Options{BaseURL: srv.URL, Limiter: limiter, Logger: logger,
			BaseBackoff: 50 * time.Millisecond, MaxBackoff: time.Second}}}
	if inProcessWorker {
		s.startWorker()
	}
	return s
}

func (s *stack) startWorker() {
	w, err := worker.New(s.temporal, worker.Options{TaskQueue: s.queue, Activities: s.acts})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.worker = w
	s.t.Cleanup(w.Stop)
}

// admin calls the emulator's admin API and decodes the answer into out.
func (s *stack) admin(method, path string, body, out any) {
	s.t.Helper()
	testutil.Admin(s.t, s.emuURL, method, path, body, out)
}

// company creates an emulated QBO company on plan whose admin is the given person.
func (s *stack) company(plan, first, last, email string) string {
	var out struct {
		RealmID string `json:"realmId"`
	}
	s.admin("POST", "/admin/companies", map[string]any{"companyName": "Co " + testutil.RandomHex(3), "plan": plan,
		"adminUser": map[string]string{"givenName": first, "familyName": last, "email": email}}, &out)
	return out.RealmID
}

// tenant is a Hoursync account connected to an emulated company.
type tenant struct {
	account store.Account
	owner   store.User
	realm   string
}

// connect creates an account whose owner connected a new company on plan.
func (s *stack) connect(plan string) tenant {
	s.t.Helper()
	ctx := context.Background()
	email := testutil.UniqueName("owner") + "@example.com"
	acct, owner, err := s.store.CreateAccountWithOwner(ctx, store.NewAccount{Name: "Firm"}, store.NewUser{Email: email, FirstName: "Olive", LastName: "Owner"})
	if err != nil {
		s.t.Fatal(err)
	}
	realm := s.company(plan, "Olive", "Owner", email)
	s.connectRealm(acct.ID, owner.ID, realm)
	return tenant{account: acct, owner: owner, realm: realm}
}

func (s *stack) connectRealm(accountID, userID int64, realm string) {
	s.t.Helper()
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	s.admin("POST", "/admin/companies/"+realm+"/tokens", map[string]string{"clientId": "hoursync-test"}, &tok)
	ot := &oauth2.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, TokenType: "Bearer",
		Expiry: time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)}
	if err := s.conns.Connect(context.Background(), accountID, userID, realm, "Emulated Co", qbo.Plan{}, ot); err != nil {
		s.t.Fatalf("connect: %v", err)
	}
}

// entities lists every object of entity in the emulated company (inactive and deleted too).
func (s *stack) entities(realm, entity string) []map[string]any {
	s.t.Helper()
	var raw json.RawMessage
	s.admin("GET", "/admin/companies/"+realm+"/entities/"+entity, nil, &raw)
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err == nil {
		return list
	}
	var wrapped map[string][]map[string]any
	if err := json.Unmarshal(raw, &wrapped); err != nil {
		s.t.Fatalf("entities %s: %s", entity, raw)
	}
	for _, v := range wrapped {
		return v
	}
	return nil
}

// live filters out deleted objects.
func live(objs []map[string]any) []map[string]any {
	var out []map[string]any
	for _, o := range objs {
		if st, _ := o["status"].(string); st == "Deleted" {
			continue
		}
		out = append(out, o)
	}
	return out
}

// seed posts an object straight into the company, bypassing auth and limits.
func (s *stack) seed(realm, entity string, obj map[string]any) map[string]any {
	var out map[string]any
	s.admin("POST", "/admin/companies/"+realm+"/entities/"+entity, obj, &out)
	if inner, ok := out[entity].(map[string]any); ok {
		return inner
	}
	return out
}

// wait runs a workflow to its end and returns its error.
func (s *stack) wait(id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return s.temporal.GetWorkflow(ctx, id, "").Get(ctx, nil)
}

func (s *stack) importAll(tn tenant) workflows.ImportResult {
	s.t.Helper()
	st, err := s.starter.StartImport(context.Background(), tn.account.ID, tn.realm, tn.owner.ID, "test")
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var res workflows.ImportResult
	if err := s.temporal.GetWorkflow(ctx, st.WorkflowID, st.RunID).Get(ctx, &res); err != nil {
		s.t.Fatalf("import: %v", err)
	}
	return res
}

func (s *stack) syncCards(tn tenant, ids ...int64) {
	s.t.Helper()
	st, err := s.starter.SyncTimeCards(context.Background(), tn.account.ID, ids)
	if err != nil {
		s.t.Fatal(err)
	}
	// The sync ends after idling; waiting for the cards' states is faster.
	s.waitCards(tn, ids, st.WorkflowID)
}

// waitCards waits until none of the cards is queued or syncing any more.
func (s *stack) waitCards(tn tenant, ids []int64, workflowID string) {
	s.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		busy := 0
		for _, id := range ids {
			st, err := s.store.GetSyncState(context.Background(), tn.account.ID, store.ObjectTimeCard, id)
			if err != nil {
				s.t.Fatal(err)
			}
			if st.Status == store.StatusSyncing {
				busy++
			}
		}
		if busy == 0 {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	s.t.Fatalf("cards still syncing after 3 minutes (workflow %s)", workflowID)
}

func (s *stack) state(tn tenant, objectType string, id int64) store.SyncState {
	s.t.Helper()
	st, err := s.store.GetSyncState(context.Background(), tn.account.ID, objectType, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

func str(v any) string { return fmt.Sprint(v) }

// apiCall calls the emulated Accounting API with a bearer token.
func (s *stack) apiCall(realm, token, method, path string, body any) map[string]any {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.emuURL+"/v3/company/"+realm+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		s.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}
