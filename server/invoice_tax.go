package server

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hoursync/internal/store"
	"hoursync/internal/tax"
)

// Sales tax and currency of invoices (issue 18, NOTES §9): the choices an invoice
// carries (a tax code per line, GlobalTaxCalculation, the US invoice code and override,
// the currency), Hoursync's computation of its tax (package tax), QBO's own figures
// after a sync, and the company's tax codes.

// invoiceTaxInput is the tax part of an invoice body.
type invoiceTaxInput struct {
	// TaxCalculation is GlobalTaxCalculation: TaxExcluded (the default), TaxInclusive
	// or NotApplicable (companies outside the US).
	TaxCalculation string `json:"tax_calculation"`
	// TaxCode is the invoice's sales tax code (US manual sales tax; default the
	// customer's), a QBO TaxCode id from GET /tax-codes.
	TaxCode string `json:"tax_code"`
	// TaxOverrideCents is a total tax to charge instead of QBO's computation (US).
	TaxOverrideCents *int64 `json:"tax_override_cents"`
	// Currency is the invoice's ISO 4217 currency; default the customer's.
	Currency string `json:"currency"`
}

// lineTaxInput is the tax part of an invoice line.
type lineTaxInput struct {
	// TaxCode is the line's QBO TaxCode id (GET /tax-codes; in the US TAX or NON);
	// default the service's.
	TaxCode string `json:"tax_code"`
}

const maxTaxOverrideCents = 100_000_000_000

// apply checks the tax fields and copies them into in.
func (t invoiceTaxInput) apply(p *problems, in *store.InvoiceInput) {
	switch t.TaxCalculation {
	case "", string(tax.Excluded), string(tax.Inclusive), string(tax.NotApplicable):
	default:
		p.add(invalid("tax_calculation", "tax_calculation is TaxExcluded, TaxInclusive or NotApplicable"))
	}
	p.add(checkText("tax_code", t.TaxCode, 0, 100, "a tax code"))
	if t.TaxOverrideCents != nil && (*t.TaxOverrideCents < 0 || *t.TaxOverrideCents > maxTaxOverrideCents) {
		p.add(invalid("tax_override_cents", "the tax override is an amount in cents, zero or more"))
	}
	cur := strings.ToUpper(strings.TrimSpace(t.Currency))
	if cur != "" && (len(cur) != 3 || strings.Trim(cur, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		p.add(invalid("currency", "the currency is a three-letter ISO 4217 code such as USD"))
	}
	in.TaxCalculation, in.TaxCode, in.TaxOverrideCents, in.Currency = t.TaxCalculation, strings.TrimSpace(t.TaxCode), t.TaxOverrideCents, cur
}

// checkInvoiceTax checks an invoice's tax choices against the company's imported codes
// and preferences: an unknown code is refused on its field (lines[i].tax_code).
func (a *app) checkInvoiceTax(ctx context.Context, accountID int64, in store.InvoiceInput) error {
	realm := a.termsRealm(ctx, accountID)
	prefs, err := a.store.GetCompanyPrefs(ctx, accountID, realm)
	if err != nil {
		return err
	}
	codes, err := a.store.ListTaxCodes(ctx, accountID, realm)
	if err != nil {
		return err
	}
	byID := make(map[string]store.TaxCode, len(codes))
	for _, c := range codes {
		byID[c.QBOID] = c
	}
	us := prefs.TaxModel == store.TaxModelUSAuto || prefs.TaxModel == store.TaxModelUSManual || prefs.TaxModel == store.TaxModelNone
	var p problems
	for i, l := range in.Lines {
		if l.TaxCode == "" {
			continue
		}
		if _, ok := byID[l.TaxCode]; ok || (us && (l.TaxCode == store.TaxCodeTaxable || l.TaxCode == store.TaxCodeNonTaxable)) {
			continue
		}
		p.add(onLine(i, "tax_code", invalid("", "no tax code %q was imported from QuickBooks; choose one from the list", l.TaxCode)))
	}
	if in.TaxCode != "" {
		if c, ok := byID[in.TaxCode]; !ok || in.TaxCode == store.TaxCodeTaxable || in.TaxCode == store.TaxCodeNonTaxable {
			p.add(invalid("tax_code", "no sales tax code %q was imported from QuickBooks; choose one from the list", in.TaxCode))
		} else if !c.Active {
			p.add(invalid("tax_code", "the tax code %q is inactive in QuickBooks; choose another", c.Name))
		}
	}
	if in.TaxCalculation == string(tax.Inclusive) && prefs.TaxModel != store.TaxModelGlobal {
		p.add(invalid("tax_calculation", "amounts including tax are for companies outside the US; QuickBooks refuses them in a US company"))
	}
	if in.TaxOverrideCents != nil && prefs.TaxModel != store.TaxModelUSAuto && prefs.TaxModel != store.TaxModelUSManual {
		p.add(invalid("tax_override_cents", "a tax override is for US companies that charge sales tax: QuickBooks computes the tax here"))
	}
	if in.Currency != "" && in.Currency != prefs.HomeCurrency && !prefs.MultiCurrency {
		p.add(invalid("currency", "the QuickBooks company has multicurrency off: invoices are in %s", prefs.HomeCurrency))
	}
	return p.err()
}

// invoiceTaxJSON is the tax part of an invoice as answered.
type invoiceTaxJSON struct {
	TaxCalculation   string         `json:"tax_calculation"`
	TaxCode          string         `json:"tax_code"`
	TaxOverrideCents *int64         `json:"tax_override_cents"`
	Currency         string         `json:"currency"`
	Tax              *taxJSON       `json:"tax,omitempty"`
	QBOTotals        *qboTotalsJSON `json:"qbo_totals,omitempty"`
}

// taxJSON is Hoursync's computation of the invoice's tax.
type taxJSON struct {
	Model         string        `json:"model"`
	SubtotalCents int64         `json:"subtotal_cents"`
	Taxes         []rateTaxJSON `json:"taxes"`
	TaxCents      int64         `json:"tax_cents"`
	TotalCents    int64         `json:"total_cents"`
	// Estimated is false when QBO alone decides the tax (Automated Sales Tax without
	// an override): tax_cents is then 0 until the sync shows QBO's.
	Estimated bool   `json:"estimated"`
	Inclusive bool   `json:"inclusive"`
	Currency  string `json:"currency"`
	// LineCodes is the code each line goes to QBO with (its own, else its service's…).
	LineCodes []string `json:"line_codes"`
	// Problem says why the invoice cannot be sent as it is ("Line 2 needs a tax code…").
	Problem string `json:"problem,omitempty"`
}

type rateTaxJSON struct {
	Rate            string `json:"rate"`
	Name            string `json:"name"`
	Percent         string `json:"percent"`
	NetTaxableCents int64  `json:"net_taxable_cents"`
	TaxCents        int64  `json:"tax_cents"`
}

// qboTotalsJSON is QBO's own figures after the last sync.
type qboTotalsJSON struct {
	TotalCents     int64           `json:"total_cents"`
	TaxCents       int64           `json:"tax_cents"`
	BalanceCents   int64           `json:"balance_cents"`
	HomeTotalCents *int64          `json:"home_total_cents"`
	ExchangeRate   string          `json:"exchange_rate"`
	Differs        bool            `json:"differs"`
	TaxLines       json.RawMessage `json:"tax_lines,omitempty"`
	At             *time.Time      `json:"at,omitempty"`
}

// addInvoiceTax adds the invoice's tax, Hoursync's computation and QBO's figures to out.
func (a *app) addInvoiceTax(ctx context.Context, inv store.Invoice, out *invoiceJSON) error {
	for i := range out.Lines {
		if i < len(inv.Lines) {
			out.Lines[i].TaxCode = inv.Lines[i].TaxCode
		}
	}
	comp, err := a.store.ComputeInvoiceTax(ctx, inv.AccountID, a.termsRealm(ctx, inv.AccountID), inv)
	if err != nil {
		return err
	}
	t := comp.Tax
	out.TaxCalculation, out.TaxCode, out.Currency = t.Calculation, t.TaxCode, comp.Currency
	if t.OverrideCents.Valid {
		v := t.OverrideCents.Int64
		out.TaxOverrideCents = &v
	}
	r := comp.Result
	tj := &taxJSON{Model: comp.Prefs.TaxModel, SubtotalCents: r.SubtotalCents, Taxes: []rateTaxJSON{}, TaxCents: r.TaxCents,
		TotalCents: r.TotalCents, Estimated: r.Estimated, Inclusive: comp.Prefs.TaxModel == store.TaxModelGlobal && t.Calculation == string(tax.Inclusive),
		Currency: comp.Currency, LineCodes: comp.LineCodes}
	for _, rt := range r.Taxes {
		tj.Taxes = append(tj.Taxes, rateTaxJSON{Rate: rt.Rate.QBOID, Name: rt.Rate.Name, Percent: rt.Rate.Percent,
			NetTaxableCents: rt.NetTaxableCent, TaxCents: rt.TaxCents})
	}
	var missing *tax.MissingCodeError
	switch {
	case errors.As(comp.Err, &missing):
		tj.Problem = missingCodeMessage(inv, missing.Line)
	case errors.Is(comp.Err, tax.ErrNoRates):
		tj.Problem = "Taxable lines but no sales tax code: QuickBooks charges no tax; choose the invoice's tax code"
	}
	out.Tax = tj
	if t.QBOTotalCents.Valid {
		q := &qboTotalsJSON{TotalCents: t.QBOTotalCents.Int64, TaxCents: t.QBOTaxCents.Int64, BalanceCents: t.QBOBalanceCents.Int64,
			ExchangeRate: t.QBOExchangeRate, Differs: r.Estimated && comp.Err == nil && t.QBOTotalCents.Int64 != r.TotalCents}
		if t.QBOHomeTotalCents.Valid {
			v := t.QBOHomeTotalCents.Int64
			q.HomeTotalCents = &v
		}
		if t.QBOTaxLines.Valid {
			q.TaxLines = t.QBOTaxLines.JSON
		}
		if t.QBOTotalsAt.Valid {
			at := t.QBOTotalsAt.Time
			q.At = &at
		}
		out.QBOTotals = q
	}
	return nil
}

func missingCodeMessage(inv store.Invoice, i int) string {
	name := "Line " + strconv.Itoa(i+1)
	if i < len(inv.Lines) && strings.TrimSpace(inv.Lines[i].Description) != "" {
		name += " (" + strings.TrimSpace(inv.Lines[i].Description) + ")"
	}
	return name + " needs a tax code: QuickBooks refuses an invoice with a line without one in this company"
}

// ListTaxCodes lists the connected company's tax codes with their rates.
func (a *app) ListTaxCodes(ctx context.Context, by actor) ([]store.TaxCode, error) {
	codes, err := a.store.ListTaxCodes(ctx, by.AccountID, a.termsRealm(ctx, by.AccountID))
	if codes == nil && err == nil {
		codes = []store.TaxCode{}
	}
	return codes, err
}

func (s *Server) listTaxCodes(c *gin.Context) { itemsCall(s, c, s.app.ListTaxCodes) }
