//! The terms of use between an organisation and its labour bureau: the
//! quarterly usage report (drafted, submitted, corrected), who owes one,
//! and the sanctions for a late or false report (the rules are
//! `kyushoku_domain::terms`).

use chrono::NaiveDate;
use kyushoku_domain::terms::{
    self as rules, FiscalQuarter, ReportStatus, Sanction, SanctionGround, Standing,
};
use kyushoku_domain::{ActorKind, AuditAction, Decision, OrganisationKind, PrefectureCode};
use kyushoku_store::organisations::{OrganisationRow, StatusChange};
use kyushoku_store::terms::{self as store, Figures, NewSanction, Obligation, UsageReportRow};
use kyushoku_store::{DbConn, OrganisationId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::idempotency::{keep_answer, Answer};
use crate::refusal::Invalid;
use crate::{Caller, Pledge, Refusal};

/// The most a quarter's hire count may be.
pub const MOST_HIRES: i64 = 100_000;
/// The most training bodies one report may name.
pub const MOST_REFERRALS: usize = 50;

/// Offers a municipality passed to a training body it contracts
/// (委託訓練実施機関), and how often, in a quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    /// The training body's name (1–100 characters).
    #[schema(min_length = 1, max_length = 100)]
    pub training_body: String,
    /// How many times offers were passed to it (1–100,000).
    #[schema(minimum = 1, maximum = 100000)]
    pub offers: i64,
}

/// The figures an organisation reports for a quarter.
#[derive(Debug, Clone)]
pub struct UsageCommand {
    pub hires_from_offers: i64,
    pub hires_from_seekers: i64,
    pub referrals: Vec<Referral>,
    /// The revision the caller read, if it says (0: none saved): a report
    /// that has moved on since is [`Refusal::Conflict`], not overwritten.
    pub revision: Option<i32>,
}

/// A quarter's report as the organisation and its bureau see it.
#[derive(Debug, Clone)]
pub struct QuarterReport {
    pub quarter: FiscalQuarter,
    pub standing: Standing,
    /// What the organisation saved, if anything.
    pub report: Option<UsageReportRow>,
    pub referrals: Vec<Referral>,
    /// Hires it reported through `POST /v1/hires` in the quarter: through
    /// offers, through seeker information (a draft's starting point).
    pub reported_hires: (i64, i64),
}

fn may_refer(kind: OrganisationKind) -> bool {
    matches!(
        kind,
        OrganisationKind::Municipality | OrganisationKind::Prefecture
    )
}

/// The organisation and the day it was first approved, if the caller may
/// read its reports: its members, and the bureau of its prefecture.
fn reporting(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
) -> Result<(OrganisationRow, Option<NaiveDate>), Refusal> {
    let org = crate::organisations::visible(c, caller, organisation)?;
    if caller.bureau.as_ref().is_some_and(|p| *p != org.prefecture) {
        return Err(Refusal::Forbidden(
            "only the labour bureau of the organisation's prefecture",
        ));
    }
    let approved_on = store::approved_on(c, org.id)?;
    Ok((org, approved_on))
}

fn quarter_report(
    c: &mut DbConn,
    org: OrganisationId,
    quarter: FiscalQuarter,
    report: Option<UsageReportRow>,
    today: NaiveDate,
) -> Result<QuarterReport, Refusal> {
    let submitted = report
        .as_ref()
        .is_some_and(|r| r.status == ReportStatus::Submitted);
    let referrals = report
        .as_ref()
        .and_then(|r| serde_json::from_str(&r.referrals).ok())
        .unwrap_or_default();
    Ok(QuarterReport {
        quarter,
        standing: rules::standing(quarter, submitted, today),
        reported_hires: store::hires_between(c, org, quarter.first_day(), quarter.last_day())?,
        report,
        referrals,
    })
}

/// Every quarter the organisation owes a report for, newest first, with
/// what it saved.
pub fn reports(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
    today: NaiveDate,
) -> Result<Vec<QuarterReport>, Refusal> {
    let (org, approved_on) = reporting(c, caller, organisation)?;
    let Some(approved_on) = approved_on else {
        return Ok(Vec::new());
    };
    let mut saved = store::reports_of(c, org.id)?;
    let mut all = Vec::new();
    for quarter in rules::quarters_owed(approved_on, today).into_iter().rev() {
        let report = saved
            .iter()
            .position(|r| r.quarter == quarter)
            .map(|i| saved.swap_remove(i));
        all.push(quarter_report(c, org.id, quarter, report, today)?);
    }
    Ok(all)
}

/// The quarter named `word`, if the organisation owes a report for it;
/// any other is [`Refusal::NotFound`].
fn owed(
    approved_on: Option<NaiveDate>,
    word: &str,
    today: NaiveDate,
) -> Result<FiscalQuarter, Refusal> {
    let quarter = FiscalQuarter::parse(word).ok_or(Refusal::NotFound)?;
    match approved_on {
        Some(day) if rules::quarters_owed(day, today).contains(&quarter) => Ok(quarter),
        _ => Err(Refusal::NotFound),
    }
}

/// One quarter's report.
pub fn report(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
    quarter: &str,
    today: NaiveDate,
) -> Result<QuarterReport, Refusal> {
    Ok(report_form(c, caller, organisation, quarter, today)?.0)
}

/// One quarter's report, and whether it states the training bodies offers
/// were passed to (a municipality's or a prefecture's): the form a staff
/// page shows.
pub fn report_form(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
    quarter: &str,
    today: NaiveDate,
) -> Result<(QuarterReport, bool), Refusal> {
    let (org, approved_on) = reporting(c, caller, organisation)?;
    let quarter = owed(approved_on, quarter, today)?;
    let saved = store::report(c, org.id, quarter)?;
    Ok((
        quarter_report(c, org.id, quarter, saved, today)?,
        may_refer(org.kind),
    ))
}

/// Only an administrator of the organisation itself drafts, corrects and
/// submits its reports (the bureau reads them).
fn own_admin(caller: &Caller, org: &OrganisationRow) -> Result<(), Refusal> {
    let own = caller.organisation.as_ref().is_some_and(|m| m.id == org.id);
    if own && caller.kind == ActorKind::OrgAdmin {
        Ok(())
    } else {
        Err(Refusal::Forbidden(
            "only an administrator of the organisation reports its usage",
        ))
    }
}

fn check(kind: OrganisationKind, cmd: &UsageCommand) -> Result<String, Refusal> {
    let mut errors = Vec::new();
    for (field, n) in [
        ("hires_from_offers", cmd.hires_from_offers),
        ("hires_from_seekers", cmd.hires_from_seekers),
    ] {
        if !(0..=MOST_HIRES).contains(&n) {
            errors.push(Invalid::new(field, "a whole number from 0 to 100,000"));
        }
    }
    if !cmd.referrals.is_empty() && !may_refer(kind) {
        errors.push(Invalid::new(
            "training_referrals",
            "only a municipality or prefecture reports offers passed to training bodies",
        ));
    }
    if cmd.referrals.len() > MOST_REFERRALS {
        errors.push(Invalid::new(
            "training_referrals",
            "at most 50 training bodies",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, r) in cmd.referrals.iter().enumerate() {
        let name = r.training_body.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > 100 || name.chars().any(char::is_control) {
            errors.push(Invalid::new(
                format!("training_referrals[{i}].training_body"),
                "1 to 100 characters, no control characters",
            ));
        } else if !seen.insert(kyushoku_domain::fold::fold(name)) {
            errors.push(Invalid::new(
                format!("training_referrals[{i}].training_body"),
                "each training body once",
            ));
        }
        if !(1..=MOST_HIRES).contains(&r.offers) {
            errors.push(Invalid::new(
                format!("training_referrals[{i}].offers"),
                "a whole number from 1 to 100,000",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors));
    }
    let trimmed: Vec<Referral> = cmd
        .referrals
        .iter()
        .map(|r| Referral {
            training_body: r.training_body.trim().to_owned(),
            offers: r.offers,
        })
        .collect();
    Ok(serde_json::to_string(&trimmed).unwrap_or_else(|_| "[]".into()))
}

/// Drafts the quarter's report, or changes the draft, or corrects the
/// submitted report (it stays submitted; `corrected_at` tells when). A
/// report the bureau found false cannot be changed.
pub fn save(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
    quarter: &str,
    cmd: UsageCommand,
    today: NaiveDate,
) -> Result<QuarterReport, Refusal> {
    let (org, approved_on) = reporting(c, caller, organisation)?;
    let quarter = owed(approved_on, quarter, today)?;
    own_admin(caller, &org)?;
    let referrals = check(org.kind, &cmd)?;
    let figures = Figures {
        hires_from_offers: cmd.hires_from_offers as i32,
        hires_from_seekers: cmd.hires_from_seekers as i32,
        referrals,
    };
    let mut event = caller.event(AuditAction::UsageReportSaved);
    event.target = Some(quarter.to_string());
    let saved = c.write_transaction(|c| {
        let before = store::report(c, org.id, quarter)?;
        if before.as_ref().is_some_and(|r| r.found_false_at.is_some()) {
            return Err(Refusal::IllegalTransition(
                "the bureau found this report false; it cannot be changed".into(),
            ));
        }
        let now_at = before.as_ref().map_or(0, |r| r.revision);
        if cmd.revision.is_some_and(|read| read != now_at) {
            return Err(Refusal::Conflict(format!(
                "the report is at revision {now_at}; read it and save again"
            )));
        }
        let row = store::save_report(
            c,
            org.id,
            quarter,
            &figures,
            before.as_ref(),
            &uuid::Uuid::now_v7().to_string(),
        )
        .map_err(|e| match e {
            kyushoku_store::StoreError::Conflict(_) => {
                Refusal::Conflict("the report changed meanwhile; read it and save again".into())
            }
            other => other.into(),
        })?;
        event.detail = Some(
            serde_json::json!({
                "status": row.status.as_str(),
                "revision": row.revision,
                "hires_from_offers": row.hires_from_offers,
                "hires_from_seekers": row.hires_from_seekers,
                "training_bodies": cmd.referrals.len(),
            })
            .to_string(),
        );
        kyushoku_store::audit::record(c, &event)?;
        Ok::<_, Refusal>(row)
    })?;
    quarter_report(c, org.id, quarter, Some(saved), today)
}

/// Submits the quarter's draft to the bureau, once the quarter has ended
/// (late is still accepted: the bureau sees when). With a key, the answer
/// commits with the submission (R12).
pub fn submit(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
    quarter: &str,
    today: NaiveDate,
    answer: Option<&Answer<'_, QuarterReport>>,
) -> Result<QuarterReport, Refusal> {
    let (org, approved_on) = reporting(c, caller, organisation)?;
    let quarter = owed(approved_on, quarter, today)?;
    own_admin(caller, &org)?;
    if today <= quarter.last_day() {
        return Err(Refusal::IllegalTransition(format!(
            "{quarter} has not ended; submit from {}",
            quarter.next().first_day()
        )));
    }
    let mut event = caller.event(AuditAction::UsageReportSubmitted);
    event.target = Some(quarter.to_string());
    let submitted = c.write_transaction(|c| {
        let before = store::report(c, org.id, quarter)?;
        let Some(draft) = before.filter(|r| r.status == ReportStatus::Draft) else {
            return Err(Refusal::IllegalTransition(
                "there is no draft to submit: save the report first (a submitted one is corrected by saving it)".into(),
            ));
        };
        let row = store::submit_report(c, org.id, quarter, draft.revision)?.ok_or_else(|| {
            Refusal::Conflict("the report changed meanwhile; read it and submit again".into())
        })?;
        event.detail = Some(
            serde_json::json!({"late": today > quarter.due_on(), "revision": row.revision})
                .to_string(),
        );
        kyushoku_store::audit::record(c, &event)?;
        let submitted = quarter_report(c, org.id, quarter, Some(row), today)?;
        keep_answer(c, answer, &submitted)?;
        Ok::<_, Refusal>(submitted)
    })?;
    Ok(submitted)
}

/// A line of the bureau's list of who owes a quarter's report.
#[derive(Debug, Clone)]
pub struct Owing {
    pub obligation: Obligation,
    pub standing: Standing,
}

/// The organisations of the bureau's prefecture that owe `quarter`'s
/// report, in id order, optionally only those submitted (`Some(true)`) or
/// not (`Some(false)`: due, or overdue once the deadline passed).
pub fn owing(
    c: &mut DbConn,
    bureau: &PrefectureCode,
    quarter: FiscalQuarter,
    submitted: Option<bool>,
    page: crate::bureau::IdPage<OrganisationId>,
    today: NaiveDate,
) -> Result<Vec<Owing>, Refusal> {
    let rows = store::obligations(c, bureau, quarter, submitted, page.from, page.limit + 1)?;
    Ok(rows
        .into_iter()
        .map(|o| Owing {
            standing: rules::standing(
                quarter,
                o.report_status == Some(ReportStatus::Submitted),
                today,
            ),
            obligation: o,
        })
        .collect())
}

/// A sanction, as asked.
#[derive(Debug, Clone)]
pub struct SanctionCommand {
    pub ground: SanctionGround,
    pub quarter: String,
    pub reason: String,
}

/// A sanction imposed, and the organisation after it.
#[derive(Debug, Clone)]
pub struct Imposed {
    pub sanction: store::SanctionRow,
    pub organisation: OrganisationRow,
}

/// The bureau of the organisation's prefecture sanctions it as the terms
/// say ([`rules::sanction`]): the ground must hold today (the quarter's
/// report overdue; or submitted, for a false one, which this marks), and
/// the decision it calls for (suspend or revoke) must be open from the
/// organisation's status. Decision, sanction, audit and webhook commit
/// together; suspension and revocation end the organisation's tokens (R8).
pub fn impose(
    c: &mut DbConn,
    caller: &Caller,
    bureau: &PrefectureCode,
    organisation: &str,
    cmd: SanctionCommand,
    today: NaiveDate,
    pledge: Option<&Pledge>,
) -> Result<Imposed, Refusal> {
    let reason = crate::organisations::check_reason(&cmd.reason);
    let org = crate::organisations::decidable(c, bureau, organisation)?;
    let approved_on = store::approved_on(c, org.id)?;
    let quarter = FiscalQuarter::parse(&cmd.quarter);
    let mut errors = Vec::new();
    if let Err(e) = &reason {
        errors.push(e.clone());
    }
    if quarter.is_none() {
        errors.push(Invalid::new("quarter", "a fiscal quarter: FY2026-Q1"));
    }
    let (Some(quarter), Ok(reason)) = (quarter.filter(|_| errors.is_empty()), reason) else {
        return Err(Refusal::Invalid(errors));
    };
    let owes = approved_on.is_some_and(|d| rules::quarters_owed(d, today).contains(&quarter));
    if !owes {
        return Err(Refusal::IllegalTransition(format!(
            "the organisation owes no report for {quarter}"
        )));
    }
    let earlier = store::sanctions_of(c, org.id)?;
    if earlier
        .iter()
        .any(|s| s.ground == cmd.ground && s.quarter == quarter)
    {
        return Err(Refusal::IllegalTransition(format!(
            "already sanctioned on this ground for {quarter}"
        )));
    }
    let earlier_overdue = earlier
        .iter()
        .filter(|s| s.ground == SanctionGround::OverdueReport)
        .count();
    let sanction = rules::sanction(cmd.ground, earlier_overdue, today);
    let (decision, until) = match sanction {
        Sanction::Suspend { until } => (Decision::Suspend, Some(until)),
        Sanction::Revoke => (Decision::Revoke, None),
    };
    let from = org.status;
    let to = from.after(decision).ok_or_else(|| {
        Refusal::IllegalTransition(format!(
            "the terms call for {}, which an organisation that is {} cannot take",
            decision.as_str(),
            from.as_str()
        ))
    })?;
    let public_id = uuid::Uuid::now_v7().to_string();
    let mut event = caller.event(AuditAction::SanctionImposed);
    event.organisation_id = Some(org.id);
    event.prefecture = Some(org.prefecture.clone());
    event.target = Some(org.public_id.clone());
    event.detail = Some(
        serde_json::json!({
            "sanction_id": public_id, "ground": cmd.ground.as_str(), "quarter": quarter.to_string(),
            "decision": decision.as_str(), "suspended_until": until, "reason": reason,
        })
        .to_string(),
    );
    let imposed = c.write_transaction(|c| {
        let saved = store::report(c, org.id, quarter)?;
        let submitted = saved
            .as_ref()
            .is_some_and(|r| r.status == ReportStatus::Submitted);
        match cmd.ground {
            SanctionGround::OverdueReport => {
                if rules::standing(quarter, submitted, today) != Standing::Overdue {
                    return Err(Refusal::IllegalTransition(format!(
                        "the report for {quarter} is not overdue"
                    )));
                }
            }
            SanctionGround::FalseReport => {
                if !store::mark_false(c, org.id, quarter)? {
                    return Err(Refusal::IllegalTransition(format!(
                        "no submitted report for {quarter} left to find false"
                    )));
                }
            }
        }
        let change = StatusChange {
            from_status: from,
            to_status: to,
            grant: None,
            bump_epoch: true,
        };
        let updated = crate::organisations::apply(c, caller, &org, decision, &change, &reason)?;
        store::insert_sanction(
            c,
            &NewSanction {
                public_id: &public_id,
                organisation: org.id,
                ground: cmd.ground,
                quarter,
                sanction: decision,
                suspended_until: until,
                reason: &reason,
            },
        )?;
        kyushoku_store::audit::record(c, &event)?;
        let sanction = store::sanctions_of(c, org.id)?
            .into_iter()
            .find(|s| s.public_id == public_id)
            .ok_or_else(|| Refusal::Conflict("the sanction was not recorded".into()))?;
        let answer = Imposed {
            sanction,
            organisation: updated,
        };
        if let Some(p) = pledge {
            p.keep(c, 201, &sanction_json(&answer))?;
        }
        Ok::<_, Refusal>(answer)
    })?;
    Ok(imposed)
}

/// The answer to an imposed sanction, as the API sends it (and an
/// idempotent repeat sends again).
pub fn sanction_json(imposed: &Imposed) -> serde_json::Value {
    let s = &imposed.sanction;
    serde_json::json!({
        "sanction_id": s.public_id,
        "ground": s.ground.as_str(),
        "quarter": s.quarter.to_string(),
        "decision": s.sanction.as_str(),
        "suspended_until": s.suspended_until,
        "reason": s.reason,
        "created_at": s.created_at.and_utc(),
        "organisation_status": imposed.organisation.status.as_str(),
    })
}

/// The organisation's sanctions, newest first: for its members and the
/// bureau of its prefecture.
pub fn sanctions(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
) -> Result<Vec<store::SanctionRow>, Refusal> {
    let (org, _) = reporting(c, caller, organisation)?;
    Ok(store::sanctions_of(c, org.id)?)
}

/// The day a running suspension under the terms ends, if one runs on
/// `today` (a reinstatement waits for it).
pub fn suspended_until(
    c: &mut DbConn,
    organisation: OrganisationId,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, Refusal> {
    Ok(store::sanctions_of(c, organisation)?
        .into_iter()
        .filter_map(|s| s.suspended_until)
        .max()
        .filter(|until| !rules::may_reinstate(Some(*until), today)))
}

/// An organisation's standing under the terms: every quarter's report and
/// every sanction (its members', and its bureau's, view).
#[derive(Debug, Clone)]
pub struct Record {
    pub reports: Vec<QuarterReport>,
    pub sanctions: Vec<store::SanctionRow>,
}

/// The organisation's [`Record`], for those who may read its reports.
pub fn record(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
    today: NaiveDate,
) -> Result<Record, Refusal> {
    Ok(Record {
        reports: reports(c, caller, organisation, today)?,
        sanctions: sanctions(c, caller, organisation)?,
    })
}

/// An organisation's own stop of a service, as asked.
#[derive(Debug, Clone)]
pub struct StopCommand {
    pub service: kyushoku_domain::Service,
    pub reason: String,
}

/// An administrator of an approved organisation stops a service itself
/// (利用停止): seeker information takes job offers with it
/// ([`rules::after_stop`]). A service it does not have is
/// [`Refusal::IllegalTransition`]. The change is a conditional write (a
/// bureau's decision at the same time wins or loses whole), with its audit
/// row; what it stops ends on the organisation's next request.
pub fn stop(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
    cmd: StopCommand,
    answer: Option<&Answer<'_, OrganisationRow>>,
) -> Result<OrganisationRow, Refusal> {
    let org = crate::organisations::visible(c, caller, organisation)?;
    own_admin(caller, &org)?;
    let reason =
        crate::organisations::check_reason(&cmd.reason).map_err(|e| Refusal::Invalid(vec![e]))?;
    let has = match cmd.service {
        kyushoku_domain::Service::SeekerInfo => org.seeker_info,
        kyushoku_domain::Service::JobOffers => org.job_offers,
    };
    if org.status != kyushoku_domain::OrganisationStatus::Approved || !has {
        return Err(Refusal::IllegalTransition(
            "the organisation is not approved for this service".into(),
        ));
    }
    let (seeker_info, job_offers) =
        rules::after_stop((org.seeker_info, org.job_offers), cmd.service);
    let sector = org.sector.unwrap_or(org.kind.sector());
    let change = StatusChange {
        from_status: org.status,
        to_status: org.status,
        grant: Some(kyushoku_store::organisations::Grant {
            seeker_info,
            job_offers,
            sector,
        }),
        bump_epoch: false,
    };
    let mut event = caller.event(AuditAction::ServiceStopped);
    event.target = Some(org.public_id.clone());
    event.detail = Some(
        serde_json::json!({
            "stopped": cmd.service, "seeker_info": seeker_info, "job_offers": job_offers, "reason": reason,
        })
        .to_string(),
    );
    c.write_transaction(|c| {
        let updated = kyushoku_store::organisations::change_status(c, org.id, &change)?
            .ok_or_else(|| {
                Refusal::Conflict(
                    "the organisation changed meanwhile; read it and try again".into(),
                )
            })?;
        kyushoku_store::audit::record(c, &event)?;
        keep_answer(c, answer, &updated)?;
        Ok::<_, Refusal>(updated)
    })
}
