package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"hoursync/internal/store"
)

// The invoice use cases; every one is for admins. Voiding and deleting are in
// removals.go (they go to QuickBooks at once), syncing in syncing.go, terms in
// invoice_terms.go, the checks of the customer and services in references.go.

// invoiceQuery narrows a list of invoices; zero values do not narrow it.
type invoiceQuery struct {
	CustomerID int64
	Status     string
}

// ListInvoices lists invoices, newest first, without their lines.
func (a *app) ListInvoices(ctx context.Context, by actor, q invoiceQuery, p page) (listJSON[invoiceJSON], error) {
	if err := requireAdmin(by); err != nil {
		return listJSON[invoiceJSON]{}, err
	}
	switch q.Status {
	case "", store.InvoiceDraft, store.InvoiceOpen, store.InvoiceVoid:
	default:
		return listJSON[invoiceJSON]{}, invalid("status", "status is one of draft, open, void")
	}
	invs, err := a.store.ListInvoices(ctx, by.AccountID, store.InvoiceFilter{CustomerID: q.CustomerID, Status: q.Status}, p.store())
	if err != nil {
		return listJSON[invoiceJSON]{}, err
	}
	out := make([]invoiceJSON, 0, len(invs))
	var failed []int64
	for _, inv := range invs {
		j := toInvoiceJSON(inv)
		j.Lines = nil
		out = append(out, j)
		if inv.SyncStatus == store.StatusFailed {
			failed = append(failed, inv.ID)
		}
	}
	if len(failed) > 0 {
		codes, err := a.store.SyncErrorCodes(ctx, by.AccountID, store.ObjectInvoice, failed)
		if err != nil {
			return listJSON[invoiceJSON]{}, err
		}
		for i := range out {
			out[i].SyncErrorCode = codes[out[i].ID]
		}
	}
	return paged(p, out), nil
}

// GetInvoice is one invoice with its lines and the time cards it bills.
func (a *app) GetInvoice(ctx context.Context, by actor, id int64) (invoiceJSON, error) {
	if err := requireAdmin(by); err != nil {
		return invoiceJSON{}, err
	}
	inv, err := a.store.GetInvoice(ctx, by.AccountID, id)
	if err != nil {
		return invoiceJSON{}, err
	}
	return a.invoiceBody(ctx, inv)
}

// CreateInvoice writes an invoice by hand.
func (a *app) CreateInvoice(ctx context.Context, by actor, in invoiceInput) (invoiceJSON, error) {
	if err := requireAdmin(by); err != nil {
		return invoiceJSON{}, err
	}
	inv, err := in.validate()
	if err == nil {
		err = a.checkInvoiceRefs(ctx, by.AccountID, inv, false)
	}
	if err == nil {
		err = a.resolveInvoiceTerms(ctx, by.AccountID, &inv, nil)
	}
	if err != nil {
		return invoiceJSON{}, err
	}
	created, err := a.store.CreateInvoice(ctx, by.AccountID, inv)
	if err != nil {
		return invoiceJSON{}, err
	}
	return a.invoiceBody(ctx, created)
}

// CreateInvoiceFromTimeCards bills selected unbilled time cards of one customer, one
// line per service and rate or one per card; the date defaults to today.
func (a *app) CreateInvoiceFromTimeCards(ctx context.Context, by actor, in invoiceFromCardsInput) (invoiceJSON, error) {
	if err := requireAdmin(by); err != nil {
		return invoiceJSON{}, err
	}
	if in.Date == "" {
		acct, err := a.store.GetAccount(ctx, by.AccountID)
		if err != nil {
			return invoiceJSON{}, err
		}
		in.Date = a.today(acct.TimeZone).Format(time.DateOnly)
	}
	var p problems
	d, dd := checkHeader(&p, in.Number, in.Date, in.DueDate, in.Terms, in.Memo)
	if err := p.err(); err != nil {
		return invoiceJSON{}, err
	}
	ids, err := checkIDs("time_card_ids", in.TimeCardIDs, "time card")
	if err == nil {
		err = a.checkCardRefsActive(ctx, by.AccountID, ids)
	}
	if err == nil {
		err = a.checkCardsBillable(ctx, by.AccountID, ids)
	}
	if err != nil {
		return invoiceJSON{}, err
	}
	switch in.Grouping {
	case "":
		in.Grouping = store.GroupPerServiceRate
	case store.GroupPerServiceRate, store.GroupPerServiceRateDetailed, store.GroupPerCard:
	default:
		return invoiceJSON{}, invalid("grouping", "grouping is per_service_rate, per_service_rate_detailed or per_card")
	}
	header := store.InvoiceInput{Number: in.Number, InvoiceDate: d, DueDate: dd, Terms: in.Terms, Memo: in.Memo, TermID: in.TermID}
	if err := a.resolveInvoiceTerms(ctx, by.AccountID, &header, nil); err != nil {
		return invoiceJSON{}, err
	}
	inv, err := a.store.CreateInvoiceFromTimeCards(ctx, by.AccountID, header, ids, in.Grouping)
	if errors.Is(err, store.ErrNotFound) {
		err = notFound("time_card_ids", "time card")
	}
	if err != nil {
		return invoiceJSON{}, err
	}
	return a.invoiceBody(ctx, inv)
}

// UpdateInvoice replaces an invoice's header and lines; its customer is fixed.
func (a *app) UpdateInvoice(ctx context.Context, by actor, id int64, in invoiceInput) (invoiceJSON, error) {
	if err := requireAdmin(by); err != nil {
		return invoiceJSON{}, err
	}
	cur, err := a.store.GetInvoice(ctx, by.AccountID, id)
	if err != nil {
		return invoiceJSON{}, err
	}
	if cur.Status == store.InvoiceVoid {
		return invoiceJSON{}, &apiError{Status: http.StatusConflict, Code: codeConflict,
			Message: "a voided invoice cannot change; create a new invoice instead"}
	}
	if err := a.refuseIfPaid(ctx, by, id, "changed"); err != nil {
		return invoiceJSON{}, err
	}
	inv, err := in.validate()
	if err == nil {
		err = a.checkInvoiceRefs(ctx, by.AccountID, inv, true)
	}
	if err == nil {
		err = a.resolveInvoiceTerms(ctx, by.AccountID, &inv, &cur)
	}
	if err != nil {
		return invoiceJSON{}, err
	}
	if inv.CustomerID != cur.CustomerID {
		return invoiceJSON{}, invalid("customer_id", "the customer of an invoice cannot change; create a new invoice instead")
	}
	updated, err := a.store.UpdateInvoice(ctx, by.AccountID, id, inv)
	if err != nil {
		return invoiceJSON{}, err
	}
	return a.invoiceBody(ctx, updated)
}

// InvoiceQuickBooksURL links the invoice in QuickBooks' web app once a sync put it
// there ("" before).
func (a *app) InvoiceQuickBooksURL(ctx context.Context, by actor, inv invoiceJSON) string {
	if inv.SyncStatus == store.StatusNever {
		return ""
	}
	l, ok := a.link(ctx, by.AccountID, store.ObjectInvoice, inv.ID)
	if !ok {
		return ""
	}
	return qboInvoiceURL(a.cfg.QBOAPIBaseURL, l.QBOID)
}

// invoiceBody is the invoice as answered: with the time cards it bills and its sync
// error code.
func (a *app) invoiceBody(ctx context.Context, inv store.Invoice) (invoiceJSON, error) {
	out := toInvoiceJSON(inv)
	ids, err := a.store.InvoiceTimeCardIDs(ctx, inv.AccountID, inv.ID)
	if err != nil {
		return out, err
	}
	out.TimeCardIDs = ids
	if err := a.addInvoiceTax(ctx, inv, &out); err != nil {
		return out, err
	}
	if err := a.addPayment(ctx, inv, &out); err != nil {
		return out, err
	}
	if inv.SyncStatus == store.StatusFailed {
		codes, err := a.store.SyncErrorCodes(ctx, inv.AccountID, store.ObjectInvoice, []int64{inv.ID})
		if err != nil {
			return out, err
		}
		out.SyncErrorCode = codes[inv.ID]
	}
	return out, nil
}

// qboInvoiceURL links an invoice in the web app of the QBO whose API is at apiBase:
// Intuit's production or sandbox app, or the emulator, which serves the same path.
func qboInvoiceURL(apiBase, qboID string) string {
	base := "https://app.qbo.intuit.com"
	switch {
	case strings.Contains(apiBase, "sandbox-quickbooks.api.intuit.com"):
		base = "https://app.sandbox.qbo.intuit.com"
	case !strings.Contains(apiBase, "intuit.com"):
		base = apiBase
	}
	return base + "/app/invoice?txnId=" + url.QueryEscape(qboID)
}

// billedTimeJSON is one time card an invoice bills, named for people.
type billedTimeJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// BilledTime names the time cards the invoice bills, each with its page.
func (a *app) BilledTime(ctx context.Context, by actor, inv invoiceJSON) ([]billedTimeJSON, error) {
	refs := make([]objectRef, 0, len(inv.TimeCardIDs))
	for _, id := range inv.TimeCardIDs {
		refs = append(refs, objectRef{store.ObjectTimeCard, id})
	}
	names, err := a.recordNames(ctx, by.AccountID, refs)
	if err != nil {
		return nil, err
	}
	out := make([]billedTimeJSON, 0, len(refs))
	for _, r := range refs {
		out = append(out, billedTimeJSON{ID: r.ID, Name: names[r], URL: objectURL(r.Type, r.ID)})
	}
	return out, nil
}

// checkCardsBillable refuses cards already billed or not billable, naming the first
// of them as people know it. The store refuses them too (under a row lock), naming
// ids; this answer is the one people read.
func (a *app) checkCardsBillable(ctx context.Context, accountID int64, ids []int64) error {
	cards, err := a.store.GetTimeCardsForSync(ctx, accountID, ids)
	if err != nil {
		return err
	}
	for _, c := range cards {
		why := ""
		switch {
		case c.DeletedAt.Valid:
			continue
		case c.InvoiceID.Valid:
			why = "is already billed"
		case !c.Billable:
			why = "is not billable"
		default:
			continue
		}
		name, err := a.recordName(ctx, accountID, store.ObjectTimeCard, c.ID)
		if err != nil {
			return err
		}
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Message: fmt.Sprintf("the time %s %s", name, why)}
	}
	return nil
}
