-- +goose Up
-- A line billed from time cards keeps the cards' total minutes: its amount is
-- minutes × rate_cents / 60 rounded half-up to the cent once (store.MinutesAmount),
-- not the rounded hours (quantity_milli, kept for display) × rate. NULL on lines typed
-- by hand, which stay quantity × rate.
ALTER TABLE invoice_lines ADD COLUMN minutes BIGINT CHECK (minutes > 0);

-- +goose Down
ALTER TABLE invoice_lines DROP COLUMN minutes;
