//! The observe middleware, outermost on every request: it settles the
//! request id (`X-Request-Id` from the client when well-formed, else a new
//! UUIDv7), runs the request inside a tracing span and the id's task-local
//! scope, then writes one access-log line and the request metrics.
//!
//! The log line names the route pattern, never the raw path or query, which
//! may carry pseudonyms or filters: nothing personal reaches the log.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, ResponseError};
use tracing::Instrument;

use crate::metrics::RequestLabels;
use crate::problem::{ApiError, REQUEST_ID};
use crate::AppState;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Most bytes of request headers (names and values together) a request may
/// carry. A bearer token is under 1 KiB; nothing legitimate comes close.
pub const HEADER_BYTES_LIMIT: usize = 16 * 1024;

/// Whether the request's headers together stay within [`HEADER_BYTES_LIMIT`].
fn headers_within_limit(req: &ServiceRequest) -> bool {
    let total: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    total <= HEADER_BYTES_LIMIT
}

/// The request id, available to handlers through `req.extensions()`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A client-supplied id is kept only when it is short and plain, so that it
/// cannot forge log lines or carry data.
pub fn acceptable_request_id(raw: &HeaderValue) -> Option<String> {
    let s = raw.to_str().ok()?;
    let ok = (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok.then(|| s.to_owned())
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(acceptable_request_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = crate::metrics::method_label(req.method()).to_owned();
    let span = tracing::info_span!("request", request_id = %request_id);

    let result = if headers_within_limit(&req) {
        REQUEST_ID
            .scope(request_id.clone(), next.call(req))
            .instrument(span.clone())
            .await
            .map(ServiceResponse::map_into_left_body)
    } else {
        let refusal = REQUEST_ID
            .scope(request_id.clone(), async {
                ApiError::HeadersTooLarge {
                    limit: HEADER_BYTES_LIMIT,
                }
                .error_response()
            })
            .await;
        Ok(req.into_response(refusal).map_into_right_body())
    };

    // Inner middleware answers refusals as responses, not errors, so every
    // answer passes here to be logged and counted.
    let mut response = result?;
    if needs_problem_body(&response) {
        // An error answered by the framework or a library (a body over the
        // limit of a form endpoint, an unknown file under /docs/): the same
        // problem+json as every other error.
        let status = response.status();
        let allow = response
            .headers()
            .get(actix_web::http::header::ALLOW)
            .cloned();
        let problem = REQUEST_ID
            .scope(request_id.clone(), async move {
                let mut r = ApiError::for_status(status).error_response();
                if let Some(allow) = allow {
                    r.headers_mut()
                        .insert(actix_web::http::header::ALLOW, allow);
                }
                r
            })
            .await;
        let (req, _) = response.into_parts();
        response = ServiceResponse::new(req, problem).map_into_right_body();
    }
    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let elapsed = started.elapsed();
    span.in_scope(|| {
        tracing::info!(
            target: "kyushoku::access",
            method = %method,
            route = %route,
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        );
    });
    if let Some(state) = state {
        state.metrics.observe_request(
            RequestLabels {
                method,
                route,
                status,
            },
            elapsed.as_secs_f64(),
        );
    }
    Ok(response)
}

/// Whether an error answer lacks a JSON body of ours: anything but
/// problem+json and the OAuth endpoints' `application/json` errors.
fn needs_problem_body<B>(res: &ServiceResponse<B>) -> bool {
    if !(res.status().is_client_error() || res.status().is_server_error()) {
        return false;
    }
    let kind = res
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let page = crate::pages::is_page(res.request().path()) && kind.starts_with("text/html");
    !(page
        || kind.starts_with(crate::problem::PROBLEM_JSON)
        || kind.starts_with("application/json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_request_ids_are_kept_others_replaced() {
        let ok = |s: &str| acceptable_request_id(&HeaderValue::from_str(s).unwrap());
        assert_eq!(ok("abc-123_x.y"), Some("abc-123_x.y".into()));
        assert_eq!(ok("with space"), None);
        assert_eq!(ok(&"a".repeat(65)), None);
        assert_eq!(ok("a\"b"), None);
    }
}
