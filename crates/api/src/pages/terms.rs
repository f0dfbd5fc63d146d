//! The words the pages show for the terms of use's closed sets (a complaint
//! case's status and outcome, a usage report's standing and status), and
//! the seeker's page of their own reports (`GET /my-page/reports`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use kyushoku_domain::organisation::{ChangeSet, PublishedGroup, RequestStatus};
use kyushoku_domain::terms::{ApprovalStanding, CaseOutcome, CaseStatus, ReportStatus, Standing};
use kyushoku_service::complaints;

use super::i18n::TermsText;
use super::my_page::jst;
use super::page::{html, Chrome, PageError};
use super::session::SeekerSession;
use crate::routes::me::me;
use crate::AppState;

pub fn case_label(t: &'static TermsText, s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Received => t.case_received,
        CaseStatus::Reviewing => t.case_reviewing,
        CaseStatus::Answered => t.case_answered,
    }
}

pub fn outcome_label(t: &'static TermsText, o: CaseOutcome) -> &'static str {
    match o {
        CaseOutcome::NoAction => t.outcome_no_action,
        CaseOutcome::Warning => t.outcome_warning,
        CaseOutcome::Suspension => t.outcome_suspension,
        CaseOutcome::Revocation => t.outcome_revocation,
    }
}

pub fn standing_label(t: &'static TermsText, s: Standing) -> &'static str {
    match s {
        Standing::Running => t.standing_running,
        Standing::Due => t.standing_due,
        Standing::Overdue => t.standing_overdue,
        Standing::Submitted => t.standing_submitted,
    }
}

pub fn group_label(t: &'static TermsText, g: PublishedGroup) -> &'static str {
    match g {
        PublishedGroup::MunicipalitiesEtc => t.group_municipalities,
        PublishedGroup::PaidAgencies => t.group_paid,
        PublishedGroup::FreeAgencies => t.group_free,
        PublishedGroup::Schools => t.group_schools,
        PublishedGroup::SpecialCorporations => t.group_special,
    }
}

pub fn request_label(t: &'static TermsText, s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::Pending => t.request_pending,
        RequestStatus::Approved => t.request_approved,
        RequestStatus::Rejected => t.request_rejected,
    }
}

pub fn approval_standing_label(t: &'static TermsText, s: ApprovalStanding) -> &'static str {
    match s {
        ApprovalStanding::Running => t.approval_running,
        ApprovalStanding::RenewalOpen => t.approval_renewal_open,
        ApprovalStanding::RenewalRequested => t.approval_renewal_requested,
        ApprovalStanding::Lapsed => t.approval_lapsed,
    }
}

/// A change request as one line of words: what it changes.
pub fn change_summary(text: &'static crate::pages::i18n::Text, changes: &str) -> String {
    let t = text.terms;
    let set: ChangeSet = serde_json::from_str(changes).unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(n) = set.name {
        parts.push(format!("{}: {n}", t.label_name));
    }
    if let Some(m) = set.municipality {
        parts.push(format!(
            "{}: {}",
            t.label_municipality,
            crate::pages::places::name(&m.prefecture(), Some(&m))
        ));
    }
    if let Some(p) = set.prefecture {
        parts.push(format!(
            "{}: {}",
            t.label_prefecture,
            crate::pages::places::name(&p, None)
        ));
    }
    if let Some((si, jo)) = set.services {
        let mut v = Vec::new();
        if si {
            v.push(text.staff.service_seeker_info);
        }
        if jo {
            v.push(text.staff.service_job_offers);
        }
        parts.push(format!("{}: {}", t.label_services, v.join("、")));
    }
    if !set.departments.is_empty() {
        parts.push(format!(
            "{}: {}",
            t.label_departments,
            set.departments.join("、")
        ));
    }
    parts.join(" / ")
}

pub fn report_status_label(t: &'static TermsText, s: Option<ReportStatus>) -> &'static str {
    match s {
        None => t.status_none,
        Some(ReportStatus::Draft) => t.status_draft,
        Some(ReportStatus::Submitted) => t.status_submitted,
    }
}

struct ReportLine {
    organisation: String,
    reason: String,
    at: String,
    status: &'static str,
    outcome: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "my_page/reports.html")]
struct ReportsPage {
    chrome: Chrome,
    current: &'static str,
    reports: Vec<ReportLine>,
}

/// `GET /my-page/reports`: the seeker's reports and what the bureau did
/// about each (the same use case as `GET /v1/me/reports`).
pub async fn my_reports(
    s: SeekerSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of(s.lang);
    let seeker = me(&state, &s.principal).await.map_err(&fail)?;
    let rows = state
        .act(move |c| complaints::of_seeker(c, seeker.id))
        .await
        .map_err(&fail)?;
    let t = s.lang.text().terms;
    Ok(html(
        StatusCode::OK,
        &ReportsPage {
            chrome: Chrome::new(s.lang, "/my-page/reports", Some(s.session.csrf.clone())),
            current: "reports",
            reports: rows
                .into_iter()
                .map(|r| ReportLine {
                    organisation: r.organisation_name,
                    reason: r.reason,
                    at: jst(r.created_at),
                    status: case_label(t, r.status),
                    outcome: r.outcome.map(|o| outcome_label(t, o)),
                })
                .collect(),
        },
    ))
}
