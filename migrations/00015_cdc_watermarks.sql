-- +goose Up
-- Where the last pull of QBO's changes (CDC) left off, per account and company: the
-- next pull asks for what changed since then (a full import when it is older than
-- CDC's 30 days, or none).
CREATE TABLE qbo_cdc_watermarks (
    account_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    realm_id       TEXT NOT NULL,
    changed_since  TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, realm_id)
);

-- +goose Down
DROP TABLE qbo_cdc_watermarks;
