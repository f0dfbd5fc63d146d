-- The offers' FTS5 index holds each offer's filter values too, as tokens
-- of their own (see the PostgreSQL migration of the same name): a keyword
-- is matched with the filters in one query (`... AND zp23 AND zecontract`)
-- instead of walking every offer of the filter or every offer holding the
-- keyword. `kyushoku_offer_grams` (kyushoku_store::keyword_index) writes
-- them after the text's bigrams; hex digits never start with `z`.
DROP TRIGGER job_offers_keywords_insert;
DROP TRIGGER job_offers_keywords_update;
DROP TRIGGER job_offers_keywords_delete;
INSERT INTO offer_keywords (offer_keywords) VALUES ('delete-all');
INSERT INTO offer_keywords (rowid, grams)
    SELECT id, kyushoku_offer_grams(search_text, prefecture, municipality, occupation, employment_type, wage_kind)
    FROM job_offers;
CREATE TRIGGER job_offers_keywords_insert AFTER INSERT ON job_offers
BEGIN
    INSERT INTO offer_keywords (rowid, grams) VALUES (NEW.id,
        kyushoku_offer_grams(NEW.search_text, NEW.prefecture, NEW.municipality, NEW.occupation, NEW.employment_type, NEW.wage_kind));
END;
CREATE TRIGGER job_offers_keywords_update
    AFTER UPDATE OF search_text, prefecture, municipality, occupation, employment_type, wage_kind ON job_offers
    FOR EACH ROW WHEN OLD.search_text IS NOT NEW.search_text
        OR OLD.prefecture IS NOT NEW.prefecture OR OLD.municipality IS NOT NEW.municipality
        OR OLD.occupation IS NOT NEW.occupation OR OLD.employment_type IS NOT NEW.employment_type
        OR OLD.wage_kind IS NOT NEW.wage_kind
BEGIN
    INSERT INTO offer_keywords (offer_keywords, rowid, grams) VALUES ('delete', OLD.id,
        kyushoku_offer_grams(OLD.search_text, OLD.prefecture, OLD.municipality, OLD.occupation, OLD.employment_type, OLD.wage_kind));
    INSERT INTO offer_keywords (rowid, grams) VALUES (NEW.id,
        kyushoku_offer_grams(NEW.search_text, NEW.prefecture, NEW.municipality, NEW.occupation, NEW.employment_type, NEW.wage_kind));
END;
CREATE TRIGGER job_offers_keywords_delete AFTER DELETE ON job_offers
BEGIN
    INSERT INTO offer_keywords (offer_keywords, rowid, grams) VALUES ('delete', OLD.id,
        kyushoku_offer_grams(OLD.search_text, OLD.prefecture, OLD.municipality, OLD.occupation, OLD.employment_type, OLD.wage_kind));
END;
