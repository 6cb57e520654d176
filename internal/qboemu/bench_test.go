package qboemu

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchCustomer is the payload both benchmarks serve: a customer as the
// emulator stores it.
func benchCustomer(b *testing.B) (*Emulator, string, string, string) {
	b.Helper()
	emu, err := New(Options{Limits: Limits{Off: true}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = emu.Close() })
	realm, err := emu.createCompany("Bench Co", PlanPlus, AdminUser{GivenName: "B", FamilyName: "Ench"})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := emu.auth.issue(realm, DefaultClientID, "com.intuit.quickbooks.accounting")
	if err != nil {
		b.Fatal(err)
	}
	emu.mu.Lock()
	rec, f := (&txn{c: emu.companies[realm], now: emu.now()}).create(lookupSpec("Customer"), map[string]any{
		"DisplayName": "Acme Corporation", "CompanyName": "Acme Corporation",
		"PrimaryEmailAddr": map[string]any{"Address": "ap@acme.example"},
		"BillAddr":         map[string]any{"Line1": "1 Main St", "City": "Springfield", "PostalCode": "12345"},
	})
	emu.mu.Unlock()
	if f != nil {
		b.Fatal(f)
	}
	return emu, realm, accessToken(tok), str(rec.Data["Id"])
}

// BenchmarkEmulatorRead measures GET /v3/company/{realm}/customer/{id} through
// the whole emulator handler (tid, auth, limits off, counters, JSON
// rendering). Compare with BenchmarkBareJSONHandler from the same run.
func BenchmarkEmulatorRead(b *testing.B) {
	emu, realm, token, id := benchCustomer(b)
	h := emu.Handler()
	req := httptest.NewRequest(http.MethodGet, "/v3/company/"+realm+"/customer/"+id+"?minorversion=75", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkBareJSONHandler is the baseline: a plain net/http handler that
// encodes the same customer object as JSON.
func BenchmarkBareJSONHandler(b *testing.B) {
	emu, realm, _, id := benchCustomer(b)
	emu.mu.RLock()
	obj := emu.companies[realm].Entities["Customer"][id].Data
	emu.mu.RUnlock()
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"Customer": obj})
	})
	req := httptest.NewRequest(http.MethodGet, "/customer/"+id, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// accessToken pulls access_token out of whatever the authority returned.
func accessToken(tok any) string {
	data, _ := json.Marshal(tok)
	var t struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(data, &t)
	return t.AccessToken
}
