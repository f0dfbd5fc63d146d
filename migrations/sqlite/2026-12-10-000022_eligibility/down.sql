DROP TABLE change_requests;
ALTER TABLE users DROP COLUMN co_applicant_id;
DROP TABLE co_applicants;
DROP INDEX organisations_one_per_licence;
DROP TABLE eligibility;
