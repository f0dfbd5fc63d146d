-- Issue 30 (the outside review).
--
-- 1. The change feed remembers whom an offer was shown to before each
--    change (its scope while it was active, else NULL), so that the feed
--    tells an organisation an offer left its view only if it was in it.
ALTER TABLE offer_changes ADD COLUMN prior_scope TEXT;

CREATE OR REPLACE FUNCTION kyushoku_record_offer_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7361726176);
    INSERT INTO offer_changes (job_offer_id, at, prior_scope)
    VALUES (NEW.id, NEW.updated_at,
            CASE WHEN TG_OP = 'UPDATE' AND OLD.status = 'active' THEN OLD.scope END);
    RETURN NULL;
END
$$;

-- 2. The sector follows the kind: any organisation approved into the other
--    one is put back where its kind belongs.
UPDATE organisations SET sector = CASE
    WHEN kind IN ('prefecture', 'municipality', 'national_agency', 'nurse_center') THEN 'public'
    ELSE 'private' END
WHERE sector IS NOT NULL;


