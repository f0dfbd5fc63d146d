-- A keyword many offers hold but few of a filter's hold (研 among one
-- prefecture's contract offers: 0 of 2,500,000's 150,000 there) had two
-- plans, both slow: the walk read every offer of the filter, the index
-- every offer holding the keyword (issue 37, 463 ms). The offers' keyword
-- index now holds each offer's filter values too, as keys of their own,
-- so that one GIN scan intersects the keyword with the filters, driven by
-- the rarest key (kyushoku_store::keyword_index::offer_keys spells them
-- the same; a test checks both agree).
--
-- One index holds a text's characters (one-character keywords), its
-- bigrams (longer ones) and the filter keys, replacing the two indexes of
-- migrations 000008 and 000020: the characters are one character long, the
-- bigrams two, every filter key at least four, so none can be taken for
-- another.
CREATE FUNCTION kyushoku_offer_keys(
    t TEXT, prefecture TEXT, municipality TEXT, occupation TEXT,
    employment_type TEXT, wage_kind TEXT
) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT kyushoku_chars(t) || kyushoku_bigrams(t) || array_remove(ARRAY[
        'zp' || prefecture,
        'zm' || municipality,
        'zj' || substr(occupation, 1, 2),
        'zo' || substr(occupation, 1, 3),
        'zo' || replace(occupation, '-', ''),
        'ze' || replace(employment_type, '_', ''),
        'zw' || wage_kind
    ], NULL)
$$;

SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX job_offers_by_key ON job_offers USING gin (
    kyushoku_offer_keys(search_text, prefecture, municipality, occupation, employment_type, wage_kind)
);
DROP INDEX job_offers_by_bigram;
DROP INDEX job_offers_by_char;
-- The planner's estimate of a key's rows comes from the expression's
-- statistics, which only ANALYZE gathers.
-- Only when it holds rows: statistics of an empty table (reltuples 0)
-- tell the planner it is empty, and where autovacuum is off nothing
-- corrects them, so the first plans of a fresh database, the foreign-key
-- checks' among them (cached by each connection), scan the whole table
-- for ever: a first load then wrote 90 seekers a second instead of 1,800.
-- Never analysed (reltuples -1), the planner assumes a table of some size.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM job_offers) THEN
        ANALYZE job_offers;
    END IF;
END
$$;
