-- +goose Up
-- Sales tax and currency of the connected company (NOTES §9), imported with its lists.
CREATE TABLE qbo_company_prefs (
    account_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    realm_id       TEXT NOT NULL,
    -- none (US, sales tax off), us_ast, us_manual or global (CA, UK, AU…)
    tax_model      TEXT NOT NULL DEFAULT 'none' CHECK (tax_model IN ('none', 'us_ast', 'us_manual', 'global')),
    home_currency  TEXT NOT NULL DEFAULT 'USD',
    multicurrency  BOOLEAN NOT NULL DEFAULT false,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, realm_id)
);

-- The company's sales tax codes with their rates (percent as QBO writes it).
CREATE TABLE qbo_tax_codes (
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    realm_id     TEXT NOT NULL,
    qbo_id       TEXT NOT NULL,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    active       BOOLEAN NOT NULL DEFAULT true,
    taxable      BOOLEAN NOT NULL DEFAULT true,
    rates        JSONB NOT NULL DEFAULT '[]', -- [{"id","name","percent"}]
    PRIMARY KEY (account_id, realm_id, qbo_id)
);

-- A customer's tax and currency come from QBO; a service's default tax code from its
-- item (editable); an invoice line carries its code. Codes are QBO TaxCode ids.
ALTER TABLE customers ADD COLUMN taxable BOOLEAN NOT NULL DEFAULT true,
    ADD COLUMN tax_code TEXT NOT NULL DEFAULT '',
    ADD COLUMN currency TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN tax_code TEXT NOT NULL DEFAULT '';
ALTER TABLE invoice_lines ADD COLUMN tax_code TEXT NOT NULL DEFAULT '';

-- An invoice's tax choices, and QBO's own figures after its last sync (shown as QBO
-- has them, with any difference from Hoursync's computation).
ALTER TABLE invoices ADD COLUMN tax_calculation TEXT NOT NULL DEFAULT ''
        CHECK (tax_calculation IN ('', 'TaxExcluded', 'TaxInclusive', 'NotApplicable')),
    ADD COLUMN tax_code TEXT NOT NULL DEFAULT '',
    ADD COLUMN tax_override_cents BIGINT CHECK (tax_override_cents >= 0),
    ADD COLUMN currency TEXT NOT NULL DEFAULT '',
    ADD COLUMN qbo_total_cents BIGINT,
    ADD COLUMN qbo_tax_cents BIGINT,
    ADD COLUMN qbo_balance_cents BIGINT,
    ADD COLUMN qbo_home_total_cents BIGINT,
    ADD COLUMN qbo_exchange_rate TEXT NOT NULL DEFAULT '',
    ADD COLUMN qbo_tax_lines JSONB,
    ADD COLUMN qbo_totals_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE invoices DROP COLUMN tax_calculation, DROP COLUMN tax_code, DROP COLUMN tax_override_cents,
    DROP COLUMN currency, DROP COLUMN qbo_total_cents, DROP COLUMN qbo_tax_cents, DROP COLUMN qbo_balance_cents,
    DROP COLUMN qbo_home_total_cents, DROP COLUMN qbo_exchange_rate, DROP COLUMN qbo_tax_lines, DROP COLUMN qbo_totals_at;
ALTER TABLE invoice_lines DROP COLUMN tax_code;
ALTER TABLE services DROP COLUMN tax_code;
ALTER TABLE customers DROP COLUMN taxable, DROP COLUMN tax_code, DROP COLUMN currency;
DROP TABLE qbo_tax_codes, qbo_company_prefs;
