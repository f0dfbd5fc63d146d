//! What every handler shares: the settings ([`ApiConfig`]) and the
//! application state ([`AppState`]: the pool, the cluster, keys and
//! secrets, the audit writer, the mail outbox and the event relay), with
//! the ways the API reaches the database: [`AppState::act`] runs a use case,
//! [`AppState::show`] one whose answer is shown to the caller (R9);
//! [`AppState::db_run`] is the machinery's around the handlers
//! (authentication, the idempotency lookup, the event relay), never a
//! handler's.

use std::sync::Arc;

use actix_web::web;
use kyushoku_cluster::Cluster;
use kyushoku_store::{Db, DbConn, StoreError};

use crate::{auth, events, mail, ApiError, Metrics};

#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest JSON body accepted, in bytes.
    pub json_limit: usize,
    /// Requests per minute per authenticated principal (R13).
    pub rate_limit_per_minute: u64,
    /// Requests per minute per address without a token.
    pub anonymous_rate_limit_per_minute: u64,
    /// Organisation applications per address per hour.
    pub applications_per_hour: u64,
    /// Lifetime of access tokens, seconds.
    pub access_token_ttl_secs: i64,
    /// Lifetime of a staff refresh token, seconds.
    pub refresh_token_ttl_secs: i64,
    /// Most lines in one NDJSON batch.
    pub batch_max_lines: usize,
    /// Guidance messages per organisation per day (R13).
    pub guidance_daily_cap: i32,
    /// Live API clients an organisation may hold (its request budget is
    /// its own, shared by all of them).
    pub clients_per_organisation: usize,
    /// Browser origins allowed to call the API cross-origin (the My Page
    /// front end). Empty: no cross-origin access at all.
    pub cors_origins: Vec<String>,
    /// Served over TLS: answers carry `Strict-Transport-Security`.
    pub hsts: bool,
    /// The base URL clients reach this deployment at (the OAuth issuer in
    /// the RFC 8414 metadata). None: the request's host is used.
    pub public_url: Option<String>,
    /// A page session ends after this many seconds without a request.
    pub session_idle_secs: i64,
    /// A page session ends this many seconds after sign-in, however busy.
    pub session_absolute_secs: i64,
    /// How webhooks go out.
    pub webhooks: crate::webhooks::WebhookConfig,
    /// Searches, reads and downloads running at once in this instance
    /// (admission control, [`crate::admission`]).
    pub shown_in_flight: usize,
    /// How long one waits for a place before it is answered 503.
    pub shown_wait_ms: u64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            json_limit: 1024 * 1024,
            rate_limit_per_minute: 1200,
            anonymous_rate_limit_per_minute: 120,
            applications_per_hour: 10,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 14 * 24 * 3600,
            batch_max_lines: 10_000,
            guidance_daily_cap: 1000,
            clients_per_organisation: 20,
            cors_origins: Vec::new(),
            hsts: false,
            public_url: None,
            session_idle_secs: 30 * 60,
            session_absolute_secs: 8 * 3600,
            webhooks: crate::webhooks::WebhookConfig::default(),
            shown_in_flight: default_shown_in_flight(),
            shown_wait_ms: 1000,
        }
    }
}

/// Two searches per core: enough to keep the cores busy while others wait
/// on the database, few enough that the database does not queue them.
pub fn default_shown_in_flight() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get() * 2)
}

/// What every handler can reach. Cheap to clone: everything is shared.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub cluster: Cluster,
    pub keys: Arc<auth::keys::KeyRing>,
    /// R10: the secret `profile_id`s are derived from.
    pub pseudonyms: Arc<kyushoku_domain::pseudonym::PseudonymSecret>,
    /// R10: seals page cursors for the caller they are given to.
    pub sealer: Arc<kyushoku_domain::seal::Sealer>,
    pub metrics: Arc<Metrics>,
    pub config: Arc<ApiConfig>,
    /// Writes the audit events of searches and reads (R9).
    pub audit: kyushoku_service::witness::AuditWriter,
    /// Letters to people (what a caller must not be told).
    pub outbox: mail::Outbox,
    /// Publishes the events the use cases wrote (see [`events`]).
    pub relay: events::Relay,
    /// Delivers webhooks and announces job-offer changes (see
    /// [`crate::webhooks`]).
    pub webhooks: crate::webhooks::Deliverer,
    /// Page sessions read in the last seconds (see
    /// [`crate::pages::session::Recent`]).
    pub page_sessions: Arc<crate::pages::session::Recent>,
    /// Bounds the searches, reads and downloads running at once.
    pub admission: Arc<crate::admission::Admission>,
}

impl AppState {
    /// Loads the signing keys (creating the first one) and the pseudonym
    /// secret (`secret`, else the one stored with the data, made on first
    /// start), and assembles the state.
    pub fn new(
        db: Db,
        cluster: Cluster,
        config: ApiConfig,
        secret: Option<[u8; 32]>,
    ) -> Result<Self, StoreError> {
        let keys = db.run(auth::keys::KeyRing::load)?;
        let deployment = db.run(kyushoku_store::identity::deployment_id)?;
        let secret = match secret {
            Some(s) => s,
            None => {
                let fresh: String = auth::secrets::random_bytes::<32>()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let hex = db.run(|c| kyushoku_store::identity::deployment_secret(c, &fresh))?;
                parse_secret(&hex).ok_or_else(|| {
                    StoreError::ReferenceData("stored pseudonym secret is malformed".into())
                })?
            }
        };
        // Only an operating system out of threads refuses one, at start-up.
        let audit = kyushoku_service::witness::AuditWriter::start(db.clone())
            .expect("a thread for the audit writer");
        Ok(Self {
            audit,
            outbox: mail::Outbox::default(),
            relay: events::Relay::default(),
            webhooks: crate::webhooks::Deliverer::default(),
            page_sessions: Arc::default(),
            admission: Arc::new(crate::admission::Admission::new(
                config.shown_in_flight,
                std::time::Duration::from_millis(config.shown_wait_ms),
            )),
            db,
            cluster: cluster.namespaced(&deployment),
            keys: Arc::new(keys),
            pseudonyms: Arc::new(kyushoku_domain::pseudonym::PseudonymSecret::new(secret)),
            sealer: Arc::new(kyushoku_domain::seal::Sealer::new(&secret)),
            metrics: Arc::new(Metrics::default()),
            config: Arc::new(config),
        })
    }

    /// Runs a use case (`kyushoku_service`) on the blocking pool; its
    /// refusal becomes the problem `problem.rs` maps it to.
    pub async fn act<T, F>(&self, use_case: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, kyushoku_service::Refusal> + Send + 'static,
    {
        let db = self.db.clone();
        Ok(web::block(move || kyushoku_service::run(&db, use_case)).await??)
    }

    /// Runs a use case that answers what a caller is shown (a search, a
    /// read, a download), and gives it once its audit event is committed.
    pub async fn show<T, F>(&self, use_case: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(
                &mut DbConn,
            )
                -> Result<kyushoku_service::witness::Shown<T>, kyushoku_service::Refusal>
            + Send
            + 'static,
    {
        let admitted = self.admission.admit().await?;
        let shown = self.act(use_case).await?;
        drop(admitted);
        Ok(shown.recorded(&self.audit).await?)
    }

    /// Runs one unit of database work on the blocking pool.
    pub async fn db_run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        Ok(web::block(move || db.run(work)).await??)
    }
}

/// A 32-byte secret written as 64 hex digits (`KYUSHOKU_SECRET`).
pub fn parse_secret(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}
