//! `GET /v1/organisations/{id}`: a bureau, or the organisation's own members
//! (whatever its status: this is how a pending one sees its status).

use actix_web::{get, web, HttpResponse};

use super::Organisation;
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::AppState;

/// Read an organisation.
///
/// Its own members, or a labour bureau; another organisation gets 404, as
/// for an unknown id. With what its application stated (its eligibility,
/// its co-applicants), which the bureau weighs beside it, and its
/// approval's period (`approval`) once approved.
#[utoipa::path(
    operation_id = "organisations_read",
    tag = "organisations",
    params(("id" = String, Path, format = Uuid, description = "The organisation's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Organisation),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}")]
pub async fn read(
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = crate::audit_log::caller(&principal);
    let id = id.into_inner();
    let record = state
        .act(move |c| kyushoku_service::organisations::read(c, &caller, &id))
        .await?;
    let mut answer = Organisation::from(record.row);
    answer.eligibility = Some(record.eligibility.into());
    answer.co_applicants = Some(record.co_applicants.into_iter().map(Into::into).collect());
    answer.approval = record.approval.map(Into::into);
    Ok(HttpResponse::Ok().json(answer))
}
