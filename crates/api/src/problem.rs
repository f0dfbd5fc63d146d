//! Errors as RFC 9457 `application/problem+json`.
//!
//! Every handler returns `Result<_, ApiError>`; every extractor failure (bad
//! JSON, bad query, bad path, oversized body) is turned into an `ApiError` by
//! the configs in [`extractor_configs`], so no plain-text error ever leaves
//! the service. Each variant has a stable `type` URI ([`ProblemType`]) that
//! clients may switch on; `title` and `detail` are for people.
//!
//! 5xx answers carry only the request id: their cause is logged here, inside
//! the request's span, and never sent.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use kyushoku_domain::calendar::seconds_until_midnight_in_japan;
use kyushoku_service::Refusal;
use kyushoku_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

tokio::task_local! {
    /// The id of the request being served, set by the observe middleware so
    /// that error bodies can name it.
    pub static REQUEST_ID: String;
}

/// The request id of the current request, if inside one.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

/// Why a request without any access token is refused.
pub const NO_TOKEN: &str = "an access token is required";

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Declares [`ProblemType`] from one table: each kind with its slug, HTTP
/// status and title on one line. `ALL` (the schema's order) is the table's.
macro_rules! problem_types {
    ($($kind:ident => $slug:literal, $status:ident, $title:literal;)+) => {
        /// Stable problem types. The URI is the contract; the slug is listed
        /// in `docs/problems.md`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ProblemType {
            $($kind,)+
        }

        impl ProblemType {
            pub const ALL: &'static [ProblemType] = &[$(ProblemType::$kind,)+];

            pub fn slug(self) -> &'static str {
                match self {
                    $(ProblemType::$kind => $slug,)+
                }
            }

            pub fn status(self) -> StatusCode {
                match self {
                    $(ProblemType::$kind => StatusCode::$status,)+
                }
            }

            pub fn title(self) -> &'static str {
                match self {
                    $(ProblemType::$kind => $title,)+
                }
            }
        }
    };
}

problem_types! {
    InvalidCursor => "invalid-cursor", BAD_REQUEST, "Invalid cursor";
    AwaitsSeeker => "thread-awaits-seeker", CONFLICT, "The thread waits for the seeker";
    GuidanceRefused => "guidance-refused", CONFLICT, "The seeker accepts no new guidance";
    GuidanceCap => "guidance-cap-reached", TOO_MANY_REQUESTS, "Daily guidance limit reached";
    ThreadClosed => "thread-closed", CONFLICT, "The thread is closed";
    NotFound => "not-found", NOT_FOUND, "Not found";
    MethodNotAllowed => "method-not-allowed", METHOD_NOT_ALLOWED, "Method not allowed";
    UnsupportedMediaType => "unsupported-media-type", UNSUPPORTED_MEDIA_TYPE, "Unsupported media type";
    MalformedRequest => "malformed-request", BAD_REQUEST, "Malformed request";
    PayloadTooLarge => "payload-too-large", PAYLOAD_TOO_LARGE, "Payload too large";
    HeadersTooLarge => "headers-too-large", REQUEST_HEADER_FIELDS_TOO_LARGE, "Request headers too large";
    Validation => "validation", UNPROCESSABLE_ENTITY, "Validation failed";
    ServiceUnavailable => "service-unavailable", SERVICE_UNAVAILABLE, "Service unavailable";
    Internal => "internal", INTERNAL_SERVER_ERROR, "Internal error";
    Unauthorized => "unauthorized", UNAUTHORIZED, "Authentication required";
    InvalidCredentials => "invalid-credentials", UNAUTHORIZED, "Invalid credentials";
    SecondFactorRequired => "second-factor-required", UNAUTHORIZED, "One-time code required";
    Forbidden => "forbidden", FORBIDDEN, "Forbidden";
    AccessRevoked => "access-revoked", FORBIDDEN, "Access revoked";
    NotApproved => "organisation-not-approved", FORBIDDEN, "Organisation not approved";
    IllegalTransition => "illegal-transition", CONFLICT, "Decision not allowed in this state";
    Conflict => "conflict", CONFLICT, "Conflict";
    RateLimited => "rate-limited", TOO_MANY_REQUESTS, "Too many requests";
}

impl ProblemType {
    /// The `type` member: `urn:kyushoku:problem:<slug>`.
    pub fn uri(self) -> String {
        format!("urn:kyushoku:problem:{}", self.slug())
    }
}

impl Serialize for ProblemType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.uri())
    }
}

/// In the schema: an `enum` of every problem type's URI, so that a
/// generated client can switch on it.
impl utoipa::PartialSchema for ProblemType {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A stable URI naming the kind of problem (`urn:kyushoku:problem:<slug>`; \
                 the slugs are listed in `docs/problems.md`).",
            ))
            .enum_values(Some(ProblemType::ALL.iter().map(|t| t.uri())))
            .examples([serde_json::json!(ProblemType::Validation.uri())])
            .into()
    }
}

impl utoipa::ToSchema for ProblemType {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("ProblemType")
    }
}

/// One offending field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where the problem is: a JSON pointer-like path (`profile.work_locations[0].municipality`)
    /// or a query parameter name.
    pub field: String,
    /// What is wrong with it. Never repeats the rejected value.
    pub message: String,
}

impl FieldError {
    /// A use case's list of invalid fields, as the validation problem.
    pub fn refused(fields: Vec<kyushoku_domain::profile::Invalid>) -> ApiError {
        ApiError::Validation(
            fields
                .into_iter()
                .map(|f| FieldError::new(f.field, f.message))
                .collect(),
        )
    }

    pub fn new(field: impl Into<String>, message: impl ToString) -> Self {
        Self {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// An RFC 9457 problem details body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: ProblemType,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request id, also sent as `X-Request-Id`; quote it to operators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For `validation`: every offending field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// The error every handler returns.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("unsupported media type")]
    UnsupportedMediaType { expected: &'static str },
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("payload too large")]
    PayloadTooLarge { limit: Option<usize> },
    #[error("request headers too large")]
    HeadersTooLarge { limit: usize },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A dependency (the database) cannot be reached: the client may retry.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Too many searches and reads already running or waiting in this
    /// instance (admission control): the client may retry after the wait.
    #[error("busy")]
    Busy { retry_after: u64 },
    /// Anything unexpected. The string is logged, never sent.
    #[error("internal: {0}")]
    Internal(String),
    /// No valid token: missing, malformed, expired, badly signed, revoked.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// A login that failed, whether or not the account exists.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The password was right; this account also needs its one-time code.
    #[error("second factor required")]
    SecondFactorRequired,
    /// Authenticated, but this principal may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The organisation was suspended or revoked after the token was issued (R8).
    #[error("access revoked")]
    AccessRevoked,
    /// The organisation is pending, rejected, suspended or revoked.
    #[error("organisation not approved")]
    NotApproved,
    #[error("illegal transition: {0}")]
    IllegalTransition(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("rate limited")]
    RateLimited(RateHeaders),
    /// R3: the organisation wrote last.
    #[error("the thread waits for the seeker")]
    AwaitsSeeker,
    #[error("guidance refused")]
    GuidanceRefused,
    /// R13: the daily guidance cap; retry after this many seconds.
    #[error("guidance cap reached")]
    GuidanceCap { retry_after: u64, cap: i32 },
    /// R4/R5: the thread is closed.
    #[error("thread closed")]
    ThreadClosed,
    /// A cursor this caller was not given for this list, or altered (R10).
    #[error("invalid cursor")]
    InvalidCursor,
}

/// The `RateLimit-*` values of an answer (draft-ietf-httpapi-ratelimit-headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateHeaders {
    pub limit: u64,
    pub remaining: u64,
    pub reset_secs: u64,
}

impl From<kyushoku_cluster::RateDecision> for RateHeaders {
    fn from(d: kyushoku_cluster::RateDecision) -> Self {
        RateHeaders {
            limit: d.limit,
            remaining: d.remaining,
            reset_secs: d.reset_secs,
        }
    }
}

impl RateHeaders {
    /// The legacy `RateLimit-Limit/-Remaining/-Reset` fields and the
    /// request policy's items of `RateLimit-Policy` and `RateLimit` (the
    /// window is a minute).
    pub fn apply(&self, headers: &mut actix_web::http::header::HeaderMap) {
        for (name, value) in [
            (
                "ratelimit-policy",
                format!("\"requests\";q={};w=60", self.limit),
            ),
            (
                "ratelimit",
                format!("\"requests\";r={};t={}", self.remaining, self.reset_secs),
            ),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.append(header::HeaderName::from_static(name), v);
            }
        }
        for (name, value) in [
            ("ratelimit-limit", self.limit),
            ("ratelimit-remaining", self.remaining),
            ("ratelimit-reset", self.reset_secs),
        ] {
            headers.insert(
                header::HeaderName::from_static(name),
                HeaderValue::from(value),
            );
        }
    }
}

/// R13's guidance cap as its own RateLimit policy
/// (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` names it,
/// `RateLimit` says what is left of it today and when it resets (midnight in
/// Japan). The per-minute request limit is the policy `"requests"`, added to
/// the same fields by the authentication middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuidanceQuota {
    pub cap: i32,
    pub remaining: i32,
    pub reset_secs: u64,
}

impl GuidanceQuota {
    pub fn apply(&self, headers: &mut actix_web::http::header::HeaderMap) {
        let policy = format!("\"guidance\";q={};w=86400", self.cap);
        let now = format!(
            "\"guidance\";r={};t={}",
            self.remaining.max(0),
            self.reset_secs
        );
        for (name, value) in [("ratelimit-policy", policy), ("ratelimit", now)] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.append(header::HeaderName::from_static(name), v);
            }
        }
    }
}

impl ApiError {
    /// A JSON value that did not parse (a line of an NDJSON batch).
    /// The problem for an error status a framework answered without a body
    /// of ours.
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => ApiError::Malformed("the request could not be read".into()),
            401 => ApiError::Unauthorized(NO_TOKEN),
            403 => ApiError::Forbidden("this kind of caller may not do this"),
            404 => ApiError::NotFound,
            405 => ApiError::MethodNotAllowed { allow: Vec::new() },
            413 => ApiError::PayloadTooLarge { limit: None },
            415 => ApiError::UnsupportedMediaType {
                expected: "the documented media type",
            },
            431 => ApiError::HeadersTooLarge {
                limit: crate::observe::HEADER_BYTES_LIMIT,
            },
            503 => ApiError::Unavailable(format!("answered {status} by the framework")),
            _ if status.is_client_error() => {
                ApiError::Malformed(format!("the request was refused ({})", status.as_u16()))
            }
            _ => ApiError::Internal(format!("answered {status} by the framework")),
        }
    }

    pub fn validation_one(field: impl Into<String>, message: impl ToString) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn problem_type(&self) -> ProblemType {
        match self {
            ApiError::NotFound => ProblemType::NotFound,
            ApiError::MethodNotAllowed { .. } => ProblemType::MethodNotAllowed,
            ApiError::UnsupportedMediaType { .. } => ProblemType::UnsupportedMediaType,
            ApiError::Malformed(_) => ProblemType::MalformedRequest,
            ApiError::PayloadTooLarge { .. } => ProblemType::PayloadTooLarge,
            ApiError::HeadersTooLarge { .. } => ProblemType::HeadersTooLarge,
            ApiError::Validation(_) => ProblemType::Validation,
            ApiError::Unavailable(_) => ProblemType::ServiceUnavailable,
            ApiError::Busy { .. } => ProblemType::ServiceUnavailable,
            ApiError::Internal(_) => ProblemType::Internal,
            ApiError::Unauthorized(_) => ProblemType::Unauthorized,
            ApiError::InvalidCredentials => ProblemType::InvalidCredentials,
            ApiError::SecondFactorRequired => ProblemType::SecondFactorRequired,
            ApiError::Forbidden(_) => ProblemType::Forbidden,
            ApiError::AccessRevoked => ProblemType::AccessRevoked,
            ApiError::NotApproved => ProblemType::NotApproved,
            ApiError::IllegalTransition(_) => ProblemType::IllegalTransition,
            ApiError::Conflict(_) => ProblemType::Conflict,
            ApiError::RateLimited(_) => ProblemType::RateLimited,
            ApiError::AwaitsSeeker => ProblemType::AwaitsSeeker,
            ApiError::GuidanceRefused => ProblemType::GuidanceRefused,
            ApiError::GuidanceCap { .. } => ProblemType::GuidanceCap,
            ApiError::ThreadClosed => ProblemType::ThreadClosed,
            ApiError::InvalidCursor => ProblemType::InvalidCursor,
        }
    }

    /// The body sent to the client.
    pub fn to_problem(&self) -> Problem {
        let kind = self.problem_type();
        let detail = match self {
            ApiError::NotFound => None,
            ApiError::MethodNotAllowed { allow } => {
                Some(format!("this resource allows {}", allow.join(", ")))
            }
            ApiError::UnsupportedMediaType { expected } => {
                Some(format!("send the body as {expected}"))
            }
            ApiError::Malformed(why) => Some(why.clone()),
            ApiError::PayloadTooLarge { limit: Some(limit) } => Some(format!(
                "the body is larger than the limit of {limit} bytes"
            )),
            ApiError::PayloadTooLarge { limit: None } => Some("the body is too large".into()),
            ApiError::HeadersTooLarge { limit } => Some(format!(
                "the request headers together are larger than the limit of {limit} bytes"
            )),
            ApiError::Validation(_) => Some("one or more fields are invalid".into()),
            ApiError::Unavailable(_) => Some("a dependency is unavailable; retry later".into()),
            ApiError::Busy { retry_after } => Some(format!(
                "too many searches at once; retry in {retry_after} s"
            )),
            ApiError::Internal(_) => None,
            ApiError::Unauthorized(why) => Some((*why).to_owned()),
            ApiError::InvalidCredentials => Some(
                "the e-mail address, the password or the one-time code is wrong".into(),
            ),
            ApiError::SecondFactorRequired => Some(
                "this account signs in with a one-time code from its authenticator app: send it as `totp`"
                    .into(),
            ),
            ApiError::Forbidden(why) => Some((*why).to_owned()),
            ApiError::AccessRevoked => Some(
                "the organisation's access was suspended, revoked or has lapsed; this token no longer works"
                    .into(),
            ),
            ApiError::NotApproved => {
                Some("the organisation is not approved: it may only read its own status".into())
            }
            ApiError::IllegalTransition(why) | ApiError::Conflict(why) => Some(why.clone()),
            ApiError::RateLimited(h) => Some(format!("retry after {} seconds", h.reset_secs)),
            ApiError::AwaitsSeeker => Some(
                "the organisation wrote last: it may write again after the seeker answers".into(),
            ),
            ApiError::GuidanceRefused => Some("the seeker does not accept new guidance".into()),
            ApiError::GuidanceCap { .. } => {
                Some("the organisation's guidance messages for today are used up".into())
            }
            ApiError::ThreadClosed => Some("this thread accepts no new messages".into()),
            ApiError::InvalidCursor => Some(
                "the cursor is not one this service gave this caller for this list; \
                 start again without a cursor"
                    .into(),
            ),
        };
        Problem {
            type_uri: kind,
            title: kind.title().into(),
            status: kind.status().as_u16(),
            detail,
            request_id: current_request_id(),
            errors: match self {
                ApiError::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.problem_type().status()
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => tracing::error!(cause = %cause, "request failed"),
            ApiError::Unavailable(cause) => {
                tracing::warn!(cause = %cause, "dependency unavailable")
            }
            _ => {}
        }
        let mut response = problem_response(&self.to_problem());
        match self {
            ApiError::MethodNotAllowed { allow } => {
                if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
                    response.headers_mut().insert(header::ALLOW, v);
                }
            }
            ApiError::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            ApiError::Busy { retry_after } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            // RFC 6750 §3.1: a token presented and refused is
            // `invalid_token`; no token at all gets the bare challenge.
            ApiError::Unauthorized(why) => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(if *why == NO_TOKEN {
                        "Bearer realm=\"kyushoku\""
                    } else {
                        "Bearer realm=\"kyushoku\", error=\"invalid_token\""
                    }),
                );
            }
            ApiError::GuidanceCap { retry_after, cap } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
                GuidanceQuota {
                    cap: *cap,
                    remaining: 0,
                    reset_secs: *retry_after,
                }
                .apply(response.headers_mut());
            }
            ApiError::RateLimited(h) => {
                h.apply(response.headers_mut());
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(h.reset_secs));
            }
            _ => {}
        }
        response
    }
}

/// Writes a problem body with its status and media type.
pub fn problem_response(problem: &Problem) -> HttpResponse {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type(PROBLEM_JSON)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(problem)
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::from(&e)
    }
}

impl From<&StoreError> for ApiError {
    fn from(e: &StoreError) -> Self {
        if let StoreError::Conflict(what) = e {
            return ApiError::Conflict(format!("{what} is already taken"));
        }
        if e.is_unavailable() {
            ApiError::Unavailable(e.to_string())
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

/// What a use case's refusal is over HTTP: the one place it is decided.
/// R2 is its first line: whatever the caller may not see is the same 404
/// as what does not exist.
impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotFound => ApiError::NotFound,
            Refusal::Invalid(fields) => FieldError::refused(fields),
            Refusal::AwaitsSeeker => ApiError::AwaitsSeeker,
            Refusal::GuidanceRefused => ApiError::GuidanceRefused,
            Refusal::GuidanceCap { cap } => ApiError::GuidanceCap {
                cap,
                retry_after: seconds_until_midnight_in_japan(),
            },
            Refusal::ThreadClosed => ApiError::ThreadClosed,
            Refusal::SessionEnded => {
                ApiError::Unauthorized("the session's seeker no longer exists")
            }
            Refusal::Forbidden(why) => ApiError::Forbidden(why),
            Refusal::IllegalTransition(why) => ApiError::IllegalTransition(why),
            Refusal::Conflict(why) => ApiError::Conflict(why),
            Refusal::Unrecorded { unavailable, cause } => match unavailable {
                true => ApiError::Unavailable(cause),
                false => ApiError::Internal(cause),
            },
            Refusal::Store(e) => ApiError::from(&e),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

/// Removes quoted values from a serde message so that a rejected value (a
/// password, a self-PR) is never echoed back or logged.
pub(crate) fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quotes = false;
    for ch in message.chars() {
        match (ch, in_quotes) {
            ('"', false) => {
                in_quotes = true;
                out.push_str("\"…");
            }
            ('"', true) => {
                in_quotes = false;
                out.push('"');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

/// The field a serde message names (`missing field `x``, `unknown field
/// `x``), if any. Other backticked words in serde's messages are values.
fn field_in(message: &str) -> Option<String> {
    ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next())
        .map(str::to_owned)
}

fn from_serde_json(e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let message = without_values(&e.to_string());
    match e.classify() {
        Category::Data => {
            let field = field_in(&message).unwrap_or_else(|| "body".into());
            ApiError::Validation(vec![FieldError::new(field, message)])
        }
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::Malformed(format!("the body is not valid JSON: {message}"))
        }
    }
}

fn from_json_error(e: &actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as J;
    match e {
        J::OverflowKnownLength { limit, .. } | J::Overflow { limit } => ApiError::PayloadTooLarge {
            limit: Some(*limit),
        },
        J::ContentType => ApiError::UnsupportedMediaType {
            expected: "application/json",
        },
        J::Deserialize(inner) => from_serde_json(inner),
        J::Payload(p) => from_payload_error(p),
        other => ApiError::Malformed(other.to_string()),
    }
}

/// Maps a body-reading failure (used by raw-body endpoints too).
pub fn from_payload_error(e: &actix_web::error::PayloadError) -> ApiError {
    use actix_web::error::PayloadError as P;
    match e {
        P::Overflow => ApiError::PayloadTooLarge { limit: None },
        other => ApiError::Malformed(format!("the body could not be read: {other}")),
    }
}

fn from_query_error(e: &actix_web::error::QueryPayloadError) -> ApiError {
    let message = without_values(&e.to_string());
    let field = field_in(&message).unwrap_or_else(|| "query".into());
    ApiError::Validation(vec![FieldError::new(field, message)])
}

/// Extractor configurations that turn every extractor failure into a
/// problem. Register all of them on the app.
pub fn extractor_configs(
    json_limit: usize,
) -> (web::JsonConfig, web::QueryConfig, web::PathConfig) {
    let json = web::JsonConfig::default()
        .limit(json_limit)
        .content_type_required(true)
        .error_handler(|e, _req: &HttpRequest| from_json_error(&e).into());
    let query = web::QueryConfig::default()
        .error_handler(|e, _req: &HttpRequest| from_query_error(&e).into());
    // A path that does not parse names nothing that exists.
    let path = web::PathConfig::default()
        .error_handler(|_e, _req: &HttpRequest| ApiError::NotFound.into());
    (json, query, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_type_has_a_distinct_uri() {
        let mut uris: Vec<String> = ProblemType::ALL.iter().map(|t| t.uri()).collect();
        uris.sort();
        uris.dedup();
        assert_eq!(uris.len(), ProblemType::ALL.len());
    }

    #[test]
    fn serde_messages_lose_their_values() {
        assert_eq!(
            without_values(r#"invalid type: string "hunter2", expected u32 at line 1 column 20"#),
            r#"invalid type: string "…", expected u32 at line 1 column 20"#
        );
        assert_eq!(
            field_in("missing field `email` at line 1"),
            Some("email".into())
        );
    }

    #[test]
    fn internal_errors_send_no_cause() {
        let p = ApiError::Internal("db password is xyz".into()).to_problem();
        let body = serde_json::to_string(&p).unwrap();
        assert!(!body.contains("xyz"));
        assert_eq!(p.status, 500);
    }
}

/// The extractor configuration, exercised through a real actix service: a
/// JSON endpoint answers each kind of bad body with the right problem.
#[cfg(test)]
mod extractor_tests {
    use actix_web::{test, web, App, HttpResponse};
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        count: u32,
    }

    async fn echo(body: crate::extract::Json<Sample>) -> Result<HttpResponse, ApiError> {
        body.into_inner()?;
        Ok(HttpResponse::NoContent().finish())
    }

    async fn call(content_type: Option<&str>, body: &str) -> (u16, serde_json::Value, String) {
        let (json, query, path) = extractor_configs(64);
        let app = test::init_service(
            App::new()
                .app_data(json)
                .app_data(query)
                .app_data(path)
                .app_data(crate::extract::JsonLimit(64))
                .wrap(actix_web::middleware::from_fn(crate::observe::observe))
                .route("/echo", web::post().to(echo)),
        )
        .await;
        let mut req = test::TestRequest::post()
            .uri("/echo")
            .set_payload(body.to_owned());
        if let Some(ct) = content_type {
            req = req.insert_header(("content-type", ct));
        }
        let res = test::call_service(&app, req.to_request()).await;
        let status = res.status().as_u16();
        let ct = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = test::read_body(res).await;
        let value = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, value, ct)
    }

    #[actix_web::test]
    async fn a_good_body_passes() {
        let (status, _, _) = call(Some("application/json"), r#"{"name":"a","count":1}"#).await;
        assert_eq!(status, 204);
    }

    #[actix_web::test]
    async fn wrong_content_type_is_415() {
        let (status, p, ct) = call(Some("text/plain"), r#"{"name":"a","count":1}"#).await;
        assert_eq!((status, ct.as_str()), (415, PROBLEM_JSON));
        assert_eq!(p["type"], "urn:kyushoku:problem:unsupported-media-type");
        let (status, _, _) = call(None, r#"{"name":"a","count":1}"#).await;
        assert_eq!(status, 415);
    }

    #[actix_web::test]
    async fn malformed_json_is_400() {
        let (status, p, ct) = call(Some("application/json"), r#"{"name":"#).await;
        assert_eq!((status, ct.as_str()), (400, PROBLEM_JSON));
        assert_eq!(p["type"], "urn:kyushoku:problem:malformed-request");
        assert!(p["request_id"].is_string());
    }

    #[actix_web::test]
    async fn oversized_body_is_413() {
        let big = format!(r#"{{"name":"{}","count":1}}"#, "x".repeat(100));
        let (status, p, _) = call(Some("application/json"), &big).await;
        assert_eq!(status, 413);
        assert_eq!(p["type"], "urn:kyushoku:problem:payload-too-large");
    }

    #[actix_web::test]
    async fn wrong_fields_are_422_naming_the_field_without_its_value() {
        let (status, p, _) =
            call(Some("application/json"), r#"{"name":"a","count":"s3cret"}"#).await;
        assert_eq!(status, 422);
        assert_eq!(p["type"], "urn:kyushoku:problem:validation");
        assert!(!p.to_string().contains("s3cret"), "{p}");
        let (status, p, _) = call(
            Some("application/json"),
            r#"{"name":"a","count":1,"extra":2}"#,
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(p["errors"][0]["field"], "extra");
        let (status, p, _) = call(Some("application/json"), r#"{"name":"a"}"#).await;
        assert_eq!(status, 422);
        assert_eq!(p["errors"][0]["field"], "count");
    }
}

/// True when `s` has no control character. PostgreSQL refuses a NUL in
/// text, SQLite would store it: check at the edge so both answer alike.
/// No control character (Unicode category Cc). The API document says it of
/// a field as `pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"`.
pub fn is_plain(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

/// Turns `validator` errors into field errors, keeping the field path and
/// the rule's message but never the rejected value (validator's `params`
/// carry it: passwords included).
pub fn from_validator(errors: &validator::ValidationErrors) -> Vec<FieldError> {
    fn walk(prefix: &str, errors: &validator::ValidationErrors, out: &mut Vec<FieldError>) {
        for (field, kind) in errors.errors() {
            let path = if prefix.is_empty() {
                field.to_string()
            } else {
                format!("{prefix}.{field}")
            };
            match kind {
                validator::ValidationErrorsKind::Field(list) => {
                    for e in list {
                        let message = e
                            .message
                            .as_ref()
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| format!("fails the rule `{}`", e.code));
                        out.push(FieldError::new(path.clone(), message));
                    }
                }
                validator::ValidationErrorsKind::Struct(inner) => walk(&path, inner, out),
                validator::ValidationErrorsKind::List(items) => {
                    for (i, inner) in items {
                        walk(&format!("{path}[{i}]"), inner, out);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    walk("", errors, &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}
