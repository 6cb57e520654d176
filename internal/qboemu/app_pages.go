package qboemu

import (
	"html/template"
	"net/http"
	"slices"
	"strings"
)

// serveAppInvoice stands in for QBO's web app page of an invoice
// (https://app.qbo.intuit.com/app/invoice?txnId=…), so "open in QuickBooks" links
// work in development. Ids are per company, so every company's invoice of that id is
// shown, each under its company's name.
func (e *Emulator) serveAppInvoice(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("txnId")
	type shown struct {
		Company string
		Invoice map[string]any
		Deleted bool
		Links   template.HTML
	}
	var found []shown
	e.mu.RLock()
	for _, c := range e.companies {
		if rec := c.Entities["Invoice"][id]; rec != nil {
			found = append(found, shown{Company: c.Name, Invoice: deepCopy(rec.Data).(map[string]any), Deleted: rec.Deleted,
				Links: appInvoiceLinks(c.RealmID, id)})
		}
	}
	e.mu.RUnlock()
	slices.SortFunc(found, func(a, b shown) int { return strings.Compare(a.Company, b.Company) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if len(found) == 0 {
		w.WriteHeader(http.StatusNotFound)
	}
	_ = appInvoicePage.Execute(w, map[string]any{"ID": id, "Found": found})
}

var appInvoicePage = template.Must(template.New("invoice").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Invoice {{.ID}} (QuickBooks emulator)</title>` + pageStyle + `</head><body><main>
{{if not .Found}}<h1>No invoice {{.ID}}</h1><p>No company of this emulator has an invoice with that id.</p>{{end}}
{{range .Found}}<h1>Invoice {{index .Invoice "DocNumber"}} <span class="note">— {{.Company}}</span></h1>
{{.Links}}{{if .Deleted}}<p><strong>Deleted.</strong></p>{{end}}
<p>Customer: {{with index .Invoice "CustomerRef"}}{{index . "name"}}{{end}} · Date: {{index .Invoice "TxnDate"}} · Due: {{index .Invoice "DueDate"}}</p>
<table><thead><tr><th>Description</th><th>Qty</th><th>Rate</th><th>Amount</th></tr></thead><tbody>
{{range index .Invoice "Line"}}{{if eq (index . "DetailType") "SalesItemLineDetail"}}<tr><td>{{index . "Description"}}</td>
{{with index . "SalesItemLineDetail"}}<td>{{index . "Qty"}}</td><td>{{index . "UnitPrice"}}</td>{{end}}<td>{{index . "Amount"}}</td></tr>{{end}}{{end}}
</tbody></table>
<p>{{with index .Invoice "TxnTaxDetail"}}Tax {{index . "TotalTax"}} · {{end}}<strong>Total {{index .Invoice "TotalAmt"}}{{with index .Invoice "CurrencyRef"}} {{index . "value"}}{{end}}</strong> · Balance {{index .Invoice "Balance"}}</p>{{end}}
<p class="note">QuickBooks Online emulator — the page a QuickBooks user would see for this invoice.</p>
</main></body></html>`))
