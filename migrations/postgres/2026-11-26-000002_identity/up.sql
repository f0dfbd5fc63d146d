-- Organisations, their staff users and API clients, machine clients
-- (hw_system, bureau), refresh tokens, JWT signing keys and the audit trail.

CREATE TABLE organisations (
    id                   BIGSERIAL PRIMARY KEY,
    public_id            TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    prefecture           TEXT NOT NULL,
    municipality         TEXT,
    licence_number       TEXT,
    requests_seeker_info BOOLEAN NOT NULL,
    requests_job_offers  BOOLEAN NOT NULL,
    seeker_info          BOOLEAN NOT NULL DEFAULT FALSE,
    job_offers           BOOLEAN NOT NULL DEFAULT FALSE,
    sector               TEXT,
    status               TEXT NOT NULL,
    epoch                BIGINT NOT NULL DEFAULT 0,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX organisations_by_prefecture ON organisations (prefecture, id);
CREATE INDEX organisations_by_status ON organisations (status, id);

CREATE TABLE users (
    id              BIGSERIAL PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL,
    epoch           BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX users_by_organisation ON users (organisation_id);

CREATE TABLE api_clients (
    id              BIGSERIAL PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    secret_hash     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations (id),
    prefecture      TEXT,
    role            TEXT,
    name            TEXT NOT NULL,
    epoch           BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP
);
CREATE INDEX api_clients_by_organisation ON api_clients (organisation_id);

CREATE TABLE refresh_tokens (
    id          BIGSERIAL PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    family      TEXT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    rotated_at  TIMESTAMP,
    revoked_at  TIMESTAMP
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family);

CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    secret_key  TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    retired_at  TIMESTAMP
);

-- Append-only: rows are written, never changed. Partitioned by month on
-- `at` (see crates/store/src/audit.rs, ensure_partitions) so that a month
-- can be detached and archived or dropped as a whole; rows for a month
-- without its partition land in the default one.
CREATE TABLE audit_events (
    id              BIGSERIAL,
    at              TIMESTAMP NOT NULL,
    request_id      TEXT,
    actor_kind      TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    organisation_id BIGINT,
    prefecture      TEXT,
    action          TEXT NOT NULL,
    target          TEXT,
    detail          TEXT,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
CREATE INDEX audit_events_by_organisation ON audit_events (organisation_id, id);
CREATE INDEX audit_events_by_prefecture ON audit_events (prefecture, id);

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- One row naming this deployment's data: it prefixes the keys this
-- deployment keeps in Redis, so deployments (and test databases) sharing a
-- Redis never read each other's state.
CREATE TABLE deployment (
    -- The secret pseudonyms derive from, when KYUSHOKU_SECRET is not set:
    -- made by the first start, hex.
    secret TEXT,
    id TEXT PRIMARY KEY
);
INSERT INTO deployment (id) VALUES (replace(gen_random_uuid()::text, '-', ''));
