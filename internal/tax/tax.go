// Package tax computes an invoice's sales tax the way QuickBooks Online does, so a
// person sees the subtotal, tax by rate and total before the invoice is synced; after
// the sync Hoursync shows QBO's own figures and any difference between the two.
//
// The models (NOTES §9): a US company without sales tax; US with Automated Sales Tax
// (QBO picks the rates from the addresses, so Hoursync cannot compute them: only an
// override amount is known before the sync); US manual sales tax (lines TAX or NON, the
// invoice's code gives the rates); and the global model of CA, UK, AU… (a tax code on
// every line, amounts tax-exclusive, tax-inclusive or tax not applicable).
//
// Amounts are cents. Tax is computed per rate on the sum of the nets that rate applies
// to, rounded half away from zero to the cent once; a tax-inclusive price's net is the
// gross divided by one plus the line code's rates, rounded the same way — so net plus
// tax can miss the gross by a cent, as it does in QBO.
package tax

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Model is how a company charges sales tax.
type Model string

// The models.
const (
	ModelNone     Model = "none"      // US, sales tax off
	ModelUSAuto   Model = "us_ast"    // US, Automated Sales Tax
	ModelUSManual Model = "us_manual" // US, legacy sales tax
	ModelGlobal   Model = "global"    // CA, UK, AU…: a code on every line
)

// Calculation is GlobalTaxCalculation: how line amounts relate to tax (global model).
type Calculation string

// The calculations; "" means Excluded.
const (
	Excluded      Calculation = "TaxExcluded"
	Inclusive     Calculation = "TaxInclusive"
	NotApplicable Calculation = "NotApplicable"
)

// Rate is a TaxRate: Percent is written as QBO writes it ("8.5", "20").
type Rate struct {
	QBOID, Name, Percent string
}

// Code is a TaxCode with its sales rates. In the US models "TAX" and "NON" are codes
// too (their rates are the invoice's code's, or none).
type Code struct {
	QBOID, Name string
	Taxable     bool
	Rates       []Rate
}

// Line is one sales line: its amount as the person entered it (tax-exclusive, or with
// Inclusive the price including tax) and its code (nil: none given).
type Line struct {
	AmountCents int64
	Code        *Code
}

// Invoice is what the computation needs of an invoice.
type Invoice struct {
	Model       Model
	Calculation Calculation
	Lines       []Line
	// TxnCode is the invoice's code (US manual: the rates of its TAX lines).
	TxnCode *Code
	// OverrideCents, when set, is a total tax the person typed (US: QBO honours it
	// and prorates it over the code's rates).
	OverrideCents *int64
}

// RateTax is the tax of one rate.
type RateTax struct {
	Rate           Rate
	NetTaxableCent int64
	TaxCents       int64
}

// Result is the invoice's totals.
type Result struct {
	// NetCents is each line's tax-exclusive amount, in the order of the lines.
	NetCents      []int64
	SubtotalCents int64
	Taxes         []RateTax
	TaxCents      int64
	TotalCents    int64
	// Estimated is false when QBO decides the tax and Hoursync cannot know it before
	// the sync (Automated Sales Tax without an override): TaxCents is then 0.
	Estimated bool
}

// MissingCodeError names the line (0-based) that needs a tax code.
type MissingCodeError struct{ Line int }

func (e *MissingCodeError) Error() string {
	return fmt.Sprintf("line %d needs a tax code: QuickBooks refuses an invoice with a line without one", e.Line+1)
}

// ErrNoRates is a manual-model invoice with taxable lines and no code to take rates from.
var ErrNoRates = errors.New("tax: taxable lines but no sales tax code for the invoice")

var hundred = big.NewRat(100, 1)

// Compute works out the invoice's totals.
func Compute(inv Invoice) (Result, error) {
	res := Result{NetCents: make([]int64, len(inv.Lines)), Estimated: true}
	switch inv.Model {
	case ModelGlobal:
		return global(inv, res)
	case ModelUSManual, ModelUSAuto:
		return us(inv, res)
	}
	for i, l := range inv.Lines {
		res.NetCents[i] = l.AmountCents
		res.SubtotalCents += l.AmountCents
	}
	res.TotalCents = res.SubtotalCents
	return res, nil
}

func us(inv Invoice, res Result) (Result, error) {
	var taxable int64
	for i, l := range inv.Lines {
		res.NetCents[i] = l.AmountCents
		res.SubtotalCents += l.AmountCents
		if l.Code == nil || l.Code.Taxable {
			taxable += l.AmountCents
		}
	}
	var rates []Rate
	if inv.TxnCode != nil {
		rates = inv.TxnCode.Rates
	}
	switch {
	case inv.OverrideCents != nil:
		res.TaxCents = *inv.OverrideCents
		res.Taxes = prorated(*inv.OverrideCents, taxable, rates)
	case inv.Model == ModelUSAuto:
		res.Estimated = false // QBO's engine decides
	case taxable > 0 && len(rates) == 0:
		return res, ErrNoRates
	default:
		for _, r := range rates {
			t := taxOn(taxable, r.Percent)
			res.Taxes = append(res.Taxes, RateTax{Rate: r, NetTaxableCent: taxable, TaxCents: t})
			res.TaxCents += t
		}
	}
	res.TotalCents = res.SubtotalCents + res.TaxCents
	return res, nil
}

func global(inv Invoice, res Result) (Result, error) {
	type acc struct {
		rate Rate
		net  int64
	}
	var order []string
	byRate := map[string]*acc{}
	for i, l := range inv.Lines {
		if l.Code == nil || l.Code.QBOID == "" {
			return res, &MissingCodeError{Line: i}
		}
		net := l.AmountCents
		if inv.Calculation == Inclusive {
			sum := new(big.Rat)
			for _, r := range l.Code.Rates {
				sum.Add(sum, percent(r.Percent))
			}
			div := new(big.Rat).Add(big.NewRat(1, 1), new(big.Rat).Quo(sum, hundred))
			net = round(new(big.Rat).Quo(big.NewRat(l.AmountCents, 1), div))
		}
		res.NetCents[i] = net
		res.SubtotalCents += net
		for _, r := range l.Code.Rates {
			a := byRate[r.QBOID]
			if a == nil {
				a = &acc{rate: r}
				byRate[r.QBOID] = a
				order = append(order, r.QBOID)
			}
			a.net += net
		}
	}
	if inv.Calculation != NotApplicable {
		for _, id := range order {
			a := byRate[id]
			t := taxOn(a.net, a.rate.Percent)
			res.Taxes = append(res.Taxes, RateTax{Rate: a.rate, NetTaxableCent: a.net, TaxCents: t})
			res.TaxCents += t
		}
	}
	res.TotalCents = res.SubtotalCents + res.TaxCents
	return res, nil
}

// prorated splits an override over the rates in proportion to them, by largest
// remainder (the shares add up to the override).
func prorated(total, taxable int64, rates []Rate) []RateTax {
	if len(rates) == 0 {
		return nil
	}
	sum := new(big.Rat)
	for _, r := range rates {
		sum.Add(sum, percent(r.Percent))
	}
	out := make([]RateTax, len(rates))
	if sum.Sign() == 0 {
		out[0] = RateTax{Rate: rates[0], NetTaxableCent: taxable, TaxCents: total}
		return out
	}
	type rem struct {
		i    int
		frac *big.Rat
	}
	var given int64
	rems := make([]rem, len(rates))
	for i, r := range rates {
		share := new(big.Rat).Mul(big.NewRat(total, 1), new(big.Rat).Quo(percent(r.Percent), sum))
		floor := new(big.Int).Quo(share.Num(), share.Denom())
		out[i] = RateTax{Rate: r, NetTaxableCent: taxable, TaxCents: floor.Int64()}
		given += floor.Int64()
		rems[i] = rem{i, new(big.Rat).Sub(share, new(big.Rat).SetInt(floor))}
	}
	for left := total - given; left > 0; left-- {
		best := -1
		for j, r := range rems {
			if r.frac == nil {
				continue
			}
			if best < 0 || r.frac.Cmp(rems[best].frac) > 0 {
				best = j
			}
		}
		out[rems[best].i].TaxCents++
		rems[best].frac = nil
	}
	return out
}

// percent parses a rate as QBO writes it; a malformed one counts as 0.
func percent(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return new(big.Rat)
	}
	return r
}

// taxOn is the tax at the rate on net cents, rounded half away from zero.
func taxOn(net int64, rate string) int64 {
	x := new(big.Rat).Mul(big.NewRat(net, 1), percent(rate))
	return round(x.Quo(x, hundred))
}

// round rounds half away from zero to a whole number of cents.
func round(x *big.Rat) int64 {
	num, den := new(big.Int).Set(x.Num()), x.Denom()
	neg := num.Sign() < 0
	if neg {
		num.Neg(num)
	}
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(r, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q.Int64()
}
