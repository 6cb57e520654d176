package qboemu

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Invoice PDF (NOTES §9.9): GET /invoice/{id}/pdf with Accept: application/pdf
// answers a one-page PDF of the invoice — number, dates, customer, lines,
// subtotal, tax, total, payments and balance — built by hand (PDF 1.4, the
// standard Helvetica fonts, an uncompressed content stream, a correct xref
// table), so no dependency is needed and tests can read the text.

// faultPDFAccept answers /pdf without Accept: application/pdf (NOTES §9.12
// leaves QBO's answer open).
func faultPDFAccept() *fault {
	return newFault(400, "ValidationFault", "500", "Unsupported Operation",
		"Operation pdf is supported only with the header Accept: application/pdf", "Accept")
}

// invoicePDFResult serves GET /invoice/{id}/pdf.
func (e *Emulator) invoicePDFResult(tx *txn, call *apiCall, id string) *result {
	if !call.wantPDF {
		return faultPDFAccept().render(call.asJSON, call.now)
	}
	rec := tx.get("Invoice", id)
	if rec == nil {
		return faultDeleted("Invoice", id).render(call.asJSON, call.now)
	}
	return &result{status: http.StatusOK, ctype: "application/pdf", body: invoicePDF(tx.c, rec.Data),
		header: map[string]string{"Content-Disposition": `inline; filename="Invoice_` + pdfFileName(str(rec.Data["DocNumber"])) + `.pdf"`}}
}

func pdfFileName(doc string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z')) {
			return r
		}
		return '_'
	}, doc)
}

// pdfPage collects the drawing operators of one page.
type pdfPage struct{ ops bytes.Buffer }

const (
	pdfRegular = "F1" // Helvetica
	pdfBold    = "F2" // Helvetica-Bold
	pdfRight   = 562.0
)

func (p *pdfPage) text(font string, size, x, y float64, s string) {
	fmt.Fprintf(&p.ops, "BT /%s %s Tf %s %s Td (%s) Tj ET\n", font, pdfNum(size), pdfNum(x), pdfNum(y), pdfString(s))
}

// textRight draws s so that it ends at x.
func (p *pdfPage) textRight(font string, size, x, y float64, s string) {
	p.text(font, size, x-textWidth(s, size), y, s)
}

func (p *pdfPage) rule(x1, y1, x2, y2 float64) {
	fmt.Fprintf(&p.ops, "0.5 w %s %s m %s %s l S\n", pdfNum(x1), pdfNum(y1), pdfNum(x2), pdfNum(y2))
}

func pdfNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// helveticaWidths are the advance widths (per 1000 units of the font size) of
// Helvetica for the characters 32–126.
var helveticaWidths = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space … /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 … ?
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ … O
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P … _
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` … o
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p … ~
}

// textWidth is the width of s in Helvetica at size (other characters count as
// a digit's width).
func textWidth(s string, size float64) float64 {
	w := 0
	for _, r := range s {
		if r >= 32 && r <= 126 {
			w += helveticaWidths[r-32]
		} else {
			w += 556
		}
	}
	return float64(w) * size / 1000
}

// fit shortens s to at most width points at size, ending it with "..." when cut.
func fit(s string, size, width float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && textWidth(string(r)+"...", size) > width {
		r = r[:len(r)-1]
	}
	return string(r) + "..."
}

// winAnsi maps the characters outside Latin-1 that WinAnsiEncoding has.
var winAnsi = map[rune]byte{
	'€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94,
	'•': 0x95, '–': 0x96, '—': 0x97, '™': 0x99,
}

// pdfString encodes s for a literal string in WinAnsiEncoding: ( ) \ escaped,
// bytes outside ASCII as octal escapes, characters the encoding lacks as ?.
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		var c byte
		switch {
		case r < 32 || r == 127:
			c = ' '
		case r < 127:
			c = byte(r)
		case r >= 160 && r <= 255:
			c = byte(r)
		default:
			var ok bool
			if c, ok = winAnsi[r]; !ok {
				c = '?'
			}
		}
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 128:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// amountText renders a stored amount to cents ("1180.00").
func amountText(v any) string {
	r, ok := decimal(v)
	if !ok {
		return "0.00"
	}
	return string(centsNumber(cents(r)))
}

// invoicePDF lays out an invoice on one Letter page.
func invoicePDF(c *company, inv map[string]any) []byte {
	p := &pdfPage{}
	doc := str(inv["DocNumber"])
	code := refValue(inv["CurrencyRef"])
	withCode := func(s string) string {
		if code != "" {
			return s + " " + code
		}
		return s
	}
	p.text(pdfBold, 22, 50, 736, "INVOICE")
	p.textRight(pdfBold, 12, pdfRight, 742, c.Name)
	y := 728.0
	if info := c.Entities["CompanyInfo"]["1"]; info != nil {
		if addr, ok := info.Data["CompanyAddr"].(map[string]any); ok {
			if l := str(addr["Line1"]); l != "" {
				p.textRight(pdfRegular, 9, pdfRight, y, l)
				y -= 12
			}
			city := strings.TrimSpace(strings.Join(nonEmpty(str(addr["City"]), str(addr["CountrySubDivisionCode"]), str(addr["PostalCode"])), " "))
			if city != "" {
				p.textRight(pdfRegular, 9, pdfRight, y, city)
			}
		}
	}
	if strings.HasPrefix(str(inv["PrivateNote"]), "Voided") {
		p.text(pdfBold, 16, 200, 736, "VOIDED")
	}

	p.text(pdfBold, 10, 50, 696, "Bill to")
	p.text(pdfRegular, 11, 50, 682, fit(refName(inv["CustomerRef"]), 11, 280))
	if m, ok := inv["BillEmail"].(map[string]any); ok && str(m["Address"]) != "" {
		p.text(pdfRegular, 9, 50, 669, fit(str(m["Address"]), 9, 280))
	}
	details := [][2]string{{"Invoice no.", doc}, {"Date", str(inv["TxnDate"])}, {"Due date", str(inv["DueDate"])}}
	if t := refName(inv["SalesTermRef"]); t != "" {
		details = append(details, [2]string{"Terms", t})
	}
	y = 696
	for _, d := range details {
		p.text(pdfBold, 10, 380, y, d[0])
		p.textRight(pdfRegular, 10, pdfRight, y, d[1])
		y -= 14
	}

	y = 620
	p.text(pdfBold, 10, 50, y, "Description")
	p.textRight(pdfBold, 10, 380, y, "Qty")
	p.textRight(pdfBold, 10, 470, y, "Rate")
	p.textRight(pdfBold, 10, pdfRight, y, "Amount")
	p.rule(50, y-6, pdfRight, y-6)
	y -= 22
	lines, _ := inv["Line"].([]any)
	var shown []map[string]any
	for _, l := range lines {
		if m, ok := l.(map[string]any); ok && str(m["DetailType"]) != "SubTotalLineDetail" {
			shown = append(shown, m)
		}
	}
	const maxRows = 26
	for i, m := range shown {
		if i == maxRows && len(shown) > maxRows+1 {
			p.text(pdfRegular, 9, 50, y, fmt.Sprintf("... and %d more lines", len(shown)-maxRows))
			y -= 16
			break
		}
		desc := str(m["Description"])
		det, _ := m["SalesItemLineDetail"].(map[string]any)
		if desc == "" {
			desc = refName(det["ItemRef"])
		}
		p.text(pdfRegular, 10, 50, y, fit(desc, 10, 270))
		if det != nil {
			if q := scalarString(det["Qty"]); q != "" {
				p.textRight(pdfRegular, 10, 380, y, q)
			}
			if u := scalarString(det["UnitPrice"]); u != "" {
				p.textRight(pdfRegular, 10, 470, y, u)
			}
		}
		if m["Amount"] != nil {
			p.textRight(pdfRegular, 10, pdfRight, y, amountText(m["Amount"]))
		}
		y -= 16
	}
	p.rule(330, y+8, pdfRight, y+8)
	y -= 8
	total, _ := decimal(inv["TotalAmt"])
	balance, _ := decimal(inv["Balance"])
	var subtotal string
	for _, l := range lines {
		if m, ok := l.(map[string]any); ok && str(m["DetailType"]) == "SubTotalLineDetail" {
			subtotal = amountText(m["Amount"])
		}
	}
	type sum struct {
		label, value string
		bold         bool
	}
	sums := []sum{{"Subtotal", subtotal, false}}
	if d, ok := inv["TxnTaxDetail"].(map[string]any); ok {
		if tax, ok := decimal(d["TotalTax"]); ok && (tax.Sign() != 0 || d["TaxLine"] != nil) {
			sums = append(sums, sum{"Tax", amountText(d["TotalTax"]), false})
		}
	}
	sums = append(sums, sum{"Total", withCode(amountText(inv["TotalAmt"])), true})
	if total != nil && balance != nil && cents(total) != cents(balance) {
		sums = append(sums, sum{"Payments", "-" + string(centsNumber(cents(total)-cents(balance))), false})
	}
	sums = append(sums, sum{"Balance due", withCode(amountText(inv["Balance"])), true})
	for _, s := range sums {
		font := pdfRegular
		if s.bold {
			font = pdfBold
		}
		p.text(font, 10, 380, y, s.label)
		p.textRight(font, 10, pdfRight, y, s.value)
		y -= 15
	}
	if m, ok := inv["CustomerMemo"].(map[string]any); ok && str(m["value"]) != "" {
		p.text(pdfRegular, 9, 50, y-10, fit(str(m["value"]), 9, 500))
	}
	p.text(pdfRegular, 7, 50, 40, "QuickBooks Online emulator (qboemu) - not a real QuickBooks document")
	return buildPDF(p.ops.Bytes(), "Invoice "+doc)
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// buildPDF assembles a one-page PDF around a content stream: catalog, pages,
// page, two standard fonts, the stream and an info dictionary, with the xref
// table giving each object's byte offset.
func buildPDF(content []byte, title string) []byte {
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Title (" + pdfString(title) + ") /Producer (qboemu) /Creator (QuickBooks Online emulator) >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, obj := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, obj)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}
