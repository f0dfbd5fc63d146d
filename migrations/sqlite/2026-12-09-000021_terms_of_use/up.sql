-- Issue 38, the terms of use: when an organisation was first approved (its
-- quarterly usage reports are owed from that quarter), the reports
-- themselves, the sanctions the bureau imposed under the terms, and a
-- seeker's report handled as a complaint case.

CREATE TABLE organisation_terms (
    organisation_id BIGINT PRIMARY KEY REFERENCES organisations (id),
    approved_on     DATE NOT NULL
);
-- Organisations approved before this migration owe reports from the day
-- they applied: the day of their approval was not kept.
INSERT INTO organisation_terms (organisation_id, approved_on)
    SELECT id, date(created_at) FROM organisations WHERE status IN ('approved', 'suspended');

CREATE TABLE usage_reports (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id          TEXT NOT NULL UNIQUE,
    organisation_id    BIGINT NOT NULL REFERENCES organisations (id),
    quarter            TEXT NOT NULL,
    status             TEXT NOT NULL,
    hires_from_offers  INTEGER NOT NULL,
    hires_from_seekers INTEGER NOT NULL,
    referrals          TEXT NOT NULL,
    revision           INTEGER NOT NULL,
    submitted_at       TIMESTAMP,
    corrected_at       TIMESTAMP,
    found_false_at     TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, quarter)
);
CREATE INDEX usage_reports_by_quarter ON usage_reports (quarter, organisation_id);

CREATE TABLE sanctions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id       TEXT NOT NULL UNIQUE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    ground          TEXT NOT NULL,
    quarter         TEXT NOT NULL,
    sanction        TEXT NOT NULL,
    suspended_until DATE,
    reason          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX sanctions_by_organisation ON sanctions (organisation_id, id);

ALTER TABLE reports ADD COLUMN status TEXT NOT NULL DEFAULT 'received';
ALTER TABLE reports ADD COLUMN outcome TEXT;
ALTER TABLE reports ADD COLUMN handled_at TIMESTAMP;
CREATE INDEX reports_by_thread ON reports (thread_id, id);
