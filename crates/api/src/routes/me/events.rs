//! `GET /v1/me/events`: the seeker's Server-Sent Events.

use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::auth::Principal;
use crate::events::stream;
use crate::problem::ApiError;
use crate::AppState;
use kyushoku_service::events::seeker_topic;

/// Server-Sent Events for the seeker: `message` (a new message in one of the
/// seeker's threads), `thread_closed`, `thread_reopened`, `report_handled`
/// (the bureau moved one of the seeker's complaint cases on: its
/// `report_id`, `status` and `outcome`).
///
/// Reconnect with `Last-Event-ID` to get what was missed (kept for a day, 500
/// per seeker).
#[utoipa::path(
    operation_id = "me_events_stream",
    tag = "my page",
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
    let seeker_ref = principal.require_seeker()?.to_owned();
    Ok(stream(&req, &state, seeker_topic(&seeker_ref)).await)
}
