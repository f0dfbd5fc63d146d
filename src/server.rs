//! Start-up: connect the store (and migrate), connect shared state, and run
//! the HTTP server. Used by `serve` and `demo`, and by the tests, which start
//! the real server on port 0.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::HttpServer;
use anyhow::Context;
use kyushoku_api::mail::Transport;
use kyushoku_api::{build_app, openapi, ApiConfig, AppState, ServedSpec};
use kyushoku_cluster::Cluster;
use kyushoku_store::{redact, Db, PoolOptions};

use crate::config::{ServeArgs, StoreArgs};

/// Connects to the database named by `args` and applies pending migrations.
pub async fn open_store(args: &StoreArgs) -> anyhow::Result<Db> {
    let url = args.database_url.clone();
    let options = PoolOptions {
        max_size: args.db_pool_size,
        ..PoolOptions::default()
    };
    let shown = redact(&url);
    // The first line a person reads: where the data is.
    match url.strip_prefix("sqlite://") {
        Some(path) => tracing::info!(
            database = %shown,
            file = %std::path::absolute(path).unwrap_or_else(|_| path.into()).display(),
            "opening the embedded SQLite database"
        ),
        None => tracing::info!(database = %shown, "opening the PostgreSQL database"),
    }
    tokio::task::spawn_blocking(move || -> anyhow::Result<Db> {
        let db = Db::connect(&url, &options)?;
        let applied = db.migrate()?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), "applied migrations");
        }
        Ok(db)
    })
    .await?
    .with_context(|| format!("database {shown}"))
}

/// R14: makes the counts those of the configured *k* (recounting every
/// seeker when it or the generalisation chain changed).
/// Folds the stored search text again if the keyword fold has changed
/// since it was written (kyushoku_store::keyword_index::prepare).
async fn prepare_search_text(db: &Db) -> anyhow::Result<()> {
    let db = db.clone();
    let folded = tokio::task::spawn_blocking(move || {
        kyushoku_service::run(&db, |c| Ok(kyushoku_store::keyword_index::prepare(c)?))
    })
    .await?
    .map_err(|e| anyhow::anyhow!("folding search text: {e}"))?;
    if folded {
        tracing::info!(
            version = kyushoku_domain::fold::FOLD_VERSION,
            "search text folded afresh"
        );
    }
    Ok(())
}

async fn prepare_anonymity(db: &Db, k: i64) -> anyhow::Result<()> {
    let k = kyushoku_domain::anonymity::K::new(k).context("KYUSHOKU_K_ANONYMITY: 1 to 1000")?;
    let db = db.clone();
    let rebuilt = tokio::task::spawn_blocking(move || {
        kyushoku_service::run(&db, |c| Ok(kyushoku_store::anonymity::prepare(c, k)?))
    })
    .await?
    .map_err(|e| anyhow::anyhow!("counting seekers for R14: {e}"))?;
    if rebuilt {
        tracing::info!(k = k.get(), "R14: seekers counted afresh");
    }
    Ok(())
}

/// A server running in the background.
pub struct Running {
    /// The address actually bound (useful with port 0).
    pub addr: SocketAddr,
    pub handle: ServerHandle,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
    pub state: AppState,
    /// Serving HTTPS.
    pub tls: bool,
}

impl Running {
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, drains in-flight requests and waits.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = self.task.await;
    }
}

/// Opens everything and starts serving; returns once the socket is bound.
pub async fn start(args: &ServeArgs) -> anyhow::Result<Running> {
    let db = open_store(&args.store).await?;
    let cluster = connect_shared_state(args.redis_url.as_deref()).await?;
    start_with(args, db, cluster).await
}

/// Connects to Redis when it is configured, saying which it is.
pub async fn connect_shared_state(redis_url: Option<&str>) -> anyhow::Result<Cluster> {
    match redis_url {
        Some(url) => tracing::info!(
            redis = %redact(url),
            "shared state in Redis: instances may run side by side"
        ),
        None => tracing::info!(
            "Redis is off (REDIS_URL unset): state is kept in this process, so run one instance"
        ),
    }
    Cluster::connect(redis_url)
        .await
        .context("shared state (REDIS_URL)")
}

/// Starts delivering the mail outbox, if a transport is configured.
fn start_mail(args: &ServeArgs, state: &AppState) -> anyhow::Result<()> {
    let transport = match (&args.smtp_url, &args.mail_dir) {
        (Some(url), _) => Transport::smtp(url).map_err(anyhow::Error::msg)?,
        (None, Some(dir)) => Transport::directory(dir.clone())
            .with_context(|| format!("KYUSHOKU_MAIL_DIR {}", dir.display()))?,
        (None, None) => {
            tracing::warn!(
                "mail is off (KYUSHOKU_SMTP_URL and KYUSHOKU_MAIL_DIR unset): letters wait in the outbox"
            );
            return Ok(());
        }
    };
    tracing::info!(transport = %transport.describe(), "mail on");
    state
        .outbox
        .start_delivery(state.db.clone(), transport, &args.mail_from)
        .map_err(|e| anyhow::anyhow!("KYUSHOKU_MAIL_FROM: {e}"))
}

/// Starts serving with an open store and shared state.
pub async fn start_with(args: &ServeArgs, db: Db, cluster: Cluster) -> anyhow::Result<Running> {
    prepare_search_text(&db).await?;
    prepare_anonymity(&db, args.k_anonymity).await?;
    let config = ApiConfig {
        json_limit: args.body_limit,
        rate_limit_per_minute: args.rate_limit,
        anonymous_rate_limit_per_minute: args.anonymous_rate_limit,
        applications_per_hour: args.applications_per_hour,
        access_token_ttl_secs: args.access_token_ttl,
        batch_max_lines: args.batch_max_lines,
        guidance_daily_cap: args.guidance_daily_cap,
        clients_per_organisation: args.clients_per_organisation,
        cors_origins: args.cors_origins.clone(),
        hsts: args.tls_cert.is_some(),
        public_url: args.public_url.clone(),
        session_idle_secs: args.session_idle,
        session_absolute_secs: args.session_absolute,
        shown_in_flight: args
            .searches_in_flight
            .map_or_else(kyushoku_api::default_shown_in_flight, |n| n as usize),
        shown_wait_ms: args.search_wait_ms,
        webhooks: kyushoku_api::webhooks::WebhookConfig {
            allow_http: args.webhook_allow_http,
            networks: kyushoku_domain::webhook::Networks::parse(
                args.webhook_allowed_networks.iter().map(String::as_str),
            )
            .map_err(anyhow::Error::msg)?,
            lease: Duration::from_secs(args.webhook_lease),
            ..Default::default()
        },
        ..ApiConfig::default()
    };
    let secret = match &args.secret {
        Some(hex) => {
            Some(kyushoku_api::parse_secret(hex).context("KYUSHOKU_SECRET must be 64 hex digits")?)
        }
        None => None,
    };
    let state = tokio::task::spawn_blocking(move || AppState::new(db, cluster, config, secret))
        .await?
        .context("loading signing keys and secrets")?;
    state.cluster.start_listener();
    start_mail(args, &state)?;
    state.relay.start(&state);
    state.webhooks.start(&state);
    if args.sweep_interval > 0 {
        tokio::spawn(sweeper(
            state.clone(),
            Duration::from_secs(args.sweep_interval),
            args.retention_days,
            kyushoku_service::browser::Timeouts {
                idle: chrono::Duration::seconds(args.session_idle),
                absolute: chrono::Duration::seconds(args.session_absolute),
            },
        ));
    }
    let spec = ServedSpec::new(&openapi()).context("writing the OpenAPI document")?;
    let app_state = state.clone();
    let mut server = HttpServer::new(move || build_app(app_state.clone(), spec.clone()))
        .shutdown_timeout(args.shutdown_timeout)
        .client_request_timeout(Duration::from_secs(10))
        .disable_signals();
    if let Some(n) = args.workers {
        server = server.workers(n);
    }
    let server = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => server.bind_rustls_0_23(args.bind, tls_config(cert, key)?),
        _ => server.bind(args.bind),
    }
    .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = *server.addrs().first().context("no address bound")?;
    let server = server.run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    let scheme = if args.tls_cert.is_some() {
        "https"
    } else {
        "http"
    };
    tracing::info!(
        %addr,
        url = %format!("{scheme}://{addr}/docs/"),
        database = state.db.backend().name(),
        shared_state = state.cluster.mode(),
        stop = "Ctrl-C or SIGTERM",
        "serving"
    );
    Ok(Running {
        addr,
        handle,
        task,
        state,
        tls: args.tls_cert.is_some(),
    })
}

/// Hands back to the system what start-up allocated and freed: the
/// migrations, the checks of search text and R14, and each worker's routes
/// (the OpenAPI paths utoipa collects and drops) leave free blocks in
/// glibc's per-thread arenas, which it otherwise keeps for reuse (about
/// 10 MB of an idle instance; docs/benchmarks.md, session 34).
/// Called by `kyushoku serve` once it is started (the workers have built
/// their routes by then), not by every server a test process starts: the
/// trim walks every arena of the process under its lock.
pub fn give_freed_memory_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages to the system, under each
    // arena's own lock.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The TLS settings from PEM files: TLS 1.2 and 1.3 with rustls' safe
/// defaults, HTTP/1.1 and HTTP/2 offered by ALPN (actix adds them).
fn tls_config(cert: &Path, key: &Path) -> anyhow::Result<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading certificate {}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing certificate {}", cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "no certificate in {}", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("reading private key {}", key.display()))?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("certificate and key do not match")
}

/// Waits for SIGINT or SIGTERM, then shuts down gracefully.
pub async fn run_until_signalled(running: Running) -> anyhow::Result<()> {
    let handle = running.handle.clone();
    let mut task = running.task;
    tokio::select! {
        result = &mut task => { result??; return Ok(()); }
        _ = shutdown_signal() => {}
    }
    tracing::info!("shutting down: draining in-flight requests");
    handle.stop(true).await;
    task.await??;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// R7 in the background: every `interval`, expire registrations past
/// `valid_until` and purge the data of those that ended more than
/// `retention_days` ago. Every instance may run it; the work is idempotent.
/// Ended page sessions and expired sign-in links are deleted on the same
/// beat.
pub async fn sweeper(
    state: AppState,
    interval: Duration,
    retention_days: i64,
    sessions: kyushoku_service::browser::Timeouts,
) {
    let mut first = true;
    loop {
        // Also just after midnight in Japan, when registrations past
        // `valid_until` expire: until they are swept they still count
        // toward R14's k for others.
        if !first {
            let midnight = Duration::from_secs(
                kyushoku_domain::calendar::seconds_until_midnight_in_japan() + 1,
            );
            tokio::time::sleep(interval.min(midnight)).await;
        }
        first = false;
        let db = state.db.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let now = kyushoku_store::now();
            if let Err(e) =
                kyushoku_service::run(&db, |c| kyushoku_service::browser::sweep(c, sessions, now))
            {
                tracing::warn!(error = %e, "ended sessions were not swept; will retry");
            }
        })
        .await;
        match sweep_now(&state, retention_days).await {
            Ok(s) if s.expired + s.purged + s.lapsed.len() > 0 => tracing::info!(
                expired = s.expired,
                purged = s.purged,
                lapsed = s.lapsed.len(),
                "sweeper"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "sweeper failed; will retry"),
        }
    }
}

/// One sweep, now, and what it changes told to every instance: the
/// lapsed organisations' cached state is refreshed (R8: their tokens end
/// at once), their webhooks go out.
pub async fn sweep_now(
    state: &AppState,
    retention_days: i64,
) -> anyhow::Result<kyushoku_service::retention::Swept> {
    let db = state.db.clone();
    let swept = tokio::task::spawn_blocking(move || sweep_once(&db, retention_days)).await??;
    for id in &swept.lapsed {
        kyushoku_api::auth::organisation_changed(state, *id)
            .await
            .map_err(|e| anyhow::anyhow!("refreshing a lapsed organisation's state: {e}"))?;
    }
    if !swept.lapsed.is_empty() {
        state.webhooks.wake();
    }
    Ok(swept)
}

/// One sweep, now (`kyushoku_service::retention::sweep`).
pub fn sweep_once(
    db: &Db,
    retention_days: i64,
) -> Result<kyushoku_service::retention::Swept, kyushoku_service::Refusal> {
    let today = kyushoku_domain::calendar::today_in_japan();
    let purge_before = kyushoku_store::now() - chrono::Duration::days(retention_days);
    kyushoku_service::run(db, |c| {
        kyushoku_service::retention::sweep(c, today, purge_before)
    })
}
