DROP TRIGGER seekers_search_order_follows;
DROP TABLE seeker_prefectures;
DROP INDEX seeker_occupations_by_recency;
ALTER TABLE seeker_occupations DROP COLUMN updated_at;
