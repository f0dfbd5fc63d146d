-- Seekers' My Page sessions end when this moves on (revocation).
ALTER TABLE seekers ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;

-- One thread per (organisation, seeker): the first guidance (案内) opens it.
-- `last_author` carries the turn rule (R3): an organisation may write again
-- only after the seeker did.
CREATE TABLE threads (
    id              BIGSERIAL PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    seeker_id       BIGINT NOT NULL REFERENCES seekers (id),
    last_author     TEXT NOT NULL,
    org_unread      INTEGER NOT NULL DEFAULT 0,
    seeker_unread   INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, seeker_id)
);
CREATE INDEX threads_by_organisation ON threads (organisation_id, updated_at DESC, id DESC);
CREATE INDEX threads_by_seeker ON threads (seeker_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id         BIGSERIAL PRIMARY KEY,
    public_id  TEXT NOT NULL UNIQUE,
    thread_id  BIGINT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    -- 'organisation' or 'seeker'
    author     TEXT NOT NULL,
    -- The staff user or client who wrote for the organisation.
    actor      TEXT,
    -- 'guidance' (the first, counted against the daily cap), 'answer', 'question'
    kind       TEXT NOT NULL,
    subject    TEXT,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX messages_by_thread ON messages (thread_id, id);

-- R13: guidance messages sent per organisation per day (JST), incremented
-- only below the cap, in the same transaction as the message.
CREATE TABLE guidance_counters (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    day             DATE NOT NULL,
    sent            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (organisation_id, day)
);

-- Abuse reports from seekers, for the bureau of the organisation's prefecture.
CREATE TABLE reports (
    id              BIGSERIAL PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,
    thread_id       BIGINT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    prefecture      TEXT NOT NULL,
    reason          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX reports_by_prefecture ON reports (prefecture, id);
