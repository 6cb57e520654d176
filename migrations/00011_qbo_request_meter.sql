-- +goose Up
-- QBO requests per realm, month and kind, as Intuit meters them (reads are "CorePlus"
-- calls, counted against the installation's monthly pool; writes are free). Written by
-- the workers' meter (internal/meter) a few seconds behind the calls.
CREATE TABLE qbo_request_counts (
    realm_id  TEXT NOT NULL,
    month     DATE NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('read', 'write', 'batch')),
    count     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (realm_id, month, kind)
);

-- +goose Down
DROP TABLE qbo_request_counts;
