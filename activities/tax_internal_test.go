package activities

import (
	"testing"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/workflows"
)

func TestCompanyPrefsOfEveryKind(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		country        string
		using, partner *bool
		want           string
	}{
		{"US", &no, &no, store.TaxModelNone},
		{"US", nil, nil, store.TaxModelNone},
		{"US", &yes, &yes, store.TaxModelUSAuto},
		{"US", &yes, &no, store.TaxModelUSManual},
		{"", &yes, nil, store.TaxModelUSManual},
		{"CA", &yes, &no, store.TaxModelGlobal},
		{"GB", &yes, nil, store.TaxModelGlobal},
		{"AU", &no, nil, store.TaxModelNone},
	}
	for _, c := range cases {
		p := companyPrefsOf(qbo.CompanyInfo{Country: c.country},
			qbo.Preferences{TaxPrefs: &qbo.TaxPrefs{UsingSalesTax: c.using, PartnerTaxEnabled: c.partner}})
		if p.TaxModel != c.want {
			t.Errorf("%s using %v partner %v: %s, want %s", c.country, c.using, c.partner, p.TaxModel, c.want)
		}
	}
	p := companyPrefsOf(qbo.CompanyInfo{Country: "CA"}, qbo.Preferences{CurrencyPrefs: &qbo.CurrencyPrefs{
		MultiCurrencyEnabled: &yes, HomeCurrency: &qbo.Ref{Value: "cad"}}})
	if p.HomeCurrency != "CAD" || !p.MultiCurrency {
		t.Fatalf("currency prefs %+v", p)
	}
}

func TestInvoiceOfCarriesTaxAndCurrency(t *testing.T) {
	net := int64(10000)
	op := workflows.InvoiceOp{CustomerQBOID: "7", Lines: []workflows.InvoiceLineOp{
		{ItemQBOID: "3", QuantityMilli: 1000, RateCents: 12000, AmountCents: 12000, TaxCodeQBOID: "2", NetCents: &net},
		{ItemQBOID: "4", QuantityMilli: 2000, RateCents: 500, AmountCents: 1000, TaxCodeQBOID: "5"},
	}, Tax: &workflows.InvoiceTaxOp{Model: store.TaxModelGlobal, Calculation: qbo.TaxInclusive, Currency: "USD", MultiCurrency: true}}
	inv := invoiceOf(op)
	if inv.GlobalTaxCalculation != qbo.TaxInclusive || inv.CurrencyRef == nil || inv.CurrencyRef.Value != "USD" || inv.TxnTaxDetail != nil {
		t.Fatalf("header %+v", inv)
	}
	l0, l1 := inv.Line[0], inv.Line[1]
	d0 := l0.SalesItemLineDetail
	if l0.Amount != 10000 || d0.TaxInclusiveAmt == nil || *d0.TaxInclusiveAmt != 12000 || d0.TaxCodeRef.Value != "2" ||
		!qbo.QtyPasses(*d0.Qty, *d0.UnitPrice, l0.Amount) {
		t.Fatalf("inclusive line %+v %+v", l0, d0)
	}
	if l1.Amount != 1000 || l1.SalesItemLineDetail.TaxCodeRef.Value != "5" || l1.SalesItemLineDetail.TaxInclusiveAmt != nil {
		t.Fatalf("line %+v", l1)
	}

	// US: the invoice's code and an override go in TxnTaxDetail; no CurrencyRef
	// without multicurrency, no GlobalTaxCalculation.
	override := int64(1234)
	op.Lines[0].NetCents = nil
	op.Tax = &workflows.InvoiceTaxOp{Model: store.TaxModelUSManual, TxnTaxCodeQBOID: "9", OverrideCents: &override, Currency: "USD"}
	inv = invoiceOf(op)
	if inv.GlobalTaxCalculation != "" || inv.CurrencyRef != nil || inv.TxnTaxDetail == nil || inv.TxnTaxDetail.TxnTaxCodeRef.Value != "9" ||
		*inv.TxnTaxDetail.TotalTax != 1234 {
		t.Fatalf("US header %+v %+v", inv, inv.TxnTaxDetail)
	}
}

func TestMoneyInTheInvoiceCurrency(t *testing.T) {
	for cur, want := range map[string]string{"USD": "$1,180.00", "GBP": "£1,180.00", "EUR": "€1,180.00", "CHF": "CHF 1,180.00", "": "$1,180.00"} {
		if got := money(cur, 118000); got != want {
			t.Errorf("%s: %s, want %s", cur, got, want)
		}
	}
}
