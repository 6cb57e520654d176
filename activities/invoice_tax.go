package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/internal/tax"
	"hoursync/workflows"
)

// Sales tax and currency of an invoice's write (NOTES §9): each line's TaxCodeRef, the
// invoice's GlobalTaxCalculation (global model), TxnTaxDetail (US: the invoice's code
// and an override), CurrencyRef (multicurrency); after the write QBO's own figures are
// stored and any difference from Hoursync's is said in the sync history.

// prepareInvoiceTax fixes the tax of the invoice's write in op: the code of each line
// (its own, its service's, else in the US TAX/NON), the invoice's choices and
// Hoursync's own totals. In the global model a line without a valid code is refused
// here, naming it: nothing is sent (QBO would refuse the whole invoice).
func (a *Activities) prepareInvoiceTax(ctx context.Context, in workflows.PrepareInvoiceInput, inv store.Invoice, op *workflows.InvoiceOp) error {
	comp, err := a.Store.ComputeInvoiceTax(ctx, in.AccountID, in.RealmID, inv)
	if err != nil {
		return err
	}
	var missing *tax.MissingCodeError
	if errors.As(comp.Err, &missing) {
		return permanent(workflows.ErrTypeTaxCodeMissing, "%s needs a tax code: QuickBooks refuses an invoice with a line without one in this company",
			a.lineName(ctx, in.AccountID, inv, missing.Line))
	}
	model := comp.Prefs.TaxModel
	t := &workflows.InvoiceTaxOp{Model: model, Currency: comp.Currency, MultiCurrency: comp.Prefs.MultiCurrency,
		TotalCents: comp.Result.TotalCents, TaxCents: comp.Result.TaxCents, Known: comp.Result.Estimated}
	switch model {
	case store.TaxModelGlobal:
		t.Calculation = comp.Tax.Calculation
		if t.Calculation == "" {
			t.Calculation = qbo.TaxExcluded
		}
	case store.TaxModelUSAuto, store.TaxModelUSManual:
		t.TxnTaxCodeQBOID = comp.TxnCode
		if comp.Tax.OverrideCents.Valid {
			v := comp.Tax.OverrideCents.Int64
			t.OverrideCents = &v
		}
	}
	if model != store.TaxModelNone {
		for i := range op.Lines {
			if i < len(comp.LineCodes) {
				op.Lines[i].TaxCodeQBOID = comp.LineCodes[i]
			}
			if t.Calculation == qbo.TaxInclusive && i < len(comp.Result.NetCents) {
				net := comp.Result.NetCents[i]
				op.Lines[i].NetCents = &net
			}
		}
	}
	op.Tax = t
	return nil
}

// lineName is "Line 2 (Design)": the line's position and its description, else its
// service's name.
func (a *Activities) lineName(ctx context.Context, accountID int64, inv store.Invoice, i int) string {
	name := fmt.Sprintf("Line %d", i+1)
	if i >= len(inv.Lines) {
		return name
	}
	what := strings.TrimSpace(inv.Lines[i].Description)
	if what == "" {
		if sv, err := a.Store.GetService(ctx, accountID, inv.Lines[i].ServiceID); err == nil {
			what = sv.Name
		}
	}
	if what == "" {
		return name
	}
	return fmt.Sprintf("%s (%s)", name, what)
}

// applyInvoiceTax adds the write's tax and currency to the QBO invoice invoiceOf
// built (its lines in the order of op's).
func applyInvoiceTax(inv *qbo.Invoice, op workflows.InvoiceOp) {
	t := op.Tax
	if t == nil {
		return
	}
	for i := range inv.Line {
		if i >= len(op.Lines) || inv.Line[i].SalesItemLineDetail == nil {
			continue
		}
		l, d := op.Lines[i], inv.Line[i].SalesItemLineDetail
		d.TaxCodeRef = ref(l.TaxCodeQBOID)
		if l.NetCents != nil {
			// Tax inclusive: Amount is the net, TaxInclusiveAmt the price with tax; the
			// quantity stays when a net unit price gives the net exactly.
			gross, net := qbo.Money(l.AmountCents), qbo.Money(*l.NetCents)
			num, den := l.QuantityMilli, int64(1000)
			if l.Minutes > 0 {
				num, den = l.Minutes, 60
			}
			netRate := qbo.Money(l.RateCents)
			if l.AmountCents != 0 {
				netRate = qbo.Money((l.RateCents**l.NetCents*2 + l.AmountCents) / (2 * l.AmountCents))
			}
			qty, price := qbo.LineQtyPrice(net, netRate, num, den)
			inv.Line[i].Amount, d.Qty, d.UnitPrice, d.TaxInclusiveAmt = net, &qty, &price, &gross
		}
	}
	switch t.Model {
	case store.TaxModelGlobal:
		inv.GlobalTaxCalculation = t.Calculation
	case store.TaxModelUSAuto, store.TaxModelUSManual:
		if t.TxnTaxCodeQBOID != "" || t.OverrideCents != nil {
			d := &qbo.TxnTaxDetail{TxnTaxCodeRef: ref(t.TxnTaxCodeQBOID)}
			if t.OverrideCents != nil {
				total := qbo.Money(*t.OverrideCents)
				d.TotalTax = &total
			}
			inv.TxnTaxDetail = d
		}
	}
	if t.MultiCurrency && t.Currency != "" {
		inv.CurrencyRef = &qbo.Ref{Value: t.Currency}
	}
}

// recordInvoiceTotals stores QBO's figures of the invoice it answered with, and says
// how they compare with Hoursync's ("" when they agree).
func (a *Activities) recordInvoiceTotals(ctx context.Context, in workflows.PushInvoiceInput, got qbo.Invoice) (string, error) {
	t := qboTotalsOf(got)
	if err := a.Store.RecordQBOInvoiceTotals(ctx, in.AccountID, in.Op.InvoiceID, t); err != nil {
		return "", err
	}
	op := in.Op
	currency := ""
	if got.CurrencyRef != nil {
		currency = got.CurrencyRef.Value
	} else if op.Tax != nil {
		currency = op.Tax.Currency
	}
	if op.Tax == nil {
		return "", nil
	}
	if !op.Tax.Known {
		return fmt.Sprintf("QuickBooks computed the sales tax as %s (Automated Sales Tax) and the total as %s",
			money(currency, t.TaxCents), money(currency, t.TotalCents)), nil
	}
	if t.TotalCents != op.Tax.TotalCents {
		return fmt.Sprintf("QuickBooks computed the total as %s; Hoursync had %s (tax %s in QuickBooks, %s in Hoursync)",
			money(currency, t.TotalCents), money(currency, op.Tax.TotalCents), money(currency, t.TaxCents), money(currency, op.Tax.TaxCents)), nil
	}
	return "", nil
}

// money formats cents in the currency ("$1,180.00", "£12.00", "CHF 3.50").
func money(currency string, cents int64) string {
	s := dollars(cents)
	switch strings.ToUpper(currency) {
	case "", "USD", "CAD", "AUD", "NZD", "MXN", "HKD", "SGD":
		return s
	case "GBP":
		return strings.Replace(s, "$", "£", 1)
	case "EUR":
		return strings.Replace(s, "$", "€", 1)
	default:
		return strings.ToUpper(currency) + " " + strings.Replace(s, "$", "", 1)
	}
}
