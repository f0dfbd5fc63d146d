-- The change feed is written by the database: every insert or update of a
-- job offer adds a row to offer_changes. SQLite has one writer at a time
-- (BEGIN IMMEDIATE), so numbers follow commit order by themselves. A line
-- rolled back to its savepoint takes its change with it.
CREATE TRIGGER job_offers_feed_insert AFTER INSERT ON job_offers
BEGIN
    INSERT INTO offer_changes (job_offer_id, at) VALUES (NEW.id, NEW.updated_at);
END;

CREATE TRIGGER job_offers_feed_update AFTER UPDATE ON job_offers
BEGIN
    INSERT INTO offer_changes (job_offer_id, at) VALUES (NEW.id, NEW.updated_at);
END;
