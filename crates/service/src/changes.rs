//! Changes to an organisation's record (変更の届出): its administrator asks
//! (name, municipality, services, departments), the bureau of its
//! prefecture approves or rejects with a reason, and an approved change is
//! applied to the record as a conditional write, like a decision (the
//! rule is `kyushoku_domain::organisation::change_problems`).

use kyushoku_domain::organisation::{change_problems, ChangeSet, RequestStatus, Verdict};
use kyushoku_domain::{ActorKind, AuditAction, PrefectureCode};
use kyushoku_store::organisations::{self, ChangeRequestRow, OrganisationRow};
use kyushoku_store::{audit, DbConn, StoreError};

use crate::idempotency::{keep_answer, Answer};
use crate::refusal::Invalid;
use crate::{Caller, Refusal};

/// An administrator of an approved organisation asks its bureau for a
/// change. One request is pending at a time (another is
/// [`Refusal::Conflict`]). With a key, the answer commits with the request
/// (R12).
pub fn request(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
    change: ChangeSet,
    answer: Option<&Answer<'_, ChangeRequestRow>>,
) -> Result<ChangeRequestRow, Refusal> {
    let org = crate::organisations::visible(c, caller, organisation)?;
    let own = caller.organisation.as_ref().is_some_and(|m| m.id == org.id);
    if !own || caller.kind != ActorKind::OrgAdmin {
        return Err(Refusal::Forbidden(
            "only an administrator of the organisation asks for a change",
        ));
    }
    let placement = organisations::eligibility_of(c, org.id)?.placement;
    let problems = change_problems(org.kind, &org.prefecture, placement, &change);
    if !problems.is_empty() {
        return Err(Refusal::Invalid(
            problems
                .into_iter()
                .map(|(f, r)| Invalid::new(f, r))
                .collect(),
        ));
    }
    if let Some(m) = &change.municipality {
        crate::reference::current_municipality(c, m, "municipality")?;
    }
    if org.status != kyushoku_domain::OrganisationStatus::Approved {
        return Err(Refusal::IllegalTransition(
            "an organisation asks for changes while it is approved".into(),
        ));
    }
    let row = ChangeRequestRow {
        public_id: uuid::Uuid::now_v7().to_string(),
        status: RequestStatus::Pending,
        changes: serde_json::to_string(&change).unwrap_or_else(|_| "{}".into()),
        reason: None,
        created_at: kyushoku_store::now(),
        decided_at: None,
    };
    let mut event = caller.event(AuditAction::ChangeRequested);
    event.target = Some(row.public_id.clone());
    event.detail = Some(row.changes.clone());
    c.write_transaction(|c| {
        organisations::insert_change_request(c, org.id, &row).map_err(|e| match e {
            StoreError::Conflict(_) => Refusal::Conflict(
                "a change request is pending; wait for the bureau's decision".into(),
            ),
            other => other.into(),
        })?;
        audit::record(c, &event)?;
        keep_answer(c, answer, &row)?;
        Ok::<_, Refusal>(())
    })?;
    Ok(row)
}

fn found(
    c: &mut DbConn,
    organisation: kyushoku_store::OrganisationId,
    public_id: &str,
) -> Result<ChangeRequestRow, Refusal> {
    organisations::change_requests_of(c, organisation)?
        .into_iter()
        .find(|r| r.public_id == public_id)
        .ok_or(Refusal::NotFound)
}

/// The organisation's change requests, newest first: its members, and the
/// bureau of its prefecture.
pub fn list(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &str,
) -> Result<Vec<ChangeRequestRow>, Refusal> {
    let org = crate::organisations::visible(c, caller, organisation)?;
    if caller.bureau.as_ref().is_some_and(|p| *p != org.prefecture) {
        return Err(Refusal::Forbidden(
            "only the labour bureau of the organisation's prefecture",
        ));
    }
    Ok(organisations::change_requests_of(c, org.id)?)
}

/// The bureau of the organisation's prefecture approves (and applies) or
/// rejects a pending change request, with a reason; the request, the
/// record and the audit row change together.
pub fn decide(
    c: &mut DbConn,
    caller: &Caller,
    bureau: &PrefectureCode,
    organisation: &str,
    request: &str,
    verdict: Verdict,
    reason: &str,
) -> Result<(ChangeRequestRow, OrganisationRow), Refusal> {
    let reason = crate::organisations::check_reason(reason);
    let org = crate::organisations::decidable(c, bureau, organisation)?;
    let reason = reason.map_err(|e| Refusal::Invalid(vec![e]))?;
    let pending = organisations::change_requests_of(c, org.id)?
        .into_iter()
        .find(|r| r.public_id == request)
        .ok_or(Refusal::NotFound)?;
    if pending.status != RequestStatus::Pending {
        return Err(Refusal::IllegalTransition(
            "this request was decided already".into(),
        ));
    }
    let change: ChangeSet = serde_json::from_str(&pending.changes).unwrap_or_default();
    let to = verdict.status();
    let approve = verdict == Verdict::Approve;
    let mut event = caller.event(AuditAction::ChangeDecided);
    event.organisation_id = Some(org.id);
    event.prefecture = Some(org.prefecture.clone());
    event.target = Some(pending.public_id.clone());
    event.detail = Some(
        serde_json::json!({"organisation": org.public_id, "decision": to.as_str(), "reason": reason})
            .to_string(),
    );
    let departments: Vec<String> = change
        .departments
        .iter()
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    let updated = c.write_transaction(|c| {
        if !organisations::decide_change_request(c, org.id, request, to, &reason)? {
            return Err(Refusal::Conflict(
                "the request was decided meanwhile".into(),
            ));
        }
        let updated = if approve {
            organisations::apply_change(c, &org, &change, &departments)?.ok_or_else(|| {
                Refusal::Conflict(
                    "the organisation changed meanwhile; read it and decide again".into(),
                )
            })?
        } else {
            org.clone()
        };
        audit::record(c, &event)?;
        Ok::<_, Refusal>(updated)
    })?;
    Ok((found(c, org.id, request)?, updated))
}
