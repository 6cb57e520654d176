package qboemu

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Invoice send (NOTES §9.10): POST /invoice/{id}/send[?sendTo=addr], body
// empty (Content-Type application/octet-stream), mails the invoice to sendTo
// (which then becomes BillEmail.Address) or to BillEmail.Address. The invoice
// reads back with EmailStatus "EmailSent" and DeliveryInfo {DeliveryType
// "Email", DeliveryTime}; its SyncToken stays (the recorded example of NOTES
// has SyncToken 0 after a send) while MetaData.LastUpdatedTime moves, so CDC
// reports it. The emulator keeps every mail it "sent" for the admin API and
// the app pages.

// SentMail is an invoice the emulator mailed.
type SentMail struct {
	ID        string    `json:"id"`
	InvoiceID string    `json:"invoiceId"`
	DocNumber string    `json:"docNumber"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	SentAt    time.Time `json:"sentAt"`
}

// faultNoEmailAddress answers a send with neither sendTo nor BillEmail.
func faultNoEmailAddress() *fault {
	return newFault(400, "ValidationFault", "6000", "A business validation error has occurred while processing your request",
		"Business Validation Error: An email address is needed to send this invoice: it has no BillEmail.Address and the request gave no sendTo.",
		"BillEmail.Address")
}

// faultBadEmailAddress answers an address that cannot be mailed.
func faultBadEmailAddress(field, addr string) *fault {
	return newFault(400, "ValidationFault", "2010", "Request has invalid or unsupported property",
		"Property Name:"+field+" specified is unsupported or invalid: To email address entered is invalid: "+addr, field)
}

// validEmail is a loose check: one @ with something on each side, a dot in
// the domain, no spaces.
func validEmail(addr string) bool {
	at := strings.LastIndex(addr, "@")
	return at > 0 && at < len(addr)-1 && strings.Contains(addr[at+1:], ".") &&
		!strings.ContainsAny(addr, " \t\r\n,;<>")
}

// sendInvoice mails an invoice and records the mail.
func (tx *txn) sendInvoice(id, sendTo string) (*record, *fault) {
	rec := tx.get("Invoice", id)
	if rec == nil {
		return nil, faultDeleted("Invoice", id)
	}
	addr := strings.TrimSpace(sendTo)
	field := "sendTo"
	if addr == "" {
		field = "BillEmail.Address"
		if m, ok := rec.Data["BillEmail"].(map[string]any); ok {
			addr = strings.TrimSpace(str(m["Address"]))
		}
	}
	if addr == "" {
		return nil, faultNoEmailAddress()
	}
	if !validEmail(addr) {
		return nil, faultBadEmailAddress(field, addr)
	}
	if sendTo != "" {
		rec.Data["BillEmail"] = map[string]any{"Address": addr}
	}
	rec.Data["EmailStatus"] = "EmailSent"
	rec.Data["DeliveryInfo"] = map[string]any{"DeliveryType": "Email", "DeliveryTime": metaTime(tx.now)}
	if md, ok := rec.Data["MetaData"].(map[string]any); ok {
		md["LastUpdatedTime"] = metaTime(tx.now)
	}
	rec.Changed = tx.now
	rec.encoded.Store(nil)
	doc := str(rec.Data["DocNumber"])
	tx.c.Mails = append(tx.c.Mails, SentMail{
		ID: strconv.Itoa(len(tx.c.Mails) + 1), InvoiceID: id, DocNumber: doc, To: addr,
		Subject: "Invoice " + doc + " from " + tx.c.Name,
		Body: "Dear " + refName(rec.Data["CustomerRef"]) + ",\n\nYour invoice " + doc + " for " + moneyText(rec.Data["TotalAmt"], rec.Data["CurrencyRef"]) +
			" is attached. Balance due: " + moneyText(rec.Data["Balance"], rec.Data["CurrencyRef"]) + ", due " + str(rec.Data["DueDate"]) +
			".\n\nThank you for your business.\n" + tx.c.Name,
		SentAt: tx.now,
	})
	tx.changes = append(tx.changes, change{"Invoice", id, "Emailed"})
	return rec, nil
}

// refName is a reference's name, else its value.
func refName(v any) string {
	m, _ := v.(map[string]any)
	if n := str(m["name"]); n != "" {
		return n
	}
	return scalarString(m["value"])
}

// moneyText renders an amount with its currency code ("112.50 USD").
func moneyText(amount, currency any) string {
	s := "0.00"
	if r, ok := decimal(amount); ok {
		s = string(centsNumber(cents(r)))
	}
	if code := refValue(currency); code != "" {
		s += " " + code
	}
	return s
}

// mails returns a copy of a company's sent mails.
func (e *Emulator) mails(realm string) ([]SentMail, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	c := e.companies[realm]
	if c == nil {
		return nil, false
	}
	return append([]SentMail{}, c.Mails...), true
}

// adminListMails serves GET /admin/companies/{realmId}/mails: every invoice
// mail of the company, oldest first.
func (e *Emulator) adminListMails(r *http.Request) *result {
	list, ok := e.mails(r.PathValue("realmId"))
	if !ok {
		return adminError(http.StatusNotFound, "no company %s", r.PathValue("realmId"))
	}
	return adminJSON(http.StatusOK, list)
}
