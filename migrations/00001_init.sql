-- +goose Up
-- Hoursync's domain schema. Every tenant table carries account_id; money is integer
-- cents, durations integer minutes, quantities integer thousandths.

CREATE TABLE accounts (
    id                   BIGSERIAL PRIMARY KEY,
    name                 TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    time_zone            TEXT NOT NULL DEFAULT 'UTC',
    week_start           SMALLINT NOT NULL DEFAULT 1 CHECK (week_start BETWEEN 0 AND 6),
    income_account_name  TEXT NOT NULL DEFAULT 'Services',
    resync_interval      TEXT NOT NULL DEFAULT 'daily' CHECK (resync_interval IN ('off', 'hourly', 'daily')),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id              BIGSERIAL PRIMARY KEY,
    account_id      BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email           TEXT NOT NULL CHECK (length(btrim(email)) BETWEEN 3 AND 254),
    first_name      TEXT NOT NULL DEFAULT '',
    last_name       TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    password_hash   TEXT,
    intuit_sub      TEXT,
    active          BOOLEAN NOT NULL DEFAULT true,
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
-- One person, one login: e-mail addresses are unique across all accounts.
CREATE UNIQUE INDEX users_email_key ON users (lower(btrim(email)));
CREATE UNIQUE INDEX users_intuit_sub_key ON users (intuit_sub) WHERE intuit_sub IS NOT NULL;
CREATE INDEX users_account_idx ON users (account_id);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY, -- SHA-256 of the cookie value, never the value itself
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL,
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (account_id, user_id) REFERENCES users(account_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
    id            BIGSERIAL PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at  TIMESTAMPTZ,
    FOREIGN KEY (account_id, user_id) REFERENCES users(account_id, id) ON DELETE CASCADE
);

CREATE TABLE invitations (
    id           BIGSERIAL PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email        TEXT NOT NULL,
    first_name   TEXT NOT NULL DEFAULT '',
    last_name    TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL,
    accepted_at  TIMESTAMPTZ
);
CREATE INDEX invitations_account_idx ON invitations (account_id);

CREATE TABLE password_resets (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);

CREATE TABLE outbox_mail (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    to_addr     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at     TIMESTAMPTZ,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_mail_created_idx ON outbox_mail (created_at DESC);

CREATE TABLE customers (
    id            BIGSERIAL PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    display_name  TEXT NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 500),
    contact_name  TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT true,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX customers_name_key ON customers (account_id, lower(btrim(display_name)));

CREATE TABLE services (
    id           BIGSERIAL PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    description  TEXT NOT NULL DEFAULT '',
    rate_cents   BIGINT NOT NULL DEFAULT 0 CHECK (rate_cents >= 0),
    active       BOOLEAN NOT NULL DEFAULT true,
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX services_name_key ON services (account_id, lower(btrim(name)));

-- Income accounts exist only in QBO; they are imported per realm.
CREATE TABLE income_accounts (
    id          BIGSERIAL PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    realm_id    TEXT NOT NULL,
    qbo_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT true,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, realm_id, qbo_id)
);

CREATE TABLE invoices (
    id            BIGSERIAL PRIMARY KEY,
    account_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    customer_id   BIGINT NOT NULL,
    number        TEXT NOT NULL CHECK (length(btrim(number)) BETWEEN 1 AND 21),
    invoice_date  DATE NOT NULL,
    due_date      DATE,
    terms         TEXT NOT NULL DEFAULT '',
    memo          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('draft', 'open', 'void')),
    deleted_at    TIMESTAMPTZ,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, customer_id) REFERENCES customers(account_id, id)
);
CREATE UNIQUE INDEX invoices_number_key ON invoices (account_id, lower(number)) WHERE deleted_at IS NULL;
CREATE INDEX invoices_customer_idx ON invoices (account_id, customer_id);

CREATE TABLE invoice_lines (
    id              BIGSERIAL PRIMARY KEY,
    account_id      BIGINT NOT NULL,
    invoice_id      BIGINT NOT NULL,
    position        INT NOT NULL,
    service_id      BIGINT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    quantity_milli  BIGINT NOT NULL CHECK (quantity_milli > 0),
    rate_cents      BIGINT NOT NULL CHECK (rate_cents >= 0),
    amount_cents    BIGINT NOT NULL CHECK (amount_cents >= 0),
    UNIQUE (invoice_id, position),
    FOREIGN KEY (account_id, invoice_id) REFERENCES invoices(account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, service_id) REFERENCES services(account_id, id)
);

CREATE TABLE time_cards (
    id           BIGSERIAL PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL,
    customer_id  BIGINT NOT NULL,
    service_id   BIGINT NOT NULL,
    work_date    DATE NOT NULL,
    minutes      INT NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
    start_time   TIME,
    end_time     TIME,
    billable     BOOLEAN NOT NULL DEFAULT true,
    rate_cents   BIGINT NOT NULL DEFAULT 0 CHECK (rate_cents >= 0),
    notes        TEXT NOT NULL DEFAULT '',
    invoice_id   BIGINT,
    deleted_at   TIMESTAMPTZ, -- kept until the deletion reached QBO
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, user_id) REFERENCES users(account_id, id),
    FOREIGN KEY (account_id, customer_id) REFERENCES customers(account_id, id),
    FOREIGN KEY (account_id, service_id) REFERENCES services(account_id, id),
    FOREIGN KEY (account_id, invoice_id) REFERENCES invoices(account_id, id) ON DELETE SET NULL (invoice_id)
);
CREATE INDEX time_cards_week_idx ON time_cards (account_id, work_date, user_id) WHERE deleted_at IS NULL;
CREATE INDEX time_cards_unbilled_idx ON time_cards (account_id, customer_id) WHERE invoice_id IS NULL AND deleted_at IS NULL;

CREATE TABLE qbo_connections (
    id                  BIGSERIAL PRIMARY KEY,
    account_id          BIGINT NOT NULL UNIQUE REFERENCES accounts(id) ON DELETE CASCADE,
    realm_id            TEXT NOT NULL,
    company_name        TEXT NOT NULL DEFAULT '',
    plan                TEXT NOT NULL DEFAULT '',
    can_sync_time       BOOLEAN NOT NULL DEFAULT false,
    status              TEXT NOT NULL CHECK (status IN ('connected', 'needs_reconnect', 'disconnected')),
    status_message      TEXT NOT NULL DEFAULT '',
    key_id              TEXT NOT NULL DEFAULT '',
    access_token_enc    BYTEA,
    refresh_token_enc   BYTEA,
    access_expires_at   TIMESTAMPTZ,
    refresh_expires_at  TIMESTAMPTZ,
    last_refreshed_at   TIMESTAMPTZ,
    connected_by        BIGINT REFERENCES users(id) ON DELETE SET NULL,
    connected_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- A QBO company belongs to at most one account while it is connected.
CREATE UNIQUE INDEX qbo_connections_realm_key ON qbo_connections (realm_id) WHERE status <> 'disconnected';

-- Links between local objects and QBO objects, per realm, kept across disconnects.
CREATE TABLE qbo_links (
    id              BIGSERIAL PRIMARY KEY,
    account_id      BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    realm_id        TEXT NOT NULL,
    object_type     TEXT NOT NULL CHECK (object_type IN ('user', 'customer', 'service', 'time_card', 'invoice')),
    object_id       BIGINT NOT NULL,
    qbo_id          TEXT NOT NULL,
    sync_token      TEXT NOT NULL DEFAULT '0',
    synced_version  BIGINT NOT NULL DEFAULT 0,
    qbo_deleted     BOOLEAN NOT NULL DEFAULT false,
    synced_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (account_id, realm_id, object_type, object_id),
    UNIQUE (account_id, realm_id, object_type, qbo_id)
);

-- What a person sees per object: the outcome of its latest sync.
CREATE TABLE sync_states (
    account_id      BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    object_type     TEXT NOT NULL CHECK (object_type IN ('user', 'customer', 'service', 'time_card', 'invoice')),
    object_id       BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('never', 'synced', 'changed', 'syncing', 'failed')),
    message         TEXT NOT NULL DEFAULT '',
    error_code      TEXT NOT NULL DEFAULT '',
    workflow_id     TEXT NOT NULL DEFAULT '',
    run_id          TEXT NOT NULL DEFAULT '',
    last_synced_at  TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, object_type, object_id)
);
CREATE INDEX sync_states_status_idx ON sync_states (account_id, status);

CREATE TABLE sync_history (
    id           BIGSERIAL PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    object_type  TEXT NOT NULL,
    object_id    BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    attempt      INT NOT NULL DEFAULT 1,
    workflow_id  TEXT NOT NULL DEFAULT '',
    run_id       TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL CHECK (outcome IN ('started', 'succeeded', 'failed', 'skipped')),
    message      TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sync_history_object_idx ON sync_history (account_id, object_type, object_id, created_at DESC);
CREATE INDEX sync_history_recent_idx ON sync_history (account_id, created_at DESC);

-- +goose Down
DROP TABLE sync_history, sync_states, qbo_links, qbo_connections, time_cards, invoice_lines, invoices,
    income_accounts, services, customers, outbox_mail, password_resets, invitations, api_tokens, sessions,
    users, accounts;
