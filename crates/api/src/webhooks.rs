//! Delivering webhooks (`kyushoku_service::webhooks`): every instance runs
//! a [`Deliverer`], which claims due deliveries for a lease, posts each
//! signed as Standard Webhooks say (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature`), records the attempt and schedules the next; and an
//! announcer that turns new entries of the job-offer change feed into
//! `job_offers.changed` events. Requests go out through reqwest with
//! rustls, no proxy, no redirects, 5 s to connect, 15 s in all, and read
//! at most 1 KB of the answer. Every address a request connects to is
//! checked as it is resolved ([`Guard`]): the deployment's own networks
//! are out of reach unless allowed (no request forgery, no DNS
//! rebinding). A log line per attempt names the delivery, the event type
//! and the outcome, never the payload or the URL's path.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kyushoku_domain::webhook::{self, AttemptError, DeliveryState, Networks, UrlProblem};
use kyushoku_service::webhooks::{self as service, Outgoing, Tried};
use kyushoku_store::now;
use tokio::sync::Notify;

use crate::AppState;

/// How webhooks go out, from the deployment's configuration.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// `http` URLs are accepted (`KYUSHOKU_WEBHOOK_ALLOW_HTTP`: tests and
    /// closed networks only).
    pub allow_http: bool,
    /// Networks called besides the public Internet
    /// (`KYUSHOKU_WEBHOOK_ALLOWED_NETWORKS`).
    pub networks: Networks,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// How long a claimed delivery is held for its attempt: longer than a
    /// request may take, so that two instances never attempt it at once.
    pub lease: Duration,
    /// Attempts in flight at once, per instance.
    pub concurrency: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            allow_http: false,
            networks: Networks::default(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            lease: Duration::from_secs(60),
            concurrency: 64,
        }
    }
}

/// The most of an answer's body read (and then dropped).
const MAX_ANSWER_BYTES: usize = 1024;
/// Deliveries claimed in one round.
const ROUND: i64 = 256;
/// How often an instance looks for due deliveries without being woken
/// (retries come due, other instances' events).
const PATROL: Duration = Duration::from_secs(1);
/// How often the change feed is looked at for announcements; a sync's
/// batches within this time make one announcement.
const ANNOUNCE_EVERY: Duration = Duration::from_secs(2);

/// Checks a webhook URL for registration: the rules of
/// [`webhook::check_url`], then every address its host resolves to must be
/// one the deployment calls.
pub async fn check_url(config: &WebhookConfig, text: &str) -> Result<url::Url, UrlProblem> {
    let url = webhook::check_url(text, config.allow_http, &config.networks)?;
    if let Some(url::Host::Domain(name)) = url.host() {
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<SocketAddr> = tokio::time::timeout(
            config.connect_timeout,
            tokio::net::lookup_host((name.to_owned(), port)),
        )
        .await
        .map_err(|_| UrlProblem::Unresolved)?
        .map_err(|_| UrlProblem::Unresolved)?
        .collect();
        if addrs.is_empty() {
            return Err(UrlProblem::Unresolved);
        }
        if addrs.iter().any(|a| !config.networks.permits(a.ip())) {
            return Err(UrlProblem::RefusedAddress);
        }
    }
    Ok(url)
}

/// The error a connection to a refused address fails with.
#[derive(Debug, thiserror::Error)]
#[error("the host's addresses are not ones kyushoku calls")]
struct Refused;

/// Resolves names for the webhook client, keeping only the addresses the
/// deployment calls: the check sits where the connection is made, so a
/// name that resolved to a public address at registration and to a
/// private one now (DNS rebinding) is refused now.
struct Guard {
    networks: Networks,
}

impl reqwest::dns::Resolve for Guard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let networks = self.networks.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| networks.permits(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn client(config: &WebhookConfig) -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .dns_resolver(Arc::new(Guard {
            networks: config.networks.clone(),
        }))
        .user_agent("kyushoku-webhooks/1")
        .build()
        .expect("the webhook client's settings are valid")
}

/// The webhook workers of one instance: the deliverer and the announcer.
#[derive(Clone, Default)]
pub struct Deliverer {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    wake: Notify,
    announce: Notify,
    started: AtomicBool,
}

impl Deliverer {
    /// Starts both workers on the current runtime, once.
    pub fn start(&self, state: &AppState) {
        if self.inner.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let client = client(&state.config.webhooks);
        let (me, st) = (self.clone(), state.clone());
        tokio::spawn(async move { me.deliver(&st, &client).await });
        let (me, st) = (self.clone(), state.clone());
        tokio::spawn(async move { me.announce(&st).await });
    }

    /// After a commit that wrote deliveries: send them now.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// After a commit that changed job offers: announce soon.
    pub fn offers_changed(&self) {
        self.inner.announce.notify_one();
    }

    async fn deliver(&self, state: &AppState, client: &reqwest::Client) {
        loop {
            match round(state, client).await {
                Ok(n) if n as i64 == ROUND => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook round failed; retrying"),
            }
            let _ = tokio::time::timeout(PATROL, self.inner.wake.notified()).await;
        }
    }

    async fn announce(&self, state: &AppState) {
        loop {
            let _ = tokio::time::timeout(ANNOUNCE_EVERY * 5, self.inner.announce.notified()).await;
            // Let a sync's next batches land: one announcement for them all.
            tokio::time::sleep(ANNOUNCE_EVERY).await;
            let today = kyushoku_domain::calendar::today_in_japan();
            match state
                .act(move |c| service::announce_offer_changes(c, today))
                .await
            {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(deliveries = n, "job_offers.changed announced");
                    self.wake();
                }
                Err(e) => tracing::warn!(error = %e, "job-offer changes not announced; retrying"),
            }
        }
    }
}

/// One round: claims due deliveries and attempts them, some at once.
async fn round(state: &AppState, client: &reqwest::Client) -> Result<usize, crate::ApiError> {
    let config = &state.config.webhooks;
    let at = now();
    let lease =
        at + chrono::Duration::from_std(config.lease).unwrap_or(chrono::Duration::seconds(60));
    let sealer = state.sealer.clone();
    let claimed = state
        .act(move |c| service::claim(c, &sealer, at, lease, ROUND))
        .await?;
    let n = claimed.len();
    // Attempts run side by side; their outcomes are recorded as they come,
    // those that ended together in one transaction.
    let (done, mut results) = tokio::sync::mpsc::unbounded_channel();
    let send = async move {
        futures_util::stream::iter(claimed)
            .for_each_concurrent(config.concurrency, |out| {
                let done = done.clone();
                async move {
                    let tried = attempt(client, &config.networks, &out).await;
                    let _ = done.send((out, tried));
                }
            })
            .await;
    };
    let record = async {
        while let Some(first) = results.recv().await {
            let mut batch = vec![first];
            while batch.len() < RECORD_BATCH {
                match results.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            settle(state, batch).await;
        }
    };
    tokio::join!(send, record);
    observe_queue(state).await;
    Ok(n)
}

/// The most attempts recorded in one transaction.
const RECORD_BATCH: usize = 128;

/// Posts one delivery and reads at most [`MAX_ANSWER_BYTES`] of the answer.
async fn attempt(client: &reqwest::Client, networks: &Networks, out: &Outgoing) -> Tried {
    let started = Instant::now();
    let at = now();
    let (status, error) = post(client, networks, out).await;
    Tried {
        at,
        status,
        error,
        duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
        jitter: jitter(),
    }
}

async fn post(
    client: &reqwest::Client,
    networks: &Networks,
    out: &Outgoing,
) -> (Option<u16>, Option<AttemptError>) {
    let Ok(url) = url::Url::parse(&out.url) else {
        return (None, Some(AttemptError::Protocol));
    };
    // An address written in the URL is not resolved: check it here.
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    if literal.is_some_and(|ip| !networks.permits(ip)) {
        return (None, Some(AttemptError::RefusedAddress));
    }
    if out.secrets.is_empty() {
        // A secret that no longer opens (the deployment's key changed).
        return (None, Some(AttemptError::Protocol));
    }
    let timestamp = chrono::Utc::now().timestamp();
    let body = out.due.payload.clone().into_bytes();
    let secrets: Vec<_> = out.secrets.iter().collect();
    let signature = webhook::sign(&secrets, &out.due.public_id, timestamp, &body);
    let sent = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &out.due.public_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(mut answer) => {
            let status = answer.status().as_u16();
            let mut read = 0;
            while read < MAX_ANSWER_BYTES {
                match answer.chunk().await {
                    Ok(Some(chunk)) => read += chunk.len(),
                    _ => break,
                }
            }
            (Some(status), None)
        }
        Err(e) => (None, Some(classify(&e))),
    }
}

/// Why a request got no answer, from reqwest's error and its causes.
fn classify(e: &reqwest::Error) -> AttemptError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<Refused>() {
            return AttemptError::RefusedAddress;
        }
        if err.is::<rustls::Error>() {
            return AttemptError::Tls;
        }
        source = err.source();
    }
    if e.is_timeout() {
        AttemptError::Timeout
    } else if e.is_connect() {
        AttemptError::Connect
    } else {
        AttemptError::Protocol
    }
}

fn jitter() -> f64 {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the operating system's random source");
    f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX)
}

async fn settle(state: &AppState, batch: Vec<(Outgoing, Tried)>) {
    let about: Vec<_> = batch
        .iter()
        .map(|(out, tried)| {
            (
                out.due.public_id.clone(),
                out.due.event,
                out.due.created_at,
                *tried,
            )
        })
        .collect();
    let settled = state.act(move |c| service::settle_all(c, &batch)).await;
    let settled = match settled {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(deliveries = about.len(), error = %e, "webhook attempts not recorded; they will be retried");
            return;
        }
    };
    for ((id, event, created, tried), s) in about.into_iter().zip(settled) {
        let outcome = match (tried.status, tried.error) {
            (Some(code), _) => code.to_string(),
            (None, Some(e)) => e.as_str().to_owned(),
            (None, None) => "none".to_owned(),
        };
        let waited = (s.state == DeliveryState::Delivered)
            .then(|| (now() - created).num_milliseconds().max(0) as f64 / 1000.0);
        state.metrics.observe_webhook(
            event.as_str(),
            s.state.as_str(),
            f64::from(tried.duration_ms) / 1000.0,
            waited,
        );
        tracing::info!(
            delivery = %id,
            event = event.as_str(),
            outcome = %outcome,
            state = s.state.as_str(),
            duration_ms = tried.duration_ms,
            recorded = s.recorded,
            "webhook attempt"
        );
        if let Some(reason) = s.disabled {
            tracing::warn!(delivery = %id, reason = reason.as_str(), "webhook endpoint turned off");
            state.outbox.wake();
        }
    }
}

async fn observe_queue(state: &AppState) {
    if let Ok((n, oldest)) = state.act(service::due_queue).await {
        state.metrics.webhook_queue.set(n);
        state.metrics.webhook_oldest_due_seconds.set(oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::dns::Resolve;

    /// The check at connection: a name is resolved by the guard, which
    /// keeps only permitted addresses, so a name that now points inside
    /// (DNS rebinding) is refused when the request is made, whatever it
    /// pointed to at registration.
    #[tokio::test]
    async fn a_name_pointing_inside_is_refused_at_connection() {
        let none = Guard {
            networks: Networks::default(),
        };
        assert!(none.resolve("localhost".parse().unwrap()).await.is_err());
        let local = Guard {
            networks: Networks::parse(["127.0.0.0/8", "::1"]).unwrap(),
        };
        let addrs: Vec<SocketAddr> = local
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.ip().is_loopback()));

        // The client itself: a request to the name fails as refused,
        // before any connection.
        let config = WebhookConfig {
            allow_http: true,
            ..WebhookConfig::default()
        };
        let err = client(&config)
            .post("http://localhost:9/hook")
            .send()
            .await
            .unwrap_err();
        assert_eq!(classify(&err), AttemptError::RefusedAddress);
    }

    #[test]
    fn registration_refuses_a_name_pointing_inside() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let config = WebhookConfig {
            allow_http: true,
            ..WebhookConfig::default()
        };
        assert_eq!(
            rt.block_on(check_url(&config, "http://localhost:9/hook")),
            Err(UrlProblem::RefusedAddress)
        );
    }
}
