//! The labour bureau's decisions on an organisation (R8): approve, reject,
//! suspend, reinstate, revoke. A decision is a conditional write (two
//! bureaus deciding at once cannot both win), recorded in the audit trail
//! with its reason in the same transaction; suspension and revocation bump
//! the organisation's epoch, which ends every token it holds.

use kyushoku_domain::{ActorKind, AuditAction, Decision, PrefectureCode, Sector, Service};
use kyushoku_store::organisations::{self, Grant, OrganisationRow, StatusChange};
use kyushoku_store::{audit, DbConn};

use crate::refusal::Invalid;
use crate::{Caller, Refusal};

/// A bureau's decision, as asked.
#[derive(Debug, Clone)]
pub struct DecisionCommand {
    /// As sent; checked here so that its problem is told beside the others.
    pub decision: String,
    pub reason: String,
    /// On approval: the services granted (default: those requested).
    pub services: Option<Vec<Service>>,
    /// On approval: only ever the sector of the organisation's kind.
    pub sector: Option<Sector>,
}

/// The most characters a decision's reason may have.
pub const MAX_REASON_CHARS: usize = 1000;

/// R8: the bureau of `bureau_prefecture` decides on the organisation with
/// this public id. Another prefecture's organisation is
/// [`Refusal::Forbidden`]; one that does not exist [`Refusal::NotFound`]
/// (both before any field is judged); a decision its status does not allow,
/// or one that another bureau's decision overtook, is
/// [`Refusal::IllegalTransition`].
pub fn decide(
    c: &mut DbConn,
    caller: &Caller,
    bureau_prefecture: &PrefectureCode,
    organisation: &str,
    cmd: DecisionCommand,
) -> Result<OrganisationRow, Refusal> {
    let mut errors = Vec::new();
    let decision = Decision::parse(&cmd.decision);
    if decision.is_none() {
        errors.push(Invalid::new(
            "decision",
            "approve, reject, suspend, reinstate or revoke",
        ));
    }
    let reason = check_reason(&cmd.reason);
    if let Err(e) = &reason {
        errors.push(e.clone());
    }
    if decision != Some(Decision::Approve) && (cmd.services.is_some() || cmd.sector.is_some()) {
        errors.push(Invalid::new(
            "services",
            "services and sector go with approve only",
        ));
    }
    let row = decidable(c, bureau_prefecture, organisation)?;
    let kind = row.kind;
    match cmd.sector {
        Some(s) if s != kind.sector() => errors.push(Invalid::new(
            "sector",
            format!(
                "the sector follows the organisation's kind: {}",
                kind.sector().as_str()
            ),
        )),
        _ => {}
    }
    let (mut seeker_info, mut job_offers) = (row.requests_seeker_info, row.requests_job_offers);
    if let Some(list) = &cmd.services {
        (seeker_info, job_offers) = (false, false);
        for (i, s) in list.iter().enumerate() {
            match s {
                Service::SeekerInfo if row.requests_seeker_info => seeker_info = true,
                Service::JobOffers if row.requests_job_offers => job_offers = true,
                _ => errors.push(Invalid::new(
                    format!("services[{i}]"),
                    "only a requested service may be granted",
                )),
            }
        }
        if list.is_empty() {
            errors.push(Invalid::new("services", "grant at least one service"));
        }
    }
    let (Some(decision), Ok(reason)) = (decision.filter(|_| errors.is_empty()), reason) else {
        return Err(Refusal::Invalid(errors));
    };
    let from = row.status;
    let to = from.after(decision).ok_or_else(|| {
        Refusal::IllegalTransition(format!(
            "cannot {} an organisation that is {}",
            decision.as_str(),
            from.as_str()
        ))
    })?;
    let today = kyushoku_domain::calendar::today_in_japan();
    if decision == Decision::Reinstate {
        if let Some(until) = crate::terms::suspended_until(c, row.id, today)? {
            return Err(Refusal::IllegalTransition(format!(
                "suspended under the terms of use until {until}: it cannot be reinstated before"
            )));
        }
    }
    let change = StatusChange {
        from_status: from,
        to_status: to,
        grant: (decision == Decision::Approve).then_some(Grant {
            seeker_info,
            job_offers,
            sector: kind.sector(),
        }),
        bump_epoch: decision.ends_sessions(),
    };
    c.write_transaction(|c| {
        let updated = apply(c, caller, &row, decision, &change, &reason)?;
        if decision == Decision::Approve {
            let until = kyushoku_domain::terms::approval_ends(today);
            kyushoku_store::terms::mark_approved(c, row.id, today, until)?;
        }
        Ok::<_, Refusal>(updated)
    })
}

/// A decision's reason, trimmed: 1 to 1,000 characters, no control
/// characters but line breaks.
pub fn check_reason(reason: &str) -> Result<String, Invalid> {
    let reason = reason.trim().to_owned();
    if reason.is_empty()
        || reason.chars().count() > MAX_REASON_CHARS
        || reason.chars().any(|ch| ch.is_control() && ch != '\n')
    {
        return Err(Invalid::new(
            "reason",
            "1 to 1,000 characters, no control characters",
        ));
    }
    Ok(reason)
}

/// The organisation with this public id, if the bureau of
/// `bureau_prefecture` may decide on it: one that does not exist is
/// [`Refusal::NotFound`], another prefecture's [`Refusal::Forbidden`].
pub fn decidable(
    c: &mut DbConn,
    bureau_prefecture: &PrefectureCode,
    organisation: &str,
) -> Result<OrganisationRow, Refusal> {
    if uuid::Uuid::parse_str(organisation).is_err() {
        return Err(Refusal::NotFound);
    }
    let row = organisations::find(c, organisation)?.ok_or(Refusal::NotFound)?;
    if row.prefecture != *bureau_prefecture {
        return Err(Refusal::Forbidden(
            "only the labour bureau of the organisation's prefecture may decide",
        ));
    }
    Ok(row)
}

/// Writes a decision the caller checked: the conditional status change,
/// its audit row (with the reason) and the webhook, in one transaction. A
/// decision another bureau's overtook is [`Refusal::IllegalTransition`].
pub fn apply(
    c: &mut DbConn,
    caller: &Caller,
    row: &OrganisationRow,
    decision: Decision,
    change: &StatusChange,
    reason: &str,
) -> Result<OrganisationRow, Refusal> {
    let (from, to) = (change.from_status, change.to_status);
    let mut event = caller.event(AuditAction::OrganisationDecision);
    event.organisation_id = Some(row.id);
    event.prefecture = Some(row.prefecture.clone());
    event.target = Some(row.public_id.clone());
    event.detail = Some(
        serde_json::json!({
            "decision": decision.as_str(), "from": from.as_str(), "to": to.as_str(), "reason": reason
        })
        .to_string(),
    );
    c.write_transaction(|c| {
        let updated = organisations::change_status(c, row.id, change)?;
        if updated.is_some() {
            audit::record(c, &event)?;
            crate::webhooks::status_changed(c, row, from, to)?;
        }
        Ok::<_, Refusal>(updated)
    })?
    .ok_or_else(|| {
        Refusal::IllegalTransition(
            "the organisation changed meanwhile; read it and decide again".into(),
        )
    })
}

/// An organisation's home as its staff see it: the organisation, what is
/// left of today's guidance where it may send guidance (R13), its
/// approval's period, its renewals and its change requests.
#[derive(Debug, Clone)]
pub struct Home {
    pub organisation: OrganisationRow,
    pub guidance_left: Option<i32>,
    pub approval: Option<crate::renewals::Approval>,
    pub renewals: Vec<kyushoku_store::terms::RenewalRow>,
    pub changes: Vec<organisations::ChangeRequestRow>,
}

/// The caller's own organisation for its home page.
pub fn home(
    c: &mut DbConn,
    caller: &Caller,
    public_id: &str,
    today: chrono::NaiveDate,
    daily_cap: i32,
) -> Result<Home, Refusal> {
    let organisation = visible(c, caller, public_id)?;
    let sends = organisation.seeker_info
        && organisation.status == kyushoku_domain::OrganisationStatus::Approved;
    let guidance_left = if sends {
        Some(crate::messaging::guidance_left(
            c, caller, today, daily_cap,
        )?)
    } else {
        None
    };
    Ok(Home {
        approval: crate::renewals::approval(c, organisation.id, today)?,
        renewals: kyushoku_store::terms::renewals_of(c, organisation.id)?,
        changes: organisations::change_requests_of(c, organisation.id)?,
        organisation,
        guidance_left,
    })
}

/// The organisation `public_id` as the caller may see it ([`visible`]),
/// with what its application stated and its approval's period.
pub fn read(c: &mut DbConn, caller: &Caller, public_id: &str) -> Result<Record, Refusal> {
    let row = visible(c, caller, public_id)?;
    let today = kyushoku_domain::calendar::today_in_japan();
    Ok(Record {
        eligibility: organisations::eligibility_of(c, row.id)?,
        co_applicants: organisations::co_applicants_of(c, row.id)?,
        approval: crate::renewals::approval(c, row.id, today)?,
        row,
    })
}

/// An organisation with what its application stated (its eligibility and
/// its co-applicants, 連名申請) and its approval's period.
#[derive(Debug, Clone)]
pub struct Record {
    pub row: OrganisationRow,
    pub eligibility: organisations::Eligibility,
    pub co_applicants: Vec<organisations::CoApplicantRow>,
    pub approval: Option<crate::renewals::Approval>,
}

/// `row` with its status as of today (in Japan): an approval, or a
/// suspension, whose period has ended reads as lapsed before the sweeper
/// writes it ([`kyushoku_domain::terms::lapsed`]).
fn as_of_today(c: &mut DbConn, mut row: OrganisationRow) -> Result<OrganisationRow, Refusal> {
    use kyushoku_domain::OrganisationStatus as S;
    if matches!(row.status, S::Approved | S::Suspended) {
        let today = kyushoku_domain::calendar::today_in_japan();
        let period = kyushoku_store::terms::approval_period(c, row.id)?;
        if period.is_some_and(|p| {
            kyushoku_domain::terms::lapsed(p.approved_until, p.renewal_pending, today)
        }) {
            row.status = S::Lapsed;
        }
    }
    Ok(row)
}

/// The organisation `public_id` as the caller may see it: a bureau sees
/// every one, a member its own; Hello Work's system reads none. Any other
/// is [`Refusal::NotFound`], as one that does not exist (R2). Its status is
/// as of today ([`as_of_today`]).
pub fn visible(
    c: &mut DbConn,
    caller: &Caller,
    public_id: &str,
) -> Result<OrganisationRow, Refusal> {
    if caller.kind == ActorKind::HwSystem {
        return Err(Refusal::Forbidden(
            "the Hello Work system does not read organisations",
        ));
    }
    if uuid::Uuid::parse_str(public_id).is_err() {
        return Err(Refusal::NotFound);
    }
    let row = organisations::find(c, public_id)?.ok_or(Refusal::NotFound)?;
    let own = caller.organisation.as_ref().is_some_and(|m| m.id == row.id);
    if caller.bureau.is_some() || own {
        as_of_today(c, row)
    } else {
        Err(Refusal::NotFound)
    }
}
