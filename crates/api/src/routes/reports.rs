//! `GET /v1/reports` and `POST /v1/reports/{report_id}/handling`: abuse
//! reports filed by seekers, handled as complaint cases (苦情の処理) by the
//! labour bureau of the reported organisation's prefecture.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::terms::{CaseOutcome, CaseStatus};
use kyushoku_service::bureau::{self, IdPage};
use kyushoku_service::complaints::{self, Handling};
use kyushoku_store::messaging::ReportRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::{audit_log, pagination, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub report_id: String,
    pub thread_id: String,
    pub organisation_id: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// Where the case stands: `received`, `reviewing`, `answered`.
    pub status: CaseStatus,
    /// What was done, once answered.
    pub outcome: Option<CaseOutcome>,
    /// When the bureau last moved the case on.
    pub handled_at: Option<DateTime<Utc>>,
}

impl From<ReportRow> for Report {
    fn from(r: ReportRow) -> Self {
        Report {
            report_id: r.public_id,
            thread_id: r.thread_public_id,
            organisation_id: r.organisation_public_id,
            reason: r.reason,
            created_at: r.created_at.and_utc(),
            status: r.status,
            outcome: r.outcome,
            handled_at: r.handled_at.map(|t| t.and_utc()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    pub items: Vec<Report>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before (opaque; given to this caller
    /// for this list only).
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
    /// Only cases of this status.
    pub status: Option<CaseStatus>,
}

/// Reports about the bureau's prefecture's organisations, newest first.
///
/// Labour bureaus only, and only reports about organisations of their own
/// prefecture, of one case status if asked. Paged with an opaque cursor.
#[utoipa::path(
    operation_id = "reports_list",
    tag = "audit",
    params(ReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReportList),
    )
)]
#[get("/v1/reports")]
pub async fn list(
    principal: Principal,
    query: crate::extract::Query<ReportQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let prefecture = principal.require_bureau()?.clone();
    let q = query.into_inner()?;
    let limit = pagination::limit(q.limit)?;
    let status = q.status;
    // A cursor is bound to the list it pages, the filter included.
    let list = match status {
        None => "reports",
        Some(CaseStatus::Received) => "reports:received",
        Some(CaseStatus::Reviewing) => "reports:reviewing",
        Some(CaseStatus::Answered) => "reports:answered",
    };
    let pager = pagination::Pager::new(&state, &principal, list);
    let from = pager.after_id(q.cursor.as_deref())?;
    let mut rows = state
        .act(move |c| bureau::reports(c, &prefecture, status, IdPage { from, limit }))
        .await?;
    let next_cursor = pager.next_by_id(&mut rows, limit, |r| r.id);
    Ok(HttpResponse::Ok().json(ReportList {
        items: rows.into_iter().map(Report::from).collect(),
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandlingRequest {
    /// The case's next status: `reviewing`, or `answered` (final).
    pub status: CaseStatus,
    /// What was done: required with `answered`, refused otherwise. A
    /// `suspension` or `revocation` must have been decided first
    /// (`POST /v1/organisations/{id}/decisions` or `…/sanctions`).
    pub outcome: Option<CaseOutcome>,
    /// The bureau's own note (at most 1,000 characters), kept in its audit
    /// trail; never shown to the seeker or the organisation.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Move a complaint case on.
///
/// The labour bureau of the reported organisation's prefecture only (any
/// other sees 404). A case moves forward only: `received` → `reviewing` →
/// `answered`, or `received` → `answered`. The seeker sees the status and
/// the outcome on My Page (`GET /v1/me/reports`).
#[utoipa::path(
    operation_id = "reports_handling_create",
    tag = "audit",
    params(("report_id" = String, Path, format = Uuid, description = "The report's id")),
    request_body = HandlingRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Report),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "a step back, or an outcome not yet decided"),
    )
)]
#[post("/v1/reports/{report_id}/handling")]
pub async fn handle(
    principal: Principal,
    report_id: web::Path<String>,
    body: crate::extract::Json<HandlingRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let prefecture = principal.require_bureau()?.clone();
    let request = body.into_inner()?;
    let caller = audit_log::caller(&principal);
    let step = Handling {
        status: request.status,
        outcome: request.outcome,
        note: request.note,
    };
    let row = state
        .act(move |c| complaints::handle(c, &caller, &prefecture, &report_id, step))
        .await?;
    state.relay.wake(&state);
    Ok(HttpResponse::Ok().json(Report::from(row)))
}
