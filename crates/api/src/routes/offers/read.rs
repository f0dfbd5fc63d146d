//! `GET /v1/job-offers/{job_number}`: one offer, if this organisation may see it.

use actix_web::{get, web, HttpRequest, HttpResponse};
use kyushoku_store::offers;
use kyushoku_store::seekers::Viewer;

use super::{job_offers_member, OfferView};
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::AppState;
use kyushoku_domain::calendar::today_in_japan;

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
    let member = job_offers_member(&principal)?.clone();
    if kyushoku_domain::JobNumber::parse(&job_number).is_err() {
        return Err(ApiError::NotFound);
    }
    let viewer = Viewer {
        organisation_id: member.organisation_id,
        today: today_in_japan(),
    };
    let n = job_number.into_inner();
    let row = state
        .db_run(move |c| offers::read_visible(c, viewer, &n))
        .await?
        .ok_or(ApiError::NotFound)?;
    super::audit(
        &state,
        &principal,
        kyushoku_domain::AuditAction::OfferRead,
        Some(row.job_number.clone()),
    )
    .await?;
    Ok(HttpResponse::Ok().json(OfferView::try_from(row)?))
}
