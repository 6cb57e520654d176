package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestInvoicePDFAndSendComeFromQuickBooks(t *testing.T) {
	s := newStack(t)
	tn := s.connect("Essentials")
	s.importAll(tn)
	api := s.api(tn)
	inv, _ := s.invoiceFromCards(tn, 1)
	path := "/api/v1/invoices/" + str(inv.ID)

	// Not synced yet: refused, saying what to do.
	if status, body, _ := api.raw("GET", path+"/pdf", nil); status != http.StatusConflict {
		t.Fatalf("PDF of an unsynced invoice: %d %s", status, body)
	}
	s.syncInvoice(tn, inv.ID)
	status, pdf, h := api.raw("GET", path+"/pdf", nil)
	if status != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) || h.Get("Content-Type") != "application/pdf" {
		t.Fatalf("PDF: %d %s %q", status, h.Get("Content-Type"), pdf[:min(len(pdf), 40)])
	}
	status, body, _ := api.raw("POST", path+"/send", map[string]any{"send_to": "billing@acme.test"})
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
	// Hoursync keeps what QBO recorded: the invoice says so afterwards.
	_, body, _ = api.raw("GET", path, nil)
	var got struct {
		Email *struct {
			Status      string     `json:"status"`
			SentTo      string     `json:"sent_to"`
			DeliveredAt *time.Time `json:"delivered_at"`
			Words       string     `json:"words"`
		} `json:"qbo_email"`
	}
	_ = json.Unmarshal(body, &got)
	if got.Email == nil || got.Email.Status != "EmailSent" || got.Email.SentTo != "billing@acme.test" || got.Email.DeliveredAt == nil ||
		!strings.Contains(got.Email.Words, "E-mailed by QuickBooks to billing@acme.test on ") {
		t.Fatalf("the invoice after sending: %s", body)
	}
}
