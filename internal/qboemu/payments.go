package qboemu

import (
	"encoding/json"
	"math/big"
	"reflect"
	"slices"
	"strings"
)

// Payments (NOTES §9.8). A Payment records money a customer paid: CustomerRef
// and TotalAmt are required; each Line {Amount, LinkedTxn:[{TxnId, TxnType:
// "Invoice"}]} applies part of it to an invoice of the same customer, and what
// is not applied is UnappliedAmt (read-only, not queryable). An invoice's
// Balance is its TotalAmt minus the lines of live payments that apply to it,
// and its header LinkedTxn lists those payments ({TxnId, TxnType:"Payment"}).
// The decisions where NOTES is silent or unverified are listed in the README
// ("Payments").

// faultLinkedTxnNotFound is QBO's answer to a payment line naming an invoice
// that does not exist (quickbooks-ruby issue #277 quotes it for a TxnId that
// was a DocNumber).
func faultLinkedTxnNotFound() *fault {
	return newFault(400, "ValidationFault", "610", "Object Not Found",
		"Object Not Found : Something you're trying to use has been deleted. Check the fields with accounts, customers, items, vendors or employees.",
		"Line.LinkedTxn.TxnId")
}

func faultOverApplied(inv *record, amount, open int64) *fault {
	return faultBusiness("The amount applied to invoice " + str(inv.Data["DocNumber"]) + " (Id=" + str(inv.Data["Id"]) + "), " +
		string(centsNumber(amount)) + ", is more than its open balance of " + string(centsNumber(open)) + ".")
}

func faultLinesOverTotal(applied, total int64) *fault {
	return faultBusiness("The payment lines add up to " + string(centsNumber(applied)) +
		", more than the payment's TotalAmt of " + string(centsNumber(total)) + ".")
}

func faultInvoiceHasPayments(operation string, payments []string) *fault {
	return faultBusiness("This invoice has payments applied to it (Payment Id=" + strings.Join(payments, ", ") +
		"). Delete or void those payments, or remove this invoice from them, before you " + operation + " the invoice.")
}

// refValue is a reference's value ("" when absent).
func refValue(v any) string {
	m, _ := v.(map[string]any)
	return scalarString(m["value"])
}

// linkOf returns the single LinkedTxn of a payment line.
func linkOf(line map[string]any) (id, typ string) {
	links, _ := line["LinkedTxn"].([]any)
	if len(links) == 0 {
		return "", ""
	}
	m, _ := links[0].(map[string]any)
	return scalarString(m["TxnId"]), scalarString(m["TxnType"])
}

func preparePayment(tx *txn, obj, old map[string]any) *fault {
	customer, f := tx.ref(obj, "CustomerRef", "Customer", true)
	if f != nil {
		return f
	}
	if obj["TotalAmt"] == nil {
		return faultRequired("TotalAmt")
	}
	totalRat, ok := decimal(obj["TotalAmt"])
	if !ok || totalRat.Sign() < 0 {
		return faultInvalidValue("TotalAmt", "expected a decimal number of at least 0")
	}
	total := cents(totalRat)
	if _, changed := roundPlaces(totalRat, 2); changed || !isNumber(obj["TotalAmt"]) {
		obj["TotalAmt"] = centsNumber(total)
	}
	raw, ok := obj["Line"].([]any)
	if obj["Line"] != nil && !ok {
		return faultInvalidValue("Line", "expected an array")
	}
	self := str(obj["Id"])
	custID := refValue(obj["CustomerRef"])
	var lines []any
	var applied int64
	thisPayment := map[string]int64{} // cents applied per invoice by earlier lines of this payment
	for _, l := range raw {
		line, ok := l.(map[string]any)
		if !ok {
			return faultInvalidValue("Line", "expected an object")
		}
		if line["Amount"] == nil {
			return faultRequired("Line.Amount")
		}
		amountRat, ok := decimal(line["Amount"])
		if !ok || amountRat.Sign() < 0 {
			return faultInvalidValue("Line.Amount", "expected a decimal number of at least 0")
		}
		amount := cents(amountRat)
		links, ok := line["LinkedTxn"].([]any)
		if line["LinkedTxn"] != nil && !ok {
			return faultInvalidValue("Line.LinkedTxn", "expected an array")
		}
		if len(links) == 0 {
			return faultRequired("Line.LinkedTxn")
		}
		if len(links) > 1 {
			return faultInvalidValue("Line.LinkedTxn", "a payment line applies to exactly one transaction")
		}
		link, ok := links[0].(map[string]any)
		if !ok {
			return faultInvalidValue("Line.LinkedTxn", "expected an object")
		}
		if typ := scalarString(link["TxnType"]); typ != "Invoice" {
			if typ == "" {
				return faultRequired("Line.LinkedTxn.TxnType")
			}
			return faultEnum("Line.LinkedTxn.TxnType", typ)
		}
		invID := scalarString(link["TxnId"])
		if invID == "" {
			return faultRequired("Line.LinkedTxn.TxnId")
		}
		inv := tx.get("Invoice", invID)
		if inv == nil {
			return faultLinkedTxnNotFound()
		}
		if amount == 0 || refValue(inv.Data["CustomerRef"]) != custID {
			// Another customer's invoice: QBO records the money as unapplied
			// (NOTES §9.8); a line of 0 applies nothing. Neither is kept.
			continue
		}
		invTotal, _ := decimal(inv.Data["TotalAmt"])
		others, _ := tx.paymentsOf(invID, self)
		open := cents(invTotal) - others - thisPayment[invID]
		if amount > open {
			return faultOverApplied(inv, amount, open)
		}
		thisPayment[invID] += amount
		applied += amount
		kept := map[string]any{}
		for k, v := range line {
			kept[k] = v
		}
		if _, changed := roundPlaces(amountRat, 2); changed || !isNumber(line["Amount"]) {
			kept["Amount"] = centsNumber(amount)
		}
		kept["LinkedTxn"] = []any{map[string]any{"TxnId": invID, "TxnType": "Invoice"}}
		lines = append(lines, kept)
	}
	if applied > total {
		return faultLinesOverTotal(applied, total)
	}
	if len(lines) == 0 {
		delete(obj, "Line")
	} else {
		obj["Line"] = lines
	}
	obj["UnappliedAmt"] = centsNumber(total - applied)
	if f := tx.invoiceCurrency(obj, customer, total); f != nil {
		return f
	}
	delete(obj, "HomeTotalAmt")
	delete(obj, "HomeBalance")
	defaultTo(obj, "TxnDate", tx.today())
	if f := checkDate(obj, "TxnDate"); f != nil {
		return f
	}
	if f := checkString(obj, "PaymentRefNum", 21); f != nil {
		return f
	}
	if f := checkString(obj, "PrivateNote", 4000); f != nil {
		return f
	}
	if _, f := tx.ref(obj, "DepositToAccountRef", "Account", false); f != nil {
		return f
	}
	if f := checkBool(obj, "ProcessPayment"); f != nil {
		return f
	}
	defaultTo(obj, "ProcessPayment", false)
	return nil
}

// isNumber reports whether v is a JSON number (not a numeric string).
func isNumber(v any) bool {
	_, ok := v.(json.Number)
	return ok
}

// paymentsOf sums, in cents, what live payments other than except apply to an
// invoice, and lists those payments by Id.
func (tx *txn) paymentsOf(invoiceID, except string) (int64, []string) {
	var applied int64
	var ids []string
	for id, rec := range tx.c.Entities["Payment"] {
		if rec.Deleted || id == except {
			continue
		}
		lines, _ := rec.Data["Line"].([]any)
		linked := false
		for _, l := range lines {
			line, _ := l.(map[string]any)
			if txnID, typ := linkOf(line); txnID == invoiceID && typ == "Invoice" {
				amount, _ := decimal(line["Amount"])
				if amount != nil {
					applied += cents(amount)
				}
				linked = true
			}
		}
		if linked {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareIDs)
	return applied, ids
}

// withPaymentLinks returns an invoice's LinkedTxn without its Payment entries,
// followed by one entry per payment.
func withPaymentLinks(v any, payments []string) []any {
	old, _ := v.([]any)
	out := []any{}
	for _, l := range old {
		if m, ok := l.(map[string]any); ok && scalarString(m["TxnType"]) == "Payment" {
			continue
		}
		out = append(out, l)
	}
	for _, id := range payments {
		out = append(out, map[string]any{"TxnId": id, "TxnType": "Payment"})
	}
	return out
}

func hasPaymentLinks(v any) bool {
	links, _ := v.([]any)
	for _, l := range links {
		if m, ok := l.(map[string]any); ok && scalarString(m["TxnType"]) == "Payment" {
			return true
		}
	}
	return false
}

// homeAmount converts cents of the invoice currency to the home currency at
// the invoice's ExchangeRate, rounded half away from zero to cents.
func homeAmount(obj map[string]any, c int64) json.Number {
	rate, ok := decimal(obj["ExchangeRate"])
	if !ok {
		rate = big.NewRat(1, 1)
	}
	return centsNumber(cents(new(big.Rat).Mul(big.NewRat(c, 100), rate)))
}

// invoicePayments runs when an invoice is created or updated: the Payment
// entries of LinkedTxn are the server's (what a client sends is replaced by
// the payments that apply to the invoice), and Balance is TotalAmt minus them.
func (tx *txn) invoicePayments(obj, old map[string]any, total int64) *fault {
	var applied int64
	var payments []string
	if id := str(obj["Id"]); id != "" {
		applied, payments = tx.paymentsOf(id, "")
	}
	if len(payments) > 0 {
		if old != nil && refValue(old["CustomerRef"]) != refValue(obj["CustomerRef"]) {
			return faultBusiness("This invoice has payments applied to it (Payment Id=" + strings.Join(payments, ", ") +
				"): its customer cannot change. Remove the invoice from the payments first.")
		}
		if total < applied {
			return faultBusiness("The invoice total, " + string(centsNumber(total)) + ", would be less than the payments applied to it, " +
				string(centsNumber(applied)) + ".")
		}
		obj["Balance"] = centsNumber(total - applied)
		if _, ok := obj["HomeBalance"]; ok {
			obj["HomeBalance"] = homeAmount(obj, total-applied)
		}
	}
	if len(payments) > 0 || hasPaymentLinks(obj["LinkedTxn"]) {
		if links := withPaymentLinks(obj["LinkedTxn"], payments); len(links) > 0 {
			obj["LinkedTxn"] = links
		} else {
			delete(obj, "LinkedTxn")
		}
	}
	return nil
}

// refreshInvoice recomputes an invoice's Balance and Payment links after a
// payment changed; when they change the invoice is an update (SyncToken +1,
// LastUpdatedTime, CDC, webhook).
func (tx *txn) refreshInvoice(id string) {
	rec := tx.c.Entities["Invoice"][id]
	if rec == nil || rec.Deleted {
		return
	}
	applied, payments := tx.paymentsOf(id, "")
	total, _ := decimal(rec.Data["TotalAmt"])
	if total == nil {
		total = new(big.Rat)
	}
	balance := cents(total) - applied
	links := withPaymentLinks(rec.Data["LinkedTxn"], payments)
	oldLinks, _ := rec.Data["LinkedTxn"].([]any)
	oldBalance, _ := decimal(rec.Data["Balance"])
	sameLinks := (len(oldLinks) == 0 && len(links) == 0) || reflect.DeepEqual(oldLinks, links)
	if oldBalance != nil && cents(oldBalance) == balance && sameLinks {
		return
	}
	rec.Data["Balance"] = centsNumber(balance)
	if _, ok := rec.Data["HomeBalance"]; ok {
		rec.Data["HomeBalance"] = homeAmount(rec.Data, balance)
	}
	if len(links) > 0 {
		rec.Data["LinkedTxn"] = links
	} else {
		delete(rec.Data, "LinkedTxn")
	}
	touch(rec, tx.now)
	tx.changes = append(tx.changes, change{"Invoice", id, "Update"})
}

// paymentApplied refreshes every invoice a payment applies to now or did
// before (after a create, update, delete or void of the payment).
func paymentApplied(tx *txn, rec *record) {
	id := str(rec.Data["Id"])
	targets := map[string]bool{}
	for invID, inv := range tx.c.Entities["Invoice"] {
		if inv.Deleted {
			continue
		}
		links, _ := inv.Data["LinkedTxn"].([]any)
		for _, l := range links {
			if m, ok := l.(map[string]any); ok && scalarString(m["TxnType"]) == "Payment" && scalarString(m["TxnId"]) == id {
				targets[invID] = true
			}
		}
	}
	if !rec.Deleted {
		lines, _ := rec.Data["Line"].([]any)
		for _, l := range lines {
			line, _ := l.(map[string]any)
			if invID, typ := linkOf(line); typ == "Invoice" {
				targets[invID] = true
			}
		}
	}
	ids := make([]string, 0, len(targets))
	for invID := range targets {
		ids = append(ids, invID)
	}
	slices.SortFunc(ids, compareIDs)
	for _, invID := range ids {
		tx.refreshInvoice(invID)
	}
}

// guardInvoicePayments refuses to delete or void an invoice that live
// payments apply to.
func guardInvoicePayments(tx *txn, rec *record, operation string) *fault {
	if _, payments := tx.paymentsOf(str(rec.Data["Id"]), ""); len(payments) > 0 {
		return faultInvoiceHasPayments(operation, payments)
	}
	return nil
}

// voidPayment serves POST /payment?operation=update&include=void: the payment
// stays, with TotalAmt and UnappliedAmt 0, no lines and PrivateNote "Voided",
// and the invoices it applied to get their balance back.
func (tx *txn) voidPayment(spec *entitySpec, in map[string]any) (*record, *fault) {
	rec, f := tx.target(spec, in)
	if f != nil {
		return nil, f
	}
	rec.Data["TotalAmt"] = json.Number("0")
	rec.Data["UnappliedAmt"] = json.Number("0")
	delete(rec.Data, "Line")
	if note := str(rec.Data["PrivateNote"]); note == "" || note == "Voided" {
		rec.Data["PrivateNote"] = "Voided"
	} else if !strings.HasPrefix(note, "Voided - ") {
		rec.Data["PrivateNote"] = "Voided - " + note
	}
	touch(rec, tx.now)
	paymentApplied(tx, rec)
	tx.changes = append(tx.changes, change{spec.name, str(rec.Data["Id"]), "Void"})
	return rec, nil
}
