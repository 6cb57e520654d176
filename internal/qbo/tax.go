package qbo

// Sales tax and currency entities (NOTES §9).

// TxnTaxDetail is a transaction's tax: the code it was computed with, the total and a
// line per rate. Sent with TotalTax only, it is an override (US).
type TxnTaxDetail struct {
	TxnTaxCodeRef *Ref      `json:"TxnTaxCodeRef,omitempty"`
	TotalTax      *Money    `json:"TotalTax,omitempty"`
	TaxLine       []TaxLine `json:"TaxLine,omitempty"`
}

// TaxLine is the tax of one rate.
type TaxLine struct {
	Amount        Money          `json:"Amount"`
	DetailType    string         `json:"DetailType"`
	TaxLineDetail *TaxLineDetail `json:"TaxLineDetail,omitempty"`
}

// TaxLineDetail says which rate, on what.
type TaxLineDetail struct {
	TaxRateRef          *Ref      `json:"TaxRateRef,omitempty"`
	PercentBased        *bool     `json:"PercentBased,omitempty"`
	TaxPercent          *Decimal7 `json:"TaxPercent,omitempty"`
	NetAmountTaxable    *Money    `json:"NetAmountTaxable,omitempty"`
	TaxInclusiveAmount  *Money    `json:"TaxInclusiveAmount,omitempty"`
	OverrideDeltaAmount *Money    `json:"OverrideDeltaAmount,omitempty"`
}

// GlobalTaxCalculation values (non-US companies).
const (
	TaxExcluded      = "TaxExcluded"
	TaxInclusive     = "TaxInclusive"
	TaxNotApplicable = "NotApplicable"
)

// TaxCode is a sales tax code: in the US "TAX" and "NON" (and AST's codes), elsewhere
// a code per line (GST, "20.0% S"…) whose SalesTaxRateList names its rates.
type TaxCode struct {
	Header
	Name             string       `json:"Name,omitempty"`
	Description      string       `json:"Description,omitempty"`
	Active           *bool        `json:"Active,omitempty"`
	Taxable          *bool        `json:"Taxable,omitempty"`
	TaxGroup         *bool        `json:"TaxGroup,omitempty"`
	SalesTaxRateList *TaxRateList `json:"SalesTaxRateList,omitempty"`
}

// EntityName implements Entity.
func (TaxCode) EntityName() string { return "TaxCode" }

// TaxRateList lists a code's rates.
type TaxRateList struct {
	TaxRateDetail []TaxRateDetail `json:"TaxRateDetail,omitempty"`
}

// TaxRateDetail is one rate of a code.
type TaxRateDetail struct {
	TaxRateRef        *Ref   `json:"TaxRateRef,omitempty"`
	TaxTypeApplicable string `json:"TaxTypeApplicable,omitempty"`
	TaxOrder          int    `json:"TaxOrder,omitempty"`
}

// TaxRate is one rate, in percent as QBO writes it (8.5, not 0.085).
type TaxRate struct {
	Header
	Name        string    `json:"Name,omitempty"`
	Description string    `json:"Description,omitempty"`
	Active      *bool     `json:"Active,omitempty"`
	RateValue   *Decimal7 `json:"RateValue,omitempty"`
	AgencyRef   *Ref      `json:"AgencyRef,omitempty"`
}

// EntityName implements Entity.
func (TaxRate) EntityName() string { return "TaxRate" }

// TaxPrefs is the part of Preferences about sales tax.
type TaxPrefs struct {
	UsingSalesTax     *bool `json:"UsingSalesTax,omitempty"`
	PartnerTaxEnabled *bool `json:"PartnerTaxEnabled,omitempty"`
	TaxGroupCodeRef   *Ref  `json:"TaxGroupCodeRef,omitempty"`
}

// CurrencyPrefs is the part of Preferences about currencies.
type CurrencyPrefs struct {
	MultiCurrencyEnabled *bool `json:"MultiCurrencyEnabled,omitempty"`
	HomeCurrency         *Ref  `json:"HomeCurrency,omitempty"`
}

// DeliveryInfo is how and when an invoice was sent from QBO.
type DeliveryInfo struct {
	DeliveryType string `json:"DeliveryType,omitempty"`
	DeliveryTime string `json:"DeliveryTime,omitempty"`
}
