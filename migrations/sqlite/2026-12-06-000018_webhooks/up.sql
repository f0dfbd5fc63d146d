-- Issue 34: webhooks (Standard Webhooks). A subscription belongs to an
-- organisation, to Hello Work or to a prefecture's labour bureau; its
-- secret is kept sealed with the deployment's key, and while a rotation
-- overlaps the old one signs beside it until previous_until.
CREATE TABLE webhooks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id        TEXT NOT NULL UNIQUE,
    owner            TEXT NOT NULL,
    organisation_id  BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    prefecture       TEXT,
    url              TEXT NOT NULL,
    events           TEXT NOT NULL,
    description      TEXT,
    enabled          BOOLEAN NOT NULL,
    disabled_reason  TEXT,
    secret           TEXT NOT NULL,
    previous_secret  TEXT,
    previous_until   TIMESTAMP,
    failing_since    TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK ((owner = 'organisation') = (organisation_id IS NOT NULL)),
    CHECK ((owner = 'bureau') = (prefecture IS NOT NULL))
);
CREATE INDEX webhooks_by_organisation ON webhooks (organisation_id) WHERE organisation_id IS NOT NULL;
CREATE INDEX webhooks_by_owner ON webhooks (owner, prefecture);

-- One event for one endpoint: written in the transaction of the action it
-- tells of (the outbox), claimed by one instance at a time for one
-- attempt (claimed_until), retried on the schedule until delivered or
-- given up. public_id is the `webhook-id` header, the same on every
-- attempt; payload is the body as signed.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id        TEXT NOT NULL UNIQUE,
    webhook_id       BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP,
    claimed_until    TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);

-- Every attempt: when, the status or why there was none, how long.
CREATE TABLE webhook_attempts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id    BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at   TIMESTAMP NOT NULL,
    status_code    INTEGER,
    error          TEXT,
    duration_ms    INTEGER NOT NULL,
    next_retry_at  TIMESTAMP
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);

-- How far the job-offer change feed has been announced
-- (`job_offers.changed`): one row, moved in the transaction that writes
-- the announcements.
CREATE TABLE webhook_marks (
    name  TEXT PRIMARY KEY NOT NULL,
    seq   BIGINT NOT NULL
);
-- Changes made before webhooks existed are not announced.
INSERT INTO webhook_marks (name, seq)
SELECT 'job_offers.changed', COALESCE(MAX(seq), 0) FROM offer_changes;
