//! Event fan-out for Server-Sent Events, across instances.
//!
//! [`Cluster::publish`] appends an event to its topic's retained log (a Redis
//! stream capped at [`RETAINED_PER_TOPIC`] entries and [`RETENTION`], or an
//! in-process ring) and announces it: through Redis pub/sub to every
//! instance's listener, or directly in-process. Each instance forwards what
//! it hears to a local broadcast channel that its SSE connections read.
//! A client that reconnects with `Last-Event-ID` gets what it missed from the
//! retained log ([`Cluster::replay`]), then the live feed.
//!
//! Event ids are Redis stream ids (`<ms>-<seq>`) in both modes, so they
//! compare the same way everywhere.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::broadcast;

use crate::{Cluster, ClusterError, PING_TIMEOUT};

/// Events kept per topic for resumption.
pub const RETAINED_PER_TOPIC: usize = 500;
/// How long a topic's events are kept after its last event.
pub const RETENTION: Duration = Duration::from_secs(24 * 3600);

/// One event of one topic (a seeker's or an organisation's stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub topic: String,
    /// `<ms>-<seq>`, increasing within a topic.
    pub id: String,
    /// The SSE event name (`message`, `thread_closed`, `thread_reopened`).
    pub kind: String,
    /// JSON.
    pub data: String,
}

/// Parses `<ms>-<seq>` for ordering.
pub fn parse_id(id: &str) -> Option<(u64, u64)> {
    let (ms, seq) = id.split_once('-')?;
    Some((ms.parse().ok()?, seq.parse().ok()?))
}

/// Whether `a` comes after `b`.
pub fn is_after(a: &str, b: &str) -> bool {
    match (parse_id(a), parse_id(b)) {
        (Some(x), Some(y)) => x > y,
        _ => false,
    }
}

/// The in-process log and feed.
#[derive(Debug)]
pub(crate) struct LocalEvents {
    topics: Mutex<HashMap<String, VecDeque<Event>>>,
    last: Mutex<(u64, u64)>,
    pub(crate) feed: broadcast::Sender<Event>,
}

impl Default for LocalEvents {
    fn default() -> Self {
        Self {
            topics: Mutex::default(),
            last: Mutex::new((0, 0)),
            feed: broadcast::channel(4096).0,
        }
    }
}

impl LocalEvents {
    fn next_id(&self) -> String {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let mut last = self.last.lock().expect("event ids");
        *last = if ms > last.0 {
            (ms, 0)
        } else {
            (last.0, last.1 + 1)
        };
        format!("{}-{}", last.0, last.1)
    }

    fn append(&self, topic: &str, kind: &str, data: &str) -> Event {
        let event = Event {
            topic: topic.to_owned(),
            id: self.next_id(),
            kind: kind.to_owned(),
            data: data.to_owned(),
        };
        let mut topics = self.topics.lock().expect("event log");
        let log = topics.entry(topic.to_owned()).or_default();
        log.push_back(event.clone());
        while log.len() > RETAINED_PER_TOPIC {
            log.pop_front();
        }
        event
    }

    fn replay(&self, topic: &str, after: &str) -> Vec<Event> {
        let topics = self.topics.lock().expect("event log");
        topics
            .get(topic)
            .map(|log| {
                log.iter()
                    .filter(|e| is_after(&e.id, after))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn encode(e: &Event) -> String {
    // topic, id and kind hold no newline; data is JSON on one line.
    format!("{}\n{}\n{}\n{}", e.topic, e.id, e.kind, e.data)
}

fn decode(s: &str) -> Option<Event> {
    let mut parts = s.splitn(4, '\n');
    Some(Event {
        topic: parts.next()?.to_owned(),
        id: parts.next()?.to_owned(),
        kind: parts.next()?.to_owned(),
        data: parts.next()?.to_owned(),
    })
}

impl Cluster {
    fn stream_key(&self, topic: &str) -> String {
        format!("{}ev:{topic}", self.prefix)
    }

    fn channel(&self) -> String {
        format!("{}events", self.prefix)
    }

    /// Appends an event to `topic` and announces it to every instance.
    pub async fn publish(
        &self,
        topic: &str,
        kind: &str,
        data: &str,
    ) -> Result<Event, ClusterError> {
        let Some(manager) = &self.redis else {
            let event = self.events.append(topic, kind, data);
            let _ = self.events.feed.send(event.clone());
            return Ok(event);
        };
        let result = if self.is_up() {
            let result = self.publish_shared(manager, topic, kind, data).await;
            self.note(&result);
            result
        } else {
            Err(ClusterError::Down)
        };
        match result {
            Ok(event) => Ok(event),
            Err(e) => {
                // Degraded: streams held on this instance still hear it.
                tracing::warn!(error = %e, kind, "event published on this instance only");
                let event = self.events.append(topic, kind, data);
                let _ = self.events.feed.send(event.clone());
                Ok(event)
            }
        }
    }

    async fn publish_shared(
        &self,
        manager: &redis::aio::ConnectionManager,
        topic: &str,
        kind: &str,
        data: &str,
    ) -> Result<Event, ClusterError> {
        let mut conn = manager.clone();
        let key = self.stream_key(topic);
        let id: String = tokio::time::timeout(
            PING_TIMEOUT,
            redis::cmd("XADD")
                .arg(&key)
                .arg("MAXLEN")
                .arg("~")
                .arg(RETAINED_PER_TOPIC)
                .arg("*")
                .arg("kind")
                .arg(kind)
                .arg("data")
                .arg(data)
                .query_async(&mut conn),
        )
        .await
        .map_err(|_| ClusterError::Timeout(PING_TIMEOUT))??;
        let event = Event {
            topic: topic.to_owned(),
            id,
            kind: kind.to_owned(),
            data: data.to_owned(),
        };
        let mut pipe = redis::pipe();
        pipe.cmd("PEXPIRE")
            .arg(&key)
            .arg(RETENTION.as_millis() as u64)
            .ignore()
            .cmd("PUBLISH")
            .arg(self.channel())
            .arg(encode(&event))
            .ignore();
        tokio::time::timeout(PING_TIMEOUT, pipe.query_async::<()>(&mut conn))
            .await
            .map_err(|_| ClusterError::Timeout(PING_TIMEOUT))??;
        Ok(event)
    }

    /// The retained events of `topic` after `after` (exclusive), oldest first.
    pub async fn replay(&self, topic: &str, after: &str) -> Result<Vec<Event>, ClusterError> {
        let Some(manager) = &self.redis else {
            return Ok(self.events.replay(topic, after));
        };
        if !self.is_up() {
            // What this instance published locally during the outage.
            return Ok(self.events.replay(topic, after));
        }
        if parse_id(after).is_none() {
            return Ok(Vec::new());
        }
        let mut conn = manager.clone();
        let rows: Vec<(String, Vec<(String, String)>)> = tokio::time::timeout(
            PING_TIMEOUT,
            redis::cmd("XRANGE")
                .arg(self.stream_key(topic))
                .arg(format!("({after}"))
                .arg("+")
                .query_async(&mut conn),
        )
        .await
        .map_err(|_| ClusterError::Timeout(PING_TIMEOUT))??;
        Ok(rows
            .into_iter()
            .map(|(id, fields)| {
                let get = |name: &str| {
                    fields
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                Event {
                    topic: topic.to_owned(),
                    id,
                    kind: get("kind"),
                    data: get("data"),
                }
            })
            .collect())
    }

    /// The live feed of every topic, as heard by this instance.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.feed.subscribe()
    }

    /// With Redis: listens to the deployment's event channel and forwards
    /// what it hears to this instance's feed, reconnecting by itself.
    /// Without Redis: nothing to do. Call once per instance.
    pub fn start_listener(&self) {
        let Some(client) = self.client.clone() else {
            return;
        };
        tokio::spawn(self.clone().settle_owed_writes());
        let channel = self.channel();
        let feed = self.events.feed.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                        Ok(()) => {
                            backoff = Duration::from_millis(200);
                            let mut messages = pubsub.into_on_message();
                            while let Some(msg) = messages.next().await {
                                if let Some(event) =
                                    msg.get_payload::<String>().ok().as_deref().and_then(decode)
                                {
                                    let _ = feed.send(event);
                                }
                            }
                            tracing::warn!("event listener: redis connection lost; reconnecting");
                        }
                        Err(e) => tracing::warn!(error = %e, "event listener: subscribe failed"),
                    },
                    Err(e) => tracing::warn!(error = %e, "event listener: cannot connect"),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_order_numerically() {
        assert!(is_after("1700000000001-0", "1700000000000-5"));
        assert!(is_after("1700000000000-10", "1700000000000-9"));
        assert!(!is_after("1-0", "1-0"));
        assert!(!is_after("garbage", "1-0"));
    }

    #[test]
    fn wire_encoding_round_trips() {
        let e = Event {
            topic: "s:ref".into(),
            id: "1-2".into(),
            kind: "message".into(),
            data: "{\"a\":\"b\\nc\"}".into(),
        };
        assert_eq!(decode(&encode(&e)), Some(e));
    }

    #[tokio::test]
    async fn in_process_publish_feeds_and_replays() {
        let c = Cluster::in_process();
        let mut rx = c.subscribe();
        let a = c.publish("t", "message", "{}").await.unwrap();
        let b = c.publish("t", "message", "{\"n\":2}").await.unwrap();
        assert!(is_after(&b.id, &a.id));
        assert_eq!(rx.recv().await.unwrap(), a);
        assert_eq!(c.replay("t", &a.id).await.unwrap(), vec![b]);
        assert!(c.replay("other", &a.id).await.unwrap().is_empty());
    }
}
