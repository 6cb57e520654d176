-- +goose Up
-- Every change to a session or a user is announced on the channel hoursync_auth once
-- it commits, so each server process can drop what it cached of that session or user
-- (store.CacheSessions). Triggers, not application code, send it: a change made by any
-- process, or by hand in psql, is announced all the same.
-- +goose StatementBegin
CREATE FUNCTION hoursync_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('hoursync_auth', 's:' || OLD.id);
    ELSE
        PERFORM pg_notify('hoursync_auth', 'u:' || OLD.id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sessions_auth_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION hoursync_auth_changed();
CREATE TRIGGER users_auth_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION hoursync_auth_changed();

-- +goose Down
DROP TRIGGER users_auth_changed ON users;
DROP TRIGGER sessions_auth_changed ON sessions;
DROP FUNCTION hoursync_auth_changed();
