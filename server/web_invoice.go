package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

// The page of one invoice, new or existing (invoice_edit.html): its form and its
// buttons (sync, void, delete). The list of invoices is web_invoices.go.

// lineRow is one row of the lines table, as typed.
type lineRow struct {
	ServiceID, Description, Quantity, Rate, Amount, TaxCode string
}

// invoiceForm parses the invoice form into the input the JSON API decodes. Rows left
// blank are not lines; rowOf is the row each line came from.
func invoiceForm(f url.Values) (in invoiceInput, rows []lineRow, rowOf []int) {
	svc, desc, qty, rate, codes := f["line_service_id"], f["line_description"], f["line_quantity"], f["line_rate"], f["line_tax_code"]
	for i := range svc {
		row := lineRow{ServiceID: svc[i], Description: at(desc, i), Quantity: at(qty, i), Rate: at(rate, i), TaxCode: at(codes, i)}
		rows = append(rows, row)
		if strings.TrimSpace(row.ServiceID) == "" && strings.TrimSpace(row.Quantity) == "" {
			continue
		}
		line := lineInput{ServiceID: formNumber(row.ServiceID), Description: row.Description}
		line.TaxCode = strings.TrimSpace(row.TaxCode)
		if row.Quantity != "" {
			line.Quantity = decimal{Text: strings.TrimSpace(row.Quantity), Set: true}
		}
		if row.Rate != "" {
			line.Rate = decimal{Text: strings.TrimSpace(row.Rate), Set: true}
		}
		in.Lines = append(in.Lines, line)
		rowOf = append(rowOf, i)
	}
	in.CustomerID, in.TermID = formNumber(f.Get("customer_id")), formNumber(f.Get("term_id"))
	in.Number, in.Date, in.DueDate, in.Terms, in.Memo = f.Get("number"), f.Get("date"), f.Get("due_date"), f.Get("terms"), f.Get("memo")
	in.TaxCalculation, in.TaxCode, in.Currency = f.Get("tax_calculation"), f.Get("tax_code"), f.Get("currency")
	if o := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f.Get("tax_override")), "$")); o != "" {
		// Dollars as typed ("12.34"); a malformed one is refused like a negative one.
		cents := int64(-1)
		if v, err := strconv.ParseFloat(strings.ReplaceAll(o, ",", ""), 64); err == nil && v >= 0 {
			cents = int64(v*100 + 0.5)
		}
		in.TaxOverrideCents = &cents
	}
	return in, rows, rowOf
}

// onRow shows an error about a line on the row it came from (the form's controls of
// row i are lines[i].<field>); any other error is as it is.
func onRow(e *apiError, rowOf []int) *apiError {
	if e == nil {
		return e
	}
	out := *e
	out.Field = rowField(e.Field, rowOf)
	out.Fields = make([]fieldProblem, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = rowField(f.Field, rowOf)
		out.Fields[i] = f
	}
	return &out
}

// rowField is the form's name of an input's field: "lines[i].field" of the i-th line
// sent names the row it came from; any other field is as it is.
func rowField(field string, rowOf []int) string {
	var i int
	var rest string
	if n, _ := fmt.Sscanf(field, "lines[%d].%s", &i, &rest); n != 2 || i < 0 || i >= len(rowOf) {
		return field
	}
	return fmt.Sprintf("lines[%d].%s", rowOf[i], rest)
}

func at(v []string, i int) string {
	if i < len(v) {
		return v[i]
	}
	return ""
}

// invoicesData feeds the invoice pages.
type invoicesData struct {
	Invoices      []invoiceJSON
	Invoice       *invoiceJSON
	Lines         []lineRow
	Customers     []store.Customer
	Services      []serviceJSON
	CustomerNames map[int64]string
	QBOURL        string
	// Terms are the choices of the terms select; DueHint says where a due date not
	// set by hand comes from.
	Terms   []store.Term
	DueHint string
	// Billed is the time the invoice bills.
	Billed []billedTimeJSON
	// TaxCodes are the company's sales tax codes (a select per line when there are any);
	// USTax says the company is American (TAX/NON lines, an invoice code, an override).
	TaxCodes []store.TaxCode
	USTax    bool
}

func (s *Server) invoiceLists(c *gin.Context, d *invoicesData) error {
	var td timesheetData
	if err := s.loadLists(c, &td); err != nil {
		return err
	}
	d.Customers, d.Services, d.CustomerNames = td.Customers, td.Services, td.CustomerNames
	return nil
}

func (s *Server) uiNewInvoice(c *gin.Context) {
	acct, err := s.app.Settings(c.Request.Context(), actorOf(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	f := url.Values{"date": {s.app.today(acct.TimeZone).Format(time.DateOnly)}}
	s.invoicePage(c, http.StatusOK, nil, f, make([]lineRow, 4), nil)
}

func (s *Server) uiInvoice(c *gin.Context) {
	id, err := formID(c)
	var inv invoiceJSON
	if err == nil {
		inv, err = s.app.GetInvoice(c.Request.Context(), actorOf(c), id)
	}
	if err != nil {
		s.flashError(c, err)
		s.redirect(c, "/invoices")
		return
	}
	f := url.Values{}
	f.Set("number", inv.Number)
	f.Set("date", inv.Date)
	if inv.DueDate != nil && inv.DueDateExplicit {
		f.Set("due_date", *inv.DueDate) // one that follows the terms is shown beside the field
	}
	f.Set("terms", inv.Terms)
	if inv.TermID != nil {
		f.Set("term_id", strconv.FormatInt(*inv.TermID, 10))
	}
	f.Set("memo", inv.Memo)
	// The tax choices go back with the form, so saving keeps them.
	f.Set("tax_calculation", inv.TaxCalculation)
	f.Set("tax_code", inv.TaxCode)
	f.Set("currency", inv.Currency)
	if inv.TaxOverrideCents != nil {
		f.Set("tax_override", formatFixed(*inv.TaxOverrideCents, 2))
	}
	var rows []lineRow
	for _, l := range inv.Lines {
		rows = append(rows, lineRow{ServiceID: strconv.FormatInt(l.ServiceID, 10), Description: l.Description, Quantity: l.Quantity,
			Rate: l.Rate, Amount: l.Amount, TaxCode: l.TaxCode})
	}
	rows = append(rows, lineRow{}, lineRow{})
	s.invoicePage(c, http.StatusOK, &inv, f, rows, nil)
}

func (s *Server) invoicePage(c *gin.Context, status int, inv *invoiceJSON, f url.Values, rows []lineRow, e *apiError) {
	title := "New invoice"
	if inv != nil {
		title = "Invoice " + inv.Number
	}
	pd := s.pageData(c, title, "invoices")
	ctx, by := c.Request.Context(), actorOf(c)
	d := &invoicesData{Invoice: inv, Lines: rows, DueHint: dueHint(inv)}
	if err := s.invoiceLists(c, d); err != nil {
		s.fail(c, err)
		return
	}
	terms, err := s.app.TermChoices(ctx, by, formNumber(f.Get("term_id")))
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Terms = terms
	if d.TaxCodes, err = s.app.ListTaxCodes(ctx, by); err != nil {
		s.fail(c, err)
		return
	}
	for _, tc := range d.TaxCodes {
		d.USTax = d.USTax || tc.QBOID == "TAX"
	}
	if inv != nil {
		d.QBOURL = s.app.InvoiceQuickBooksURL(ctx, by, *inv)
		if d.Billed, err = s.app.BilledTime(ctx, by, *inv); err != nil {
			s.fail(c, err)
			return
		}
	}
	pd.Data, pd.Form = d, f
	pd.setError(e)
	s.render(c, status, "invoice_edit", pd)
}

// uiSaveInvoice saves the invoice form: a new invoice, or the one of the path.
func (s *Server) uiSaveInvoice(c *gin.Context) {
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	ctx, by := c.Request.Context(), actorOf(c)
	in, rows, rowOf := invoiceForm(f)
	var current *invoiceJSON
	var saved invoiceJSON
	var err error
	if c.Param("id") == "" {
		saved, err = s.app.CreateInvoice(ctx, by, in)
	} else {
		var id int64
		var inv invoiceJSON
		id, err = formID(c)
		if err == nil {
			inv, err = s.app.GetInvoice(ctx, by, id)
		}
		if err != nil {
			s.fail(c, err)
			return
		}
		current = &inv
		saved, err = s.app.UpdateInvoice(ctx, by, id, in)
	}
	if err != nil {
		s.invoicePage(c, http.StatusUnprocessableEntity, current, f, rows, onRow(s.toAPIError(c, err), rowOf))
		return
	}
	if f.Get("then") == "sync" {
		// "Save and sync": the edits go to QuickBooks with the invoice.
		st, err := s.app.SyncInvoice(ctx, by, saved.ID)
		s.follow(c, fmt.Sprintf("/invoices/%d", saved.ID), "?", st, err)
		return
	}
	s.flash(c, "ok", "Invoice "+saved.Number+" saved.")
	s.redirect(c, fmt.Sprintf("/invoices/%d", saved.ID))
}

// uiInvoiceAction handles the invoice's buttons: sync, void, delete.
func (s *Server) uiInvoiceAction(c *gin.Context) {
	id, err := formID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, by := c.Request.Context(), actorOf(c)
	back := fmt.Sprintf("/invoices/%d", id)
	switch c.Param("action") {
	case "sync":
		st, err := s.app.SyncInvoice(ctx, by, id)
		s.follow(c, back, "?", st, err)
	case "send":
		sent, err := s.deliver(ctx, by, id, strings.TrimSpace(c.PostForm("send_to")))
		if s.failedBack(c, back, err) {
			return
		}
		s.flash(c, "ok", "QuickBooks e-mailed the invoice to "+sent.SentTo+".")
		s.redirect(c, back)
	case "void":
		if !s.confirmed(c, "invoices", back, confirmData{Question: "Void this invoice?",
			Detail: "Its time becomes unbilled again. An invoice already in QuickBooks is voided there too.", Yes: "Void"}) {
			return
		}
		inv, err := s.app.VoidInvoice(ctx, by, id)
		if s.failedBack(c, back, err) {
			return
		}
		s.flash(c, "ok", "Invoice voided; its time is unbilled again."+pushNote(inv.QuickBooks))
		s.redirect(c, back+pushFollow("?", inv.QuickBooks))
	case "delete":
		if !s.confirmed(c, "invoices", back, confirmData{Question: "Delete this invoice?",
			Detail: "An invoice already in QuickBooks is deleted there too.", Yes: "Delete"}) {
			return
		}
		del, err := s.app.DeleteInvoice(ctx, by, id)
		if s.failedBack(c, back, err) {
			return
		}
		s.flash(c, "ok", "Invoice deleted."+pushNote(del.QuickBooks))
		s.redirect(c, "/invoices"+pushFollow("?", del.QuickBooks))
	default:
		s.fail(c, errNotFound)
	}
}
