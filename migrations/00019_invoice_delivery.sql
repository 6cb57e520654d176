-- +goose Up
-- How QuickBooks last e-mailed a synced invoice (its EmailStatus, BillEmail and
-- DeliveryInfo), kept after every sync, CDC pull and "Send from QuickBooks".
ALTER TABLE invoices
    ADD COLUMN qbo_email_status TEXT NOT NULL DEFAULT '',
    ADD COLUMN qbo_bill_email TEXT NOT NULL DEFAULT '',
    ADD COLUMN qbo_delivery_type TEXT NOT NULL DEFAULT '',
    ADD COLUMN qbo_delivered_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE invoices
    DROP COLUMN qbo_email_status, DROP COLUMN qbo_bill_email, DROP COLUMN qbo_delivery_type,
    DROP COLUMN qbo_delivered_at;
