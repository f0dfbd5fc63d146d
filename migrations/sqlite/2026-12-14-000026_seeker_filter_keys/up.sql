-- The seekers' FTS5 index holds each seeker's filter values too, as tokens
-- of their own after the text's bigrams (see the PostgreSQL migration of
-- the same name): a profile search matches its keyword with its filters
-- in one query (`... AND zp13 AND zq...`) instead of walking every seeker
-- of its first filter. The seeker's row keeps them in `filter_keys`,
-- written with its filter rows (kyushoku_store::keyword_index::seeker_keys);
-- hex digits never start with `z`.
ALTER TABLE seekers ADD COLUMN filter_keys TEXT NOT NULL DEFAULT '';

UPDATE seekers SET filter_keys = ltrim(
    coalesce(' ' || (SELECT group_concat('zp' || prefecture, ' ') FROM seeker_prefectures WHERE seeker_id = seekers.id), '')
    || coalesce(' ' || (SELECT group_concat('zm' || municipality, ' ') FROM seeker_municipalities WHERE seeker_id = seekers.id), '')
    || coalesce(' ' || (SELECT group_concat('zo' || replace(code, '-', ''), ' ') FROM seeker_occupations WHERE seeker_id = seekers.id), '')
    || coalesce(' ' || (SELECT group_concat('zq' || lower(hex(value)), ' ') FROM seeker_qualifications WHERE seeker_id = seekers.id), '')
    || CASE WHEN employment_types LIKE '%,full_time,%' THEN ' zefulltime' ELSE '' END
    || CASE WHEN employment_types LIKE '%,part_time,%' THEN ' zeparttime' ELSE '' END
    || CASE WHEN employment_types LIKE '%,contract,%' THEN ' zecontract' ELSE '' END
    || CASE WHEN employment_types LIKE '%,dispatch,%' THEN ' zedispatch' ELSE '' END
    || CASE WHEN employment_types LIKE '%,other,%' THEN ' zeother' ELSE '' END
)
WHERE profile IS NOT NULL;
-- The employment types are keys now, and their column goes (diesel's
-- sixteen columns, see the PostgreSQL migration).
ALTER TABLE seekers DROP COLUMN employment_types;

DROP TRIGGER seekers_keywords_insert;
DROP TRIGGER seekers_keywords_update;
DROP TRIGGER seekers_keywords_delete;
INSERT INTO seeker_keywords (seeker_keywords) VALUES ('delete-all');
INSERT INTO seeker_keywords (rowid, grams)
    SELECT id, kyushoku_grams(search_text) || ' ' || filter_keys FROM seekers;
CREATE TRIGGER seekers_keywords_insert AFTER INSERT ON seekers
BEGIN
    INSERT INTO seeker_keywords (rowid, grams) VALUES (NEW.id, kyushoku_grams(NEW.search_text) || ' ' || NEW.filter_keys);
END;
CREATE TRIGGER seekers_keywords_update AFTER UPDATE OF search_text, filter_keys ON seekers
    FOR EACH ROW WHEN OLD.search_text IS NOT NEW.search_text OR OLD.filter_keys IS NOT NEW.filter_keys
BEGIN
    INSERT INTO seeker_keywords (seeker_keywords, rowid, grams) VALUES ('delete', OLD.id,
        kyushoku_grams(OLD.search_text) || ' ' || OLD.filter_keys);
    INSERT INTO seeker_keywords (rowid, grams) VALUES (NEW.id, kyushoku_grams(NEW.search_text) || ' ' || NEW.filter_keys);
END;
CREATE TRIGGER seekers_keywords_delete AFTER DELETE ON seekers
BEGIN
    INSERT INTO seeker_keywords (seeker_keywords, rowid, grams) VALUES ('delete', OLD.id,
        kyushoku_grams(OLD.search_text) || ' ' || OLD.filter_keys);
END;
