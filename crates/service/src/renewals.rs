//! An approval's period and its renewal (更新): an approval runs three
//! years; an administrator asks for its renewal in the last three months,
//! the bureau of its prefecture approves (the period runs on from the old
//! end) or rejects with a reason, and an approval whose end passes with no
//! renewal pending lapses: access ends that day, and the sweeper writes
//! the status. The rules are `kyushoku_domain::terms`'s approval functions.

use chrono::NaiveDate;
use kyushoku_domain::organisation::{RequestStatus, Verdict};
use kyushoku_domain::terms::{self as rules, ApprovalStanding};
use kyushoku_domain::{ActorKind, AuditAction, OrganisationStatus, PrefectureCode};
use kyushoku_store::organisations::{self, OrganisationRow, StatusChange};
use kyushoku_store::terms::{self as store, RenewalRow};
use kyushoku_store::{audit, now, DbConn, OrganisationId, StoreError};

use crate::idempotency::{keep_answer, Answer};
use crate::{Caller, Refusal};

/// An approval's period as its organisation and its bureau see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approval {
    pub approved_on: NaiveDate,
    /// The last day it is in force (`None`: no end is known).
    pub approved_until: Option<NaiveDate>,
    /// Where it stands on the day it was read.
    pub standing: Option<ApprovalStanding>,
    /// The first day its renewal may be asked for.
    pub renewal_opens: Option<NaiveDate>,
}

/// The approval period of `organisation` on `today`, if it was ever
/// approved.
pub fn approval(
    c: &mut DbConn,
    organisation: OrganisationId,
    today: NaiveDate,
) -> Result<Option<Approval>, Refusal> {
    Ok(store::approval_period(c, organisation)?.map(|p| Approval {
        approved_on: p.approved_on,
        approved_until: p.approved_until,
        standing: p
            .approved_until
            .map(|until| rules::approval_standing(until, p.renewal_pending, today)),
        renewal_opens: p.approved_until.map(rules::renewal_opens),
    }))
}

/// An administrator of an approved organisation asks to renew its
/// approval, within the last three months of its period
/// ([`rules::may_request_renewal`]); outside them, or with one pending, it
/// is [`Refusal::IllegalTransition`] / [`Refusal::Conflict`]. The renewal,
/// its audit row and (with a key) the answer commit together.
pub fn request(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
    today: NaiveDate,
    answer: Option<&Answer<'_, RenewalRow>>,
) -> Result<RenewalRow, Refusal> {
    let org = crate::organisations::visible(c, caller, organisation)?;
    let own = caller.organisation.as_ref().is_some_and(|m| m.id == org.id);
    if !own || caller.kind != ActorKind::OrgAdmin {
        return Err(Refusal::Forbidden(
            "only an administrator of the organisation asks for a renewal",
        ));
    }
    let period = store::approval_period(c, org.id)?;
    let until = period.and_then(|p| p.approved_until);
    let (Some(until), OrganisationStatus::Approved) = (until, org.status) else {
        return Err(Refusal::IllegalTransition(
            "an organisation asks for a renewal while it is approved".into(),
        ));
    };
    if period.is_some_and(|p| p.renewal_pending) {
        return Err(Refusal::Conflict(
            "a renewal is pending; wait for the bureau's decision".into(),
        ));
    }
    if !rules::may_request_renewal(until, today) {
        return Err(Refusal::IllegalTransition(format!(
            "the approval runs through {until}: its renewal may be asked for from {} to that day",
            rules::renewal_opens(until)
        )));
    }
    let row = RenewalRow {
        public_id: uuid::Uuid::now_v7().to_string(),
        status: RequestStatus::Pending,
        ends_on: until,
        renewed_until: None,
        reason: None,
        created_at: now(),
        decided_at: None,
    };
    let mut event = caller.event(AuditAction::RenewalRequested);
    event.target = Some(row.public_id.clone());
    event.detail = Some(serde_json::json!({"ends_on": until}).to_string());
    c.write_transaction(|c| {
        store::insert_renewal(c, org.id, &row).map_err(|e| match e {
            StoreError::Conflict(_) => {
                Refusal::Conflict("a renewal is pending; wait for the bureau's decision".into())
            }
            other => other.into(),
        })?;
        // A pending renewal keeps the approval in force past its end:
        // authentication reads that from the organisation's new state.
        organisations::touch(c, org.id)?;
        audit::record(c, &event)?;
        keep_answer(c, answer, &row)?;
        Ok::<_, Refusal>(())
    })?;
    Ok(row)
}

/// The organisation's renewals, newest first: its members, and the bureau
/// of its prefecture.
pub fn list(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
) -> Result<Vec<RenewalRow>, Refusal> {
    let org = crate::organisations::visible(c, caller, organisation)?;
    if caller.bureau.as_ref().is_some_and(|p| *p != org.prefecture) {
        return Err(Refusal::Forbidden(
            "only the labour bureau of the organisation's prefecture",
        ));
    }
    Ok(store::renewals_of(c, org.id)?)
}

/// The bureau of the organisation's prefecture approves a pending renewal
/// (the approval then runs through [`rules::renewed_until`] of its old
/// end) or rejects it, with a reason; the renewal, the period, the audit
/// row commit together. A rejection after the old end lets the approval
/// lapse at once.
pub fn decide(
    c: &mut DbConn,
    caller: &Caller,
    bureau: &PrefectureCode,
    organisation: &str,
    renewal: &str,
    verdict: Verdict,
    reason: &str,
) -> Result<(RenewalRow, OrganisationRow), Refusal> {
    let reason = crate::organisations::check_reason(reason);
    let org = crate::organisations::decidable(c, bureau, organisation)?;
    let reason = reason.map_err(|e| Refusal::Invalid(vec![e]))?;
    let pending = found(c, org.id, renewal)?;
    if pending.status != RequestStatus::Pending {
        return Err(Refusal::IllegalTransition(
            "this renewal was decided already".into(),
        ));
    }
    let renewed_until =
        (verdict == Verdict::Approve).then(|| rules::renewed_until(pending.ends_on));
    let mut event = caller.event(AuditAction::RenewalDecided);
    event.organisation_id = Some(org.id);
    event.prefecture = Some(org.prefecture.clone());
    event.target = Some(pending.public_id.clone());
    event.detail = Some(
        serde_json::json!({
            "organisation": org.public_id, "decision": verdict.as_str(),
            "renewed_until": renewed_until, "reason": reason,
        })
        .to_string(),
    );
    c.write_transaction(|c| {
        let decided =
            store::decide_renewal(c, org.id, renewal, verdict.status(), renewed_until, &reason)
                .map_err(|e| match e {
                    StoreError::Conflict(_) => Refusal::Conflict(
                        "the approval's period changed meanwhile; read it and decide again".into(),
                    ),
                    other => other.into(),
                })?;
        if !decided {
            return Err(Refusal::Conflict(
                "the renewal was decided meanwhile".into(),
            ));
        }
        organisations::touch(c, org.id)?;
        audit::record(c, &event)?;
        Ok::<_, Refusal>(())
    })?;
    let updated = organisations::find_by_id(c, org.id)?.ok_or(Refusal::NotFound)?;
    Ok((found(c, org.id, renewal)?, updated))
}

fn found(
    c: &mut DbConn,
    organisation: OrganisationId,
    public_id: &str,
) -> Result<RenewalRow, Refusal> {
    store::renewals_of(c, organisation)?
        .into_iter()
        .find(|r| r.public_id == public_id)
        .ok_or(Refusal::NotFound)
}

/// Writes the lapse of every approval whose period ended before `today`
/// with no renewal pending ([`rules::lapsed`]): the status becomes
/// `lapsed` (a conditional write, like a decision), every token ends, and
/// an audit row by the service itself says the day it ended. Returns the
/// organisations that lapsed. Idempotent: the sweeper runs it on every
/// instance.
pub fn lapse(c: &mut DbConn, today: NaiveDate) -> Result<Vec<OrganisationId>, Refusal> {
    let mut lapsed = Vec::new();
    for (id, until) in store::lapsing(c, today)? {
        let Some(row) = organisations::find_by_id(c, id)? else {
            continue;
        };
        let change = StatusChange {
            from_status: row.status,
            to_status: OrganisationStatus::Lapsed,
            grant: None,
            bump_epoch: true,
        };
        let mut event = Caller {
            kind: ActorKind::Service,
            id: "service:sweeper".to_owned(),
            organisation: None,
            bureau: None,
            request_id: None,
        }
        .event(AuditAction::ApprovalLapsed);
        event.organisation_id = Some(row.id);
        event.prefecture = Some(row.prefecture.clone());
        event.target = Some(row.public_id.clone());
        event.detail = Some(
            serde_json::json!({"from": row.status.as_str(), "approved_until": until}).to_string(),
        );
        let done = c.write_transaction(|c| {
            let updated = organisations::change_status(c, row.id, &change)?;
            if updated.is_some() {
                audit::record(c, &event)?;
                crate::webhooks::status_changed(c, &row, row.status, OrganisationStatus::Lapsed)?;
            }
            Ok::<_, Refusal>(updated.is_some())
        })?;
        if done {
            lapsed.push(row.id);
        }
    }
    Ok(lapsed)
}
