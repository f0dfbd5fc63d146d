DROP TABLE sign_in_steps;
DROP TABLE bureau_officers;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN totp_secret;
