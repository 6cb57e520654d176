-- +goose Up
-- The latest run of each of an account's scheduled jobs (token keep-alive, scheduled
-- re-sync): a failure is shown on Settings and counted in the metrics, not only in the
-- workflow's result.
CREATE TABLE scheduled_runs (
    account_id  BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    ok          BOOLEAN NOT NULL,
    message     TEXT NOT NULL DEFAULT '',
    ran_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_ok_at  TIMESTAMPTZ,
    PRIMARY KEY (account_id, kind)
);

-- +goose Down
DROP TABLE scheduled_runs;
