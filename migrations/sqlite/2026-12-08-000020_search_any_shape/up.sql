-- Search for any shape (issue 37); see the PostgreSQL migration of the same
-- name for the municipality order rows and the fold version.
CREATE TABLE seeker_municipalities (
    seeker_id    BIGINT NOT NULL REFERENCES seekers (id) ON DELETE CASCADE,
    municipality TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (seeker_id, municipality)
);
INSERT INTO seeker_municipalities (seeker_id, municipality, updated_at)
    SELECT DISTINCT l.seeker_id, l.municipality, s.updated_at
    FROM seeker_locations l JOIN seekers s ON s.id = l.seeker_id
    WHERE l.municipality IS NOT NULL;
CREATE INDEX seeker_municipalities_by_recency
    ON seeker_municipalities (municipality, updated_at DESC, seeker_id DESC);

DROP TRIGGER seekers_search_order_follows;
CREATE TRIGGER seekers_search_order_follows
    AFTER UPDATE OF updated_at ON seekers
    FOR EACH ROW WHEN OLD.updated_at IS NOT NEW.updated_at
BEGIN
    UPDATE seeker_occupations SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_prefectures SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_qualifications SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_municipalities SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
END;

CREATE INDEX job_offers_by_municipality
    ON job_offers (municipality, updated_at DESC, id DESC) WHERE municipality IS NOT NULL;
-- An occupation filter on offers is an equality at its level (the middle
-- group is the code's first three characters, indexed as that expression),
-- each in the browse's order: a code no offer has answered after walking
-- every offer.
DROP INDEX job_offers_by_occupation;
CREATE INDEX job_offers_by_major ON job_offers (occupation_major, updated_at DESC, id DESC);
CREATE INDEX job_offers_by_middle ON job_offers (substr(occupation, 1, 3), updated_at DESC, id DESC);
CREATE INDEX job_offers_by_minor ON job_offers (occupation, updated_at DESC, id DESC);

CREATE TABLE text_fold (
    id      TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);

-- SQLite has no GIN. Keyword search uses FTS5 over the text's bigrams: each
-- character as six hex digits, each token two characters (one for the last),
-- so a keyword of n characters is the phrase of its n - 1 bigrams, which
-- matches exactly where LIKE '%keyword%' does, and a one-character keyword
-- the prefix of its six digits (indexed: `prefix = '6'`). `kyushoku_grams` is registered on every
-- connection (kyushoku_store::keyword_index); the triggers keep the index
-- in the write's transaction, whoever writes. The index is contentless:
-- a row leaves it by FTS5's 'delete' command with the tokens it was
-- indexed with, which `kyushoku_grams(OLD.search_text)` gives again
-- (`contentless_delete` would need SQLite 3.43, newer than the sqlite3
-- shell the benchmarks replay statements with).
CREATE VIRTUAL TABLE seeker_keywords USING fts5(
    grams, content = '', tokenize = 'ascii', prefix = '6'
);
CREATE VIRTUAL TABLE offer_keywords USING fts5(
    grams, content = '', tokenize = 'ascii', prefix = '6'
);
INSERT INTO seeker_keywords (rowid, grams) SELECT id, kyushoku_grams(search_text) FROM seekers;
INSERT INTO offer_keywords (rowid, grams) SELECT id, kyushoku_grams(search_text) FROM job_offers;
CREATE TRIGGER seekers_keywords_insert AFTER INSERT ON seekers
BEGIN
    INSERT INTO seeker_keywords (rowid, grams) VALUES (NEW.id, kyushoku_grams(NEW.search_text));
END;
CREATE TRIGGER seekers_keywords_update AFTER UPDATE OF search_text ON seekers
    FOR EACH ROW WHEN OLD.search_text IS NOT NEW.search_text
BEGIN
    INSERT INTO seeker_keywords (seeker_keywords, rowid, grams) VALUES ('delete', OLD.id, kyushoku_grams(OLD.search_text));
    INSERT INTO seeker_keywords (rowid, grams) VALUES (NEW.id, kyushoku_grams(NEW.search_text));
END;
CREATE TRIGGER seekers_keywords_delete AFTER DELETE ON seekers
BEGIN
    INSERT INTO seeker_keywords (seeker_keywords, rowid, grams) VALUES ('delete', OLD.id, kyushoku_grams(OLD.search_text));
END;
CREATE TRIGGER job_offers_keywords_insert AFTER INSERT ON job_offers
BEGIN
    INSERT INTO offer_keywords (rowid, grams) VALUES (NEW.id, kyushoku_grams(NEW.search_text));
END;
CREATE TRIGGER job_offers_keywords_update AFTER UPDATE OF search_text ON job_offers
    FOR EACH ROW WHEN OLD.search_text IS NOT NEW.search_text
BEGIN
    INSERT INTO offer_keywords (offer_keywords, rowid, grams) VALUES ('delete', OLD.id, kyushoku_grams(OLD.search_text));
    INSERT INTO offer_keywords (rowid, grams) VALUES (NEW.id, kyushoku_grams(NEW.search_text));
END;
CREATE TRIGGER job_offers_keywords_delete AFTER DELETE ON job_offers
BEGIN
    INSERT INTO offer_keywords (offer_keywords, rowid, grams) VALUES ('delete', OLD.id, kyushoku_grams(OLD.search_text));
END;
