package browser

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hoursync/internal/store"
)

// Item 8 of "Web UI: honest numbers, names not ids, and pages a bookkeeper
// understands": the invoice shows the time it bills, asks to save before a sync,
// and once void is read-only at $0; customers and services show their QuickBooks
// status.

func TestInvoiceLinksItsTimeAsksToSaveBeforeSyncAndVoidIsReadOnly(t *testing.T) {
	a, s := newFirm(t)
	s.addTime("2026-03-02", "1:30")
	s.selectAllAnd("invoice")
	s.run(chromedp.Navigate(a.url+"/invoices"), chromedp.WaitVisible(chromedp.CSS("main table a")),
		chromedp.Click(chromedp.CSS("main table a")), chromedp.WaitVisible(chromedp.CSS("#billed-time")))
	invoicePath := eval[string](s, `location.pathname`)
	card := "Bea Browser · Mon 2 Mar · Globex — Consulting 1:30"
	if got := s.text("#billed-time a"); got != card {
		t.Fatalf("the invoice bills %q, want %q", got, card)
	}
	s.shot("invoice-billed-time")

	// An edit not saved yet: Sync asks to save it first, and Cancel keeps the page.
	s.run(chromedp.SendKeys(chromedp.CSS("#f-memo"), " for March"))
	eval[bool](s, `window.asked = ""; window.confirm = m => { window.asked = m; return false }; true`)
	s.run(chromedp.Click(chromedp.CSS(`form[action$="/sync"] button`)))
	if asked := eval[string](s, `window.asked`); !strings.Contains(asked, "unsaved edits") {
		t.Fatalf("sync with unsaved edits asked %q", asked)
	}
	if got := eval[string](s, `location.pathname + location.search`); got != invoicePath {
		t.Fatalf("a cancelled sync left the page for %s", got)
	}
	s.mustSee("Save and sync with QuickBooks", "Sync sends the invoice as last saved")

	// The time's link leads to the time.
	s.run(chromedp.Click(chromedp.CSS("#billed-time a")), chromedp.WaitVisible(chromedp.CSS("#f-hours")))
	if p := eval[string](s, `location.pathname`); !strings.HasPrefix(p, "/time-cards/") {
		t.Fatalf("the time's link leads to %s", p)
	}

	// Voided, the invoice is read-only and shows 0.
	s.run(chromedp.Navigate(a.url+invoicePath), chromedp.WaitVisible(chromedp.CSS(`form[action$="/void"] button`)))
	s.acceptConfirms()
	s.submit(`form[action$="/void"] button`)
	s.run(chromedp.Navigate(a.url+invoicePath), chromedp.WaitVisible(chromedp.CSS("#voided")))
	if got := s.text("#invoice-total"); got != "$0.00" {
		t.Fatalf("a void invoice totals %q", got)
	}
	if eval[bool](s, `document.querySelector("#invoice-form, main input:not([type=hidden]), form[action$='/sync']") != null`) {
		t.Fatalf("a void invoice can still be edited or synced:\n%s", s.mainText())
	}
	s.mustSee("This invoice is void")
	s.shot("invoice-void")
	s.run(chromedp.Navigate(a.url+"/invoices"), chromedp.WaitVisible(chromedp.CSS("main table")))
	if got := s.text("main table tbody td.num"); got != "$0.00" {
		t.Fatalf("the list shows a void invoice at %q", got)
	}
}

func TestCustomersAndServicesShowTheirQuickBooksStatus(t *testing.T) {
	a, s := newFirm(t)
	ctx := context.Background()
	u, err := a.store.FindUserByEmail(ctx, s.email)
	if err != nil {
		t.Fatal(err)
	}
	customers, err := a.store.ListCustomers(ctx, u.AccountID, "Globex", store.Page{})
	if err != nil || len(customers) != 1 {
		t.Fatalf("customers %v: %v", customers, err)
	}
	s.failSync(u.AccountID, store.ObjectCustomer, customers[0].ID, "QuickBooks already has a customer named Globex")
	s.run(chromedp.Navigate(a.url+"/customers"), chromedp.WaitVisible(chromedp.CSS("main table")))
	s.mustSee("failed QuickBooks already has a customer named Globex")
	s.shot("customers-status")
	s.run(chromedp.Navigate(a.url+"/services"), chromedp.WaitVisible(chromedp.CSS("main table")))
	s.mustSee("QuickBooks", "not synced")
	s.shot("services-status")
}
