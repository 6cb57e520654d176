package qboemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// "Paying in QBO": the admin API and the app pages record a customer's
// payment of an invoice the way a bookkeeper does in QBO's Receive Payment
// form — a Payment created through the Accounting API's own path (validation,
// invoice balance and links, CDC, webhooks), without auth, limits or metering.

// PayRequest is the body of POST /admin/companies/{realmId}/invoices/{id}/pay.
type PayRequest struct {
	// Amount applied to the invoice (a JSON number or a string such as
	// "12.34"); empty means the invoice's open balance.
	Amount any `json:"amount"`
	// Date is the payment's TxnDate (YYYY-MM-DD); empty means today (Pacific).
	Date          string `json:"date"`
	PaymentRefNum string `json:"paymentRefNum"`
	PrivateNote   string `json:"privateNote"`
}

// errNotFound marks an unknown company or invoice.
var errNotFound = errors.New("not found")

// PayInvoice records a payment of an invoice as a QBO user would, and returns
// the Payment and the invoice after it. A QBO validation failure (over the
// open balance, a bad date) is returned as an error whose text is the fault.
func (e *Emulator) PayInvoice(realmID, invoiceID string, req PayRequest) (payment, invoice map[string]any, err error) {
	now := e.now()
	e.mu.Lock()
	c := e.companies[realmID]
	if c == nil {
		e.mu.Unlock()
		return nil, nil, fmt.Errorf("qboemu: no company %s: %w", realmID, errNotFound)
	}
	tx := &txn{c: c, now: now}
	inv := tx.get("Invoice", invoiceID)
	if inv == nil {
		e.mu.Unlock()
		return nil, nil, fmt.Errorf("qboemu: company %s has no invoice %s: %w", realmID, invoiceID, errNotFound)
	}
	var amount int64
	if s := strings.TrimSpace(scalarString(req.Amount)); s == "" {
		bal, _ := decimal(inv.Data["Balance"])
		if bal == nil || bal.Sign() <= 0 {
			e.mu.Unlock()
			return nil, nil, fmt.Errorf("qboemu: invoice %s has no open balance; give an amount", invoiceID)
		}
		amount = cents(bal)
	} else {
		r, ok := decimal(s)
		if !ok || r.Sign() <= 0 {
			e.mu.Unlock()
			return nil, nil, fmt.Errorf("qboemu: amount %q is not a positive decimal number", s)
		}
		amount = cents(r)
	}
	body := map[string]any{
		"CustomerRef": map[string]any{"value": refValue(inv.Data["CustomerRef"])},
		"TotalAmt":    centsNumber(amount),
		"Line": []any{map[string]any{"Amount": centsNumber(amount),
			"LinkedTxn": []any{map[string]any{"TxnId": invoiceID, "TxnType": "Invoice"}}}},
	}
	if d := strings.TrimSpace(req.Date); d != "" {
		body["TxnDate"] = d
	}
	if req.PaymentRefNum != "" {
		body["PaymentRefNum"] = req.PaymentRefNum
	}
	if req.PrivateNote != "" {
		body["PrivateNote"] = req.PrivateNote
	}
	rec, f := tx.create(lookupSpec("Payment"), body)
	if f != nil {
		e.mu.Unlock()
		return nil, nil, f
	}
	payment = deepCopy(rec.Data).(map[string]any)
	invoice = deepCopy(c.Entities["Invoice"][invoiceID].Data).(map[string]any)
	changes := tx.changes
	e.mu.Unlock()
	e.markDirty()
	for _, ch := range changes {
		e.hooks.notify(realmID, ch.entity, ch.id, ch.op, now)
	}
	e.log.Info("qboemu: invoice paid", "realmId", realmID, "invoice", invoiceID, "payment", payment["Id"], "amount", string(centsNumber(amount)))
	return payment, invoice, nil
}

// adminPayInvoice serves POST /admin/companies/{realmId}/invoices/{id}/pay
// {"amount"?, "date"?, "paymentRefNum"?, "privateNote"?} → 201
// {"Payment": {...}, "Invoice": {...}}; a QBO fault answers as QBO would.
func (e *Emulator) adminPayInvoice(r *http.Request) *result {
	var req PayRequest
	if err := decodeAdmin(r, &req); err != nil {
		return adminError(http.StatusBadRequest, "%v", err)
	}
	if n, ok := req.Amount.(json.Number); ok {
		req.Amount = n.String()
	}
	pay, inv, err := e.PayInvoice(r.PathValue("realmId"), r.PathValue("id"), req)
	var f *fault
	switch {
	case errors.As(err, &f):
		return f.render(true, e.now())
	case errors.Is(err, errNotFound):
		return adminError(http.StatusNotFound, "%v", err)
	case err != nil:
		return adminError(http.StatusBadRequest, "%v", err)
	}
	return adminJSON(http.StatusCreated, map[string]any{"Payment": pay, "Invoice": inv})
}
