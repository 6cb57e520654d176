package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Sales tax and currency of the connected company (imported from QBO), and QBO's own
// figures of each synced invoice.

// Tax models a company can have (see package tax).
const (
	TaxModelNone     = "none"
	TaxModelUSAuto   = "us_ast"
	TaxModelUSManual = "us_manual"
	TaxModelGlobal   = "global"
)

// CompanyPrefs is how the connected company charges tax and which currencies it uses.
type CompanyPrefs struct {
	AccountID     int64     `db:"account_id" json:"-"`
	RealmID       string    `db:"realm_id" json:"realm_id"`
	TaxModel      string    `db:"tax_model" json:"tax_model"`
	HomeCurrency  string    `db:"home_currency" json:"home_currency"`
	MultiCurrency bool      `db:"multicurrency" json:"multicurrency"`
	UpdatedAt     time.Time `db:"updated_at" json:"updated_at"`
}

// SaveCompanyPrefs stores the company's preferences as QBO has them.
func (s *Store) SaveCompanyPrefs(ctx context.Context, p CompanyPrefs) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO qbo_company_prefs (account_id, realm_id, tax_model, home_currency, multicurrency)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, realm_id) DO UPDATE SET tax_model = EXCLUDED.tax_model,
		home_currency = EXCLUDED.home_currency, multicurrency = EXCLUDED.multicurrency, updated_at = now()`,
		p.AccountID, p.RealmID, p.TaxModel, p.HomeCurrency, p.MultiCurrency)
	if err != nil {
		return fmt.Errorf("store: save company preferences: %w", mapError(err))
	}
	return nil
}

// GetCompanyPrefs returns the preferences of the account's company in realmID; a
// company never imported answers the US default (no sales tax, USD).
func (s *Store) GetCompanyPrefs(ctx context.Context, accountID int64, realmID string) (CompanyPrefs, error) {
	var p CompanyPrefs
	err := s.db.GetContext(ctx, &p, `SELECT account_id, realm_id, tax_model, home_currency, multicurrency, updated_at
		FROM qbo_company_prefs WHERE account_id = $1 AND realm_id = $2`, accountID, realmID)
	if err == sql.ErrNoRows {
		return CompanyPrefs{AccountID: accountID, RealmID: realmID, TaxModel: TaxModelNone, HomeCurrency: "USD"}, nil
	}
	if err != nil {
		return CompanyPrefs{}, fmt.Errorf("store: get company preferences: %w", mapError(err))
	}
	return p, nil
}

// TaxRate is one rate of a tax code: Percent as QBO writes it ("20", "8.5").
type TaxRate struct {
	QBOID   string `json:"id"`
	Name    string `json:"name"`
	Percent string `json:"percent"`
}

// TaxCode is one of the company's sales tax codes.
type TaxCode struct {
	AccountID   int64    `db:"account_id" json:"-"`
	RealmID     string   `db:"realm_id" json:"-"`
	QBOID       string   `db:"qbo_id" json:"id"`
	Name        string   `db:"name" json:"name"`
	Description string   `db:"description" json:"description"`
	Active      bool     `db:"active" json:"active"`
	Taxable     bool     `db:"taxable" json:"taxable"`
	Rates       TaxRates `db:"rates" json:"rates"`
}

// TaxRates is a code's rates, stored as JSON.
type TaxRates []TaxRate

// Scan implements sql.Scanner.
func (r *TaxRates) Scan(v any) error {
	b, ok := v.([]byte)
	if !ok {
		if s, isString := v.(string); isString {
			b = []byte(s)
		} else if v == nil {
			*r = nil
			return nil
		} else {
			return fmt.Errorf("store: tax rates: unexpected %T", v)
		}
	}
	return json.Unmarshal(b, r)
}

// UpsertTaxCodes stores the company's codes as QBO has them (one statement); codes
// QBO no longer lists are left, marked as they were (a code is never deleted in QBO).
func (s *Store) UpsertTaxCodes(ctx context.Context, accountID int64, realmID string, codes []TaxCode) error {
	if len(codes) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, c := range codes {
			rates, err := json.Marshal(c.Rates)
			if err != nil {
				return fmt.Errorf("store: tax code %s: %w", c.Name, err)
			}
			if rates == nil || string(rates) == "null" {
				rates = []byte("[]")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO qbo_tax_codes (account_id, realm_id, qbo_id, name, description, active, taxable, rates)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (account_id, realm_id, qbo_id) DO UPDATE SET name = EXCLUDED.name,
				description = EXCLUDED.description, active = EXCLUDED.active, taxable = EXCLUDED.taxable, rates = EXCLUDED.rates`,
				accountID, realmID, c.QBOID, c.Name, c.Description, c.Active, c.Taxable, string(rates)); err != nil {
				return fmt.Errorf("store: upsert tax code %s: %w", c.Name, mapError(err))
			}
		}
		return nil
	})
}

// ListTaxCodes lists the codes of the account's company in realmID by name.
func (s *Store) ListTaxCodes(ctx context.Context, accountID int64, realmID string) ([]TaxCode, error) {
	var out []TaxCode
	err := s.db.SelectContext(ctx, &out, `SELECT account_id, realm_id, qbo_id, name, description, active, taxable, rates
		FROM qbo_tax_codes WHERE account_id = $1 AND realm_id = $2 ORDER BY name, qbo_id`, accountID, realmID)
	if err != nil {
		return nil, fmt.Errorf("store: list tax codes: %w", mapError(err))
	}
	return out, nil
}

// SetCustomerTax stores a customer's tax and currency as QBO has them (an import:
// the version does not move).
func (s *Store) SetCustomerTax(ctx context.Context, accountID, customerID int64, taxable bool, taxCode, currency string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE customers SET taxable = $3, tax_code = $4, currency = $5
		WHERE account_id = $1 AND id = $2`, accountID, customerID, taxable, taxCode, currency)
	if err != nil {
		return fmt.Errorf("store: set customer tax: %w", mapError(err))
	}
	return nil
}

// CustomerTax is a customer's tax and currency.
type CustomerTax struct {
	Taxable  bool   `db:"taxable" json:"taxable"`
	TaxCode  string `db:"tax_code" json:"tax_code"`
	Currency string `db:"currency" json:"currency"`
}

// GetCustomerTax returns a customer's tax and currency.
func (s *Store) GetCustomerTax(ctx context.Context, accountID, customerID int64) (CustomerTax, error) {
	var t CustomerTax
	if err := s.db.GetContext(ctx, &t, `SELECT taxable, tax_code, currency FROM customers WHERE account_id = $1 AND id = $2`,
		accountID, customerID); err != nil {
		return CustomerTax{}, fmt.Errorf("store: get customer tax: %w", mapError(err))
	}
	return t, nil
}

// SetServiceTaxCode stores a service's default tax code: from its QBO item on import,
// or as the person chose it.
func (s *Store) SetServiceTaxCode(ctx context.Context, accountID, serviceID int64, taxCode string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE services SET tax_code = $3 WHERE account_id = $1 AND id = $2`, accountID, serviceID, taxCode)
	if err != nil {
		return fmt.Errorf("store: set service tax code: %w", mapError(err))
	}
	return nil
}

// ServiceTaxCodes returns the default tax code of each of the account's services that
// has one.
func (s *Store) ServiceTaxCodes(ctx context.Context, accountID int64) (map[int64]string, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Code string `db:"tax_code"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT id, tax_code FROM services WHERE account_id = $1 AND tax_code <> ''`, accountID); err != nil {
		return nil, fmt.Errorf("store: service tax codes: %w", mapError(err))
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Code
	}
	return out, nil
}

// InvoiceTax is an invoice's tax choices and, after a sync, QBO's own figures.
type InvoiceTax struct {
	Calculation   string        `db:"tax_calculation" json:"tax_calculation"`
	TaxCode       string        `db:"tax_code" json:"tax_code"`
	OverrideCents sql.NullInt64 `db:"tax_override_cents" json:"-"`
	Currency      string        `db:"currency" json:"currency"`
	// QBO's figures after the last sync (Valid once synced).
	QBOTotalCents     sql.NullInt64 `db:"qbo_total_cents" json:"-"`
	QBOTaxCents       sql.NullInt64 `db:"qbo_tax_cents" json:"-"`
	QBOBalanceCents   sql.NullInt64 `db:"qbo_balance_cents" json:"-"`
	QBOHomeTotalCents sql.NullInt64 `db:"qbo_home_total_cents" json:"-"`
	QBOExchangeRate   string        `db:"qbo_exchange_rate" json:"qbo_exchange_rate"`
	QBOTaxLines       NullRawJSON   `db:"qbo_tax_lines" json:"-"`
	QBOTotalsAt       sql.NullTime  `db:"qbo_totals_at" json:"-"`
	// How QBO last e-mailed it: EmailStatus (NotSet, NeedToSend, EmailSent), to whom,
	// and DeliveryInfo.
	QBOEmailStatus  string       `db:"qbo_email_status" json:"-"`
	QBOBillEmail    string       `db:"qbo_bill_email" json:"-"`
	QBODeliveryType string       `db:"qbo_delivery_type" json:"-"`
	QBODeliveredAt  sql.NullTime `db:"qbo_delivered_at" json:"-"`
}

// NullRawJSON is a nullable JSON column kept as it is.
type NullRawJSON struct {
	JSON  json.RawMessage
	Valid bool
}

// Scan implements sql.Scanner.
func (n *NullRawJSON) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		n.JSON, n.Valid = nil, false
	case []byte:
		n.JSON, n.Valid = append(json.RawMessage(nil), x...), true
	case string:
		n.JSON, n.Valid = json.RawMessage(x), true
	default:
		return fmt.Errorf("store: json column: unexpected %T", v)
	}
	return nil
}

// GetInvoiceTax returns an invoice's tax choices and, once synced, QBO's figures.
func (s *Store) GetInvoiceTax(ctx context.Context, accountID, invoiceID int64) (InvoiceTax, error) {
	var t InvoiceTax
	if err := s.db.GetContext(ctx, &t, `SELECT tax_calculation, tax_code, tax_override_cents, currency, qbo_total_cents,
		qbo_tax_cents, qbo_balance_cents, qbo_home_total_cents, qbo_exchange_rate, qbo_tax_lines, qbo_totals_at,
		qbo_email_status, qbo_bill_email, qbo_delivery_type, qbo_delivered_at
		FROM invoices WHERE account_id = $1 AND id = $2`, accountID, invoiceID); err != nil {
		return InvoiceTax{}, fmt.Errorf("store: get invoice tax: %w", mapError(err))
	}
	return t, nil
}

// QBOInvoiceTotals are QBO's figures of an invoice after a sync.
type QBOInvoiceTotals struct {
	TotalCents, TaxCents, BalanceCents int64
	HomeTotalCents                     *int64
	ExchangeRate                       string
	// TaxLines is QBO's TxnTaxDetail.TaxLine, kept as QBO sent it.
	TaxLines json.RawMessage
	// EmailStatus, BillEmail and DeliveryInfo as QBO has them (see RecordInvoiceDelivery).
	EmailStatus, BillEmail, DeliveryType, DeliveryTime string
}

// RecordQBOInvoiceTotals stores QBO's figures of the invoice (no new version: QBO
// computed them, the invoice did not change here).
func (s *Store) RecordQBOInvoiceTotals(ctx context.Context, accountID, invoiceID int64, t QBOInvoiceTotals) error {
	var home any
	if t.HomeTotalCents != nil {
		home = *t.HomeTotalCents
	}
	var lines any
	if len(t.TaxLines) > 0 {
		lines = string(t.TaxLines) // as text: lib/pq sends []byte in binary, which jsonb refuses
	}
	_, err := s.db.ExecContext(ctx, `UPDATE invoices SET qbo_total_cents = $3, qbo_tax_cents = $4, qbo_balance_cents = $5,
		qbo_home_total_cents = $6, qbo_exchange_rate = $7, qbo_tax_lines = $8, qbo_totals_at = now(),
		qbo_email_status = $9, qbo_bill_email = $10, qbo_delivery_type = $11, qbo_delivered_at = $12
		WHERE account_id = $1 AND id = $2`, accountID, invoiceID, t.TotalCents, t.TaxCents, t.BalanceCents, home, t.ExchangeRate, lines,
		t.EmailStatus, t.BillEmail, t.DeliveryType, deliveryTime(t.DeliveryTime))
	if err != nil {
		return fmt.Errorf("store: record QBO invoice totals: %w", mapError(err))
	}
	return nil
}

// RecordInvoiceDelivery stores how QBO e-mailed the invoice, as QBO answered a send.
func (s *Store) RecordInvoiceDelivery(ctx context.Context, accountID, invoiceID int64, emailStatus, billEmail, deliveryType, at string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE invoices SET qbo_email_status = $3, qbo_bill_email = $4, qbo_delivery_type = $5,
		qbo_delivered_at = $6 WHERE account_id = $1 AND id = $2`, accountID, invoiceID, emailStatus, billEmail, deliveryType,
		deliveryTime(at))
	if err != nil {
		return fmt.Errorf("store: record invoice delivery: %w", mapError(err))
	}
	return nil
}

// deliveryTime is QBO's DeliveryInfo.DeliveryTime (RFC 3339 with the company's offset)
// as a column value: NULL when QBO gave none or one that does not parse.
func deliveryTime(s string) any {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return t
}
