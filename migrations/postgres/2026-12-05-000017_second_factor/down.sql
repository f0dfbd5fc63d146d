DROP INDEX audit_events_by_organisation_action;
DROP TABLE sign_in_steps;
DROP TABLE bureau_officers;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_secret;
