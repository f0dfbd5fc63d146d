//! What a labour bureau reads: organisations (all prefectures, to decide
//! on applications and see who operates where), the abuse reports about
//! its prefecture's organisations, and the audit trail (R9) of its
//! prefecture. A bureau is bound to one prefecture; the trail and the
//! reports of another are not its to read.

use chrono::NaiveDateTime;
use kyushoku_domain::{AuditAction, OrganisationKind, OrganisationStatus, PrefectureCode};
use kyushoku_store::audit::{self, AuditEventRow, AuditFilter};
use kyushoku_store::messaging::{self, ReportRow};
use kyushoku_store::organisations::{self, OrganisationFilter, OrganisationRow};
use kyushoku_store::{seekers, AuditEventId, DbConn, OrganisationId, ReportId};

use crate::Refusal;

/// A page of a list in id order: after (or before) `from`, at most `limit`
/// rows (the use case reads one more, to tell another page follows).
#[derive(Debug, Clone, Copy)]
pub struct IdPage<K> {
    pub from: Option<K>,
    pub limit: i64,
}

/// Organisations in id order, filtered by status, kind and prefecture.
pub fn organisations(
    c: &mut DbConn,
    status: Option<OrganisationStatus>,
    kind: Option<OrganisationKind>,
    prefecture: Option<PrefectureCode>,
    page: IdPage<OrganisationId>,
) -> Result<Vec<OrganisationRow>, Refusal> {
    let filter = OrganisationFilter {
        status,
        kind,
        prefecture,
    };
    Ok(organisations::list(c, &filter, page.from, page.limit + 1)?)
}

/// Abuse reports (complaint cases) about organisations of the bureau's
/// prefecture, newest first, before `page.from`, of one status if given.
pub fn reports(
    c: &mut DbConn,
    bureau: &PrefectureCode,
    status: Option<kyushoku_domain::terms::CaseStatus>,
    page: IdPage<ReportId>,
) -> Result<Vec<ReportRow>, Refusal> {
    Ok(messaging::list_reports(
        c,
        bureau,
        status,
        page.from,
        page.limit + 1,
    )?)
}

/// First guidances by organisation kind and day since `since`, for the
/// statistics (the caller groups them by month).
pub fn guidance_by_day(
    c: &mut DbConn,
    since: chrono::NaiveDate,
) -> Result<Vec<kyushoku_store::hires::GuidanceOfKind>, Refusal> {
    Ok(kyushoku_store::hires::guidance_by_day(c, since)?)
}

/// What a bureau asks of its trail.
#[derive(Debug, Clone)]
pub struct TrailQuery {
    /// An organisation's public id.
    pub organisation: Option<String>,
    /// Hello Work's reference for a seeker: the events that showed them.
    pub seeker_ref: Option<String>,
    pub action: Option<AuditAction>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// A page of the trail, with the public ids of the organisations its events
/// name and the seekers each event showed.
#[derive(Debug, Default)]
pub struct Trail {
    pub events: Vec<AuditEventRow>,
    pub organisations: Vec<(OrganisationId, String)>,
    pub seekers: Vec<(AuditEventId, String)>,
}

/// The bureau's prefecture's events, newest first, before `page.from`. An
/// unknown organisation or seeker gives an empty page, as one with no
/// events does.
pub fn trail(
    c: &mut DbConn,
    bureau: &PrefectureCode,
    query: TrailQuery,
    page: IdPage<AuditEventId>,
) -> Result<Trail, Refusal> {
    let organisation_id = match &query.organisation {
        Some(public) => match organisations::find(c, public)? {
            Some(o) => Some(o.id),
            None => return Ok(Trail::default()),
        },
        None => None,
    };
    let seeker_id = match &query.seeker_ref {
        Some(r) => match seekers::find_by_ref(c, r)? {
            Some(s) => Some(s.id),
            None => return Ok(Trail::default()),
        },
        None => None,
    };
    let filter = AuditFilter {
        prefecture: bureau.clone(),
        organisation_id,
        seeker_id,
        action: query.action,
        from: query.from,
        to: query.to,
    };
    let events = audit::query(c, &filter, page.from, page.limit + 1)?;
    let mut named = Vec::new();
    for id in events.iter().filter_map(|r| r.organisation_id) {
        if !named.iter().any(|(i, _)| *i == id) {
            if let Some(o) = organisations::find_by_id(c, id)? {
                named.push((id, o.public_id));
            }
        }
    }
    let seekers = audit::seekers_of(c, &events)?;
    Ok(Trail {
        events,
        organisations: named,
        seekers,
    })
}

/// An organisation as its bureau reads it in the console: the
/// organisation, and its history (the application, every decision and
/// renewal, a lapse, with their reasons) in order.
pub fn organisation_history(
    c: &mut DbConn,
    caller: &crate::Caller,
    bureau: &PrefectureCode,
    public_id: &str,
) -> Result<(OrganisationRow, Vec<AuditEventRow>), Refusal> {
    let org = crate::organisations::visible(c, caller, public_id)?;
    let mut events = Vec::new();
    for action in [
        AuditAction::OrganisationApplied,
        AuditAction::OrganisationDecision,
        AuditAction::RenewalDecided,
        AuditAction::ApprovalLapsed,
    ] {
        let page = trail(
            c,
            bureau,
            TrailQuery {
                organisation: Some(org.public_id.clone()),
                seeker_ref: None,
                action: Some(action),
                from: None,
                to: None,
            },
            IdPage {
                from: None,
                limit: 100,
            },
        )?;
        events.extend(page.events);
    }
    events.sort_by_key(|e| e.id);
    Ok((org, events))
}

/// An organisation's whole file as its bureau reads it: the organisation
/// and its history ([`organisation_history`]), what its application stated
/// and its approval's period, and, for the bureau of its prefecture, its
/// standing under the terms (reports, sanctions), its change requests and
/// its renewals.
#[derive(Debug, Clone)]
pub struct OrganisationFile {
    pub organisation: OrganisationRow,
    pub history: Vec<AuditEventRow>,
    pub record: crate::organisations::Record,
    pub terms: Option<TermsFile>,
}

/// What the bureau of an organisation's prefecture alone reads of it.
#[derive(Debug, Clone)]
pub struct TermsFile {
    pub record: crate::terms::Record,
    pub changes: Vec<organisations::ChangeRequestRow>,
    pub renewals: Vec<kyushoku_store::terms::RenewalRow>,
}

/// The [`OrganisationFile`] of `public_id` on `today`.
pub fn organisation_file(
    c: &mut DbConn,
    caller: &crate::Caller,
    bureau: &PrefectureCode,
    public_id: &str,
    today: chrono::NaiveDate,
) -> Result<OrganisationFile, Refusal> {
    let (organisation, history) = organisation_history(c, caller, bureau, public_id)?;
    let record = crate::organisations::read(c, caller, public_id)?;
    let terms = if organisation.prefecture == *bureau {
        Some(TermsFile {
            record: crate::terms::record(c, caller, public_id, today)?,
            changes: crate::changes::list(c, caller, public_id)?,
            renewals: crate::renewals::list(c, caller, public_id)?,
        })
    } else {
        None
    };
    Ok(OrganisationFile {
        organisation,
        history,
        record,
        terms,
    })
}
