-- +goose Up
-- API tokens are cached like sessions (store.CacheCredentials): a revoked token is
-- announced on hoursync_auth as "t:<token hash>".
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hoursync_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('hoursync_auth', 's:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'api_tokens' THEN
        PERFORM pg_notify('hoursync_auth', 't:' || OLD.token_hash);
    ELSE
        PERFORM pg_notify('hoursync_auth', 'u:' || OLD.id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER api_tokens_auth_changed AFTER UPDATE OR DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION hoursync_auth_changed();

-- +goose Down
DROP TRIGGER api_tokens_auth_changed ON api_tokens;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hoursync_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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
