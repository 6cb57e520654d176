package server

import (
	"database/sql"
	"testing"
	"time"

	"hoursync/internal/store"
)

func TestInvoiceEmailStateSaysWhatQuickBooksDid(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	at := time.Date(2026, 3, 3, 14, 5, 0, 0, time.UTC)
	synced := sql.NullTime{Time: at, Valid: true}
	for _, tc := range []struct {
		name string
		in   store.InvoiceTax
		want string // "" for nil
	}{
		{"never synced", store.InvoiceTax{}, ""},
		{"synced, never sent", store.InvoiceTax{QBOTotalsAt: synced}, "Not e-mailed from QuickBooks yet"},
		{"marked to send", store.InvoiceTax{QBOTotalsAt: synced, QBOEmailStatus: "NeedToSend"}, "Marked in QuickBooks to be e-mailed, not sent yet"},
		{"sent", store.InvoiceTax{QBOTotalsAt: synced, QBOEmailStatus: "EmailSent", QBOBillEmail: "ap@acme.test",
			QBODeliveredAt: sql.NullTime{Time: at, Valid: true}}, "E-mailed by QuickBooks to ap@acme.test on Tue 3 Mar 2026, 14:05"},
		{"sent, time unknown", store.InvoiceTax{QBOTotalsAt: synced, QBOEmailStatus: "EmailSent"}, "E-mailed by QuickBooks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := emailOf(tc.in, london)
			switch {
			case tc.want == "" && got != nil:
				t.Fatalf("got %+v, want none", got)
			case tc.want != "" && (got == nil || got.Words != tc.want):
				t.Fatalf("got %+v, want %q", got, tc.want)
			}
		})
	}
}
