//! `GET /v1/me/reports`: the seeker's own reports about organisations'
//! messages, and what the labour bureau has done about each (苦情の処理).

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::terms::{CaseOutcome, CaseStatus};
use kyushoku_service::complaints;
use serde::Serialize;
use utoipa::ToSchema;

use super::me;
use crate::auth::Principal;
use crate::problem::ApiError;
use crate::AppState;

/// One of the seeker's reports, as a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyReport {
    pub report_id: String,
    pub thread_id: String,
    /// The organisation reported (organisations are public).
    pub organisation_name: String,
    /// What the seeker wrote.
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// `received`, `reviewing` or `answered`.
    pub status: CaseStatus,
    /// What the bureau did, once answered: `no_action`, `warning`,
    /// `suspension`, `revocation`.
    pub outcome: Option<CaseOutcome>,
    pub handled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyReports {
    /// Newest first, the latest 100.
    pub items: Vec<MyReport>,
}

/// The seeker's reports and where each stands.
///
/// Each report is a case the labour bureau of the organisation's
/// prefecture handles: `received`, `reviewing`, then `answered` with what
/// was done. The bureau's own notes are not shown.
#[utoipa::path(
    operation_id = "me_reports_list",
    tag = "my page",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MyReports),
    )
)]
#[get("/reports")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    let rows = state
        .act(move |c| complaints::of_seeker(c, seeker.id))
        .await?;
    Ok(HttpResponse::Ok().json(MyReports {
        items: rows
            .into_iter()
            .map(|r| MyReport {
                report_id: r.public_id,
                thread_id: r.thread_public_id,
                organisation_name: r.organisation_name,
                reason: r.reason,
                created_at: r.created_at.and_utc(),
                status: r.status,
                outcome: r.outcome,
                handled_at: r.handled_at.map(|t| t.and_utc()),
            })
            .collect(),
    }))
}
