-- Searches come newest first; the filter tables carry the seeker's
-- `updated_at` and are indexed in that order, so a search with an
-- occupation or a prefecture walks only the seekers that have it (see the
-- PostgreSQL migration of the same name).
ALTER TABLE seeker_occupations ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE seeker_occupations
    SET updated_at = (SELECT s.updated_at FROM seekers s WHERE s.id = seeker_occupations.seeker_id);
CREATE INDEX seeker_occupations_by_recency
    ON seeker_occupations (code, updated_at DESC, seeker_id DESC);

CREATE TABLE seeker_prefectures (
    seeker_id  BIGINT NOT NULL REFERENCES seekers (id) ON DELETE CASCADE,
    prefecture TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (seeker_id, prefecture)
);
INSERT INTO seeker_prefectures (seeker_id, prefecture, updated_at)
    SELECT DISTINCT l.seeker_id, l.prefecture, s.updated_at
    FROM seeker_locations l JOIN seekers s ON s.id = l.seeker_id;
CREATE INDEX seeker_prefectures_by_recency
    ON seeker_prefectures (prefecture, updated_at DESC, seeker_id DESC);

CREATE TRIGGER seekers_search_order_follows
    AFTER UPDATE OF updated_at ON seekers
    FOR EACH ROW WHEN OLD.updated_at IS NOT NEW.updated_at
BEGIN
    UPDATE seeker_occupations SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_prefectures SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
END;
