//! `DELETE /v1/seekers/{seeker_ref}?reason=…`: end a registration (R7).

use actix_web::{delete, web, HttpResponse};
use kyushoku_domain::RegistrationStatus;
use kyushoku_service::seekers;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::AppState;
use kyushoku_service::ingest::check_seeker_ref;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EndQuery {
    #[param(inline)]
    pub reason: EndReason,
}

/// Why a registration ends: the registration statuses but `active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// 就職: placed in a job.
    Placed,
    /// Past `valid_until`.
    Expired,
    /// Withdrawn by the seeker or Hello Work.
    Withdrawn,
}

impl From<EndReason> for RegistrationStatus {
    fn from(r: EndReason) -> Self {
        match r {
            EndReason::Placed => RegistrationStatus::Placed,
            EndReason::Expired => RegistrationStatus::Expired,
            EndReason::Withdrawn => RegistrationStatus::Withdrawn,
        }
    }
}

/// End a registration.
///
/// Hello Work only. The profile disappears from every search and read at
/// once; its data is purged after the retention period.
#[utoipa::path(
    operation_id = "seekers_end",
    tag = "seekers",
    params(("seeker_ref" = String, Path, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "Hello Work's opaque reference"), EndQuery),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "ended"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{seeker_ref}")]
pub async fn end(
    req: actix_web::HttpRequest,
    principal: Principal,
    seeker_ref: web::Path<String>,
    query: crate::extract::Query<EndQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::routes::fallback::same_resource(&req)?;
    principal.require_hw_system()?;
    let reason = RegistrationStatus::from(query.into_inner()?.reason);
    check_seeker_ref(&seeker_ref).map_err(|_| ApiError::NotFound)?;
    let seeker_ref = seeker_ref.into_inner();
    state
        .act(move |c| seekers::end_registration(c, &seeker_ref, reason))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
