//! Webhook subscriptions (Standard Webhooks), in two places with the same
//! operations: `/v1/organisations/{id}/webhooks…` for an organisation's
//! administrators, and `/v1/webhooks…` for the caller's own: Hello Work's
//! system, a labour bureau (its prefecture's), or an organisation's
//! administrator (their organisation's). Each handler finds whose webhooks
//! they are ([`Holder`]), parses, calls one use case of
//! `kyushoku_service::webhooks` and renders.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use kyushoku_domain::webhook::WebhookEvent;
use kyushoku_domain::OrganisationStatus;
use kyushoku_service::webhooks::{self as service, Change, Holder, Subscription};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use kyushoku_service::webhooks::{
    CreatedWebhook, DeliveryView, Queued, RotatedSecret, Webhook,
};

use super::organisations::{administered, visible};
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::{audit_log, idempotency, pagination, AppState};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookRequest {
    /// Where to post events: `https://` (`http://` only where the
    /// deployment allows it), no user or password, a host kyushoku may
    /// call (no loopback, private, link-local or metadata address unless
    /// the deployment allows that network).
    #[schema(
        example = "https://matching.example.jp/kyushoku/events",
        max_length = 2000
    )]
    pub url: String,
    /// The events to send: an organisation's `message.received`,
    /// `job_offers.changed`, `organisation.status_changed`; Hello Work's
    /// `hire.reported`, `message.reported`; a bureau's
    /// `organisation.applied`.
    #[schema(value_type = Vec<WebhookEvent>, min_items = 1)]
    pub events: Vec<String>,
    /// A label for people (at most 200 characters).
    #[schema(max_length = 200)]
    pub description: Option<String>,
}

fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<WebhookEvent>>)]
    pub events: Option<Vec<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub description: Option<Option<String>>,
    /// `false` turns the endpoint off; `true` on again (its waiting
    /// deliveries then go out).
    pub enabled: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// 1–100 (default 50).
    pub limit: Option<i64>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// The organisation `id`'s webhooks, for its administrators.
async fn of_organisation(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<Holder, ApiError> {
    Ok(Holder::Organisation(
        administered(state, principal, id).await?,
    ))
}

/// The caller's own webhooks.
async fn own(state: &AppState, principal: &Principal) -> Result<Holder, ApiError> {
    match principal {
        Principal::HwSystem { .. } => Ok(Holder::HelloWork),
        Principal::Bureau { prefecture, .. } => Ok(Holder::Bureau(prefecture.clone())),
        Principal::Member { member, .. } if member.admin => {
            if member.status != OrganisationStatus::Approved {
                principal.require_approved_member()?;
            }
            let row = visible(state, principal, &member.organisation_public_id).await?;
            Ok(Holder::Organisation(row))
        }
        _ => Err(ApiError::Forbidden(
            "only an organisation's administrators, Hello Work's system and labour bureaus have webhooks",
        )),
    }
}

/// Who a request's idempotency key belongs to.
fn key_owner(holder: &Holder) -> String {
    match holder {
        Holder::Organisation(o) => format!("org:{}", o.public_id),
        Holder::HelloWork => "hw".to_owned(),
        Holder::Bureau(p) => format!("bureau:{}", p.as_str()),
    }
}

async fn url_of(state: &AppState, text: &str) -> Result<url::Url, ApiError> {
    crate::webhooks::check_url(&state.config.webhooks, text)
        .await
        .map_err(|p| ApiError::validation_one("url", p))
}

async fn do_create(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    principal: &Principal,
    holder: Holder,
    body: NewWebhookRequest,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key_of(req)?;
    let raw = serde_json::to_vec(&serde_json::json!({
        "url": body.url, "events": body.events, "description": body.description
    }))
    .unwrap_or_default();
    let url = url_of(state, &body.url).await?;
    let cmd = Subscription {
        url,
        events: body.events,
        description: body.description,
    };
    let caller = audit_log::caller(principal);
    let st = state.clone();
    idempotency::once_atomic(
        state,
        &key_owner(&holder),
        key,
        &raw,
        move |pledge| async move {
            let sealer = st.sealer.clone();
            let created = st
                .act(move |c| service::register(c, &caller, &sealer, &holder, cmd, pledge.as_ref()))
                .await?;
            Ok((StatusCode::CREATED, serde_json::json!(created)))
        },
    )
    .await
}

async fn do_list(state: &AppState, holder: Holder) -> Result<HttpResponse, ApiError> {
    let items = state.act(move |c| service::list(c, &holder)).await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        items,
        next_cursor: None,
    }))
}

async fn do_read(
    state: &AppState,
    holder: Holder,
    webhook_id: String,
) -> Result<HttpResponse, ApiError> {
    let w = state
        .act(move |c| service::get(c, &holder, &webhook_id))
        .await?;
    Ok(HttpResponse::Ok().json(w))
}

async fn do_change(
    state: &AppState,
    principal: &Principal,
    holder: Holder,
    webhook_id: String,
    body: WebhookPatch,
) -> Result<HttpResponse, ApiError> {
    let url = match &body.url {
        Some(u) => Some(url_of(state, u).await?),
        None => None,
    };
    let cmd = Change {
        url,
        events: body.events,
        description: body.description,
        enabled: body.enabled,
    };
    let caller = audit_log::caller(principal);
    let w = state
        .act(move |c| service::change(c, &caller, &holder, &webhook_id, cmd))
        .await?;
    if w.enabled {
        state.webhooks.wake();
    }
    Ok(HttpResponse::Ok().json(w))
}

async fn do_delete(
    state: &AppState,
    principal: &Principal,
    holder: Holder,
    webhook_id: String,
) -> Result<HttpResponse, ApiError> {
    let caller = audit_log::caller(principal);
    state
        .act(move |c| service::remove(c, &caller, &holder, &webhook_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn do_rotate(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    principal: &Principal,
    holder: Holder,
    webhook_id: String,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key_of(req)?;
    let raw = format!("rotate {webhook_id}").into_bytes();
    let caller = audit_log::caller(principal);
    let st = state.clone();
    idempotency::once_atomic(
        state,
        &key_owner(&holder),
        key,
        &raw,
        move |pledge| async move {
            let sealer = st.sealer.clone();
            let rotated = st
                .act(move |c| {
                    service::rotate(c, &caller, &sealer, &holder, &webhook_id, pledge.as_ref())
                })
                .await?;
            Ok((StatusCode::CREATED, serde_json::json!(rotated)))
        },
    )
    .await
}

async fn do_test(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    principal: &Principal,
    holder: Holder,
    webhook_id: String,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key_of(req)?;
    let raw = format!("test {webhook_id}").into_bytes();
    let caller = audit_log::caller(principal);
    let st = state.clone();
    let answer = idempotency::once_atomic(
        state,
        &key_owner(&holder),
        key,
        &raw,
        move |pledge| async move {
            let queued = st
                .act(move |c| service::send_test(c, &caller, &holder, &webhook_id, pledge.as_ref()))
                .await?;
            Ok((StatusCode::ACCEPTED, serde_json::json!(queued)))
        },
    )
    .await;
    state.webhooks.wake();
    answer
}

async fn do_deliveries(
    state: &AppState,
    principal: &Principal,
    holder: Holder,
    webhook_id: String,
    q: DeliveryQuery,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(q.limit)?;
    let pager = pagination::Pager::new(state, principal, "webhook_deliveries");
    let before = pager.after_id(q.cursor.as_deref())?;
    let mut rows = state
        .act(move |c| service::deliveries(c, &holder, &webhook_id, before, limit + 1))
        .await?;
    let next_cursor = pager.next_by_id(&mut rows, limit, |r| r.0);
    Ok(HttpResponse::Ok().json(DeliveryList {
        items: rows.into_iter().map(|(_, d)| d).collect(),
        next_cursor,
    }))
}

async fn do_redeliver(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    principal: &Principal,
    holder: Holder,
    webhook_id: String,
    delivery_id: String,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key_of(req)?;
    let raw = format!("redeliver {webhook_id} {delivery_id}").into_bytes();
    let caller = audit_log::caller(principal);
    let st = state.clone();
    let answer = idempotency::once_atomic(
        state,
        &key_owner(&holder),
        key,
        &raw,
        move |pledge| async move {
            let queued = st
                .act(move |c| {
                    service::redeliver(
                        c,
                        &caller,
                        &holder,
                        &webhook_id,
                        &delivery_id,
                        pledge.as_ref(),
                    )
                })
                .await?;
            Ok((StatusCode::ACCEPTED, serde_json::json!(queued)))
        },
    )
    .await;
    state.webhooks.wake();
    answer
}

// ---- /v1/organisations/{id}/webhooks…

/// Register a webhook.
///
/// Organisation admins. Answers the signing secret (`whsec_…`) this once.
/// The URL's host must resolve only to addresses kyushoku calls. At most
/// 10 per owner. Idempotent with `Idempotency-Key`.
#[utoipa::path(
    operation_id = "organisations_webhooks_create",
    tag = "webhooks",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely: the same key and body get the first answer (and secret) again"),
    ),
    request_body = NewWebhookRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedWebhook),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/webhooks")]
pub async fn org_create(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<String>,
    body: crate::extract::Json<NewWebhookRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let holder = of_organisation(&state, &principal, &id).await?;
    do_create(&req, &state, &principal, holder, body.into_inner()?).await
}

/// List the organisation's webhooks.
///
/// Organisation admins. Secrets are never shown again.
#[utoipa::path(
    operation_id = "organisations_webhooks_list",
    tag = "webhooks",
    params(("id" = String, Path, format = Uuid, description = "The organisation's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = WebhookList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/webhooks")]
pub async fn org_list(
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let holder = of_organisation(&state, &principal, &id).await?;
    do_list(&state, holder).await
}

/// Read one of the organisation's webhooks.
///
/// Organisation admins. Its state, events and whether it is failing; never its secret.
#[utoipa::path(
    operation_id = "organisations_webhooks_read",
    tag = "webhooks",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("webhook_id" = String, Path, description = "The webhook's id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Webhook),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/webhooks/{webhook_id}")]
pub async fn org_read(
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    let holder = of_organisation(&state, &principal, &id).await?;
    do_read(&state, holder, webhook_id).await
}

/// Change a webhook.
///
/// Organisation admins: its URL (checked as at registration), events, description, or turn it
/// on or off. Turned on again, the deliveries that waited go out.
#[utoipa::path(
    operation_id = "organisations_webhooks_update",
    tag = "webhooks",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("webhook_id" = String, Path, description = "The webhook's id"),
    ),
    request_body = WebhookPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Webhook),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{id}/webhooks/{webhook_id}")]
pub async fn org_update(
    principal: Principal,
    path: web::Path<(String, String)>,
    body: crate::extract::Json<WebhookPatch>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    let holder = of_organisation(&state, &principal, &id).await?;
    do_change(&state, &principal, holder, webhook_id, body.into_inner()?).await
}

/// Delete a webhook.
///
/// Organisation admins. Its deliveries and their attempts go with it.
#[utoipa::path(
    operation_id = "organisations_webhooks_delete",
    tag = "webhooks",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("webhook_id" = String, Path, description = "The webhook's id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}/webhooks/{webhook_id}")]
pub async fn org_delete(
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    let holder = of_organisation(&state, &principal, &id).await?;
    do_delete(&state, &principal, holder, webhook_id).await
}

/// Rotate a webhook's secret.
///
/// Answers the new secret this once; for 24 hours the old one signs
/// beside it (two signatures in `webhook-signature`), so the receiver can
/// switch without losing an event.
#[utoipa::path(
    operation_id = "organisations_webhooks_rotate_secret",
    tag = "webhooks",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("webhook_id" = String, Path, description = "The webhook's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely: the same key gets the first answer (and secret) again"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, body = RotatedSecret),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/webhooks/{webhook_id}/secret")]
pub async fn org_rotate(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    let holder = of_organisation(&state, &principal, &id).await?;
    do_rotate(&req, &state, &principal, holder, webhook_id).await
}

/// Send a test event.
///
/// Organisation admins. Queues a `webhook.test` event for this webhook; it goes out at once
/// (once the webhook is on). Idempotent with `Idempotency-Key`.
#[utoipa::path(
    operation_id = "organisations_webhooks_test",
    tag = "webhooks",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("webhook_id" = String, Path, description = "The webhook's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely: one test per key"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, body = Queued),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/webhooks/{webhook_id}/test")]
pub async fn org_test(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    let holder = of_organisation(&state, &principal, &id).await?;
    do_test(&req, &state, &principal, holder, webhook_id).await
}

/// List a webhook's deliveries.
///
/// Organisation admins. Newest first, each with its attempts (time, status code or error
/// class, duration, next retry). Paged with an opaque cursor.
#[utoipa::path(
    operation_id = "organisations_webhooks_deliveries",
    tag = "webhooks",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("webhook_id" = String, Path, description = "The webhook's id"),
        DeliveryQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeliveryList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/webhooks/{webhook_id}/deliveries")]
pub async fn org_deliveries(
    principal: Principal,
    path: web::Path<(String, String)>,
    query: crate::extract::Query<DeliveryQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id) = path.into_inner();
    let q = query.into_inner()?;
    let holder = of_organisation(&state, &principal, &id).await?;
    do_deliveries(&state, &principal, holder, webhook_id, q).await
}

/// Send a delivery again.
///
/// Organisation admins. At once, with a fresh round of retries and the same `webhook-id`
/// (a receiver that has it already drops it). Idempotent with `Idempotency-Key`.
#[utoipa::path(
    operation_id = "organisations_webhooks_redeliver",
    tag = "webhooks",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("webhook_id" = String, Path, description = "The webhook's id"),
        ("delivery_id" = String, Path, description = "The delivery's id (its `webhook-id`)"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely: one redelivery per key"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, body = Queued),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")]
pub async fn org_redeliver(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(String, String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, webhook_id, delivery_id) = path.into_inner();
    let holder = of_organisation(&state, &principal, &id).await?;
    do_redeliver(&req, &state, &principal, holder, webhook_id, delivery_id).await
}

// ---- /v1/webhooks…: the caller's own

/// Register one of the caller's own webhooks.
///
/// Hello Work's system (`hire.reported`, `message.reported`), a labour
/// bureau (`organisation.applied` in its prefecture), or an organisation's
/// administrator (as under `/v1/organisations/{id}/webhooks`). Answers the
/// secret this once. Idempotent with `Idempotency-Key`.
#[utoipa::path(
    operation_id = "webhooks_create",
    tag = "webhooks",
    params(("Idempotency-Key" = Option<String>, Header, description = "retry safely: the same key and body get the first answer (and secret) again")),
    request_body = NewWebhookRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedWebhook),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn own_create(
    req: HttpRequest,
    principal: Principal,
    body: crate::extract::Json<NewWebhookRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let holder = own(&state, &principal).await?;
    do_create(&req, &state, &principal, holder, body.into_inner()?).await
}

/// List the caller's own webhooks.
///
/// Hello Work's system, a labour bureau, or an organisation's admin (its organisation's).
#[utoipa::path(
    operation_id = "webhooks_list",
    tag = "webhooks",
    security(("bearer" = [])),
    responses((status = 200, body = WebhookList))
)]
#[get("")]
pub async fn own_list(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let holder = own(&state, &principal).await?;
    do_list(&state, holder).await
}

/// Read one of the caller's own webhooks.
///
/// Never its secret.
#[utoipa::path(
    operation_id = "webhooks_read",
    tag = "webhooks",
    params(("webhook_id" = String, Path, description = "The webhook's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Webhook),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{webhook_id}")]
pub async fn own_read(
    principal: Principal,
    webhook_id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let holder = own(&state, &principal).await?;
    do_read(&state, holder, webhook_id.into_inner()).await
}

/// Change one of the caller's own webhooks.
///
/// Its URL, events, description, or turn it on or off.
#[utoipa::path(
    operation_id = "webhooks_update",
    tag = "webhooks",
    params(("webhook_id" = String, Path, description = "The webhook's id")),
    request_body = WebhookPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Webhook),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/{webhook_id}")]
pub async fn own_update(
    principal: Principal,
    webhook_id: web::Path<String>,
    body: crate::extract::Json<WebhookPatch>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let holder = own(&state, &principal).await?;
    do_change(
        &state,
        &principal,
        holder,
        webhook_id.into_inner(),
        body.into_inner()?,
    )
    .await
}

/// Delete one of the caller's own webhooks.
///
/// Its deliveries go with it.
#[utoipa::path(
    operation_id = "webhooks_delete",
    tag = "webhooks",
    params(("webhook_id" = String, Path, description = "The webhook's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{webhook_id}")]
pub async fn own_delete(
    principal: Principal,
    webhook_id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let holder = own(&state, &principal).await?;
    do_delete(&state, &principal, holder, webhook_id.into_inner()).await
}

/// Rotate one of the caller's own webhooks' secret.
///
/// Answers the new secret this once; the old one signs beside it for 24 hours.
#[utoipa::path(
    operation_id = "webhooks_rotate_secret",
    tag = "webhooks",
    params(
        ("webhook_id" = String, Path, description = "The webhook's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely: the same key gets the first answer (and secret) again"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, body = RotatedSecret),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{webhook_id}/secret")]
pub async fn own_rotate(
    req: HttpRequest,
    principal: Principal,
    webhook_id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let holder = own(&state, &principal).await?;
    do_rotate(&req, &state, &principal, holder, webhook_id.into_inner()).await
}

/// Send a test event to one of the caller's own webhooks.
///
/// Queues a `webhook.test` event. Idempotent with `Idempotency-Key`.
#[utoipa::path(
    operation_id = "webhooks_test",
    tag = "webhooks",
    params(
        ("webhook_id" = String, Path, description = "The webhook's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely: one test per key"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, body = Queued),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{webhook_id}/test")]
pub async fn own_test(
    req: HttpRequest,
    principal: Principal,
    webhook_id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let holder = own(&state, &principal).await?;
    do_test(&req, &state, &principal, holder, webhook_id.into_inner()).await
}

/// List one of the caller's own webhooks' deliveries.
///
/// Newest first, each with its attempts. Paged with an opaque cursor.
#[utoipa::path(
    operation_id = "webhooks_deliveries",
    tag = "webhooks",
    params(
        ("webhook_id" = String, Path, description = "The webhook's id"),
        DeliveryQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeliveryList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{webhook_id}/deliveries")]
pub async fn own_deliveries(
    principal: Principal,
    webhook_id: web::Path<String>,
    query: crate::extract::Query<DeliveryQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner()?;
    let holder = own(&state, &principal).await?;
    do_deliveries(&state, &principal, holder, webhook_id.into_inner(), q).await
}

/// Send one of the caller's own deliveries again.
///
/// At once, with the same `webhook-id`. Idempotent with `Idempotency-Key`.
#[utoipa::path(
    operation_id = "webhooks_redeliver",
    tag = "webhooks",
    params(
        ("webhook_id" = String, Path, description = "The webhook's id"),
        ("delivery_id" = String, Path, description = "The delivery's id (its `webhook-id`)"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely: one redelivery per key"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, body = Queued),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{webhook_id}/deliveries/{delivery_id}/redeliver")]
pub async fn own_redeliver(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (webhook_id, delivery_id) = path.into_inner();
    let holder = own(&state, &principal).await?;
    do_redeliver(&req, &state, &principal, holder, webhook_id, delivery_id).await
}
