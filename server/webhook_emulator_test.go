package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hoursync/internal/qboemu"
)

// TestEmulatorWebhooksStartACustomerResync has the QBO emulator send its signed
// notifications, in both formats, to the server: a customer created in QBO starts the
// account's re-sync of customers.
func TestEmulatorWebhooksStartACustomerResync(t *testing.T) {
	for _, format := range []string{"cloudevents", "legacy"} {
		t.Run(format, func(t *testing.T) {
			e := newEnv(t)
			owner := e.signUp()
			emu, err := qboemu.New(qboemu.Options{ClientID: "c", ClientSecret: "s", Limits: qboemu.Limits{Off: true},
				WebhookURL: e.srv.URL + "/webhooks/qbo", WebhookVerifier: e.cfg.WebhookVerifier, WebhookFormat: format})
			if err != nil {
				t.Fatal(err)
			}
			emuSrv := httptest.NewServer(emu.Handler())
			t.Cleanup(func() { emuSrv.Close(); _ = emu.Close() })
			adminPost := func(path string, body any, out any) {
				raw, _ := json.Marshal(body)
				resp, err := http.Post(emuSrv.URL+path, "application/json", strings.NewReader(string(raw)))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.StatusCode >= 300 {
					t.Fatalf("POST %s: %d", path, resp.StatusCode)
				}
				if out != nil {
					_ = json.NewDecoder(resp.Body).Decode(out)
				}
			}
			var co struct {
				RealmID string `json:"realmId"`
			}
			adminPost("/admin/companies", map[string]any{"companyName": "Hooked Co", "plan": "Plus",
				"adminUser": map[string]string{"givenName": "H", "familyName": "K", "email": "hk@example.com"}}, &co)
			e.connect(owner.me.Account.ID, co.RealmID)
			adminPost("/admin/companies/"+co.RealmID+"/entities/Customer", map[string]any{"DisplayName": "Made In QBO"}, nil)

			want := fmt.Sprintf("pull changes %d", owner.me.Account.ID)
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(strings.Join(e.syncer.Calls(), ";"), want) {
				if time.Now().After(deadline) {
					t.Fatalf("no re-sync after the emulator's webhook; calls %v", e.syncer.Calls())
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}
