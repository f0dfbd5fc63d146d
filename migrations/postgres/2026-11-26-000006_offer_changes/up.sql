-- The change feed of job offers: one row per upsert, withdrawal or expiry,
-- numbered in commit order (writers take one lock, see offers.rs), so a
-- client that keeps the last number it saw can mirror what it may see.
CREATE TABLE offer_changes (
    seq          BIGSERIAL PRIMARY KEY,
    job_offer_id BIGINT NOT NULL REFERENCES job_offers (id),
    at           TIMESTAMP NOT NULL
);
CREATE INDEX offer_changes_by_offer ON offer_changes (job_offer_id);
