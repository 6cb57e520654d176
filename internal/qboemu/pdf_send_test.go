package qboemu

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
)

// checkPDF asserts a structurally valid one-file PDF: the header, an xref
// table whose offsets point at each object, a trailer and %%EOF.
func checkPDF(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF: %q…", b[:min(len(b), 40)])
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(b[xref:], -1)
	if len(entries) != 7 {
		t.Fatalf("xref entries: %d", len(entries))
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if !bytes.HasPrefix(b[off:], []byte(strconv.Itoa(i+1)+" 0 obj\n")) {
			t.Fatalf("object %d not at offset %d", i+1, off)
		}
	}
	lm := regexp.MustCompile(`<< /Length (\d+) >>\nstream\n`).FindSubmatchIndex(b)
	n, _ := strconv.Atoi(string(b[lm[2]:lm[3]]))
	if !bytes.HasPrefix(b[lm[1]+n:], []byte("\nendstream")) {
		t.Fatal("stream /Length is wrong")
	}
	if !bytes.Contains(b, []byte("/Type /Catalog")) || !bytes.Contains(b, []byte("/Count 1")) {
		t.Fatal("no catalog or not one page")
	}
}

func TestInvoicePDF(t *testing.T) {
	h, cust, inv := ukInvoice(t)
	invID := inv["Id"].(string)
	h.create("Payment", payment(cust, "19.99", payLine("19.99", invID)))
	r := h.call(http.MethodGet, "invoice/"+invID+"/pdf", nil, "Accept", "application/pdf")
	if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %s %q", r.status, r.header.Get("Content-Type"), r.raw[:min(len(r.raw), 200)])
	}
	checkPDF(t, r.raw)
	for _, want := range []string{"(INVOICE)", "(Invoice no.)", "(" + inv["DocNumber"].(string) + ")", "(Payer Ltd)",
		"(Subtotal)", "(99.99)", "(Tax)", "(20.00)", "(119.99 GBP)", "(Payments)", "(-19.99)", "(Balance due)", "(100.00 GBP)"} {
		if !bytes.Contains(r.raw, []byte(want)) {
			t.Errorf("PDF lacks %s", want)
		}
	}
	// Python's SDK asks for both; the PDF wins.
	if r := h.call(http.MethodGet, "invoice/"+invID+"/pdf", nil, "Accept", "application/pdf, application/json"); r.status != 200 || !bytes.HasPrefix(r.raw, []byte("%PDF-")) {
		t.Fatalf("pdf with both: %d", r.status)
	}
	// Unknown id: QBO's 610, as JSON.
	r = h.call(http.MethodGet, "invoice/999999/pdf", nil, "Accept", "application/pdf")
	if e := r.fault(t, 400, "610"); e["Detail"] != "Another user has deleted this transaction. : Invoice Id=999999" {
		t.Fatalf("unknown: %s", r.raw)
	}
	// Without Accept: application/pdf (decision, README).
	r = h.call(http.MethodGet, "invoice/"+invID+"/pdf", nil)
	if e := r.fault(t, 400, "500"); e["Detail"] != "Operation pdf is supported only with the header Accept: application/pdf" {
		t.Fatalf("no accept: %s", r.raw)
	}
	// Non-ASCII names are written in WinAnsiEncoding.
	zoe := h.create("Customer", map[string]any{"DisplayName": "Zoë's Café (Ltd)"})
	inv2 := h.create("Invoice", map[string]any{"CustomerRef": ref(zoe["Id"].(string)), "Line": []any{saleLine("1.00", h.codeID("20.0% S"))}})
	r = h.call(http.MethodGet, "invoice/"+inv2["Id"].(string)+"/pdf", nil, "Accept", "application/pdf")
	checkPDF(t, r.raw)
	if !bytes.Contains(r.raw, []byte(`(Zo\353's Caf\351 \(Ltd\))`)) {
		t.Fatalf("customer name not encoded: %s", r.raw)
	}
}

func TestInvoiceSend(t *testing.T) {
	h := newHarness(t, PlanPlus)
	cust := h.create("Customer", map[string]any{"DisplayName": "Mail Co"})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "BillEmail": map[string]any{"Address": "ap@mail.example"},
		"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 10}}})
	invID := inv["Id"].(string)
	if inv["EmailStatus"] != "NotSet" {
		t.Fatalf("new invoice: %v", inv)
	}
	send := func(query string) reply {
		return h.call(http.MethodPost, "invoice/"+invID+"/send"+query, []byte{}, "Content-Type", "application/octet-stream")
	}
	sent := send("").ok(t, "Invoice")
	di, _ := sent["DeliveryInfo"].(map[string]any)
	if sent["EmailStatus"] != "EmailSent" || di["DeliveryType"] != "Email" || di["DeliveryTime"] == nil ||
		sent["SyncToken"] != "0" || sent["BillEmail"].(map[string]any)["Address"] != "ap@mail.example" {
		t.Fatalf("sent: %v", sent)
	}
	sent = send("?sendTo="+url.QueryEscape("billing+qbo@other.example")).ok(t, "Invoice")
	if sent["BillEmail"].(map[string]any)["Address"] != "billing+qbo@other.example" || sent["SyncToken"] != "0" {
		t.Fatalf("sendTo: %v", sent)
	}
	if got := h.read("invoice", invID); got["EmailStatus"] != "EmailSent" || got["BillEmail"].(map[string]any)["Address"] != "billing+qbo@other.example" {
		t.Fatalf("read after send: %v", got)
	}
	send("?sendTo=not-an-address").fault(t, 400, "2010")
	h.call(http.MethodPost, "invoice/999999/send", []byte{}, "Content-Type", "application/octet-stream").fault(t, 400, "610")

	bare := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 1}}})
	r := h.call(http.MethodPost, "invoice/"+bare["Id"].(string)+"/send", []byte{}, "Content-Type", "application/octet-stream")
	e := r.fault(t, 400, "6000")
	if e["Detail"] != "Business Validation Error: An email address is needed to send this invoice: it has no BillEmail.Address and the request gave no sendTo." ||
		e["element"] != "BillEmail.Address" {
		t.Fatalf("no address: %s", r.raw)
	}

	var mails []SentMail
	h.admin(http.MethodGet, "/admin/companies/"+h.realm+"/mails", nil, 200, &mails)
	if len(mails) != 2 || mails[0].To != "ap@mail.example" || mails[1].To != "billing+qbo@other.example" ||
		mails[0].InvoiceID != invID || mails[0].Subject != "Invoice "+inv["DocNumber"].(string)+" from Harness Co" {
		t.Fatalf("mails: %+v", mails)
	}
	var c struct {
		MailsSent int                                             `json:"mailsSent"`
		Requests  map[string]map[string]map[string]map[string]int `json:"requests"`
	}
	h.admin(http.MethodGet, "/admin/counters?realmId="+h.realm, nil, 200, &c)
	if c.MailsSent != 2 || c.Requests[h.realm]["Invoice"]["send"]["200"] != 2 {
		t.Fatalf("counters: %+v", c)
	}
	h.admin(http.MethodGet, "/admin/companies/nope/mails", nil, 404, nil)
}

func TestSendAndPaymentChangesReachCDC(t *testing.T) {
	h := newHarness(t, PlanPlus)
	cust := h.create("Customer", map[string]any{"DisplayName": "CDC Payer"})
	inv := h.create("Invoice", map[string]any{"CustomerRef": ref(cust["Id"].(string)), "BillEmail": map[string]any{"Address": "a@b.example"},
		"Line": []any{map[string]any{"DetailType": "SalesItemLineDetail", "Amount": 10}}})
	since := h.emu.now().Format("2006-01-02T15:04:05.999999999Z07:00")
	h.call(http.MethodPost, "invoice/"+inv["Id"].(string)+"/send", []byte{}, "Content-Type", "application/octet-stream").ok(t, "Invoice")
	r := h.call(http.MethodGet, "cdc?entities=Invoice,Payment&changedSince="+url.QueryEscape(since), nil)
	blocks := r.body["CDCResponse"].([]any)[0].(map[string]any)["QueryResponse"].([]any)
	invs, _ := blocks[0].(map[string]any)["Invoice"].([]any)
	if len(invs) != 1 || invs[0].(map[string]any)["EmailStatus"] != "EmailSent" || len(blocks[1].(map[string]any)) != 0 {
		t.Fatalf("cdc after send: %s", r.raw)
	}
}
