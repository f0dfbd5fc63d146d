-- Issue 33: the people who sign in to the pages, and their second factor
-- (RFC 6238 one-time codes). A secret is kept sealed with the deployment's
-- key (a copy of the database alone gives no codes); the last step whose
-- code was accepted is kept so that a code is accepted once.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- A labour bureau's officer: signs in to the bureau's console (password
-- and, always, a one-time code), acts as the bureau of one prefecture.
CREATE TABLE bureau_officers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id       TEXT NOT NULL UNIQUE,
    prefecture      TEXT NOT NULL,
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    totp_secret     TEXT,
    totp_last_step  BIGINT,
    epoch           BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL
);

-- A sign-in half done: the password was right, the one-time code (or the
-- set-up of the person's app) is still to come. The browser holds a
-- random token, the row its SHA-256; it lasts five minutes and allows
-- five wrong codes. Exactly one of user_id and officer_id is set.
CREATE TABLE sign_in_steps (
    token_hash    TEXT PRIMARY KEY NOT NULL,
    user_id       BIGINT REFERENCES users (id) ON DELETE CASCADE,
    officer_id    BIGINT REFERENCES bureau_officers (id) ON DELETE CASCADE,
    enrol_secret  TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    expires_at    TIMESTAMP NOT NULL,
    CHECK ((user_id IS NULL) <> (officer_id IS NULL))
);
CREATE INDEX sign_in_steps_by_expiry ON sign_in_steps (expires_at);

-- The staff's offer page shows the organisation's last read of its change
-- feed (an `offer_changes` event): one organisation's newest event of one
-- action is then a seek, not a walk through all its events (the bureau's
-- audit search by organisation and action gains the same).
CREATE INDEX audit_events_by_organisation_action ON audit_events (organisation_id, action, id);
