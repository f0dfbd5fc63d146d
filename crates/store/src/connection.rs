//! Connections and the pool: one `DbConn` enum over PostgreSQL and SQLite,
//! chosen by the scheme of `DATABASE_URL`, behind an r2d2 pool.
//!
//! Use [`Db::connect`] once at start-up and clone the [`Db`] into handlers;
//! run each unit of work in one [`Db::run`] call (inside `web::block` in the
//! API), never holding a connection across an `.await`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::{PgConnection, SqliteConnection};

use crate::StoreError;

/// A connection to either backend. Queries written against it run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs the same diesel code on whichever connection `conn` holds, for the
/// few statements the multi-connection cannot express (batch inserts,
/// `ON CONFLICT`, `RETURNING` of whole rows).
///
/// ```ignore
/// per_backend!(conn, c => diesel::insert_into(t::table).values(&rows).execute(c))
/// ```
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::DbConn::Postgresql($c) => $body,
            $crate::DbConn::Sqlite($c) => $body,
        }
    };
}

impl DbConn {
    /// Runs `f` in a transaction that writes. On SQLite it begins with
    /// `BEGIN IMMEDIATE`, so the write lock is taken before the first read:
    /// a deferred transaction that reads and then writes cannot upgrade its
    /// lock while another writer holds it, and SQLite then fails it at once
    /// with "database is locked" instead of waiting. Writers of this process
    /// also queue on [`SQLITE_WRITER`] first, so they take turns at once
    /// instead of polling in SQLite's busy handler (which sleeps up to
    /// 100 ms between tries). PostgreSQL needs no such care. Inside another
    /// write transaction it is a savepoint, as `transaction` is.
    pub fn write_transaction<T, E>(
        &mut self,
        f: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        type Manager = <DbConn as Connection>::TransactionManager;
        if !matches!(self, DbConn::Sqlite(_)) || WRITING.get() {
            return self.transaction(f);
        }
        let _turn = SQLITE_WRITER.lock().unwrap_or_else(|e| e.into_inner());
        WRITING.set(true);
        let _done = Writing;
        let DbConn::Sqlite(sqlite) = self else {
            unreachable!("matched above")
        };
        match AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
            Ok(()) => {}
            Err(diesel::result::Error::AlreadyInTransaction) => return self.transaction(f),
            Err(e) => return Err(e.into()),
        }
        // From here on as diesel's own `transaction`, whose begin we replaced.
        match f(self) {
            Ok(value) => {
                Manager::commit_transaction(self)?;
                Ok(value)
            }
            Err(error) => match Manager::rollback_transaction(self) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
                Err(rollback) => Err(rollback.into()),
            },
        }
    }
}

/// The turn of this process's SQLite writers (see
/// [`DbConn::write_transaction`]). One per process: a deployment has one
/// SQLite database (tests with several only take turns more often).
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    /// This thread holds [`SQLITE_WRITER`]: a nested write transaction is a
    /// savepoint and must not queue again.
    static WRITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Clears [`WRITING`] however the transaction ends.
struct Writing;

impl Drop for Writing {
    fn drop(&mut self) {
        WRITING.set(false);
    }
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgresql",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// libpq parameters that bound how long a dead network can hold a thread:
/// connecting (seconds), and keepalive probes on idle and busy sockets.
const PG_NETWORK_BOUNDS: [(&str, &str); 4] = [
    ("connect_timeout", "5"),
    ("keepalives_idle", "30"),
    ("keepalives_interval", "10"),
    ("keepalives_count", "3"),
];

/// A session default for every connection: no parallel workers. The service's
/// queries are short, and many run at once; a worker pool started for one
/// (PostgreSQL's guess for a rare keyword is 0.5 % of all seekers) costs more
/// than the query: a keyword-and-prefecture search at national scale took
/// 35 ms with two workers and 7 ms without (docs/benchmarks.md). A URL that
/// sets `options` keeps its own.
const PG_SESSION_DEFAULTS: [(&str, &str); 1] =
    [("options", "-c%20max_parallel_workers_per_gather%3D0")];

/// The URL with the libpq parameters above added, except those it sets.
fn with_libpq_defaults(url: &str) -> String {
    let mut out = url.to_owned();
    for (name, value) in PG_NETWORK_BOUNDS.iter().chain(&PG_SESSION_DEFAULTS) {
        let present = url
            .split_once('?')
            .is_some_and(|(_, q)| q.split('&').any(|kv| kv.split('=').next() == Some(name)));
        if !present {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{name}={value}"));
        }
    }
    out
}

/// A parsed `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `postgres://…` or `postgresql://…`, passed to libpq with bounded
    /// connect time and TCP keepalives added unless the URL sets them, so a
    /// vanished server is noticed instead of hanging a thread, and no
    /// parallel workers unless it sets `options`.
    Postgres(String),
    /// `sqlite://PATH` or `sqlite:PATH`; the file is created when missing.
    Sqlite(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(with_libpq_defaults(url)));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"));
        match path {
            // An in-memory database would be a different empty database on
            // every pooled connection: refuse it rather than surprise.
            Some(p) if !p.is_empty() && !p.contains(":memory:") => Ok(Self::Sqlite(p.to_owned())),
            _ => Err(StoreError::UnknownScheme(redact(url))),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Postgres(_) => Backend::Postgres,
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }

    fn connect(&self) -> Result<DbConn, StoreError> {
        match self {
            Self::Postgres(url) => {
                keep_openssl_until_exit();
                PgConnection::establish(url)
                    .map(DbConn::Postgresql)
                    .map_err(|e| StoreError::Connect {
                        backend: "postgresql",
                        cause: e.to_string(),
                    })
            }
            Self::Sqlite(path) => {
                configure_sqlite_once();
                let mut conn =
                    SqliteConnection::establish(path).map_err(|e| StoreError::Connect {
                        backend: "sqlite",
                        cause: e.to_string(),
                    })?;
                // WAL lets readers run beside the one writer; the busy timeout
                // makes a second writer wait instead of failing at once.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA busy_timeout = 5000;",
                )
                .map_err(|e| StoreError::Connect {
                    backend: "sqlite",
                    cause: e.to_string(),
                })?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}://{}:***{}", &url[..s], &userinfo[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The r2d2 manager: unlike diesel's generic one for multi-connections, it
/// picks the backend from the scheme and keeps the driver's error.
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = StoreError;

    fn connect(&self) -> Result<Pooled, StoreError> {
        #[allow(unused_mut)]
        let mut conn = self.url.connect()?;
        #[cfg(feature = "capture-sql")]
        capture::install(&mut conn);
        Ok(Pooled {
            conn,
            worked_at: Some(Instant::now()),
        })
    }

    /// The pool asks this at every checkout. A connection whose last unit
    /// of work succeeded moments ago is taken as it is; any other is asked
    /// `SELECT 1` first (a round trip, a quarter of a search's statements).
    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), StoreError> {
        if pooled.worked_recently() {
            return Ok(());
        }
        pooled
            .conn
            .batch_execute("SELECT 1")
            .map_err(StoreError::Query)?;
        pooled.worked_at = Some(Instant::now());
        Ok(())
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        std::thread::panicking() || pooled.conn.is_broken()
    }
}

/// A pooled connection and when its last unit of work succeeded (`None`
/// after a failure, so the next checkout tests it).
pub struct Pooled {
    conn: DbConn,
    worked_at: Option<Instant>,
}

impl Pooled {
    /// How long a connection that just worked is trusted without a test.
    /// Under load connections come back within milliseconds and skip the
    /// test; an idle service still tests each one before use. A database
    /// that dies inside this window fails the request that finds out, as
    /// one dying during the request would.
    const TRUSTED_FOR: Duration = Duration::from_secs(1);

    fn worked_recently(&self) -> bool {
        self.worked_at
            .is_some_and(|at| at.elapsed() < Self::TRUSTED_FOR)
    }
}

/// For benchmarks only, never in a default build: with the `capture-sql`
/// feature and `KYUSHOKU_CAPTURE_SQL=FILE`, every statement with its bind
/// values is appended to FILE, so `bench/` can replay the exact SQL through
/// `sqlite3` (PostgreSQL has its own statement log for that). The values
/// are data, which is why no build that serves people has this.
#[cfg(feature = "capture-sql")]
mod capture {
    use std::io::Write;
    use std::sync::Mutex;

    use diesel::connection::{Instrumentation, InstrumentationEvent};

    struct ToFile(&'static Mutex<std::fs::File>);

    impl Instrumentation for ToFile {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            let mut f = self.0.lock().unwrap_or_else(|e| e.into_inner());
            match event {
                InstrumentationEvent::StartQuery { query, .. } => {
                    let _ = writeln!(f, "{}", query.to_string().replace('\n', " "));
                }
                // A statement diesel keeps compiled (prepared, on
                // PostgreSQL) from now on: the ones never marked so are
                // compiled again at every call.
                InstrumentationEvent::CacheQuery { sql, .. } => {
                    let _ = writeln!(f, "-- kept compiled: {}", sql.replace('\n', " "));
                }
                _ => {}
            }
        }
    }

    pub(super) fn install(conn: &mut super::DbConn) {
        use diesel::Connection;
        static FILE: std::sync::OnceLock<Option<Mutex<std::fs::File>>> = std::sync::OnceLock::new();
        let file = FILE.get_or_init(|| {
            let path = std::env::var_os("KYUSHOKU_CAPTURE_SQL")?;
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .ok()?;
            Some(Mutex::new(f))
        });
        if let Some(f) = file {
            conn.set_instrumentation(ToFile(f));
        }
    }
}

/// libpq speaks TLS through OpenSSL, which by default frees its global state
/// in an `atexit` handler. A pool may still be opening a connection in one of
/// its threads when the process exits (r2d2 keeps an idle connection ready,
/// and retries failed ones), and that thread then takes a freed lock: a
/// segfault or "double free" at exit, about one `kyushoku admin` run in 40
/// (core dump: `OPENSSL_cleanup` in the main thread, `PQconnectPoll` in a
/// pool thread). Initialising OpenSSL first with `OPENSSL_INIT_NO_ATEXIT`
/// leaves that state for the operating system to reclaim. Called before
/// every PostgreSQL connection.
pub fn keep_openssl_until_exit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // libpq-dev depends on libssl-dev: libcrypto is there wherever libpq is.
        #[link(name = "crypto")]
        extern "C" {
            fn OPENSSL_init_crypto(opts: u64, settings: *const std::ffi::c_void)
                -> std::ffi::c_int;
        }
        const OPENSSL_INIT_NO_ATEXIT: u64 = 0x0008_0000;
        // SAFETY: OPENSSL_init_crypto is thread-safe, takes a flag word and
        // an optional settings pointer (null: defaults), and keeps nothing
        // of ours.
        let ok = unsafe { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, std::ptr::null()) };
        if ok != 1 {
            tracing::warn!("OpenSSL initialisation failed; libpq will try again itself");
        }
    });
}

/// What `sqlite3_config` answered for the threading mode and the memory
/// statistics (`SQLITE_OK` is 0), for the test below.
static SQLITE_CONFIGURED: std::sync::OnceLock<(i32, i32)> = std::sync::OnceLock::new();

/// The bundled SQLite is built serialized: every call on a connection takes
/// that connection's mutex, and every allocation a process-wide one for its
/// memory statistics. Neither is needed here: a pooled connection is used by
/// one thread at a time (diesel's connection is not `Sync`), and nothing
/// reads the statistics. Multi-thread mode without them served reads about
/// a quarter faster under 16 concurrent requests (docs/benchmarks.md,
/// session 6). `sqlite3_config` only works before SQLite initialises, so
/// this runs before the process's first connection; later calls do nothing.
pub(crate) fn configure_sqlite_once() {
    SQLITE_CONFIGURED.get_or_init(|| {
        use libsqlite3_sys::{sqlite3_config, SQLITE_CONFIG_MEMSTATUS, SQLITE_CONFIG_MULTITHREAD};
        // SAFETY: called once, before any other SQLite call of this process
        // (every connection is opened after it, through this function);
        // MULTITHREAD takes no argument and MEMSTATUS one int.
        let modes = unsafe {
            (
                sqlite3_config(SQLITE_CONFIG_MULTITHREAD),
                sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int),
            )
        };
        if modes != (0, 0) {
            tracing::warn!(
                ?modes,
                "SQLite kept its serialized mode (already initialised)"
            );
        }
        modes
    });
}

/// Pool settings; the defaults suit one small instance.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    /// How long a request waits for a connection before it fails (fast) with 503.
    pub acquire_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// The database handle the rest of the service holds. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    breaker: Arc<Breaker>,
}

/// Fail-fast while the database is down: after a failure to reach it, for
/// [`Breaker::HOLD`] requests take an idle healthy connection or are refused
/// at once (503), instead of each waiting out the pool's timeout and piling
/// up threads. After the hold, one request at a time probes with a short
/// timeout; the first success closes the breaker.
#[derive(Debug, Default)]
struct Breaker {
    /// Milliseconds since `epoch` of the last failure; 0 when closed.
    failed_at: AtomicU64,
    probing: AtomicBool,
    epoch: OnceLock<Instant>,
}

impl Breaker {
    const HOLD: Duration = Duration::from_secs(1);
    const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

    fn now_ms(&self) -> u64 {
        // Never 0, which means "closed".
        self.epoch.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
    }

    fn trip(&self) {
        self.failed_at.store(self.now_ms(), Ordering::Relaxed);
    }

    fn close(&self) {
        self.failed_at.store(0, Ordering::Relaxed);
    }

    /// Milliseconds since the last failure, when the breaker is open.
    fn open_for(&self) -> Option<u64> {
        match self.failed_at.load(Ordering::Relaxed) {
            0 => None,
            at => Some(self.now_ms().saturating_sub(at)),
        }
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Db {
    /// Parses the URL, makes one connection to prove the database answers
    /// (so a wrong host or password fails here with its real cause), and
    /// builds the pool.
    pub fn connect(url: &str, options: &PoolOptions) -> Result<Self, StoreError> {
        let url = DatabaseUrl::parse(url)?;
        let backend = url.backend();
        let first = url.connect()?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(options.max_size)
            .min_idle(Some(1))
            .connection_timeout(options.acquire_timeout)
            .error_handler(Box::new(LogErrors))
            .build_unchecked(Manager { url });
        Ok(Self {
            pool,
            backend,
            breaker: Arc::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs one unit of work on a pooled connection. Blocking: call it from
    /// `web::block` or a blocking thread.
    pub fn run<T>(
        &self,
        work: impl FnOnce(&mut DbConn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut pooled = self.checkout()?;
        let result = work(&mut pooled.conn);
        pooled.worked_at = result.is_ok().then(Instant::now);
        match &result {
            Err(e) if e.is_unavailable() => self.breaker.trip(),
            Ok(_) if self.breaker.open_for().is_some() => self.breaker.close(),
            _ => {}
        }
        result
    }

    /// A pooled connection, through the breaker.
    fn checkout(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        let Some(since) = self.breaker.open_for() else {
            return self
                .pool
                .get()
                .inspect_err(|_| self.breaker.trip())
                .map_err(Into::into);
        };
        if let Some(conn) = self.pool.try_get() {
            return Ok(conn);
        }
        let hold = Breaker::HOLD.as_millis() as u64;
        if since < hold || self.breaker.probing.swap(true, Ordering::AcqRel) {
            return Err(StoreError::RecentlyDown(since));
        }
        let probe = self.pool.get_timeout(Breaker::PROBE_TIMEOUT);
        self.breaker.probing.store(false, Ordering::Release);
        match probe {
            Ok(conn) => {
                self.breaker.close();
                Ok(conn)
            }
            Err(e) => {
                self.breaker.trip();
                Err(e.into())
            }
        }
    }

    /// True when a connection can be had within `timeout` and answers.
    pub fn ping(&self, timeout: Duration) -> Result<(), StoreError> {
        let mut pooled = self.pool.get_timeout(timeout)?;
        pooled.conn.batch_execute("SELECT 1")?;
        Ok(())
    }

    /// Connections in the pool, and how many of them are idle.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }
}

#[derive(Debug)]
struct LogErrors;

impl r2d2::HandleError<StoreError> for LogErrors {
    fn handle_error(&self, error: StoreError) {
        tracing::warn!(error = %error, "database connection failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_selects_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://kyushoku.db").unwrap(),
            DatabaseUrl::Sqlite("kyushoku.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/k.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/k.db".into())
        );
    }

    #[test]
    fn postgres_urls_get_network_bounds_unless_set() {
        let DatabaseUrl::Postgres(u) = DatabaseUrl::parse("postgres://u@h/db").unwrap() else {
            panic!()
        };
        assert_eq!(
            u,
            "postgres://u@h/db?connect_timeout=5&keepalives_idle=30&keepalives_interval=10&keepalives_count=3&options=-c%20max_parallel_workers_per_gather%3D0"
        );
        let DatabaseUrl::Postgres(u) =
            DatabaseUrl::parse("postgres://u@h/db?sslmode=require&connect_timeout=2").unwrap()
        else {
            panic!()
        };
        assert!(
            u.starts_with("postgres://u@h/db?sslmode=require&connect_timeout=2&keepalives_idle=30")
        );
        assert_eq!(u.matches("connect_timeout").count(), 1);
        let DatabaseUrl::Postgres(u) =
            DatabaseUrl::parse("postgres://u@h/db?options=-c%20work_mem%3D64MB").unwrap()
        else {
            panic!()
        };
        assert!(!u.contains("max_parallel_workers_per_gather"), "{u}");
    }

    #[test]
    fn postgresql_sessions_start_without_parallel_workers() {
        let Some(url) = crate::testing::postgres_url() else {
            return;
        };
        let db = Db::connect(&url, &PoolOptions::default()).unwrap();
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            max_parallel_workers_per_gather: String,
        }
        let v = db
            .run(|c| {
                Ok(diesel::sql_query("SHOW max_parallel_workers_per_gather")
                    .get_result::<Row>(c)?
                    .max_parallel_workers_per_gather)
            })
            .unwrap();
        assert_eq!(v, "0");
    }

    /// A connection whose last unit of work succeeded moments ago leaves the
    /// pool without a `SELECT 1`; one idle for longer, or whose last unit of
    /// work failed, is tested first and, its session gone, replaced before
    /// anyone uses it.
    #[test]
    fn only_idle_or_failed_connections_are_tested_at_checkout() {
        let Some(url) = crate::testing::postgres_url() else {
            return;
        };
        #[derive(QueryableByName)]
        struct Pid {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            pid: i32,
        }
        fn backend_pid(db: &Db) -> Result<i32, StoreError> {
            db.run(|c| {
                Ok(diesel::sql_query("SELECT pg_backend_pid() AS pid")
                    .get_result::<Pid>(c)?
                    .pid)
            })
        }
        let one = PoolOptions {
            max_size: 1,
            ..PoolOptions::default()
        };
        let pool = || Db::connect(&url, &one).unwrap();
        let killer = pool();
        // Ends the session and waits until it has ended.
        let terminate = |pid: i32| {
            let sql = format!("SELECT pg_terminate_backend({pid}, 5000)");
            killer.run(|c| Ok(c.batch_execute(&sql)?)).unwrap()
        };

        // Worked just now: taken as it is, so its next user finds the
        // session gone (an unavailable database: 503, and the breaker).
        let db = pool();
        terminate(backend_pid(&db).unwrap());
        let lost = backend_pid(&db).unwrap_err();
        assert!(lost.is_unavailable(), "{lost}");

        // Its last unit of work failed (without touching the database):
        // tested, and the dead session replaced.
        let db = pool();
        let before = backend_pid(&db).unwrap();
        terminate(before);
        let refused = db.run(|_| Err::<(), _>(StoreError::Migration("refused".into())));
        assert!(refused.is_err());
        assert_ne!(backend_pid(&db).unwrap(), before);

        // Idle past the trust window: tested, and replaced.
        let db = pool();
        let before = backend_pid(&db).unwrap();
        terminate(before);
        std::thread::sleep(Pooled::TRUSTED_FOR + Duration::from_millis(200));
        assert_ne!(backend_pid(&db).unwrap(), before);
    }

    #[test]
    fn unknown_schemes_are_refused_not_turned_into_files() {
        for bad in [
            "postgress://h/db",
            "mysql://h/db",
            "kyushoku.db",
            "",
            "sqlite://",
            "sqlite::memory:",
        ] {
            assert!(
                matches!(DatabaseUrl::parse(bad), Err(StoreError::UnknownScheme(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn passwords_are_redacted_in_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        let err = DatabaseUrl::parse("pg://u:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn unreachable_postgres_names_the_cause() {
        let err = Db::connect(
            "postgres://nobody@127.0.0.1:1/none",
            &PoolOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("cannot connect to postgresql:"), "{err}");
        assert!(err.to_lowercase().contains("refused"), "{err}");
    }

    #[test]
    fn sqlite_runs_multi_threaded_without_memory_statistics() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, &PoolOptions::default()).unwrap();
        db.run(|c| Ok(c.batch_execute("CREATE TABLE t (x TEXT)")?))
            .unwrap();
        assert_eq!(SQLITE_CONFIGURED.get(), Some(&(0, 0)));
        // With the statistics off SQLite counts nothing. SAFETY: a plain
        // read of a counter, allowed in any mode.
        assert_eq!(unsafe { libsqlite3_sys::sqlite3_memory_used() }, 0);
    }

    /// Why a row is read with `get_result` rather than `first` (the crate's
    /// documentation) and `status = 'active'` is written out (`literal`):
    /// SQLite compiles a statement with a bound LIMIT, or a bound status
    /// beside a partial index on it, again at every run; one without none.
    #[test]
    fn sqlite_compiles_some_bound_statements_again_on_every_run() {
        use libsqlite3_sys as ffi;
        use std::ffi::CString;
        use std::ptr::null_mut;

        // Before this process's first connection (see the test above).
        configure_sqlite_once();
        // SAFETY: one connection of this thread, statements finalized
        // before it is closed; every pointer comes from SQLite itself.
        unsafe {
            let mut db = null_mut();
            let name = CString::new(":memory:").unwrap();
            assert_eq!(ffi::sqlite3_open(name.as_ptr(), &mut db), ffi::SQLITE_OK);
            let schema = CString::new(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, status TEXT, x TEXT);
                 CREATE INDEX t_live ON t (x) WHERE status = 'active';
                 CREATE TABLE o (id INTEGER PRIMARY KEY);
                 INSERT INTO t VALUES (1, 'active', 'a'); INSERT INTO o VALUES (1);",
            )
            .unwrap();
            let ok = ffi::sqlite3_exec(db, schema.as_ptr(), None, null_mut(), null_mut());
            assert_eq!(ok, ffi::SQLITE_OK);
            let recompiled = |sql: &str| {
                let sql = CString::new(sql).unwrap();
                let mut stmt = null_mut();
                let flags = ffi::SQLITE_PREPARE_PERSISTENT;
                let ok =
                    ffi::sqlite3_prepare_v3(db, sql.as_ptr(), -1, flags, &mut stmt, null_mut());
                assert_eq!(ok, ffi::SQLITE_OK);
                let active = CString::new("active").unwrap();
                for _ in 0..3 {
                    ffi::sqlite3_bind_int64(stmt, 1, 1);
                    ffi::sqlite3_bind_text(stmt, 2, active.as_ptr(), -1, None);
                    assert_eq!(ffi::sqlite3_step(stmt), ffi::SQLITE_ROW);
                    ffi::sqlite3_reset(stmt);
                }
                let n = ffi::sqlite3_stmt_status(stmt, ffi::SQLITE_STMTSTATUS_REPREPARE, 0);
                ffi::sqlite3_finalize(stmt);
                n
            };
            let exists = "EXISTS (SELECT o.id FROM o WHERE o.id = ?1)";
            assert_eq!(recompiled("SELECT x FROM t WHERE id = ?1 LIMIT ?1"), 3);
            assert_eq!(recompiled("SELECT x FROM t WHERE id = ?1"), 0);
            let bound = format!("SELECT x FROM t WHERE id = ?1 AND status = ?2 AND {exists}");
            assert_eq!(recompiled(&bound), 3);
            let written = format!(
                "SELECT x FROM t WHERE id = ?1 AND status = 'active' AND {exists} AND ?2 IS NOT NULL"
            );
            assert_eq!(recompiled(&written), 0);
            ffi::sqlite3_close(db);
        }
    }

    #[test]
    fn sqlite_runs_with_wal_foreign_keys_and_busy_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, &PoolOptions::default()).unwrap();
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        let read = |sql: &str| {
            db.run(|c| Ok(diesel::sql_query(sql).get_result::<Row>(c)?.v))
                .unwrap()
        };
        assert_eq!(
            read("SELECT CAST(journal_mode AS TEXT) AS v FROM pragma_journal_mode"),
            "wal"
        );
        assert_eq!(
            read("SELECT CAST(foreign_keys AS TEXT) AS v FROM pragma_foreign_keys"),
            "1"
        );
        assert_eq!(
            read("SELECT CAST(timeout AS TEXT) AS v FROM pragma_busy_timeout"),
            "5000"
        );
    }
}
