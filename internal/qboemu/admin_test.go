package qboemu

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAdminCompaniesListPatchEntitiesAndReset(t *testing.T) {
	h := newHarness(t, PlanEssentials)
	var list []CompanyView
	h.admin(http.MethodGet, "/admin/companies", nil, 200, &list)
	if len(list) != 1 || list[0].RealmID != h.realm || list[0].Plan != PlanEssentials || list[0].AdminUser.Email != "ada@example.com" {
		t.Fatalf("list: %+v", list)
	}
	h.admin(http.MethodPatch, "/admin/companies/"+h.realm, map[string]any{"plan": "plus"}, 200, nil)
	info := h.call(http.MethodGet, "companyinfo/"+h.realm, nil).ok(t, "CompanyInfo")
	if !hasNameValue(info["NameValue"], "OfferingSku", "QuickBooks Online Plus") {
		t.Fatalf("plan change not reported: %v", info["NameValue"])
	}
	h.admin(http.MethodPatch, "/admin/companies/"+h.realm, map[string]any{"plan": "Gold"}, 400, nil)
	h.admin(http.MethodPost, "/admin/companies", map[string]any{"plan": "Gold"}, 400, nil)

	var seeded map[string]any
	h.admin(http.MethodPost, "/admin/companies/"+h.realm+"/entities/customer", map[string]any{"DisplayName": "Seeded"}, 201, &seeded)
	c := h.create("Customer", map[string]any{"DisplayName": "Doomed"})
	h.call(http.MethodPost, "customer", map[string]any{"Id": c["Id"], "SyncToken": "0", "sparse": true, "Active": false}).ok(t, "Customer")
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(seeded["Id"].(string)), "Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 1}}})
	h.call(http.MethodPost, "invoice?operation=delete", map[string]any{"Id": inv["Id"], "SyncToken": "0"}).ok(t, "Invoice")

	var custs []map[string]any
	h.admin(http.MethodGet, "/admin/companies/"+h.realm+"/entities/Customer", nil, 200, &custs)
	if len(custs) != 2 || custs[1]["Active"] != false {
		t.Fatalf("admin customers (inactive included): %v", custs)
	}
	var invs []map[string]any
	h.admin(http.MethodGet, "/admin/companies/"+h.realm+"/entities/invoice", nil, 200, &invs)
	if len(invs) != 1 || invs[0]["status"] != "Deleted" {
		t.Fatalf("admin invoices (deleted included): %v", invs)
	}
	var fault map[string]any
	h.admin(http.MethodPost, "/admin/companies/"+h.realm+"/entities/customer", map[string]any{"DisplayName": "seeded"}, 400, &fault)
	if fault["Fault"] == nil {
		t.Fatalf("seed fault: %v", fault)
	}
	h.admin(http.MethodGet, "/admin/companies/"+h.realm+"/entities/Nope", nil, 404, nil)

	h.admin(http.MethodPost, "/admin/reset", map[string]any{"realmId": h.realm}, 200, nil)
	var after []map[string]any
	h.admin(http.MethodGet, "/admin/companies/"+h.realm+"/entities/Customer", nil, 200, &after)
	if len(after) != 0 {
		t.Fatalf("reset left customers: %v", after)
	}
	h.admin(http.MethodPost, "/admin/reset", nil, 200, nil)
	h.admin(http.MethodGet, "/admin/companies", nil, 200, &list)
	if len(list) != 0 {
		t.Fatalf("reset all left companies: %v", list)
	}
}

func TestAdminTokensAreIntuitTokenResponses(t *testing.T) {
	h := newHarness(t, PlanPlus)
	var tok map[string]any
	h.admin(http.MethodPost, "/admin/companies/"+h.realm+"/tokens", map[string]any{"clientId": "hoursync-dev", "scope": "com.intuit.quickbooks.accounting"}, 200, &tok)
	for _, k := range []string{"token_type", "access_token", "expires_in", "refresh_token", "x_refresh_token_expires_in"} {
		if tok[k] == nil {
			t.Fatalf("token response lacks %s: %v", k, tok)
		}
	}
	if tok["expires_in"] != float64(3600) {
		t.Fatalf("expires_in %v", tok["expires_in"])
	}
	h.admin(http.MethodPost, "/admin/companies/123/tokens", nil, 404, nil)
}

func TestCountersByRealmEntityOperationStatus(t *testing.T) {
	h := newHarness(t, PlanPlus)
	h.create("Customer", map[string]any{"DisplayName": "Counted"})
	h.call(http.MethodGet, "customer/999", nil)
	h.query("select * from Customer")
	var c struct {
		Requests map[string]map[string]map[string]map[string]int `json:"requests"`
		Total    int                                             `json:"requestsTotal"`
	}
	h.admin(http.MethodGet, "/admin/counters?realmId="+h.realm, nil, 200, &c)
	r := c.Requests[h.realm]
	if r["Customer"]["create"]["200"] != 1 || r["Customer"]["read"]["400"] != 1 || r["Customer"]["query"]["200"] != 1 || c.Total != 3 {
		t.Fatalf("counters: %+v", c)
	}
}

func TestFaultInjection(t *testing.T) {
	h := newHarness(t, PlanPlus)
	addFault := func(body map[string]any) {
		t.Helper()
		var out map[string]string
		h.admin(http.MethodPost, "/admin/faults", body, 201, &out)
		if out["id"] == "" {
			t.Fatalf("no id: %v", out)
		}
	}
	t.Run("error", func(t *testing.T) {
		addFault(map[string]any{"realmId": h.realm, "kind": "error", "status": 503, "count": 1})
		r := h.call(http.MethodGet, "companyinfo/"+h.realm, nil)
		if r.status != 503 || r.body["Fault"] == nil {
			t.Fatalf("injected error: %d %s", r.status, r.raw)
		}
		h.call(http.MethodGet, "companyinfo/"+h.realm, nil).ok(t, "CompanyInfo")
	})
	t.Run("throttle", func(t *testing.T) {
		addFault(map[string]any{"kind": "throttle", "count": 1})
		h.call(http.MethodGet, "companyinfo/"+h.realm, nil).fault(t, http.StatusTooManyRequests, "3001")
	})
	t.Run("legacy throttle in XML though JSON was asked for", func(t *testing.T) {
		addFault(map[string]any{"kind": "throttle", "status": 403, "format": "xml", "count": 1})
		r := h.call(http.MethodGet, "companyinfo/"+h.realm, nil)
		if r.status != http.StatusForbidden || !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") ||
			!strings.Contains(string(r.raw), `<Error code="3001"`) || !strings.Contains(string(r.raw), "statusCode=403") {
			t.Fatalf("legacy throttle: %d %s %s", r.status, r.header.Get("Content-Type"), r.raw)
		}
		h.admin(http.MethodPost, "/admin/faults", map[string]any{"kind": "throttle", "status": 500}, 400, nil)
		h.admin(http.MethodPost, "/admin/faults", map[string]any{"kind": "throttle", "format": "yaml"}, 400, nil)
	})
	t.Run("latency", func(t *testing.T) {
		addFault(map[string]any{"kind": "latency", "ms": 120, "count": 1})
		start := time.Now()
		h.call(http.MethodGet, "companyinfo/"+h.realm, nil).ok(t, "CompanyInfo")
		if time.Since(start) < 100*time.Millisecond {
			t.Fatal("latency not injected")
		}
	})
	t.Run("drop_after_commit", func(t *testing.T) {
		addFault(map[string]any{"realmId": h.realm, "kind": "drop_after_commit", "count": 1})
		// Reads are not dropped.
		h.call(http.MethodGet, "companyinfo/"+h.realm, nil).ok(t, "CompanyInfo")
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/v3/company/"+h.realm+"/customer", strings.NewReader(`{"DisplayName":"Committed"}`))
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Accept", "application/json")
		resp, err := h.srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("got a response (%d), want a dropped connection", resp.StatusCode)
		}
		if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") {
			t.Logf("transport error: %v", err)
		}
		if n := len(rows(h.query("select * from Customer where DisplayName = 'Committed'"), "Customer")); n != 1 {
			t.Fatalf("write not committed: %d", n)
		}
		var c map[string]any
		h.admin(http.MethodGet, "/admin/counters", nil, 200, &c)
		if c["droppedResponses"] != float64(1) {
			t.Fatalf("dropped counter: %v", c["droppedResponses"])
		}
	})
	t.Run("clear", func(t *testing.T) {
		addFault(map[string]any{"kind": "error"})
		h.admin(http.MethodDelete, "/admin/faults", nil, 200, nil)
		h.call(http.MethodGet, "companyinfo/"+h.realm, nil).ok(t, "CompanyInfo")
	})
	t.Run("expire_tokens", func(t *testing.T) {
		addFault(map[string]any{"realmId": h.realm, "kind": "expire_tokens"})
		r := h.call(http.MethodGet, "companyinfo/"+h.realm, nil)
		if r.status != http.StatusUnauthorized {
			t.Fatalf("after expire_tokens: %d %s", r.status, r.raw)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		_, h.token = h.newCompany("Revoked Co", PlanPlus)
		var list []CompanyView
		h.admin(http.MethodGet, "/admin/companies", nil, 200, &list)
		realm := list[len(list)-1].RealmID
		addFault(map[string]any{"realmId": realm, "kind": "revoke"})
		r := h.call(http.MethodGet, "/v3/company/"+realm+"/companyinfo/"+realm, nil)
		if r.status != http.StatusUnauthorized {
			t.Fatalf("after revoke: %d %s", r.status, r.raw)
		}
	})
	h.admin(http.MethodPost, "/admin/faults", map[string]any{"kind": "meteor"}, 400, nil)
}

func TestOversizedBodyGetsFaultNotCrash(t *testing.T) {
	h := newHarnessWith(t, PlanPlus, Options{Limits: Limits{Off: true}, MaxBodyBytes: 1024})
	big := `{"DisplayName":"` + strings.Repeat("a", 4096) + `"}`
	r := h.call(http.MethodPost, "customer", big)
	r.fault(t, http.StatusRequestEntityTooLarge, "10000")
}

func TestStatePersistsAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	emu, err := New(Options{StatePath: path, Limits: Limits{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	realms, err := emu.SeedDemo()
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}
	emu2, err := New(Options{StatePath: path, Limits: Limits{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu2.Close()
	again, err := emu2.SeedDemo()
	if err != nil {
		t.Fatal(err)
	}
	if again["Demo Design Co."] != realms["Demo Design Co."] || len(emu2.listCompanies()) != 2 {
		t.Fatalf("seed not idempotent across restart: %v vs %v", realms, again)
	}
	emu2.mu.RLock()
	c := emu2.companies[realms["Demo Design Co."]]
	n := len(c.Entities["Customer"])
	price := c.Entities["Item"]["2"].Data["UnitPrice"]
	emu2.mu.RUnlock()
	if n != 3 || price != json.Number("120.00") {
		t.Fatalf("restored %d customers, price %#v", n, price)
	}
}

func TestPanicBecomesSystemFault(t *testing.T) {
	emu, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	h := emu.recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequest(http.MethodGet, "/v3/company/1/customer/1", nil)
	req.Header.Set("Accept", "application/json")
	h.ServeHTTP(rec, req)
	if rec.status != 500 || !bytes.Contains(rec.body.Bytes(), []byte(`"SystemFault"`)) {
		t.Fatalf("panic answer: %d %s", rec.status, rec.body.String())
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func TestConcurrentRepeatsOfOneRequestIDCreateOnce(t *testing.T) {
	h := newHarness(t, PlanPlus)
	const n = 8
	bodies := make(chan string, n)
	for range n {
		go func() {
			r := h.call(http.MethodPost, "customer?requestid=same-id-for-all", map[string]any{"DisplayName": "Raced"})
			bodies <- string(r.raw)
		}()
	}
	first := <-bodies
	for range n - 1 {
		if b := <-bodies; b != first {
			t.Fatalf("answers differ:\n%s\n%s", first, b)
		}
	}
	if got := len(rows(h.query("select * from Customer where DisplayName = 'Raced'"), "Customer")); got != 1 {
		t.Fatalf("%d customers", got)
	}
}

func TestLimitsThrottleWithQBOFault(t *testing.T) {
	h := newHarnessWith(t, PlanPlus, Options{Limits: Limits{PerMinute: 3, BatchPerMinute: 1}})
	for range 3 {
		h.call(http.MethodGet, "companyinfo/"+h.realm, nil).ok(t, "CompanyInfo")
	}
	e := h.call(http.MethodGet, "companyinfo/"+h.realm, nil).fault(t, http.StatusTooManyRequests, "3001")
	if e["Message"] != "message=ThrottleExceeded; errorCode=003001; statusCode=429" {
		t.Fatalf("throttle fault: %v", e)
	}
	var c map[string]any
	h.admin(http.MethodGet, "/admin/counters", nil, 200, &c)
	if c["throttled"] == nil || c["throttled"].(float64) < 1 {
		t.Fatalf("counters: %v", c)
	}
}

func TestLimitsRefuseRequestsBeyondInFlight(t *testing.T) {
	h := newHarnessWith(t, PlanPlus, Options{Limits: Limits{InFlight: 2}})
	h.admin(http.MethodPost, "/admin/faults", map[string]any{"kind": "latency", "ms": 1000, "count": 2}, 201, nil)
	done := make(chan int, 2)
	for range 2 {
		go func() { done <- h.call(http.MethodGet, "companyinfo/"+h.realm, nil).status }()
	}
	time.Sleep(300 * time.Millisecond)
	h.call(http.MethodGet, "companyinfo/"+h.realm, nil).fault(t, http.StatusTooManyRequests, "3001")
	for range 2 {
		if s := <-done; s != 200 {
			t.Fatalf("held request: %d", s)
		}
	}
	h.call(http.MethodGet, "companyinfo/"+h.realm, nil).ok(t, "CompanyInfo")
}

func TestWebhooksAreSignedInBothFormats(t *testing.T) {
	for _, format := range []string{"cloudevents", "legacy"} {
		t.Run(format, func(t *testing.T) {
			type delivery struct {
				body []byte
				sig  string
			}
			got := make(chan delivery, 10)
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got <- delivery{b, r.Header.Get("intuit-signature")}
			}))
			defer hook.Close()
			h := newHarnessWith(t, PlanPlus, Options{Limits: Limits{Off: true}, WebhookURL: hook.URL, WebhookVerifier: "verifier-token", WebhookFormat: format})
			c := h.create("Customer", map[string]any{"DisplayName": "Hooked"})
			var d delivery
			select {
			case d = <-got:
			case <-time.After(5 * time.Second):
				t.Fatal("no webhook delivered")
			}
			mac := hmac.New(sha256.New, []byte("verifier-token"))
			mac.Write(d.body)
			if d.sig != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
				t.Fatalf("bad signature %q for %s", d.sig, d.body)
			}
			body := string(d.body)
			switch format {
			case "cloudevents":
				if !strings.Contains(body, `"type":"qbo.customer.created.v1"`) || !strings.Contains(body, `"intuitentityid":"`+c["Id"].(string)+`"`) ||
					!strings.Contains(body, `"intuitaccountid":"`+h.realm+`"`) {
					t.Fatalf("cloudevents body: %s", body)
				}
			case "legacy":
				if !strings.HasPrefix(body, `{"eventNotifications":[{"realmId":"`+h.realm+`"`) || !strings.Contains(body, `"operation":"Create"`) {
					t.Fatalf("legacy body: %s", body)
				}
			}
		})
	}
}
