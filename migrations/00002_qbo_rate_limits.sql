-- +goose Up
-- QBO's per-realm request budget, shared by every worker process (see package qbo's
-- doc). One row per request: in flight while finished_at is NULL, then counted in the
-- window until finished_at falls out of it. UNLOGGED: a crash may forget at most one
-- window of history, which is not worth the WAL of every API call.
CREATE UNLOGGED TABLE qbo_rate_events (
    id                BIGSERIAL PRIMARY KEY,
    realm_id          TEXT NOT NULL,
    batch             BOOLEAN NOT NULL,
    started_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ,
    lease_expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX qbo_rate_events_realm ON qbo_rate_events (realm_id, finished_at);

-- qbo_rate_acquire takes one slot of the realm's budget, or says how long to wait.
-- The advisory lock serialises acquisitions of one realm across every process; each
-- statement below sees the rows committed before the lock was granted.
-- +goose StatementBegin
CREATE FUNCTION qbo_rate_acquire(
    p_realm TEXT, p_batch BOOLEAN,
    p_requests INT, p_requests_window INTERVAL, p_in_flight INT,
    p_batches INT, p_batches_window INTERVAL, p_lease INTERVAL,
    OUT lease_id BIGINT, OUT wait_ms INT)
LANGUAGE plpgsql AS $$
DECLARE
    t            TIMESTAMPTZ;
    n_req        INT;
    n_flight     INT;
    oldest_req   TIMESTAMPTZ;
    n_batch      INT;
    oldest_batch TIMESTAMPTZ;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('qbo_rate:' || p_realm, 0));
    t := clock_timestamp();
    wait_ms := 0;
    -- A holder that crashed mid-call frees its slot when its lease ends.
    UPDATE qbo_rate_events SET finished_at = lease_expires_at
     WHERE realm_id = p_realm AND finished_at IS NULL AND lease_expires_at < t;
    DELETE FROM qbo_rate_events
     WHERE realm_id = p_realm AND finished_at < t - greatest(p_requests_window, p_batches_window);

    SELECT count(*), count(*) FILTER (WHERE finished_at IS NULL), min(finished_at)
      INTO n_req, n_flight, oldest_req
      FROM qbo_rate_events
     WHERE realm_id = p_realm AND (finished_at IS NULL OR finished_at > t - p_requests_window);
    IF n_flight >= p_in_flight THEN
        wait_ms := 5;
    END IF;
    IF n_req >= p_requests THEN
        wait_ms := greatest(wait_ms, coalesce(ceil(extract(epoch FROM oldest_req + p_requests_window - t) * 1000)::INT, 5), 1);
    END IF;
    IF p_batch THEN
        SELECT count(*), min(finished_at) INTO n_batch, oldest_batch
          FROM qbo_rate_events
         WHERE realm_id = p_realm AND batch AND (finished_at IS NULL OR finished_at > t - p_batches_window);
        IF n_batch >= p_batches THEN
            wait_ms := greatest(wait_ms, coalesce(ceil(extract(epoch FROM oldest_batch + p_batches_window - t) * 1000)::INT, 5), 1);
        END IF;
    END IF;
    IF wait_ms > 0 THEN
        RETURN;
    END IF;
    INSERT INTO qbo_rate_events (realm_id, batch, started_at, lease_expires_at)
    VALUES (p_realm, p_batch, t, t + p_lease)
    RETURNING id INTO lease_id;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION qbo_rate_acquire(TEXT, BOOLEAN, INT, INTERVAL, INT, INT, INTERVAL, INTERVAL);
DROP TABLE qbo_rate_events;
