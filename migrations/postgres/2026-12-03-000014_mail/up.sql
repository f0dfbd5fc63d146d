-- Issue 30, point 9: what an application or an added user is told goes to
-- the address, not to the caller. Mail is written to this outbox in the
-- same transaction as the action it tells of, and delivered afterwards
-- (SMTP or a directory); once delivered, its address and text are erased.
CREATE TABLE mail_outbox (
    id               BIGSERIAL PRIMARY KEY,
    kind             TEXT NOT NULL,
    recipient        TEXT,
    subject          TEXT,
    body             TEXT,
    created_at       TIMESTAMP NOT NULL,
    next_attempt_at  TIMESTAMP NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    sent_at          TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;

-- One-use tokens sent by mail (a new user's password setup), by digest.
CREATE TABLE mail_tokens (
    token_hash  TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);
CREATE INDEX mail_tokens_by_user ON mail_tokens (user_id);
