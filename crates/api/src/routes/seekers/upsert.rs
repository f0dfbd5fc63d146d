//! `PUT /v1/seekers/{seeker_ref}`: create or replace one seeker.

use actix_web::{put, web, HttpResponse};
use kyushoku_domain::RegistrationStatus;
use kyushoku_service::ingest::{self, SeekerUpsertRequest, Stored};
use kyushoku_store::seekers::Upserted;

use super::SeekerStored;
use crate::auth::Principal;
use crate::problem::{ApiError, FieldError};
use crate::AppState;
use kyushoku_domain::calendar::today_in_japan;

/// Create or replace a seeker's consent scope, validity and profile (Hello
/// Work only).
///
/// Free text is scrubbed; the answer says what was masked.
#[utoipa::path(
    operation_id = "seekers_upsert",
    tag = "seekers",
    params(("seeker_ref" = String, Path, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "Hello Work's opaque reference")),
    request_body = SeekerUpsertRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = SeekerStored, description = "replaced"),
        (status = 201, body = SeekerStored, description = "created"),
    )
)]
#[put("/{seeker_ref}")]
pub async fn upsert(
    req: actix_web::HttpRequest,
    principal: Principal,
    seeker_ref: web::Path<String>,
    body: crate::extract::Json<SeekerUpsertRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::routes::fallback::same_resource(&req)?;
    principal.require_hw_system()?;
    let today = today_in_japan();
    let (row, masked) = ingest::prepare_seeker(&seeker_ref, body.into_inner()?, today)
        .map_err(FieldError::refused)?;
    let active = row.valid_until >= today;
    let result = state
        .act(move |c| ingest::put_seeker(c, &row, today))
        .await?;
    let answer = SeekerStored {
        seeker_ref: seeker_ref.into_inner(),
        status: match result {
            Upserted::Created(_) => Stored::Created,
            Upserted::Updated(_) => Stored::Updated,
        },
        registration: if active {
            RegistrationStatus::Active
        } else {
            RegistrationStatus::Expired
        },
        masked: masked.into(),
    };
    Ok(match result {
        Upserted::Created(_) => HttpResponse::Created().json(answer),
        Upserted::Updated(_) => HttpResponse::Ok().json(answer),
    })
}
