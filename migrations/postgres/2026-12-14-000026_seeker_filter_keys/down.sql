CREATE INDEX seekers_by_bigram ON seekers USING gin (kyushoku_bigrams(search_text));
CREATE INDEX seekers_by_char ON seekers USING gin (kyushoku_chars(search_text));
DROP INDEX seekers_by_key;
DROP FUNCTION kyushoku_seeker_keys(TEXT, TEXT);
ALTER TABLE seekers ADD COLUMN employment_types TEXT NOT NULL DEFAULT '';
UPDATE seekers SET employment_types = ',' || concat_ws(',',
    CASE WHEN filter_keys LIKE '%zefulltime%' THEN 'full_time' END,
    CASE WHEN filter_keys LIKE '%zeparttime%' THEN 'part_time' END,
    CASE WHEN filter_keys LIKE '%zecontract%' THEN 'contract' END,
    CASE WHEN filter_keys LIKE '%zedispatch%' THEN 'dispatch' END,
    CASE WHEN filter_keys LIKE '%zeother%' THEN 'other' END
) || ','
WHERE filter_keys LIKE '%ze%';
ALTER TABLE seekers DROP COLUMN filter_keys;
