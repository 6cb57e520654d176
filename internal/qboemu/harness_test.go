package qboemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// harness is an emulator served over real HTTP with one company and a token.
type harness struct {
	t     *testing.T
	emu   *Emulator
	srv   *httptest.Server
	realm string
	token string
}

func newHarness(t *testing.T, plan string) *harness {
	t.Helper()
	return newHarnessWith(t, plan, Options{Limits: Limits{Off: true}})
}

func newHarnessWith(t *testing.T, plan string, opts Options) *harness {
	t.Helper()
	emu, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := emu.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	h := &harness{t: t, emu: emu, srv: srv}
	h.realm, h.token = h.newCompany("Harness Co", plan)
	return h
}

// newCompany creates a company through the admin API and grants a token.
func (h *harness) newCompany(name, plan string) (realm, token string) {
	h.t.Helper()
	var created struct {
		RealmID string `json:"realmId"`
	}
	h.admin(http.MethodPost, "/admin/companies", map[string]any{
		"companyName": name, "plan": plan,
		"adminUser": map[string]any{"givenName": "Ada", "familyName": "Admin", "email": "ada@example.com"},
	}, http.StatusCreated, &created)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	h.admin(http.MethodPost, "/admin/companies/"+created.RealmID+"/tokens", map[string]any{}, http.StatusOK, &tok)
	if created.RealmID == "" || tok.AccessToken == "" {
		h.t.Fatalf("company or token missing: %q %q", created.RealmID, tok.AccessToken)
	}
	return created.RealmID, tok.AccessToken
}

// admin calls the admin API and decodes the answer into out.
func (h *harness) admin(method, path string, body any, wantStatus int, out any) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, wantStatus, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}

// reply is a decoded Accounting API answer.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// call sends an Accounting API request with the harness token, asking for JSON.
func (h *harness) call(method, path string, body any, hdr ...string) reply {
	h.t.Helper()
	return h.callAs(h.token, method, path, body, hdr...)
}

func (h *harness) callAs(token, method, path string, body any, hdr ...string) reply {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	if !strings.HasPrefix(path, "/") {
		path = "/v3/company/" + h.realm + "/" + path
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: data}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&r.body); err != nil {
			h.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return r
}

// ok asserts a 200 and returns the object under key.
func (r reply) ok(t *testing.T, key string) map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, r.raw)
	}
	obj, _ := r.body[key].(map[string]any)
	if obj == nil {
		t.Fatalf("no %s in %s", key, r.raw)
	}
	return obj
}

// fault asserts a QBO Fault with status and code and returns its first error.
func (r reply) fault(t *testing.T, status int, code string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	f, _ := r.body["Fault"].(map[string]any)
	errs, _ := f["Error"].([]any)
	if len(errs) == 0 {
		t.Fatalf("no Fault.Error in %s", r.raw)
	}
	e := errs[0].(map[string]any)
	if e["code"] != code {
		t.Fatalf("fault code %v, want %s: %s", e["code"], code, r.raw)
	}
	if _, ok := r.body["time"].(string); !ok {
		t.Fatalf("fault without time: %s", r.raw)
	}
	return e
}

func (h *harness) create(entity string, obj map[string]any) map[string]any {
	h.t.Helper()
	return h.call(http.MethodPost, strings.ToLower(entity), obj).ok(h.t, entity)
}

func (h *harness) query(stmt string) map[string]any {
	h.t.Helper()
	return h.call(http.MethodGet, "query?query="+url.QueryEscape(stmt), nil).ok(h.t, "QueryResponse")
}

func ref(id string) map[string]any { return map[string]any{"value": id} }

func rows(qr map[string]any, entity string) []any {
	r, _ := qr[entity].([]any)
	return r
}
