DROP INDEX reports_by_thread;
ALTER TABLE reports DROP COLUMN handled_at;
ALTER TABLE reports DROP COLUMN outcome;
ALTER TABLE reports DROP COLUMN status;
DROP TABLE sanctions;
DROP TABLE usage_reports;
DROP TABLE organisation_terms;
