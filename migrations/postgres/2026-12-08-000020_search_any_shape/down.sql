DROP INDEX job_offers_by_char;
DROP INDEX seekers_by_char;
DROP FUNCTION kyushoku_chars(TEXT);
DROP TABLE text_fold;
DROP INDEX job_offers_by_minor;
DROP INDEX job_offers_by_middle;
DROP INDEX job_offers_by_major;
CREATE INDEX job_offers_by_occupation ON job_offers (occupation_major, occupation);
DROP INDEX job_offers_by_municipality;
CREATE OR REPLACE FUNCTION kyushoku_search_order_follows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE seeker_occupations SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_prefectures SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_qualifications SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    RETURN NULL;
END
$$;
DROP TABLE seeker_municipalities;
