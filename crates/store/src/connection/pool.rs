//! The r2d2 manager (the backend from the URL's scheme, the driver's own
//! error kept), the pooled connection's health check, the pool's settings
//! and the breaker that fails fast while the database is down.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;

use crate::StoreError;

use super::*;

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
    pub(super) const TRUSTED_FOR: Duration = Duration::from_secs(1);

    fn worked_recently(&self) -> bool {
        self.worked_at
            .is_some_and(|at| at.elapsed() < Self::TRUSTED_FOR)
    }
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
