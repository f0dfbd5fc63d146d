-- PostgreSQL indexes keyword search by bigrams (see its migration 000008).
-- SQLite has no GIN: at the embedded scale the LIKE scans the candidates
-- the other filters and the recency index leave. Nothing to change here.
SELECT 1;
