//! Server-Sent Events for the seeker (`/v1/me/events`) and an
//! organisation's staff (`/v1/threads/events`): new messages, threads
//! closed and reopened. The use cases write these events to the outbox in
//! their own transactions (`kyushoku_service::events`); the [`Relay`]
//! publishes them through `kyushoku_cluster` (Redis pub/sub across
//! instances, in-process without Redis) and deletes them. A reconnecting
//! client sends `Last-Event-ID` and first gets what it missed from the
//! retained log.
//!
//! Events carry ids and kinds, never message text.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::{self, ContentEncoding};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use kyushoku_cluster::events::{is_after, Event};
use kyushoku_cluster::Cluster;
use kyushoku_store::outbox;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::Notify;

use crate::AppState;

/// How often an idle stream sends a comment, so proxies keep it open.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// How often the relay looks at the outbox without being woken: events
/// another instance wrote and did not publish (it died after the commit).
const RELAY_PATROL: Duration = Duration::from_secs(1);

/// How long a relay holds the events it took before another may take them.
const RELAY_LEASE_SECS: i64 = 30;

/// The most events one round of the relay takes.
const RELAY_BATCH: i64 = 200;

/// Publishes the outbox's events, oldest first. One per process, started
/// by [`Relay::start`] (at `serve`) or by the first [`Relay::wake`]; woken
/// after every commit that wrote events, and every [`RELAY_PATROL`]
/// regardless.
#[derive(Clone, Default)]
pub struct Relay {
    inner: Arc<RelayInner>,
}

#[derive(Default)]
struct RelayInner {
    wake: Notify,
    started: AtomicBool,
}

impl Relay {
    /// Starts the relay on the current runtime, once.
    pub fn start(&self, state: &AppState) {
        if !self.inner.started.swap(true, Ordering::SeqCst) {
            let (relay, state) = (self.clone(), state.clone());
            tokio::spawn(async move { relay.run(&state).await });
        }
    }

    /// After a commit that wrote events: publish them now.
    pub fn wake(&self, state: &AppState) {
        self.start(state);
        self.inner.wake.notify_one();
        // A seeker's message may also be a webhook's event.
        state.webhooks.wake();
    }

    async fn run(&self, state: &AppState) {
        loop {
            match publish_due(state).await {
                Ok(n) if n as i64 == RELAY_BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "events not relayed; retrying"),
            }
            let _ = tokio::time::timeout(RELAY_PATROL, self.inner.wake.notified()).await;
        }
    }
}

/// One round: takes due events, publishes them in order, deletes those
/// published. An event whose publishing failed stays (with the ones after
/// it) for a later round, once its lease ends.
async fn publish_due(state: &AppState) -> Result<usize, crate::ApiError> {
    let at = kyushoku_store::now();
    let lease = at + chrono::Duration::seconds(RELAY_LEASE_SECS);
    let taken = state
        .db_run(move |c| outbox::take(c, at, lease, RELAY_BATCH))
        .await?;
    let mut done = Vec::with_capacity(taken.len());
    for e in &taken {
        match state.cluster.publish(&e.topic, &e.kind, &e.data).await {
            Ok(_) => done.push(e.id),
            Err(err) => {
                tracing::warn!(error = %err, kind = %e.kind, "event not published; it waits");
                break;
            }
        }
    }
    if !done.is_empty() {
        state.db_run(move |c| outbox::published(c, &done)).await?;
    }
    Ok(taken.len())
}

fn frame(e: &Event) -> Bytes {
    Bytes::from(format!(
        "id: {}\nevent: {}\ndata: {}\n\n",
        e.id, e.kind, e.data
    ))
}

struct Feed {
    topic: String,
    cluster: Cluster,
    rx: tokio::sync::broadcast::Receiver<Event>,
    pending: VecDeque<Event>,
    last: Option<String>,
    heartbeat: tokio::time::Interval,
    greeted: bool,
}

/// The `Last-Event-ID` a reconnecting client sends, if well-formed.
fn last_event_id(req: &HttpRequest) -> Option<String> {
    let v = req.headers().get("last-event-id")?.to_str().ok()?;
    kyushoku_cluster::events::parse_id(v).map(|_| v.to_owned())
}

/// An SSE response for `topic`, resuming after `Last-Event-ID` when given.
pub async fn stream(req: &HttpRequest, state: &AppState, topic: String) -> HttpResponse {
    // Subscribe before replaying, so nothing falls between the two; the
    // replayed and the live copies of an event are told apart by id.
    let rx = state.cluster.subscribe();
    let last = last_event_id(req);
    let mut pending = VecDeque::new();
    if let Some(after) = &last {
        match state.cluster.replay(&topic, after).await {
            Ok(events) => pending.extend(events),
            Err(e) => tracing::warn!(error = %e, "event replay failed"),
        }
    }
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    heartbeat.reset();
    let feed = Feed {
        topic,
        cluster: state.cluster.clone(),
        rx,
        pending,
        last,
        heartbeat,
        greeted: false,
    };
    let body = futures_util::stream::unfold(feed, |mut f| async move {
        if !f.greeted {
            f.greeted = true;
            return Some((
                Ok::<_, actix_web::Error>(Bytes::from_static(b"retry: 3000\n\n")),
                f,
            ));
        }
        loop {
            if let Some(e) = f.pending.pop_front() {
                if f.last.as_deref().is_none_or(|l| is_after(&e.id, l)) {
                    f.last = Some(e.id.clone());
                    return Some((Ok(frame(&e)), f));
                }
                continue;
            }
            tokio::select! {
                received = f.rx.recv() => match received {
                    Ok(e) if e.topic == f.topic => f.pending.push_back(e),
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {
                        // Too slow to follow the live feed: catch up from the log.
                        if let Some(after) = f.last.clone() {
                            if let Ok(missed) = f.cluster.replay(&f.topic, &after).await {
                                f.pending.extend(missed);
                            }
                        }
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = f.heartbeat.tick() => return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), f)),
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(ContentEncoding::Identity)
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}
