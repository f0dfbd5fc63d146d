-- Issue 30 (the outside review). See the PostgreSQL migration for why.
ALTER TABLE offer_changes ADD COLUMN prior_scope TEXT;

DROP TRIGGER job_offers_feed_insert;
DROP TRIGGER job_offers_feed_update;
CREATE TRIGGER job_offers_feed_insert AFTER INSERT ON job_offers
BEGIN
    INSERT INTO offer_changes (job_offer_id, at, prior_scope) VALUES (NEW.id, NEW.updated_at, NULL);
END;
CREATE TRIGGER job_offers_feed_update AFTER UPDATE ON job_offers
BEGIN
    INSERT INTO offer_changes (job_offer_id, at, prior_scope)
    VALUES (NEW.id, NEW.updated_at, CASE WHEN OLD.status = 'active' THEN OLD.scope END);
END;

UPDATE organisations SET sector = CASE
    WHEN kind IN ('prefecture', 'municipality', 'national_agency', 'nurse_center') THEN 'public'
    ELSE 'private' END
WHERE sector IS NOT NULL;


