-- +goose Up
-- OAuth states of the Intuit sign-in, launch and connect flows: random, bound to the
-- browser that started the flow (hash of a cookie), single-use (deleted when
-- consumed) and short-lived (expires_at).
CREATE TABLE oauth_states (
    state_hash    TEXT PRIMARY KEY,
    browser_hash  TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('signin', 'launch', 'connect')),
    account_id    BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    user_id       BIGINT REFERENCES users(id) ON DELETE CASCADE,
    nonce         TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at);

-- Failed sign-ins, counted per IP and per e-mail across every server process.
CREATE TABLE login_failures (
    id          BIGSERIAL PRIMARY KEY,
    scope       TEXT NOT NULL CHECK (scope IN ('ip', 'email')),
    key         TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_idx ON login_failures (scope, key, created_at);

-- +goose Down
DROP TABLE login_failures, oauth_states;
