//! `POST /v1/profiles/{profile_id}/messages`: the first guidance (案内) or an
//! answer to the seeker, under the turn rule (R3) and the daily cap (R13).

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use kyushoku_domain::calendar::{seconds_until_midnight_in_japan, today_in_japan};
use kyushoku_service::messaging::{send_as_organisation, OrganisationSend};
use kyushoku_store::SeekerId;

use super::seeker_info_member;
use crate::auth::Principal;
use crate::problem::{ApiError, GuidanceQuota, Problem};
use crate::routes::threads::{MessageSend, MessageSent};
use crate::{audit_log, idempotency, AppState};

/// Send the first guidance (subject and body) or, after the seeker wrote, an
/// answer (body).
///
/// Out of turn is 409 `thread-awaits-seeker`; a seeker the organisation may
/// not see is 404. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "profiles_messages_send",
    tag = "messages",
    params(
        ("profile_id" = String, Path, pattern = "^[A-Za-z0-9_-]{22}$", description = "This organisation's pseudonym for the seeker"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely"),
    ),
    request_body = MessageSend,
    security(("bearer" = [])),
    responses(
        (status = 201, body = MessageSent),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "thread-awaits-seeker, guidance-refused"),
        (status = 429, body = Problem, content_type = "application/problem+json", description = "guidance-cap-reached"),
    )
)]
#[post("/{profile_id}/messages")]
pub async fn send(
    req: HttpRequest,
    principal: Principal,
    profile_id: web::Path<String>,
    body: crate::extract::Json<MessageSend>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let member = seeker_info_member(&principal)?;
    let seeker = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id)
        .decode(&profile_id)
        .map(SeekerId::from_row)
        .ok_or(ApiError::NotFound)?;
    let message = body.into_inner()?;
    let key = idempotency::key_of(&req)?;
    let raw = serde_json::to_vec(&serde_json::json!({
        "profile_id": profile_id.as_str(), "subject": message.subject, "body": message.body
    }))
    .unwrap_or_default();
    let who = format!("org:{}", member.organisation_public_id);
    let caller = audit_log::caller(&principal);
    let cap = state.config.guidance_daily_cap;
    let cmd = OrganisationSend {
        seeker,
        subject: message.subject,
        body: message.body,
        today: today_in_japan(),
        daily_cap: cap,
    };
    // What is left of today's guidance after this send, for the answer's
    // RateLimit fields (set inside, read after).
    let quota = std::sync::Arc::new(std::sync::Mutex::new(None::<i32>));
    let left = quota.clone();
    let st = state.clone();
    let answered = idempotency::once_atomic(&state, &who, key, &raw, move |pledge| async move {
        let delivered = st
            .act(move |c| send_as_organisation(c, &caller, cmd, pledge.as_ref()))
            .await?;
        st.relay.wake(&st);
        *left.lock().expect("quota") = delivered.guidance_left;
        Ok((StatusCode::CREATED, serde_json::json!(delivered.answer)))
    })
    .await;
    let mut response = answered?;
    if let Some(remaining) = *quota.lock().expect("quota") {
        GuidanceQuota {
            cap,
            remaining,
            reset_secs: seconds_until_midnight_in_japan(),
        }
        .apply(response.headers_mut());
    }
    Ok(response)
}
