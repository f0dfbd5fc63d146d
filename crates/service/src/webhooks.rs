//! Webhooks: an owner's subscriptions (register, change, rotate the
//! secret, delete, read the deliveries, send again, send a test), the
//! events the other use cases raise ([`message_received`],
//! [`status_changed`], [`hire_reported`], [`message_reported`],
//! [`organisation_applied`], and [`announce_offer_changes`] for the change
//! feed), and the deliverer's two steps ([`claim`], [`settle`]). An event
//! becomes one delivery per subscribed endpoint, written in the
//! transaction of the action it tells of; events carry ids and states,
//! never personal data, and tell an owner nothing its API would not.

use chrono::{DateTime, NaiveDateTime, Utc};
use kyushoku_domain::mail::Letter;
use kyushoku_domain::seal::Sealer;
use kyushoku_domain::webhook::{
    self, AttemptError, DeliveryState, DisabledReason, Verdict, WebhookEvent, WebhookOwnerKind,
    WebhookSecret,
};
use kyushoku_domain::{AuditAction, OrganisationStatus, PrefectureCode};
use kyushoku_store::organisations::{self, OrganisationRow};
use kyushoku_store::webhooks::{
    self as store, Attempt, DueDelivery, NewDelivery, NewWebhook, Owner, WebhookChange, WebhookRow,
};
use kyushoku_store::{
    audit, identity, now, offers, DbConn, DeliveryId, OrganisationId, StoreError,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::mail::send_later;
use crate::refusal::Invalid;
use crate::{Caller, Pledge, Refusal};

/// The most webhooks one owner may have.
pub const MAX_PER_OWNER: usize = 10;
/// The longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 200;

/// Whose webhooks a caller manages: the owner, and for an organisation its
/// row (its audit events are its bureau's).
#[derive(Debug, Clone)]
pub enum Holder {
    Organisation(OrganisationRow),
    HelloWork,
    Bureau(PrefectureCode),
}

impl Holder {
    fn owner(&self) -> Owner {
        match self {
            Holder::Organisation(o) => Owner::Organisation(o.id),
            Holder::HelloWork => Owner::HelloWork,
            Holder::Bureau(p) => Owner::Bureau(p.clone()),
        }
    }

    fn event(
        &self,
        caller: &Caller,
        action: AuditAction,
        target: &str,
    ) -> kyushoku_store::audit::NewAuditEvent {
        let mut e = caller.event(action);
        match self {
            Holder::Organisation(o) => {
                e.organisation_id = Some(o.id);
                e.prefecture = Some(o.prefecture.clone());
            }
            Holder::Bureau(p) => e.prefecture = Some(p.clone()),
            Holder::HelloWork => {}
        }
        e.target = Some(target.to_owned());
        e
    }
}

/// A subscription as its owner reads it (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    #[schema(example = "wh_01938a7b2c3d7e4f8a9b0c1d2e3f4a5b")]
    pub webhook_id: String,
    #[schema(example = "https://matching.example.jp/kyushoku/events")]
    pub url: String,
    pub events: Vec<WebhookEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub enabled: bool,
    /// Why it is off, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<DisabledReason>,
    /// While a rotation overlaps: until when the previous secret signs too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Since when every attempt has failed, if they have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Webhook {
    fn of(w: WebhookRow, at: NaiveDateTime) -> Self {
        Webhook {
            webhook_id: w.public_id,
            url: w.url,
            events: w.events,
            description: w.description,
            enabled: w.enabled,
            disabled_reason: w.disabled_reason,
            previous_secret_until: w.previous_until.filter(|u| *u > at).map(|u| u.and_utc()),
            failing_since: w.failing_since.map(|t| t.and_utc()),
            created_at: w.created_at.and_utc(),
            updated_at: w.updated_at.and_utc(),
        }
    }
}

/// A new subscription, with its secret: shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`), shown once.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// A rotated secret: the new one, shown once; the old one signs beside it
/// until `previous_secret_until`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RotatedSecret {
    pub webhook_id: String,
    pub secret: String,
    pub previous_secret_until: DateTime<Utc>,
}

/// A delivery sent on request (again, or a test).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Queued {
    /// The delivery's id, which is also its `webhook-id` header.
    #[schema(example = "msg_01938a7b2c3d7e4f8a9b0c1d2e3f4a5b")]
    pub delivery_id: String,
    pub state: DeliveryState,
}

/// One attempt at a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempted_at: DateTime<Utc>,
    /// The HTTP status the endpoint answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Why there was no answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<AttemptError>,
    pub duration_ms: i32,
    /// When the next attempt is due, if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_retry_at: Option<DateTime<Utc>>,
}

/// A delivery: one event for this endpoint, and its attempts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub delivery_id: String,
    pub event_type: WebhookEvent,
    pub created_at: DateTime<Utc>,
    pub state: DeliveryState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub attempts: Vec<AttemptView>,
}

/// A subscription as asked for; the URL is checked by the caller (its
/// host's addresses need the network: `kyushoku_api::webhooks`).
#[derive(Debug, Clone)]
pub struct Subscription {
    pub url: url::Url,
    pub events: Vec<String>,
    pub description: Option<String>,
}

/// A change as asked for.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub url: Option<url::Url>,
    pub events: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// The events `owner` asked for, each one it may hear, none twice, at
/// least one.
pub fn check_events(
    owner: WebhookOwnerKind,
    asked: &[String],
) -> Result<Vec<WebhookEvent>, Vec<Invalid>> {
    let mut errors = Vec::new();
    let mut events = Vec::new();
    for (i, word) in asked.iter().enumerate() {
        match WebhookEvent::parse(word) {
            Some(e) if e.heard_by(owner) => {
                if !events.contains(&e) {
                    events.push(e);
                }
            }
            _ => errors.push(Invalid::new(
                format!("events[{i}]"),
                format!(
                    "one of: {}",
                    WebhookEvent::for_owner(owner)
                        .iter()
                        .map(|e| e.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
    if asked.is_empty() {
        errors.push(Invalid::new("events", "at least one event"));
    }
    if errors.is_empty() {
        Ok(events)
    } else {
        Err(errors)
    }
}

fn check_description(d: Option<String>) -> Result<Option<String>, Invalid> {
    let Some(d) = d else { return Ok(None) };
    let d = d.trim().to_owned();
    if d.chars().count() > MAX_DESCRIPTION_CHARS || d.chars().any(char::is_control) {
        return Err(Invalid::new(
            "description",
            "at most 200 characters, no control characters",
        ));
    }
    Ok((!d.is_empty()).then_some(d))
}

fn context(public_id: &str) -> Vec<u8> {
    format!("webhook-secret:{public_id}").into_bytes()
}

fn seal(sealer: &Sealer, public_id: &str, s: &WebhookSecret) -> String {
    sealer.seal_bytes(&context(public_id), s.as_bytes())
}

fn open(sealer: &Sealer, public_id: &str, sealed: &str) -> Option<WebhookSecret> {
    WebhookSecret::from_bytes(sealer.open_bytes(&context(public_id), sealed)?)
}

fn keep(
    c: &mut DbConn,
    pledge: Option<&Pledge>,
    status: u16,
    answer: &impl Serialize,
) -> Result<(), StoreError> {
    match pledge {
        Some(p) => p.keep(c, status, &serde_json::to_value(answer).unwrap_or_default()),
        None => Ok(()),
    }
}

/// Registers a webhook for `holder`. At most [`MAX_PER_OWNER`].
pub fn register(
    c: &mut DbConn,
    caller: &Caller,
    sealer: &Sealer,
    holder: &Holder,
    cmd: Subscription,
    pledge: Option<&Pledge>,
) -> Result<CreatedWebhook, Refusal> {
    let owner = holder.owner();
    let mut errors = Vec::new();
    let events = check_events(owner.kind(), &cmd.events).unwrap_or_else(|e| {
        errors.extend(e);
        Vec::new()
    });
    let description = check_description(cmd.description).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors));
    }
    let public_id = format!("wh_{}", uuid::Uuid::now_v7().simple());
    let secret = WebhookSecret::generate();
    let at = now();
    let new = NewWebhook {
        public_id: public_id.clone(),
        owner: owner.clone(),
        url: cmd.url.to_string(),
        events,
        description,
        secret: seal(sealer, &public_id, &secret),
        at,
    };
    let mut event = holder.event(caller, AuditAction::WebhookCreated, &public_id);
    event.detail = Some(serde_json::json!({ "events": new.events }).to_string());
    c.write_transaction(|c| {
        if store::list(c, &owner)?.len() >= MAX_PER_OWNER {
            return Err(Refusal::Conflict(format!(
                "at most {MAX_PER_OWNER} webhooks: delete one first"
            )));
        }
        let row = store::insert(c, &new)?;
        audit::record(c, &event)?;
        let answer = CreatedWebhook {
            webhook: Webhook::of(row, at),
            secret: secret.encode(),
        };
        keep(c, pledge, 201, &answer)?;
        Ok(answer)
    })
}

/// `holder`'s webhooks, oldest first.
pub fn list(c: &mut DbConn, holder: &Holder) -> Result<Vec<Webhook>, Refusal> {
    let at = now();
    Ok(store::list(c, &holder.owner())?
        .into_iter()
        .map(|w| Webhook::of(w, at))
        .collect())
}

fn find(c: &mut DbConn, holder: &Holder, webhook_id: &str) -> Result<WebhookRow, Refusal> {
    if webhook_id.len() > 64
        || !webhook_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(Refusal::NotFound);
    }
    store::find(c, &holder.owner(), webhook_id)?.ok_or(Refusal::NotFound)
}

/// One of `holder`'s webhooks.
pub fn get(c: &mut DbConn, holder: &Holder, webhook_id: &str) -> Result<Webhook, Refusal> {
    Ok(Webhook::of(find(c, holder, webhook_id)?, now()))
}

/// Changes a webhook's URL, events, description, or turns it on or off.
/// Turned on again, its waiting deliveries go out.
pub fn change(
    c: &mut DbConn,
    caller: &Caller,
    holder: &Holder,
    webhook_id: &str,
    cmd: Change,
) -> Result<Webhook, Refusal> {
    let row = find(c, holder, webhook_id)?;
    let mut errors = Vec::new();
    let events = match &cmd.events {
        Some(asked) => match check_events(holder.owner().kind(), asked) {
            Ok(e) => Some(e),
            Err(e) => {
                errors.extend(e);
                None
            }
        },
        None => None,
    };
    let description = match cmd.description {
        Some(d) => match check_description(d) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors));
    }
    let change = WebhookChange {
        url: cmd.url.map(|u| u.to_string()),
        events,
        description,
        enabled: cmd.enabled.map(|on| (!on).then_some(DisabledReason::Owner)),
        secret: None,
    };
    let mut changed = Vec::new();
    if change.url.is_some() {
        changed.push("url");
    }
    if change.events.is_some() {
        changed.push("events");
    }
    if change.description.is_some() {
        changed.push("description");
    }
    if let Some(on) = cmd.enabled {
        changed.push(if on { "enabled" } else { "disabled" });
    }
    let mut event = holder.event(caller, AuditAction::WebhookChanged, &row.public_id);
    event.detail = Some(serde_json::json!({ "changed": changed }).to_string());
    let at = now();
    c.write_transaction(|c| {
        store::update(c, row.id, &change, at)?;
        audit::record(c, &event)?;
        Ok::<_, Refusal>(())
    })?;
    get(c, holder, webhook_id)
}

/// Deletes a webhook with its deliveries.
pub fn remove(
    c: &mut DbConn,
    caller: &Caller,
    holder: &Holder,
    webhook_id: &str,
) -> Result<(), Refusal> {
    let row = find(c, holder, webhook_id)?;
    let event = holder.event(caller, AuditAction::WebhookDeleted, &row.public_id);
    c.write_transaction(|c| {
        store::delete(c, row.id)?;
        audit::record(c, &event)?;
        Ok(())
    })
}

/// A new secret for a webhook; the one it replaces keeps signing beside it
/// for [`webhook::ROTATION_OVERLAP_SECS`] (a second rotation within that
/// time ends the oldest at once).
pub fn rotate(
    c: &mut DbConn,
    caller: &Caller,
    sealer: &Sealer,
    holder: &Holder,
    webhook_id: &str,
    pledge: Option<&Pledge>,
) -> Result<RotatedSecret, Refusal> {
    let row = find(c, holder, webhook_id)?;
    let secret = WebhookSecret::generate();
    let at = now();
    let until = at + chrono::Duration::seconds(webhook::ROTATION_OVERLAP_SECS);
    let change = WebhookChange {
        secret: Some((
            seal(sealer, &row.public_id, &secret),
            Some(row.secret.clone()),
            Some(until),
        )),
        ..WebhookChange::default()
    };
    let event = holder.event(caller, AuditAction::WebhookSecretRotated, &row.public_id);
    c.write_transaction(|c| {
        store::update(c, row.id, &change, at)?;
        audit::record(c, &event)?;
        let answer = RotatedSecret {
            webhook_id: row.public_id.clone(),
            secret: secret.encode(),
            previous_secret_until: until.and_utc(),
        };
        keep(c, pledge, 201, &answer)?;
        Ok(answer)
    })
}

/// A webhook's deliveries, newest first, `limit` of them before the
/// delivery `before`, with their attempts (and each one's row, for a
/// cursor).
pub fn deliveries(
    c: &mut DbConn,
    holder: &Holder,
    webhook_id: &str,
    before: Option<DeliveryId>,
    limit: i64,
) -> Result<Vec<(DeliveryId, DeliveryView)>, Refusal> {
    let row = find(c, holder, webhook_id)?;
    let rows = store::deliveries(c, row.id, before, limit)?;
    Ok(rows
        .into_iter()
        .map(|(d, attempts)| {
            (
                d.id,
                DeliveryView {
                    delivery_id: d.public_id,
                    event_type: d.event_type,
                    created_at: d.created_at.and_utc(),
                    state: d.state,
                    next_attempt_at: d.next_attempt_at.map(|t| t.and_utc()),
                    attempts: attempts
                        .into_iter()
                        .map(|a| AttemptView {
                            attempted_at: a.attempted_at.and_utc(),
                            status_code: a.status_code.and_then(|s| u16::try_from(s).ok()),
                            error: a.error,
                            duration_ms: a.duration_ms,
                            next_retry_at: a.next_retry_at.map(|t| t.and_utc()),
                        })
                        .collect(),
                },
            )
        })
        .collect())
}

/// One webhook with its newest `limit` deliveries (the staff's page of it).
pub fn detail(
    c: &mut DbConn,
    holder: &Holder,
    webhook_id: &str,
    limit: i64,
) -> Result<(Webhook, Vec<DeliveryView>), Refusal> {
    let hook = get(c, holder, webhook_id)?;
    let shown = deliveries(c, holder, webhook_id, None, limit)?;
    Ok((hook, shown.into_iter().map(|(_, d)| d).collect()))
}

/// Sends one of a webhook's deliveries again, at once, with a fresh round
/// of attempts and the same `webhook-id`.
pub fn redeliver(
    c: &mut DbConn,
    caller: &Caller,
    holder: &Holder,
    webhook_id: &str,
    delivery_id: &str,
    pledge: Option<&Pledge>,
) -> Result<Queued, Refusal> {
    let row = find(c, holder, webhook_id)?;
    if delivery_id.len() > 64 {
        return Err(Refusal::NotFound);
    }
    let d = store::find_delivery(c, row.id, delivery_id)?.ok_or(Refusal::NotFound)?;
    let mut event = holder.event(caller, AuditAction::WebhookRedelivered, &row.public_id);
    event.detail = Some(serde_json::json!({ "delivery_id": d.public_id }).to_string());
    c.write_transaction(|c| {
        store::redeliver(c, d.id, now())?;
        audit::record(c, &event)?;
        let answer = Queued {
            delivery_id: d.public_id.clone(),
            state: DeliveryState::Pending,
        };
        keep(c, pledge, 202, &answer)?;
        Ok(answer)
    })
}

/// Sends a `webhook.test` event to one webhook (on or off: a test is how
/// an owner checks an endpoint before turning it on again; it goes out
/// once the endpoint is on).
pub fn send_test(
    c: &mut DbConn,
    caller: &Caller,
    holder: &Holder,
    webhook_id: &str,
    pledge: Option<&Pledge>,
) -> Result<Queued, Refusal> {
    let row = find(c, holder, webhook_id)?;
    let at = now();
    let delivery = delivery(
        row.id,
        WebhookEvent::Test,
        serde_json::json!({ "webhook_id": row.public_id }),
        at,
    );
    let mut event = holder.event(caller, AuditAction::WebhookRedelivered, &row.public_id);
    event.detail =
        Some(serde_json::json!({ "delivery_id": delivery.public_id, "test": true }).to_string());
    c.write_transaction(|c| {
        store::enqueue(c, std::slice::from_ref(&delivery))?;
        audit::record(c, &event)?;
        let answer = Queued {
            delivery_id: delivery.public_id.clone(),
            state: DeliveryState::Pending,
        };
        keep(c, pledge, 202, &answer)?;
        Ok(answer)
    })
}

/// The body of an event as signed: `{"type", "timestamp", "data"}`.
pub fn payload(event: WebhookEvent, at: NaiveDateTime, data: &serde_json::Value) -> String {
    serde_json::json!({
        "type": event.as_str(),
        "timestamp": at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

fn delivery(
    webhook: kyushoku_store::WebhookId,
    event: WebhookEvent,
    data: serde_json::Value,
    at: NaiveDateTime,
) -> NewDelivery {
    NewDelivery {
        public_id: format!("msg_{}", uuid::Uuid::now_v7().simple()),
        webhook_id: webhook,
        event,
        payload: payload(event, at, &data),
        at,
    }
}

/// Writes `event` for every enabled endpoint of `owner` subscribed to it,
/// in the caller's transaction.
fn emit(
    c: &mut DbConn,
    owner: &Owner,
    event: WebhookEvent,
    data: serde_json::Value,
) -> Result<usize, StoreError> {
    let hooks = store::subscribers(c, owner, event)?;
    if hooks.is_empty() {
        return Ok(0);
    }
    let at = now();
    let rows: Vec<NewDelivery> = hooks
        .into_iter()
        .map(|h| delivery(h, event, data.clone(), at))
        .collect();
    store::enqueue(c, &rows)?;
    Ok(rows.len())
}

/// `message.received`: a seeker wrote in one of the organisation's
/// threads. The ids only; the organisation reads the message through the
/// API, which checks the thread is still its to read.
pub fn message_received(
    c: &mut DbConn,
    organisation: OrganisationId,
    thread_id: &str,
    message_id: &str,
) -> Result<(), StoreError> {
    emit(
        c,
        &Owner::Organisation(organisation),
        WebhookEvent::MessageReceived,
        serde_json::json!({ "thread_id": thread_id, "message_id": message_id }),
    )
    .map(drop)
}

/// `organisation.status_changed`: the bureau decided on the organisation.
pub fn status_changed(
    c: &mut DbConn,
    organisation: &OrganisationRow,
    from: OrganisationStatus,
    to: OrganisationStatus,
) -> Result<(), StoreError> {
    emit(
        c,
        &Owner::Organisation(organisation.id),
        WebhookEvent::OrganisationStatusChanged,
        serde_json::json!({
            "organisation_id": organisation.public_id,
            "status": to, "previous_status": from,
        }),
    )
    .map(drop)
}

/// `hire.reported`, to Hello Work: an organisation reported a hire.
pub fn hire_reported(
    c: &mut DbConn,
    hire_id: &str,
    organisation_public_id: &str,
) -> Result<(), StoreError> {
    emit(
        c,
        &Owner::HelloWork,
        WebhookEvent::HireReported,
        serde_json::json!({ "hire_id": hire_id, "organisation_id": organisation_public_id }),
    )
    .map(drop)
}

/// `message.reported`, to Hello Work: a seeker reported a thread.
pub fn message_reported(
    c: &mut DbConn,
    report_id: &str,
    organisation_public_id: &str,
) -> Result<(), StoreError> {
    emit(
        c,
        &Owner::HelloWork,
        WebhookEvent::MessageReported,
        serde_json::json!({ "report_id": report_id, "organisation_id": organisation_public_id }),
    )
    .map(drop)
}

/// `organisation.applied`, to the bureau of the organisation's prefecture.
pub fn organisation_applied(
    c: &mut DbConn,
    organisation: &OrganisationRow,
) -> Result<(), StoreError> {
    emit(
        c,
        &Owner::Bureau(organisation.prefecture.clone()),
        WebhookEvent::OrganisationApplied,
        serde_json::json!({ "organisation_id": organisation.public_id }),
    )
    .map(drop)
}

/// `job_offers.changed`: announces the change feed's new entries since the
/// last announcement, to each subscribed organisation whose own feed has
/// some (`{"since", "until"}`: read `GET /v1/job-offers/changes?since=`).
/// The mark moves in the transaction that writes the announcements, so
/// two instances never announce one stretch twice, and one that dies
/// announces nothing it did not record. Returns how many were written.
pub fn announce_offer_changes(c: &mut DbConn, today: chrono::NaiveDate) -> Result<usize, Refusal> {
    Ok(c.write_transaction(|c| {
        let since = store::feed_mark(c)?;
        let until = offers::last_change(c)?;
        if until <= since {
            return Ok::<_, StoreError>(0);
        }
        let at = now();
        let data = serde_json::json!({ "since": since, "until": until });
        let mut rows = Vec::new();
        let mut seen: Option<(OrganisationId, bool)> = None;
        for (org, hook) in store::organisation_subscribers(c, WebhookEvent::JobOffersChanged)? {
            let tells = match seen {
                Some((o, t)) if o == org => t,
                _ => {
                    let t = organisations::find_by_id(c, org)?
                        .is_some_and(|o| o.status == OrganisationStatus::Approved && o.job_offers)
                        && offers::has_changes_for(
                            c,
                            kyushoku_store::seekers::Viewer {
                                organisation_id: org,
                                today,
                            },
                            since,
                            until,
                        )?;
                    seen = Some((org, t));
                    t
                }
            };
            if tells {
                rows.push(delivery(
                    hook,
                    WebhookEvent::JobOffersChanged,
                    data.clone(),
                    at,
                ));
            }
        }
        store::enqueue(c, &rows)?;
        store::set_feed_mark(c, until)?;
        Ok(rows.len())
    })?)
}

/// A delivery claimed for one attempt, with its secrets opened.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub due: DueDelivery,
    pub url: String,
    /// The secrets that sign it: the current one, and while a rotation
    /// overlaps, the previous one.
    pub secrets: Vec<WebhookSecret>,
}

/// Claims due deliveries until `lease`.
pub fn claim(
    c: &mut DbConn,
    sealer: &Sealer,
    at: NaiveDateTime,
    lease: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Outgoing>, Refusal> {
    Ok(store::claim_due(c, at, lease, limit)?
        .into_iter()
        .map(|due| {
            let w = &due.webhook;
            let mut secrets: Vec<WebhookSecret> =
                open(sealer, &w.public_id, &w.secret).into_iter().collect();
            if let (Some(prev), Some(until)) = (&w.previous_secret, w.previous_until) {
                if until > at {
                    secrets.extend(open(sealer, &w.public_id, prev));
                }
            }
            Outgoing {
                url: w.url.clone(),
                secrets,
                due,
            }
        })
        .collect())
}

/// What an attempt came to.
#[derive(Debug, Clone, Copy)]
pub struct Tried {
    pub at: NaiveDateTime,
    pub status: Option<u16>,
    pub error: Option<AttemptError>,
    pub duration_ms: i32,
    /// A draw from 0.0 to 1.0 for the retry's jitter.
    pub jitter: f64,
}

/// What [`settle`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub state: DeliveryState,
    /// The endpoint was turned off by this attempt, and why.
    pub disabled: Option<DisabledReason>,
    /// False when the claim had lapsed and another instance's attempt
    /// counts instead.
    pub recorded: bool,
}

/// Records an attempt and decides what follows (R: a 2xx delivers; 410
/// turns the endpoint off; anything else is retried on the schedule until
/// the attempts run out; an endpoint failing for five days is turned off),
/// telling the owner's people by mail when an endpoint is turned off.
pub fn settle(c: &mut DbConn, out: &Outgoing, tried: Tried) -> Result<Settled, Refusal> {
    let verdict = webhook::judge(tried.status);
    let made = u32::try_from(out.due.attempts).unwrap_or(0) + 1;
    let (state, next) = match verdict {
        Verdict::Delivered => (DeliveryState::Delivered, None),
        Verdict::Gone => (DeliveryState::Failed, None),
        Verdict::Failed => match webhook::retry_after(made, tried.jitter) {
            Some(secs) => (
                DeliveryState::Pending,
                Some(tried.at + chrono::Duration::seconds(secs)),
            ),
            None => (DeliveryState::Failed, None),
        },
    };
    let attempt = Attempt {
        at: tried.at,
        status: tried.status,
        error: tried.error,
        duration_ms: tried.duration_ms,
        next_retry: next,
        state,
    };
    let hook = &out.due.webhook;
    Ok(c.write_transaction(|c| {
        if !store::record_attempt(c, &out.due, &attempt)? {
            return Ok::<_, StoreError>(Settled {
                state,
                disabled: None,
                recorded: false,
            });
        }
        let disable = match verdict {
            Verdict::Delivered => {
                store::mark_healthy(c, hook.id)?;
                None
            }
            Verdict::Gone => Some(DisabledReason::Gone),
            Verdict::Failed => {
                let since = store::mark_failing(c, hook.id, tried.at)?;
                webhook::failing_too_long(since, tried.at).then_some(DisabledReason::Failing)
            }
        };
        let mut disabled = None;
        if let Some(reason) = disable {
            if store::disable(c, hook.id, reason, tried.at)? {
                disabled = Some(reason);
                tell_owner(c, hook, reason)?;
            }
        }
        Ok(Settled {
            state,
            disabled,
            recorded: true,
        })
    })?)
}

/// [`settle`] for attempts that ended together, in one transaction (one
/// commit for many: the deliverer records as results come in). Should the
/// database refuse the batch, each is settled on its own.
pub fn settle_all(c: &mut DbConn, tried: &[(Outgoing, Tried)]) -> Result<Vec<Settled>, Refusal> {
    let together = c.write_transaction(|c| {
        // The delivered ones together (the common case: three statements
        // for the lot); the others one by one, as their outcome decides.
        let attempts: Vec<Option<Attempt>> = tried
            .iter()
            .map(|(_, t)| {
                (webhook::judge(t.status) == Verdict::Delivered).then_some(Attempt {
                    at: t.at,
                    status: t.status,
                    error: t.error,
                    duration_ms: t.duration_ms,
                    next_retry: None,
                    state: DeliveryState::Delivered,
                })
            })
            .collect();
        let delivered: Vec<(&DueDelivery, &Attempt)> = tried
            .iter()
            .zip(&attempts)
            .filter_map(|((out, _), a)| Some((&out.due, a.as_ref()?)))
            .collect();
        let recorded = store::record_delivered(c, &delivered)?;
        tried
            .iter()
            .zip(&attempts)
            .map(|((out, t), a)| match a {
                Some(_) => Ok(Settled {
                    state: DeliveryState::Delivered,
                    disabled: None,
                    recorded: recorded.contains(&out.due.id),
                }),
                None => settle(c, out, *t),
            })
            .collect::<Result<Vec<_>, Refusal>>()
    });
    match together {
        Ok(settled) => Ok(settled),
        Err(_) => tried.iter().map(|(out, t)| settle(c, out, *t)).collect(),
    }
}

/// Mails the people of an endpoint's owner that it was turned off: an
/// organisation's administrators, a bureau's officers (Hello Work's system
/// has no people here: its operators read the log and the metrics).
fn tell_owner(c: &mut DbConn, hook: &WebhookRow, reason: DisabledReason) -> Result<(), StoreError> {
    let letter = Letter::WebhookDisabled {
        webhook_id: hook.public_id.clone(),
        host: url::Url::parse(&hook.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default(),
        gone: reason == DisabledReason::Gone,
    };
    let recipients: Vec<String> = match &hook.owner {
        Owner::Organisation(o) => identity::users_of(c, *o)?
            .into_iter()
            .filter(|u| u.role == kyushoku_domain::StaffRole::Admin)
            .map(|u| u.email)
            .collect(),
        Owner::Bureau(p) => identity::officers_of(c, p)?
            .into_iter()
            .map(|o| o.email)
            .collect(),
        Owner::HelloWork => Vec::new(),
    };
    for to in recipients {
        send_later(c, &to, &letter)?;
    }
    Ok(())
}

/// The due queue, for the metrics: how many deliveries are due, and the
/// seconds the oldest has waited.
pub fn due_queue(c: &mut DbConn) -> Result<(i64, f64), Refusal> {
    let at = now();
    let (n, oldest) = store::due_queue(c, at)?;
    Ok((
        n,
        oldest.map_or(0.0, |o| (at - o).num_milliseconds().max(0) as f64 / 1000.0),
    ))
}
