package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"hoursync/internal/store"
)

// An invoice's payments are QuickBooks': a client pays in QBO, Hoursync learns it with
// the next pull of QBO's changes (webhook or schedule) and shows where the invoice
// stands. A synced invoice with payments is not deleted, voided or edited silently:
// the answer says why.

// Payment states of a synced invoice.
const (
	paymentOpen    = "open"
	paymentPartly  = "partly_paid"
	paymentPaid    = "paid"
	paymentOverdue = "overdue"
	paymentVoided  = "voided"
)

// paymentJSON is where a synced invoice stands with its payments in QuickBooks.
type paymentJSON struct {
	Status    string `json:"status"`
	PaidCents int64  `json:"paid_cents"`
	DueCents  int64  `json:"due_cents"`
	// Words is the state as a person reads it ("Partly paid: $50.00 paid, $41.50 due").
	Words string `json:"words"`
}

// paymentOf works out the invoice's state from QBO's total and balance after the last
// sync or pull; nil when QBO's figures are not known (never synced). Overdue is judged
// on the due date in the account's time zone.
func paymentOf(inv store.Invoice, tax store.InvoiceTax, currency string, now time.Time, loc *time.Location) *paymentJSON {
	amount := func(c int64) string {
		if currency == "" || currency == "USD" {
			return usd(c)
		}
		return currency + " " + formatFixed(c, 2)
	}
	if inv.Status == store.InvoiceVoid {
		return &paymentJSON{Status: paymentVoided, Words: "Voided"}
	}
	if !tax.QBOTotalCents.Valid || !tax.QBOBalanceCents.Valid {
		return nil
	}
	total, due := tax.QBOTotalCents.Int64, tax.QBOBalanceCents.Int64
	p := &paymentJSON{PaidCents: total - due, DueCents: due}
	today := now.In(loc).Format(time.DateOnly)
	switch {
	case total > 0 && due <= 0:
		p.Status, p.Words = paymentPaid, "Paid"
	case inv.DueDate.Valid && inv.DueDate.Time.Format(time.DateOnly) < today:
		p.Status = paymentOverdue
		p.Words = fmt.Sprintf("Overdue since %s: %s due", inv.DueDate.Time.Format("Mon 2 Jan"), amount(due))
		if p.PaidCents > 0 {
			p.Words += fmt.Sprintf(" (%s paid)", amount(p.PaidCents))
		}
	case p.PaidCents > 0:
		p.Status, p.Words = paymentPartly, fmt.Sprintf("Partly paid: %s paid, %s due", amount(p.PaidCents), amount(due))
	default:
		p.Status, p.Words = paymentOpen, fmt.Sprintf("Open: %s due", amount(due))
	}
	return p
}

// addPayment adds the invoice's payment state to its JSON.
func (a *app) addPayment(ctx context.Context, inv store.Invoice, out *invoiceJSON) error {
	tax, err := a.store.GetInvoiceTax(ctx, inv.AccountID, inv.ID)
	if err != nil {
		return err
	}
	loc := time.UTC
	if acct, err := a.store.GetAccount(ctx, inv.AccountID); err == nil {
		loc = zoneOf(acct.TimeZone)
	}
	out.Payment = paymentOf(inv, tax, out.Currency, a.now(), loc)
	out.Email = emailOf(tax, loc)
	return nil
}

// refuseIfPaid refuses to change or remove an invoice that has payments in QuickBooks:
// QBO refuses to delete or void it, and an edit could put its total under what was paid.
func (a *app) refuseIfPaid(ctx context.Context, by actor, id int64, what string) error {
	tax, err := a.store.GetInvoiceTax(ctx, by.AccountID, id)
	if err != nil {
		return err
	}
	if !tax.QBOTotalCents.Valid || !tax.QBOBalanceCents.Valid {
		return nil
	}
	if paid := tax.QBOTotalCents.Int64 - tax.QBOBalanceCents.Int64; paid > 0 {
		return &apiError{Status: http.StatusConflict, Code: codeConflict,
			Message: fmt.Sprintf("This invoice has %s of payments in QuickBooks, so it cannot be %s here: remove or move those payments in QuickBooks first", usd(paid), what)}
	}
	return nil
}
