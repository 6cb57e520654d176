-- +goose Up
-- Intuit's hard end of a grant (the five-year maximum of 2025's refresh-token policy),
-- from x_refresh_token_hard_expires_in: the person is asked to reconnect before it.
ALTER TABLE qbo_connections ADD COLUMN refresh_hard_expires_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE qbo_connections DROP COLUMN refresh_hard_expires_at;
