//! `GET /v1/job-offers/{job_number}`: one offer, if this organisation may see it.

use actix_web::{get, web, HttpRequest, HttpResponse};
use kyushoku_domain::JobNumber;
use kyushoku_service::offers;

use super::{job_offers_member, OfferView};
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::{audit_log, AppState};

/// Read an offer.
///
/// One outside the employer's scope, expired, withdrawn or unknown answers
/// the same 404.
#[utoipa::path(
    operation_id = "job_offers_read",
    tag = "job offers",
    params(("job_number" = kyushoku_domain::JobNumber, Path, description = "Hello Work's job number")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OfferView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{job_number}")]
pub async fn read(
    req: HttpRequest,
    principal: Principal,
    job_number: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::routes::fallback::same_resource(&req)?;
    job_offers_member(&principal)?;
    let job_number = JobNumber::parse(&job_number).map_err(|_| ApiError::NotFound)?;
    let caller = audit_log::caller(&principal);
    let row = state
        .show(move |c| offers::read(c, &caller, &job_number))
        .await?;
    Ok(HttpResponse::Ok().json(OfferView::try_from(row)?))
}
