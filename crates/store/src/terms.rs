//! The terms of use in storage: the day an organisation was first approved
//! (its quarterly usage reports are owed from that quarter), the reports,
//! who owes which quarter, the sanctions the bureau imposed, and the
//! approval's period with its renewals (更新).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{hires, organisation_terms, organisations, renewals, sanctions, usage_reports};
use crate::{now, per_backend, DbConn, OrganisationId, StoreError};
use kyushoku_domain::organisation::RequestStatus;
use kyushoku_domain::terms::{FiscalQuarter, ReportStatus, SanctionGround};
use kyushoku_domain::{OrganisationKind, OrganisationStatus, PrefectureCode};

/// Notes an organisation's first approval: the day, and the last day of
/// its first period; a later approval (there is none after a rejection or
/// a revocation) changes nothing.
pub fn mark_approved(
    conn: &mut DbConn,
    organisation: OrganisationId,
    day: NaiveDate,
    until: NaiveDate,
) -> Result<(), StoreError> {
    let row = (
        organisation_terms::organisation_id.eq(organisation),
        organisation_terms::approved_on.eq(day),
        organisation_terms::approved_until.eq(Some(until)),
    );
    per_backend!(conn, c => diesel::insert_into(organisation_terms::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// The day of the organisation's first approval, if it was ever approved.
pub fn approved_on(
    conn: &mut DbConn,
    organisation: OrganisationId,
) -> Result<Option<NaiveDate>, StoreError> {
    Ok(organisation_terms::table
        .find(organisation)
        .select(organisation_terms::approved_on)
        .get_result(conn)
        .optional()?)
}

/// A quarter's usage report as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = usage_reports)]
pub struct UsageReportRow {
    pub public_id: String,
    #[diesel(deserialize_as = String)]
    pub quarter: FiscalQuarter,
    #[diesel(deserialize_as = String)]
    pub status: ReportStatus,
    pub hires_from_offers: i32,
    pub hires_from_seekers: i32,
    /// JSON: `[{"training_body", "offers"}]` (municipalities only).
    pub referrals: String,
    /// 1 for the first save, one more for every change.
    pub revision: i32,
    pub submitted_at: Option<NaiveDateTime>,
    pub corrected_at: Option<NaiveDateTime>,
    /// When the bureau found it false (a sanction's ground).
    pub found_false_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

/// What an organisation reports for a quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub hires_from_offers: i32,
    pub hires_from_seekers: i32,
    /// JSON, as [`UsageReportRow::referrals`].
    pub referrals: String,
}

/// Every usage report of the organisation, oldest quarter first.
pub fn reports_of(
    conn: &mut DbConn,
    organisation: OrganisationId,
) -> Result<Vec<UsageReportRow>, StoreError> {
    Ok(usage_reports::table
        .filter(usage_reports::organisation_id.eq(organisation))
        .order(usage_reports::quarter.asc())
        .select(UsageReportRow::as_select())
        .load(conn)?)
}

/// The organisation's report for `quarter`, if it saved one.
pub fn report(
    conn: &mut DbConn,
    organisation: OrganisationId,
    quarter: FiscalQuarter,
) -> Result<Option<UsageReportRow>, StoreError> {
    Ok(usage_reports::table
        .filter(usage_reports::organisation_id.eq(organisation))
        .filter(usage_reports::quarter.eq(quarter.to_string()))
        .select(UsageReportRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Saves the figures: a new draft, or a change to the one there (a
/// correction once submitted). `before` is the report the caller read
/// (`None`: there was none); a report changed meanwhile, or found false,
/// is `Conflict` and changes nothing. A new report takes `public_id`.
pub fn save_report(
    conn: &mut DbConn,
    organisation: OrganisationId,
    quarter: FiscalQuarter,
    figures: &Figures,
    before: Option<&UsageReportRow>,
    public_id: &str,
) -> Result<UsageReportRow, StoreError> {
    let at = now();
    match before {
        None => {
            diesel::insert_into(usage_reports::table)
                .values((
                    usage_reports::public_id.eq(public_id),
                    usage_reports::organisation_id.eq(organisation),
                    usage_reports::quarter.eq(quarter.to_string()),
                    usage_reports::status.eq(ReportStatus::Draft.as_str()),
                    usage_reports::hires_from_offers.eq(figures.hires_from_offers),
                    usage_reports::hires_from_seekers.eq(figures.hires_from_seekers),
                    usage_reports::referrals.eq(&figures.referrals),
                    usage_reports::revision.eq(1),
                    usage_reports::created_at.eq(at),
                    usage_reports::updated_at.eq(at),
                ))
                .execute(conn)
                .map_err(|e| StoreError::conflict_on_unique(e, "usage report"))?;
        }
        Some(row) => {
            let corrected = (row.status == ReportStatus::Submitted).then_some(at);
            let n = diesel::update(
                usage_reports::table
                    .filter(usage_reports::organisation_id.eq(organisation))
                    .filter(usage_reports::quarter.eq(quarter.to_string()))
                    .filter(usage_reports::revision.eq(row.revision))
                    .filter(usage_reports::found_false_at.is_null()),
            )
            .set((
                usage_reports::hires_from_offers.eq(figures.hires_from_offers),
                usage_reports::hires_from_seekers.eq(figures.hires_from_seekers),
                usage_reports::referrals.eq(&figures.referrals),
                usage_reports::revision.eq(row.revision + 1),
                usage_reports::corrected_at.eq(corrected.or(row.corrected_at)),
                usage_reports::updated_at.eq(at),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(StoreError::Conflict("usage report"));
            }
        }
    }
    report(conn, organisation, quarter)?.ok_or(StoreError::Conflict("usage report"))
}

/// Submits the draft of `quarter` at `revision`; `None` when there is no
/// such draft (none saved, already submitted, or changed meanwhile).
pub fn submit_report(
    conn: &mut DbConn,
    organisation: OrganisationId,
    quarter: FiscalQuarter,
    revision: i32,
) -> Result<Option<UsageReportRow>, StoreError> {
    let at = now();
    let n = diesel::update(
        usage_reports::table
            .filter(usage_reports::organisation_id.eq(organisation))
            .filter(usage_reports::quarter.eq(quarter.to_string()))
            .filter(usage_reports::status.eq(ReportStatus::Draft.as_str()))
            .filter(usage_reports::revision.eq(revision)),
    )
    .set((
        usage_reports::status.eq(ReportStatus::Submitted.as_str()),
        usage_reports::submitted_at.eq(at),
        usage_reports::updated_at.eq(at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    report(conn, organisation, quarter)
}

/// Marks a submitted report false (the ground of a sanction); `false` when
/// it is not submitted or already marked.
pub fn mark_false(
    conn: &mut DbConn,
    organisation: OrganisationId,
    quarter: FiscalQuarter,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        usage_reports::table
            .filter(usage_reports::organisation_id.eq(organisation))
            .filter(usage_reports::quarter.eq(quarter.to_string()))
            .filter(usage_reports::status.eq(ReportStatus::Submitted.as_str()))
            .filter(usage_reports::found_false_at.is_null()),
    )
    .set(usage_reports::found_false_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Hires the organisation reported (`POST /v1/hires`) between two days,
/// inclusive: through offers, and through seeker information.
pub fn hires_between(
    conn: &mut DbConn,
    organisation: OrganisationId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(i64, i64), StoreError> {
    let through: Vec<Option<crate::JobOfferId>> = hires::table
        .filter(hires::organisation_id.eq(organisation))
        .filter(hires::hired_on.between(from, to))
        .select(hires::job_offer_id)
        .load(conn)?;
    let offers = through.iter().filter(|o| o.is_some()).count() as i64;
    Ok((offers, through.len() as i64 - offers))
}

/// An organisation that owes a report for a quarter, with the report it
/// saved, if any: a line of the bureau's list.
#[derive(Debug, Clone, Queryable)]
pub struct Obligation {
    pub organisation_id: OrganisationId,
    pub public_id: String,
    pub name: String,
    #[diesel(deserialize_as = String)]
    pub kind: OrganisationKind,
    #[diesel(deserialize_as = String)]
    pub status: OrganisationStatus,
    pub approved_on: NaiveDate,
    #[diesel(deserialize_as = crate::stored_word::MaybeWord<ReportStatus>)]
    pub report_status: Option<ReportStatus>,
    pub submitted_at: Option<NaiveDateTime>,
    pub found_false_at: Option<NaiveDateTime>,
}

/// The organisations of `prefecture` that owe a report for `quarter`
/// (approved by its last day, approved or suspended now), in id order
/// after `after`, with what they saved; only those that submitted it
/// (`Some(true)`) or not (`Some(false)`), if asked.
pub fn obligations(
    conn: &mut DbConn,
    prefecture: &PrefectureCode,
    quarter: FiscalQuarter,
    submitted: Option<bool>,
    after: Option<OrganisationId>,
    limit: i64,
) -> Result<Vec<Obligation>, StoreError> {
    let word = quarter.to_string();
    let mut q = organisations::table
        .inner_join(organisation_terms::table)
        .left_join(
            usage_reports::table.on(usage_reports::organisation_id
                .eq(organisations::id)
                .and(usage_reports::quarter.eq(word))),
        )
        .filter(organisations::prefecture.eq(prefecture.as_str().to_owned()))
        .filter(organisations::status.eq_any([
            OrganisationStatus::Approved.as_str(),
            OrganisationStatus::Suspended.as_str(),
        ]))
        .filter(organisation_terms::approved_on.le(quarter.last_day()))
        .order(organisations::id.asc())
        .limit(limit)
        .select((
            organisations::id,
            organisations::public_id,
            organisations::name,
            organisations::kind,
            organisations::status,
            organisation_terms::approved_on,
            usage_reports::status.nullable(),
            usage_reports::submitted_at.nullable(),
            usage_reports::found_false_at.nullable(),
        ))
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(organisations::id.gt(a));
    }
    let submitted_word = ReportStatus::Submitted.as_str();
    match submitted {
        Some(true) => q = q.filter(usage_reports::status.nullable().eq(submitted_word)),
        Some(false) => {
            q = q.filter(
                usage_reports::status
                    .nullable()
                    .is_null()
                    .or(usage_reports::status.nullable().ne(submitted_word)),
            )
        }
        None => {}
    }
    Ok(q.load(conn)?)
}

/// A sanction the bureau imposed.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = sanctions)]
pub struct SanctionRow {
    pub public_id: String,
    #[diesel(deserialize_as = String)]
    pub ground: SanctionGround,
    #[diesel(deserialize_as = String)]
    pub quarter: FiscalQuarter,
    /// `suspend` or `revoke`.
    #[diesel(deserialize_as = String)]
    pub sanction: kyushoku_domain::Decision,
    pub suspended_until: Option<NaiveDate>,
    pub reason: String,
    pub created_at: NaiveDateTime,
}

/// A sanction to record.
#[derive(Debug, Clone)]
pub struct NewSanction<'a> {
    pub public_id: &'a str,
    pub organisation: OrganisationId,
    pub ground: SanctionGround,
    pub quarter: FiscalQuarter,
    pub sanction: kyushoku_domain::Decision,
    pub suspended_until: Option<NaiveDate>,
    pub reason: &'a str,
}

pub fn insert_sanction(conn: &mut DbConn, s: &NewSanction<'_>) -> Result<(), StoreError> {
    diesel::insert_into(sanctions::table)
        .values((
            sanctions::public_id.eq(s.public_id),
            sanctions::organisation_id.eq(s.organisation),
            sanctions::ground.eq(s.ground.as_str()),
            sanctions::quarter.eq(s.quarter.to_string()),
            sanctions::sanction.eq(s.sanction.as_str()),
            sanctions::suspended_until.eq(s.suspended_until),
            sanctions::reason.eq(s.reason),
            sanctions::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The organisation's sanctions, newest first.
pub fn sanctions_of(
    conn: &mut DbConn,
    organisation: OrganisationId,
) -> Result<Vec<SanctionRow>, StoreError> {
    Ok(sanctions::table
        .filter(sanctions::organisation_id.eq(organisation))
        .order(sanctions::id.desc())
        .select(SanctionRow::as_select())
        .load(conn)?)
}

/// An approval's period as stored: the day of the first approval, the
/// last day it is in force, and whether a renewal is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalPeriod {
    pub approved_on: NaiveDate,
    /// `None` only for a row no migration could date.
    pub approved_until: Option<NaiveDate>,
    pub renewal_pending: bool,
}

/// The organisation's approval period, if it was ever approved.
pub fn approval_period(
    conn: &mut DbConn,
    organisation: OrganisationId,
) -> Result<Option<ApprovalPeriod>, StoreError> {
    let Some((approved_on, approved_until)) = organisation_terms::table
        .find(organisation)
        .select((
            organisation_terms::approved_on,
            organisation_terms::approved_until,
        ))
        .get_result::<(NaiveDate, Option<NaiveDate>)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let renewal_pending = diesel::select(diesel::dsl::exists(
        renewals::table
            .filter(renewals::organisation_id.eq(organisation))
            .filter(renewals::status.eq(RequestStatus::Pending.as_str())),
    ))
    .get_result::<bool>(conn)?;
    Ok(Some(ApprovalPeriod {
        approved_on,
        approved_until,
        renewal_pending,
    }))
}

/// A renewal of an approval, as asked for and decided.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = renewals)]
pub struct RenewalRow {
    pub public_id: String,
    #[diesel(deserialize_as = String)]
    pub status: RequestStatus,
    /// The last day of the approval it renews, as it was when asked.
    pub ends_on: NaiveDate,
    /// The new last day, once approved.
    pub renewed_until: Option<NaiveDate>,
    /// The bureau's reason, once decided.
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

/// Files a renewal, pending; one already pending is `Conflict`.
pub fn insert_renewal(
    conn: &mut DbConn,
    organisation: OrganisationId,
    row: &RenewalRow,
) -> Result<(), StoreError> {
    diesel::insert_into(renewals::table)
        .values((
            renewals::public_id.eq(&row.public_id),
            renewals::organisation_id.eq(organisation),
            renewals::status.eq(row.status.as_str()),
            renewals::ends_on.eq(row.ends_on),
            renewals::created_at.eq(row.created_at),
        ))
        .execute(conn)
        .map_err(|e| StoreError::conflict_on_unique(e, "renewal"))?;
    Ok(())
}

/// The organisation's renewals, newest first.
pub fn renewals_of(
    conn: &mut DbConn,
    organisation: OrganisationId,
) -> Result<Vec<RenewalRow>, StoreError> {
    Ok(renewals::table
        .filter(renewals::organisation_id.eq(organisation))
        .order(renewals::id.desc())
        .select(RenewalRow::as_select())
        .load(conn)?)
}

/// Decides the pending renewal `public_id`, only if it is still pending
/// (`false`: another decision came first). An approval moves the
/// approval's last day from the renewal's `ends_on` to `renewed_until`,
/// only if it has not moved meanwhile.
pub fn decide_renewal(
    conn: &mut DbConn,
    organisation: OrganisationId,
    public_id: &str,
    to: RequestStatus,
    renewed_until: Option<NaiveDate>,
    reason: &str,
) -> Result<bool, StoreError> {
    conn.write_transaction(|c| {
        let pending = renewals::table
            .filter(renewals::organisation_id.eq(organisation))
            .filter(renewals::public_id.eq(public_id))
            .filter(renewals::status.eq(RequestStatus::Pending.as_str()));
        let ends_on: Option<NaiveDate> =
            pending.select(renewals::ends_on).get_result(c).optional()?;
        let Some(ends_on) = ends_on else {
            return Ok(false);
        };
        let n = diesel::update(pending)
            .set((
                renewals::status.eq(to.as_str()),
                renewals::renewed_until.eq(renewed_until),
                renewals::reason.eq(reason),
                renewals::decided_at.eq(now()),
            ))
            .execute(c)?;
        if n == 0 {
            return Ok(false);
        }
        if let Some(until) = renewed_until {
            let moved = diesel::update(
                organisation_terms::table
                    .filter(organisation_terms::organisation_id.eq(organisation))
                    .filter(organisation_terms::approved_until.eq(ends_on)),
            )
            .set(organisation_terms::approved_until.eq(until))
            .execute(c)?;
            if moved == 0 {
                return Err(StoreError::Conflict("approved_until"));
            }
        }
        Ok(true)
    })
}

/// The organisations whose approval has lapsed by `today`: approved or
/// suspended, past their last day in force, with no renewal pending
/// (`kyushoku_domain::terms::lapsed`), with that day.
pub fn lapsing(
    conn: &mut DbConn,
    today: NaiveDate,
) -> Result<Vec<(OrganisationId, NaiveDate)>, StoreError> {
    let pending = renewals::table
        .filter(renewals::organisation_id.eq(organisation_terms::organisation_id))
        .filter(renewals::status.eq(RequestStatus::Pending.as_str()));
    let rows: Vec<(OrganisationId, Option<NaiveDate>)> = organisation_terms::table
        .inner_join(organisations::table)
        .filter(organisations::status.eq_any([
            OrganisationStatus::Approved.as_str(),
            OrganisationStatus::Suspended.as_str(),
        ]))
        .filter(organisation_terms::approved_until.lt(today))
        .filter(diesel::dsl::not(diesel::dsl::exists(pending)))
        .select((
            organisation_terms::organisation_id,
            organisation_terms::approved_until,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, until)| Some((id, until?)))
        .collect())
}
