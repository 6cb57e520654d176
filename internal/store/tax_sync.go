package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"hoursync/internal/tax"
)

// Sales tax on import and sync: a page of imported customers' or services' tax fields
// at once, and Hoursync's own computation of an invoice's tax (package tax) from its
// stored lines, codes, customer and company.

// ImportedCustomerTax is an imported customer's tax and currency as QBO has them.
type ImportedCustomerTax struct {
	QBOID    string
	Taxable  bool
	TaxCode  string
	Currency string
}

// ImportCustomersTax stores the tax and currency of a page of imported customers (one
// statement, by their links; an import: versions do not move).
func (s *Store) ImportCustomersTax(ctx context.Context, accountID int64, realmID string, page []ImportedCustomerTax) error {
	if len(page) == 0 {
		return nil
	}
	ids, taxable := make([]string, len(page)), make([]bool, len(page))
	codes, currencies := make([]string, len(page)), make([]string, len(page))
	for i, c := range page {
		ids[i], taxable[i], codes[i], currencies[i] = c.QBOID, c.Taxable, c.TaxCode, c.Currency
	}
	_, err := s.db.ExecContext(ctx, `UPDATE customers c SET taxable = v.taxable, tax_code = v.tax_code, currency = v.currency
		FROM qbo_links l, unnest($3::text[], $4::bool[], $5::text[], $6::text[]) AS v(qbo_id, taxable, tax_code, currency)
		WHERE l.account_id = $1 AND l.realm_id = $2 AND l.object_type = 'customer' AND l.qbo_id = v.qbo_id
		AND c.account_id = $1 AND c.id = l.object_id
		AND (c.taxable, c.tax_code, c.currency) IS DISTINCT FROM (v.taxable, v.tax_code, v.currency)`,
		accountID, realmID, pq.Array(ids), pq.Array(taxable), pq.Array(codes), pq.Array(currencies))
	if err != nil {
		return fmt.Errorf("store: import customers' tax: %w", mapError(err))
	}
	return nil
}

// ImportedServiceTax is an imported service item's sales tax code.
type ImportedServiceTax struct {
	QBOID, TaxCode string
}

// ImportServicesTax stores the default tax code of a page of imported services (one
// statement, by their links). A service QBO gives no code keeps its own.
func (s *Store) ImportServicesTax(ctx context.Context, accountID int64, realmID string, page []ImportedServiceTax) error {
	var ids, codes []string
	for _, sv := range page {
		if sv.TaxCode != "" {
			ids, codes = append(ids, sv.QBOID), append(codes, sv.TaxCode)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE services sv SET tax_code = v.tax_code
		FROM qbo_links l, unnest($3::text[], $4::text[]) AS v(qbo_id, tax_code)
		WHERE l.account_id = $1 AND l.realm_id = $2 AND l.object_type = 'service' AND l.qbo_id = v.qbo_id
		AND sv.account_id = $1 AND sv.id = l.object_id AND sv.tax_code IS DISTINCT FROM v.tax_code`,
		accountID, realmID, pq.Array(ids), pq.Array(codes))
	if err != nil {
		return fmt.Errorf("store: import services' tax: %w", mapError(err))
	}
	return nil
}

// US pseudo tax codes of the lines (NOTES §9.2).
const (
	TaxCodeTaxable    = "TAX"
	TaxCodeNonTaxable = "NON"
)

// InvoiceTaxComputation is Hoursync's computation of an invoice's sales tax.
type InvoiceTaxComputation struct {
	Prefs CompanyPrefs
	Tax   InvoiceTax
	// LineCodes is the code each line goes with (its own, else its service's, else in
	// the US TAX/NON from the customer's taxable flag; "" none).
	LineCodes []string
	// TxnCode is the invoice's code (US: its own, else the customer's; "" none).
	TxnCode string
	// Currency is the invoice's currency (its own, else the customer's, else home).
	Currency string
	Result   tax.Result
	// Err is the computation's refusal: *tax.MissingCodeError (global model, a line
	// without a valid code) or tax.ErrNoRates.
	Err error
}

// IsUS reports whether the company charges tax the US way (or not at all).
func (c InvoiceTaxComputation) IsUS() bool { return c.Prefs.TaxModel != TaxModelGlobal }

// ComputeInvoiceTax works out the invoice's tax as QBO would, from what is stored: the
// company's model, its imported codes, the service defaults and the customer.
func (s *Store) ComputeInvoiceTax(ctx context.Context, accountID int64, realmID string, inv Invoice) (InvoiceTaxComputation, error) {
	var out InvoiceTaxComputation
	var err error
	if out.Prefs, err = s.GetCompanyPrefs(ctx, accountID, realmID); err != nil {
		return out, err
	}
	if out.Tax, err = s.GetInvoiceTax(ctx, accountID, inv.ID); err != nil {
		return out, err
	}
	codes, err := s.ListTaxCodes(ctx, accountID, realmID)
	if err != nil {
		return out, err
	}
	byID := make(map[string]TaxCode, len(codes))
	for _, c := range codes {
		byID[c.QBOID] = c
	}
	services, err := s.ServiceTaxCodes(ctx, accountID)
	if err != nil {
		return out, err
	}
	cust, err := s.GetCustomerTax(ctx, accountID, inv.CustomerID)
	if err != nil {
		return out, err
	}
	model := out.Prefs.TaxModel
	us := model == TaxModelUSAuto || model == TaxModelUSManual
	known := func(code string) bool {
		if code == "" {
			return false
		}
		if _, ok := byID[code]; ok {
			return true
		}
		return us && (code == TaxCodeTaxable || code == TaxCodeNonTaxable)
	}
	taxCode := func(id string) *tax.Code {
		c, ok := byID[id]
		if !ok {
			// The US pseudo codes, when the company's list was never imported.
			return &tax.Code{QBOID: id, Name: id, Taxable: id == TaxCodeTaxable}
		}
		tc := &tax.Code{QBOID: c.QBOID, Name: c.Name, Taxable: c.Taxable}
		for _, r := range c.Rates {
			tc.Rates = append(tc.Rates, tax.Rate{QBOID: r.QBOID, Name: r.Name, Percent: r.Percent})
		}
		return tc
	}
	in := tax.Invoice{Model: tax.Model(model), Calculation: tax.Calculation(out.Tax.Calculation)}
	if in.Calculation == "" || us {
		in.Calculation = tax.Excluded
	}
	out.LineCodes = make([]string, len(inv.Lines))
	for i, l := range inv.Lines {
		code := ""
		candidates := []string{l.TaxCode, services[l.ServiceID]}
		if model == TaxModelGlobal {
			candidates = append(candidates, cust.TaxCode)
		}
		for _, c := range candidates {
			if known(c) {
				code = c
				break
			}
		}
		if code == "" && us {
			code = TaxCodeNonTaxable
			if cust.Taxable {
				code = TaxCodeTaxable
			}
		}
		out.LineCodes[i] = code
		line := tax.Line{AmountCents: l.AmountCents}
		if code != "" {
			line.Code = taxCode(code)
		}
		in.Lines = append(in.Lines, line)
	}
	if us {
		for _, c := range []string{out.Tax.TaxCode, cust.TaxCode} {
			if _, ok := byID[c]; ok && c != TaxCodeTaxable && c != TaxCodeNonTaxable {
				out.TxnCode = c
				break
			}
		}
		if out.TxnCode != "" {
			in.TxnCode = taxCode(out.TxnCode)
		}
		if out.Tax.OverrideCents.Valid {
			v := out.Tax.OverrideCents.Int64
			in.OverrideCents = &v
		}
	}
	out.Currency = out.Tax.Currency
	if out.Currency == "" {
		out.Currency = cust.Currency
	}
	if out.Currency == "" {
		out.Currency = out.Prefs.HomeCurrency
	}
	out.Result, out.Err = tax.Compute(in)
	if errors.Is(out.Err, tax.ErrNoRates) {
		// QBO charges no tax without a code: so does the estimate.
		out.Result.TotalCents = out.Result.SubtotalCents
	}
	var missing *tax.MissingCodeError
	if out.Err != nil && !errors.As(out.Err, &missing) && !errors.Is(out.Err, tax.ErrNoRates) {
		return out, out.Err
	}
	return out, nil
}
