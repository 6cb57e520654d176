package e2e

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"hoursync/internal/store"
	"hoursync/internal/testutil"
)

// Sales tax, currency and terms against the emulator's company kinds (issue 18, NOTES
// §9): the total Hoursync computes is QBO's, to the cent, in every region.

// connectKind is connect with a company of the kind (US, US_AST, US_MANUAL, CA, UK, AU),
// optionally multicurrency with the foreign currencies given.
func (s *stack) connectKind(kind string, currencies ...string) tenant {
	s.t.Helper()
	ctx := context.Background()
	email := testutil.UniqueName("owner") + "@example.com"
	acct, owner, err := s.store.CreateAccountWithOwner(ctx, store.NewAccount{Name: "Firm " + kind}, store.NewUser{Email: email, FirstName: "Olive", LastName: "Owner"})
	if err != nil {
		s.t.Fatal(err)
	}
	body := map[string]any{"companyName": "Co " + kind + " " + testutil.RandomHex(3), "plan": "Essentials", "kind": kind,
		"adminUser": map[string]string{"givenName": "Olive", "familyName": "Owner", "email": email}}
	if len(currencies) > 0 {
		body["multiCurrency"], body["currencies"] = true, currencies
	}
	var out struct {
		RealmID string `json:"realmId"`
	}
	s.admin("POST", "/admin/companies", body, &out)
	s.connectRealm(acct.ID, owner.ID, out.RealmID)
	return tenant{account: acct, owner: owner, realm: out.RealmID}
}

// taxCodeNamed returns the imported tax code of that name.
func (s *stack) taxCodeNamed(tn tenant, name string) store.TaxCode {
	s.t.Helper()
	codes, err := s.store.ListTaxCodes(context.Background(), tn.account.ID, tn.realm)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, c := range codes {
		if c.Name == name {
			return c
		}
	}
	s.t.Fatalf("no tax code %q among %+v", name, codes)
	return store.TaxCode{}
}

// taxFixtures creates a customer and two services (Design at $120/h, Printing at $35).
func (s *stack) taxFixtures(tn tenant) (store.Customer, store.Service, store.Service) {
	s.t.Helper()
	ctx := context.Background()
	c, err := s.store.CreateCustomer(ctx, tn.account.ID, store.CustomerInput{DisplayName: "Taxed Client " + testutil.RandomHex(3), Active: true})
	if err != nil {
		s.t.Fatal(err)
	}
	design, err := s.store.CreateService(ctx, tn.account.ID, store.ServiceInput{Name: "Design " + testutil.RandomHex(2), RateCents: 12000, Active: true})
	if err != nil {
		s.t.Fatal(err)
	}
	printing, err := s.store.CreateService(ctx, tn.account.ID, store.ServiceInput{Name: "Printing " + testutil.RandomHex(2), RateCents: 3500, Active: true})
	if err != nil {
		s.t.Fatal(err)
	}
	return c, design, printing
}

func (s *stack) createInvoice(tn tenant, in store.InvoiceInput) store.Invoice {
	s.t.Helper()
	if in.InvoiceDate.IsZero() {
		in.InvoiceDate = day(24)
	}
	inv, err := s.store.CreateInvoice(context.Background(), tn.account.ID, in)
	if err != nil {
		s.t.Fatal(err)
	}
	return inv
}

// cents reads a QBO amount of the emulator's JSON.
func cents(v any) int64 {
	f, _ := v.(float64)
	return int64(math.Round(f * 100))
}

// syncedTotals syncs the invoice and checks QBO's total is Hoursync's to the cent, and
// that Hoursync stored QBO's figures; it returns QBO's invoice and Hoursync's figures.
func (s *stack) syncedTotals(tn tenant, inv store.Invoice) (map[string]any, store.InvoiceTaxComputation, store.InvoiceTax) {
	s.t.Helper()
	ctx := context.Background()
	res := s.syncInvoice(tn, inv.ID)
	if !res.Outcome.Succeeded {
		s.t.Fatalf("sync of %s: %+v", inv.Number, res)
	}
	q := s.qboInvoiceNumbered(tn.realm, inv.Number)
	after, err := s.store.GetInvoice(ctx, tn.account.ID, inv.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	comp, err := s.store.ComputeInvoiceTax(ctx, tn.account.ID, tn.realm, after)
	if err != nil || comp.Err != nil {
		s.t.Fatalf("Hoursync's computation: %v %v", err, comp.Err)
	}
	got, err := s.store.GetInvoiceTax(ctx, tn.account.ID, inv.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	total := cents(q["TotalAmt"])
	if total != comp.Result.TotalCents {
		s.t.Fatalf("QBO total %d, Hoursync %d (%+v); QBO invoice %v", total, comp.Result.TotalCents, comp.Result, q)
	}
	detail, _ := q["TxnTaxDetail"].(map[string]any)
	if tax := cents(detail["TotalTax"]); tax != comp.Result.TaxCents {
		s.t.Fatalf("QBO tax %d, Hoursync %d", tax, comp.Result.TaxCents)
	}
	if !got.QBOTotalCents.Valid || got.QBOTotalCents.Int64 != total || got.QBOTaxCents.Int64 != comp.Result.TaxCents ||
		got.QBOBalanceCents.Int64 != cents(q["Balance"]) {
		s.t.Fatalf("stored QBO totals %+v, QBO has total %d balance %v", got, total, q["Balance"])
	}
	if st := s.state(tn, store.ObjectInvoice, inv.ID); strings.Contains(st.Message, "Hoursync had") {
		s.t.Fatalf("sync message says the totals differ: %q", st.Message)
	}
	return q, comp, got
}

// lineTaxCodes is each QBO sales line's TaxCodeRef value.
func lineTaxCodes(q map[string]any) []string {
	var out []string
	lines, _ := q["Line"].([]any)
	for _, l := range lines {
		m, _ := l.(map[string]any)
		d, _ := m["SalesItemLineDetail"].(map[string]any)
		if d == nil {
			continue
		}
		r, _ := d["TaxCodeRef"].(map[string]any)
		out = append(out, str(r["value"]))
	}
	return out
}

func TestTaxUKStandardAndZeroRatedLinesMatchQBOAndNet15(t *testing.T) {
	s := newStack(t)
	tn := s.connectKind("UK")
	ctx := context.Background()
	res := s.importAll(tn)
	if res.TaxCodes != 5 {
		t.Fatalf("imported %d tax codes, want the UK's 5", res.TaxCodes)
	}
	prefs, err := s.store.GetCompanyPrefs(ctx, tn.account.ID, tn.realm)
	if err != nil || prefs.TaxModel != store.TaxModelGlobal || prefs.HomeCurrency != "GBP" || prefs.MultiCurrency {
		t.Fatalf("prefs %+v %v", prefs, err)
	}
	standard, zero := s.taxCodeNamed(tn, "20.0% S"), s.taxCodeNamed(tn, "0.0% Z")
	if len(standard.Rates) != 1 || standard.Rates[0].Percent != "20" {
		t.Fatalf("20.0%% S imported as %+v", standard)
	}
	c, design, printing := s.taxFixtures(tn)
	// Design's lines take its default code; Printing's line names its own.
	if err := s.store.SetServiceTaxCode(ctx, tn.account.ID, design.ID, standard.QBOID); err != nil {
		t.Fatal(err)
	}
	net15 := s.termNamed(tn, "Net 15")
	inv := s.createInvoice(tn, store.InvoiceInput{CustomerID: c.ID, TermID: net15.ID, Lines: []store.LineInput{
		{ServiceID: design.ID, Description: "Design", QuantityMilli: 2750, RateCents: 12345},
		{ServiceID: printing.ID, Description: "Printed books", QuantityMilli: 3000, RateCents: 1999, TaxCode: zero.QBOID},
		{ServiceID: design.ID, Description: "More design", QuantityMilli: 1000, RateCents: 4999},
	}})
	q, comp, _ := s.syncedTotals(tn, inv)
	// 339.49 + 49.99 = 389.48 at 20 % = 77.90 (once, per rate); 59.97 at 0 %.
	if comp.Result.TaxCents != 7790 || comp.Result.TotalCents != 33949+5997+4999+7790 {
		t.Fatalf("Hoursync's figures %+v", comp.Result)
	}
	if got := lineTaxCodes(q); strings.Join(got, ",") != standard.QBOID+","+zero.QBOID+","+standard.QBOID {
		t.Fatalf("QBO line codes %v", got)
	}
	if q["GlobalTaxCalculation"] != "TaxExcluded" {
		t.Fatalf("GlobalTaxCalculation %v", q["GlobalTaxCalculation"])
	}
	if q["CurrencyRef"] != nil {
		// The emulator fills the home currency in; Hoursync sent none (multicurrency off).
		if r, _ := q["CurrencyRef"].(map[string]any); r["value"] != "GBP" {
			t.Fatalf("CurrencyRef %v", q["CurrencyRef"])
		}
	}
	// Net 15: QBO's due date is the invoice date + 15 days.
	want := day(24).AddDate(0, 0, 15).Format(time.DateOnly)
	if q["DueDate"] != want {
		t.Fatalf("QBO DueDate %v, want %s", q["DueDate"], want)
	}
	if after, _ := s.store.GetInvoice(ctx, tn.account.ID, inv.ID); dueDateOf(after) != want {
		t.Fatalf("Hoursync due date %s, want %s", dueDateOf(after), want)
	}
}

func TestTaxUKInclusiveInvoiceMatchesQBO(t *testing.T) {
	s := newStack(t)
	tn := s.connectKind("UK")
	s.importAll(tn)
	standard, exempt := s.taxCodeNamed(tn, "20.0% S"), s.taxCodeNamed(tn, "Exempt")
	c, design, printing := s.taxFixtures(tn)
	// Prices include VAT: 120.00 is 100.00 + 20.00; 0.99 is 0.83 + 0.17 (= 1.00 in QBO).
	inv := s.createInvoice(tn, store.InvoiceInput{CustomerID: c.ID, TaxCalculation: "TaxInclusive", Lines: []store.LineInput{
		{ServiceID: design.ID, Description: "Design", QuantityMilli: 1000, RateCents: 12000, TaxCode: standard.QBOID},
		{ServiceID: design.ID, Description: "Sticker", QuantityMilli: 1000, RateCents: 99, TaxCode: standard.QBOID},
		{ServiceID: printing.ID, Description: "Exempt print", QuantityMilli: 2000, RateCents: 1000, TaxCode: exempt.QBOID},
	}})
	q, comp, _ := s.syncedTotals(tn, inv)
	if q["GlobalTaxCalculation"] != "TaxInclusive" {
		t.Fatalf("GlobalTaxCalculation %v", q["GlobalTaxCalculation"])
	}
	if comp.Result.SubtotalCents != 10000+83+2000 || comp.Result.TaxCents != 2017 {
		t.Fatalf("Hoursync's figures %+v", comp.Result)
	}
}

func TestTaxCanadaHSTAndExemptMatchQBO(t *testing.T) {
	s := newStack(t)
	tn := s.connectKind("CA")
	s.importAll(tn)
	hst, exempt := s.taxCodeNamed(tn, "HST ON"), s.taxCodeNamed(tn, "Exempt")
	c, design, printing := s.taxFixtures(tn)
	inv := s.createInvoice(tn, store.InvoiceInput{CustomerID: c.ID, Lines: []store.LineInput{
		{ServiceID: design.ID, Description: "Design", QuantityMilli: 1333, RateCents: 12000, TaxCode: hst.QBOID},
		{ServiceID: printing.ID, Description: "Exempt", QuantityMilli: 1000, RateCents: 3500, TaxCode: exempt.QBOID},
	}})
	_, comp, _ := s.syncedTotals(tn, inv)
	if comp.Result.TaxCents != 2079 { // 159.96 × 13 % = 20.7948
		t.Fatalf("Hoursync's figures %+v", comp.Result)
	}
}

func TestTaxAustraliaGSTAndGSTFreeMatchQBO(t *testing.T) {
	s := newStack(t)
	tn := s.connectKind("AU")
	s.importAll(tn)
	gst, free := s.taxCodeNamed(tn, "GST"), s.taxCodeNamed(tn, "GST free")
	c, design, printing := s.taxFixtures(tn)
	inv := s.createInvoice(tn, store.InvoiceInput{CustomerID: c.ID, Lines: []store.LineInput{
		{ServiceID: design.ID, Description: "Design", QuantityMilli: 2500, RateCents: 12345, TaxCode: gst.QBOID},
		{ServiceID: printing.ID, Description: "Food", QuantityMilli: 1000, RateCents: 3500, TaxCode: free.QBOID},
	}})
	_, comp, _ := s.syncedTotals(tn, inv)
	if comp.Result.TaxCents != 3086 { // 308.63 × 10 % = 30.863
		t.Fatalf("Hoursync's figures %+v", comp.Result)
	}
}

func TestTaxUSManualTaxableAndNonTaxableLinesWithACodeMatchQBO(t *testing.T) {
	s := newStack(t)
	tn := s.connectKind("US_MANUAL")
	ctx := context.Background()
	s.importAll(tn)
	if p, _ := s.store.GetCompanyPrefs(ctx, tn.account.ID, tn.realm); p.TaxModel != store.TaxModelUSManual {
		t.Fatalf("prefs %+v", p)
	}
	tucson := s.taxCodeNamed(tn, "Tucson") // 5.6 % + 2.6 %
	c, design, printing := s.taxFixtures(tn)
	inv := s.createInvoice(tn, store.InvoiceInput{CustomerID: c.ID, TaxCode: tucson.QBOID, Lines: []store.LineInput{
		{ServiceID: design.ID, Description: "Design", QuantityMilli: 1750, RateCents: 12000}, // TAX: the customer is taxable
		{ServiceID: printing.ID, Description: "Not taxable", QuantityMilli: 1000, RateCents: 3500, TaxCode: store.TaxCodeNonTaxable},
	}})
	q, comp, _ := s.syncedTotals(tn, inv)
	if comp.Result.TaxCents != 1176+546 { // 210.00 × 5.6 % = 11.76, × 2.6 % = 5.46
		t.Fatalf("Hoursync's figures %+v", comp.Result)
	}
	if got := strings.Join(lineTaxCodes(q), ","); got != "TAX,NON" {
		t.Fatalf("QBO line codes %s", got)
	}
	detail, _ := q["TxnTaxDetail"].(map[string]any)
	if r, _ := detail["TxnTaxCodeRef"].(map[string]any); str(r["value"]) != tucson.QBOID {
		t.Fatalf("TxnTaxCodeRef %v, want %s", detail["TxnTaxCodeRef"], tucson.QBOID)
	}
}

func TestTaxUSAutomatedSalesTaxOverrideIsQBOsTax(t *testing.T) {
	s := newStack(t)
	tn := s.connectKind("US_AST")
	ctx := context.Background()
	s.importAll(tn)
	if p, _ := s.store.GetCompanyPrefs(ctx, tn.account.ID, tn.realm); p.TaxModel != store.TaxModelUSAuto {
		t.Fatalf("prefs %+v", p)
	}
	c, design, _ := s.taxFixtures(tn)
	override := int64(1234)
	inv := s.createInvoice(tn, store.InvoiceInput{CustomerID: c.ID, TaxOverrideCents: &override, Lines: []store.LineInput{
		{ServiceID: design.ID, Description: "Design", QuantityMilli: 2000, RateCents: 12000},
	}})
	q, comp, got := s.syncedTotals(tn, inv)
	if comp.Result.TaxCents != override || got.QBOTaxCents.Int64 != override || cents(q["TotalAmt"]) != 24000+override {
		t.Fatalf("QBO %v tax, stored %+v, Hoursync %+v; want the override 12.34", q["TxnTaxDetail"], got, comp.Result)
	}

	// Without an override AST decides: Hoursync shows QBO's figures and says so.
	plain := s.createInvoice(tn, store.InvoiceInput{CustomerID: c.ID, Lines: []store.LineInput{
		{ServiceID: design.ID, Description: "Design", QuantityMilli: 1000, RateCents: 10000},
	}})
	if res := s.syncInvoice(tn, plain.ID); !res.Outcome.Succeeded {
		t.Fatalf("sync: %+v", res)
	}
	qp := s.qboInvoiceNumbered(tn.realm, plain.Number)
	stored, _ := s.store.GetInvoiceTax(ctx, tn.account.ID, plain.ID)
	if stored.QBOTotalCents.Int64 != cents(qp["TotalAmt"]) || stored.QBOTaxCents.Int64 == 0 {
		t.Fatalf("stored %+v, QBO %v", stored, qp["TotalAmt"])
	}
	if st := s.state(tn, store.ObjectInvoice, plain.ID); !strings.Contains(st.Message, "Automated Sales Tax") {
		t.Fatalf("sync message %q does not show QBO's tax", st.Message)
	}
}

func TestTaxMissingCodeIsRefusedLocallyNamingTheLine(t *testing.T) {
	s := newStack(t)
	tn := s.connectKind("UK")
	s.importAll(tn)
	standard := s.taxCodeNamed(tn, "20.0% S")
	c, design, printing := s.taxFixtures(tn)
	inv := s.createInvoice(tn, store.InvoiceInput{CustomerID: c.ID, Lines: []store.LineInput{
		{ServiceID: printing.ID, Description: "Printing", QuantityMilli: 1000, RateCents: 3500, TaxCode: standard.QBOID},
		{ServiceID: design.ID, Description: "Design", QuantityMilli: 1000, RateCents: 12000},
	}})
	res := s.syncInvoice(tn, inv.ID)
	want := "Line 2 (Design) needs a tax code: QuickBooks refuses an invoice with a line without one in this company"
	if res.Outcome.Succeeded || res.Outcome.Message != want {
		t.Fatalf("sync outcome %+v, want refused with %q", res.Outcome, want)
	}
	if st := s.state(tn, store.ObjectInvoice, inv.ID); st.Status != store.StatusFailed || st.Message != want {
		t.Fatalf("state %+v", st)
	}
	if n := len(s.qboInvoices(tn.realm)); n != 0 {
		t.Fatalf("QBO has %d invoices: the refused one was sent", n)
	}
}

func TestTaxCanadaForeignCurrencyCustomerInvoice(t *testing.T) {
	s := newStack(t)
	tn := s.connectKind("CA", "USD")
	ctx := context.Background()
	qc := s.seed(tn.realm, "Customer", map[string]any{"DisplayName": "Yankee Client " + testutil.RandomHex(3),
		"CurrencyRef": map[string]any{"value": "USD"}})
	s.importAll(tn)
	prefs, _ := s.store.GetCompanyPrefs(ctx, tn.account.ID, tn.realm)
	if prefs.HomeCurrency != "CAD" || !prefs.MultiCurrency || prefs.TaxModel != store.TaxModelGlobal {
		t.Fatalf("prefs %+v", prefs)
	}
	var cust store.Customer
	customers, err := s.store.ListCustomers(ctx, tn.account.ID, "Yankee", store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range customers {
		if c.DisplayName == qc["DisplayName"] {
			cust = c
		}
	}
	if cust.ID == 0 || cust.Currency != "USD" {
		t.Fatalf("imported customer %+v (QBO %v)", cust, qc)
	}
	zero := s.taxCodeNamed(tn, "Zero-rated")
	_, design, _ := s.taxFixtures(tn)
	inv := s.createInvoice(tn, store.InvoiceInput{CustomerID: cust.ID, Lines: []store.LineInput{
		{ServiceID: design.ID, Description: "Design", QuantityMilli: 1500, RateCents: 12000, TaxCode: zero.QBOID},
	}})
	q, _, got := s.syncedTotals(tn, inv)
	if r, _ := q["CurrencyRef"].(map[string]any); r["value"] != "USD" {
		t.Fatalf("QBO CurrencyRef %v", q["CurrencyRef"])
	}
	if !got.QBOHomeTotalCents.Valid || got.QBOHomeTotalCents.Int64 != cents(q["HomeTotalAmt"]) || got.QBOExchangeRate == "" {
		t.Fatalf("stored %+v, QBO HomeTotalAmt %v ExchangeRate %v", got, q["HomeTotalAmt"], q["ExchangeRate"])
	}
}

func TestTaxAPIShowsCodesTaxAndQBOTotalsAndRefusesAnUnknownCode(t *testing.T) {
	s := newStack(t)
	tn := s.connectKind("UK")
	s.importAll(tn)
	api := s.api(tn)
	var codes struct {
		Items []store.TaxCode `json:"items"`
	}
	api.call("GET", "/api/v1/tax-codes", http.StatusOK, &codes)
	if len(codes.Items) != 5 {
		t.Fatalf("tax codes %+v", codes.Items)
	}
	standard, zero := s.taxCodeNamed(tn, "20.0% S"), s.taxCodeNamed(tn, "0.0% Z")
	c, design, printing := s.taxFixtures(tn)
	body := map[string]any{"customer_id": c.ID, "date": "2026-11-24", "lines": []map[string]any{
		{"service_id": design.ID, "description": "Design", "quantity": "2", "rate": "100.00", "tax_code": standard.QBOID},
		{"service_id": printing.ID, "description": "Books", "quantity": "1", "rate": "35.00", "tax_code": "20.0% S"},
	}}
	var refused struct {
		Error struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"error"`
	}
	api.sendJSON("POST", "/api/v1/invoices", body, http.StatusUnprocessableEntity, &refused)
	if refused.Error.Field != "lines[1].tax_code" {
		t.Fatalf("refusal %+v, want on lines[1].tax_code", refused.Error)
	}
	body["lines"].([]map[string]any)[1]["tax_code"] = zero.QBOID
	body["tax_calculation"] = "TaxExcluded"
	type invoiceTax struct {
		ID     int64  `json:"id"`
		Number string `json:"number"`
		Lines  []struct {
			TaxCode string `json:"tax_code"`
		} `json:"lines"`
		TaxCalculation string `json:"tax_calculation"`
		Currency       string `json:"currency"`
		Tax            struct {
			Model         string `json:"model"`
			SubtotalCents int64  `json:"subtotal_cents"`
			Taxes         []struct {
				Name     string `json:"name"`
				Percent  string `json:"percent"`
				TaxCents int64  `json:"tax_cents"`
			} `json:"taxes"`
			TaxCents   int64 `json:"tax_cents"`
			TotalCents int64 `json:"total_cents"`
			Estimated  bool  `json:"estimated"`
			Inclusive  bool  `json:"inclusive"`
		} `json:"tax"`
		QBOTotals *struct {
			TotalCents   int64 `json:"total_cents"`
			TaxCents     int64 `json:"tax_cents"`
			BalanceCents int64 `json:"balance_cents"`
			Differs      bool  `json:"differs"`
		} `json:"qbo_totals"`
	}
	var inv invoiceTax
	api.sendJSON("POST", "/api/v1/invoices", body, http.StatusCreated, &inv)
	if inv.Lines[1].TaxCode != zero.QBOID || inv.TaxCalculation != "TaxExcluded" || inv.Currency != "GBP" ||
		inv.Tax.Model != store.TaxModelGlobal || inv.Tax.SubtotalCents != 23500 || inv.Tax.TaxCents != 4000 ||
		inv.Tax.TotalCents != 27500 || !inv.Tax.Estimated || inv.Tax.Inclusive || len(inv.Tax.Taxes) != 2 || inv.QBOTotals != nil {
		t.Fatalf("invoice as answered %+v", inv)
	}
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded {
		t.Fatalf("sync: %+v", res)
	}
	var after invoiceTax
	api.call("GET", fmt.Sprintf("/api/v1/invoices/%d", inv.ID), http.StatusOK, &after)
	if after.QBOTotals == nil || after.QBOTotals.TotalCents != 27500 || after.QBOTotals.TaxCents != 4000 ||
		after.QBOTotals.BalanceCents != 27500 || after.QBOTotals.Differs {
		t.Fatalf("QBO totals as answered %+v", after.QBOTotals)
	}
}

func TestTaxDifferenceFromQBOIsSaidInSyncHistory(t *testing.T) {
	s := newStack(t)
	tn := s.connectKind("AU")
	ctx := context.Background()
	s.importAll(tn)
	gst := s.taxCodeNamed(tn, "GST")
	// Hoursync's copy of the rate is stale (QBO's is 10 %): the totals then differ.
	stale := gst
	stale.Rates = store.TaxRates{{QBOID: gst.Rates[0].QBOID, Name: gst.Rates[0].Name, Percent: "9"}}
	if err := s.store.UpsertTaxCodes(ctx, tn.account.ID, tn.realm, []store.TaxCode{stale}); err != nil {
		t.Fatal(err)
	}
	c, design, _ := s.taxFixtures(tn)
	inv := s.createInvoice(tn, store.InvoiceInput{CustomerID: c.ID, Lines: []store.LineInput{
		{ServiceID: design.ID, Description: "Design", QuantityMilli: 1000, RateCents: 10000, TaxCode: gst.QBOID},
	}})
	if res := s.syncInvoice(tn, inv.ID); !res.Outcome.Succeeded {
		t.Fatalf("sync: %+v", res)
	}
	st := s.state(tn, store.ObjectInvoice, inv.ID)
	if !strings.Contains(st.Message, "QuickBooks computed the total as $110.00; Hoursync had $109.00") {
		t.Fatalf("sync message %q does not say the totals differ", st.Message)
	}
	got, _ := s.store.GetInvoiceTax(ctx, tn.account.ID, inv.ID)
	if got.QBOTotalCents.Int64 != 11000 || got.QBOTaxCents.Int64 != 1000 {
		t.Fatalf("stored QBO totals %+v", got)
	}
}
