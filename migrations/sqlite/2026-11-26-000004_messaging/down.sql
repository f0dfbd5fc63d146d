DROP TABLE reports;
DROP TABLE guidance_counters;
DROP TABLE messages;
DROP TABLE threads;
ALTER TABLE seekers DROP COLUMN epoch;
