DROP TRIGGER job_offers_feed ON job_offers;
DROP FUNCTION kyushoku_record_offer_change();
