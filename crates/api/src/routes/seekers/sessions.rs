//! `POST /v1/seekers/{seeker_ref}/sessions`: Hello Work mints a short-lived
//! token for the seeker's My Page.

use actix_web::{post, web, HttpResponse};
use kyushoku_store::seekers;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{self, Actor, Principal, TokenSubject};
use crate::ingest::check_seeker_ref;
use crate::problem::{ApiError, Problem};
use crate::AppState;

/// A seeker session (DESIGN.md §4).
#[derive(Debug, Serialize, ToSchema)]
pub struct SeekerSession {
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: i64,
}

/// Mint a My Page session for a seeker (Hello Work only). Revoke it with
/// `POST /v1/auth/revoke`.
#[utoipa::path(
    tag = "seekers",
    params(("seeker_ref" = String, Path, description = "Hello Work's opaque reference")),
    security(("bearer" = [])),
    responses(
        (status = 201, body = SeekerSession),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{seeker_ref}/sessions")]
pub async fn create(
    principal: Principal,
    seeker_ref: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require_hw_system()?;
    check_seeker_ref(&seeker_ref).map_err(|_| ApiError::NotFound)?;
    let r = seeker_ref.clone();
    let epoch = state
        .db_run(move |c| {
            use kyushoku_store::identity::{principal_epoch, PrincipalRef};
            if seekers::find_by_ref(c, &r)?.is_none() {
                return Ok(None);
            }
            principal_epoch(c, &PrincipalRef::Seeker(r)).map(|e| e.map(|(e, _)| e))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let (access_token, expires_in) = auth::issue_access_token(
        &state,
        &TokenSubject {
            actor: Actor::Seeker(seeker_ref.into_inner()),
            role: "seeker",
            organisation_public_id: None,
            prefecture: None,
            epoch,
            organisation_epoch: None,
        },
    )?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(SeekerSession {
            access_token,
            expires_in,
        }))
}
