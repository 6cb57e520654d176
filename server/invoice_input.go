package server

import (
	"strings"
	"time"

	"hoursync/internal/store"
)

const (
	maxLines         = 250
	maxQuantityMilli = 1_000_000_000 // one million hours or units
)

// invoiceInput is an invoice made or edited by hand, as the JSON body and the
// invoice form both give it.
type invoiceInput struct {
	CustomerID int64       `json:"customer_id" openapi:"required"`
	Number     string      `json:"number"`
	Date       string      `json:"date" openapi:"required"`
	DueDate    string      `json:"due_date"`
	Terms      string      `json:"terms"`
	TermID     int64       `json:"term_id"`
	Memo       string      `json:"memo"`
	Lines      []lineInput `json:"lines" openapi:"required"`
	invoiceTaxInput
}

// lineInput is one line: quantity (up to 3 decimals) × rate (2 decimals).
type lineInput struct {
	ServiceID   int64   `json:"service_id" openapi:"required"`
	Description string  `json:"description"`
	Quantity    decimal `json:"quantity" openapi:"required"`
	Rate        decimal `json:"rate" openapi:"required"`
	lineTaxInput
}

// decodeInvoice parses and validates an invoice body without touching the database.
func decodeInvoice(body []byte) (store.InvoiceInput, error) {
	var r invoiceInput
	if err := decodeStrict(body, &r); err != nil {
		return store.InvoiceInput{}, err
	}
	return r.validate()
}

// checkHeader checks an invoice's header fields, adding their errors to p.
func checkHeader(p *problems, number, date, due, terms, memo string) (time.Time, time.Time) {
	p.add(checkText("number", number, 0, 21, "an invoice number"))
	d, err1 := parseDate("date", date, true)
	p.add(err1)
	dd, err2 := parseDate("due_date", due, false)
	p.add(err2)
	if err1 == nil && err2 == nil && !dd.IsZero() && dd.Before(d) {
		p.add(invalid("due_date", "the due date cannot be before the invoice date"))
	}
	p.add(checkText("terms", terms, 0, 100, "terms"))
	p.add(checkText("memo", memo, 0, 1000, "a memo"))
	return d, dd
}

func (r invoiceInput) validate() (store.InvoiceInput, error) {
	var p problems
	if r.CustomerID <= 0 {
		p.add(invalid("customer_id", "choose a customer"))
	}
	d, dd := checkHeader(&p, r.Number, r.Date, r.DueDate, r.Terms, r.Memo)
	in := store.InvoiceInput{CustomerID: r.CustomerID, Number: r.Number, InvoiceDate: d, DueDate: dd, Terms: r.Terms, Memo: r.Memo,
		TermID: r.TermID}
	r.invoiceTaxInput.apply(&p, &in)
	switch {
	case len(r.Lines) == 0:
		p.add(invalid("lines", "add at least one line"))
	case len(r.Lines) > maxLines:
		p.add(invalid("lines", "an invoice has at most %d lines", maxLines))
	default:
		for i, l := range r.Lines {
			in.Lines = append(in.Lines, l.validate(&p, i))
		}
	}
	if err := p.err(); err != nil {
		return store.InvoiceInput{}, err
	}
	return in, nil
}

// validate checks the i-th line (from 0), adding its errors, each on its line, to p.
func (l lineInput) validate(p *problems, i int) store.LineInput {
	out := store.LineInput{ServiceID: l.ServiceID, Description: l.Description, TaxCode: strings.TrimSpace(l.TaxCode)}
	if l.ServiceID <= 0 {
		p.add(onLine(i, "service_id", invalid("", "choose a service for line %d", i+1)))
	}
	if err := checkText("", l.Description, 0, 4000, "a description"); err != nil {
		p.add(onLine(i, "description", err))
	}
	var err error
	switch {
	case !l.Quantity.Set:
		p.add(onLine(i, "quantity", invalid("", "enter a quantity for line %d", i+1)))
	default:
		if out.QuantityMilli, err = parseFixed("", l.Quantity.Text, 3, maxQuantityMilli, "the quantity"); err != nil {
			p.add(onLine(i, "quantity", err))
		} else if out.QuantityMilli == 0 {
			p.add(onLine(i, "quantity", invalid("", "the quantity must be more than zero")))
		}
	}
	if !l.Rate.Set {
		p.add(onLine(i, "rate", invalid("", "enter a rate for line %d", i+1)))
	} else if out.RateCents, err = parseFixed("", l.Rate.Text, 2, maxRateCents, "the rate"); err != nil {
		p.add(onLine(i, "rate", err))
	}
	return out
}

type invoiceLineJSON struct {
	ID            int64  `json:"id"`
	Position      int    `json:"position"`
	ServiceID     int64  `json:"service_id"`
	Description   string `json:"description"`
	Quantity      string `json:"quantity"`
	QuantityMilli int64  `json:"quantity_milli"`
	Rate          string `json:"rate"`
	RateCents     int64  `json:"rate_cents"`
	Amount        string `json:"amount"`
	AmountCents   int64  `json:"amount_cents"`
	TaxCode       string `json:"tax_code"`
}

// invoiceJSON is an invoice as the API answers it and the invoice pages show it.
type invoiceJSON struct {
	ID          int64   `json:"id"`
	CustomerID  int64   `json:"customer_id"`
	Number      string  `json:"number"`
	Date        string  `json:"date"`
	DueDate     *string `json:"due_date"`
	Terms       string  `json:"terms"`
	Memo        string  `json:"memo"`
	Status      string  `json:"status"`
	Total       string  `json:"total"`
	TotalCents  int64   `json:"total_cents"`
	Version     int64   `json:"version"`
	SyncStatus  string  `json:"sync_status"`
	SyncMessage string  `json:"sync_message"`
	// SyncErrorCode is the error type of a failed sync (workflows.ErrType…), for
	// clients to branch on; SyncMessage is what to show.
	SyncErrorCode string            `json:"sync_error_code"`
	Lines         []invoiceLineJSON `json:"lines,omitempty"`
	TimeCardIDs   []int64           `json:"time_card_ids,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	// QuickBooks, on the answer to a void, says whether the void went to QuickBooks at once.
	QuickBooks *pushJSON `json:"quickbooks,omitempty"`
	// TermID is the chosen QBO term (Terms holds its name); DueDateExplicit says the
	// due date was set by hand, rather than following the term (QBO's, once synced).
	TermID          *int64 `json:"term_id"`
	DueDateExplicit bool   `json:"due_date_explicit"`
	invoiceTaxJSON
	// Payment is where a synced invoice stands with its payments in QuickBooks.
	Payment *paymentJSON `json:"payment,omitempty"`
	// Email is how QuickBooks last e-mailed the synced invoice (nil: never synced).
	Email *emailJSON `json:"qbo_email,omitempty"`
}

func toInvoiceJSON(inv store.Invoice) invoiceJSON {
	out := invoiceJSON{ID: inv.ID, CustomerID: inv.CustomerID, Number: inv.Number, Date: inv.InvoiceDate.Format(time.DateOnly),
		Terms: inv.Terms, Memo: inv.Memo, Status: inv.Status, Total: money(inv.TotalCents), TotalCents: inv.TotalCents,
		Version: inv.Version, SyncStatus: inv.SyncStatus, SyncMessage: inv.SyncMessage, CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt}
	if inv.DueDate.Valid {
		d := inv.DueDate.Time.Format(time.DateOnly)
		out.DueDate = &d
	}
	if inv.TermID.Valid {
		out.TermID = &inv.TermID.Int64
	}
	out.DueDateExplicit = inv.DueDateExplicit
	for _, l := range inv.Lines {
		out.Lines = append(out.Lines, invoiceLineJSON{ID: l.ID, Position: l.Position, ServiceID: l.ServiceID, Description: l.Description,
			Quantity: formatFixed(l.QuantityMilli, 3), QuantityMilli: l.QuantityMilli, Rate: money(l.RateCents), RateCents: l.RateCents,
			Amount: money(l.AmountCents), AmountCents: l.AmountCents})
	}
	return out
}

// invoiceFromCardsInput bills selected unbilled time cards of one customer.
type invoiceFromCardsInput struct {
	TimeCardIDs []int64 `json:"time_card_ids" openapi:"required"`
	Grouping    string  `json:"grouping"`
	Number      string  `json:"number"`
	Date        string  `json:"date"`
	DueDate     string  `json:"due_date"`
	Terms       string  `json:"terms"`
	TermID      int64   `json:"term_id"`
	Memo        string  `json:"memo"`
}

// checkIDs refuses an empty, oversized, or malformed selection and removes repeats.
func checkIDs(field string, ids []int64, what string) ([]int64, error) {
	if len(ids) == 0 {
		return nil, invalid(field, "select at least one %s", what)
	}
	if len(ids) > 1000 {
		return nil, invalid(field, "select at most 1000 at a time")
	}
	seen := map[int64]bool{}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id <= 0 {
			return nil, invalid(field, "%s ids are positive whole numbers", what)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}
