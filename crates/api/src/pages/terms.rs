//! The words the pages show for the terms of use's closed sets (a complaint
//! case's status and outcome, a usage report's standing and status), and
//! the seeker's page of their own reports (`GET /my-page/reports`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use kyushoku_domain::organisation::PublishedGroup;
use kyushoku_domain::terms::{CaseOutcome, CaseStatus, ReportStatus, Standing};
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
