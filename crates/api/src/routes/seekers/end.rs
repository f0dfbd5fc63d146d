//! `DELETE /v1/seekers/{seeker_ref}?reason=…`: end a registration (R7).

use actix_web::{delete, web, HttpResponse};
use kyushoku_store::seekers;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Principal;
use crate::ingest::check_seeker_ref;
use crate::problem::{ApiError, Problem};
use crate::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EndQuery {
    /// `placed` (就職), `expired` or `withdrawn`.
    pub reason: String,
}

/// End a registration.
///
/// Hello Work only. The profile disappears from every search and read at
/// once; its data is purged after the retention period.
#[utoipa::path(
    operation_id = "seekers_end",
    tag = "seekers",
    params(("seeker_ref" = String, Path, description = "Hello Work's opaque reference"), EndQuery),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "ended"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{seeker_ref}")]
pub async fn end(
    principal: Principal,
    seeker_ref: web::Path<String>,
    query: crate::extract::Query<EndQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require_hw_system()?;
    let reason = query.into_inner().reason;
    if !matches!(reason.as_str(), "placed" | "expired" | "withdrawn") {
        return Err(ApiError::validation_one(
            "reason",
            "placed, expired or withdrawn",
        ));
    }
    check_seeker_ref(&seeker_ref).map_err(|_| ApiError::NotFound)?;
    let seeker_ref = seeker_ref.into_inner();
    let found = state
        .db_run(move |c| seekers::end_registration(c, &seeker_ref, &reason))
        .await?;
    if !found {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}
