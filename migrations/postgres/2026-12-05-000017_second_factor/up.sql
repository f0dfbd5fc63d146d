-- Issue 33: the staff's second factor (RFC 6238 one-time codes). A user's
-- secret is kept sealed with the deployment's key (a copy of the database
-- alone gives no codes); the last step whose code was accepted is kept so
-- that a code is accepted once.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- A staff sign-in half done: the password was right, the one-time code
-- (or, for an administrator without one, the set-up of their app) is
-- still to come. The browser holds a random token, the row its SHA-256;
-- it lasts five minutes and allows five wrong codes.
CREATE TABLE staff_sign_in_steps (
    token_hash    TEXT PRIMARY KEY NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    enrol_secret  TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    expires_at    TIMESTAMP NOT NULL
);
CREATE INDEX staff_sign_in_steps_by_expiry ON staff_sign_in_steps (expires_at);
