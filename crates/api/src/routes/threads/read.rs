//! `GET /v1/threads/{thread_id}`: one of the organisation's threads with its
//! messages; the seeker's messages are marked read.

use actix_web::{get, web, HttpResponse};
use kyushoku_service::threads::{self, ThreadRead};

use super::list::OrgThread;
use super::Message;
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::{audit_log, AppState};

/// Read a thread.
///
/// The organisation's own threads only; another organisation's thread answers
/// 404, as an unknown one does.
#[utoipa::path(
    operation_id = "threads_read",
    tag = "messages",
    params(("thread_id" = String, Path, format = Uuid, description = "The thread's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OrgThread),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{thread_id}")]
pub async fn read(
    principal: Principal,
    thread_id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let member = principal.require_approved_member()?.clone();
    let caller = audit_log::caller(&principal);
    let ThreadRead {
        thread,
        open,
        messages,
    } = state
        .act(move |c| threads::read_as_organisation(c, &caller, &thread_id))
        .await?;
    let pseudonyms = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id);
    Ok(HttpResponse::Ok().json(OrgThread {
        thread_id: thread.public_id,
        state: kyushoku_domain::ThreadState::of(open),
        profile_id: pseudonyms.encode(thread.seeker_id.get()),
        unread: 0,
        last_author: thread.last_author,
        updated_at: thread.updated_at.and_utc(),
        messages: Some(messages.into_iter().map(Message::from).collect()),
    }))
}
