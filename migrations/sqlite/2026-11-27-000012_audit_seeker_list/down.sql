CREATE INDEX audit_seekers_by_event ON audit_seekers (event_id);
ALTER TABLE audit_events DROP COLUMN seeker_ids;
