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
