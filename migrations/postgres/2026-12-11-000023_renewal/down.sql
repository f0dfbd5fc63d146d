DROP TABLE renewals;
ALTER TABLE organisation_terms DROP COLUMN approved_until;
