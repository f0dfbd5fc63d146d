DROP TABLE idempotency_keys;
DROP TABLE audit_seekers;
DROP TABLE blocks;
DROP TABLE consent_ledger;
DROP TABLE seeker_qualifications;
DROP TABLE seeker_locations;
DROP TABLE seeker_occupations;
DROP TABLE seekers;
