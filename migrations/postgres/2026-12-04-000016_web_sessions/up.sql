-- Issue 33: pages for people. A sign-in link Hello Work hands a seeker
-- opens their My Page in a browser: the row keeps the SHA-256 of the
-- link's token (never the token), it lasts at most five minutes and is
-- used once.
CREATE TABLE sign_in_links (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    seeker_id   BIGINT NOT NULL REFERENCES seekers (id) ON DELETE CASCADE,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);
CREATE INDEX sign_in_links_by_expiry ON sign_in_links (expires_at);

-- A browser session: the cookie carries a random token, the row its
-- SHA-256, the claims an access token of the same principal would carry
-- (so that every request passes the same checks as a bearer token: R8)
-- and the session's CSRF secret. Idle and absolute timeouts are read from
-- last_seen_at and created_at; signing out deletes the row.
CREATE TABLE web_sessions (
    token_hash    TEXT PRIMARY KEY NOT NULL,
    actor_kind    TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    claims        TEXT NOT NULL,
    csrf          TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_by_actor ON web_sessions (actor_kind, actor_id);
CREATE INDEX web_sessions_by_last_seen ON web_sessions (last_seen_at);
