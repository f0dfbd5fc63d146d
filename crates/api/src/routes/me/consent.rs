//! `PUT /v1/me/consent` and `PUT /v1/me/guidance`: the seeker changes who may
//! see the profile (R6, ledger channel `my_page`) or refuses all new
//! guidance (受信拒否).

use actix_web::{put, web, HttpResponse};
use kyushoku_domain::ConsentScope;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::me;
use crate::auth::Principal;
use crate::problem::ApiError;
use crate::AppState;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentChange {
    pub consent_scope: ConsentScope,
}

/// Change the consent scope.
///
/// Narrowing it hides the profile from the organisations it excludes at once
/// and closes their threads.
#[utoipa::path(
    operation_id = "me_consent_change",
    tag = "my page",
    request_body = ConsentChange,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ConsentChange),
    )
)]
#[put("/consent")]
pub async fn change(
    principal: Principal,
    body: crate::extract::Json<ConsentChange>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    let scope = body.into_inner()?.consent_scope;
    let today = kyushoku_domain::calendar::today_in_japan();
    state
        .act(move |c| kyushoku_service::seekers::change_consent(c, (&seeker).into(), scope, today))
        .await?;
    state.relay.wake(&state);
    Ok(HttpResponse::Ok().json(ConsentChange {
        consent_scope: scope,
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuidanceSetting {
    /// `false` refuses every new guidance (案内); `true` accepts it again.
    pub receive_guidance: bool,
}

/// Refuse (or accept again) new guidance from every organisation.
///
/// Existing threads stay as they are; no organisation can open a new one
/// while guidance is refused.
#[utoipa::path(
    operation_id = "me_guidance_set",
    tag = "my page",
    request_body = GuidanceSetting,
    security(("bearer" = [])),
    responses(
        (status = 200, body = GuidanceSetting),
    )
)]
#[put("/guidance")]
pub async fn guidance(
    principal: Principal,
    body: crate::extract::Json<GuidanceSetting>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    let receive = body.into_inner()?.receive_guidance;
    state
        .act(move |c| kyushoku_service::seekers::set_guidance(c, (&seeker).into(), receive))
        .await?;
    Ok(HttpResponse::Ok().json(GuidanceSetting {
        receive_guidance: receive,
    }))
}
