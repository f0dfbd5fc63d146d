DROP TABLE job_offers;
