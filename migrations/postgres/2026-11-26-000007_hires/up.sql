-- Hires organisations report as made through the service (the real service
-- requires a quarterly report and suspends organisations that do not send it).
CREATE TABLE hires (
    id              BIGSERIAL PRIMARY KEY,
    public_id       TEXT NOT NULL UNIQUE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    job_offer_id    BIGINT REFERENCES job_offers (id),
    seeker_id       BIGINT REFERENCES seekers (id),
    hired_on        DATE NOT NULL,
    employment_type TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX hires_by_organisation ON hires (organisation_id, hired_on);
