-- A search by qualification alone walked the whole recency index and
-- checked each seeker; the qualification rows now carry the seeker's
-- `updated_at`, indexed by value in that order (see the PostgreSQL
-- migration of the same name). One row per seeker and value.
DELETE FROM seeker_qualifications
    WHERE rowid NOT IN (SELECT min(rowid) FROM seeker_qualifications GROUP BY seeker_id, value);
ALTER TABLE seeker_qualifications ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE seeker_qualifications
    SET updated_at = (SELECT s.updated_at FROM seekers s WHERE s.id = seeker_qualifications.seeker_id);
DROP INDEX seeker_qualifications_by_seeker;
DROP INDEX seeker_qualifications_by_value;
CREATE UNIQUE INDEX seeker_qualifications_once ON seeker_qualifications (seeker_id, value);
CREATE INDEX seeker_qualifications_by_recency
    ON seeker_qualifications (value, updated_at DESC, seeker_id DESC);

DROP TRIGGER seekers_search_order_follows;
CREATE TRIGGER seekers_search_order_follows
    AFTER UPDATE OF updated_at ON seekers
    FOR EACH ROW WHEN OLD.updated_at IS NOT NEW.updated_at
BEGIN
    UPDATE seeker_occupations SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_prefectures SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_qualifications SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
END;
