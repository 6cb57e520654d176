package qboemu

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// newKindHarness serves an emulator whose harness company is of kind, created
// through the admin API with extra fields (multiCurrency, currencies, plan).
func newKindHarness(t *testing.T, kind string, extra map[string]any) *harness {
	t.Helper()
	h := newHarness(t, PlanPlus)
	body := map[string]any{"companyName": "Kind " + kind, "plan": PlanPlus, "kind": kind,
		"adminUser": map[string]any{"givenName": "Ada", "familyName": "Admin", "email": "ada@example.com"}}
	for k, v := range extra {
		body[k] = v
	}
	var created struct {
		RealmID string `json:"realmId"`
	}
	h.admin(http.MethodPost, "/admin/companies", body, http.StatusCreated, &created)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	h.admin(http.MethodPost, "/admin/companies/"+created.RealmID+"/tokens", map[string]any{}, http.StatusOK, &tok)
	h.realm, h.token = created.RealmID, tok.AccessToken
	return h
}

// view is a company as the admin API lists it.
func (h *harness) view(realm string) CompanyView {
	h.t.Helper()
	var list []CompanyView
	h.admin(http.MethodGet, "/admin/companies", nil, http.StatusOK, &list)
	for _, v := range list {
		if v.RealmID == realm {
			return v
		}
	}
	h.t.Fatalf("no company %s in %+v", realm, list)
	return CompanyView{}
}

// saleLine is an invoice line of amount on item 1 with an optional TaxCodeRef.
func saleLine(amount, code string) map[string]any {
	det := map[string]any{"ItemRef": ref("1")}
	if code != "" {
		det["TaxCodeRef"] = ref(code)
	}
	return map[string]any{"DetailType": "SalesItemLineDetail", "Amount": json.Number(amount), "SalesItemLineDetail": det}
}

// codeID finds a TaxCode's Id by name.
func (h *harness) codeID(name string) string {
	h.t.Helper()
	codes := rows(h.query("select * from TaxCode where Name = '"+name+"'"), "TaxCode")
	if len(codes) != 1 {
		h.t.Fatalf("tax code %q: %v", name, codes)
	}
	return codes[0].(map[string]any)["Id"].(string)
}

// rateID finds a TaxRate's Id by name.
func (h *harness) rateID(name string) string {
	h.t.Helper()
	rates := rows(h.query("select * from TaxRate where Name = '"+name+"'"), "TaxRate")
	if len(rates) != 1 {
		h.t.Fatalf("tax rate %q: %v", name, rates)
	}
	return rates[0].(map[string]any)["Id"].(string)
}

// gotTaxLine is a TaxLine reduced to what the tests compare.
type gotTaxLine struct{ Rate, Amount, Percent, Net, Inclusive, Delta string }

func taxDetail(t *testing.T, inv map[string]any) (code, total string, lines []gotTaxLine) {
	t.Helper()
	d, ok := inv["TxnTaxDetail"].(map[string]any)
	if !ok {
		t.Fatalf("no TxnTaxDetail: %v", inv)
	}
	if m, ok := d["TxnTaxCodeRef"].(map[string]any); ok {
		code = m["value"].(string)
	}
	total = string(d["TotalTax"].(json.Number))
	raw, _ := d["TaxLine"].([]any)
	for _, l := range raw {
		m := l.(map[string]any)
		if m["DetailType"] != "TaxLineDetail" {
			t.Fatalf("tax line detail type: %v", m)
		}
		det := m["TaxLineDetail"].(map[string]any)
		if det["PercentBased"] != true {
			t.Fatalf("tax line not percent based: %v", m)
		}
		s := func(v any) string {
			n, _ := v.(json.Number)
			return string(n)
		}
		lines = append(lines, gotTaxLine{Rate: det["TaxRateRef"].(map[string]any)["value"].(string), Amount: s(m["Amount"]),
			Percent: s(det["TaxPercent"]), Net: s(det["NetAmountTaxable"]), Inclusive: s(det["TaxInclusiveAmount"]), Delta: s(det["OverrideDeltaAmount"])})
	}
	return code, total, lines
}

func wantTaxLines(t *testing.T, got, want []gotTaxLine) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("tax lines:\n got %+v\nwant %+v", got, want)
	}
}

func wantAmounts(t *testing.T, inv map[string]any, total string) {
	t.Helper()
	if inv["TotalAmt"] != json.Number(total) || inv["Balance"] != json.Number(total) {
		t.Fatalf("TotalAmt %v Balance %v, want %s", inv["TotalAmt"], inv["Balance"], total)
	}
}

// wantBusinessFault asserts QBO's 6000 fault exactly: HTTP 400, ValidationFault,
// the message, the detail, an empty element.
func wantBusinessFault(t *testing.T, r reply, detail string) {
	t.Helper()
	e := r.fault(t, http.StatusBadRequest, "6000")
	f := r.body["Fault"].(map[string]any)
	want := map[string]any{"Message": "A business validation error has occurred while processing your request",
		"Detail": "Business Validation Error: " + detail, "code": "6000", "element": ""}
	if f["type"] != "ValidationFault" || !reflect.DeepEqual(e, want) || len(f["Error"].([]any)) != 1 {
		t.Fatalf("fault:\n got %s\nwant %v", r.raw, want)
	}
}

func TestCompanyKindsReportCountryTaxAndCurrencyPreferences(t *testing.T) {
	for _, c := range []struct {
		kind, country, currency string
		using, partner          bool
		codes                   []string
	}{
		{KindUS, "US", "USD", false, false, []string{"NON", "TAX"}},
		{KindUSAST, "US", "USD", true, true, []string{"CA Mountain View", "NY New York City", "TX Austin", "WA Seattle", "NON", "TAX"}},
		{KindUSManual, "US", "USD", true, false, []string{"California", "Tucson", "Santa Clara County", "NON", "TAX"}},
		{KindCA, "CA", "CAD", true, false, []string{"Exempt", "Zero-rated", "Out of Scope", "GST", "HST ON", "GST/PST BC"}},
		{KindUK, "GB", "GBP", true, false, []string{"20.0% S", "5.0% R", "0.0% Z", "Exempt", "No VAT"}},
		{KindAU, "AU", "AUD", true, false, []string{"GST", "GST free", "Input taxed", "Export", "Out of scope"}},
	} {
		t.Run(c.kind, func(t *testing.T) {
			h := newKindHarness(t, c.kind, nil)
			info := h.call(http.MethodGet, "companyinfo/"+h.realm, nil).ok(t, "CompanyInfo")
			if info["Country"] != c.country || info["CompanyAddr"].(map[string]any)["Country"] != c.country {
				t.Fatalf("CompanyInfo country: %v", info)
			}
			prefs := h.call(http.MethodGet, "preferences", nil).ok(t, "Preferences")
			tax := prefs["TaxPrefs"].(map[string]any)
			cur := prefs["CurrencyPrefs"].(map[string]any)
			if tax["UsingSalesTax"] != c.using || tax["PartnerTaxEnabled"] != c.partner {
				t.Fatalf("TaxPrefs: %v", tax)
			}
			if cur["MultiCurrencyEnabled"] != false || cur["HomeCurrency"].(map[string]any)["value"] != c.currency {
				t.Fatalf("CurrencyPrefs: %v", cur)
			}
			var names []string
			for _, r := range rows(h.query("select * from TaxCode"), "TaxCode") {
				names = append(names, r.(map[string]any)["Name"].(string))
			}
			if !reflect.DeepEqual(names, c.codes) {
				t.Fatalf("tax codes %q, want %q", names, c.codes)
			}
			// Seeded accounts and new customers are in the home currency.
			acct := h.call(http.MethodGet, "account/1", nil).ok(t, "Account")
			cust := h.create("Customer", map[string]any{"DisplayName": "Home Currency Client"})
			for _, obj := range []map[string]any{acct, cust} {
				if ref := obj["CurrencyRef"].(map[string]any); ref["value"] != c.currency || ref["name"] != currencyNames[c.currency] {
					t.Fatalf("CurrencyRef %v, want %s", ref, c.currency)
				}
			}
			if v := h.view(h.realm); v.Kind != c.kind || v.Country != c.country || v.HomeCurrency != c.currency || v.MultiCurrency {
				t.Fatalf("admin view: %+v", v)
			}
		})
	}
}

func TestCompanyKindIsChosenAtCreationAndDefaultsToUS(t *testing.T) {
	h := newHarness(t, PlanEssentials)
	if v := h.view(h.realm); v.Kind != KindUS || v.Country != "US" || v.HomeCurrency != "USD" || v.MultiCurrency || len(v.Currencies) != 0 {
		t.Fatalf("default company: %+v", v)
	}
	h.admin(http.MethodPost, "/admin/companies", map[string]any{"kind": "Narnia"}, http.StatusBadRequest, nil)
	h.admin(http.MethodPatch, "/admin/companies/"+h.realm, map[string]any{"kind": KindUK}, http.StatusBadRequest, nil)
	h.admin(http.MethodPatch, "/admin/companies/"+h.realm, map[string]any{"kind": "us"}, http.StatusOK, nil)
	// Aliases and spellings.
	var created struct {
		RealmID string `json:"realmId"`
	}
	h.admin(http.MethodPost, "/admin/companies", map[string]any{"kind": "gb"}, http.StatusCreated, &created)
	if v := h.view(created.RealmID); v.Kind != KindUK || v.CompanyName != "Sandbox Company_GB_1" {
		t.Fatalf("gb company: %+v", v)
	}
	// Reset keeps the kind.
	h.admin(http.MethodPost, "/admin/reset", map[string]any{"realmId": created.RealmID}, http.StatusOK, nil)
	if v := h.view(created.RealmID); v.Kind != KindUK {
		t.Fatalf("after reset: %+v", v)
	}
}

func TestTaxEntitiesReadQueryAndAreReadOnly(t *testing.T) {
	h := newKindHarness(t, KindUSManual, nil)
	// The pseudo codes, as Intuit's TaxCode reference shows them: no SyncToken,
	// no Active.
	tax := h.call(http.MethodGet, "taxcode/TAX", nil).ok(t, "TaxCode")
	want := map[string]any{"Id": "TAX", "Name": "TAX", "Description": "TAX", "Taxable": true, "TaxGroup": false}
	for k, v := range want {
		if tax[k] != v {
			t.Fatalf("TAX: %v", tax)
		}
	}
	if _, ok := tax["SyncToken"]; ok {
		t.Fatalf("pseudo code with SyncToken: %v", tax)
	}
	if n := len(rows(h.query("select * from TaxCode where Active = true"), "TaxCode")); n != 3 {
		t.Fatalf("Active = true: %d codes, want the 3 rate codes without the pseudo codes", n)
	}
	tucson := h.call(http.MethodGet, "taxcode/"+h.codeID("Tucson"), nil).ok(t, "TaxCode")
	details := tucson["SalesTaxRateList"].(map[string]any)["TaxRateDetail"].([]any)
	if tucson["TaxGroup"] != true || tucson["Taxable"] != true || len(details) != 2 || tucson["TaxCodeConfigType"] != "USER_DEFINED" {
		t.Fatalf("Tucson: %v", tucson)
	}
	d0 := details[0].(map[string]any)
	if d0["TaxTypeApplicable"] != "TaxOnAmount" || d0["TaxOrder"] != json.Number("0") || d0["TaxRateRef"].(map[string]any)["name"] != "AZ State tax" {
		t.Fatalf("rate detail: %v", d0)
	}
	rate := h.call(http.MethodGet, "taxrate/"+h.rateID("AZ State tax"), nil).ok(t, "TaxRate")
	if rate["RateValue"] != json.Number("5.6") || rate["SpecialTaxType"] != "NONE" || rate["DisplayType"] != "ReadOnly" || rate["Active"] != true {
		t.Fatalf("rate: %v", rate)
	}
	agency := h.call(http.MethodGet, "taxagency/"+rate["AgencyRef"].(map[string]any)["value"].(string), nil).ok(t, "TaxAgency")
	if agency["DisplayName"] != "Arizona Department of Revenue" || agency["TaxTrackedOnSales"] != true {
		t.Fatalf("agency: %v", agency)
	}
	if qr := h.query("select count(*) from TaxRate"); qr["totalCount"] != json.Number("4") {
		t.Fatalf("count: %v", qr)
	}
	if qr := h.query("select * from taxagency where DisplayName like '%Tucson%'"); len(rows(qr, "TaxAgency")) != 1 {
		t.Fatalf("agency query: %v", qr)
	}
	h.call(http.MethodGet, "taxcode/99", nil).fault(t, http.StatusBadRequest, "610")
	h.call(http.MethodPost, "taxcode", map[string]any{"Name": "Mine"}).fault(t, http.StatusBadRequest, "500")
	h.call(http.MethodPost, "taxrate", map[string]any{"Id": rate["Id"], "SyncToken": "0", "RateValue": 9}).fault(t, http.StatusBadRequest, "500")
	h.call(http.MethodPost, "taxagency?operation=delete", map[string]any{"Id": agency["Id"], "SyncToken": "0"}).fault(t, http.StatusBadRequest, "500")
}

func TestUSWithoutSalesTaxIgnoresSuppliedTaxDetail(t *testing.T) {
	h := newHarness(t, PlanEssentials)
	cust := h.create("Customer", map[string]any{"DisplayName": "No Tax Client"})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "GlobalTaxCalculation": "TaxInclusive",
		"TxnTaxDetail": map[string]any{"TxnTaxCodeRef": ref("2"), "TotalTax": 9.99},
		"Line":         []any{saleLine("100.00", "TAX"), saleLine("50.00", "")}})
	wantAmounts(t, inv, "150.00")
	if d := inv["TxnTaxDetail"].(map[string]any); !reflect.DeepEqual(d, map[string]any{"TotalTax": json.Number("0")}) {
		t.Fatalf("TxnTaxDetail %v, want only TotalTax 0", d)
	}
	if _, ok := inv["GlobalTaxCalculation"]; ok {
		t.Fatalf("GlobalTaxCalculation kept: %v", inv)
	}
	// Line codes are kept as sent, as before kinds existed.
	lines := inv["Line"].([]any)
	if det := lines[1].(map[string]any)["SalesItemLineDetail"].(map[string]any); det["TaxCodeRef"] != nil {
		t.Fatalf("code added to a line: %v", det)
	}
}

func TestUSAutomatedSalesTaxComputesFromDestinationAndReplacesTxnTaxCodeRef(t *testing.T) {
	h := newKindHarness(t, KindUSAST, nil)
	ny := h.create("Customer", map[string]any{"DisplayName": "Gotham Books",
		"ShipAddr": map[string]any{"Line1": "1 Broadway", "City": "New York", "CountrySubDivisionCode": "NY", "PostalCode": "10004", "Country": "US"}})
	if ny["DefaultTaxCodeRef"].(map[string]any)["value"] != h.codeID("CA Mountain View") {
		t.Fatalf("AST customer default tax code: %v", ny["DefaultTaxCodeRef"])
	}
	// Destination NY (the customer's ShipAddr): 4 % + 4.5 % + 0.375 % of the TAX
	// line only; the supplied TxnTaxCodeRef is replaced.
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(ny["Id"].(string)),
		"TxnTaxDetail": map[string]any{"TxnTaxCodeRef": ref("TAX")},
		"Line":         []any{saleLine("100.00", "TAX"), saleLine("50.00", "NON"), saleLine("25.00", "")}})
	code, total, lines := taxDetail(t, inv)
	if code != h.codeID("NY New York City") || total != "8.88" {
		t.Fatalf("code %s total %s", code, total)
	}
	wantTaxLines(t, lines, []gotTaxLine{
		{Rate: h.rateID("New York State"), Amount: "4.00", Percent: "4", Net: "100.00"},
		{Rate: h.rateID("New York City"), Amount: "4.50", Percent: "4.5", Net: "100.00"},
		{Rate: h.rateID("Metropolitan Commuter Transportation District"), Amount: "0.38", Percent: "0.375", Net: "100.00"},
	})
	wantAmounts(t, inv, "183.88")
	sub := inv["Line"].([]any)[3].(map[string]any)
	if sub["DetailType"] != "SubTotalLineDetail" || sub["Amount"] != json.Number("175.00") {
		t.Fatalf("subtotal: %v", sub)
	}
	// A line without a code takes the item's Taxable (Services: false → NON).
	if det := inv["Line"].([]any)[2].(map[string]any)["SalesItemLineDetail"].(map[string]any); det["TaxCodeRef"].(map[string]any)["value"] != "NON" {
		t.Fatalf("defaulted line code: %v", det)
	}

	// No address anywhere: the company's own (Mountain View, CA).
	plain := h.create("Customer", map[string]any{"DisplayName": "Local Client"})
	inv2 := h.create("Invoice", map[string]any{"CustomerRef": ref(plain["Id"].(string)), "Line": []any{saleLine("100.00", "TAX")}})
	code, total, _ = taxDetail(t, inv2)
	if code != h.codeID("CA Mountain View") || total != "9.38" { // 7.25 + 2.125 → 2.13
		t.Fatalf("CA: code %s total %s", code, total)
	}
	wantAmounts(t, inv2, "109.38")

	// An explicit TotalTax is honoured and prorated by the rates (largest
	// remainder): 10.00 × 7.25/9.375 = 7.733 → 7.73, × 2.125/9.375 = 2.267 → 2.27.
	inv3 := h.create("Invoice", map[string]any{"CustomerRef": ref(plain["Id"].(string)),
		"TxnTaxDetail": map[string]any{"TotalTax": 10}, "Line": []any{saleLine("100.00", "TAX")}})
	_, total, lines = taxDetail(t, inv3)
	if total != "10.00" {
		t.Fatalf("override total %s", total)
	}
	wantTaxLines(t, lines, []gotTaxLine{
		{Rate: h.rateID("California State"), Amount: "7.73", Percent: "7.25", Net: "100.00", Delta: "0.48"},
		{Rate: h.rateID("Santa Clara County District"), Amount: "2.27", Percent: "2.125", Net: "100.00", Delta: "0.14"},
	})
	wantAmounts(t, inv3, "110.00")
	// A sparse update that names no TxnTaxDetail recomputes (no override kept).
	upd := h.call(http.MethodPost, "invoice", map[string]any{"Id": inv3["Id"], "SyncToken": "0", "sparse": true, "PrivateNote": "edited"}).ok(t, "Invoice")
	if _, total, _ = taxDetail(t, upd); total != "9.38" {
		t.Fatalf("after sparse edit: %s", total)
	}
	// Void zeroes the tax too.
	void := h.call(http.MethodPost, "invoice?operation=void", map[string]any{"Id": inv3["Id"], "SyncToken": "1"}).ok(t, "Invoice")
	if _, total, lines = taxDetail(t, void); total != "0" || lines[0].Amount != "0" {
		t.Fatalf("void: %s %v", total, lines)
	}

	// Outside the company's nexus (Oregon): no tax, no code.
	or := h.create("Customer", map[string]any{"DisplayName": "Portland Client", "ShipAddr": map[string]any{"CountrySubDivisionCode": "OR", "Country": "US"}})
	inv4 := h.create("Invoice", map[string]any{"CustomerRef": ref(or["Id"].(string)), "Line": []any{saleLine("100.00", "TAX")}})
	if code, total, lines = taxDetail(t, inv4); code != "" || total != "0" || lines != nil {
		t.Fatalf("OR: %s %s %v", code, total, lines)
	}
	wantAmounts(t, inv4, "100.00")

	// Faults.
	wantBusinessFault(t, h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(plain["Id"].(string)), "Line": []any{saleLine("1.00", "7")}}),
		"Invalid tax code 7 on a line: a US company's sales lines take TaxCodeRef TAX or NON.")
	wantBusinessFault(t, h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(plain["Id"].(string)), "GlobalTaxCalculation": "TaxInclusive", "Line": []any{saleLine("1.00", "TAX")}}),
		"GlobalTaxCalculation TaxInclusive is not supported for US companies.")
	h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(plain["Id"].(string)), "TxnTaxDetail": map[string]any{"TotalTax": -1}, "Line": []any{saleLine("1.00", "TAX")}}).
		fault(t, http.StatusBadRequest, "2010")
}

func TestUSManualSalesTaxUsesTxnTaxCodeRefOrCustomerDefault(t *testing.T) {
	h := newKindHarness(t, KindUSManual, nil)
	cust := h.create("Customer", map[string]any{"DisplayName": "Desert Client"})
	tucson := h.codeID("Tucson")
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)),
		"TxnTaxDetail": map[string]any{"TxnTaxCodeRef": ref(tucson)},
		"Line":         []any{saleLine("123.45", "TAX"), saleLine("10.00", "NON")}})
	code, total, lines := taxDetail(t, inv)
	if code != tucson || total != "10.12" { // 5.6 % → 6.9132 → 6.91; 2.6 % → 3.2097 → 3.21
		t.Fatalf("code %s total %s", code, total)
	}
	wantTaxLines(t, lines, []gotTaxLine{
		{Rate: h.rateID("AZ State tax"), Amount: "6.91", Percent: "5.6", Net: "123.45"},
		{Rate: h.rateID("Tucson City"), Amount: "3.21", Percent: "2.6", Net: "123.45"},
	})
	wantAmounts(t, inv, "143.57")

	// No code: no tax.
	none := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{saleLine("100.00", "TAX")}})
	if code, total, _ := taxDetail(t, none); code != "" || total != "0" {
		t.Fatalf("no code: %s %s", code, total)
	}
	// The customer's DefaultTaxCodeRef stands in for a missing TxnTaxCodeRef.
	ca := h.create("Customer", map[string]any{"DisplayName": "Valley Client", "DefaultTaxCodeRef": ref(h.codeID("California"))})
	inv2 := h.create("Invoice", map[string]any{"CustomerRef": ref(ca["Id"].(string)), "Line": []any{saleLine("80.00", "TAX")}})
	if code, total, _ := taxDetail(t, inv2); code != h.codeID("California") || total != "5.80" {
		t.Fatalf("customer default: %s %s", code, total)
	}
	wantAmounts(t, inv2, "85.80")
	// An explicit TotalTax is honoured here too.
	inv3 := h.create("Invoice", map[string]any{"CustomerRef": ref(ca["Id"].(string)), "TxnTaxDetail": map[string]any{"TotalTax": "6.00"}, "Line": []any{saleLine("80.00", "TAX")}})
	if _, total, lines := taxDetail(t, inv3); total != "6.00" || lines[0].Delta != "0.20" {
		t.Fatalf("override: %s %v", total, lines)
	}

	r := h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)),
		"TxnTaxDetail": map[string]any{"TxnTaxCodeRef": ref("99")}, "Line": []any{saleLine("1.00", "TAX")}})
	if e := r.fault(t, http.StatusBadRequest, "2500"); e["element"] != "TxnTaxDetail.TxnTaxCodeRef" {
		t.Fatalf("fault: %s", r.raw)
	}
	h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)),
		"TxnTaxDetail": map[string]any{"TxnTaxCodeRef": ref("TAX")}, "Line": []any{saleLine("1.00", "TAX")}}).fault(t, http.StatusBadRequest, "2500")
	h.call(http.MethodPost, "customer", map[string]any{"DisplayName": "Bad Default", "DefaultTaxCodeRef": ref("42")}).fault(t, http.StatusBadRequest, "2500")
}

func TestCanadaNeedsACodeOnEveryLineAndTaxesPerRate(t *testing.T) {
	h := newKindHarness(t, KindCA, nil)
	cust := h.create("Customer", map[string]any{"DisplayName": "Maple Client"})
	hst, gstpst, exempt := h.codeID("HST ON"), h.codeID("GST/PST BC"), h.codeID("Exempt")
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)),
		"Line": []any{saleLine("100.00", hst), saleLine("200.00", gstpst), saleLine("50.00", exempt)}})
	if inv["GlobalTaxCalculation"] != "TaxExcluded" {
		t.Fatalf("GlobalTaxCalculation default: %v", inv["GlobalTaxCalculation"])
	}
	code, total, lines := taxDetail(t, inv)
	if code != "" || total != "37.00" {
		t.Fatalf("code %q total %s", code, total)
	}
	wantTaxLines(t, lines, []gotTaxLine{
		{Rate: h.rateID("HST ON"), Amount: "13.00", Percent: "13", Net: "100.00"},
		{Rate: h.rateID("GST"), Amount: "10.00", Percent: "5", Net: "200.00"},
		{Rate: h.rateID("PST BC"), Amount: "14.00", Percent: "7", Net: "200.00"},
		{Rate: h.rateID("Exempt"), Amount: "0.00", Percent: "0", Net: "50.00"},
	})
	wantAmounts(t, inv, "387.00")
	// The same code on every line is reported as TxnTaxCodeRef.
	one := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{saleLine("19.99", hst), saleLine("0.01", hst)}})
	if code, total, _ := taxDetail(t, one); code != hst || total != "2.60" {
		t.Fatalf("uniform: %s %s", code, total)
	}

	const detail = "Make sure all your transactions have a GST/HST rate before you save."
	for name, body := range map[string]map[string]any{
		"no code":             {"Line": []any{saleLine("10.00", hst), saleLine("10.00", "")}},
		"name instead of id":  {"Line": []any{saleLine("10.00", "HST ON")}},
		"unknown id":          {"Line": []any{saleLine("10.00", "999")}},
		"TxnTaxCodeRef alone": {"TxnTaxDetail": map[string]any{"TxnTaxCodeRef": ref(hst)}, "Line": []any{saleLine("10.00", "")}},
	} {
		t.Run(name, func(t *testing.T) {
			body["CustomerRef"] = ref(cust["Id"].(string))
			wantBusinessFault(t, h.call(http.MethodPost, "invoice", body), detail)
		})
	}
	// A supplied TaxLine must name a rate of the lines' codes, once.
	wantBusinessFault(t, h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)),
		"TxnTaxDetail": map[string]any{"TaxLine": []any{map[string]any{"Amount": 1, "DetailType": "TaxLineDetail",
			"TaxLineDetail": map[string]any{"TaxRateRef": ref(h.rateID("PST BC"))}}}},
		"Line": []any{saleLine("10.00", hst)}}), "TaxRateRef "+h.rateID("PST BC")+" in TxnTaxDetail is not a rate of the tax codes on the lines.")
	h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "GlobalTaxCalculation": "TaxIncluded",
		"Line": []any{saleLine("10.00", hst)}}).fault(t, http.StatusBadRequest, "2170")
}

func TestUKTaxInclusiveKeepsNetAmountsAndGross(t *testing.T) {
	h := newKindHarness(t, KindUK, nil)
	cust := h.create("Customer", map[string]any{"DisplayName": "Thames Client"})
	std, noVAT := h.codeID("20.0% S"), h.codeID("No VAT")
	gross := func(g, code string) map[string]any {
		l := saleLine("0", code)
		delete(l, "Amount")
		l["SalesItemLineDetail"].(map[string]any)["TaxInclusiveAmt"] = json.Number(g)
		return l
	}
	// 10.00 gross at 20 %: net 8.33, VAT 1.67. 0.99 gross: net 0.825 → 0.83, VAT
	// 0.166 → 0.17, so net + VAT is 1.00: the inclusive price QBO cannot match.
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "GlobalTaxCalculation": "TaxInclusive",
		"Line": []any{gross("10.00", std), gross("0.99", std), saleLine("100.00", std), saleLine("5.00", noVAT)}})
	lines := inv["Line"].([]any)
	for i, want := range []struct{ amount, incl string }{{"8.33", "10.00"}, {"0.83", "0.99"}, {"100.00", "120.00"}, {"5.00", ""}} {
		l := lines[i].(map[string]any)
		det := l["SalesItemLineDetail"].(map[string]any)
		if l["Amount"] != json.Number(want.amount) || (want.incl != "" && det["TaxInclusiveAmt"] != json.Number(want.incl)) {
			t.Fatalf("line %d: %v", i, l)
		}
	}
	_, total, tl := taxDetail(t, inv)
	// One TaxLine for the 20 % rate on 109.16 net: 21.832 → 21.83; No VAT has no rate.
	wantTaxLines(t, tl, []gotTaxLine{{Rate: h.rateID("20.0% S"), Amount: "21.83", Percent: "20", Net: "109.16", Inclusive: "130.99"}})
	if total != "21.83" {
		t.Fatalf("total tax %s", total)
	}
	wantAmounts(t, inv, "135.99") // 114.16 net + 21.83
	if sub := lines[4].(map[string]any); sub["Amount"] != json.Number("114.16") {
		t.Fatalf("subtotal is net: %v", sub)
	}

	// NotApplicable: codes still needed, no tax.
	na := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "GlobalTaxCalculation": "NotApplicable", "Line": []any{saleLine("50.00", std)}})
	if _, total, tl := taxDetail(t, na); total != "0" || tl != nil {
		t.Fatalf("NotApplicable: %s %v", total, tl)
	}
	wantAmounts(t, na, "50.00")
	wantBusinessFault(t, h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{saleLine("50.00", "20.0% S")}}),
		"Make sure all your transactions have a VAT rate before you save.")
	// TaxInclusive without Amount nor TaxInclusiveAmt: Amount is required.
	l := saleLine("1", std)
	delete(l, "Amount")
	h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "GlobalTaxCalculation": "TaxInclusive", "Line": []any{l}}).fault(t, http.StatusBadRequest, "2020")
}

func TestAustraliaGST(t *testing.T) {
	h := newKindHarness(t, KindAU, nil)
	cust := h.create("Customer", map[string]any{"DisplayName": "Harbour Client"})
	gst, free := h.codeID("GST"), h.codeID("GST free")
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{saleLine("99.99", gst), saleLine("50.00", free)}})
	_, total, tl := taxDetail(t, inv)
	wantTaxLines(t, tl, []gotTaxLine{
		{Rate: h.rateID("GST"), Amount: "10.00", Percent: "10", Net: "99.99"},
		{Rate: h.rateID("GST free"), Amount: "0.00", Percent: "0", Net: "50.00"},
	})
	if total != "10.00" {
		t.Fatalf("total %s", total)
	}
	wantAmounts(t, inv, "159.99")
	wantBusinessFault(t, h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{saleLine("1.00", "")}}),
		"Make sure all your transactions have a GST rate before you save.")
	// Batch items follow the same rules.
	r := h.call(http.MethodPost, "batch", map[string]any{"BatchItemRequest": []any{
		map[string]any{"bId": "ok", "operation": "create", "Invoice": map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{saleLine("10.00", gst)}}},
		map[string]any{"bId": "bad", "operation": "create", "Invoice": map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{saleLine("10.00", "")}}},
	}})
	items := r.body["BatchItemResponse"].([]any)
	if inv := items[0].(map[string]any)["Invoice"].(map[string]any); inv["TotalAmt"] != json.Number("11.00") {
		t.Fatalf("batch invoice: %v", inv)
	}
	if f := items[1].(map[string]any)["Fault"].(map[string]any); f["Error"].([]any)[0].(map[string]any)["code"] != "6000" {
		t.Fatalf("batch fault: %v", f)
	}
}

func TestPreferencesUpdateCannotChangeTaxOrCurrencyPrefs(t *testing.T) {
	h := newHarness(t, PlanPlus)
	prefs := h.call(http.MethodGet, "preferences", nil).ok(t, "Preferences")
	upd := h.call(http.MethodPost, "preferences", map[string]any{"Id": "1", "SyncToken": prefs["SyncToken"], "sparse": true,
		"TaxPrefs":      map[string]any{"UsingSalesTax": true, "PartnerTaxEnabled": true},
		"CurrencyPrefs": map[string]any{"MultiCurrencyEnabled": true, "HomeCurrency": ref("EUR")}}).ok(t, "Preferences")
	if upd["TaxPrefs"].(map[string]any)["UsingSalesTax"] != false || upd["CurrencyPrefs"].(map[string]any)["MultiCurrencyEnabled"] != false {
		t.Fatalf("preferences: %v", upd)
	}
}

func TestStateKeepsKindAndOldStateGetsPseudoCodes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	emu, err := New(Options{StatePath: path, Limits: Limits{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	uk, err := emu.createCompanyWith(companySetup{Name: "Kept", Kind: KindUK, MultiCurrency: true, Currencies: []string{"EUR"}})
	if err != nil {
		t.Fatal(err)
	}
	old, err := emu.createCompany("Old", PlanEssentials, AdminUser{})
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}
	// Remove the tax lists of the US company, as in a state written before them.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	oc := st["companies"].(map[string]any)[old].(map[string]any)
	if _, ok := oc["kind"]; ok {
		t.Fatalf("a US company without sales tax stores no kind: %v", oc["kind"])
	}
	for _, e := range []string{"TaxCode", "TaxRate", "TaxAgency", "CompanyCurrency"} {
		delete(oc["entities"].(map[string]any), e)
	}
	if raw, err = json.Marshal(st); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	emu2, err := New(Options{StatePath: path, Limits: Limits{Off: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu2.Close()
	emu2.mu.RLock()
	defer emu2.mu.RUnlock()
	oldC, ukC := emu2.companies[old], emu2.companies[uk]
	if len(oldC.Entities["TaxCode"]) != 2 || oldC.Entities["TaxCode"]["NON"] == nil || oldC.TaxKind() != KindUS {
		t.Fatalf("old company tax codes: %v", oldC.Entities["TaxCode"])
	}
	if ukC.TaxKind() != KindUK || !ukC.MultiCurrency || !reflect.DeepEqual(ukC.currencyCodes(), []string{"EUR"}) || len(ukC.Entities["TaxCode"]) != 5 {
		t.Fatalf("uk company: kind %s multi %v currencies %v", ukC.TaxKind(), ukC.MultiCurrency, ukC.currencyCodes())
	}
}
