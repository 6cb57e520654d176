package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"hoursync/workflows"
)

// maxRenumber bounds the search for a free invoice number in QBO.
const maxRenumber = 100

// createInvoice creates the QBO invoice under the invoice's number. A QBO invoice
// with that number is linked only when it is provably Hoursync's own: it carries the
// invoice's marker (a create whose answer was lost). Anyone else's is never touched:
// when Hoursync chose the number, the next number free in QBO is taken; when the
// person typed it, the sync fails naming the other invoice.
func (a *Activities) createInvoice(ctx context.Context, c Company, in workflows.PushInvoiceInput, inv QBOInvoice) (QBOInvoice, string, error) {
	op := in.Op
	number := op.DocNumber
	var taken []string // numbers found on someone else's invoices
	for try := 0; try < maxRenumber; try++ {
		existing, found, err := c.FindInvoiceByDocNumber(ctx, number)
		if err != nil {
			return QBOInvoice{}, "", err
		}
		if found && op.Marker != "" && strings.Contains(existing.PrivateNote, op.Marker) {
			// Ours, from an attempt whose answer never arrived: bring it up to date.
			inv.ID, inv.SyncToken, inv.PrivateNote, inv.DocNumber = existing.ID, existing.SyncToken, "", existing.DocNumber
			if !slices.Equal(sorted(existing.LinkedTimeActivities), sorted(inv.LinkedTimeActivities)) {
				inv.OtherLinks = existing.OtherLinks
			} else {
				inv.LinkedTimeActivities = nil
			}
			got, err := c.UpdateInvoice(ctx, workflows.RequestID(in.RequestID, "adopt", existing.SyncToken), inv)
			return got, "Found in QuickBooks (an earlier attempt had created it) and brought up to date", err
		}
		if !found {
			inv.DocNumber = number
			requestID := in.RequestID
			if number != op.DocNumber {
				// A request of its own per number: QBO would answer a repeat of one that
				// met a taken number with that same fault.
				requestID = workflows.RequestID(in.RequestID, "number", number)
			}
			got, err := c.CreateInvoice(ctx, requestID, inv)
			var dup *DuplicateDocNumberError
			if errors.As(err, &dup) {
				continue // taken in between: look again
			}
			if err != nil {
				return QBOInvoice{}, "", err
			}
			if len(taken) > 0 {
				return got, fmt.Sprintf("Created in QuickBooks as number %s: number %s is used there by another invoice",
					got.DocNumber, strings.Join(taken, ", ")), nil
			}
			return got, "Created in QuickBooks", nil
		}
		if !op.NumberAuto {
			return QBOInvoice{}, "", permanent(workflows.ErrTypeNumberTaken,
				"Number %s is already used in QuickBooks by an invoice to %s for %s; choose another number",
				number, orUnnamed(existing.CustomerName), dollars(existing.TotalCents))
		}
		taken = append(taken, number)
		if number, err = a.nextFreeNumber(ctx, in.AccountID, op.InvoiceID, number); err != nil {
			return QBOInvoice{}, "", err
		}
	}
	return QBOInvoice{}, "", permanent(workflows.ErrTypeNumberTaken,
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
func updateInvoice(ctx context.Context, c Company, in workflows.PushInvoiceInput, inv QBOInvoice) (QBOInvoice, string, error) {
	msg := "Updated in QuickBooks"
	requestID := in.RequestID
	for attempt := 0; ; attempt++ {
		current, err := c.GetInvoice(ctx, in.Op.QBOID)
		if err != nil {
			return QBOInvoice{}, "", err
		}
		if current.SyncToken != in.Op.SyncToken {
			// Edited in QBO since our last sync (or by an attempt whose answer was lost).
			msg = "QuickBooks had a newer copy (edited there since the last sync); Hoursync's version was applied on top of it"
			requestID = workflows.RequestID(in.RequestID, "reapply", current.SyncToken)
		}
		upd := inv
		upd.SyncToken = current.SyncToken
		if slices.Equal(sorted(current.LinkedTimeActivities), sorted(inv.LinkedTimeActivities)) {
			upd.LinkedTimeActivities = nil
		} else {
			upd.OtherLinks = current.OtherLinks
		}
		got, err := c.UpdateInvoice(ctx, requestID, upd)
		if errors.Is(err, ErrStale) && attempt == 0 {
			continue // changed between our read and our write: once more
		}
		return got, msg, err
	}
}

// invoiceError words an invoice's failure for the person who made it.
func invoiceError(op workflows.InvoiceOp, err error) error {
	var gone *GoneError
	switch {
	case errors.As(err, &gone) && gone.Field != "":
		return permanent(workflows.ErrTypeInactiveInQBO,
			"Invoice %s uses a customer or service that is inactive in QuickBooks (%s): make it active there, or change the invoice", op.DocNumber, gone.Field)
	case errors.Is(err, ErrGone):
		return permanent(workflows.ErrTypeDeletedInQBO, "Invoice %s was deleted in QuickBooks; Hoursync does not recreate it on its own", op.DocNumber)
	}
	var dup *DuplicateDocNumberError
	if errors.As(err, &dup) {
		return permanent(workflows.ErrTypeNumberTaken, "Number %s is already used in QuickBooks by another invoice; choose another number", op.DocNumber)
	}
	return err
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
