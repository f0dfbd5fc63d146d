//! `POST /v1/seekers/batch`: NDJSON upsert, one result per line.

use actix_web::{post, web, HttpRequest, HttpResponse};
use kyushoku_service::ingest::{self, SeekerBatchLine};

use crate::auth::Principal;
use crate::ndjson::{self, BatchAnswer, LineId, Prepared};
use crate::problem::{ApiError, FieldError};
use crate::AppState;
use kyushoku_domain::calendar::today_in_japan;

/// Upsert many seekers: one JSON object per line (`{"seeker_ref", …upsert}`).
///
/// Each good line is applied on its own; a bad line never stops or rolls back
/// the others. With `Idempotency-Key`, a retried batch changes nothing and
/// gets the first answer again.
#[utoipa::path(
    operation_id = "seekers_batch",
    tag = "seekers",
    request_body(content = SeekerBatchLine, content_type = "application/x-ndjson", description = "One seeker per line, each a JSON object like the example (a body of one line is the example itself).", example = json!({"seeker_ref": "HW-13-0000001", "consent_scope": "both", "valid_until": "2027-02-28", "profile": {"desired_occupations": ["08"], "work_locations": [{"prefecture": "13"}], "self_pr": "介護の仕事を10年続けてきました。"}})),
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
    ndjson::process(
        &state,
        &req,
        &principal,
        &body,
        move |text| {
            let line: SeekerBatchLine = ndjson::parse_line(text, None)?;
            let (seeker_ref, request) = line.into();
            let id = LineId::SeekerRef(seeker_ref.clone());
            match ingest::prepare_seeker(&seeker_ref, request, today) {
                Ok((row, masked)) => Ok(Prepared {
                    id,
                    row,
                    masked: Some(masked.into()),
                }),
                Err(errors) => Err((Some(id), FieldError::refused(errors))),
            }
        },
        move |db, rows| ingest::store_seekers(db, rows, today),
    )
    .await
}
