//! Webhook subscriptions, their deliveries and every attempt (migration
//! `000018_webhooks`). A delivery is written in the transaction of the
//! action it tells of; an instance claims due deliveries for one attempt
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite has one writer) and
//! holds them for a lease: a process that dies mid-attempt leaves them to
//! be claimed again when the lease ends, so a delivery may be attempted
//! twice but never lost, and never by two instances at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use kyushoku_domain::webhook::{
    AttemptError, DeliveryState, DisabledReason, WebhookEvent, WebhookOwnerKind,
};
use kyushoku_domain::PrefectureCode;

use crate::ids::{DeliveryId, OrganisationId, WebhookId};
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_marks, webhooks};
use crate::stored_time::StoredTimestamp;
use crate::stored_word::MaybeWord;
use crate::{DbConn, StoreError};

type MultiBackend = <DbConn as diesel::Connection>::Backend;

/// Whose webhooks: one organisation's, Hello Work's, or one prefecture's
/// bureau's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Organisation(OrganisationId),
    HelloWork,
    Bureau(PrefectureCode),
}

impl Owner {
    pub fn kind(&self) -> WebhookOwnerKind {
        match self {
            Owner::Organisation(_) => WebhookOwnerKind::Organisation,
            Owner::HelloWork => WebhookOwnerKind::HelloWork,
            Owner::Bureau(_) => WebhookOwnerKind::Bureau,
        }
    }
}

/// Events as stored: their words, space-separated.
pub fn events_word(events: &[WebhookEvent]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn events_of(word: &str) -> Vec<WebhookEvent> {
    word.split(' ').filter_map(WebhookEvent::parse).collect()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
struct StoredWebhook {
    id: WebhookId,
    public_id: String,
    #[diesel(deserialize_as = String)]
    owner: WebhookOwnerKind,
    organisation_id: Option<OrganisationId>,
    #[diesel(deserialize_as = MaybeWord<PrefectureCode>)]
    prefecture: Option<PrefectureCode>,
    url: String,
    events: String,
    description: Option<String>,
    enabled: bool,
    #[diesel(deserialize_as = MaybeWord<DisabledReason>)]
    disabled_reason: Option<DisabledReason>,
    secret: String,
    previous_secret: Option<String>,
    previous_until: Option<NaiveDateTime>,
    failing_since: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A subscription as stored. Its secrets are sealed (the service opens
/// them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRow {
    pub id: WebhookId,
    pub public_id: String,
    pub owner: Owner,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<DisabledReason>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<NaiveDateTime>,
    pub failing_since: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TryFrom<StoredWebhook> for WebhookRow {
    type Error = StoreError;

    fn try_from(w: StoredWebhook) -> Result<Self, StoreError> {
        let owner = match (w.owner, w.organisation_id, w.prefecture) {
            (WebhookOwnerKind::Organisation, Some(o), _) => Owner::Organisation(o),
            (WebhookOwnerKind::HelloWork, _, _) => Owner::HelloWork,
            (WebhookOwnerKind::Bureau, _, Some(p)) => Owner::Bureau(p),
            _ => {
                return Err(StoreError::ReferenceData(
                    "a webhook without its owner".into(),
                ))
            }
        };
        Ok(WebhookRow {
            id: w.id,
            public_id: w.public_id,
            owner,
            url: w.url,
            events: events_of(&w.events),
            description: w.description,
            enabled: w.enabled,
            disabled_reason: w.disabled_reason,
            secret: w.secret,
            previous_secret: w.previous_secret,
            previous_until: w.previous_until,
            failing_since: w.failing_since,
            created_at: w.created_at,
            updated_at: w.updated_at,
        })
    }
}

/// A new subscription (its secret already sealed).
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub public_id: String,
    pub owner: Owner,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub description: Option<String>,
    pub secret: String,
    pub at: NaiveDateTime,
}

pub fn insert(c: &mut DbConn, w: &NewWebhook) -> Result<WebhookRow, StoreError> {
    let (organisation_id, prefecture) = match &w.owner {
        Owner::Organisation(o) => (Some(*o), None),
        Owner::HelloWork => (None, None),
        Owner::Bureau(p) => (None, Some(p.as_str().to_owned())),
    };
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::public_id.eq(&w.public_id),
            webhooks::owner.eq(w.owner.kind().as_str()),
            webhooks::organisation_id.eq(organisation_id),
            webhooks::prefecture.eq(prefecture),
            webhooks::url.eq(&w.url),
            webhooks::events.eq(events_word(&w.events)),
            webhooks::description.eq(&w.description),
            webhooks::enabled.eq(true),
            webhooks::secret.eq(&w.secret),
            webhooks::created_at.eq(w.at),
            webhooks::updated_at.eq(w.at),
        ))
        .execute(c)?;
    find(c, &w.owner, &w.public_id)?
        .ok_or_else(|| StoreError::ReferenceData("a webhook just written is missing".into()))
}

fn owned_by(
    owner: &Owner,
) -> Box<
    dyn BoxableExpression<webhooks::table, MultiBackend, SqlType = diesel::sql_types::Bool>
        + 'static,
> {
    let kind = webhooks::owner.eq(owner.kind().as_str());
    match owner {
        Owner::Organisation(o) => {
            Box::new(kind.and(webhooks::organisation_id.eq(*o).assume_not_null()))
        }
        Owner::HelloWork => Box::new(kind),
        Owner::Bureau(p) => Box::new(
            kind.and(
                webhooks::prefecture
                    .eq(p.as_str().to_owned())
                    .assume_not_null(),
            ),
        ),
    }
}

/// `owner`'s subscriptions, oldest first.
pub fn list(c: &mut DbConn, owner: &Owner) -> Result<Vec<WebhookRow>, StoreError> {
    webhooks::table
        .filter(owned_by(owner))
        .order(webhooks::id)
        .select(StoredWebhook::as_select())
        .load(c)?
        .into_iter()
        .map(WebhookRow::try_from)
        .collect()
}

/// One of `owner`'s subscriptions.
pub fn find(
    c: &mut DbConn,
    owner: &Owner,
    public_id: &str,
) -> Result<Option<WebhookRow>, StoreError> {
    webhooks::table
        .filter(owned_by(owner))
        .filter(webhooks::public_id.eq(public_id))
        .select(StoredWebhook::as_select())
        .get_result(c)
        .optional()?
        .map(WebhookRow::try_from)
        .transpose()
}

/// A subscription by its row id (the deliverer's view).
pub fn by_id(c: &mut DbConn, id: WebhookId) -> Result<Option<WebhookRow>, StoreError> {
    webhooks::table
        .find(id)
        .select(StoredWebhook::as_select())
        .get_result(c)
        .optional()?
        .map(WebhookRow::try_from)
        .transpose()
}

/// What a change of a subscription sets.
#[derive(Debug, Clone, Default)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub events: Option<Vec<WebhookEvent>>,
    pub description: Option<Option<String>>,
    /// Turned on (`Some(None)`) or off (with the reason).
    pub enabled: Option<Option<DisabledReason>>,
    /// A new secret, with the old one signing until the given time.
    pub secret: Option<(String, Option<String>, Option<NaiveDateTime>)>,
}

pub fn update(
    c: &mut DbConn,
    id: WebhookId,
    change: &WebhookChange,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let target = webhooks::table.find(id);
    if let Some(url) = &change.url {
        diesel::update(target)
            .set(webhooks::url.eq(url))
            .execute(c)?;
    }
    if let Some(events) = &change.events {
        diesel::update(target)
            .set(webhooks::events.eq(events_word(events)))
            .execute(c)?;
    }
    if let Some(description) = &change.description {
        diesel::update(target)
            .set(webhooks::description.eq(description))
            .execute(c)?;
    }
    if let Some(off) = &change.enabled {
        diesel::update(target)
            .set((
                webhooks::enabled.eq(off.is_none()),
                webhooks::disabled_reason.eq(off.map(|r| r.as_str())),
                webhooks::failing_since.eq(None::<NaiveDateTime>),
            ))
            .execute(c)?;
    }
    if let Some((secret, previous, until)) = &change.secret {
        diesel::update(target)
            .set((
                webhooks::secret.eq(secret),
                webhooks::previous_secret.eq(previous),
                webhooks::previous_until.eq(until),
            ))
            .execute(c)?;
    }
    diesel::update(target)
        .set(webhooks::updated_at.eq(at))
        .execute(c)?;
    Ok(())
}

pub fn delete(c: &mut DbConn, id: WebhookId) -> Result<(), StoreError> {
    diesel::delete(
        webhook_attempts::table.filter(
            webhook_attempts::delivery_id.eq_any(
                webhook_deliveries::table
                    .filter(webhook_deliveries::webhook_id.eq(id))
                    .select(webhook_deliveries::id),
            ),
        ),
    )
    .execute(c)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)))
        .execute(c)?;
    diesel::delete(webhooks::table.find(id)).execute(c)?;
    Ok(())
}

/// The enabled subscriptions of `owner` to `event`.
pub fn subscribers(
    c: &mut DbConn,
    owner: &Owner,
    event: WebhookEvent,
) -> Result<Vec<WebhookId>, StoreError> {
    let ids: Vec<(WebhookId, String)> = webhooks::table
        .filter(owned_by(owner))
        .filter(webhooks::enabled.eq(true))
        .filter(webhooks::events.like(format!("%{}%", event.as_str())))
        .select((webhooks::id, webhooks::events))
        .load(c)?;
    Ok(ids
        .into_iter()
        .filter(|(_, events)| events_of(events).contains(&event))
        .map(|(id, _)| id)
        .collect())
}

/// Every organisation with an enabled subscription to `event`, with its
/// subscriptions.
pub fn organisation_subscribers(
    c: &mut DbConn,
    event: WebhookEvent,
) -> Result<Vec<(OrganisationId, WebhookId)>, StoreError> {
    let rows: Vec<(Option<OrganisationId>, WebhookId, String)> = webhooks::table
        .filter(webhooks::owner.eq(WebhookOwnerKind::Organisation.as_str()))
        .filter(webhooks::enabled.eq(true))
        .filter(webhooks::events.like(format!("%{}%", event.as_str())))
        .order(webhooks::organisation_id)
        .select((webhooks::organisation_id, webhooks::id, webhooks::events))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, events)| events_of(events).contains(&event))
        .filter_map(|(o, id, _)| Some((o?, id)))
        .collect())
}

/// A delivery to write: one event for one endpoint.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub public_id: String,
    pub webhook_id: WebhookId,
    pub event: WebhookEvent,
    pub payload: String,
    pub at: NaiveDateTime,
}

/// Writes deliveries, due at once, in the caller's transaction.
pub fn enqueue(c: &mut DbConn, deliveries: &[NewDelivery]) -> Result<(), StoreError> {
    for chunk in deliveries.chunks(200) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|d| {
                (
                    webhook_deliveries::public_id.eq(&d.public_id),
                    webhook_deliveries::webhook_id.eq(d.webhook_id),
                    webhook_deliveries::event_type.eq(d.event.as_str()),
                    webhook_deliveries::payload.eq(&d.payload),
                    webhook_deliveries::created_at.eq(d.at),
                    webhook_deliveries::state.eq(DeliveryState::Pending.as_str()),
                    webhook_deliveries::attempts.eq(0),
                    webhook_deliveries::next_attempt_at.eq(Some(d.at)),
                    webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
                )
            })
            .collect();
        crate::per_backend!(c, c => diesel::insert_into(webhook_deliveries::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// A delivery claimed for one attempt, with what the attempt needs.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: DeliveryId,
    pub public_id: String,
    pub event: WebhookEvent,
    pub payload: String,
    pub attempts: i32,
    /// When the event was written (its latency is measured from here).
    pub created_at: NaiveDateTime,
    /// The lease this claim holds: the attempt's outcome is recorded only
    /// while it is still the claim.
    pub lease: NaiveDateTime,
    pub webhook: WebhookRow,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
struct ClaimedRow {
    id: DeliveryId,
    public_id: String,
    webhook_id: WebhookId,
    #[diesel(deserialize_as = String)]
    event_type: WebhookEvent,
    payload: String,
    attempts: i32,
    #[diesel(deserialize_as = StoredTimestamp)]
    created_at: NaiveDateTime,
}

/// Claims up to `limit` due deliveries of enabled endpoints, oldest due
/// first, until `lease`. Two instances never claim the same delivery while
/// its lease runs.
pub fn claim_due(
    c: &mut DbConn,
    at: NaiveDateTime,
    lease: NaiveDateTime,
    limit: i64,
) -> Result<Vec<DueDelivery>, StoreError> {
    c.write_transaction(|c| {
        let due = webhook_deliveries::table
            .filter(webhook_deliveries::state.eq(DeliveryState::Pending.as_str()))
            .filter(webhook_deliveries::next_attempt_at.le(at))
            .filter(
                webhook_deliveries::claimed_until
                    .is_null()
                    .or(webhook_deliveries::claimed_until.lt(at)),
            )
            .filter(
                webhook_deliveries::webhook_id.eq_any(
                    webhooks::table
                        .filter(webhooks::enabled.eq(true))
                        .select(webhooks::id),
                ),
            )
            .order(webhook_deliveries::next_attempt_at)
            .limit(limit);
        let rows: Vec<ClaimedRow> = match c {
            DbConn::Postgresql(pg) => due
                .select(ClaimedRow::as_select())
                .for_update()
                .skip_locked()
                .load(pg)?,
            DbConn::Sqlite(lite) => due.select(ClaimedRow::as_select()).load(lite)?,
        };
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<DeliveryId> = rows.iter().map(|r| r.id).collect();
        diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
            .set(webhook_deliveries::claimed_until.eq(Some(lease)))
            .execute(c)?;
        let mut hooks: Vec<WebhookId> = rows.iter().map(|r| r.webhook_id).collect();
        hooks.sort();
        hooks.dedup();
        let hooks: Vec<WebhookRow> = webhooks::table
            .filter(webhooks::id.eq_any(&hooks))
            .select(StoredWebhook::as_select())
            .load(c)?
            .into_iter()
            .map(WebhookRow::try_from)
            .collect::<Result<_, _>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let webhook = hooks.iter().find(|w| w.id == r.webhook_id)?.clone();
                Some(DueDelivery {
                    id: r.id,
                    public_id: r.public_id,
                    event: r.event_type,
                    payload: r.payload,
                    attempts: r.attempts,
                    created_at: r.created_at,
                    lease,
                    webhook,
                })
            })
            .collect())
    })
}

/// One attempt's outcome, to record.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: NaiveDateTime,
    pub status: Option<u16>,
    pub error: Option<AttemptError>,
    pub duration_ms: i32,
    /// When the next attempt is due; `None` with `state` saying why.
    pub next_retry: Option<NaiveDateTime>,
    pub state: DeliveryState,
}

/// Records `attempt` of `delivery` if the claim is still this one (a lease
/// that ran out may have been taken by another instance, whose outcome
/// then counts). Returns whether it was recorded.
pub fn record_attempt(
    c: &mut DbConn,
    delivery: &DueDelivery,
    attempt: &Attempt,
) -> Result<bool, StoreError> {
    c.write_transaction(|c| {
        let moved = diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(delivery.id))
                .filter(webhook_deliveries::claimed_until.eq(Some(delivery.lease)))
                .filter(webhook_deliveries::attempts.eq(delivery.attempts)),
        )
        .set((
            webhook_deliveries::attempts.eq(delivery.attempts + 1),
            webhook_deliveries::state.eq(attempt.state.as_str()),
            webhook_deliveries::next_attempt_at.eq(attempt.next_retry),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)?;
        if moved == 0 {
            return Ok(false);
        }
        diesel::insert_into(webhook_attempts::table)
            .values((
                webhook_attempts::delivery_id.eq(delivery.id),
                webhook_attempts::attempted_at.eq(attempt.at),
                webhook_attempts::status_code.eq(attempt.status.map(i32::from)),
                webhook_attempts::error.eq(attempt.error.map(|e| e.as_str())),
                webhook_attempts::duration_ms.eq(attempt.duration_ms),
                webhook_attempts::next_retry_at.eq(attempt.next_retry),
            ))
            .execute(c)?;
        Ok(true)
    })
}

/// Records attempts that delivered (2xx), many at once: each delivery
/// still held by its claim becomes `delivered` with its attempt written,
/// and the endpoints are healthy again; three statements for the lot.
/// Returns the deliveries recorded (one whose claim lapsed is not: another
/// instance's attempt counts instead).
pub fn record_delivered(
    c: &mut DbConn,
    delivered: &[(&DueDelivery, &Attempt)],
) -> Result<Vec<DeliveryId>, StoreError> {
    let mut recorded = Vec::new();
    for chunk in delivered.chunks(500) {
        // One claim holds one lease; a chunk may mix claims of two rounds.
        let mut leases: Vec<NaiveDateTime> = chunk.iter().map(|(d, _)| d.lease).collect();
        leases.sort();
        leases.dedup();
        for lease in leases {
            let ids: Vec<DeliveryId> = chunk
                .iter()
                .filter(|(d, _)| d.lease == lease)
                .map(|(d, _)| d.id)
                .collect();
            let target = webhook_deliveries::table
                .filter(webhook_deliveries::id.eq_any(&ids))
                .filter(webhook_deliveries::claimed_until.eq(Some(lease)));
            let moved: Vec<DeliveryId> = crate::per_backend!(c, c => diesel::update(target)
                .set((
                    webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                    webhook_deliveries::state.eq(DeliveryState::Delivered.as_str()),
                    webhook_deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
                    webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
                ))
                .returning(webhook_deliveries::id)
                .get_results(c))?;
            recorded.extend(moved);
        }
    }
    if recorded.is_empty() {
        return Ok(recorded);
    }
    let rows: Vec<_> = delivered
        .iter()
        .filter(|(d, _)| recorded.contains(&d.id))
        .map(|(d, a)| {
            (
                webhook_attempts::delivery_id.eq(d.id),
                webhook_attempts::attempted_at.eq(a.at),
                webhook_attempts::status_code.eq(a.status.map(i32::from)),
                webhook_attempts::error.eq(a.error.map(|e| e.as_str())),
                webhook_attempts::duration_ms.eq(a.duration_ms),
                webhook_attempts::next_retry_at.eq(None::<NaiveDateTime>),
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        crate::per_backend!(c, c => diesel::insert_into(webhook_attempts::table)
            .values(chunk)
            .execute(c))?;
    }
    let mut hooks: Vec<WebhookId> = delivered
        .iter()
        .filter(|(d, _)| recorded.contains(&d.id))
        .map(|(d, _)| d.webhook.id)
        .collect();
    hooks.sort();
    hooks.dedup();
    for chunk in hooks.chunks(500) {
        diesel::update(
            webhooks::table
                .filter(webhooks::id.eq_any(chunk))
                .filter(webhooks::failing_since.is_not_null()),
        )
        .set(webhooks::failing_since.eq(None::<NaiveDateTime>))
        .execute(c)?;
    }
    Ok(recorded)
}

/// After a delivered attempt: the endpoint is healthy again.
pub fn mark_healthy(c: &mut DbConn, id: WebhookId) -> Result<(), StoreError> {
    diesel::update(
        webhooks::table
            .find(id)
            .filter(webhooks::failing_since.is_not_null()),
    )
    .set(webhooks::failing_since.eq(None::<NaiveDateTime>))
    .execute(c)?;
    Ok(())
}

/// After a failed attempt: the endpoint is failing since `at` unless it
/// already was. Returns since when it has been failing.
pub fn mark_failing(
    c: &mut DbConn,
    id: WebhookId,
    at: NaiveDateTime,
) -> Result<NaiveDateTime, StoreError> {
    diesel::update(
        webhooks::table
            .find(id)
            .filter(webhooks::failing_since.is_null()),
    )
    .set(webhooks::failing_since.eq(Some(at)))
    .execute(c)?;
    Ok(webhooks::table
        .find(id)
        .select(webhooks::failing_since)
        .get_result::<Option<NaiveDateTime>>(c)?
        .unwrap_or(at))
}

/// Turns an endpoint off for `reason`, if it is on; its waiting
/// deliveries stay (an owner who turns it on again gets them). Returns
/// whether it was on.
pub fn disable(
    c: &mut DbConn,
    id: WebhookId,
    reason: DisabledReason,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(webhooks::table.find(id).filter(webhooks::enabled.eq(true)))
        .set((
            webhooks::enabled.eq(false),
            webhooks::disabled_reason.eq(Some(reason.as_str())),
            webhooks::updated_at.eq(at),
        ))
        .execute(c)?;
    Ok(n == 1)
}

/// A delivery as its owner sees it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: DeliveryId,
    pub public_id: String,
    #[diesel(deserialize_as = String)]
    pub event_type: WebhookEvent,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = String)]
    pub state: DeliveryState,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
}

/// One attempt as its owner sees it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub delivery_id: DeliveryId,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    #[diesel(deserialize_as = MaybeWord<AttemptError>)]
    pub error: Option<AttemptError>,
    pub duration_ms: i32,
    pub next_retry_at: Option<NaiveDateTime>,
}

/// A webhook's deliveries, newest first, `limit` of them before `before`
/// (a delivery row id), each with its attempts in order.
pub fn deliveries(
    c: &mut DbConn,
    webhook: WebhookId,
    before: Option<DeliveryId>,
    limit: i64,
) -> Result<Vec<(DeliveryRow, Vec<AttemptRow>)>, StoreError> {
    let mut q = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(webhook_deliveries::id.lt(b));
    }
    let rows: Vec<DeliveryRow> = q.load(c)?;
    let ids: Vec<DeliveryId> = rows.iter().map(|r| r.id).collect();
    let attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order(webhook_attempts::id)
        .select(AttemptRow::as_select())
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let mine = attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .cloned()
                .collect();
            (d, mine)
        })
        .collect())
}

/// One of a webhook's deliveries by its public id.
pub fn find_delivery(
    c: &mut DbConn,
    webhook: WebhookId,
    public_id: &str,
) -> Result<Option<DeliveryRow>, StoreError> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook))
        .filter(webhook_deliveries::public_id.eq(public_id))
        .select(DeliveryRow::as_select())
        .get_result(c)
        .optional()?)
}

/// Sends a delivery again, at once, with a fresh round of attempts (the
/// same `webhook-id`: a receiver that has it already drops it).
pub fn redeliver(c: &mut DbConn, id: DeliveryId, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::state.eq(DeliveryState::Pending.as_str()),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(Some(at)),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)?;
    Ok(())
}

/// The queue for the metrics: deliveries due now, and since when the
/// oldest of them has waited.
pub fn due_queue(
    c: &mut DbConn,
    at: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>), StoreError> {
    let due = webhook_deliveries::table
        .filter(webhook_deliveries::state.eq(DeliveryState::Pending.as_str()))
        .filter(webhook_deliveries::next_attempt_at.le(at));
    let n = due.count().get_result(c)?;
    let oldest = due
        .select(diesel::dsl::min(webhook_deliveries::next_attempt_at))
        .get_result::<Option<NaiveDateTime>>(c)?;
    Ok((n, oldest))
}

/// How far the job-offer change feed has been announced, locked for this
/// transaction (another instance's announcer waits, then sees the moved
/// mark). The migration writes the row.
pub fn feed_mark(c: &mut DbConn) -> Result<i64, StoreError> {
    let q = webhook_marks::table
        .filter(webhook_marks::name.eq(FEED_MARK))
        .select(webhook_marks::seq);
    Ok(match c {
        DbConn::Postgresql(pg) => q.for_update().get_result(pg)?,
        DbConn::Sqlite(lite) => q.get_result(lite)?,
    })
}

const FEED_MARK: &str = "job_offers.changed";

pub fn set_feed_mark(c: &mut DbConn, seq: i64) -> Result<(), StoreError> {
    diesel::update(webhook_marks::table.filter(webhook_marks::name.eq(FEED_MARK)))
        .set(webhook_marks::seq.eq(seq))
        .execute(c)?;
    Ok(())
}
