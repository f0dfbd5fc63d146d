CREATE TABLE audit_seekers (
    seeker_id BIGINT NOT NULL,
    event_id  BIGINT NOT NULL,
    at        TIMESTAMP NOT NULL,
    PRIMARY KEY (seeker_id, event_id, at)
) PARTITION BY RANGE (at);
CREATE TABLE audit_seekers_default PARTITION OF audit_seekers DEFAULT;
CREATE INDEX audit_seekers_by_event ON audit_seekers (event_id);
INSERT INTO audit_seekers (seeker_id, event_id, at)
    SELECT DISTINCT unnest(string_to_array(seeker_ids, ',')::bigint[]), id, at
    FROM audit_events WHERE seeker_ids IS NOT NULL;
DROP INDEX audit_events_by_seeker;
ALTER TABLE audit_events DROP COLUMN seeker_ids;
