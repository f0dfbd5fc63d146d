//! `/v1/me/blocks…`: 受信拒否 of one organisation (R5). A block takes effect on
//! the organisation's next request: it can no longer find the profile nor
//! write, and sees its thread as closed with its history kept. Unblocking
//! reopens the thread.

use actix_web::{delete, get, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_service::seekers as choices;
use serde::Serialize;
use utoipa::ToSchema;

use super::me;
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::AppState;
use kyushoku_domain::calendar::today_in_japan;

#[derive(Debug, Serialize, ToSchema)]
pub struct Block {
    pub organisation_id: String,
    pub name: String,
    pub kind: kyushoku_domain::OrganisationKind,
    pub blocked_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlockList {
    pub items: Vec<Block>,
    pub next_cursor: Option<String>,
}

/// Block an organisation (受信拒否).
///
/// Idempotent. The organisation's thread closes; what the organisation sees
/// of it stays as it was at the block, which reads the same as a consent
/// that excludes it or an ended registration.
#[utoipa::path(
    operation_id = "me_blocks_add",
    tag = "my page",
    params(("organisation_id" = String, Path, format = Uuid, description = "The organisation to refuse")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "blocked"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/blocks/{organisation_id}")]
pub async fn block(
    principal: Principal,
    organisation_id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    let today = today_in_japan();
    state
        .act(move |c| choices::block(c, (&seeker).into(), &organisation_id, today))
        .await?;
    state.relay.wake(&state);
    Ok(HttpResponse::NoContent().finish())
}

/// Unblock an organisation.
///
/// The thread it had reopens; the organisation may write again under the
/// usual turn rule.
#[utoipa::path(
    operation_id = "me_blocks_remove",
    tag = "my page",
    params(("organisation_id" = String, Path, format = Uuid, description = "The organisation to accept again")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "unblocked"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "no such block"),
    )
)]
#[delete("/blocks/{organisation_id}")]
pub async fn unblock(
    principal: Principal,
    organisation_id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    let today = today_in_japan();
    state
        .act(move |c| choices::unblock(c, (&seeker).into(), &organisation_id, today))
        .await?;
    state.relay.wake(&state);
    Ok(HttpResponse::NoContent().finish())
}

/// The organisations this seeker blocked.
///
/// Newest first, with the organisation's name and kind so the seeker knows
/// whom they refused.
#[utoipa::path(
    operation_id = "me_blocks_list",
    tag = "my page",
    security(("bearer" = [])),
    responses(
        (status = 200, body = BlockList),
    )
)]
#[get("/blocks")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    let rows = state
        .act(move |c| choices::refused(c, (&seeker).into()))
        .await?;
    Ok(HttpResponse::Ok().json(BlockList {
        items: rows
            .into_iter()
            .map(|b| Block {
                organisation_id: b.organisation.public_id,
                name: b.organisation.name,
                kind: b.organisation.kind,
                blocked_at: b.since.and_utc(),
            })
            .collect(),
        next_cursor: None,
    }))
}
