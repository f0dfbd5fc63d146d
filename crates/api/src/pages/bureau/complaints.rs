//! The bureau's complaints (苦情の処理): seekers' reports about its
//! prefecture's organisations, by case status, each moved on with a form
//! (the use case of `POST /v1/reports/{id}/handling`:
//! `kyushoku_service::complaints::handle`, with its rules and audit row).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::terms::{CaseOutcome, CaseStatus};
use kyushoku_service::bureau::{self as reads, IdPage};
use kyushoku_service::complaints::{self, Handling};
use serde::Deserialize;

use super::BureauSession;
use crate::pages::my_page::jst;
use crate::pages::page::{html, see_other, Chrome, PageError};
use crate::pages::terms::{case_label, outcome_label};
use crate::problem::ApiError;
use crate::{audit_log, AppState};

/// Cases on one page.
const SHOWN: i64 = 50;

struct Case {
    id: String,
    organisation_id: String,
    organisation: String,
    reason: String,
    at: String,
    status: &'static str,
    outcome: Option<&'static str>,
    /// Whether it may still move on (not answered).
    open: bool,
    /// Received: it may go to review.
    received: bool,
}

struct Tab {
    value: &'static str,
    label: &'static str,
    current: bool,
}

struct Choice {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "bureau/complaints.html")]
struct ComplaintsPage {
    chrome: Chrome,
    current: &'static str,
    tabs: Vec<Tab>,
    cases: Vec<Case>,
    outcomes: Vec<Choice>,
    notice: Option<&'static str>,
    problem: Option<(String, String)>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    done: Option<String>,
}

async fn page(
    b: &BureauSession,
    state: &AppState,
    status: CaseStatus,
    code: StatusCode,
    notice: Option<&'static str>,
    problem: Option<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let prefecture = b.prefecture.clone();
    let rows = state
        .act(move |c| {
            reads::reports(
                c,
                &prefecture,
                Some(status),
                IdPage {
                    from: None,
                    limit: SHOWN - 1,
                },
            )
        })
        .await
        .map_err(PageError::of_bureau(b.lang))?;
    let t = b.lang.text().terms;
    Ok(html(
        code,
        &ComplaintsPage {
            chrome: b.chrome(format!("/bureau/complaints?status={status}")),
            current: "complaints",
            tabs: CaseStatus::ALL
                .iter()
                .map(|s| Tab {
                    value: s.as_str(),
                    label: case_label(t, *s),
                    current: *s == status,
                })
                .collect(),
            cases: rows
                .into_iter()
                .map(|r| Case {
                    open: r.status != CaseStatus::Answered,
                    received: r.status == CaseStatus::Received,
                    status: case_label(t, r.status),
                    outcome: r.outcome.map(|o| outcome_label(t, o)),
                    at: jst(r.created_at),
                    id: r.public_id,
                    organisation_id: r.organisation_public_id,
                    organisation: r.organisation_name,
                    reason: r.reason,
                })
                .collect(),
            outcomes: CaseOutcome::ALL
                .iter()
                .map(|o| Choice {
                    value: o.as_str(),
                    label: outcome_label(t, *o),
                })
                .collect(),
            notice,
            problem,
        },
    ))
}

/// `GET /bureau/complaints?status=received`: the cases of one status, the
/// newest first.
pub async fn list(
    b: BureauSession,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let status = match query.status.as_deref() {
        None | Some("") => CaseStatus::Received,
        Some(s) => CaseStatus::parse(s).ok_or(PageError::not_found(b.lang).bureau())?,
    };
    let notice =
        (query.done.as_deref() == Some("handled")).then_some(b.lang.text().terms.handled_notice);
    page(&b, &state, status, StatusCode::OK, notice, None).await
}

#[derive(Deserialize)]
pub struct HandlingForm {
    csrf: String,
    /// `reviewing`, or an outcome's word to answer with it.
    step: String,
    #[serde(default)]
    note: String,
    /// The tab the form was on, to show again if the step is refused.
    #[serde(default)]
    tab: String,
}

/// `POST /bureau/complaints/{id}`: moves a case on: to review, or
/// answered with an outcome.
pub async fn handle(
    req: HttpRequest,
    b: BureauSession,
    id: web::Path<String>,
    form: web::Form<HandlingForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    b.check_form(&req, &form.csrf)?;
    let HandlingForm {
        step, note, tab, ..
    } = form.into_inner();
    let back = CaseStatus::parse(&tab).unwrap_or(CaseStatus::Received);
    let (status, outcome) = match step.as_str() {
        "reviewing" => (CaseStatus::Reviewing, None),
        word => match CaseOutcome::parse(word) {
            Some(o) => (CaseStatus::Answered, Some(o)),
            None => return Err(PageError::bad_form(b.lang).bureau()),
        },
    };
    let handling = Handling {
        status,
        outcome,
        note: Some(note),
    };
    let caller = audit_log::caller(&b.principal);
    let prefecture = b.prefecture.clone();
    let case = id.into_inner();
    let target = case.clone();
    let done = state
        .act(move |c| complaints::handle(c, &caller, &prefecture, &target, handling))
        .await;
    let t = b.lang.text().terms;
    let problem = match done {
        Ok(row) => {
            state.relay.wake(&state);
            return Ok(see_other(format!(
                "/bureau/complaints?status={}&done=handled",
                row.status
            )));
        }
        Err(ApiError::Validation(errors)) => {
            if errors.iter().any(|e| e.field == "note") {
                t.note_invalid
            } else {
                t.outcome_missing
            }
        }
        // A case that is not answered may take any outcome: one refused
        // names a decision not yet made, unless the case moved on.
        Err(ApiError::IllegalTransition(m)) if m.starts_with(complaints::DECIDE_FIRST) => {
            t.outcome_not_decided
        }
        Err(ApiError::IllegalTransition(_) | ApiError::Conflict(_)) => t.case_moved,
        Err(e) => return Err(PageError::of_bureau(b.lang)(e)),
    };
    let code = if problem == t.outcome_missing || problem == t.note_invalid {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::CONFLICT
    };
    page(
        &b,
        &state,
        back,
        code,
        None,
        Some((case, problem.to_owned())),
    )
    .await
}
