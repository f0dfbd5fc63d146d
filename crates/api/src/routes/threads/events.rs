//! `GET /v1/threads/events`: Server-Sent Events for an organisation's staff.

use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::auth::Principal;
use crate::events::stream;
use crate::problem::ApiError;
use crate::AppState;
use kyushoku_service::events::organisation_topic;

/// Server-Sent Events for the organisation: `message` (a seeker wrote, or a
/// colleague sent).
///
/// A thread that closes (a block, a consent change, the end of the
/// registration) or reopens sends nothing: the organisation sees its state
/// when it reads it (R5). Reconnect with `Last-Event-ID` to get what was
/// missed.
#[utoipa::path(
    operation_id = "threads_events_stream",
    tag = "messages",
    params(("Last-Event-ID" = Option<String>, Header, description = "resume after this event")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "An event stream: `retry`, then one event per change, with an id to resume from", content(
            (String = "text/event-stream", example = json!("retry: 3000\n\nid: 1733212800000-0\nevent: message\ndata: {\"thread_id\":\"01938f2e-…\",\"message_id\":\"01938f2f-…\",\"author\":\"organisation\",\"kind\":\"guidance\"}\n\n"))
        )),
    )
)]
#[get("/events")]
pub async fn events(
    req: HttpRequest,
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let member = principal.require_approved_member()?;
    Ok(stream(
        &req,
        &state,
        organisation_topic(&member.organisation_public_id),
    )
    .await)
}
