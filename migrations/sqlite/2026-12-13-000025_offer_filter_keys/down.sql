DROP TRIGGER job_offers_keywords_insert;
DROP TRIGGER job_offers_keywords_update;
DROP TRIGGER job_offers_keywords_delete;
INSERT INTO offer_keywords (offer_keywords) VALUES ('delete-all');
INSERT INTO offer_keywords (rowid, grams) SELECT id, kyushoku_grams(search_text) FROM job_offers;
CREATE TRIGGER job_offers_keywords_insert AFTER INSERT ON job_offers
BEGIN
    INSERT INTO offer_keywords (rowid, grams) VALUES (NEW.id, kyushoku_grams(NEW.search_text));
END;
CREATE TRIGGER job_offers_keywords_update AFTER UPDATE OF search_text ON job_offers
    FOR EACH ROW WHEN OLD.search_text IS NOT NEW.search_text
BEGIN
    INSERT INTO offer_keywords (offer_keywords, rowid, grams) VALUES ('delete', OLD.id, kyushoku_grams(OLD.search_text));
    INSERT INTO offer_keywords (rowid, grams) VALUES (NEW.id, kyushoku_grams(NEW.search_text));
END;
CREATE TRIGGER job_offers_keywords_delete AFTER DELETE ON job_offers
BEGIN
    INSERT INTO offer_keywords (offer_keywords, rowid, grams) VALUES ('delete', OLD.id, kyushoku_grams(OLD.search_text));
END;
