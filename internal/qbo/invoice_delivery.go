package qbo

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// InvoicePDF returns QBO's PDF of the invoice (NOTES §9.9): the invoice as QBO prints
// it, with QBO's tax, terms and balance. A fault comes back as JSON, like any other.
func InvoicePDF(ctx context.Context, c *Client, id string) ([]byte, error) {
	if id == "" {
		return nil, fmt.Errorf("qbo: invoice PDF: empty Id")
	}
	body, err := c.do(ctx, call{method: http.MethodGet, path: "/invoice/" + url.PathEscape(id) + "/pdf", entity: "Invoice", op: OpRead,
		accept: "application/pdf, application/json"})
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(body, []byte("%PDF-")) {
		return nil, fmt.Errorf("qbo: invoice PDF: the answer is not a PDF")
	}
	return body, nil
}

// SendInvoice has QBO e-mail the invoice (NOTES §9.10) to sendTo, or ("") to its
// BillEmail; QBO records EmailStatus "EmailSent" and DeliveryInfo, and answers the
// invoice. requestID makes a retry after a lost answer send it once.
func SendInvoice(ctx context.Context, c *Client, requestID, id, sendTo string) (Invoice, error) {
	var zero Invoice
	q := url.Values{}
	if sendTo != "" {
		q.Set("sendTo", sendTo)
	}
	body, err := c.do(ctx, call{method: http.MethodPost, path: "/invoice/" + url.PathEscape(id) + "/send", query: q,
		body: []byte{}, contentType: "application/octet-stream", entity: "Invoice", op: "send", requestID: requestID})
	if err != nil {
		return zero, err
	}
	return decodeEntity[Invoice](body, "send")
}
