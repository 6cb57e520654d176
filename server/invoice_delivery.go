package server

import (
	"time"

	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"hoursync/internal/intuit"
	"hoursync/internal/qbo"
	"hoursync/internal/store"
)

// An invoice's PDF and its e-mail are QuickBooks' own (NOTES §9.9, §9.10): the PDF
// QBO prints, with its tax, terms and balance; the e-mail QBO sends, recorded on the
// invoice in QBO (EmailStatus, DeliveryInfo). Both need the invoice synced first.

// InvoiceDelivery fetches and sends invoices through the account's QBO connection.
// IntuitService implements it.
type InvoiceDelivery interface {
	InvoicePDF(ctx context.Context, accountID int64, qboID string) ([]byte, error)
	SendInvoice(ctx context.Context, accountID int64, requestID, qboID, sendTo string) (qbo.Invoice, error)
}

// InvoicePDF implements InvoiceDelivery.
func (s *IntuitService) InvoicePDF(ctx context.Context, accountID int64, qboID string) ([]byte, error) {
	c, _, err := s.Connections.Client(ctx, accountID, qbo.Options{BaseURL: s.QBOBaseURL, HTTPClient: s.HTTPClient, Logger: s.logger()})
	if err != nil {
		return nil, err
	}
	return qbo.InvoicePDF(ctx, c, qboID)
}

// SendInvoice implements InvoiceDelivery.
func (s *IntuitService) SendInvoice(ctx context.Context, accountID int64, requestID, qboID, sendTo string) (qbo.Invoice, error) {
	c, _, err := s.Connections.Client(ctx, accountID, qbo.Options{BaseURL: s.QBOBaseURL, HTTPClient: s.HTTPClient, Logger: s.logger()})
	if err != nil {
		return qbo.Invoice{}, err
	}
	return qbo.SendInvoice(ctx, c, requestID, qboID, sendTo)
}

var (
	errNoDelivery  = &apiError{Status: http.StatusServiceUnavailable, Code: codeUnavailable, Message: "QuickBooks is not reachable from this server right now"}
	errNotInQBOYet = &apiError{Status: http.StatusConflict, Code: codeConflict,
		Message: "Sync this invoice with QuickBooks first: its PDF and e-mail are QuickBooks' own"}
)

// syncedInvoice returns the QBO id of the account's invoice, refusing one QBO does not
// have (never synced, deleted there, or another company's).
func (a *app) syncedInvoice(ctx context.Context, by actor, id int64) (store.Invoice, string, error) {
	inv, err := a.store.GetInvoice(ctx, by.AccountID, id)
	if err != nil {
		return store.Invoice{}, "", err
	}
	conn, err := a.store.GetConnectionStatus(ctx, by.AccountID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && conn.Status != store.ConnectionConnected) {
		return inv, "", &apiError{Status: http.StatusConflict, Code: codeConflict, Message: "Connect QuickBooks first: the PDF and e-mail come from QuickBooks"}
	}
	if err != nil {
		return inv, "", err
	}
	link, err := a.store.GetLink(ctx, by.AccountID, conn.RealmID, store.ObjectInvoice, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && link.QBODeleted) {
		return inv, "", errNotInQBOYet
	}
	return inv, link.QBOID, err
}

// deliveryError words what QBO answered.
func deliveryError(err error) error {
	switch {
	case errors.Is(err, intuit.ErrNeedsReconnect), errors.Is(err, qbo.ErrUnauthorized):
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Message: "Reconnect QuickBooks: the connection was revoked or expired"}
	case errors.Is(err, qbo.ErrNotFound):
		return &apiError{Status: http.StatusConflict, Code: codeConflict, Message: "QuickBooks no longer has this invoice (deleted there); sync it again"}
	}
	var f *qbo.Fault
	if errors.As(err, &f) && errors.Is(err, qbo.ErrValidation) {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: codeValidation, Field: "send_to", Message: "QuickBooks refused: " + f.Message()}
	}
	return err
}

// invoicePDF streams QuickBooks' PDF of a synced invoice.
func (s *Server) invoicePDF(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	inv, qboID, err := s.app.syncedInvoice(c.Request.Context(), actorOf(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, ok := s.intuit.(InvoiceDelivery)
	if !ok {
		s.fail(c, errNoDelivery)
		return
	}
	pdf, err := d.InvoicePDF(c.Request.Context(), mustAuth(c).AccountID, qboID)
	if err != nil {
		s.fail(c, deliveryError(err))
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="invoice-%s.pdf"`, sanitizeFilename(inv.Number)))
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// sendInvoice has QuickBooks e-mail a synced invoice to send_to, or to its billing
// e-mail, and answers how QBO recorded it.
func (s *Server) sendInvoice(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	var req sendInvoiceInput
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			s.fail(c, err)
			return
		}
	}
	out, err := s.deliver(c.Request.Context(), actorOf(c), id, req.SendTo)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// deliver has QuickBooks e-mail the account's synced invoice (the JSON API and the
// invoice page's button).
func (s *Server) deliver(ctx context.Context, by actor, id int64, sendTo string) (sentJSON, error) {
	inv, qboID, err := s.app.syncedInvoice(ctx, by, id)
	if err != nil {
		return sentJSON{}, err
	}
	d, ok := s.intuit.(InvoiceDelivery)
	if !ok {
		return sentJSON{}, errNoDelivery
	}
	// One click, one e-mail: a retry of this request after a lost answer is replayed.
	requestID := "hs-send-" + strconv.FormatInt(inv.ID, 36) + "-" + randomToken()[:16]
	got, err := d.SendInvoice(ctx, by.AccountID, requestID, qboID, sendTo)
	if err != nil {
		return sentJSON{}, deliveryError(err)
	}
	to := sendTo
	if got.BillEmail != nil && got.BillEmail.Address != "" {
		to = got.BillEmail.Address
	}
	out := sentJSON{EmailStatus: got.EmailStatus, SentTo: to}
	if got.DeliveryInfo != nil {
		out.DeliveryType, out.DeliveryTime = got.DeliveryInfo.DeliveryType, got.DeliveryInfo.DeliveryTime
	}
	// QBO has sent it: what it recorded is kept, so the page says so afterwards. A
	// failure to store it is logged, not answered: the e-mail went out.
	if err := s.store.RecordInvoiceDelivery(ctx, by.AccountID, inv.ID, out.EmailStatus, to, out.DeliveryType, out.DeliveryTime); err != nil {
		s.log.ErrorContext(ctx, "invoice sent but its delivery not stored", "invoice_id", inv.ID, "err", err)
	}
	return out, nil
}

// sendInvoiceInput is where to send an invoice ("" for its billing e-mail).
type sendInvoiceInput struct {
	SendTo string `json:"send_to"`
}

// sentJSON is how QuickBooks recorded an invoice it e-mailed.
type sentJSON struct {
	EmailStatus  string `json:"email_status"`
	SentTo       string `json:"sent_to"`
	DeliveryType string `json:"delivery_type,omitempty"`
	DeliveryTime string `json:"delivery_time,omitempty"`
}

// sanitizeFilename keeps an invoice number usable in a file name.
func sanitizeFilename(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '"' || r == '\\' || r == '/' || r < ' ' {
			r = '-'
		}
		out = append(out, r)
	}
	return string(out)
}

// emailJSON is how QuickBooks last e-mailed a synced invoice, from its EmailStatus,
// BillEmail and DeliveryInfo after the last sync, pull or send.
type emailJSON struct {
	// Status is QBO's EmailStatus: NotSet, NeedToSend or EmailSent.
	Status       string     `json:"status"`
	SentTo       string     `json:"sent_to,omitempty"`
	DeliveryType string     `json:"delivery_type,omitempty"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	// Words is it as a person reads it ("E-mailed by QuickBooks to a@b.test on Tue 3 Mar, 14:05").
	Words string `json:"words"`
}

// emailOf is the invoice's e-mail state; nil before QBO's figures are known.
func emailOf(t store.InvoiceTax, loc *time.Location) *emailJSON {
	if !t.QBOTotalsAt.Valid && t.QBOEmailStatus == "" {
		return nil
	}
	e := &emailJSON{Status: t.QBOEmailStatus, SentTo: t.QBOBillEmail, DeliveryType: t.QBODeliveryType}
	if e.Status == "" {
		e.Status = "NotSet"
	}
	switch e.Status {
	case "EmailSent":
		e.Words = "E-mailed by QuickBooks"
		if e.SentTo != "" {
			e.Words += " to " + e.SentTo
		}
		if t.QBODeliveredAt.Valid {
			at := t.QBODeliveredAt.Time
			e.DeliveredAt = &at
			e.Words += " on " + at.In(loc).Format("Mon 2 Jan 2006, 15:04")
		}
	case "NeedToSend":
		e.Words = "Marked in QuickBooks to be e-mailed, not sent yet"
	default:
		e.Words = "Not e-mailed from QuickBooks yet"
	}
	return e
}
