DROP INDEX job_offers_by_bigram;
DROP INDEX seekers_by_bigram;
DROP FUNCTION kyushoku_bigrams(TEXT);
