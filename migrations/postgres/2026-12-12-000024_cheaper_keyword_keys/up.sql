-- The keyword indexes' two functions (migrations 000008 and 000020), made
-- cheaper to evaluate: PostgreSQL evaluates them for every row written,
-- and they were most of a seeker's insert (issue 37, point 7).
--
-- `substr(t, i, 2)` walks the text from its start for every i (UTF-8 has
-- no character offsets), so a text of n characters cost n²/2 steps; the
-- characters are now split once and zipped with themselves shifted by one.
-- The duplicates are no longer removed: a GIN index keeps each key once per
-- row, and `@>` compares sets, so every row's keys and every search's
-- answer stay what they were, and the built indexes need no rebuild.
CREATE OR REPLACE FUNCTION kyushoku_bigrams(t TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT COALESCE(array_agg(a || b), '{}')
    FROM unnest(string_to_array(t, NULL), string_to_array(substr(t, 2), NULL)) AS u(a, b)
    WHERE b IS NOT NULL
$$;

-- Each character of the text (an empty text has none; it had one empty
-- key before, which no search asks for).
CREATE OR REPLACE FUNCTION kyushoku_chars(t TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT string_to_array(t, NULL)
$$;
