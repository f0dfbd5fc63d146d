-- A profile search whose filters few seekers match together (a rare
-- qualification among one prefecture's seekers, two filters whose seekers
-- barely overlap) walked every seeker of its first filter: as migration
-- 000025 did for job offers, the seekers' keyword index now holds each
-- seeker's filter values as keys of their own, so one GIN scan intersects
-- a keyword with the filters, driven by the rarest key.
--
-- A seeker's filter values live in rows of their own (migration 000009),
-- which an index cannot read: the seeker's row keeps them as keys in
-- `filter_keys`, written with those rows from the same values, with the
-- employment types that `employment_types` held
-- (kyushoku_store::keyword_index::seeker_keys; a test checks that the
-- fill below spells them the same).
ALTER TABLE seekers ADD COLUMN filter_keys TEXT NOT NULL DEFAULT '';

-- The two indexes this one replaces go first: every row is written anew
-- below, and each would take a new entry per character and bigram of it.
DROP INDEX seekers_by_bigram;
DROP INDEX seekers_by_char;

UPDATE seekers s SET filter_keys = concat_ws(' ',
    (SELECT string_agg('zp' || prefecture, ' ' ORDER BY prefecture)
       FROM seeker_prefectures WHERE seeker_id = s.id),
    (SELECT string_agg('zm' || municipality, ' ' ORDER BY municipality)
       FROM seeker_municipalities WHERE seeker_id = s.id),
    (SELECT string_agg('zo' || replace(code, '-', ''), ' ' ORDER BY code)
       FROM seeker_occupations WHERE seeker_id = s.id),
    (SELECT string_agg('zq' || encode(convert_to(value, 'UTF8'), 'hex'), ' ' ORDER BY value)
       FROM seeker_qualifications WHERE seeker_id = s.id),
    CASE WHEN s.employment_types LIKE '%,full_time,%' THEN 'zefulltime' END,
    CASE WHEN s.employment_types LIKE '%,part_time,%' THEN 'zeparttime' END,
    CASE WHEN s.employment_types LIKE '%,contract,%' THEN 'zecontract' END,
    CASE WHEN s.employment_types LIKE '%,dispatch,%' THEN 'zedispatch' END,
    CASE WHEN s.employment_types LIKE '%,other,%' THEN 'zeother' END
)
WHERE s.profile IS NOT NULL;
-- The employment types are keys now, and their column goes: `seekers`
-- keeps its sixteen columns (diesel's limit without its wider tables).
ALTER TABLE seekers DROP COLUMN employment_types;

-- One index holds the text's characters, its bigrams and the filter keys,
-- replacing the two of migrations 000008 and 000020 (characters are one
-- character long, bigrams two, every key at least four). Every row was
-- written anew: `VACUUM seekers` after the migration gives back the old
-- versions' space (it cannot run inside the migration's transaction).
CREATE FUNCTION kyushoku_seeker_keys(t TEXT, keys TEXT) RETURNS TEXT[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT kyushoku_chars(t) || kyushoku_bigrams(t) || string_to_array(keys, ' ')
$$;

SET LOCAL maintenance_work_mem = '256MB';
CREATE INDEX seekers_by_key ON seekers USING gin (kyushoku_seeker_keys(search_text, filter_keys));
-- Only when it holds rows: statistics of an empty table (reltuples 0)
-- tell the planner it is empty, and where autovacuum is off nothing
-- corrects them, so the first plans of a fresh database, the foreign-key
-- checks' among them (cached by each connection), scan the whole table
-- for ever: a first load then wrote 90 seekers a second instead of 1,800.
-- Never analysed (reltuples -1), the planner assumes a table of some size.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM seekers) THEN
        ANALYZE seekers;
    END IF;
END
$$;
