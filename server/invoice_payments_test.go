package server

import (
	"database/sql"
	"testing"
	"time"

	"hoursync/internal/store"
)

func TestInvoicePaymentStateFollowsQBOsBalance(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	// 2 Dec 03:00 UTC is still 1 Dec in New York: due on 1 Dec is not overdue there yet.
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	due := func(d string) sql.NullTime {
		t, _ := time.Parse(time.DateOnly, d)
		return sql.NullTime{Time: t, Valid: true}
	}
	qbo := func(total, balance int64) store.InvoiceTax {
		return store.InvoiceTax{QBOTotalCents: sql.NullInt64{Int64: total, Valid: true}, QBOBalanceCents: sql.NullInt64{Int64: balance, Valid: true}}
	}
	for _, tc := range []struct {
		name  string
		inv   store.Invoice
		tax   store.InvoiceTax
		state string
		words string
	}{
		{"never synced", store.Invoice{Status: store.InvoiceOpen}, store.InvoiceTax{}, "", ""},
		{"open", store.Invoice{Status: store.InvoiceOpen, DueDate: due("2026-12-15")}, qbo(9150, 9150), paymentOpen, "Open: $91.50 due"},
		{"partly paid", store.Invoice{Status: store.InvoiceOpen, DueDate: due("2026-12-15")}, qbo(9150, 4150), paymentPartly, "Partly paid: $50.00 paid, $41.50 due"},
		{"paid", store.Invoice{Status: store.InvoiceOpen, DueDate: due("2026-11-01")}, qbo(9150, 0), paymentPaid, "Paid"},
		{"due today in the account's zone", store.Invoice{Status: store.InvoiceOpen, DueDate: due("2026-12-01")}, qbo(9150, 9150), paymentOpen, "Open: $91.50 due"},
		{"overdue", store.Invoice{Status: store.InvoiceOpen, DueDate: due("2026-11-30")}, qbo(9150, 4150), paymentOverdue, "Overdue since Mon 30 Nov: $41.50 due ($50.00 paid)"},
		{"voided", store.Invoice{Status: store.InvoiceVoid}, qbo(0, 0), paymentVoided, "Voided"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := paymentOf(tc.inv, tc.tax, "USD", now, ny)
			if tc.state == "" {
				if p != nil {
					t.Fatalf("got %+v for an invoice QBO's figures are not known of", p)
				}
				return
			}
			if p == nil || p.Status != tc.state || p.Words != tc.words {
				t.Fatalf("got %+v, want %s %q", p, tc.state, tc.words)
			}
		})
	}
}
