-- Job offers (求人) from Hello Work. Employers are public: the offer carries
-- the employer's name and address. `scope` is the employer's disclosure
-- choice, applied like a seeker's consent (R1).
CREATE TABLE job_offers (
    id                BIGSERIAL PRIMARY KEY,
    job_number        TEXT NOT NULL UNIQUE,
    scope             TEXT NOT NULL,
    -- 'active' or 'deleted' (withdrawn by Hello Work); expiry is by date.
    status            TEXT NOT NULL,
    valid_through     DATE NOT NULL,
    occupation        TEXT NOT NULL,
    -- The occupation's major group, for filtering at any level.
    occupation_major  TEXT NOT NULL,
    employment_type   TEXT NOT NULL,
    prefecture        TEXT NOT NULL,
    municipality      TEXT,
    wage_kind         TEXT NOT NULL,
    wage_min          BIGINT NOT NULL,
    wage_max          BIGINT,
    -- The whole offer as JSON, as served.
    content           TEXT NOT NULL,
    search_text       TEXT NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX job_offers_by_recency ON job_offers (updated_at DESC, id DESC) WHERE status = 'active';
CREATE INDEX job_offers_by_prefecture ON job_offers (prefecture, updated_at DESC);
CREATE INDEX job_offers_by_occupation ON job_offers (occupation_major, occupation);
