//! `PUT`/`DELETE /v1/job-offers/{job_number}` and `POST /v1/job-offers/batch`:
//! Hello Work's side.

use actix_web::{delete, post, put, web, HttpRequest, HttpResponse};
use kyushoku_domain::offer::JobOffer;
use kyushoku_domain::JobNumber;
use kyushoku_service::ingest::{self, OfferBatchLine, Stored};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::ndjson::{self, BatchAnswer, LineId, Prepared};
use crate::problem::{ApiError, FieldError, Problem};
use crate::AppState;
use kyushoku_domain::calendar::today_in_japan;

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferStored {
    pub job_number: String,
    pub status: Stored,
}

/// Create or replace a job offer.
///
/// Hello Work only. The job number is the offer's identity; the scope decides
/// which organisations may see it (R1).
#[utoipa::path(
    operation_id = "job_offers_upsert",
    tag = "job offers",
    params(("job_number" = kyushoku_domain::JobNumber, Path, description = "Hello Work's job number")),
    request_body = JobOffer,
    security(("bearer" = [])),
    responses(
        (status = 200, body = OfferStored, description = "replaced"),
        (status = 201, body = OfferStored, description = "created"),
    )
)]
#[put("/{job_number}")]
pub async fn upsert(
    req: HttpRequest,
    principal: Principal,
    job_number: web::Path<String>,
    body: crate::extract::Json<JobOffer>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::routes::fallback::same_resource(&req)?;
    principal.require_hw_system()?;
    let row = ingest::prepare_offer(&job_number, body.into_inner()?, today_in_japan())
        .map_err(FieldError::refused)?;
    let created = state.act(move |c| ingest::put_offer(c, &row)).await?;
    state.webhooks.offers_changed();
    let answer = OfferStored {
        job_number: job_number.into_inner(),
        status: Stored::of(created),
    };
    Ok(if created {
        HttpResponse::Created().json(answer)
    } else {
        HttpResponse::Ok().json(answer)
    })
}

/// Withdraw a job offer.
///
/// Hello Work only. The offer disappears from every view at once;
/// organisations that could see it get a deletion in their change feed.
#[utoipa::path(
    operation_id = "job_offers_withdraw",
    tag = "job offers",
    params(("job_number" = kyushoku_domain::JobNumber, Path, description = "Hello Work's job number")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "withdrawn"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{job_number}")]
pub async fn withdraw(
    req: HttpRequest,
    principal: Principal,
    job_number: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::routes::fallback::same_resource(&req)?;
    principal.require_hw_system()?;
    let n = JobNumber::parse(&job_number).map_err(|_| ApiError::NotFound)?;
    state.act(move |c| ingest::withdraw_offer(c, &n)).await?;
    state.webhooks.offers_changed();
    Ok(HttpResponse::NoContent().finish())
}

/// Upsert many offers from NDJSON.
///
/// One JSON object per line (`{"job_number", …offer}`), each applied on its
/// own, with one result line per input line. Idempotent with
/// `Idempotency-Key`.
#[utoipa::path(
    operation_id = "job_offers_batch",
    tag = "job offers",
    request_body(content = OfferBatchLine, content_type = "application/x-ndjson", description = "One offer per line, each a JSON object like the example (a body of one line is the example itself).", example = json!({"job_number": "13010-12345678", "scope": "both", "received_on": "2026-12-01", "valid_through": "2027-01-31", "employer_name": "社会福祉法人さくら会", "employer_address": "東京都新宿区西新宿2-8-1", "occupation": "081-02", "title": "介護職員（正社員）", "description": "特別養護老人ホームでの介護業務。", "employment_type": "full_time", "prefecture": "13", "municipality": "131041", "wage": {"kind": "monthly", "min": 230000, "max": 280000}})),
    params(("Idempotency-Key" = Option<String>, Header, description = "retry safely")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BatchAnswer),
    )
)]
#[post("/batch")]
pub async fn batch(
    req: HttpRequest,
    principal: Principal,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require_hw_system()?;
    let today = today_in_japan();
    let answer = ndjson::process(
        &state,
        &req,
        &principal,
        &body,
        move |text| {
            let line: OfferBatchLine = ndjson::parse_line(text, None)?;
            let id = LineId::JobNumber(line.job_number.clone());
            let offer: JobOffer =
                crate::extract::json_from_value(serde_json::Value::Object(line.offer))
                    .map_err(|e| (Some(id.clone()), e))?;
            match ingest::prepare_offer(&line.job_number, offer, today) {
                Ok(row) => Ok(Prepared {
                    id,
                    row,
                    masked: None,
                }),
                Err(errors) => Err((Some(id), FieldError::refused(errors))),
            }
        },
        ingest::store_offers,
    )
    .await;
    state.webhooks.offers_changed();
    answer
}
