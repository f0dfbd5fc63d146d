//! Hire reports: an organisation reports a hire through an offer it could
//! see (by job number) or a profile it was given (by its pseudonym), once
//! per `Idempotency-Key` (R12). An offer the organisation could never have
//! seen is refused exactly as one that does not exist (R2).

use chrono::NaiveDate;
use kyushoku_domain::profile::EmploymentType;
use kyushoku_domain::JobNumber;
use kyushoku_store::hires::{self, HireRow, NewHire};
use kyushoku_store::{DbConn, OrganisationId, SeekerId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::refusal::Invalid;
use crate::{Caller, Pledge, Refusal};

/// What the hire was through, as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Through {
    /// An offer, by its job number.
    Offer(JobNumber),
    /// A profile: the seeker behind the organisation's pseudonym, or `None`
    /// for a pseudonym this organisation was never given.
    Profile(Option<SeekerId>),
    /// Both or neither given: refused.
    Unclear,
}

#[derive(Debug, Clone)]
pub struct HireCommand {
    pub organisation: OrganisationId,
    pub through: Through,
    pub hired_on: NaiveDate,
    pub employment_type: EmploymentType,
    pub today: NaiveDate,
}

// The answer to a report (no description in the API document, as before).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HireRecorded {
    pub hire_id: String,
}

/// How far back a hire may be reported.
pub const MOST_DAYS_BACK: i64 = 366;

/// Records a hire, with its idempotency record in the same transaction.
pub fn report(
    c: &mut DbConn,
    cmd: HireCommand,
    pledge: Option<&Pledge>,
) -> Result<HireRecorded, Refusal> {
    let mut errors = Vec::new();
    if cmd.through == Through::Unclear {
        errors.push(Invalid::new(
            "job_number",
            "give a job_number or a profile_id, not both",
        ));
    }
    if cmd.hired_on > cmd.today || cmd.hired_on < cmd.today - chrono::Duration::days(MOST_DAYS_BACK)
    {
        errors.push(Invalid::new(
            "hired_on",
            "within the last year, not in the future",
        ));
    }
    if cmd.through == Through::Profile(None) {
        errors.push(Invalid::new(
            "profile_id",
            "not a profile_id this organisation was given",
        ));
    }
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors));
    }
    let (job_offer_id, seeker_id) = match &cmd.through {
        Through::Offer(n) => match hires::offer_id(c, cmd.organisation, n)? {
            Some(id) => (Some(id), None),
            None => return Err(Refusal::invalid("job_number", "no such job offer")),
        },
        Through::Profile(seeker) => (None, *seeker),
        Through::Unclear => unreachable!("refused above"),
    };
    let answer = HireRecorded {
        hire_id: uuid::Uuid::now_v7().to_string(),
    };
    // The report and its idempotency record commit together.
    c.write_transaction(|c| {
        hires::insert(
            c,
            &NewHire {
                public_id: answer.hire_id.clone(),
                organisation_id: cmd.organisation,
                job_offer_id,
                seeker_id,
                hired_on: cmd.hired_on,
                employment_type: cmd.employment_type,
            },
        )?;
        if let Some(org) = kyushoku_store::organisations::find_by_id(c, cmd.organisation)? {
            crate::webhooks::hire_reported(c, &answer.hire_id, &org.public_id)?;
        }
        if let Some(p) = pledge {
            p.keep(c, 201, &serde_json::to_value(&answer).unwrap_or_default())?;
        }
        Ok::<_, Refusal>(())
    })?;
    Ok(answer)
}

/// An organisation's reported hires, newest first: for its members, and
/// for the labour bureau of its prefecture only.
pub fn list(
    c: &mut DbConn,
    caller: &Caller,
    organisation_public_id: &str,
) -> Result<Vec<HireRow>, Refusal> {
    let org = crate::organisations::visible(c, caller, organisation_public_id)?;
    if caller.bureau.as_ref().is_some_and(|p| *p != org.prefecture) {
        return Err(Refusal::Forbidden(
            "only the labour bureau of the organisation's prefecture",
        ));
    }
    Ok(hires::list(c, org.id)?)
}

/// The raw counts behind the public statistics (small ones are suppressed
/// where they are published).
pub fn counts(c: &mut DbConn, today: NaiveDate) -> Result<hires::Counts, Refusal> {
    Ok(hires::counts(c, today)?)
}
