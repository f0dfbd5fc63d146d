-- Keyword search matches a substring of Japanese text, which has no spaces
-- to split words at, and most keywords are two characters (介護, 経理):
-- too short for pg_trgm. Every substring of two or more characters holds
-- all of its bigrams, so a GIN index over each text's bigrams finds the
-- few rows that can match; the LIKE then checks them. A one-character
-- keyword cannot use it and walks the recency index as before.
CREATE FUNCTION kyushoku_bigrams(t TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT COALESCE(array_agg(DISTINCT substr(t, i, 2)), '{}')
    FROM generate_series(1, char_length(t) - 1) AS i
$$;

-- Not partial: the planner estimates how many rows hold a bigram from the
-- statistics of an expression index only when the index is not partial, and
-- it needs that estimate to walk the recency index for a common keyword
-- (介護: a third of all seekers) instead of sorting every match.
CREATE INDEX seekers_by_bigram ON seekers USING gin (kyushoku_bigrams(search_text));
CREATE INDEX job_offers_by_bigram ON job_offers USING gin (kyushoku_bigrams(search_text));
