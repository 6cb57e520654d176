package qboemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
)

// payLine applies amount of a payment to an invoice.
func payLine(amount, invoiceID string) map[string]any {
	return map[string]any{"Amount": json.Number(amount), "LinkedTxn": []any{map[string]any{"TxnId": invoiceID, "TxnType": "Invoice"}}}
}

// payment is a Payment body of customer for total with lines.
func payment(customer, total string, lines ...any) map[string]any {
	p := map[string]any{"CustomerRef": ref(customer), "TotalAmt": json.Number(total)}
	if lines != nil {
		p["Line"] = lines
	}
	return p
}

// ukInvoice makes a UK company harness with a customer and an invoice of one
// 99.99 line at 20 % VAT: 99.99 + 20.00 = 119.99.
func ukInvoice(t *testing.T) (h *harness, customer string, inv map[string]any) {
	t.Helper()
	h = newKindHarness(t, "UK", nil)
	cust := h.create("Customer", map[string]any{"DisplayName": "Payer Ltd"})
	inv = h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)),
		"Line": []any{saleLine("99.99", h.codeID("20.0% S"))}})
	wantAmounts(t, inv, "119.99")
	return h, cust["Id"].(string), inv
}

func (h *harness) read(entity, id string) map[string]any {
	h.t.Helper()
	return h.call(http.MethodGet, entity+"/"+id, nil).ok(h.t, map[string]string{"invoice": "Invoice", "payment": "Payment", "customer": "Customer"}[entity])
}

// paymentLinks lists the Payment entries of an invoice's LinkedTxn.
func paymentLinks(inv map[string]any) []string {
	var ids []string
	links, _ := inv["LinkedTxn"].([]any)
	for _, l := range links {
		m := l.(map[string]any)
		if m["TxnType"] == "Payment" {
			ids = append(ids, m["TxnId"].(string))
		}
	}
	return ids
}

func TestPaymentReducesInvoiceBalanceToTheCentWithTax(t *testing.T) {
	h, cust, inv := ukInvoice(t)
	invID := inv["Id"].(string)
	before := inv["MetaData"].(map[string]any)["LastUpdatedTime"].(string)

	p := h.create("Payment", payment(cust, "60.00", payLine("50.01", invID)))
	if p["TotalAmt"] != json.Number("60.00") || p["UnappliedAmt"] != json.Number("9.99") || p["SyncToken"] != "0" ||
		p["TxnDate"] == nil || p["ProcessPayment"] != false || p["CurrencyRef"].(map[string]any)["value"] != "GBP" {
		t.Fatalf("payment: %v", p)
	}
	lines := p["Line"].([]any)
	want := []any{map[string]any{"Amount": json.Number("50.01"), "LinkedTxn": []any{map[string]any{"TxnId": invID, "TxnType": "Invoice"}}}}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("payment lines: %v", lines)
	}
	got := h.read("invoice", invID)
	if got["Balance"] != json.Number("69.98") || got["TotalAmt"] != json.Number("119.99") ||
		!reflect.DeepEqual(paymentLinks(got), []string{p["Id"].(string)}) {
		t.Fatalf("invoice after payment: %v", got)
	}
	// Decision (README): applying a payment is an update of the invoice.
	if got["SyncToken"] != "1" || got["MetaData"].(map[string]any)["LastUpdatedTime"].(string) < before {
		t.Fatalf("invoice SyncToken/MetaData after payment: %v", got)
	}

	wantBusinessFault(t, h.call(http.MethodPost, "payment", payment(cust, "5.00", payLine("5.01", invID))),
		"The payment lines add up to 5.01, more than the payment's TotalAmt of 5.00.")

	p2 := h.create("Payment", payment(cust, "69.98", payLine("69.98", invID)))
	if p2["UnappliedAmt"] != json.Number("0.00") {
		t.Fatalf("second payment: %v", p2)
	}
	got = h.read("invoice", invID)
	if got["Balance"] != json.Number("0.00") || !reflect.DeepEqual(paymentLinks(got), []string{p["Id"].(string), p2["Id"].(string)}) {
		t.Fatalf("paid invoice: %v", got)
	}
	if n := len(rows(h.query("select * from Invoice where Balance > '0'"), "Invoice")); n != 0 {
		t.Fatalf("open invoices: %d", n)
	}

	// Decision (README): more than the open balance is refused.
	wantBusinessFault(t, h.call(http.MethodPost, "payment", payment(cust, "0.01", payLine("0.01", invID))),
		"The amount applied to invoice "+inv["DocNumber"].(string)+" (Id="+invID+"), 0.01, is more than its open balance of 0.00.")
}

func TestPaymentValidation(t *testing.T) {
	h, cust, inv := ukInvoice(t)
	invID := inv["Id"].(string)
	e := h.call(http.MethodPost, "payment", map[string]any{"TotalAmt": 1}).fault(t, 400, "2020")
	if e["element"] != "CustomerRef" {
		t.Fatalf("no customer: %v", e)
	}
	if e := h.call(http.MethodPost, "payment", map[string]any{"CustomerRef": ref(cust)}).fault(t, 400, "2020"); e["Detail"] != "Required parameter TotalAmt is missing in the request" {
		t.Fatalf("no total: %v", e)
	}
	h.call(http.MethodPost, "payment", payment(cust, "-1")).fault(t, 400, "2010")
	e = h.call(http.MethodPost, "payment", payment(cust, "1", payLine("1", "999999"))).fault(t, 400, "610")
	if e["Detail"] != "Object Not Found : Something you're trying to use has been deleted. Check the fields with accounts, customers, items, vendors or employees." {
		t.Fatalf("unknown invoice: %v", e)
	}
	h.call(http.MethodPost, "payment", payment(cust, "1", map[string]any{"Amount": 1, "LinkedTxn": []any{map[string]any{"TxnId": invID, "TxnType": "CreditMemo"}}})).fault(t, 400, "2170")
	h.call(http.MethodPost, "payment", payment(cust, "1", map[string]any{"Amount": 1})).fault(t, 400, "2020")
	// A payment without lines is a credit: all of it unapplied.
	p := h.create("Payment", payment(cust, "25"))
	if p["UnappliedAmt"] != json.Number("25.00") || p["Line"] != nil {
		t.Fatalf("unapplied payment: %v", p)
	}
	// UnappliedAmt is read-only.
	p = h.create("Payment", map[string]any{"CustomerRef": ref(cust), "TotalAmt": 10, "UnappliedAmt": 3})
	if p["UnappliedAmt"] != json.Number("10.00") {
		t.Fatalf("UnappliedAmt is server-owned: %v", p)
	}
}

func TestPaymentForAnotherCustomersInvoiceStaysUnapplied(t *testing.T) {
	h, _, inv := ukInvoice(t)
	other := h.create("Customer", map[string]any{"DisplayName": "Someone Else"})
	p := h.create("Payment", payment(other["Id"].(string), "30.00", payLine("30.00", inv["Id"].(string))))
	if p["UnappliedAmt"] != json.Number("30.00") || p["Line"] != nil {
		t.Fatalf("payment of another customer: %v", p)
	}
	if got := h.read("invoice", inv["Id"].(string)); got["Balance"] != json.Number("119.99") || got["SyncToken"] != "0" || got["LinkedTxn"] != nil {
		t.Fatalf("invoice touched by another customer's payment: %v", got)
	}
}

func TestPaymentDeleteAndVoidGiveTheBalanceBack(t *testing.T) {
	h, cust, inv := ukInvoice(t)
	invID := inv["Id"].(string)
	p := h.create("Payment", payment(cust, "100.00", payLine("100.00", invID)))
	if got := h.read("invoice", invID); got["Balance"] != json.Number("19.99") {
		t.Fatalf("after payment: %v", got)
	}
	del := h.call(http.MethodPost, "payment?operation=delete", map[string]any{"Id": p["Id"], "SyncToken": "0"}).ok(t, "Payment")
	if !reflect.DeepEqual(del, map[string]any{"status": "Deleted", "domain": "QBO", "Id": p["Id"]}) {
		t.Fatalf("delete: %v", del)
	}
	got := h.read("invoice", invID)
	if got["Balance"] != json.Number("119.99") || got["LinkedTxn"] != nil || got["SyncToken"] != "2" {
		t.Fatalf("after delete: %v", got)
	}
	h.call(http.MethodGet, "payment/"+p["Id"].(string), nil).fault(t, 400, "610")

	p = h.create("Payment", payment(cust, "119.99", payLine("119.99", invID)))
	// ?operation=void is Invoice's form, not Payment's (NOTES §9.8).
	h.call(http.MethodPost, "payment?operation=void", map[string]any{"Id": p["Id"], "SyncToken": "0"}).fault(t, 400, "500")
	h.call(http.MethodPost, "payment?operation=update&include=void", map[string]any{"Id": p["Id"], "SyncToken": "7", "sparse": true}).fault(t, 400, "5010")
	v := h.call(http.MethodPost, "payment?operation=update&include=void", map[string]any{"Id": p["Id"], "SyncToken": "0", "sparse": true}).ok(t, "Payment")
	if v["TotalAmt"] != json.Number("0") || v["UnappliedAmt"] != json.Number("0") || v["PrivateNote"] != "Voided" ||
		v["Line"] != nil || v["SyncToken"] != "1" {
		t.Fatalf("void: %v", v)
	}
	if got := h.read("payment", p["Id"].(string)); got["PrivateNote"] != "Voided" || got["TotalAmt"] != json.Number("0") {
		t.Fatalf("voided payment reads back: %v", got)
	}
	if got := h.read("invoice", invID); got["Balance"] != json.Number("119.99") || got["LinkedTxn"] != nil {
		t.Fatalf("after void: %v", got)
	}
	var c struct {
		Requests map[string]map[string]map[string]map[string]int `json:"requests"`
	}
	h.admin(http.MethodGet, "/admin/counters?realmId="+h.realm, nil, 200, &c)
	if c.Requests[h.realm]["Payment"]["void"]["200"] != 1 || c.Requests[h.realm]["Payment"]["delete"]["200"] != 1 {
		t.Fatalf("counters: %v", c.Requests[h.realm]["Payment"])
	}
}

func TestInvoiceWithPaymentsCannotBeDeletedOrVoidedAndKeepsItsLinks(t *testing.T) {
	h, cust, inv := ukInvoice(t)
	invID := inv["Id"].(string)
	p := h.create("Payment", payment(cust, "20.00", payLine("20.00", invID)))
	pid := p["Id"].(string)
	detail := func(op string) string {
		return "This invoice has payments applied to it (Payment Id=" + pid + "). Delete or void those payments, or remove this invoice from them, before you " + op + " the invoice."
	}
	wantBusinessFault(t, h.call(http.MethodPost, "invoice?operation=delete", map[string]any{"Id": invID, "SyncToken": "1"}), detail("delete"))
	wantBusinessFault(t, h.call(http.MethodPost, "invoice?operation=void", map[string]any{"Id": invID, "SyncToken": "1"}), detail("void"))

	up := h.call(http.MethodPost, "invoice", map[string]any{"Id": invID, "SyncToken": "1", "sparse": true, "PrivateNote": "kept"}).ok(t, "Invoice")
	if up["Balance"] != json.Number("99.99") || !reflect.DeepEqual(paymentLinks(up), []string{pid}) || up["SyncToken"] != "2" {
		t.Fatalf("sparse update: %v", up)
	}
	// A full update that sends no LinkedTxn (or a Payment link of its own) keeps
	// the server's: payment links belong to the payments.
	full := map[string]any{"Id": invID, "SyncToken": "2", "CustomerRef": ref(cust),
		"Line":      []any{saleLine("99.99", h.codeID("20.0% S"))},
		"LinkedTxn": []any{map[string]any{"TxnId": "424242", "TxnType": "Payment"}}}
	up = h.call(http.MethodPost, "invoice", full).ok(t, "Invoice")
	if up["Balance"] != json.Number("99.99") || !reflect.DeepEqual(paymentLinks(up), []string{pid}) {
		t.Fatalf("full update: %v", up)
	}
	// Less than the payments, or another customer: refused.
	wantBusinessFault(t, h.call(http.MethodPost, "invoice", map[string]any{"Id": invID, "SyncToken": "3", "sparse": true,
		"Line": []any{saleLine("10.00", h.codeID("20.0% S"))}}),
		"The invoice total, 12.00, would be less than the payments applied to it, 20.00.")
	other := h.create("Customer", map[string]any{"DisplayName": "Other Payer"})
	wantBusinessFault(t, h.call(http.MethodPost, "invoice", map[string]any{"Id": invID, "SyncToken": "3", "sparse": true, "CustomerRef": ref(other["Id"].(string))}),
		"This invoice has payments applied to it (Payment Id="+pid+"): its customer cannot change. Remove the invoice from the payments first.")
	// A larger total keeps the payment and raises the balance.
	up = h.call(http.MethodPost, "invoice", map[string]any{"Id": invID, "SyncToken": "3", "sparse": true,
		"Line": []any{saleLine("200.00", h.codeID("20.0% S"))}}).ok(t, "Invoice")
	if up["TotalAmt"] != json.Number("240.00") || up["Balance"] != json.Number("220.00") {
		t.Fatalf("raised invoice: %v", up)
	}
	// Once the payment no longer applies (its lines replaced by none: all or none,
	// NOTES §9.8) the invoice can go.
	p = h.call(http.MethodPost, "payment", map[string]any{"Id": pid, "SyncToken": "0", "sparse": true, "Line": []any{}}).ok(t, "Payment")
	if p["UnappliedAmt"] != json.Number("20.00") || p["Line"] != nil || p["SyncToken"] != "1" {
		t.Fatalf("payment without lines: %v", p)
	}
	got := h.read("invoice", invID)
	if got["Balance"] != json.Number("240.00") || got["LinkedTxn"] != nil {
		t.Fatalf("invoice after its payment let go: %v", got)
	}
	h.call(http.MethodPost, "invoice?operation=delete", map[string]any{"Id": invID, "SyncToken": got["SyncToken"]}).ok(t, "Invoice")
}

func TestPaymentUpdateReappliesWithinTheOpenBalance(t *testing.T) {
	h, cust, inv := ukInvoice(t)
	invID := inv["Id"].(string)
	p := h.create("Payment", payment(cust, "119.99", payLine("100.00", invID)))
	// Its own earlier application does not count against it.
	p = h.call(http.MethodPost, "payment", map[string]any{"Id": p["Id"], "SyncToken": "0", "sparse": true,
		"Line": []any{payLine("119.99", invID)}}).ok(t, "Payment")
	if p["UnappliedAmt"] != json.Number("0.00") {
		t.Fatalf("reapplied: %v", p)
	}
	if got := h.read("invoice", invID); got["Balance"] != json.Number("0.00") {
		t.Fatalf("invoice: %v", got)
	}
	// A full update without Line unapplies it.
	p = h.call(http.MethodPost, "payment", map[string]any{"Id": p["Id"], "SyncToken": "1", "CustomerRef": ref(cust), "TotalAmt": "119.99"}).ok(t, "Payment")
	if p["UnappliedAmt"] != json.Number("119.99") {
		t.Fatalf("full update without lines: %v", p)
	}
	if got := h.read("invoice", invID); got["Balance"] != json.Number("119.99") {
		t.Fatalf("invoice: %v", got)
	}
}

func TestUnappliedAmtIsNotQueryable(t *testing.T) {
	h, cust, _ := ukInvoice(t)
	h.create("Payment", payment(cust, "5"))
	for _, q := range []string{"select * from Payment where UnappliedAmt > '0'", "select * from payment orderby unappliedamt"} {
		r := h.call(http.MethodGet, "query?query="+url.QueryEscape(q), nil)
		e := r.fault(t, 400, "4001")
		if e["Detail"] != "QueryValidationError: property 'UnappliedAmt' is not queryable" || e["Message"] != "Invalid query" {
			t.Fatalf("%s: %s", q, r.raw)
		}
	}
	if n := len(rows(h.query("select * from Payment where CustomerRef = '"+cust+"' and TotalAmt = '5'"), "Payment")); n != 1 {
		t.Fatalf("payments of the customer: %d", n)
	}
}

func TestPaymentInBatchAndMulticurrency(t *testing.T) {
	h := newKindHarness(t, "US", map[string]any{"multiCurrency": true, "currencies": []string{"EUR"}})
	cust := h.create("Customer", map[string]any{"DisplayName": "Euro GmbH", "CurrencyRef": ref("EUR")})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "ExchangeRate": json.Number("1.1"),
		"Line": []any{saleLine("100.00", "")}})
	if inv["HomeBalance"] != json.Number("110.00") {
		t.Fatalf("invoice: %v", inv)
	}
	r := h.call(http.MethodPost, "batch", map[string]any{"BatchItemRequest": []any{
		map[string]any{"bId": "p1", "operation": "create", "Payment": payment(cust["Id"].(string), "40", payLine("40", inv["Id"].(string)))},
		map[string]any{"bId": "q1", "Query": "select * from Payment"},
	}})
	items := r.body["BatchItemResponse"].([]any)
	p := items[0].(map[string]any)["Payment"].(map[string]any)
	if p["CurrencyRef"].(map[string]any)["value"] != "EUR" || p["UnappliedAmt"] != json.Number("0.00") {
		t.Fatalf("batch payment: %v", items[0])
	}
	got := h.read("invoice", inv["Id"].(string))
	if got["Balance"] != json.Number("60.00") || got["HomeBalance"] != json.Number("66.00") || got["HomeTotalAmt"] != json.Number("110.00") {
		t.Fatalf("invoice after payment: %v", got)
	}
	wantBusinessFault(t, h.call(http.MethodPost, "payment", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "TotalAmt": 1, "CurrencyRef": ref("USD")}),
		"The currency of the transaction (USD) must be the currency of the customer (EUR).")
}
