//! The bureau's usage reports: who in its prefecture owes a quarter's
//! report and where each stands (the use case of `GET /v1/usage-reports`),
//! and a sanction under the terms from an organisation's page (that of
//! `POST /v1/organisations/{id}/sanctions`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::terms::{FiscalQuarter, SanctionGround};
use kyushoku_service::bureau::IdPage;
use kyushoku_service::terms::{self, SanctionCommand};
use serde::Deserialize;

use super::organisations::{organisation_page, Refused, TermsForm};
use super::BureauSession;
use crate::pages::my_page::{jst, kind_label};
use crate::pages::page::{html, see_other, Chrome, PageError};
use crate::pages::staff::status_label;
use crate::pages::terms::standing_label;
use crate::problem::ApiError;
use crate::{audit_log, auth, AppState};

/// Organisations on one page.
const SHOWN: i64 = 200;
/// Quarters offered in the picker, newest first.
const QUARTERS_OFFERED: usize = 8;

struct Line {
    id: String,
    name: String,
    kind: &'static str,
    status: &'static str,
    standing: &'static str,
    overdue: bool,
    submitted: String,
}

struct QuarterChoice {
    value: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "bureau/usage_reports.html")]
struct ListPage {
    chrome: Chrome,
    current: &'static str,
    quarter: String,
    due: String,
    quarters: Vec<QuarterChoice>,
    lines: Vec<Line>,
    more: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    quarter: Option<String>,
}

/// `GET /bureau/usage-reports?quarter=FY2026-Q1`: the quarter's reports
/// (default: the last quarter whose deadline has passed).
pub async fn list(
    b: BureauSession,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let today = today_in_japan();
    let closed = crate::routes::usage_reports::last_closed(today);
    let quarter = match query.quarter.as_deref() {
        None | Some("") => closed,
        Some(word) => FiscalQuarter::parse(word).ok_or(PageError::not_found(b.lang).bureau())?,
    };
    let prefecture = b.prefecture.clone();
    let mut rows = state
        .act(move |c| {
            terms::owing(
                c,
                &prefecture,
                quarter,
                None,
                IdPage {
                    from: None,
                    limit: SHOWN,
                },
                today,
            )
        })
        .await
        .map_err(PageError::of_bureau(b.lang))?;
    let more = rows.len() > SHOWN as usize;
    rows.truncate(SHOWN as usize);
    let t = b.lang.text();
    let mut quarters = Vec::new();
    let mut q = FiscalQuarter::containing(today);
    for _ in 0..QUARTERS_OFFERED {
        quarters.push(QuarterChoice {
            value: q.to_string(),
            current: q == quarter,
        });
        q = FiscalQuarter::containing(q.first_day().pred_opt().unwrap_or(q.first_day()));
    }
    Ok(html(
        StatusCode::OK,
        &ListPage {
            chrome: b.chrome(format!("/bureau/usage-reports?quarter={quarter}")),
            current: "usage_reports",
            quarter: quarter.to_string(),
            due: quarter.due_on().to_string(),
            quarters,
            lines: rows
                .into_iter()
                .map(|o| Line {
                    kind: kind_label(t, o.obligation.kind),
                    status: status_label(t.staff, o.obligation.status),
                    standing: standing_label(t.terms, o.standing),
                    overdue: o.standing == kyushoku_domain::terms::Standing::Overdue,
                    submitted: o.obligation.submitted_at.map(jst).unwrap_or_default(),
                    id: o.obligation.public_id,
                    name: o.obligation.name,
                })
                .collect(),
            more,
        },
    ))
}

#[derive(Deserialize)]
pub struct SanctionForm {
    csrf: String,
    #[serde(default)]
    ground: String,
    #[serde(default)]
    quarter: String,
    #[serde(default)]
    reason: String,
}

/// `POST /bureau/organisations/{id}/sanctions`: the sanction the terms set
/// for the ground, with its reason.
pub async fn sanction(
    req: HttpRequest,
    b: BureauSession,
    id: web::Path<String>,
    form: web::Form<SanctionForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    b.check_form(&req, &form.csrf)?;
    let SanctionForm {
        ground,
        quarter,
        reason,
        ..
    } = form.into_inner();
    let id = id.into_inner();
    let t = b.lang.text().terms;
    let bt = b.b();
    let Some(ground) = SanctionGround::parse(&ground) else {
        return Err(PageError::bad_form(b.lang).bureau());
    };
    let cmd = SanctionCommand {
        ground,
        quarter,
        reason: reason.clone(),
    };
    let caller = audit_log::caller(&b.principal);
    let prefecture = b.prefecture.clone();
    let target = id.clone();
    let today = today_in_japan();
    let imposed = state
        .act(move |c| terms::impose(c, &caller, &prefecture, &target, cmd, today, None))
        .await;
    state.webhooks.wake();
    let (code, problem) = match imposed {
        Ok(done) => {
            auth::organisation_changed(&state, done.organisation.id)
                .await
                .map_err(PageError::of_bureau(b.lang))?;
            return Ok(see_other(format!(
                "/bureau/organisations/{id}?done=sanctioned"
            )));
        }
        Err(ApiError::Validation(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            if errors.iter().any(|e| e.field == "reason") {
                bt.reason_invalid
            } else {
                t.ground_not_held
            },
        ),
        Err(ApiError::IllegalTransition(_) | ApiError::Conflict(_)) => {
            (StatusCode::CONFLICT, t.ground_not_held)
        }
        Err(ApiError::Forbidden(_)) => (StatusCode::FORBIDDEN, bt.not_your_prefecture),
        Err(e) => return Err(PageError::of_bureau(b.lang)(e)),
    };
    organisation_page(
        &b,
        &state,
        id,
        code,
        None,
        String::new(),
        None,
        Some(Refused {
            form: TermsForm::Sanction,
            problem: problem.to_owned(),
            reason,
        }),
    )
    .await
}
