-- +goose Up
-- qbo_faults counts the writes of an object that QBO answered with a fault. It salts the
-- object's requestid: QBO replays the stored answer of a repeated requestid, so a write
-- it refused must go out as a new request once the person fixed the cause, while a
-- write whose outcome is unknown (timeout, lost response, crash) keeps its requestid.
ALTER TABLE sync_states ADD COLUMN qbo_faults INT NOT NULL DEFAULT 0;
-- number_auto: Hoursync chose the invoice's number (the person left it empty), so when
-- QBO already has that number on someone else's invoice the next free one is taken.
ALTER TABLE invoices ADD COLUMN number_auto BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE invoices DROP COLUMN number_auto;
ALTER TABLE sync_states DROP COLUMN qbo_faults;
