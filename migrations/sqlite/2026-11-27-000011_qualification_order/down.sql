DROP TRIGGER seekers_search_order_follows;
CREATE TRIGGER seekers_search_order_follows
    AFTER UPDATE OF updated_at ON seekers
    FOR EACH ROW WHEN OLD.updated_at IS NOT NEW.updated_at
BEGIN
    UPDATE seeker_occupations SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_prefectures SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
END;
DROP INDEX seeker_qualifications_by_recency;
DROP INDEX seeker_qualifications_once;
CREATE INDEX seeker_qualifications_by_seeker ON seeker_qualifications (seeker_id);
CREATE INDEX seeker_qualifications_by_value ON seeker_qualifications (value, seeker_id);
ALTER TABLE seeker_qualifications DROP COLUMN updated_at;
