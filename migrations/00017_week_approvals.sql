-- +goose Up
-- Week approval (QuickBooks Time style): an admin approves a person's week, and the
-- week is locked for that person: their time dated in it cannot be recorded, changed
-- or deleted until an admin reopens it. A week is the seven days from week_start (the
-- account's week start when it was approved).
CREATE TABLE week_approvals (
    id           BIGSERIAL PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL,
    week_start   DATE NOT NULL,
    approved_by  BIGINT,
    approved_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, user_id, week_start),
    FOREIGN KEY (account_id, user_id) REFERENCES users(account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, approved_by) REFERENCES users(account_id, id) ON DELETE SET NULL (approved_by)
);

-- "Sync only approved time": the sync leaves out time of weeks not approved yet.
ALTER TABLE accounts ADD COLUMN sync_only_approved BOOLEAN NOT NULL DEFAULT false;

-- Undo of a delete: a deleted card may be restored until undo_until, and its deletion
-- is not sent to QuickBooks before then (store.ClaimDueTimeCardDeletes hands it over
-- and clears the column).
ALTER TABLE time_cards ADD COLUMN undo_until TIMESTAMPTZ;
CREATE INDEX time_cards_undo_idx ON time_cards (undo_until) WHERE undo_until IS NOT NULL;

-- The lock is kept by the database, so every writer of time cards keeps it: the
-- forms, the JSON API, the weekly grid, the timer, bulk changes and undo. A change
-- that would add, change or remove time in an approved week of its person fails with
-- SQLSTATE HS423 and the approval in DETAIL (store.WeekLockedError). Admins may edit
-- approved weeks: their transaction sets hoursync.edit_approved to on first. On update
-- only the columns that make up the time fire it: billing a card on an invoice, or a
-- sync bumping its version, does not. New cards are checked once per statement (the
-- API's group commit inserts many in one), changed ones row by row (PostgreSQL allows
-- no transition table beside a column list).
-- +goose StatementBegin
CREATE FUNCTION hoursync_week_refusal(approval BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    w RECORD;
BEGIN
    SELECT a.user_id, a.week_start, COALESCE(NULLIF(btrim(u.first_name), ''), u.email, 'an admin') AS approver,
        to_char(a.approved_at AT TIME ZONE acc.time_zone, 'FMDD Mon') AS approved_on
    INTO w
    FROM week_approvals a
    JOIN accounts acc ON acc.id = a.account_id
    LEFT JOIN users u ON u.account_id = a.account_id AND u.id = a.approved_by
    WHERE a.id = approval;
    RAISE EXCEPTION 'time in a week approved by %', w.approver
        USING ERRCODE = 'HS423',
        DETAIL = json_build_object('user_id', w.user_id, 'week_start', w.week_start,
            'approved_by', w.approver, 'approved_on', w.approved_on)::text;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hoursync_week_lock_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    approval BIGINT;
BEGIN
    IF current_setting('hoursync.edit_approved', true) = 'on' THEN
        RETURN NULL;
    END IF;
    SELECT a.id INTO approval FROM added n
    JOIN week_approvals a ON a.account_id = n.account_id AND a.user_id = n.user_id
        AND a.week_start BETWEEN n.work_date - 6 AND n.work_date
    LIMIT 1;
    IF FOUND THEN
        PERFORM hoursync_week_refusal(approval);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hoursync_week_lock_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    approval BIGINT;
BEGIN
    IF current_setting('hoursync.edit_approved', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF NEW.user_id = OLD.user_id AND NEW.work_date = OLD.work_date
        AND NEW.customer_id = OLD.customer_id AND NEW.service_id = OLD.service_id AND NEW.minutes = OLD.minutes
        AND NEW.start_time IS NOT DISTINCT FROM OLD.start_time AND NEW.end_time IS NOT DISTINCT FROM OLD.end_time
        AND NEW.billable = OLD.billable AND NEW.rate_cents = OLD.rate_cents AND NEW.notes = OLD.notes
        AND NEW.deleted_at IS NOT DISTINCT FROM OLD.deleted_at THEN
        RETURN NEW;
    END IF;
    -- The new week (time moved or changed into it) and the old one (time moved or
    -- deleted out of it).
    SELECT a.id INTO approval FROM week_approvals a
    WHERE a.account_id = NEW.account_id
        AND ((a.user_id = NEW.user_id AND a.week_start BETWEEN NEW.work_date - 6 AND NEW.work_date)
            OR (a.user_id = OLD.user_id AND a.week_start BETWEEN OLD.work_date - 6 AND OLD.work_date))
    ORDER BY a.week_start
    LIMIT 1;
    IF FOUND THEN
        PERFORM hoursync_week_refusal(approval);
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER time_cards_week_lock AFTER INSERT ON time_cards
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION hoursync_week_lock_insert();
CREATE TRIGGER time_cards_week_lock_update BEFORE UPDATE OF user_id, customer_id, service_id, work_date, minutes,
    start_time, end_time, billable, rate_cents, notes, deleted_at ON time_cards
    FOR EACH ROW EXECUTE FUNCTION hoursync_week_lock_update();

-- +goose Down
DROP TRIGGER time_cards_week_lock_update ON time_cards;
DROP TRIGGER time_cards_week_lock ON time_cards;
DROP FUNCTION hoursync_week_lock_update();
DROP FUNCTION hoursync_week_lock_insert();
DROP FUNCTION hoursync_week_refusal(BIGINT);
DROP INDEX time_cards_undo_idx;
ALTER TABLE time_cards DROP COLUMN undo_until;
ALTER TABLE accounts DROP COLUMN sync_only_approved;
DROP TABLE week_approvals;
