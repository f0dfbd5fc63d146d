//! `POST /v1/seekers/batch`: NDJSON upsert, one result per line.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use kyushoku_store::seekers::{self, Upserted};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::ingest::{prepare, today_in_japan, Masked, SeekerBatchLine};
use crate::problem::{ApiError, FieldError, Problem};
use crate::{idempotency, AppState};

/// The result of one line.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineResult {
    /// 1-based line number in the request body.
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seeker_ref: Option<String>,
    /// `created`, `updated` or `error`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked: Option<Masked>,
    /// For `error`: what was wrong, as a problem with `errors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAnswer {
    pub results: Vec<LineResult>,
}

fn line_problem(errors: Vec<FieldError>) -> Problem {
    ApiError::Validation(errors).to_problem()
}

/// Check that the body is NDJSON before reading a line of it.
pub fn require_ndjson(req: &HttpRequest) -> Result<(), ApiError> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if matches!(
        essence,
        "application/x-ndjson" | "application/ndjson" | "application/jsonl"
    ) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType {
            expected: "application/x-ndjson",
        })
    }
}

/// Upsert many seekers: one JSON object per line (`{"seeker_ref", …upsert}`).
/// Each good line is applied on its own; a bad line never stops or rolls back
/// the others. With `Idempotency-Key`, a retried batch changes nothing and
/// gets the first answer again.
#[utoipa::path(
    tag = "seekers",
    request_body(content = SeekerBatchLine, content_type = "application/x-ndjson", description = "one seeker per line"),
    params(("Idempotency-Key" = Option<String>, Header, description = "retry safely")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BatchAnswer),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
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
    require_ndjson(&req)?;
    let key = idempotency::key_of(&req)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::Malformed("the body is not UTF-8".into()))?;
    let max_lines = state.config.batch_max_lines;
    if text.lines().filter(|l| !l.trim().is_empty()).count() > max_lines {
        return Err(ApiError::PayloadTooLarge { limit: None });
    }
    let who = format!("{}:{}", principal.actor().kind(), principal.actor().id());
    let lines: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect();
    let st = state.clone();
    idempotency::once(&state, &who, key, &body, move || async move {
        let today = today_in_japan();
        let mut results = Vec::with_capacity(lines.len());
        for (line, text) in lines {
            let parsed: Result<SeekerBatchLine, _> = serde_json::from_str(&text);
            let parsed = match parsed {
                Ok(p) => p,
                Err(e) => {
                    results.push(LineResult {
                        line,
                        seeker_ref: None,
                        status: "error",
                        masked: None,
                        problem: Some(ApiError::from_line_json(&e).to_problem()),
                    });
                    continue;
                }
            };
            let (seeker_ref, request) = parsed.into();
            match prepare(&seeker_ref, request, today) {
                Err(errors) => results.push(LineResult {
                    line,
                    seeker_ref: Some(seeker_ref),
                    status: "error",
                    masked: None,
                    problem: Some(line_problem(errors)),
                }),
                Ok((row, masked)) => {
                    let outcome = st
                        .db_run(move |c| seekers::upsert(c, &row, "hello_work", today))
                        .await;
                    results.push(match outcome {
                        Ok(u) => LineResult {
                            line,
                            seeker_ref: Some(seeker_ref),
                            status: match u {
                                Upserted::Created(_) => "created",
                                Upserted::Updated(_) => "updated",
                            },
                            masked: Some(masked.into()),
                            problem: None,
                        },
                        // A lost database fails the batch (retry it); anything
                        // else fails only this line.
                        Err(ApiError::Unavailable(why)) => return Err(ApiError::Unavailable(why)),
                        Err(other) => {
                            if let ApiError::Internal(cause) = &other {
                                tracing::error!(cause = %cause, line, "batch line failed");
                            }
                            LineResult {
                                line,
                                seeker_ref: Some(seeker_ref),
                                status: "error",
                                masked: None,
                                problem: Some(other.to_problem()),
                            }
                        }
                    });
                }
            }
        }
        let value = serde_json::to_value(BatchAnswer { results })
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok((StatusCode::OK, value))
    })
    .await
}
