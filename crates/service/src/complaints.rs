//! Complaints (苦情の処理): a seeker's report about an organisation's
//! messages is a case the labour bureau of the organisation's prefecture
//! handles (received → reviewing → answered, saying what was done), and the
//! seeker follows on My Page. The steps and what an answer may claim are
//! `kyushoku_domain::terms` rules.

use kyushoku_domain::terms::{outcome_agrees, CaseOutcome, CaseStatus};
use kyushoku_domain::{AuditAction, PrefectureCode};
use kyushoku_store::messaging::{self, ReportRow, SeekerReportRow};
use kyushoku_store::{audit, organisations, DbConn, SeekerId};

use crate::refusal::Invalid;
use crate::{Caller, Refusal};

/// How a refused answer that claims an undecided suspension or revocation
/// begins (the pages tell it apart from a case that moved on).
pub const DECIDE_FIRST: &str = "decide first, then answer";

/// The most characters of the bureau's note on a case.
pub const MAX_NOTE_CHARS: usize = 1000;

/// A step on a case, as asked.
#[derive(Debug, Clone)]
pub struct Handling {
    pub status: CaseStatus,
    /// With `answered` only, and then required.
    pub outcome: Option<CaseOutcome>,
    /// The bureau's own note (kept in its audit trail, never shown to the
    /// seeker or the organisation).
    pub note: Option<String>,
}

/// The bureau of `bureau` moves a case of its prefecture on. A case of
/// another prefecture is [`Refusal::NotFound`], as one that does not
/// exist; a step back, or an answer claiming a suspension or revocation
/// the bureau has not decided, is [`Refusal::IllegalTransition`]. The
/// seeker hears of the new status on their stream (`report_handled`).
pub fn handle(
    c: &mut DbConn,
    caller: &Caller,
    bureau: &PrefectureCode,
    report: &str,
    step: Handling,
) -> Result<ReportRow, Refusal> {
    let mut errors = Vec::new();
    match (step.status, step.outcome) {
        (CaseStatus::Answered, None) => errors.push(Invalid::new(
            "outcome",
            "an answer says what was done: no_action, warning, suspension or revocation",
        )),
        (CaseStatus::Received | CaseStatus::Reviewing, Some(_)) => errors.push(Invalid::new(
            "outcome",
            "an outcome goes with answered only",
        )),
        _ => {}
    }
    let note = step
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if note.is_some_and(|n| {
        n.chars().count() > MAX_NOTE_CHARS || n.chars().any(|ch| ch.is_control() && ch != '\n')
    }) {
        errors.push(Invalid::new(
            "note",
            "at most 1,000 characters, no control characters",
        ));
    }
    if uuid::Uuid::parse_str(report).is_err() {
        return Err(Refusal::NotFound);
    }
    let (row, organisation, prefecture) =
        messaging::find_report(c, report)?.ok_or(Refusal::NotFound)?;
    if prefecture != bureau.as_str() {
        return Err(Refusal::NotFound);
    }
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors));
    }
    if !row.status.may_become(step.status) {
        return Err(Refusal::IllegalTransition(format!(
            "a case that is {} cannot become {}",
            row.status, step.status
        )));
    }
    let org = organisations::find_by_id(c, organisation)?.ok_or(Refusal::NotFound)?;
    if let Some(outcome) = step.outcome {
        if !outcome_agrees(outcome, org.status) {
            return Err(Refusal::IllegalTransition(format!(
                "{DECIDE_FIRST}: the organisation is {}, so {outcome} has not been done",
                org.status.as_str()
            )));
        }
    }
    let mut event = caller.event(AuditAction::ComplaintHandled);
    event.organisation_id = Some(org.id);
    event.prefecture = Some(org.prefecture.clone());
    event.target = Some(row.public_id.clone());
    event.detail = Some(
        serde_json::json!({
            "from": row.status.as_str(), "to": step.status.as_str(),
            "outcome": step.outcome.map(CaseOutcome::as_str), "note": note,
        })
        .to_string(),
    );
    c.write_transaction(|c| {
        if !messaging::handle_report(c, row.id, row.status, step.status, step.outcome)? {
            return Err(Refusal::Conflict(
                "the case changed meanwhile; read it and try again".into(),
            ));
        }
        audit::record(c, &event)?;
        if let Some(seeker_ref) = messaging::seeker_ref_of_report(c, row.id)? {
            crate::events::case_moved(c, &seeker_ref, &row.public_id, step.status, step.outcome)?;
        }
        Ok::<_, Refusal>(())
    })?;
    Ok(messaging::find_report(c, report)?
        .ok_or(Refusal::NotFound)?
        .0)
}

/// The most of their own reports a seeker is shown.
pub const SEEKER_REPORTS_SHOWN: i64 = 100;

/// The seeker's own reports and what became of them, newest first.
pub fn of_seeker(c: &mut DbConn, seeker: SeekerId) -> Result<Vec<SeekerReportRow>, Refusal> {
    Ok(messaging::reports_of_seeker(
        c,
        seeker,
        SEEKER_REPORTS_SHOWN,
    )?)
}
