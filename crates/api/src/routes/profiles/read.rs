//! `GET /v1/profiles/{profile_id}`: one profile, if this organisation may see it.

use actix_web::{get, web, HttpResponse};
use kyushoku_service::profiles;

use super::{seeker_info_member, ProfileView};
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::{audit_log, AppState};

/// Read an anonymised profile by this organisation's `profile_id`.
///
/// A pseudonym of another organisation, garbage, or a seeker this
/// organisation may not see (R1) all answer 404, like an id that never
/// existed (R2).
#[utoipa::path(
    operation_id = "profiles_read",
    tag = "profiles",
    params(("profile_id" = String, Path, pattern = "^[A-Za-z0-9_-]{22}$", description = "This organisation's pseudonym for the seeker")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ProfileView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{profile_id}")]
pub async fn read(
    principal: Principal,
    profile_id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let member = seeker_info_member(&principal)?.clone();
    let pseudonyms = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id);
    let seeker_id = pseudonyms
        .decode(&profile_id)
        .map(kyushoku_store::SeekerId::from_row)
        .ok_or(ApiError::NotFound)?;
    let caller = audit_log::caller(&principal);
    let row = state
        .show(move |c| profiles::read(c, &caller, seeker_id))
        .await?;
    Ok(HttpResponse::Ok().json(ProfileView::from_row(row, &pseudonyms)?))
}
