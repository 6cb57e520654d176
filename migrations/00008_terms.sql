-- +goose Up
-- Sales terms exist only in QBO; they are imported per realm like income accounts.
-- An invoice's terms are a choice from them (term_id); invoices.terms keeps the
-- free text of invoices written before, and the chosen term's name for display.
-- due_date_explicit tells a due date the person set (sent to QBO) from one that
-- follows the term (QBO computes it; Hoursync shows QBO's after a sync).
CREATE TABLE terms (
    id                   BIGSERIAL PRIMARY KEY,
    account_id           BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    realm_id             TEXT NOT NULL,
    qbo_id               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    type                 TEXT NOT NULL DEFAULT 'STANDARD', -- QBO's STANDARD or DATE_DRIVEN
    due_days             INT,
    day_of_month_due     INT,
    due_next_month_days  INT,
    active               BOOLEAN NOT NULL DEFAULT true,
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, realm_id, qbo_id),
    UNIQUE (account_id, id)
);

ALTER TABLE invoices ADD COLUMN term_id BIGINT;
ALTER TABLE invoices ADD CONSTRAINT invoices_account_id_term_id_fkey
    FOREIGN KEY (account_id, term_id) REFERENCES terms(account_id, id) ON DELETE SET NULL (term_id);
ALTER TABLE invoices ADD COLUMN due_date_explicit BOOLEAN NOT NULL DEFAULT false;
-- Every due date written before this migration was typed by a person.
UPDATE invoices SET due_date_explicit = true WHERE due_date IS NOT NULL;

-- +goose Down
ALTER TABLE invoices DROP COLUMN due_date_explicit;
ALTER TABLE invoices DROP COLUMN term_id;
DROP TABLE terms;
