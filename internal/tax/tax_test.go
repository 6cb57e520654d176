package tax_test

import (
	"errors"
	"testing"

	"hoursync/internal/tax"
)

var (
	ukStandard = &tax.Code{QBOID: "2", Name: "20.0% S", Taxable: true, Rates: []tax.Rate{{QBOID: "12", Name: "20.0% S", Percent: "20"}}}
	ukZero     = &tax.Code{QBOID: "4", Name: "0.0% Z", Taxable: true, Rates: []tax.Rate{{QBOID: "14", Name: "0.0% Z", Percent: "0"}}}
	caHST      = &tax.Code{QBOID: "5", Name: "HST ON", Taxable: true, Rates: []tax.Rate{{QBOID: "15", Name: "HST (ON) 13%", Percent: "13"}}}
	caBC       = &tax.Code{QBOID: "6", Name: "GST/PST BC", Taxable: true, Rates: []tax.Rate{{QBOID: "16", Name: "GST 5%", Percent: "5"}, {QBOID: "17", Name: "PST (BC) 7%", Percent: "7"}}}
	usTAX      = &tax.Code{QBOID: "TAX", Name: "TAX", Taxable: true}
	usNON      = &tax.Code{QBOID: "NON", Name: "NON", Taxable: false}
	usCounty   = &tax.Code{QBOID: "7", Name: "Santa Clara County", Taxable: true, Rates: []tax.Rate{{QBOID: "21", Name: "CA state", Percent: "7.25"}, {QBOID: "22", Name: "Santa Clara", Percent: "1.875"}}}
)

func cents(n int64) *int64 { return &n }

func TestInvoiceTotalsInEveryModel(t *testing.T) {
	for _, tc := range []struct {
		name       string
		inv        tax.Invoice
		net        []int64
		tax, total int64
		taxes      []int64
		estimated  bool
	}{
		{name: "US without sales tax", inv: tax.Invoice{Model: tax.ModelNone, Lines: []tax.Line{{AmountCents: 118000}}},
			net: []int64{118000}, total: 118000, estimated: true},
		{name: "UK exclusive, standard and zero-rated lines",
			inv: tax.Invoice{Model: tax.ModelGlobal, Lines: []tax.Line{{AmountCents: 10000, Code: ukStandard}, {AmountCents: 5000, Code: ukZero}}},
			net: []int64{10000, 5000}, tax: 2000, total: 17000, taxes: []int64{2000, 0}, estimated: true},
		{name: "UK tax-inclusive price misses its gross by a cent, as in QBO",
			inv: tax.Invoice{Model: tax.ModelGlobal, Calculation: tax.Inclusive, Lines: []tax.Line{{AmountCents: 99, Code: ukStandard}}},
			net: []int64{83}, tax: 17, total: 100, taxes: []int64{17}, estimated: true},
		{name: "CA HST rounds half away from zero once per rate",
			inv: tax.Invoice{Model: tax.ModelGlobal, Lines: []tax.Line{{AmountCents: 12345, Code: caHST}, {AmountCents: 5, Code: caHST}}},
			net: []int64{12345, 5}, tax: 1606, total: 13956, taxes: []int64{1606}, estimated: true},
		{name: "CA two rates on one code",
			inv: tax.Invoice{Model: tax.ModelGlobal, Lines: []tax.Line{{AmountCents: 20000, Code: caBC}}},
			net: []int64{20000}, tax: 2400, total: 22400, taxes: []int64{1000, 1400}, estimated: true},
		{name: "global, tax not applicable",
			inv: tax.Invoice{Model: tax.ModelGlobal, Calculation: tax.NotApplicable, Lines: []tax.Line{{AmountCents: 20000, Code: caBC}}},
			net: []int64{20000}, total: 20000, estimated: true},
		{name: "US manual: TAX lines at the invoice code's rates, NON lines free",
			inv: tax.Invoice{Model: tax.ModelUSManual, TxnCode: usCounty, Lines: []tax.Line{{AmountCents: 10000, Code: usTAX}, {AmountCents: 5000, Code: usNON}}},
			net: []int64{10000, 5000}, tax: 913, total: 15913, taxes: []int64{725, 188}, estimated: true},
		{name: "US AST: QBO computes, nothing to estimate",
			inv: tax.Invoice{Model: tax.ModelUSAuto, Lines: []tax.Line{{AmountCents: 10000, Code: usTAX}}},
			net: []int64{10000}, total: 10000, estimated: false},
		{name: "US AST override is prorated over the rates, adding up",
			inv: tax.Invoice{Model: tax.ModelUSAuto, TxnCode: usCounty, OverrideCents: cents(1001), Lines: []tax.Line{{AmountCents: 10000, Code: usTAX}}},
			net: []int64{10000}, tax: 1001, total: 11001, taxes: []int64{795, 206}, estimated: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tax.Compute(tc.inv)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.NetCents) != len(tc.net) {
				t.Fatalf("nets %v, want %v", res.NetCents, tc.net)
			}
			for i := range tc.net {
				if res.NetCents[i] != tc.net[i] {
					t.Fatalf("nets %v, want %v", res.NetCents, tc.net)
				}
			}
			if res.TaxCents != tc.tax || res.TotalCents != tc.total || res.Estimated != tc.estimated {
				t.Fatalf("tax %d total %d estimated %v, want %d %d %v", res.TaxCents, res.TotalCents, res.Estimated, tc.tax, tc.total, tc.estimated)
			}
			if len(res.Taxes) != len(tc.taxes) {
				t.Fatalf("taxes %+v, want %v", res.Taxes, tc.taxes)
			}
			var sum int64
			for i, rt := range res.Taxes {
				if rt.TaxCents != tc.taxes[i] {
					t.Fatalf("taxes %+v, want %v", res.Taxes, tc.taxes)
				}
				sum += rt.TaxCents
			}
			if sum != res.TaxCents {
				t.Fatalf("tax lines add up to %d, not %d", sum, res.TaxCents)
			}
		})
	}
}

func TestGlobalLineWithoutCodeIsNamed(t *testing.T) {
	_, err := tax.Compute(tax.Invoice{Model: tax.ModelGlobal, Lines: []tax.Line{{AmountCents: 100, Code: ukStandard}, {AmountCents: 100}}})
	var missing *tax.MissingCodeError
	if !errors.As(err, &missing) || missing.Line != 1 {
		t.Fatalf("err = %v, want line 2 named", err)
	}
}

func TestManualTaxableLinesNeedTheInvoiceCode(t *testing.T) {
	_, err := tax.Compute(tax.Invoice{Model: tax.ModelUSManual, Lines: []tax.Line{{AmountCents: 100, Code: usTAX}}})
	if !errors.Is(err, tax.ErrNoRates) {
		t.Fatalf("err = %v", err)
	}
}
