-- Issue 38, point 4: an approval runs for a period (three years) and is
-- renewed on request (更新) before it ends, or lapses. `approved_until` is
-- the last day it is in force; approvals from before this migration run
-- three years from the day kept as their approval's.
ALTER TABLE organisation_terms ADD COLUMN approved_until DATE;
UPDATE organisation_terms SET approved_until = (approved_on + INTERVAL '3 years' - INTERVAL '1 day')::date;

-- The renewals asked for, which the bureau decides; one pending at a time.
CREATE TABLE renewals (
    id              BIGSERIAL PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    status          TEXT NOT NULL,
    ends_on         DATE NOT NULL,
    renewed_until   DATE,
    reason          TEXT,
    created_at      TIMESTAMP NOT NULL,
    decided_at      TIMESTAMP
);
CREATE INDEX renewals_by_organisation ON renewals (organisation_id, id);
CREATE UNIQUE INDEX renewals_one_pending ON renewals (organisation_id)
    WHERE status = 'pending';
