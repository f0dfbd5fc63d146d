-- A search by qualification alone walked the whole recency index and
-- checked each seeker (minutes for a rare licence on a large table). Like
-- occupations and prefectures (000009), the qualification rows now carry
-- the seeker's `updated_at`, indexed by value in that order, so such a
-- search walks only the seekers that hold it. One row per seeker and value
-- (the ingest already kept them distinct; the index makes it a rule, so
-- the walk shows no seeker twice).
DELETE FROM seeker_qualifications a
    USING seeker_qualifications b
    WHERE a.seeker_id = b.seeker_id AND a.value = b.value AND a.ctid > b.ctid;
ALTER TABLE seeker_qualifications ADD COLUMN updated_at TIMESTAMP;
UPDATE seeker_qualifications q SET updated_at = s.updated_at FROM seekers s WHERE s.id = q.seeker_id;
ALTER TABLE seeker_qualifications ALTER COLUMN updated_at SET NOT NULL;
DROP INDEX seeker_qualifications_by_seeker;
DROP INDEX seeker_qualifications_by_value;
CREATE UNIQUE INDEX seeker_qualifications_once ON seeker_qualifications (seeker_id, value);
CREATE INDEX seeker_qualifications_by_recency
    ON seeker_qualifications (value, updated_at DESC, seeker_id DESC);

CREATE OR REPLACE FUNCTION kyushoku_search_order_follows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE seeker_occupations SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_prefectures SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_qualifications SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    RETURN NULL;
END
$$;
