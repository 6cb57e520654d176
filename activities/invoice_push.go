package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/workflows"
)

// PushInvoice creates, sparse-updates, deletes or voids the QBO Invoice with the
// invoice's requestid, and stores the link before completing. Before a create the
// invoice number is looked up, so a copy that reached QBO earlier is linked, not
// duplicated.
func (a *Activities) PushInvoice(ctx context.Context, in workflows.PushInvoiceInput) (workflows.Outcome, error) {
	op := in.Op
	outcome := workflows.Outcome{Object: workflows.ObjectRef{Type: workflows.ObjectInvoice, ID: op.InvoiceID}}
	r := run(ctx, workflows.KindInvoice)
	if op.Op == workflows.OpNone {
		outcome.Succeeded, outcome.Message = true, "Nothing to do in QuickBooks: it never reached it."
		return outcome, a.Store.RecordSyncSuccess(ctx, in.AccountID, store.ObjectInvoice, op.InvoiceID, store.SyncSuccess{
			RealmID: in.RealmID, SyncedVersion: op.Version, Message: outcome.Message}, r)
	}
	c, _, err := a.company(ctx, in.AccountID)
	if err != nil {
		return outcome, err
	}
	var got qbo.Invoice
	msg := ""
	switch op.Op {
	case workflows.OpCreate:
		got, msg, err = a.createInvoice(ctx, c, in, invoiceOf(op))
	case workflows.OpUpdate:
		got, msg, err = updateInvoice(ctx, c, in, invoiceOf(op))
	case workflows.OpDelete:
		err = qbo.Delete[qbo.Invoice](ctx, c, in.RequestID, op.QBOID, op.SyncToken)
		got, msg = qbo.Invoice{Header: qbo.Header{ID: op.QBOID, SyncToken: op.SyncToken}}, "Deleted in QuickBooks"
		if errors.Is(err, qbo.ErrNotFound) {
			err, msg = nil, "Already deleted in QuickBooks"
		}
	case workflows.OpVoid:
		got, err = qbo.Void[qbo.Invoice](ctx, c, in.RequestID, op.QBOID, op.SyncToken)
		msg = "Voided in QuickBooks"
	default:
		return outcome, permanent(workflows.ErrTypeValidation, "unknown invoice operation %q", op.Op)
	}
	if err != nil {
		perm := qboError(invoiceSubject(op), err)
		if typ, m := failureOf(perm); typ != "" {
			outcome.ErrorType, outcome.Message = typ, m
			// QBO answered (or Hoursync refused to send): the next write is a new request.
			return outcome, a.Store.RecordQBOFault(ctx, in.AccountID, store.ObjectInvoice, op.InvoiceID, typ, m, r)
		}
		return outcome, perm
	}
	if op.Op == workflows.OpCreate && got.DocNumber != "" && got.DocNumber != op.DocNumber {
		if err := a.Store.RenumberInvoiceFromQBO(ctx, in.AccountID, op.InvoiceID, got.DocNumber); err != nil {
			return outcome, err
		}
	}
	if op.Op == workflows.OpCreate || op.Op == workflows.OpUpdate {
		// QBO computed the totals: store them, and say where Hoursync's differ.
		note, err := a.recordInvoiceTotals(ctx, in, got)
		if err != nil {
			return outcome, err
		}
		if note != "" {
			msg += ". " + note
		}
	}
	outcome.Succeeded, outcome.Message = true, msg
	if (op.Op == workflows.OpCreate || op.Op == workflows.OpUpdate) && got.DueDate != "" {
		// QBO computed the due date from the term: show it as QBO has it.
		if err := a.Store.RecordQBOInvoiceTerms(ctx, in.AccountID, op.InvoiceID, in.RealmID, op.Version, got.SalesTermRef.ID(), got.DueDate); err != nil {
			return outcome, err
		}
	}
	return outcome, a.Store.RecordSyncSuccess(ctx, in.AccountID, store.ObjectInvoice, op.InvoiceID, store.SyncSuccess{
		RealmID: in.RealmID, QBOID: got.ID, SyncToken: got.SyncToken, SyncedVersion: op.Version,
		Deleted: op.Op == workflows.OpDelete, Message: msg}, r)
}

// maxRenumber bounds the search for a free invoice number in QBO.
const maxRenumber = 100

// createInvoice creates the QBO invoice under the invoice's number. A QBO invoice
// with that number is linked only when it is provably Hoursync's own: it carries the
// invoice's marker (a create whose answer was lost). Anyone else's is never touched:
// when Hoursync chose the number, the next number free in QBO is taken; when the
// person typed it, the sync fails naming the other invoice.
func (a *Activities) createInvoice(ctx context.Context, c *qbo.Client, in workflows.PushInvoiceInput, inv qbo.Invoice) (qbo.Invoice, string, error) {
	op := in.Op
	number := op.DocNumber
	var taken []string // numbers found on someone else's invoices
	for try := 0; try < maxRenumber; try++ {
		existing, found, err := invoiceNumbered(ctx, c, number)
		if err != nil {
			return qbo.Invoice{}, "", err
		}
		if found && op.Marker != "" && strings.Contains(existing.PrivateNote, op.Marker) {
			// Ours, from an attempt whose answer never arrived: bring it up to date.
			inv.ID, inv.SyncToken, inv.PrivateNote, inv.DocNumber = existing.ID, existing.SyncToken, "", existing.DocNumber
			inv.LinkedTxn = linksToSend(existing, op.LinkedTimeActivities)
			got, err := qbo.Update(ctx, c, workflows.RequestID(in.RequestID, "adopt", existing.SyncToken), inv)
			return got, "Found in QuickBooks (an earlier attempt had created it) and brought up to date", err
		}
		if !found {
			inv.DocNumber = number
			inv.PrivateNote = op.Marker
			requestID := in.RequestID
			if number != op.DocNumber {
				// A request of its own per number: QBO would answer a repeat of one that
				// met a taken number with that same fault.
				requestID = workflows.RequestID(in.RequestID, "number", number)
			}
			got, err := qbo.Create(ctx, c, requestID, inv)
			if isDuplicateDocNumber(err) {
				continue // taken in between: look again
			}
			if err != nil {
				return qbo.Invoice{}, "", err
			}
			if len(taken) > 0 {
				return got, fmt.Sprintf("Created in QuickBooks as number %s: number %s is used there by another invoice",
					got.DocNumber, strings.Join(taken, ", ")), nil
			}
			return got, "Created in QuickBooks", nil
		}
		if !op.NumberAuto {
			return qbo.Invoice{}, "", permanent(workflows.ErrTypeNumberTaken,
				"Number %s is already used in QuickBooks by an invoice to %s for %s; choose another number",
				number, orUnnamed(existing.CustomerName()), dollars(existing.TotalCents()))
		}
		taken = append(taken, number)
		if number, err = a.nextFreeNumber(ctx, in.AccountID, op.InvoiceID, number); err != nil {
			return qbo.Invoice{}, "", err
		}
	}
	return qbo.Invoice{}, "", permanent(workflows.ErrTypeNumberTaken,
		"Numbers from %s on are already used in QuickBooks; choose a number for this invoice", op.DocNumber)
}

// nextFreeNumber is the next number after n that no other Hoursync invoice of the
// account has (QBO is asked by the caller).
func (a *Activities) nextFreeNumber(ctx context.Context, accountID, invoiceID int64, n string) (string, error) {
	for {
		n = nextNumber(n)
		taken, err := a.Store.InvoiceNumberTaken(ctx, accountID, invoiceID, n)
		if err != nil || !taken {
			return n, err
		}
	}
}

// nextNumber counts up the trailing digits of an invoice number ("INV-0099" →
// "INV-0100", "7" → "8"); a number without them gets "-2".
func nextNumber(n string) string {
	i := len(n)
	for i > 0 && n[i-1] >= '0' && n[i-1] <= '9' {
		i--
	}
	if i == len(n) {
		return n + "-2"
	}
	digits := n[i:]
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return n + "-2"
	}
	next := strconv.FormatUint(v+1, 10)
	if len(next) < len(digits) {
		next = strings.Repeat("0", len(digits)-len(next)) + next
	}
	return n[:i] + next
}

// updateInvoice sparse-updates the QBO invoice with Hoursync's fields. It reads QBO's
// copy first: edits made in QBO since the last sync are overwritten only in the fields
// Hoursync owns (and the history says so), and the links QBO owns (payments) are sent
// back untouched when the linked time changes; otherwise LinkedTxn is not sent at all.
func updateInvoice(ctx context.Context, c *qbo.Client, in workflows.PushInvoiceInput, inv qbo.Invoice) (qbo.Invoice, string, error) {
	msg := "Updated in QuickBooks"
	requestID := in.RequestID
	for attempt := 0; ; attempt++ {
		current, err := qbo.Read[qbo.Invoice](ctx, c, in.Op.QBOID)
		if err != nil {
			return qbo.Invoice{}, "", err
		}
		if current.SyncToken != in.Op.SyncToken {
			// Edited in QBO since our last sync (or by an attempt whose answer was lost).
			msg = "QuickBooks had a newer copy (edited there since the last sync); Hoursync's version was applied on top of it"
			requestID = workflows.RequestID(in.RequestID, "reapply", current.SyncToken)
		}
		upd := inv
		upd.SyncToken = current.SyncToken
		upd.LinkedTxn = linksToSend(current, in.Op.LinkedTimeActivities)
		got, err := qbo.Update(ctx, c, requestID, upd)
		if errors.Is(err, qbo.ErrStale) && attempt == 0 {
			continue // changed between our read and our write: once more
		}
		return got, msg, err
	}
}

// invoiceOf is the QBO Invoice an invoice's write sends: every field Hoursync owns,
// its lines with exact quantities, and the TimeActivities it bills.
func invoiceOf(op workflows.InvoiceOp) qbo.Invoice {
	inv := qbo.Invoice{DocNumber: op.DocNumber, TxnDate: op.TxnDate, DueDate: op.DueDate, CustomerRef: ref(op.CustomerQBOID),
		SalesTermRef: ref(op.TermQBOID), LinkedTxn: timeLinks(op.LinkedTimeActivities)}
	if op.Memo != "" {
		inv.CustomerMemo = &qbo.MemoRef{Value: op.Memo}
	}
	for _, l := range op.Lines {
		num, den := l.QuantityMilli, int64(1000) // the exact quantity: minutes/60 or thousandths/1000
		if l.Minutes > 0 {
			num, den = l.Minutes, 60
		}
		qty, price := qbo.LineQtyPrice(qbo.Money(l.AmountCents), qbo.Money(l.RateCents), num, den)
		inv.Line = append(inv.Line, qbo.Line{Description: l.Description, Amount: qbo.Money(l.AmountCents),
			DetailType: qbo.DetailTypeSalesItem, SalesItemLineDetail: &qbo.SalesItemLineDetail{ItemRef: ref(l.ItemQBOID), Qty: &qty, UnitPrice: &price}})
	}
	applyInvoiceTax(&inv, op)
	inv.ID, inv.SyncToken = op.QBOID, op.SyncToken
	return inv
}

func timeLinks(ids []string) []qbo.LinkedTxn {
	var out []qbo.LinkedTxn
	for _, id := range ids {
		out = append(out, qbo.LinkedTxn{TxnID: id, TxnType: qbo.TxnTypeTimeActivity})
	}
	return out
}

// linksToSend is the LinkedTxn an update of current sends: none when it links the time
// already (QBO's links stay as they are), else the time with QBO's other links (a
// payment…) sent back as they were.
func linksToSend(current qbo.Invoice, timeActivities []string) []qbo.LinkedTxn {
	if slices.Equal(sorted(current.TimeActivityIDs()), sorted(timeActivities)) {
		return nil
	}
	links := timeLinks(timeActivities)
	if len(links) == 0 {
		return nil
	}
	return append(links, current.OtherLinks()...)
}

// invoiceNumbered finds the QBO invoice with the number, if there is one.
func invoiceNumbered(ctx context.Context, c *qbo.Client, number string) (qbo.Invoice, bool, error) {
	rows, err := qbo.QueryPage[qbo.Invoice](ctx, c, qbo.From[qbo.Invoice]().Where("DocNumber", qbo.Eq, number))
	if err != nil || len(rows) == 0 {
		return qbo.Invoice{}, false, err
	}
	return rows[0], true, nil
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func orUnnamed(name string) string {
	if name == "" {
		return "another customer"
	}
	return name
}

// dollars formats cents as QBO shows an amount in a US company ("$1,180.00").
func dollars(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return fmt.Sprintf("%s$%s.%02d", sign, whole, cents%100)
}
