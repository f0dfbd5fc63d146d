-- R9 at national scale. A search shows 20-100 seekers, and each one cost a
-- row in audit_seekers with two index entries: about 100 WAL records a
-- search and a quarter of the database's time for it (docs/benchmarks.md,
-- session 8). The event now lists the seekers it showed itself
-- (comma-separated internal ids, in the order shown), and a GIN index over
-- that list answers "who saw seeker S"; audit_seekers goes. (GIN's fast
-- update queues new entries in a pending list that VACUUM, or an insert
-- once it passes gin_pending_list_limit, folds into the index.)
ALTER TABLE audit_events ADD COLUMN seeker_ids TEXT;
-- The trail is append-only (trigger); this copy is the one exception.
DROP TRIGGER audit_events_no_update ON audit_events;
UPDATE audit_events e SET seeker_ids = s.ids
    FROM (SELECT event_id, string_agg(seeker_id::text, ',') AS ids
          FROM audit_seekers GROUP BY event_id) s
    WHERE e.id = s.event_id;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
-- The expression is the one crates/store/src/audit.rs filters on.
CREATE INDEX audit_events_by_seeker ON audit_events
    USING gin ((string_to_array(seeker_ids, ',')::bigint[]));
DROP TABLE audit_seekers;
