package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"hoursync/internal/config"
	"hoursync/internal/store"
	"hoursync/internal/testutil"
	"hoursync/server"
)

// webhookVerifier is the verifier token the stack's emulator signs its webhooks with
// and the servers of apiServer check them with.
const webhookVerifier = "e2e-webhook-verifier"

// apiServer is one real server process over deps (its store, starter and QBO
// connection), in dev mode on the test's database, checking webhooks with
// webhookVerifier.
func apiServer(t testing.TB, deps server.Deps) *httptest.Server {
	t.Helper()
	env := map[string]string{"HOURSYNC_ENV": "dev", "DATABASE_URL": testutil.DatabaseURL(t), "PUBLIC_URL": "http://hoursync.test",
		"QBO_WEBHOOK_VERIFIER": webhookVerifier}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	deps.Config, deps.Registry = cfg, prometheus.NewRegistry()
	srv := httptest.NewServer(server.New(deps).Handler())
	t.Cleanup(srv.Close)
	return srv
}

// apiToken creates a personal API token of the tenant's owner.
func apiToken(t testing.TB, st *store.Store, tn tenant) string {
	t.Helper()
	token := "hs_" + testutil.RandomHex(16)
	sum := sha256.Sum256([]byte(token))
	if _, err := st.CreateAPIToken(context.Background(), tn.account.ID, tn.owner.ID, "e2e", hex.EncodeToString(sum[:])); err != nil {
		t.Fatal(err)
	}
	return token
}

// apiClient calls the Hoursync JSON API of one server process as the tenant's owner
// with a personal API token.
type apiClient struct {
	t     testing.TB
	srv   *httptest.Server
	url   string
	token string
}

func newAPIClient(t testing.TB, srv *httptest.Server, token string) *apiClient {
	return &apiClient{t: t, srv: srv, url: srv.URL, token: token}
}

// api is the real server over the stack (its starter, and its QBO connection for PDFs
// and sends), called as the tenant's owner.
func (s *stack) api(tn tenant) *apiClient {
	s.t.Helper()
	srv := apiServer(s.t, server.Deps{Store: s.store, Logger: s.logger, Syncer: s.starter,
		Intuit: &server.IntuitService{OAuth: s.oauth, Connections: s.conns, QBOBaseURL: s.emuURL, Logger: s.logger}})
	return newAPIClient(s.t, srv, apiToken(s.t, s.store, tn))
}

// raw sends a request (body as JSON unless nil) and answers status, body and headers.
func (a *apiClient) raw(method, path string, body any) (int, []byte, http.Header) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.url+path, r)
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header
}

// do sends a request, fails the test unless it answers want, and decodes into out
// (unless nil).
func (a *apiClient) do(method, path string, body any, want int, out any) {
	a.t.Helper()
	status, raw, _ := a.raw(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s: %d, want %d: %s", method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// call is do without a body.
func (a *apiClient) call(method, path string, want int, out any) { a.do(method, path, nil, want, out) }

// sendJSON is do with a JSON body.
func (a *apiClient) sendJSON(method, path string, body any, want int, out any) {
	a.do(method, path, body, want, out)
}
