-- PostgreSQL's keyword index functions got cheaper (its migration 000024).
-- SQLite's keyword index is FTS5 (migration 000020): nothing to change here.
SELECT 1;
