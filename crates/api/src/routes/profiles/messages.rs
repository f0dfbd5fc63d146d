//! `POST /v1/profiles/{profile_id}/messages`: the first guidance (案内) or an
//! answer to the seeker, under the turn rule (R3) and the daily cap (R13).

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::Timelike;
use kyushoku_store::audit;
use kyushoku_store::messaging::{self, OrgMessage, Sent};
use kyushoku_store::seekers::Viewer;

use super::seeker_info_member;
use crate::auth::Principal;
use crate::ingest::today_in_japan;
use crate::problem::{ApiError, GuidanceQuota, Problem};
use crate::routes::threads::{check_message, MessageSend, MessageSent};
use crate::{audit_log, events, idempotency, AppState};

/// Seconds until midnight in Japan, when the daily guidance cap resets.
fn until_midnight_jst() -> u64 {
    let now = chrono::Utc::now() + chrono::Duration::hours(9);
    let secs = u64::from(now.num_seconds_from_midnight());
    (86_400 - secs).max(1)
}

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
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "thread-awaits-seeker, guidance-refused"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
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
    let member = seeker_info_member(&principal)?.clone();
    let seeker_id = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id)
        .decode(&profile_id)
        .map(kyushoku_store::SeekerId::from_row)
        .ok_or(ApiError::NotFound)?;
    let message = body.into_inner()?;
    // Checked only once the seeker is known to be visible (below): a
    // pseudonym the organisation may not see answers 404 whatever the body,
    // exactly as one that names nobody (R2).
    let invalid = check_message(&message).err();
    let key = idempotency::key_of(&req)?;
    let actor = format!("{}:{}", principal.actor().kind(), principal.actor().id());
    let raw = serde_json::to_vec(&serde_json::json!({
        "profile_id": profile_id.as_str(), "subject": message.subject, "body": message.body
    }))
    .unwrap_or_default();
    let who = format!("org:{}", member.organisation_public_id);
    let org_public = member.organisation_public_id.clone();
    let st = state.clone();
    let event = {
        let mut e = audit_log::by(&principal, kyushoku_domain::AuditAction::MessageSent);
        e.organisation_id = Some(member.organisation_id);
        e
    };
    let cap = state.config.guidance_daily_cap;
    // What is left of today's guidance after this send, for the answer's
    // RateLimit fields (set inside, read after).
    let quota = std::sync::Arc::new(std::sync::Mutex::new(None::<i32>));
    let left = quota.clone();
    let answered = idempotency::once_atomic(&state, &who, key, &raw, move |pledge| async move {
        let today = today_in_japan();
        let m = OrgMessage {
            viewer: Viewer {
                organisation_id: member.organisation_id,
                today,
            },
            seeker_id,
            actor,
            subject: message.subject.clone(),
            body: message.body.clone(),
            day: today,
            daily_cap: st.config.guidance_daily_cap,
        };
        let message_id = uuid::Uuid::now_v7().to_string();
        let thread_id = uuid::Uuid::now_v7().to_string();
        let needs_subject = message.subject.is_none();
        let sent = st
            .db_run(move |c| {
                // A first guidance needs a subject: check before sending.
                let invalid = match invalid {
                    Some(e) => Some(e),
                    None if needs_subject
                        && messaging::find_thread_between(
                            c,
                            m.viewer.organisation_id,
                            m.seeker_id,
                        )?
                        .is_none() =>
                    {
                        Some(ApiError::validation_one(
                            "subject",
                            "a first guidance needs a subject",
                        ))
                    }
                    None => None,
                };
                if let Some(e) = invalid {
                    return Ok(Err(
                        if kyushoku_store::seekers::read_visible(c, m.viewer, m.seeker_id)?
                            .is_none()
                        {
                            ApiError::NotFound
                        } else {
                            e
                        },
                    ));
                }
                let mut seeker_ref = None;
                // The audit row and the idempotency record commit with the message.
                let within = |c: &mut kyushoku_store::DbConn, sent: &Sent| {
                    let Some(answer) = MessageSent::of(sent) else {
                        return Ok(());
                    };
                    audit::record_with_seekers(c, &event, &[m.seeker_id])?;
                    seeker_ref = kyushoku_store::seekers::ref_of(c, m.seeker_id)?;
                    match &pledge {
                        Some(p) => p.keep(c, StatusCode::CREATED, &answer),
                        None => Ok(()),
                    }
                };
                let org_id = m.viewer.organisation_id;
                let sent =
                    messaging::send_from_organisation(c, &m, &message_id, &thread_id, within)?;
                let used = match &sent {
                    Sent::Sent {
                        kind: kyushoku_domain::MessageKind::Guidance,
                        ..
                    } => Some(messaging::guidance_sent(c, org_id, today)?),
                    _ => None,
                };
                Ok(Ok((sent, seeker_ref, used)))
            })
            .await?;
        let (sent, seeker_ref, used) = sent?;
        *left.lock().expect("quota") = used.map(|u| cap - u);
        let Some(answer) = MessageSent::of(&sent) else {
            return Err(refusal(sent, cap));
        };
        let data = serde_json::json!({
            "thread_id": answer["thread_id"], "message_id": answer["message_id"],
            "author": "organisation", "kind": answer["kind"],
        });
        if let Some(r) = &seeker_ref {
            events::notify(&st, &events::seeker_topic(r), "message", data.clone()).await;
        }
        events::notify(
            &st,
            &events::organisation_topic(&org_public),
            "message",
            data,
        )
        .await;
        Ok((StatusCode::CREATED, answer))
    })
    .await;
    let mut response = answered?;
    if let Some(remaining) = *quota.lock().expect("quota") {
        GuidanceQuota {
            cap,
            remaining,
            reset_secs: until_midnight_jst(),
        }
        .apply(response.headers_mut());
    }
    Ok(response)
}

/// The problem for a send the rules refused.
fn refusal(sent: Sent, cap: i32) -> ApiError {
    match sent {
        Sent::NotVisible | Sent::NoThread => ApiError::NotFound,
        Sent::OutOfTurn => ApiError::AwaitsSeeker,
        Sent::GuidanceRefused => ApiError::GuidanceRefused,
        Sent::CapReached => ApiError::GuidanceCap {
            cap,
            retry_after: until_midnight_jst(),
        },
        Sent::Closed => ApiError::ThreadClosed,
        Sent::Sent { .. } => ApiError::Internal("a stored send has no answer".into()),
    }
}
