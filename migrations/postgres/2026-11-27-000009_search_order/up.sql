-- Searches come newest first. Walking the seekers' recency index and
-- filtering is fast when the filter is common and slow when it is rare (a
-- rare occupation in one prefecture walks most of the table). The filter
-- tables therefore carry the seeker's `updated_at` and are indexed in the
-- same order, so a search with an occupation or a prefecture walks only the
-- seekers that have it, newest first, and stops after one page.
ALTER TABLE seeker_occupations ADD COLUMN updated_at TIMESTAMP;
UPDATE seeker_occupations o SET updated_at = s.updated_at FROM seekers s WHERE s.id = o.seeker_id;
ALTER TABLE seeker_occupations ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX seeker_occupations_by_recency
    ON seeker_occupations (code, updated_at DESC, seeker_id DESC);

-- One row per seeker and prefecture (seeker_locations may hold several
-- municipalities of one prefecture).
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

-- Whatever changes a seeker's updated_at (an ended registration, a consent
-- change from My Page, the sweeper), the order rows follow.
CREATE FUNCTION kyushoku_search_order_follows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE seeker_occupations SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    UPDATE seeker_prefectures SET updated_at = NEW.updated_at WHERE seeker_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER seekers_search_order_follows
    AFTER UPDATE OF updated_at ON seekers
    FOR EACH ROW WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at)
    EXECUTE FUNCTION kyushoku_search_order_follows();
