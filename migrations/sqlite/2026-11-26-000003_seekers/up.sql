-- Job seekers as Hello Work shares them: an opaque reference, the consent
-- scope, validity, and the anonymised, scrubbed profile. There is no column
-- for a name, contact data, address, birth date, sex or the Hello Work
-- seeker number (R11).
CREATE TABLE seekers (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    seeker_ref       TEXT NOT NULL UNIQUE,
    consent_scope    TEXT NOT NULL,
    status           TEXT NOT NULL,
    valid_until      DATE NOT NULL,
    receive_guidance BOOLEAN NOT NULL DEFAULT TRUE,
    -- The profile as JSON, scrubbed; NULL once purged (R7).
    profile          TEXT,
    -- Folded free text for keyword search.
    search_text      TEXT NOT NULL DEFAULT '',
    wage_kind        TEXT,
    wage_min         BIGINT,
    -- ",full_time,part_time," for a LIKE filter.
    employment_types TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    ended_at         TIMESTAMP,
    purged_at        TIMESTAMP
);
CREATE INDEX seekers_by_recency ON seekers (updated_at DESC, id DESC) WHERE status = 'active';
CREATE INDEX seekers_ended ON seekers (ended_at) WHERE ended_at IS NOT NULL AND purged_at IS NULL;

-- Desired occupations with their ancestors (081-02 also as 081 and 08).
CREATE TABLE seeker_occupations (
    seeker_id BIGINT NOT NULL REFERENCES seekers (id) ON DELETE CASCADE,
    code      TEXT NOT NULL,
    PRIMARY KEY (seeker_id, code)
);
CREATE INDEX seeker_occupations_by_code ON seeker_occupations (code, seeker_id);

CREATE TABLE seeker_locations (
    seeker_id    BIGINT NOT NULL REFERENCES seekers (id) ON DELETE CASCADE,
    prefecture   TEXT NOT NULL,
    municipality TEXT
);
CREATE INDEX seeker_locations_by_seeker ON seeker_locations (seeker_id);
CREATE INDEX seeker_locations_by_prefecture ON seeker_locations (prefecture, seeker_id);
CREATE INDEX seeker_locations_by_municipality ON seeker_locations (municipality, seeker_id);

-- Qualification names and codes.
CREATE TABLE seeker_qualifications (
    seeker_id BIGINT NOT NULL REFERENCES seekers (id) ON DELETE CASCADE,
    value     TEXT NOT NULL
);
CREATE INDEX seeker_qualifications_by_seeker ON seeker_qualifications (seeker_id);
CREATE INDEX seeker_qualifications_by_value ON seeker_qualifications (value, seeker_id);

-- R6: every change of consent scope, from which channel.
CREATE TABLE consent_ledger (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    seeker_id BIGINT NOT NULL REFERENCES seekers (id),
    at        TIMESTAMP NOT NULL,
    channel   TEXT NOT NULL,
    old_scope TEXT,
    new_scope TEXT NOT NULL
);
CREATE INDEX consent_ledger_by_seeker ON consent_ledger (seeker_id, id);

-- R5: 受信拒否, a seeker refusing one organisation.
CREATE TABLE blocks (
    seeker_id       BIGINT NOT NULL REFERENCES seekers (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (seeker_id, organisation_id)
);

-- Which seekers an audited search or read showed (R9): three numbers a
-- row, keyed for "who saw seeker S". (PostgreSQL partitions it by month.)
CREATE TABLE audit_seekers (
    seeker_id BIGINT NOT NULL,
    event_id  BIGINT NOT NULL,
    at        TIMESTAMP NOT NULL,
    PRIMARY KEY (seeker_id, event_id, at)
);
CREATE INDEX audit_seekers_by_event ON audit_seekers (event_id);

-- R12: the first answer to each (principal, Idempotency-Key).
CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, key)
);
