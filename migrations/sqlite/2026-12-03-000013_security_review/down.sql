DROP TRIGGER job_offers_feed_insert;
DROP TRIGGER job_offers_feed_update;
CREATE TRIGGER job_offers_feed_insert AFTER INSERT ON job_offers
BEGIN
    INSERT INTO offer_changes (job_offer_id, at) VALUES (NEW.id, NEW.updated_at);
END;
CREATE TRIGGER job_offers_feed_update AFTER UPDATE ON job_offers
BEGIN
    INSERT INTO offer_changes (job_offer_id, at) VALUES (NEW.id, NEW.updated_at);
END;
ALTER TABLE offer_changes DROP COLUMN prior_scope;
