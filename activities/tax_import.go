package activities

import (
	"context"
	"errors"
	"strings"

	"hoursync/internal/qbo"
	"hoursync/internal/store"
	"hoursync/workflows"
)

// ImportTaxes imports the company's sales tax and currency preferences and its tax
// codes with their rates (every page, active and inactive). Imported is the number of
// codes.
func (a *Activities) ImportTaxes(ctx context.Context, ref workflows.ConnectionRef) (workflows.ImportListResult, error) {
	c, _, err := a.company(ctx, ref.AccountID)
	if err != nil {
		return workflows.ImportListResult{}, err
	}
	var prefs qbo.Preferences
	var prefsErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		prefs, prefsErr = c.Preferences(ctx)
	}()
	info, err := c.CompanyInfo(ctx)
	<-done
	if err = errors.Join(err, prefsErr); err != nil {
		return workflows.ImportListResult{}, qboError(subject{what: "the company's sales tax preferences"}, err)
	}
	rates, err := allRows[qbo.TaxRate](ctx, c, qbo.From[qbo.TaxRate]())
	if err != nil {
		return workflows.ImportListResult{}, qboError(subject{what: "tax rates"}, err)
	}
	codes, err := allRows[qbo.TaxCode](ctx, c, qbo.From[qbo.TaxCode]())
	if err != nil {
		return workflows.ImportListResult{}, qboError(subject{what: "tax codes"}, err)
	}
	p := companyPrefsOf(info, prefs)
	p.AccountID, p.RealmID = ref.AccountID, ref.RealmID
	if err := a.Store.SaveCompanyPrefs(ctx, p); err != nil {
		return workflows.ImportListResult{}, err
	}
	stored := taxCodesOf(codes, rates)
	if err := a.Store.UpsertTaxCodes(ctx, ref.AccountID, ref.RealmID, stored); err != nil {
		return workflows.ImportListResult{}, err
	}
	return workflows.ImportListResult{Imported: len(stored)}, nil
}

// companyPrefsOf is the company's tax model and currencies (NOTES §9.1, §9.7): no sales
// tax; the global model outside the US; in the US Automated Sales Tax
// (PartnerTaxEnabled) or the legacy one.
func companyPrefsOf(info qbo.CompanyInfo, prefs qbo.Preferences) store.CompanyPrefs {
	p := store.CompanyPrefs{TaxModel: store.TaxModelNone, HomeCurrency: "USD"}
	if tp := prefs.TaxPrefs; tp != nil && tp.UsingSalesTax != nil && *tp.UsingSalesTax {
		country := strings.ToUpper(strings.TrimSpace(info.Country))
		switch {
		case country != "" && country != "US" && country != "USA" && country != "UNITED STATES":
			p.TaxModel = store.TaxModelGlobal
		case tp.PartnerTaxEnabled != nil && *tp.PartnerTaxEnabled:
			p.TaxModel = store.TaxModelUSAuto
		default:
			p.TaxModel = store.TaxModelUSManual
		}
	}
	if cp := prefs.CurrencyPrefs; cp != nil {
		if cp.HomeCurrency != nil && cp.HomeCurrency.Value != "" {
			p.HomeCurrency = strings.ToUpper(cp.HomeCurrency.Value)
		}
		p.MultiCurrency = cp.MultiCurrencyEnabled != nil && *cp.MultiCurrencyEnabled
	}
	return p
}

// taxCodesOf is Hoursync's copy of the codes, each with its sales rates.
func taxCodesOf(codes []qbo.TaxCode, rates []qbo.TaxRate) []store.TaxCode {
	byID := make(map[string]qbo.TaxRate, len(rates))
	for _, r := range rates {
		byID[r.ID] = r
	}
	out := make([]store.TaxCode, 0, len(codes))
	for _, c := range codes {
		sc := store.TaxCode{QBOID: c.ID, Name: c.Name, Description: c.Description, Active: c.Active == nil || *c.Active,
			Taxable: c.Taxable == nil || *c.Taxable, Rates: store.TaxRates{}}
		if c.SalesTaxRateList != nil {
			for _, d := range c.SalesTaxRateList.TaxRateDetail {
				if d.TaxRateRef == nil {
					continue
				}
				r := store.TaxRate{QBOID: d.TaxRateRef.Value, Name: d.TaxRateRef.Name, Percent: "0"}
				if rate, ok := byID[r.QBOID]; ok {
					if rate.Name != "" {
						r.Name = rate.Name
					}
					if rate.RateValue != nil {
						r.Percent = rate.RateValue.String()
					}
				}
				sc.Rates = append(sc.Rates, r)
			}
		}
		out = append(out, sc)
	}
	return out
}

// importCustomersTax stores a page of imported customers' tax and currency.
func (a *Activities) importCustomersTax(ctx context.Context, ref workflows.ConnectionRef, page []qbo.Customer) error {
	rows := make([]store.ImportedCustomerTax, len(page))
	for i, c := range page {
		rows[i] = store.ImportedCustomerTax{QBOID: c.ID, Taxable: c.Taxable == nil || *c.Taxable}
		if c.DefaultTaxCodeRef != nil {
			rows[i].TaxCode = c.DefaultTaxCodeRef.Value
		}
		if c.CurrencyRef != nil {
			rows[i].Currency = strings.ToUpper(c.CurrencyRef.Value)
		}
	}
	return a.Store.ImportCustomersTax(ctx, ref.AccountID, ref.RealmID, rows)
}

// importServicesTax stores a page of imported service items' default tax codes: the
// item's SalesTaxCodeRef, else (US) TAX or NON from its Taxable flag.
func (a *Activities) importServicesTax(ctx context.Context, ref workflows.ConnectionRef, page []qbo.Item) error {
	rows := make([]store.ImportedServiceTax, len(page))
	for i, it := range page {
		rows[i].QBOID = it.ID
		switch {
		case it.SalesTaxCodeRef != nil && it.SalesTaxCodeRef.Value != "":
			rows[i].TaxCode = it.SalesTaxCodeRef.Value
		case it.Taxable != nil && *it.Taxable:
			rows[i].TaxCode = store.TaxCodeTaxable
		case it.Taxable != nil:
			rows[i].TaxCode = store.TaxCodeNonTaxable
		}
	}
	return a.Store.ImportServicesTax(ctx, ref.AccountID, ref.RealmID, rows)
}
