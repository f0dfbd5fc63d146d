-- R14: each seeker's class at every level of the generalisation chain
-- (kyushoku_domain::anonymity::CHAIN) and the sectors they are counted in
-- (1 public, 2 private; no row: counted nowhere), and per sector the tally
-- of every class.
CREATE TABLE seeker_classes (
    seeker_id BIGINT PRIMARY KEY REFERENCES seekers (id) ON DELETE CASCADE,
    qi0 BIGINT NOT NULL, qi1 BIGINT NOT NULL, qi2 BIGINT NOT NULL,
    qi3 BIGINT NOT NULL, qi4 BIGINT NOT NULL, qi5 BIGINT NOT NULL,
    qi6 BIGINT NOT NULL, qi7 BIGINT NOT NULL, qi8 BIGINT NOT NULL,
    counted INTEGER NOT NULL CHECK (counted BETWEEN 0 AND 3)
);

-- What a batch's lines will count for, settled once before the batch's
-- transaction commits (one update per class for the lot, not per line).
CREATE TABLE qi_pending (
    seeker_id BIGINT PRIMARY KEY REFERENCES seekers (id) ON DELETE CASCADE,
    qi0 BIGINT NOT NULL, qi1 BIGINT NOT NULL, qi2 BIGINT NOT NULL,
    qi3 BIGINT NOT NULL, qi4 BIGINT NOT NULL, qi5 BIGINT NOT NULL,
    qi6 BIGINT NOT NULL, qi7 BIGINT NOT NULL, qi8 BIGINT NOT NULL,
    counted INTEGER NOT NULL CHECK (counted BETWEEN 0 AND 3)
);

CREATE TABLE qi_classes (
    sector TEXT NOT NULL CHECK (sector IN ('public', 'private')),
    class_key BIGINT NOT NULL,
    seekers BIGINT NOT NULL CHECK (seekers > 0),
    residual BIGINT NOT NULL CHECK (residual >= 0),
    PRIMARY KEY (sector, class_key)
);

-- The k and chain version the tallies were made with; another one at
-- start-up rebuilds them.
CREATE TABLE qi_scheme (
    id TEXT PRIMARY KEY CHECK (id = 'current'),
    k BIGINT NOT NULL CHECK (k >= 1),
    version BIGINT NOT NULL
);
