-- Issue 38, point 1: what an application states of its eligibility (a
-- municipality's or prefecture's placement mode; the regular placements of
-- an applicant that places, in the 3 months before applying), and one open
-- application or approval per licence number (its branches share it).

CREATE TABLE eligibility (
    organisation_id    BIGINT PRIMARY KEY REFERENCES organisations (id),
    placement          TEXT,
    regular_placements INTEGER
);

CREATE UNIQUE INDEX organisations_one_per_licence ON organisations (licence_number)
    WHERE licence_number IS NOT NULL AND status IN ('pending', 'approved', 'suspended');

-- Point 2: the co-applicants of a joint application (連名申請): a
-- contracting body's contractor, a representative department's
-- departments. A staff user may belong to one.
CREATE TABLE co_applicants (
    id              BIGSERIAL PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name            TEXT NOT NULL,
    role            TEXT NOT NULL,
    licence_number  TEXT
);
CREATE INDEX co_applicants_by_organisation ON co_applicants (organisation_id, id);
ALTER TABLE users ADD COLUMN co_applicant_id BIGINT REFERENCES co_applicants (id);

-- Point 4: an organisation's requests to change its record (name,
-- municipality, services, departments), which the bureau decides; one
-- pending at a time.
CREATE TABLE change_requests (
    id              BIGSERIAL PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    status          TEXT NOT NULL,
    changes         TEXT NOT NULL,
    reason          TEXT,
    created_at      TIMESTAMP NOT NULL,
    decided_at      TIMESTAMP
);
CREATE INDEX change_requests_by_organisation ON change_requests (organisation_id, id);
CREATE UNIQUE INDEX change_requests_one_pending ON change_requests (organisation_id)
    WHERE status = 'pending';
