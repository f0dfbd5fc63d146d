//! Hire reports, and the aggregate statistics of `GET /v1/stats`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::literal::Active;
use crate::schema::{blocks, hires, job_offers, messages, organisations, seekers, usage_reports};
use kyushoku_domain::profile::EmploymentType;
use kyushoku_domain::terms::ReportStatus;
use kyushoku_domain::{Author, ConsentScope, JobNumber, OrganisationKind, OrganisationStatus};

use crate::{now, DbConn, JobOfferId, OrganisationId, SeekerId, StoreError};

#[derive(Debug, Clone)]
pub struct NewHire {
    pub public_id: String,
    pub organisation_id: OrganisationId,
    pub job_offer_id: Option<JobOfferId>,
    pub seeker_id: Option<SeekerId>,
    pub hired_on: NaiveDate,
    pub employment_type: EmploymentType,
}

pub fn insert(conn: &mut DbConn, h: &NewHire) -> Result<(), StoreError> {
    diesel::insert_into(hires::table)
        .values((
            hires::public_id.eq(&h.public_id),
            hires::organisation_id.eq(h.organisation_id),
            hires::job_offer_id.eq(h.job_offer_id),
            hires::seeker_id.eq(h.seeker_id),
            hires::hired_on.eq(h.hired_on),
            hires::employment_type.eq(h.employment_type.as_str()),
            hires::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The internal id of an offer `organisation_id` could have been shown (its
/// scope covers the organisation's sector), by job number; any status, as a
/// hire may follow the offer's withdrawal. An offer it could never see is
/// `None`, exactly as one that does not exist (R2).
pub fn offer_id(
    conn: &mut DbConn,
    organisation_id: OrganisationId,
    job_number: &JobNumber,
) -> Result<Option<JobOfferId>, StoreError> {
    Ok(job_offers::table
        .filter(job_offers::job_number.eq(job_number.as_str()))
        .filter(diesel::dsl::exists(
            organisations::table
                .select(organisations::id)
                .filter(organisations::id.eq(organisation_id))
                .filter(crate::visibility::scope_covers_sector(job_offers::scope)),
        ))
        .select(job_offers::id)
        .get_result(conn)
        .optional()?)
}

/// One reported hire.
#[derive(Debug, Clone, Queryable)]
pub struct HireRow {
    pub public_id: String,
    /// The offer it filled, when it came through one.
    pub job_number: Option<String>,
    pub hired_on: NaiveDate,
    #[diesel(deserialize_as = String)]
    pub employment_type: EmploymentType,
    pub reported_at: NaiveDateTime,
}

pub fn list(
    conn: &mut DbConn,
    organisation_id: OrganisationId,
) -> Result<Vec<HireRow>, StoreError> {
    Ok(hires::table
        .left_join(job_offers::table.on(job_offers::id.nullable().eq(hires::job_offer_id)))
        .filter(hires::organisation_id.eq(organisation_id))
        .order((hires::hired_on.desc(), hires::id.desc()))
        .select((
            hires::public_id,
            job_offers::job_number.nullable(),
            hires::hired_on,
            hires::employment_type,
            hires::created_at,
        ))
        .load(conn)?)
}

/// Raw counts for the statistics; the API suppresses small ones.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// By kind and status, in that order.
    pub organisations: Vec<KindStatusCount>,
    /// Active seekers by consent scope.
    pub seekers_by_scope: Vec<ScopeCount>,
    /// Active offers by the employer's scope.
    pub offers_by_scope: Vec<ScopeCount>,
    /// Messages by author.
    pub messages_by_author: Vec<AuthorCount>,
    pub blocks: i64,
    /// Every hire with its organisation's kind: grouped by fiscal year in
    /// the API, where the calendar rule lives.
    pub hires: Vec<HireOfKind>,
    /// Approved organisations by kind and the services they were granted.
    pub providers: Vec<ProviderCount>,
    /// Every submitted usage report not found false, with its
    /// organisation's kind (issue 38).
    pub reported: Vec<ReportedOfKind>,
}

/// Approved organisations of one kind with one grant of services.
#[derive(Debug, Clone, Queryable)]
pub struct ProviderCount {
    #[diesel(deserialize_as = String)]
    pub kind: OrganisationKind,
    pub seeker_info: bool,
    pub job_offers: bool,
    pub count: i64,
}

/// A submitted quarterly usage report's figures, by the kind of
/// organisation that sent it.
#[derive(Debug, Clone, Queryable)]
pub struct ReportedOfKind {
    #[diesel(deserialize_as = String)]
    pub kind: OrganisationKind,
    #[diesel(deserialize_as = String)]
    pub quarter: kyushoku_domain::terms::FiscalQuarter,
    pub hires_from_offers: i32,
    pub hires_from_seekers: i32,
}

/// Organisations of one kind in one status.
#[derive(Debug, Clone, Queryable)]
pub struct KindStatusCount {
    #[diesel(deserialize_as = String)]
    pub kind: OrganisationKind,
    #[diesel(deserialize_as = String)]
    pub status: OrganisationStatus,
    pub count: i64,
}

/// Seekers or offers of one scope.
#[derive(Debug, Clone, Queryable)]
pub struct ScopeCount {
    #[diesel(deserialize_as = String)]
    pub scope: ConsentScope,
    pub count: i64,
}

/// Messages by one party.
#[derive(Debug, Clone, Queryable)]
pub struct AuthorCount {
    #[diesel(deserialize_as = String)]
    pub author: Author,
    pub count: i64,
}

/// A hire, by the kind of organisation that reported it.
#[derive(Debug, Clone, Queryable)]
pub struct HireOfKind {
    #[diesel(deserialize_as = String)]
    pub kind: OrganisationKind,
    pub hired_on: NaiveDate,
}

pub fn counts(conn: &mut DbConn, today: NaiveDate) -> Result<Counts, StoreError> {
    use diesel::dsl::count_star;
    Ok(Counts {
        organisations: organisations::table
            .group_by((organisations::kind, organisations::status))
            .select((organisations::kind, organisations::status, count_star()))
            .order((organisations::kind, organisations::status))
            .load(conn)?,
        seekers_by_scope: seekers::table
            .filter(seekers::status.eq(Active))
            .filter(seekers::valid_until.ge(today))
            .group_by(seekers::consent_scope)
            .select((seekers::consent_scope, count_star()))
            .load(conn)?,
        offers_by_scope: job_offers::table
            .filter(job_offers::status.eq(Active))
            .filter(job_offers::valid_through.ge(today))
            .group_by(job_offers::scope)
            .select((job_offers::scope, count_star()))
            .load(conn)?,
        messages_by_author: messages::table
            .group_by(messages::author)
            .select((messages::author, count_star()))
            .load(conn)?,
        blocks: blocks::table.count().get_result(conn)?,
        hires: hires::table
            .inner_join(organisations::table)
            .select((organisations::kind, hires::hired_on))
            .load(conn)?,
        providers: organisations::table
            .filter(organisations::status.eq(OrganisationStatus::Approved.as_str()))
            .group_by((
                organisations::kind,
                organisations::seeker_info,
                organisations::job_offers,
            ))
            .select((
                organisations::kind,
                organisations::seeker_info,
                organisations::job_offers,
                count_star(),
            ))
            .load(conn)?,
        reported: usage_reports::table
            .inner_join(organisations::table)
            .filter(usage_reports::status.eq(ReportStatus::Submitted.as_str()))
            .filter(usage_reports::found_false_at.is_null())
            .select((
                organisations::kind,
                usage_reports::quarter,
                usage_reports::hires_from_offers,
                usage_reports::hires_from_seekers,
            ))
            .load(conn)?,
    })
}

/// First guidances sent on one day by organisations of one kind.
#[derive(Debug, Clone, Queryable)]
pub struct GuidanceOfKind {
    #[diesel(deserialize_as = String)]
    pub kind: OrganisationKind,
    pub day: NaiveDate,
    pub sent: Option<i64>,
}

/// First guidances by organisation kind and day since `since` (R13's
/// daily counters, summed: a row per kind and day, whatever the number of
/// organisations).
pub fn guidance_by_day(
    conn: &mut DbConn,
    since: NaiveDate,
) -> Result<Vec<GuidanceOfKind>, StoreError> {
    use crate::schema::guidance_counters;
    Ok(guidance_counters::table
        .inner_join(organisations::table)
        .filter(guidance_counters::day.ge(since))
        .group_by((organisations::kind, guidance_counters::day))
        .select((
            organisations::kind,
            guidance_counters::day,
            diesel::dsl::sum(guidance_counters::sent),
        ))
        .load(conn)?)
}
