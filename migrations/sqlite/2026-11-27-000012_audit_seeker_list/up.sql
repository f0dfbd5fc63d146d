-- R9: the event lists the seekers it showed itself (comma-separated
-- internal ids, in the order shown), as on PostgreSQL (see its migration of
-- the same name). SQLite has no GIN index, so audit_seekers stays for
-- "who saw seeker S", keyed by seeker only.
ALTER TABLE audit_events ADD COLUMN seeker_ids TEXT;
-- The trail is append-only (trigger); this copy is the one exception.
DROP TRIGGER audit_events_no_update;
UPDATE audit_events SET seeker_ids =
    (SELECT group_concat(seeker_id, ',') FROM audit_seekers WHERE event_id = audit_events.id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
DROP INDEX audit_seekers_by_event;
