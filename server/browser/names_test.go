package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hoursync/internal/store"
)

// Item 3 of "Web UI: honest numbers, names not ids, and pages a bookkeeper
// understands": sync activity and errors name records as people know them.

// failSync records a failed sync of the object, as a worker would.
func (s *session) failSync(accountID int64, typ string, id int64, message string) {
	s.t.Helper()
	run := store.SyncRun{Kind: "timecards", WorkflowID: fmt.Sprintf("timecards-%d-test", accountID), RunID: "run", Attempt: 1}
	if err := s.a.store.RecordSyncFailure(context.Background(), accountID, typ, id, "Validation", message, run); err != nil {
		s.t.Fatal(err)
	}
}

func TestSyncActivityNamesRecordsNotIds(t *testing.T) {
	a, s := newFirm(t)
	s.addTime("2026-03-02", "1:30")
	s.selectAllAnd("invoice")
	ctx := context.Background()
	u, err := a.store.FindUserByEmail(ctx, s.email)
	if err != nil {
		t.Fatal(err)
	}
	cards, err := a.store.ListTimeCards(ctx, u.AccountID, store.TimeCardFilter{}, store.Page{})
	if err != nil || len(cards) != 1 {
		t.Fatalf("cards %v: %v", cards, err)
	}
	invoices, err := a.store.ListInvoices(ctx, u.AccountID, store.InvoiceFilter{}, store.Page{})
	if err != nil || len(invoices) != 1 {
		t.Fatalf("invoices %v: %v", invoices, err)
	}
	inv := invoices[0]
	s.failSync(u.AccountID, store.ObjectTimeCard, cards[0].ID, "QuickBooks refused the time")
	s.failSync(u.AccountID, store.ObjectCustomer, cards[0].CustomerID, "QuickBooks refused the customer")
	s.failSync(u.AccountID, store.ObjectInvoice, inv.ID, "QuickBooks refused the invoice")

	card := "Bea Browser · Mon 2 Mar · Globex — Consulting 1:30"
	invoice := "Invoice " + inv.Number + " to Globex ($225.00)"
	s.run(chromedp.Navigate(a.url+"/sync"), chromedp.WaitVisible(chromedp.CSS("main table")))
	s.mustSee(card, invoice, "Globex\t", "UTC")
	for _, id := range []string{fmt.Sprint("Time card ", cards[0].ID), fmt.Sprint("Customer ", cards[0].CustomerID), fmt.Sprint("Invoice ", inv.ID, "\t")} {
		if strings.Contains(s.mainText(), id) {
			t.Fatalf("sync activity names %q by its id:\n%s", id, s.mainText())
		}
	}
	s.shot("sync-named")

	// The history of one record says whose it is, with the way back to all of it.
	s.run(chromedp.Navigate(a.url+fmt.Sprintf("/sync?type=invoice&id=%d", inv.ID)), chromedp.WaitVisible(chromedp.CSS("#sync-filter")))
	s.mustSee("Showing the history of " + invoice + " — show all")
	if strings.Contains(s.mainText(), card) {
		t.Fatalf("the invoice's history shows the time card's:\n%s", s.mainText())
	}
	s.run(chromedp.Click(chromedp.CSS(`#sync-filter a`)), chromedp.WaitVisible(chromedp.CSS("main table")))
	s.mustSee(card)

	// Billing the billed time again is refused by the time's name, not its id.
	s.selectAllAnd("invoice")
	s.mustSee("The time " + card + " is already billed")
}
