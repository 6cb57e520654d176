package browser

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hoursync/internal/store"
)

// An invoice in a company with VAT (issue "Real QBO companies"): every line has its tax
// code, the page shows the subtotal, the tax of each rate and the total, and after the
// sync what QuickBooks has — the same, to the penny.
func TestInvoiceWithVATLinesShowsItsTaxAndQuickBooksTotals(t *testing.T) {
	a := newApp(t, true)
	s := newSession(t, a)
	s.signUp()
	var co struct {
		RealmID string `json:"realmId"`
	}
	a.admin("POST", "/admin/companies", map[string]any{"companyName": "Bramble & Oak Ltd", "plan": "Plus", "kind": "UK",
		"adminUser": map[string]string{"givenName": "Bea", "familyName": "Browser", "email": s.email}}, &co)
	a.approveNextConsent(co.RealmID)
	s.run(chromedp.Navigate(a.url+"/settings"), chromedp.WaitVisible(chromedp.CSS(`form[action="/auth/intuit/connect"] button`)))
	s.submit(`form[action="/auth/intuit/connect"] button`)
	s.waitFor("the import's result", `location.pathname === "/settings" && location.search.includes("done=import")`)

	ctx := context.Background()
	u, err := a.store.FindUserByEmail(ctx, s.email)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := a.store.ListTaxCodes(ctx, u.AccountID, co.RealmID)
	if err != nil {
		t.Fatal(err)
	}
	code := func(name string) string {
		for _, c := range codes {
			if c.Name == name {
				return c.QBOID
			}
		}
		t.Fatalf("no tax code %q among %d imported", name, len(codes))
		return ""
	}
	cust, err := a.store.CreateCustomer(ctx, u.AccountID, store.CustomerInput{DisplayName: "Hartley & Sons", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := a.store.CreateService(ctx, u.AccountID, store.ServiceInput{Name: "Design", RateCents: 10000, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := a.store.CreateInvoice(ctx, u.AccountID, store.InvoiceInput{CustomerID: cust.ID, InvoiceDate: time.Now(),
		Lines: []store.LineInput{
			{ServiceID: svc.ID, Description: "Design", QuantityMilli: 1000, RateCents: 10000, TaxCode: code("20.0% S")},
			{ServiceID: svc.ID, Description: "Children's books (zero-rated)", QuantityMilli: 500, RateCents: 10000, TaxCode: code("0.0% Z")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	path := "/invoices/" + strconv.FormatInt(inv.ID, 10)
	s.run(chromedp.Navigate(a.url+path), chromedp.WaitVisible(chromedp.CSS(`select[name="line_tax_code"]`)))
	foot := s.text("table.lines tfoot")
	for _, want := range []string{"Subtotal", "150.00", "20.0% S 20% on 100.00", "20.00", "Total (GBP)", "170.00"} {
		if !strings.Contains(foot, want) {
			t.Fatalf("the invoice's totals say %q, want %q in them", foot, want)
		}
	}
	s.submit(`form[action="` + path + `/sync"] button`)
	s.syncStarted()
	s.reloadUntil(path, `document.querySelector("tr.qbo") != null`)
	if got := s.text("tr.qbo"); !strings.Contains(got, "In QuickBooks: total 170.00, tax 20.00") || strings.Contains(got, "differs") {
		t.Fatalf("QuickBooks' figures: %q", got)
	}
	s.shot("invoice-tax")
}
