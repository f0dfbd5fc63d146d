-- The change feed is written by the database: every insert or update of a
-- job offer adds a row to offer_changes when its transaction commits (a
-- deferred constraint trigger). Each committing writer takes one
-- transaction-scoped lock just before numbering its changes, so numbers are
-- handed out in commit order and a reader never sees number N+1 before N has
-- committed; the lock is held only from the first change numbered to the
-- commit, not while the writer does its work (a batch group of 200 lines
-- used to hold it for the whole group). A line rolled back to its savepoint
-- takes its pending change with it.
CREATE FUNCTION kyushoku_record_offer_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7361726176);
    INSERT INTO offer_changes (job_offer_id, at) VALUES (NEW.id, NEW.updated_at);
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER job_offers_feed
    AFTER INSERT OR UPDATE ON job_offers
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION kyushoku_record_offer_change();
