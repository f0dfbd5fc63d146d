DROP TRIGGER seekers_keywords_insert;
DROP TRIGGER seekers_keywords_update;
DROP TRIGGER seekers_keywords_delete;
INSERT INTO seeker_keywords (seeker_keywords) VALUES ('delete-all');
INSERT INTO seeker_keywords (rowid, grams) SELECT id, kyushoku_grams(search_text) FROM seekers;
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
ALTER TABLE seekers ADD COLUMN employment_types TEXT NOT NULL DEFAULT '';
UPDATE seekers SET employment_types = ','
    || CASE WHEN filter_keys LIKE '%zefulltime%' THEN 'full_time,' ELSE '' END
    || CASE WHEN filter_keys LIKE '%zeparttime%' THEN 'part_time,' ELSE '' END
    || CASE WHEN filter_keys LIKE '%zecontract%' THEN 'contract,' ELSE '' END
    || CASE WHEN filter_keys LIKE '%zedispatch%' THEN 'dispatch,' ELSE '' END
    || CASE WHEN filter_keys LIKE '%zeother%' THEN 'other,' ELSE '' END
WHERE filter_keys LIKE '%ze%';
ALTER TABLE seekers DROP COLUMN filter_keys;
