//! `GET /v1/reports`: abuse reports filed by seekers, for the labour bureau
//! of the reported organisation's prefecture.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_service::bureau::{self, IdPage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::problem::ApiError;
use crate::{pagination, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub report_id: String,
    pub thread_id: String,
    pub organisation_id: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
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
}

/// Reports about the bureau's prefecture's organisations, newest first.
///
/// Labour bureaus only, and only reports about organisations of their own
/// prefecture. Paged with an opaque cursor.
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
    let pager = pagination::Pager::new(&state, &principal, "reports");
    let from = pager.after_id(q.cursor.as_deref())?;
    let mut rows = state
        .act(move |c| bureau::reports(c, &prefecture, IdPage { from, limit }))
        .await?;
    let next_cursor = pager.next_by_id(&mut rows, limit, |r| r.id);
    Ok(HttpResponse::Ok().json(ReportList {
        items: rows
            .into_iter()
            .map(|r| Report {
                report_id: r.public_id,
                thread_id: r.thread_public_id,
                organisation_id: r.organisation_public_id,
                reason: r.reason,
                created_at: r.created_at.and_utc(),
            })
            .collect(),
        next_cursor,
    }))
}
