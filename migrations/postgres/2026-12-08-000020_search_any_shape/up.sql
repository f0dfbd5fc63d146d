-- Search for any shape (issue 37).
--
-- A search by municipality walked every seeker newest first to find the
-- few in it (one that matched nobody walked them all): municipalities get
-- order rows of their own, like prefectures (migration 000009), and job
-- offers an index in the same order.
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

CREATE OR REPLACE FUNCTION kyushoku_search_order_follows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE seeker_occupations SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_prefectures SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_qualifications SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_municipalities SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    RETURN NULL;
END
$$;

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

-- The version of the keyword fold (kyushoku_domain::fold) the stored
-- search text was made with; another version is folded again at start-up.
CREATE TABLE text_fold (
    id      TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);

-- A one-character keyword has no bigram for kyushoku_bigrams' index to
-- hold: a rare one (a kanji no text holds) walked every row. Each text's
-- distinct characters get an index of their own.
CREATE FUNCTION kyushoku_chars(t TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT COALESCE(array_agg(DISTINCT c), '{}') FROM regexp_split_to_table(t, '') AS c
$$;
CREATE INDEX seekers_by_char ON seekers USING gin (kyushoku_chars(search_text));
CREATE INDEX job_offers_by_char ON job_offers USING gin (kyushoku_chars(search_text));
