package server

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
)

const (
	maxLines         = 250
	maxQuantityMilli = 1_000_000_000 // one million hours or units
)

// invoiceRequest is an invoice made or edited by hand.
type invoiceRequest struct {
	CustomerID int64         `json:"customer_id" openapi:"required"`
	Number     string        `json:"number"`
	Date       string        `json:"date" openapi:"required"`
	DueDate    string        `json:"due_date"`
	Terms      string        `json:"terms"`
	TermID     int64         `json:"term_id"`
	Memo       string        `json:"memo"`
	Lines      []lineRequest `json:"lines" openapi:"required"`
}

// lineRequest is one line: quantity (up to 3 decimals) × rate (2 decimals).
type lineRequest struct {
	ServiceID   int64   `json:"service_id" openapi:"required"`
	Description string  `json:"description"`
	Quantity    decimal `json:"quantity" openapi:"required"`
	Rate        decimal `json:"rate" openapi:"required"`
}

// decodeInvoice parses and validates an invoice body without touching the database.
func decodeInvoice(body []byte) (store.InvoiceInput, error) {
	var r invoiceRequest
	if err := decodeStrict(body, &r); err != nil {
		return store.InvoiceInput{}, err
	}
	return r.validate()
}

func checkHeader(number, date, due, terms, memo string) (time.Time, time.Time, error) {
	var zero time.Time
	if err := checkText("number", number, 0, 21, "an invoice number"); err != nil {
		return zero, zero, err
	}
	d, err := parseDate("date", date, true)
	if err != nil {
		return zero, zero, err
	}
	dd, err := parseDate("due_date", due, false)
	if err != nil {
		return zero, zero, err
	}
	if !dd.IsZero() && dd.Before(d) {
		return zero, zero, invalid("due_date", "the due date cannot be before the invoice date")
	}
	if err := checkText("terms", terms, 0, 100, "terms"); err != nil {
		return zero, zero, err
	}
	if err := checkText("memo", memo, 0, 1000, "a memo"); err != nil {
		return zero, zero, err
	}
	return d, dd, nil
}

func (r invoiceRequest) validate() (store.InvoiceInput, error) {
	if r.CustomerID <= 0 {
		return store.InvoiceInput{}, invalid("customer_id", "choose a customer")
	}
	d, dd, err := checkHeader(r.Number, r.Date, r.DueDate, r.Terms, r.Memo)
	if err != nil {
		return store.InvoiceInput{}, err
	}
	in := store.InvoiceInput{CustomerID: r.CustomerID, Number: r.Number, InvoiceDate: d, DueDate: dd, Terms: r.Terms, Memo: r.Memo,
		TermID: r.TermID}
	if len(r.Lines) == 0 {
		return store.InvoiceInput{}, invalid("lines", "add at least one line")
	}
	if len(r.Lines) > maxLines {
		return store.InvoiceInput{}, invalid("lines", "an invoice has at most %d lines", maxLines)
	}
	for i, l := range r.Lines {
		field := fmt.Sprintf("lines[%d].", i)
		if l.ServiceID <= 0 {
			return store.InvoiceInput{}, invalid(field+"service_id", "choose a service for line %d", i+1)
		}
		if err := checkText(field+"description", l.Description, 0, 4000, "a description"); err != nil {
			return store.InvoiceInput{}, err
		}
		if !l.Quantity.Set {
			return store.InvoiceInput{}, invalid(field+"quantity", "enter a quantity for line %d", i+1)
		}
		qty, err := parseFixed(field+"quantity", l.Quantity.Text, 3, maxQuantityMilli, "the quantity")
		if err != nil {
			return store.InvoiceInput{}, err
		}
		if qty == 0 {
			return store.InvoiceInput{}, invalid(field+"quantity", "the quantity must be more than zero")
		}
		if !l.Rate.Set {
			return store.InvoiceInput{}, invalid(field+"rate", "enter a rate for line %d", i+1)
		}
		rate, err := parseFixed(field+"rate", l.Rate.Text, 2, maxRateCents, "the rate")
		if err != nil {
			return store.InvoiceInput{}, err
		}
		in.Lines = append(in.Lines, store.LineInput{ServiceID: l.ServiceID, Description: l.Description, QuantityMilli: qty, RateCents: rate})
	}
	return in, nil
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
}

type invoiceJSON struct {
	ID          int64             `json:"id"`
	CustomerID  int64             `json:"customer_id"`
	Number      string            `json:"number"`
	Date        string            `json:"date"`
	DueDate     *string           `json:"due_date"`
	Terms       string            `json:"terms"`
	Memo        string            `json:"memo"`
	Status      string            `json:"status"`
	Total       string            `json:"total"`
	TotalCents  int64             `json:"total_cents"`
	Version     int64             `json:"version"`
	SyncStatus  string            `json:"sync_status"`
	SyncMessage string            `json:"sync_message"`
	Lines       []invoiceLineJSON `json:"lines,omitempty"`
	TimeCardIDs []int64           `json:"time_card_ids,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	// QuickBooks, on the answer to a void, says whether the void went to QuickBooks at once.
	QuickBooks *pushJSON `json:"quickbooks,omitempty"`
	// TermID is the chosen QBO term (Terms holds its name); DueDateExplicit says the
	// due date was set by hand, rather than following the term (QBO's, once synced).
	TermID          *int64 `json:"term_id"`
	DueDateExplicit bool   `json:"due_date_explicit"`
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

func (s *Server) invoiceBody(c *gin.Context, inv store.Invoice) (invoiceJSON, error) {
	out := toInvoiceJSON(inv)
	ids, err := s.store.InvoiceTimeCardIDs(c.Request.Context(), inv.AccountID, inv.ID)
	if err != nil {
		return out, err
	}
	out.TimeCardIDs = ids
	return out, nil
}

func (s *Server) answerInvoice(c *gin.Context, status int, inv store.Invoice) {
	body, err := s.invoiceBody(c, inv)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(status, body)
}

func (s *Server) readInvoice(c *gin.Context, editing bool) (store.InvoiceInput, bool) {
	var r invoiceRequest
	if err := decodeJSON(c, &r); err != nil {
		s.fail(c, err)
		return store.InvoiceInput{}, false
	}
	in, err := r.validate()
	if err == nil {
		err = s.checkInvoiceRefs(c, in, editing)
	}
	if err != nil {
		s.fail(c, err)
		return store.InvoiceInput{}, false
	}
	return in, true
}

func (s *Server) createInvoice(c *gin.Context) {
	in, ok := s.readInvoice(c, false)
	if !ok {
		return
	}
	if err := s.resolveInvoiceTerms(c.Request.Context(), mustAuth(c).AccountID, &in, nil); err != nil {
		s.fail(c, err)
		return
	}
	inv, err := s.store.CreateInvoice(c.Request.Context(), mustAuth(c).AccountID, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.answerInvoice(c, http.StatusCreated, inv)
}

// invoiceFromCardsRequest bills selected unbilled time cards of one customer.
type invoiceFromCardsRequest struct {
	TimeCardIDs []int64 `json:"time_card_ids" openapi:"required"`
	Grouping    string  `json:"grouping"`
	Number      string  `json:"number"`
	Date        string  `json:"date"`
	DueDate     string  `json:"due_date"`
	Terms       string  `json:"terms"`
	TermID      int64   `json:"term_id"`
	Memo        string  `json:"memo"`
}

func (s *Server) createInvoiceFromTimeCards(c *gin.Context) {
	var r invoiceFromCardsRequest
	if err := decodeJSON(c, &r); err != nil {
		s.fail(c, err)
		return
	}
	a := mustAuth(c)
	ctx := c.Request.Context()
	if r.Date == "" {
		acct, err := s.store.GetAccount(ctx, a.AccountID)
		if err != nil {
			s.fail(c, err)
			return
		}
		r.Date = s.today(acct.TimeZone).Format(time.DateOnly)
	}
	d, dd, err := checkHeader(r.Number, r.Date, r.DueDate, r.Terms, r.Memo)
	if err != nil {
		s.fail(c, err)
		return
	}
	ids, err := checkIDs("time_card_ids", r.TimeCardIDs, "time card")
	if err == nil {
		err = s.checkCardRefsActive(c, ids)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	switch r.Grouping {
	case "":
		r.Grouping = store.GroupPerServiceRate
	case store.GroupPerServiceRate, store.GroupPerCard:
	default:
		s.fail(c, invalid("grouping", "grouping is per_service_rate or per_card"))
		return
	}
	header := store.InvoiceInput{Number: r.Number, InvoiceDate: d, DueDate: dd, Terms: r.Terms, Memo: r.Memo, TermID: r.TermID}
	if err := s.resolveInvoiceTerms(ctx, a.AccountID, &header, nil); err != nil {
		s.fail(c, err)
		return
	}
	inv, err := s.store.CreateInvoiceFromTimeCards(ctx, a.AccountID, header, ids, r.Grouping)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = notFound("time_card_ids", "time card")
		}
		s.fail(c, err)
		return
	}
	s.answerInvoice(c, http.StatusCreated, inv)
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

func (s *Server) getInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	inv, err := s.store.GetInvoice(c.Request.Context(), mustAuth(c).AccountID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.answerInvoice(c, http.StatusOK, inv)
}

// updateInvoice replaces the header and lines; the customer of an invoice is fixed.
func (s *Server) updateInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	accountID := mustAuth(c).AccountID
	cur, err := s.store.GetInvoice(ctx, accountID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	in, ok := s.readInvoice(c, true)
	if !ok {
		return
	}
	if err := s.resolveInvoiceTerms(ctx, accountID, &in, &cur); err != nil {
		s.fail(c, err)
		return
	}
	if in.CustomerID != cur.CustomerID {
		s.fail(c, invalid("customer_id", "the customer of an invoice cannot change; create a new invoice instead"))
		return
	}
	inv, err := s.store.UpdateInvoice(ctx, accountID, id, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.answerInvoice(c, http.StatusOK, inv)
}

// voidInvoice voids an invoice; one QuickBooks has is voided there at once.
func (s *Server) voidInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	inv, pushed, err := s.voidInvoiceAndPush(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	body, err := s.invoiceBody(c, inv)
	if err != nil {
		s.fail(c, err)
		return
	}
	body.QuickBooks = pushed
	c.JSON(http.StatusOK, body)
}

// deleteInvoice deletes an invoice; one QuickBooks has is deleted there at once.
func (s *Server) deleteInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	out, err := s.deleteInvoiceAndPush(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) listInvoices(c *gin.Context) {
	p, ok := s.page(c)
	if !ok {
		return
	}
	var f store.InvoiceFilter
	var err error
	if f.CustomerID, err = queryID(c, "customer_id"); err != nil {
		s.fail(c, err)
		return
	}
	switch st := c.Query("status"); st {
	case "", store.InvoiceDraft, store.InvoiceOpen, store.InvoiceVoid:
		f.Status = st
	default:
		s.fail(c, invalid("status", "status is one of draft, open, void"))
		return
	}
	invs, err := s.store.ListInvoices(c.Request.Context(), mustAuth(c).AccountID, f, p.store())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]invoiceJSON, 0, len(invs))
	for _, inv := range invs {
		j := toInvoiceJSON(inv)
		j.Lines = nil
		out = append(out, j)
	}
	c.JSON(http.StatusOK, paged(p, out))
}
