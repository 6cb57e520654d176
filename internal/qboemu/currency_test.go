package qboemu

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestMulticurrencyOffRefusesForeignCurrencies(t *testing.T) {
	h := newHarness(t, PlanPlus)
	const off = "Multicurrency is not enabled for this company: CurrencyRef must be the home currency USD."
	wantBusinessFault(t, h.call(http.MethodPost, "customer", map[string]any{"DisplayName": "Euro Client", "CurrencyRef": ref("EUR")}), off)
	wantBusinessFault(t, h.call(http.MethodPost, "vendor", map[string]any{"DisplayName": "Euro Vendor", "CurrencyRef": ref("EUR")}), off)
	wantBusinessFault(t, h.call(http.MethodPost, "companycurrency", map[string]any{"Code": "EUR"}), "Multicurrency is not enabled for this company.")
	h.call(http.MethodPost, "customer", map[string]any{"DisplayName": "Odd", "CurrencyRef": ref("XYZ")}).fault(t, http.StatusBadRequest, "2010")

	cust := h.create("Customer", map[string]any{"DisplayName": "Dollar Client", "CurrencyRef": ref("usd")})
	if !reflect.DeepEqual(cust["CurrencyRef"], map[string]any{"value": "USD", "name": "United States Dollar"}) {
		t.Fatalf("CurrencyRef: %v", cust["CurrencyRef"])
	}
	wantBusinessFault(t, h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "CurrencyRef": ref("EUR"),
		"Line": []any{saleLine("10.00", "")}}), off)
	// Without multicurrency ExchangeRate is ignored and there is no HomeTotalAmt.
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "ExchangeRate": 1.3, "Line": []any{saleLine("10.00", "")}})
	if _, ok := inv["ExchangeRate"]; ok || inv["HomeTotalAmt"] != nil || inv["CurrencyRef"].(map[string]any)["value"] != "USD" {
		t.Fatalf("invoice: %v", inv)
	}
	if n := len(rows(h.query("select * from CompanyCurrency"), "CompanyCurrency")); n != 0 {
		t.Fatalf("currencies: %d", n)
	}
}

func TestMulticurrencyInvoicesInTheCustomersCurrency(t *testing.T) {
	h := newKindHarness(t, KindUS, map[string]any{"multiCurrency": true, "currencies": []string{"EUR", "CAD"}})
	prefs := h.call(http.MethodGet, "preferences", nil).ok(t, "Preferences")
	if cp := prefs["CurrencyPrefs"].(map[string]any); cp["MultiCurrencyEnabled"] != true {
		t.Fatalf("CurrencyPrefs: %v", cp)
	}
	var codes []string
	for _, r := range rows(h.query("select * from CompanyCurrency"), "CompanyCurrency") {
		m := r.(map[string]any)
		codes = append(codes, m["Code"].(string)+" "+m["Name"].(string))
	}
	if !reflect.DeepEqual(codes, []string{"EUR Euro", "CAD Canadian Dollar"}) {
		t.Fatalf("company currencies: %v", codes)
	}
	eur := h.create("Customer", map[string]any{"DisplayName": "Berlin Client", "CurrencyRef": ref("EUR")})
	wantBusinessFault(t, h.call(http.MethodPost, "customer", map[string]any{"DisplayName": "London Client", "CurrencyRef": ref("GBP")}),
		"The currency GBP is not in the company's currency list. Add it as a CompanyCurrency first.")

	// CurrencyRef defaults to the customer's; HomeTotalAmt = TotalAmt × ExchangeRate.
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(eur["Id"].(string)), "ExchangeRate": json.Number("1.0825"),
		"Line": []any{saleLine("99.99", "")}})
	if inv["CurrencyRef"].(map[string]any)["value"] != "EUR" || inv["ExchangeRate"] != json.Number("1.0825") ||
		inv["HomeTotalAmt"] != json.Number("108.24") || inv["HomeBalance"] != json.Number("108.24") {
		t.Fatalf("EUR invoice: %v", inv)
	}
	wantAmounts(t, inv, "99.99")
	// ExchangeRate defaults to 1; a home-currency invoice always has 1.
	inv2 := h.create("Invoice", map[string]any{"CustomerRef": ref(eur["Id"].(string)), "Line": []any{saleLine("10.00", "")}})
	if inv2["ExchangeRate"] != json.Number("1") || inv2["HomeTotalAmt"] != json.Number("10.00") {
		t.Fatalf("default rate: %v", inv2)
	}
	usd := h.create("Customer", map[string]any{"DisplayName": "Boston Client"})
	inv3 := h.create("Invoice", map[string]any{"CustomerRef": ref(usd["Id"].(string)), "ExchangeRate": 2, "Line": []any{saleLine("10.00", "")}})
	if inv3["ExchangeRate"] != json.Number("1") || inv3["HomeTotalAmt"] != json.Number("10.00") {
		t.Fatalf("home invoice: %v", inv3)
	}
	wantBusinessFault(t, h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(eur["Id"].(string)), "CurrencyRef": ref("USD"),
		"Line": []any{saleLine("10.00", "")}}), "The currency of the transaction (USD) must be the currency of the customer (EUR).")
	h.call(http.MethodPost, "invoice", map[string]any{"CustomerRef": ref(eur["Id"].(string)), "ExchangeRate": 0,
		"Line": []any{saleLine("10.00", "")}}).fault(t, http.StatusBadRequest, "2010")

	// A customer with transactions keeps its currency; one without may change.
	wantBusinessFault(t, h.call(http.MethodPost, "customer", map[string]any{"Id": eur["Id"], "SyncToken": eur["SyncToken"], "sparse": true, "CurrencyRef": ref("CAD")}),
		"You can't change the currency of a customer that has transactions. Create a new customer for the other currency.")
	wantBusinessFault(t, h.call(http.MethodPost, "customer", map[string]any{"Id": usd["Id"], "SyncToken": "0", "sparse": true, "CurrencyRef": ref("CAD")}),
		"You can't change the currency of a customer that has transactions. Create a new customer for the other currency.")
	fresh := h.create("Customer", map[string]any{"DisplayName": "Toronto Client"})
	changed := h.call(http.MethodPost, "customer", map[string]any{"Id": fresh["Id"], "SyncToken": "0", "sparse": true, "CurrencyRef": ref("CAD")}).ok(t, "Customer")
	if changed["CurrencyRef"].(map[string]any)["value"] != "CAD" {
		t.Fatalf("changed: %v", changed)
	}
	// A full update that omits CurrencyRef keeps it.
	full := h.call(http.MethodPost, "customer", map[string]any{"Id": fresh["Id"], "SyncToken": "1", "DisplayName": "Toronto Client"}).ok(t, "Customer")
	if full["CurrencyRef"].(map[string]any)["value"] != "CAD" {
		t.Fatalf("full update: %v", full)
	}

	// CompanyCurrency through the API: create, duplicate, home, unknown.
	jpy := h.create("CompanyCurrency", map[string]any{"Code": "jpy"})
	if jpy["Code"] != "JPY" || jpy["Name"] != "Japanese Yen" || jpy["Active"] != true {
		t.Fatalf("JPY: %v", jpy)
	}
	h.call(http.MethodPost, "companycurrency", map[string]any{"Code": "EUR"}).fault(t, http.StatusBadRequest, "6240")
	wantBusinessFault(t, h.call(http.MethodPost, "companycurrency", map[string]any{"Code": "USD"}), "The home currency USD is not added as a CompanyCurrency.")
	h.call(http.MethodPost, "companycurrency", map[string]any{"Code": "XXX"}).fault(t, http.StatusBadRequest, "2010")
	h.call(http.MethodPost, "companycurrency", map[string]any{}).fault(t, http.StatusBadRequest, "2020")
	h.create("Customer", map[string]any{"DisplayName": "Tokyo Client", "CurrencyRef": ref("JPY")})
	// An inactive currency takes no new customers.
	h.call(http.MethodPost, "companycurrency", map[string]any{"Id": jpy["Id"], "SyncToken": "0", "sparse": true, "Active": false}).ok(t, "CompanyCurrency")
	wantBusinessFault(t, h.call(http.MethodPost, "customer", map[string]any{"DisplayName": "Osaka Client", "CurrencyRef": ref("JPY")}),
		"The currency JPY is not in the company's currency list. Add it as a CompanyCurrency first.")
}

func TestAdminMulticurrencyIsOneWayAndNotOnSimpleStart(t *testing.T) {
	h := newHarness(t, PlanEssentials)
	h.admin(http.MethodPatch, "/admin/companies/"+h.realm, map[string]any{"currencies": []string{"EUR"}}, http.StatusBadRequest, nil)
	var v CompanyView
	h.admin(http.MethodPatch, "/admin/companies/"+h.realm, map[string]any{"multiCurrency": true, "currencies": []string{"EUR", "usd"}}, http.StatusOK, &v)
	if !v.MultiCurrency || !reflect.DeepEqual(v.Currencies, []string{"EUR"}) {
		t.Fatalf("enabled: %+v", v)
	}
	prefs := h.call(http.MethodGet, "preferences", nil).ok(t, "Preferences")
	if prefs["CurrencyPrefs"].(map[string]any)["MultiCurrencyEnabled"] != true || prefs["SyncToken"] == "0" {
		t.Fatalf("preferences: %v", prefs)
	}
	h.admin(http.MethodPatch, "/admin/companies/"+h.realm, map[string]any{"multiCurrency": false}, http.StatusBadRequest, nil)
	h.admin(http.MethodPatch, "/admin/companies/"+h.realm, map[string]any{"plan": PlanSimpleStart}, http.StatusBadRequest, nil)
	h.admin(http.MethodPatch, "/admin/companies/"+h.realm, map[string]any{"currencies": []string{"CAD", "EUR"}}, http.StatusOK, &v)
	if !reflect.DeepEqual(v.Currencies, []string{"CAD", "EUR"}) {
		t.Fatalf("added: %+v", v)
	}
	// Reset keeps the currency setup.
	h.admin(http.MethodPost, "/admin/reset", map[string]any{"realmId": h.realm}, http.StatusOK, nil)
	if v := h.view(h.realm); !v.MultiCurrency || !reflect.DeepEqual(v.Currencies, []string{"CAD", "EUR"}) {
		t.Fatalf("after reset: %+v", v)
	}
	h.admin(http.MethodPost, "/admin/companies", map[string]any{"plan": PlanSimpleStart, "multiCurrency": true}, http.StatusBadRequest, nil)
	h.admin(http.MethodPost, "/admin/companies", map[string]any{"currencies": []string{"EUR"}}, http.StatusBadRequest, nil)
	h.admin(http.MethodPost, "/admin/companies", map[string]any{"multiCurrency": true, "currencies": []string{"ABC"}}, http.StatusBadRequest, nil)
}

func TestCanadianMulticurrencyTaxesInTheInvoiceCurrency(t *testing.T) {
	h := newKindHarness(t, KindCA, map[string]any{"multiCurrency": true, "currencies": []string{"USD"}})
	cust := h.create("Customer", map[string]any{"DisplayName": "Seattle Buyer", "CurrencyRef": ref("USD")})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "ExchangeRate": json.Number("1.3712"),
		"Line": []any{saleLine("100.00", h.codeID("Zero-rated"))}})
	wantAmounts(t, inv, "100.00")
	if inv["CurrencyRef"].(map[string]any)["value"] != "USD" || inv["HomeTotalAmt"] != json.Number("137.12") {
		t.Fatalf("invoice: %v", inv)
	}
	home := h.create("Customer", map[string]any{"DisplayName": "Ottawa Buyer"})
	if home["CurrencyRef"].(map[string]any)["value"] != "CAD" {
		t.Fatalf("home customer: %v", home)
	}
	inv2 := h.create("Invoice", map[string]any{"CustomerRef": ref(home["Id"].(string)), "Line": []any{saleLine("100.00", h.codeID("HST ON"))}})
	if inv2["HomeTotalAmt"] != json.Number("113.00") || inv2["ExchangeRate"] != json.Number("1") {
		t.Fatalf("CAD invoice: %v", inv2)
	}
}
