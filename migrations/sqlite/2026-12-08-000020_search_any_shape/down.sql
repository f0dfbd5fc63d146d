DROP TRIGGER job_offers_keywords_delete;
DROP TRIGGER job_offers_keywords_update;
DROP TRIGGER job_offers_keywords_insert;
DROP TRIGGER seekers_keywords_delete;
DROP TRIGGER seekers_keywords_update;
DROP TRIGGER seekers_keywords_insert;
DROP TABLE offer_keywords;
DROP TABLE seeker_keywords;
DROP TABLE text_fold;
DROP INDEX job_offers_by_minor;
DROP INDEX job_offers_by_middle;
DROP INDEX job_offers_by_major;
CREATE INDEX job_offers_by_occupation ON job_offers (occupation_major, occupation);
DROP INDEX job_offers_by_municipality;
DROP TRIGGER seekers_search_order_follows;
CREATE TRIGGER seekers_search_order_follows
    AFTER UPDATE OF updated_at ON seekers
    FOR EACH ROW WHEN OLD.updated_at IS NOT NEW.updated_at
BEGIN
    UPDATE seeker_occupations SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_prefectures SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_qualifications SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
END;
DROP TABLE seeker_municipalities;
