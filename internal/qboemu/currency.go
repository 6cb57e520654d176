package qboemu

import (
	"encoding/json"
	"math/big"
	"strings"
)

// Multicurrency (NOTES §9.7): off by default; once on it stays on; not on
// Simple Start. CurrencyRef.value is the ISO 4217 code.

// currencyNames are the ISO 4217 codes the emulator knows, with the names QBO
// shows for them.
var currencyNames = map[string]string{
	"USD": "United States Dollar", "CAD": "Canadian Dollar", "GBP": "British Pound Sterling",
	"AUD": "Australian Dollar", "EUR": "Euro", "NZD": "New Zealand Dollar", "JPY": "Japanese Yen",
	"CHF": "Swiss Franc", "MXN": "Mexican Peso", "INR": "Indian Rupee", "CNY": "Chinese Yuan Renminbi",
	"HKD": "Hong Kong Dollar", "SGD": "Singapore Dollar", "SEK": "Swedish Krona", "NOK": "Norwegian Krone",
	"DKK": "Danish Krone", "ZAR": "South African Rand", "BRL": "Brazilian Real", "PLN": "Polish Zloty",
}

func currencyRef(code string) map[string]any {
	return map[string]any{"value": code, "name": currencyNames[code]}
}

// homeCurrency is the company's home currency code.
func (c *company) homeCurrency() string { return c.kind().currency }

// homeCurrencyRef is a CurrencyRef to the home currency.
func (c *company) homeCurrencyRef() map[string]any { return currencyRef(c.homeCurrency()) }

// hasCurrency reports whether code is the home currency or an active
// CompanyCurrency of a multicurrency company.
func (tx *txn) hasCurrency(code string) bool {
	if code == tx.c.homeCurrency() {
		return true
	}
	if !tx.c.MultiCurrency {
		return false
	}
	for id, rec := range tx.c.Entities["CompanyCurrency"] {
		if tx.get("CompanyCurrency", id) != nil && str(rec.Data["Code"]) == code && rec.Data["Active"] == true {
			return true
		}
	}
	return false
}

// checkCurrency validates the currency code a CurrencyRef names.
func (tx *txn) checkCurrency(field, code string) *fault {
	if _, ok := currencyNames[code]; !ok {
		return faultInvalidValue(field, "unknown currency code "+code)
	}
	if code == tx.c.homeCurrency() {
		return nil
	}
	if !tx.c.MultiCurrency {
		return faultBusiness("Multicurrency is not enabled for this company: CurrencyRef must be the home currency " + tx.c.homeCurrency() + ".")
	}
	if !tx.hasCurrency(code) {
		return faultBusiness("The currency " + code + " is not in the company's currency list. Add it as a CompanyCurrency first.")
	}
	return nil
}

// currencyCode reads a CurrencyRef's value ("" when absent).
func currencyCode(v any) (string, bool) {
	if v == nil {
		return "", true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	return strings.ToUpper(scalarString(m["value"])), true
}

// partyCurrency sets a Customer's or Vendor's CurrencyRef: the home currency
// by default; an update that names none keeps the stored one; a customer with
// transactions cannot change currency.
func (tx *txn) partyCurrency(obj, old map[string]any, entity string) *fault {
	code, ok := currencyCode(obj["CurrencyRef"])
	if !ok {
		return faultInvalidValue("CurrencyRef", "expected a reference object")
	}
	prev, _ := currencyCode(old["CurrencyRef"])
	if code == "" {
		code = prev
	}
	if code == "" {
		code = tx.c.homeCurrency()
	}
	if old != nil && code == prev {
		obj["CurrencyRef"] = currencyRef(code)
		return nil // unchanged: even a currency since removed from the list stays
	}
	if f := tx.checkCurrency("CurrencyRef", code); f != nil {
		return f
	}
	if old != nil && prev != "" && entity == "Customer" && tx.hasInvoices(str(obj["Id"])) {
		return faultBusiness("You can't change the currency of a customer that has transactions. Create a new customer for the other currency.")
	}
	obj["CurrencyRef"] = currencyRef(code)
	return nil
}

// hasInvoices reports whether a customer has invoices that are not deleted.
func (tx *txn) hasInvoices(customerID string) bool {
	for _, rec := range tx.c.Entities["Invoice"] {
		if rec.Deleted {
			continue
		}
		if m, ok := rec.Data["CustomerRef"].(map[string]any); ok && scalarString(m["value"]) == customerID {
			return true
		}
	}
	return false
}

// invoiceCurrency sets an invoice's CurrencyRef (the customer's currency by
// default; another one is refused), and with multicurrency on its ExchangeRate
// (1 for the home currency, default 1 otherwise) and HomeTotalAmt/HomeBalance
// (TotalAmt × ExchangeRate, rounded half away from zero to cents). Without
// multicurrency ExchangeRate is ignored and not stored.
func (tx *txn) invoiceCurrency(obj map[string]any, customer *record, total int64) *fault {
	code, ok := currencyCode(obj["CurrencyRef"])
	if !ok {
		return faultInvalidValue("CurrencyRef", "expected a reference object")
	}
	custCode := tx.c.homeCurrency()
	if customer != nil {
		if cc, _ := currencyCode(customer.Data["CurrencyRef"]); cc != "" {
			custCode = cc
		}
	}
	if code == "" {
		code = custCode
	}
	if f := tx.checkCurrency("CurrencyRef", code); f != nil {
		return f
	}
	if code != custCode {
		return faultBusiness("The currency of the transaction (" + code + ") must be the currency of the customer (" + custCode + ").")
	}
	obj["CurrencyRef"] = currencyRef(code)
	delete(obj, "HomeTotalAmt")
	delete(obj, "HomeBalance")
	if !tx.c.MultiCurrency {
		delete(obj, "ExchangeRate")
		return nil
	}
	rate := big.NewRat(1, 1)
	if code == tx.c.homeCurrency() {
		obj["ExchangeRate"] = json.Number("1")
	} else if v := obj["ExchangeRate"]; v != nil {
		r, ok := decimal(v)
		if !ok || r.Sign() <= 0 {
			return faultInvalidValue("ExchangeRate", "expected a positive decimal number")
		}
		rate = r
		obj["ExchangeRate"] = json.Number(scalarString(v)) // "1.1" is kept as the number 1.1
	} else {
		obj["ExchangeRate"] = json.Number("1")
	}
	home := centsNumber(cents(new(big.Rat).Mul(big.NewRat(total, 100), rate)))
	obj["HomeTotalAmt"] = home
	obj["HomeBalance"] = home
	return nil
}

// prepareCompanyCurrency validates a CompanyCurrency: multicurrency on, a known
// ISO code other than the home currency, once per company; Name is the
// currency's name; Code cannot change.
func prepareCompanyCurrency(tx *txn, obj, old map[string]any) *fault {
	if !tx.c.MultiCurrency {
		return faultBusiness("Multicurrency is not enabled for this company.")
	}
	code, _ := currencyCode(map[string]any{"value": obj["Code"]})
	if code == "" {
		return faultRequired("Code")
	}
	if _, ok := currencyNames[code]; !ok {
		return faultInvalidValue("Code", "unknown currency code "+code)
	}
	if old != nil && str(old["Code"]) != code {
		return faultInvalidValue("Code", "the code of a currency cannot change")
	}
	if code == tx.c.homeCurrency() {
		return faultBusiness("The home currency " + code + " is not added as a CompanyCurrency.")
	}
	if f := tx.uniqueName([]string{"CompanyCurrency"}, "Code", code, "CompanyCurrency", str(obj["Id"])); f != nil {
		return f
	}
	if f := checkBool(obj, "Active"); f != nil {
		return f
	}
	obj["Code"] = code
	obj["Name"] = currencyNames[code]
	defaultTo(obj, "Active", true)
	return nil
}

// putCompanyCurrencies adds the codes not yet in the company's currency list.
func (c *company) putCompanyCurrencies(codes []string, tx *txn) ([]change, *fault) {
	var out []change
	for _, code := range codes {
		code = strings.ToUpper(strings.TrimSpace(code))
		if code == "" || code == c.homeCurrency() || tx.hasCurrency(code) {
			continue
		}
		rec, f := tx.create(lookupSpec("CompanyCurrency"), map[string]any{"Code": code})
		if f != nil {
			return nil, f
		}
		out = append(out, change{"CompanyCurrency", str(rec.Data["Id"]), "Create"})
	}
	return out, nil
}
