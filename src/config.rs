//! Typed settings. Every one has a default that runs with no configuration at
//! all (SQLite file in the working directory, no Redis, 127.0.0.1:8080); each
//! can be set by a flag or overridden by its environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Database: `sqlite://PATH` (embedded, the default) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://kyushoku.db")]
    pub database_url: String,

    /// Largest number of pooled database connections.
    #[arg(long, env = "KYUSHOKU_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,
}

/// How the HTTP server runs.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// Address and port to listen on.
    #[arg(long, env = "KYUSHOKU_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Redis for state shared between instances (`redis://host:6379`).
    /// Without it, rate limits, revocations and events stay in this process.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,

    /// Worker threads serving HTTP (default: one per core).
    #[arg(long, env = "KYUSHOKU_WORKERS")]
    pub workers: Option<usize>,

    /// Largest JSON request body, in bytes.
    #[arg(long, env = "KYUSHOKU_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,

    /// Seconds to let in-flight requests finish after SIGTERM.
    #[arg(long, env = "KYUSHOKU_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,

    /// Requests per minute per authenticated caller, shared by all instances.
    #[arg(long, env = "KYUSHOKU_RATE_LIMIT", default_value_t = 1200)]
    pub rate_limit: u64,

    /// Requests per minute per address without a token.
    #[arg(long, env = "KYUSHOKU_ANONYMOUS_RATE_LIMIT", default_value_t = 120)]
    pub anonymous_rate_limit: u64,

    /// Organisation applications per address per hour, on top of the
    /// anonymous limit (raise it for an onboarding wave behind one address).
    #[arg(long, env = "KYUSHOKU_APPLICATIONS_PER_HOUR", default_value_t = 10)]
    pub applications_per_hour: u64,

    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "KYUSHOKU_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl: i64,

    /// A page session (My Page, staff) ends after this many seconds
    /// without a request.
    #[arg(long, env = "KYUSHOKU_SESSION_IDLE", default_value_t = 1800, value_parser = clap::value_parser!(i64).range(60..=86_400))]
    pub session_idle: i64,

    /// A page session ends this many seconds after sign-in, however busy.
    #[arg(long, env = "KYUSHOKU_SESSION_ABSOLUTE", default_value_t = 28_800, value_parser = clap::value_parser!(i64).range(300..=604_800))]
    pub session_absolute: i64,

    /// 64 hex digits: the secret profile pseudonyms are derived from (R10).
    /// Without it, one is made on first start and kept with the data.
    #[arg(long, env = "KYUSHOKU_SECRET", hide_env_values = true)]
    pub secret: Option<String>,

    /// Most lines in one NDJSON batch.
    #[arg(long, env = "KYUSHOKU_BATCH_MAX_LINES", default_value_t = 10_000)]
    pub batch_max_lines: usize,

    /// Browser origins allowed to call the API cross-origin, comma-separated
    /// (`https://mypage.example.jp`). Unset: no cross-origin access.
    #[arg(long, env = "KYUSHOKU_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Guidance messages (first contacts) per organisation per day (R13).
    #[arg(long, env = "KYUSHOKU_GUIDANCE_DAILY_CAP", default_value_t = 1000)]
    pub guidance_daily_cap: i32,

    /// R14: the fewest seekers visible to a sector that must share what an
    /// organisation is shown of a profile (its work locations, desired
    /// occupations and qualifications); rarer details are generalised.
    /// 1 turns the guard off. A change recounts every seeker at start-up.
    #[arg(long, env = "KYUSHOKU_K_ANONYMITY", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=1000))]
    pub k_anonymity: i64,

    /// Searches, profile reads and downloads running at once in this
    /// instance (default: two per core); the rest wait their turn.
    #[arg(long, env = "KYUSHOKU_SEARCHES_IN_FLIGHT", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub searches_in_flight: Option<u32>,

    /// Milliseconds a search waits for its turn before it is answered 503
    /// with `Retry-After`.
    #[arg(long, env = "KYUSHOKU_SEARCH_WAIT_MS", default_value_t = 1000)]
    pub search_wait_ms: u64,

    /// Live API clients one organisation may hold. Its request budget is
    /// the organisation's, shared by its staff and all its clients.
    #[arg(long, env = "KYUSHOKU_CLIENTS_PER_ORGANISATION", default_value_t = 20)]
    pub clients_per_organisation: usize,

    /// The base URL clients reach this deployment at
    /// (`https://kyushoku.example.go.jp`): the OAuth issuer published at
    /// `/.well-known/oauth-authorization-server`. Unset: the request's host.
    #[arg(long, env = "KYUSHOKU_PUBLIC_URL", value_parser = public_url)]
    pub public_url: Option<String>,

    /// SMTP relay for the letters the service sends people (an
    /// application's receipt, a new user's setup code, notices to an
    /// address's owner): `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host`. Unset, and no `--mail-dir`: letters wait in the
    /// outbox until one is set.
    #[arg(long, env = "KYUSHOKU_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// A directory to write letters into as `.eml` files, instead of SMTP
    /// (one box, or a local mail system that picks them up).
    #[arg(long, env = "KYUSHOKU_MAIL_DIR", conflicts_with = "smtp_url")]
    pub mail_dir: Option<PathBuf>,

    /// The sender of those letters.
    #[arg(
        long,
        env = "KYUSHOKU_MAIL_FROM",
        default_value = "求人・求職情報提供サービス <no-reply@localhost>"
    )]
    pub mail_from: String,

    /// Seconds between runs of the sweeper that expires registrations and
    /// purges ended ones (0: never).
    #[arg(long, env = "KYUSHOKU_SWEEP_INTERVAL", default_value_t = 3600)]
    pub sweep_interval: u64,

    /// Days an ended registration's data is kept before it is purged (R7).
    #[arg(long, env = "KYUSHOKU_RETENTION_DAYS", default_value_t = 180)]
    pub retention_days: i64,

    /// Webhooks may call `http://` URLs, not only `https://`: for tests and
    /// closed networks only.
    #[arg(long, env = "KYUSHOKU_WEBHOOK_ALLOW_HTTP", default_value_t = false)]
    pub webhook_allow_http: bool,

    /// Networks webhooks may call besides the public Internet,
    /// comma-separated CIDR blocks (`10.20.0.0/16,fd00:1::/64`): a
    /// municipality's closed network. Loopback, private, link-local and
    /// metadata addresses are refused unless listed here.
    #[arg(long, env = "KYUSHOKU_WEBHOOK_ALLOWED_NETWORKS", value_delimiter = ',', value_parser = network_block)]
    pub webhook_allowed_networks: Vec<String>,

    /// Seconds a claimed webhook delivery is held for its attempt before
    /// another instance may attempt it (an instance that died mid-attempt
    /// leaves it this long). More than the 15 s a request may take.
    #[arg(long, env = "KYUSHOKU_WEBHOOK_LEASE", default_value_t = 60, value_parser = clap::value_parser!(u64).range(16..=3600))]
    pub webhook_lease: u64,

    /// PEM certificate chain: serve HTTPS (with HSTS) instead of plain HTTP.
    /// Needs `--tls-key`. Without both, put a TLS-terminating proxy in front.
    #[arg(long, env = "KYUSHOKU_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key (PKCS#8, PKCS#1 or SEC1) for `--tls-cert`.
    #[arg(long, env = "KYUSHOKU_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl ServeArgs {
    /// The defaults with another database: for tests and tools.
    pub fn with_database(database_url: impl Into<String>) -> Self {
        Self {
            store: StoreArgs {
                database_url: database_url.into(),
                db_pool_size: 10,
            },
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            redis_url: None,
            workers: None,
            body_limit: 1024 * 1024,
            shutdown_timeout: 30,
            rate_limit: 1200,
            anonymous_rate_limit: 120,
            applications_per_hour: 10,
            access_token_ttl: 900,
            session_idle: 1800,
            session_absolute: 28_800,
            secret: None,
            batch_max_lines: 10_000,
            guidance_daily_cap: 1000,
            k_anonymity: 5,
            searches_in_flight: None,
            search_wait_ms: 1000,
            clients_per_organisation: 20,
            cors_origins: Vec::new(),
            sweep_interval: 3600,
            retention_days: 180,
            public_url: None,
            smtp_url: None,
            mail_dir: None,
            mail_from: "求人・求職情報提供サービス <no-reply@localhost>".into(),
            tls_cert: None,
            tls_key: None,
            webhook_allow_http: false,
            webhook_allowed_networks: Vec::new(),
            webhook_lease: 60,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logging, common to every command.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Log line format.
    #[arg(long, env = "KYUSHOKU_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Log filter in `tracing` syntax (`info`, `kyushoku=debug,info`).
    #[arg(long, env = "KYUSHOKU_LOG", default_value = "info", global = true)]
    pub log: String,
}

/// Files for `admin load-codes`.
#[derive(Debug, Clone, Args)]
pub struct CodeFiles {
    /// Local-government list (JIS X 0402): columns code, prefecture, city,
    /// prefecture_kana, city_kana.
    #[arg(long)]
    pub local_governments: PathBuf,
    /// Occupation major groups: columns code, name.
    #[arg(long)]
    pub occupations: PathBuf,
}

/// A base URL: `http` or `https`, a host, no query or fragment (RFC 8414 §2).
fn network_block(text: &str) -> Result<String, String> {
    kyushoku_domain::webhook::Networks::parse([text]).map(|_| text.trim().to_owned())
}

fn public_url(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or("must start with https:// (or http:// for a test)")?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || value.contains(['?', '#']) || !value.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err("a base URL with a host and no query or fragment".into());
    }
    Ok(value.trim_end_matches('/').to_owned())
}
