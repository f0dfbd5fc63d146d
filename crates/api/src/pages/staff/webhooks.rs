//! An organisation's webhooks in the browser, for its administrators: the
//! list and a new one (its secret shown once, on the page that created
//! it), one webhook with its deliveries and their attempts, and what the
//! API does to it (send a test, rotate the secret, turn it off or on,
//! send a delivery again, delete). Each form calls the use case the API
//! calls (`kyushoku_service::webhooks`), with the same URL check
//! ([`crate::webhooks::check_url`]), audit rows and, where a press must not
//! count twice, the form's key as an idempotency key.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::webhook::{
    AttemptError, DeliveryState, DisabledReason, UrlProblem, WebhookEvent, WebhookOwnerKind,
};
use kyushoku_service::webhooks::{
    self as service, Change, CreatedWebhook, Holder, RotatedSecret, Subscription, Webhook,
};
use serde::Deserialize;

use super::StaffSession;
use crate::pages::i18n::StaffText;
use crate::pages::page::{html, see_other, Chrome, PageError};
use crate::problem::ApiError;
use crate::routes::organisations::administered;
use crate::{audit_log, idempotency, AppState};

/// The events an organisation may choose, with their labels.
pub fn event_label(t: &StaffText, e: WebhookEvent) -> &'static str {
    match e {
        WebhookEvent::MessageReceived => t.event_message_received,
        WebhookEvent::JobOffersChanged => t.event_job_offers_changed,
        WebhookEvent::OrganisationStatusChanged => t.event_status_changed,
        WebhookEvent::Test => t.event_test,
        WebhookEvent::HireReported
        | WebhookEvent::MessageReported
        | WebhookEvent::OrganisationApplied => "",
    }
}

fn state_label(t: &StaffText, s: DeliveryState) -> &'static str {
    match s {
        DeliveryState::Pending => t.delivery_pending,
        DeliveryState::Delivered => t.delivery_delivered,
        DeliveryState::Failed => t.delivery_failed,
    }
}

fn error_label(t: &StaffText, e: AttemptError) -> &'static str {
    match e {
        AttemptError::Timeout => t.attempt_timeout,
        AttemptError::Connect => t.attempt_connect,
        AttemptError::Tls => t.attempt_tls,
        AttemptError::RefusedAddress => t.attempt_refused,
        AttemptError::Protocol => t.attempt_protocol,
    }
}

fn off_label(t: &StaffText, r: Option<DisabledReason>) -> &'static str {
    match r {
        Some(DisabledReason::Gone) => t.webhook_off_gone,
        Some(DisabledReason::Failing) => t.webhook_off_failing,
        _ => t.webhook_off,
    }
}

fn url_problem(t: &StaffText, p: &UrlProblem) -> &'static str {
    match p {
        UrlProblem::NotHttps => t.webhook_url_https,
        UrlProblem::RefusedAddress | UrlProblem::Unresolved => t.webhook_url_address,
        _ => t.webhook_url_invalid,
    }
}

fn jst(at: chrono::DateTime<chrono::Utc>) -> String {
    crate::pages::my_page::jst(at.naive_utc())
}

fn form_key(s: &StaffSession, key: &str) -> Result<String, PageError> {
    uuid::Uuid::parse_str(key)
        .map(|k| k.to_string())
        .map_err(|_| PageError::form_expired(s.lang).staff())
}

async fn holder(s: &StaffSession, state: &AppState) -> Result<Holder, PageError> {
    administered(state, &s.principal, &s.member.organisation_public_id)
        .await
        .map(Holder::Organisation)
        .map_err(PageError::of_staff(s.lang))
}

struct Line {
    id: String,
    url: String,
    events: String,
    on: bool,
    state: &'static str,
}

struct Choice {
    word: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "staff/webhooks.html")]
struct ListPage {
    chrome: Chrome,
    current: &'static str,
    hooks: Vec<Line>,
    created: Option<CreatedWebhook>,
    url: String,
    description: String,
    choices: Vec<Choice>,
    problem: Option<&'static str>,
    notice: Option<&'static str>,
    form_key: String,
}

fn events_text(t: &StaffText, events: &[WebhookEvent]) -> String {
    events
        .iter()
        .map(|e| event_label(t, *e))
        .collect::<Vec<_>>()
        .join("、")
}

struct Asked {
    url: String,
    description: String,
    events: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
async fn list_page(
    s: &StaffSession,
    state: &AppState,
    status: StatusCode,
    created: Option<CreatedWebhook>,
    asked: Asked,
    problem: Option<&'static str>,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let h = holder(s, state).await?;
    let rows = state
        .act(move |c| service::list(c, &h))
        .await
        .map_err(PageError::of_staff(s.lang))?;
    let t = s.s();
    Ok(html(
        status,
        &ListPage {
            chrome: s.chrome("/staff/webhooks"),
            current: "webhooks",
            hooks: rows
                .into_iter()
                .map(|w| Line {
                    events: events_text(t, &w.events),
                    on: w.enabled,
                    state: if w.enabled {
                        t.webhook_on
                    } else {
                        off_label(t, w.disabled_reason)
                    },
                    id: w.webhook_id,
                    url: w.url,
                })
                .collect(),
            created,
            choices: WebhookEvent::for_owner(WebhookOwnerKind::Organisation)
                .into_iter()
                .map(|e| Choice {
                    word: e.as_str(),
                    label: event_label(t, e),
                    checked: asked.events.iter().any(|w| w == e.as_str()),
                })
                .collect(),
            url: asked.url,
            description: asked.description,
            problem,
            notice,
            form_key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /staff/webhooks`: the organisation's webhooks and a form for a new
/// one.
pub async fn list(
    s: StaffSession,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let notice = (query.done.as_deref() == Some("deleted")).then_some(s.s().webhook_deleted);
    let asked = Asked {
        url: String::new(),
        description: String::new(),
        events: Vec::new(),
    };
    list_page(&s, &state, StatusCode::OK, None, asked, None, notice).await
}

/// `POST /staff/webhooks`: registers a webhook and shows its secret, once.
/// The form's fields: `csrf`, `key`, `url`, `description`, and `events`
/// once per event chosen.
pub async fn create(
    req: HttpRequest,
    s: StaffSession,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    s.check_form(&req, &field("csrf"))?;
    let key = form_key(&s, &field("key"))?;
    let asked = Asked {
        url: field("url"),
        description: field("description"),
        events: form
            .iter()
            .filter(|(k, _)| k == "events")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let t = s.s();
    let url = match crate::webhooks::check_url(&state.config.webhooks, &asked.url).await {
        Ok(u) => u,
        Err(p) => {
            let problem = url_problem(t, &p);
            return list_page(
                &s,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                asked,
                Some(problem),
                None,
            )
            .await;
        }
    };
    let h = holder(&s, &state).await?;
    let cmd = Subscription {
        url,
        events: asked.events.clone(),
        description: Some(asked.description.clone()).filter(|d| !d.trim().is_empty()),
    };
    let raw = serde_json::to_vec(&serde_json::json!({
        "url": asked.url, "events": asked.events, "description": asked.description, "page": true
    }))
    .unwrap_or_default();
    let caller = audit_log::caller(&s.principal);
    let st = state.clone();
    let who = format!("org:{}", s.member.organisation_public_id);
    let answer = idempotency::once_value(&state, &who, key, &raw, move |pledge| async move {
        let sealer = st.sealer.clone();
        let created = st
            .act(move |c| service::register(c, &caller, &sealer, &h, cmd, pledge.as_ref()))
            .await?;
        Ok(serde_json::json!(created))
    })
    .await;
    match answer.and_then(|v| {
        serde_json::from_value::<CreatedWebhook>(v).map_err(|e| ApiError::Internal(e.to_string()))
    }) {
        Ok(created) => {
            let blank = Asked {
                url: String::new(),
                description: String::new(),
                events: Vec::new(),
            };
            list_page(
                &s,
                &state,
                StatusCode::CREATED,
                Some(created),
                blank,
                None,
                None,
            )
            .await
        }
        Err(ApiError::Validation(_)) => {
            list_page(
                &s,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                asked,
                Some(t.webhook_events_invalid),
                None,
            )
            .await
        }
        Err(ApiError::Conflict(_)) => {
            list_page(
                &s,
                &state,
                StatusCode::CONFLICT,
                None,
                asked,
                Some(t.webhooks_full),
                None,
            )
            .await
        }
        Err(e) => Err(PageError::of_staff(s.lang)(e)),
    }
}

struct AttemptLine {
    at: String,
    outcome: String,
    duration_ms: i32,
    next: Option<String>,
}

struct DeliveryLine {
    id: String,
    event: &'static str,
    created: String,
    state: &'static str,
    attempts: Vec<AttemptLine>,
}

#[derive(Template)]
#[template(path = "staff/webhook.html")]
struct DetailPage {
    chrome: Chrome,
    current: &'static str,
    hook: Webhook,
    events: String,
    state: &'static str,
    failing_since: Option<String>,
    previous_until: Option<String>,
    rotated: Option<RotatedSecret>,
    deliveries: Vec<DeliveryLine>,
    notice: Option<&'static str>,
    form_key: String,
}

/// How many deliveries the page shows (the API pages through all).
const SHOWN: i64 = 50;

async fn detail_page(
    s: &StaffSession,
    state: &AppState,
    status: StatusCode,
    id: String,
    rotated: Option<RotatedSecret>,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let h = holder(s, state).await?;
    let (hook, deliveries) = state
        .act(move |c| service::detail(c, &h, &id, SHOWN))
        .await
        .map_err(PageError::of_staff(s.lang))?;
    let t = s.s();
    Ok(html(
        status,
        &DetailPage {
            chrome: s.chrome(format!("/staff/webhooks/{}", hook.webhook_id)),
            current: "webhooks",
            events: events_text(t, &hook.events),
            state: if hook.enabled {
                t.webhook_on
            } else {
                off_label(t, hook.disabled_reason)
            },
            failing_since: hook.failing_since.map(jst),
            previous_until: hook.previous_secret_until.map(jst),
            rotated,
            deliveries: deliveries
                .into_iter()
                .map(|d| DeliveryLine {
                    event: event_label(t, d.event_type),
                    created: jst(d.created_at),
                    state: state_label(t, d.state),
                    attempts: d
                        .attempts
                        .into_iter()
                        .map(|a| AttemptLine {
                            at: jst(a.attempted_at),
                            outcome: match (a.status_code, a.error) {
                                (Some(code), _) => format!("HTTP {code}"),
                                (None, Some(e)) => error_label(t, e).to_owned(),
                                (None, None) => String::new(),
                            },
                            duration_ms: a.duration_ms,
                            next: a.next_retry_at.map(jst),
                        })
                        .collect(),
                    id: d.delivery_id,
                })
                .collect(),
            hook,
            notice,
            form_key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}

/// `GET /staff/webhooks/{webhook_id}`: one webhook and its last deliveries.
pub async fn read(
    s: StaffSession,
    id: web::Path<String>,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let t = s.s();
    let notice = match query.done.as_deref() {
        Some("test") => Some(t.webhook_test_sent),
        Some("on") => Some(t.webhook_turned_on),
        Some("off") => Some(t.webhook_turned_off),
        Some("redelivered") => Some(t.webhook_redelivered),
        _ => None,
    };
    detail_page(&s, &state, StatusCode::OK, id.into_inner(), None, notice).await
}

#[derive(Deserialize)]
pub struct KeyedForm {
    csrf: String,
    key: String,
}

/// `POST /staff/webhooks/{webhook_id}/test`: sends a `webhook.test` event.
pub async fn test(
    req: HttpRequest,
    s: StaffSession,
    id: web::Path<String>,
    form: web::Form<KeyedForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let key = form_key(&s, &form.key)?;
    let id = id.into_inner();
    let h = holder(&s, &state).await?;
    let caller = audit_log::caller(&s.principal);
    let st = state.clone();
    let target = id.clone();
    let who = format!("org:{}", s.member.organisation_public_id);
    idempotency::once_value(
        &state,
        &who,
        key,
        format!("test {id}").as_bytes(),
        move |pledge| async move {
            let queued = st
                .act(move |c| service::send_test(c, &caller, &h, &target, pledge.as_ref()))
                .await?;
            Ok(serde_json::json!(queued))
        },
    )
    .await
    .map_err(PageError::of_staff(s.lang))?;
    state.webhooks.wake();
    Ok(see_other(format!("/staff/webhooks/{id}?done=test")))
}

/// `POST /staff/webhooks/{webhook_id}/secret`: a new secret, shown once;
/// the old one signs beside it for a day.
pub async fn rotate(
    req: HttpRequest,
    s: StaffSession,
    id: web::Path<String>,
    form: web::Form<KeyedForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let key = form_key(&s, &form.key)?;
    let id = id.into_inner();
    let h = holder(&s, &state).await?;
    let caller = audit_log::caller(&s.principal);
    let st = state.clone();
    let target = id.clone();
    let who = format!("org:{}", s.member.organisation_public_id);
    let rotated = idempotency::once_value(
        &state,
        &who,
        key,
        format!("rotate {id}").as_bytes(),
        move |pledge| async move {
            let sealer = st.sealer.clone();
            let rotated = st
                .act(move |c| service::rotate(c, &caller, &sealer, &h, &target, pledge.as_ref()))
                .await?;
            Ok(serde_json::json!(rotated))
        },
    )
    .await
    .and_then(|v| {
        serde_json::from_value::<RotatedSecret>(v).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .map_err(PageError::of_staff(s.lang))?;
    detail_page(&s, &state, StatusCode::CREATED, id, Some(rotated), None).await
}

#[derive(Deserialize)]
pub struct SwitchForm {
    csrf: String,
    on: bool,
}

/// `POST /staff/webhooks/{webhook_id}/enabled`: turns it off, or on again
/// (what waited then goes out).
pub async fn switch(
    req: HttpRequest,
    s: StaffSession,
    id: web::Path<String>,
    form: web::Form<SwitchForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let id = id.into_inner();
    let h = holder(&s, &state).await?;
    let caller = audit_log::caller(&s.principal);
    let on = form.on;
    let target = id.clone();
    state
        .act(move |c| {
            service::change(
                c,
                &caller,
                &h,
                &target,
                Change {
                    enabled: Some(on),
                    ..Change::default()
                },
            )
        })
        .await
        .map_err(PageError::of_staff(s.lang))?;
    if on {
        state.webhooks.wake();
    }
    Ok(see_other(format!(
        "/staff/webhooks/{id}?done={}",
        if on { "on" } else { "off" }
    )))
}

#[derive(Deserialize)]
pub struct PlainForm {
    csrf: String,
}

/// `POST /staff/webhooks/{webhook_id}/delete`.
pub async fn delete(
    req: HttpRequest,
    s: StaffSession,
    id: web::Path<String>,
    form: web::Form<PlainForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let h = holder(&s, &state).await?;
    let caller = audit_log::caller(&s.principal);
    let id = id.into_inner();
    state
        .act(move |c| service::remove(c, &caller, &h, &id))
        .await
        .map_err(PageError::of_staff(s.lang))?;
    Ok(see_other("/staff/webhooks?done=deleted"))
}

/// `POST /staff/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver`.
pub async fn redeliver(
    req: HttpRequest,
    s: StaffSession,
    path: web::Path<(String, String)>,
    form: web::Form<PlainForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let (id, delivery) = path.into_inner();
    let h = holder(&s, &state).await?;
    let caller = audit_log::caller(&s.principal);
    let target = id.clone();
    state
        .act(move |c| service::redeliver(c, &caller, &h, &target, &delivery, None))
        .await
        .map_err(PageError::of_staff(s.lang))?;
    state.webhooks.wake();
    Ok(see_other(format!("/staff/webhooks/{id}?done=redelivered")))
}
