CREATE INDEX job_offers_by_bigram ON job_offers USING gin (kyushoku_bigrams(search_text));
CREATE INDEX job_offers_by_char ON job_offers USING gin (kyushoku_chars(search_text));
DROP INDEX job_offers_by_key;
DROP FUNCTION kyushoku_offer_keys(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT);
