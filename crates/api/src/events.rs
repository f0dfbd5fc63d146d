//! Server-Sent Events for the seeker (`/v1/me/events`) and an
//! organisation's staff (`/v1/threads/events`): new messages, threads
//! closed and reopened. Events cross instances through `kyushoku_cluster`
//! (Redis pub/sub, in-process without Redis); a reconnecting client sends
//! `Last-Event-ID` and first gets what it missed from the retained log.
//!
//! Events carry ids and kinds, never message text.

use std::collections::VecDeque;
use std::time::Duration;

use actix_web::http::header::{self, ContentEncoding};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use kyushoku_cluster::events::{is_after, Event};
use kyushoku_cluster::Cluster;
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;

/// How often an idle stream sends a comment, so proxies keep it open.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// The topic of a seeker's stream.
pub fn seeker_topic(seeker_ref: &str) -> String {
    format!("s:{seeker_ref}")
}

/// The topic of an organisation's stream.
pub fn organisation_topic(organisation_public_id: &str) -> String {
    format!("o:{organisation_public_id}")
}

/// Publishes an event; a failure is logged, not returned: the change it
/// reports is already stored, and clients can always re-read.
pub async fn notify(state: &AppState, topic: &str, kind: &str, data: serde_json::Value) {
    if let Err(e) = state.cluster.publish(topic, kind, &data.to_string()).await {
        tracing::warn!(error = %e, kind, "event not published");
    }
}

/// After a change that may open or close a seeker's threads (a block, a
/// consent change): tells the seeker of every thread whose state moved. The
/// organisation is not told (R5): it learns that a thread closed or
/// reopened only by reading it, as it learns that a profile left its
/// search, and a closure reads the same whatever its cause (a block, a
/// consent that excludes it, the end of the registration).
pub async fn thread_states_changed(
    state: &AppState,
    seeker_ref: &str,
    before: &[(String, String, bool)],
    after: &[(String, String, bool)],
) {
    for (thread, _, open) in after {
        let was = before
            .iter()
            .find(|(t, _, _)| t == thread)
            .map(|(_, _, o)| *o);
        if was == Some(*open) {
            continue;
        }
        let kind = if *open {
            "thread_reopened"
        } else {
            "thread_closed"
        };
        let data = serde_json::json!({ "thread_id": thread });
        notify(state, &seeker_topic(seeker_ref), kind, data).await;
    }
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
