CREATE OR REPLACE FUNCTION kyushoku_record_offer_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7361726176);
    INSERT INTO offer_changes (job_offer_id, at) VALUES (NEW.id, NEW.updated_at);
    RETURN NULL;
END
$$;
ALTER TABLE offer_changes DROP COLUMN prior_scope;
