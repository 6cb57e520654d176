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
	"hoursync/internal/testutil"
	"hoursync/server"
)

// deliveryAPI is the real server with its QBO connection (IntuitService) over the
// stack, called with the owner's API token.
func (s *stack) deliveryAPI(tn tenant) (string, string) {
	s.t.Helper()
	env := map[string]string{"HOURSYNC_ENV": "dev", "DATABASE_URL": testutil.DatabaseURL(s.t), "PUBLIC_URL": "http://hoursync.test"}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		s.t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Deps{Config: cfg, Store: s.store, Logger: s.logger, Registry: prometheus.NewRegistry(),
		Syncer: s.starter, Intuit: &server.IntuitService{OAuth: s.oauth, Connections: s.conns, QBOBaseURL: s.emuURL, Logger: s.logger}}).Handler())
	s.t.Cleanup(srv.Close)
	token := "hs_" + testutil.RandomHex(16)
	sum := sha256.Sum256([]byte(token))
	if _, err := s.store.CreateAPIToken(context.Background(), tn.account.ID, tn.owner.ID, "e2e", hex.EncodeToString(sum[:])); err != nil {
		s.t.Fatal(err)
	}
	return srv.URL, token
}

func call(t *testing.T, method, url, token string, body any) (int, []byte, http.Header) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, resp.Header
}

func TestInvoicePDFAndSendComeFromQuickBooks(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	base, token := s.deliveryAPI(tn)
	inv, _ := s.invoiceFromCards(tn, 1)
	path := base + "/api/v1/invoices/" + str(inv.ID)

	// Not synced yet: refused, saying what to do.
	if status, body, _ := call(t, "GET", path+"/pdf", token, nil); status != http.StatusConflict {
		t.Fatalf("PDF of an unsynced invoice: %d %s", status, body)
	}
	s.syncInvoice(tn, inv.ID)
	status, pdf, h := call(t, "GET", path+"/pdf", token, nil)
	if status != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) || h.Get("Content-Type") != "application/pdf" {
		t.Fatalf("PDF: %d %s %q", status, h.Get("Content-Type"), pdf[:min(len(pdf), 40)])
	}
	status, body, _ := call(t, "POST", path+"/send", token, map[string]any{"send_to": "billing@acme.test"})
	var sent struct {
		EmailStatus string `json:"email_status"`
		SentTo      string `json:"sent_to"`
	}
	_ = json.Unmarshal(body, &sent)
	if status != http.StatusOK || sent.EmailStatus != "EmailSent" || sent.SentTo != "billing@acme.test" {
		t.Fatalf("send: %d %s", status, body)
	}
	link, _ := s.store.GetLink(context.Background(), tn.account.ID, tn.realm, "invoice", inv.ID)
	if q := s.entityByID(tn.realm, "Invoice", link.QBOID); str(q["EmailStatus"]) != "EmailSent" {
		t.Fatalf("QBO's EmailStatus = %v", q["EmailStatus"])
	}
}
