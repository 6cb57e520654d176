-- +goose Up
-- A person's running timer: at most one per person (the unique key), kept here rather
-- than in a browser so it survives a closed tab and shows on every device. Stopping it
-- turns it into a time card and deletes the row in the same transaction.
CREATE TABLE timers (
    id           BIGSERIAL PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL,
    customer_id  BIGINT NOT NULL,
    service_id   BIGINT NOT NULL,
    notes        TEXT NOT NULL DEFAULT '',
    billable     BOOLEAN NOT NULL DEFAULT true,
    started_at   TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, user_id),
    FOREIGN KEY (account_id, user_id) REFERENCES users(account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers(account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, service_id) REFERENCES services(account_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE timers;
