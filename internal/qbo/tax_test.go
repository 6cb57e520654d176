package qbo_test

import (
	"encoding/json"
	"testing"

	"hoursync/internal/qbo"
)

func TestTaxEntitiesDecodeAsQBOWritesThem(t *testing.T) {
	var code qbo.TaxCode
	if err := json.Unmarshal([]byte(`{"Id":"6","Name":"GST/PST BC","Active":true,"Taxable":true,"TaxGroup":true,
		"SalesTaxRateList":{"TaxRateDetail":[{"TaxRateRef":{"value":"16","name":"GST"},"TaxTypeApplicable":"TaxOnAmount","TaxOrder":0},
		{"TaxRateRef":{"value":"17"},"TaxTypeApplicable":"TaxOnAmount","TaxOrder":1}]}}`), &code); err != nil {
		t.Fatal(err)
	}
	if len(code.SalesTaxRateList.TaxRateDetail) != 2 || code.SalesTaxRateList.TaxRateDetail[1].TaxRateRef.Value != "17" {
		t.Fatalf("code %+v", code)
	}
	var rate qbo.TaxRate
	if err := json.Unmarshal([]byte(`{"Id":"17","Name":"PST (BC)","RateValue":7,"Active":true}`), &rate); err != nil {
		t.Fatal(err)
	}
	if rate.RateValue == nil || rate.RateValue.String() != "7" {
		t.Fatalf("rate %+v", rate)
	}
	var inv qbo.Invoice
	if err := json.Unmarshal([]byte(`{"Id":"1","GlobalTaxCalculation":"TaxInclusive","CurrencyRef":{"value":"CAD"},"ExchangeRate":1,
		"TotalAmt":1.00,"HomeTotalAmt":1.00,"TxnTaxDetail":{"TxnTaxCodeRef":{"value":"2"},"TotalTax":0.17,
		"TaxLine":[{"Amount":0.17,"DetailType":"TaxLineDetail","TaxLineDetail":{"TaxRateRef":{"value":"12"},"PercentBased":true,
		"TaxPercent":20,"NetAmountTaxable":0.83,"TaxInclusiveAmount":1.00}}]},
		"Line":[{"Amount":0.83,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{"TaxCodeRef":{"value":"2"},"TaxInclusiveAmt":1.00}}]}`), &inv); err != nil {
		t.Fatal(err)
	}
	if inv.TxnTaxDetail.TotalTax.Cents() != 17 || inv.TxnTaxDetail.TaxLine[0].TaxLineDetail.NetAmountTaxable.Cents() != 83 ||
		inv.Line[0].SalesItemLineDetail.TaxInclusiveAmt.Cents() != 100 || inv.CurrencyRef.Value != "CAD" {
		t.Fatalf("invoice %+v", inv)
	}
}
