//! `POST /v1/organisations/{id}/decisions`: the labour bureau of the
//! organisation's prefecture approves, rejects, suspends, reinstates or
//! revokes it. Suspension and revocation end every token the organisation
//! holds at once, on every instance (R8).

use actix_web::{post, web, HttpResponse};
use kyushoku_domain::{Decision, Sector, Service};
use kyushoku_service::organisations::{self, DecisionCommand};
use serde::Deserialize;
use utoipa::ToSchema;

use super::Organisation;
use crate::auth::{self, Principal};
use crate::problem::{ApiError, Problem};
use crate::{audit_log, AppState};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    #[schema(example = "approve", value_type = Decision)]
    pub decision: String,
    /// Why, for the record (1–1,000 characters once trimmed; line breaks
    /// allowed, other control characters not).
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F]*$"
    )]
    pub reason: String,
    /// On approval: the services granted (default: those requested; only
    /// requested ones may be granted).
    #[schema(min_items = 1)]
    pub services: Option<Vec<Service>>,
    /// Optional, and only ever the sector the organisation's kind belongs to
    /// (`public` for prefectures, municipalities, national agencies and
    /// nurse centres; `private` for the rest): any other is 422.
    pub sector: Option<Sector>,
}

/// Decide on an organisation.
///
/// Approve, reject, suspend, reinstate or revoke; the labour bureau of the
/// organisation's prefecture only. The sector follows the kind. A suspension
/// or revocation ends every token of the organisation at once.
#[utoipa::path(
    operation_id = "organisations_decisions_create",
    tag = "organisations",
    params(("id" = String, Path, format = Uuid, description = "The organisation's id")),
    request_body = DecisionRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Organisation),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not the bureau of this prefecture"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "not allowed from the current status"),
    )
)]
#[post("/{id}/decisions")]
pub async fn decide(
    principal: Principal,
    id: web::Path<String>,
    body: crate::extract::Json<DecisionRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let prefecture = principal.require_bureau()?.clone();
    let request = body.into_inner()?;
    let caller = audit_log::caller(&principal);
    let cmd = DecisionCommand {
        decision: request.decision,
        reason: request.reason,
        services: request.services,
        sector: request.sector,
    };
    let updated = state
        .act(move |c| organisations::decide(c, &caller, &prefecture, &id, cmd))
        .await?;
    state.webhooks.wake();
    auth::organisation_changed(&state, updated.id).await?;
    Ok(HttpResponse::Ok().json(Organisation::from(updated)))
}
