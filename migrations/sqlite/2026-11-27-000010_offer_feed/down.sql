DROP TRIGGER job_offers_feed_insert;
DROP TRIGGER job_offers_feed_update;
