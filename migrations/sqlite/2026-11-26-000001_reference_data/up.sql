-- Reference code lists. Loaded as data (see crates/store/src/reference.rs),
-- never hard-coded, so that a newer list can replace them after a merger.
CREATE TABLE prefectures (
    code        TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 2 AND code NOT GLOB '*[^0-9]*'),
    lg_code     TEXT NOT NULL UNIQUE CHECK (length(lg_code) = 6 AND lg_code NOT GLOB '*[^0-9]*'),
    name        TEXT NOT NULL,
    kana        TEXT NOT NULL
);

CREATE TABLE municipalities (
    code            TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 6 AND code NOT GLOB '*[^0-9]*'),
    prefecture_code TEXT NOT NULL REFERENCES prefectures (code),
    name            TEXT NOT NULL,
    kana            TEXT NOT NULL
);
CREATE INDEX municipalities_by_prefecture ON municipalities (prefecture_code, code);

CREATE TABLE occupation_groups (
    code    TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 2 AND code NOT GLOB '*[^0-9]*'),
    name    TEXT NOT NULL
);
