package qboemu

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
)

// The emulator's stand-ins for QBO's web app around invoices: /app lists the
// companies, /app/invoices?realmId= a company's invoices (with a "Receive
// payment" form on each open one, the PDF, the payments and the mails sent),
// /app/invoice/pdf?realmId=&txnId= the invoice PDF. Paying here is paying in
// QBO: the Payment goes through the Accounting API's path (PayInvoice).

// appInvoiceRow is one invoice as the list shows it.
type appInvoiceRow struct {
	ID, DocNumber, Customer, TxnDate, DueDate, Total, Balance, Currency, EmailStatus string
	Open, Deleted                                                                    bool
}

// appPaymentRow is one payment as the list shows it.
type appPaymentRow struct {
	ID, TxnDate, Customer, Total, Unapplied, Note string
	Invoices                                      []string
	Deleted                                       bool
}

func (e *Emulator) serveAppCompanies(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = appCompaniesPage.Execute(w, map[string]any{"Companies": e.listCompanies()})
}

func (e *Emulator) serveAppInvoices(w http.ResponseWriter, r *http.Request) {
	realm := r.URL.Query().Get("realmId")
	e.mu.RLock()
	c := e.companies[realm]
	if c == nil {
		e.mu.RUnlock()
		http.Error(w, "no company "+realm, http.StatusNotFound)
		return
	}
	name, today := c.Name, (&txn{now: e.now()}).today()
	var invoices []appInvoiceRow
	for id, rec := range c.Entities["Invoice"] {
		inv := rec.Data
		bal, _ := decimal(inv["Balance"])
		invoices = append(invoices, appInvoiceRow{
			ID: id, DocNumber: str(inv["DocNumber"]), Customer: refName(inv["CustomerRef"]),
			TxnDate: str(inv["TxnDate"]), DueDate: str(inv["DueDate"]), Total: amountText(inv["TotalAmt"]),
			Balance: amountText(inv["Balance"]), Currency: refValue(inv["CurrencyRef"]), EmailStatus: str(inv["EmailStatus"]),
			Open: !rec.Deleted && bal != nil && bal.Sign() > 0, Deleted: rec.Deleted,
		})
	}
	var payments []appPaymentRow
	for id, rec := range c.Entities["Payment"] {
		p := rec.Data
		row := appPaymentRow{ID: id, TxnDate: str(p["TxnDate"]), Customer: refName(p["CustomerRef"]),
			Total: amountText(p["TotalAmt"]), Unapplied: amountText(p["UnappliedAmt"]), Note: str(p["PrivateNote"]), Deleted: rec.Deleted}
		lines, _ := p["Line"].([]any)
		for _, l := range lines {
			line, _ := l.(map[string]any)
			if invID, _ := linkOf(line); invID != "" {
				row.Invoices = append(row.Invoices, invID+" ("+amountText(line["Amount"])+")")
			}
		}
		payments = append(payments, row)
	}
	mails := slices.Clone(c.Mails)
	e.mu.RUnlock()
	slices.SortFunc(invoices, func(a, b appInvoiceRow) int { return compareIDs(a.ID, b.ID) })
	slices.SortFunc(payments, func(a, b appPaymentRow) int { return compareIDs(a.ID, b.ID) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = appInvoicesPage.Execute(w, map[string]any{
		"Realm": realm, "Company": name, "Today": today, "Invoices": invoices, "Payments": payments, "Mails": mails,
		"Paid": r.URL.Query().Get("paid"), "Error": r.URL.Query().Get("error"),
	})
}

// serveAppPay takes the "Receive payment" form: realmId, txnId, amount, date.
func (e *Emulator) serveAppPay(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	realm := r.PostForm.Get("realmId")
	back := url.Values{"realmId": {realm}}
	pay, _, err := e.PayInvoice(realm, r.PostForm.Get("txnId"), PayRequest{
		Amount: r.PostForm.Get("amount"), Date: r.PostForm.Get("date"),
		PaymentRefNum: r.PostForm.Get("paymentRefNum"), PrivateNote: r.PostForm.Get("privateNote"),
	})
	if err != nil {
		msg := err.Error()
		if f, ok := err.(*fault); ok {
			msg = f.errs[0].detail
		}
		back.Set("error", msg)
	} else {
		back.Set("paid", str(pay["Id"]))
	}
	http.Redirect(w, r, "/app/invoices?"+back.Encode(), http.StatusSeeOther)
}

// serveAppInvoicePDF serves the PDF of a company's invoice (what QBO's
// "Print or download" gives).
func (e *Emulator) serveAppInvoicePDF(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e.mu.RLock()
	c := e.companies[q.Get("realmId")]
	var body []byte
	if c != nil {
		if rec := c.Entities["Invoice"][q.Get("txnId")]; rec != nil && !rec.Deleted {
			body = invoicePDF(c, rec.Data)
		}
	}
	e.mu.RUnlock()
	if body == nil {
		http.Error(w, "no such invoice", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	_, _ = w.Write(body)
}

var appCompaniesPage = template.Must(template.New("companies").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Companies (QuickBooks emulator)</title>` + pageStyle + `</head><body><main>
<h1>Companies</h1>
{{if not .Companies}}<p>No companies yet.</p>{{end}}
<table><thead><tr><th>Company</th><th>Plan</th><th>Kind</th><th>Realm</th></tr></thead><tbody>
{{range .Companies}}<tr><td><a href="/app/invoices?realmId={{.RealmID}}">{{.CompanyName}}</a></td><td>{{.Plan}}</td><td>{{.Kind}}</td><td>{{.RealmID}}</td></tr>{{end}}
</tbody></table>
<p class="note">QuickBooks Online emulator.</p>
</main></body></html>`))

var appInvoicesPage = template.Must(template.New("invoices").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Invoices — {{.Company}} (QuickBooks emulator)</title>` + pageStyle + `</head><body><main>
<p class="note"><a href="/app">All companies</a></p>
<h1>Invoices <span class="note">— {{.Company}}</span></h1>
{{if .Paid}}<p role="status">Payment {{.Paid}} recorded.</p>{{end}}
{{if .Error}}<p role="alert"><strong>Not recorded:</strong> {{.Error}}</p>{{end}}
{{if not .Invoices}}<p>No invoices.</p>{{else}}
<table><thead><tr><th>No.</th><th>Customer</th><th>Date</th><th>Due</th><th>Total</th><th>Balance</th><th>Email</th><th>Receive payment</th></tr></thead><tbody>
{{range .Invoices}}<tr><td><a href="/app/invoice?txnId={{.ID}}">{{.DocNumber}}</a>{{if not .Deleted}} · <a href="/app/invoice/pdf?realmId={{$.Realm}}&amp;txnId={{.ID}}">PDF</a>{{end}}</td>
<td>{{.Customer}}</td><td>{{.TxnDate}}</td><td>{{.DueDate}}</td><td>{{.Total}} {{.Currency}}</td><td>{{.Balance}}</td><td>{{.EmailStatus}}</td>
<td>{{if .Deleted}}Deleted{{else if .Open}}<form method="post" action="/app/invoices/pay">
<input type="hidden" name="realmId" value="{{$.Realm}}"><input type="hidden" name="txnId" value="{{.ID}}">
<label>Amount <input name="amount" value="{{.Balance}}" size="9" inputmode="decimal"></label>
<label>Date <input name="date" type="date" value="{{$.Today}}"></label>
<button type="submit">Receive payment</button></form>{{else}}Paid{{end}}</td></tr>{{end}}
</tbody></table>{{end}}
<h2>Payments</h2>
{{if not .Payments}}<p>No payments.</p>{{else}}
<table><thead><tr><th>Id</th><th>Date</th><th>Customer</th><th>Total</th><th>Unapplied</th><th>Applied to invoice (amount)</th><th>Note</th></tr></thead><tbody>
{{range .Payments}}<tr><td>{{.ID}}{{if .Deleted}} (deleted){{end}}</td><td>{{.TxnDate}}</td><td>{{.Customer}}</td><td>{{.Total}}</td><td>{{.Unapplied}}</td>
<td>{{range $i, $v := .Invoices}}{{if $i}}, {{end}}{{$v}}{{end}}</td><td>{{.Note}}</td></tr>{{end}}
</tbody></table>{{end}}
<h2>Mails sent</h2>
{{if not .Mails}}<p>No invoice has been sent.</p>{{else}}
<table><thead><tr><th>Sent</th><th>To</th><th>Subject</th><th>Invoice</th></tr></thead><tbody>
{{range .Mails}}<tr><td>{{.SentAt.Format "2006-01-02 15:04:05"}}</td><td>{{.To}}</td><td>{{.Subject}}</td><td><a href="/app/invoice?txnId={{.InvoiceID}}">{{.DocNumber}}</a></td></tr>{{end}}
</tbody></table>{{end}}
<p class="note">QuickBooks Online emulator — what a QuickBooks user would see of this company's invoices.</p>
</main></body></html>`))

// appInvoiceLinks are the links the single-invoice page shows under a company.
func appInvoiceLinks(realm, id string) template.HTML {
	q := url.Values{"realmId": {realm}}
	p := url.Values{"realmId": {realm}, "txnId": {id}}
	return template.HTML(`<p class="note"><a href="/app/invoices?` + template.HTMLEscapeString(q.Encode()) + `">All invoices of this company</a> · <a href="/app/invoice/pdf?` +
		template.HTMLEscapeString(p.Encode()) + `">PDF</a></p>`)
}
