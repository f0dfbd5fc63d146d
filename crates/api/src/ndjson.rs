//! NDJSON batches (`POST /v1/seekers/batch`, `POST /v1/job-offers/batch`):
//! the checks, the line loop, the per-line results and idempotency, shared.
//! Each line is applied on its own; a bad line never stops or rolls back the
//! others; only a lost database fails the whole batch (retry it with the
//! same `Idempotency-Key`).

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::ingest::Masked;
use crate::problem::{ApiError, Problem};
use crate::{idempotency, AppState};

/// What a line names.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineId {
    SeekerRef(String),
    JobNumber(String),
}

/// The result of one line.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineResult {
    /// 1-based line number in the request body.
    pub line: usize,
    /// The seeker the line named, when it got that far (seekers batch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seeker_ref: Option<String>,
    /// The offer the line named, when it got that far (offers batch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_number: Option<String>,
    /// `created`, `updated` or `error`.
    pub status: &'static str,
    /// For seekers: what the scrubber masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked: Option<Masked>,
    /// For `error`: what was wrong, as a problem with `errors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

impl LineResult {
    fn new(
        line: usize,
        id: Option<LineId>,
        status: &'static str,
        masked: Option<Masked>,
        problem: Option<Problem>,
    ) -> Self {
        let (seeker_ref, job_number) = match id {
            Some(LineId::SeekerRef(r)) => (Some(r), None),
            Some(LineId::JobNumber(n)) => (None, Some(n)),
            None => (None, None),
        };
        LineResult {
            line,
            seeker_ref,
            job_number,
            status,
            masked,
            problem,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAnswer {
    pub results: Vec<LineResult>,
}

/// What applying one line gave.
pub enum LineOutcome {
    Applied {
        id: LineId,
        created: bool,
        masked: Option<Masked>,
    },
    Refused {
        id: Option<LineId>,
        error: ApiError,
    },
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

/// Runs `apply` on every non-empty line, in order, and answers with one
/// result per line.
pub async fn process<F, Fut>(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    body: &[u8],
    apply: F,
) -> Result<HttpResponse, ApiError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = LineOutcome>,
{
    require_ndjson(req)?;
    let key = idempotency::key_of(req)?;
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::Malformed("the body is not UTF-8".into()))?;
    let lines: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect();
    if lines.len() > state.config.batch_max_lines {
        return Err(ApiError::PayloadTooLarge { limit: None });
    }
    let who = format!("{}:{}", principal.actor().kind(), principal.actor().id());
    idempotency::once(state, &who, key, body, move || async move {
        let mut results = Vec::with_capacity(lines.len());
        for (line, text) in lines {
            results.push(match apply(text).await {
                LineOutcome::Applied {
                    id,
                    created,
                    masked,
                } => LineResult::new(
                    line,
                    Some(id),
                    if created { "created" } else { "updated" },
                    masked,
                    None,
                ),
                LineOutcome::Refused {
                    error: ApiError::Unavailable(why),
                    ..
                } => return Err(ApiError::Unavailable(why)),
                LineOutcome::Refused { id, error } => {
                    if let ApiError::Internal(cause) = &error {
                        tracing::error!(cause = %cause, line, "batch line failed");
                    }
                    LineResult::new(line, id, "error", None, Some(error.to_problem()))
                }
            });
        }
        let value = serde_json::to_value(BatchAnswer { results })
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok((StatusCode::OK, value))
    })
    .await
}

/// Parses one line, or the refusal to report for it.
pub fn parse_line<T: serde::de::DeserializeOwned>(
    text: &str,
    id: Option<LineId>,
) -> Result<T, LineOutcome> {
    serde_json::from_str(text).map_err(|e| LineOutcome::Refused {
        id,
        error: ApiError::from_line_json(&e),
    })
}

/// The outcome of storing a line: created or updated, or the error.
pub fn stored(id: LineId, result: Result<bool, ApiError>, masked: Option<Masked>) -> LineOutcome {
    match result {
        Ok(created) => LineOutcome::Applied {
            id,
            created,
            masked,
        },
        Err(error) => LineOutcome::Refused {
            id: Some(id),
            error,
        },
    }
}
