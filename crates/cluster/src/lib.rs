//! State shared between instances of kyushoku: through Redis when
//! `REDIS_URL` is set, in this process when it is not (one box, one instance).
//!
//! Both modes sit behind the one [`Cluster`] type so callers never branch on
//! the deployment. Nothing that must survive a crash lives only here: Redis
//! carries counters, caches and fan-out, the database carries the truth.

pub mod events;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// How long a health check waits for Redis before calling it down.
pub(crate) const PING_TIMEOUT: Duration = Duration::from_secs(1);
/// How long start-up waits for the first Redis connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("invalid REDIS_URL: {0}")]
    Url(String),
    #[error("cannot connect to redis: {0}")]
    Connect(String),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis holds an older value than this instance wrote during an outage")]
    Owed,
    /// Redis failed moments ago: not asked again until a probe finds it.
    #[error("redis is down; probing in the background")]
    Down,
}

/// A rate-limit decision for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window resets.
    pub reset_secs: u64,
}

impl RateDecision {
    fn from_count(count: u64, limit: u64, ttl: Duration) -> Self {
        Self {
            allowed: count <= limit,
            limit,
            remaining: limit.saturating_sub(count),
            reset_secs: ttl.as_millis().div_ceil(1000).max(1) as u64,
        }
    }
}

/// Fixed-window counter: INCR, and set the window's expiry on the first hit,
/// atomically in one script so concurrent instances share one count. The
/// keys after the generation (KEYS[2]) are cached values, read in the same
/// call and returned after the count and the window's remaining time
/// (`false`, a nil reply, for a missing key or one of an older generation):
/// an authenticated request needs its limit and its cached state, and gets
/// both in one round trip. Cached values are `generation|version|payload`
/// ([`CAS_SCRIPT`]); only the payload comes back.
const RATE_SCRIPT: &str = r#"
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local g = redis.call('GET', KEYS[2]) or '0'
local cached = {}
for i = 3, #KEYS do
  local v = redis.call('GET', KEYS[i])
  cached[i - 2] = false
  if v then
    local vg, payload = string.match(v, '^([^|]*)|[^|]*|(.*)$')
    if vg == g then cached[i - 2] = payload end
  end
end
return {c, ttl, cached}
"#;

/// Writes a cached value unless Redis holds a newer one: the value is kept
/// as `generation|version|payload`, and a write whose version is not above
/// the stored one's (of the current generation) changes nothing. So a
/// state never goes backwards, whatever order writes from several instances
/// (or a write delayed by a stalled Redis) arrive in. Returns 1 when written.
const CAS_SCRIPT: &str = r#"
local g = redis.call('GET', KEYS[2]) or '0'
local cur = redis.call('GET', KEYS[1])
if cur then
  local cg, cv = string.match(cur, '^([^|]*)|([^|]*)|')
  if cg == g and tonumber(cv) ~= nil and tonumber(cv) >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], g .. '|' .. ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1
"#;

static CAS: std::sync::LazyLock<redis::Script> =
    std::sync::LazyLock::new(|| redis::Script::new(CAS_SCRIPT));

/// The version of a value that is gone for good (a deleted principal): above
/// any other, and exact in Lua's numbers.
pub const FINAL_VERSION: i64 = (1 << 53) - 1;

/// The key whose value names the generation of every cached value. An
/// instance that finds Redis again after losing it counts it up before it
/// trusts the cache: whatever Redis held from before the outage (perhaps a
/// state that changed meanwhile, whose write-through was lost) is then
/// ignored by every instance, which reads the database instead.
const GENERATION: &str = "cache-generation";

/// The script, hashed once (EVALSHA, loaded again by itself after a Redis
/// restart).
static RATE: std::sync::LazyLock<redis::Script> =
    std::sync::LazyLock::new(|| redis::Script::new(RATE_SCRIPT));

const PREFIX: &str = "kyushoku:";

/// In-process state: used alone without Redis, and as the fallback for
/// rate limits while Redis does not answer.
#[derive(Debug, Default)]
struct Local {
    counters: Mutex<Expiring<u64>>,
    cache: Mutex<Expiring<(i64, String)>>,
}

/// Entries kept before expired ones are first swept out.
const LOCAL_SWEEP_AT: usize = 10_000;

/// A map of entries that expire. Expired entries are swept out when the
/// map has reached twice the size it had after the last sweep (at least
/// [`LOCAL_SWEEP_AT`]): however many entries are live — a city's seekers
/// each have a cached principal and a rate-limit window — a sweep costs
/// each insert O(1) amortised, not a scan of the whole map.
#[derive(Debug)]
struct Expiring<V> {
    map: HashMap<String, (V, Instant)>,
    sweep_at: usize,
}

impl<V> Default for Expiring<V> {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            sweep_at: LOCAL_SWEEP_AT,
        }
    }
}

impl<V> Expiring<V> {
    /// Sweeps out expired entries if the map has grown enough since the
    /// last sweep.
    fn sweep_if_due(&mut self, now: Instant) {
        if self.map.len() >= self.sweep_at {
            self.map.retain(|_, (_, end)| *end > now);
            self.sweep_at = (self.map.len() * 2).max(LOCAL_SWEEP_AT);
        }
    }
}

impl Local {
    fn hit(&self, key: &str, limit: u64, window: Duration) -> RateDecision {
        let now = Instant::now();
        let mut counters = self.counters.lock().expect("rate counters");
        counters.sweep_if_due(now);
        let entry = counters
            .map
            .entry(key.to_owned())
            .or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        RateDecision::from_count(entry.0, limit, entry.1 - now)
    }

    fn get(&self, key: &str) -> Option<String> {
        let cache = self.cache.lock().expect("local cache");
        cache
            .map
            .get(key)
            .filter(|(_, exp)| *exp > Instant::now())
            .map(|((_, v), _)| v.clone())
    }

    /// Keeps the newer of the stored value and this one (see [`CAS_SCRIPT`]).
    fn put(&self, key: &str, version: i64, value: &str, ttl: Duration) {
        let now = Instant::now();
        let mut cache = self.cache.lock().expect("local cache");
        cache.sweep_if_due(now);
        if cache
            .map
            .get(key)
            .is_some_and(|((v, _), exp)| *exp > now && *v >= version)
        {
            return;
        }
        cache
            .map
            .insert(key.to_owned(), ((version, value.to_owned()), now + ttl));
    }
}

/// What this instance last saw of Redis, and the cache writes it owes it.
#[derive(Debug)]
struct Health {
    up: AtomicBool,
    /// Write-throughs that failed while Redis was away. They are replayed
    /// once it answers again (after the generation moved on, see
    /// [`GENERATION`]), so that other instances find the decision taken
    /// during the outage (a suspension) in the cache.
    owed: Mutex<Vec<Owed>>,
}

impl Default for Health {
    fn default() -> Self {
        Self {
            up: AtomicBool::new(true),
            owed: Mutex::default(),
        }
    }
}

/// A cache write that Redis has not taken yet.
#[derive(Debug, Clone)]
struct Owed {
    key: String,
    version: i64,
    value: String,
    ttl: Duration,
}

/// The shared-state handle. Cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    /// Prefix of every Redis key: `kyushoku:<deployment id>:`.
    prefix: Arc<str>,
    local: Arc<Local>,
    health: Arc<Health>,
    events: Arc<events::LocalEvents>,
    /// Redis, through a connection manager that reconnects by itself.
    redis: Option<ConnectionManager>,
    /// For the pub/sub listener, which needs a connection of its own, and
    /// for each thread's own connection (see [`Cluster::near`]).
    client: Option<redis::Client>,
    /// Tells this handle's connections apart from another's on a thread.
    id: usize,
}

/// Gives each connected [`Cluster`] its own [`Cluster::id`].
static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Each thread's own Redis connections, by [`Cluster::id`].
    static NEAR: RefCell<Vec<(usize, ConnectionManager)>> = const { RefCell::new(Vec::new()) };
}

fn manager_config() -> redis::aio::ConnectionManagerConfig {
    redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(PING_TIMEOUT))
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.mode())
    }
}

impl Cluster {
    /// State kept in this process only: one instance, no Redis.
    pub fn in_process() -> Self {
        Self {
            prefix: PREFIX.into(),
            local: Arc::default(),
            health: Arc::default(),
            events: Arc::default(),
            redis: None,
            client: None,
            id: 0,
        }
    }

    /// Connects to Redis when a URL is given, else runs in-process. A URL
    /// that does not parse or a server that does not answer is an error
    /// here, at start-up, rather than a silent fallback.
    pub async fn connect(redis_url: Option<&str>) -> Result<Self, ClusterError> {
        let Some(url) = redis_url else {
            return Ok(Self::in_process());
        };
        let client = redis::Client::open(url).map_err(|e| ClusterError::Url(e.to_string()))?;
        let manager = tokio::time::timeout(
            CONNECT_TIMEOUT,
            ConnectionManager::new_with_config(client.clone(), manager_config()),
        )
        .await
        .map_err(|_| ClusterError::Connect(format!("no answer within {CONNECT_TIMEOUT:?}")))?
        .map_err(|e| ClusterError::Connect(e.to_string()))?;
        Ok(Self {
            prefix: PREFIX.into(),
            local: Arc::default(),
            health: Arc::default(),
            events: Arc::default(),
            redis: Some(manager),
            client: Some(client),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// Keys of this handle live under `kyushoku:<namespace>:` in Redis, so
    /// that deployments sharing one Redis never meet.
    pub fn namespaced(mut self, namespace: &str) -> Self {
        self.prefix = format!("{PREFIX}{namespace}:").into();
        self
    }

    /// `"redis"` or `"in_process"`, for `/readyz` and `/metrics`.
    pub fn mode(&self) -> &'static str {
        match self.redis {
            None => "in_process",
            Some(_) => "redis",
        }
    }

    /// Whether the last exchange with Redis worked (always true in-process).
    /// `/metrics` reports it. While false the service runs degraded and does
    /// not ask Redis at all (each request would otherwise wait out a
    /// timeout): only `ping`, run every half second by the background task
    /// of `start_listener` and by `/readyz`, probes it.
    pub fn is_up(&self) -> bool {
        self.health.up.load(Ordering::Relaxed)
    }

    /// Records how an exchange with Redis went, logging changes once. A
    /// failure marks Redis down; only [`Cluster::ping`] marks it up again,
    /// after [`Cluster::recover`], so that an answer arriving late from
    /// before an outage never makes this instance trust the cache again.
    pub(crate) fn note<T>(&self, result: &Result<T, ClusterError>) {
        if result.is_err() {
            self.set_up(false);
        }
    }

    fn set_up(&self, up: bool) {
        if self.health.up.swap(up, Ordering::Relaxed) != up {
            if up {
                tracing::info!("redis answers again: shared state restored");
            } else {
                tracing::warn!("redis does not answer: rate limits per instance, events on this instance only, caches bypassed");
            }
        }
    }

    /// A connection to Redis whose I/O runs on the calling thread. The
    /// shared `manager` is driven by a task on whichever thread the server
    /// started on, so each request's round trip through it wakes that
    /// thread and then this one again; each HTTP worker (a thread with its
    /// own runtime) opens its own on first use instead, and keeps it.
    /// Falls back to `manager` when it cannot connect.
    async fn near(&self, manager: &ConnectionManager) -> ConnectionManager {
        let known = NEAR.with_borrow(|near| {
            near.iter()
                .find(|(id, _)| *id == self.id)
                .map(|(_, conn)| conn.clone())
        });
        if let Some(conn) = known {
            return conn;
        }
        let Some(client) = &self.client else {
            return manager.clone();
        };
        let connect = ConnectionManager::new_with_config(client.clone(), manager_config());
        match tokio::time::timeout(PING_TIMEOUT, connect).await {
            // Requests that started together on this thread may each have
            // connected: the first to finish is kept, the others dropped.
            Ok(Ok(conn)) => {
                NEAR.with_borrow_mut(|near| match near.iter().find(|(id, _)| *id == self.id) {
                    Some((_, first)) => first.clone(),
                    None => {
                        near.push((self.id, conn.clone()));
                        conn
                    }
                })
            }
            _ => manager.clone(),
        }
    }

    /// Whether the shared state answers. In-process always does.
    pub async fn ping(&self) -> Result<(), ClusterError> {
        let Some(manager) = &self.redis else {
            return Ok(());
        };
        let mut conn = manager.clone();
        let was_up = self.is_up();
        let mut result: Result<String, ClusterError> =
            tokio::time::timeout(PING_TIMEOUT, redis::cmd("PING").query_async(&mut conn))
                .await
                .map_err(|_| ClusterError::Timeout(PING_TIMEOUT))
                .and_then(|r| r.map_err(ClusterError::from));
        if result.is_ok() && (!was_up || self.owes_any()) {
            // Back after an outage: nothing cached before it is trusted.
            if let Err(e) = self.recover().await {
                result = Err(e);
            }
        }
        self.note(&result);
        if result.is_ok() {
            self.set_up(true);
        }
        result.map(drop)
    }

    /// After an outage (Redis unreachable, or a write-through lost): moves
    /// the cache's generation on, so that no instance reads what Redis held
    /// before (see [`GENERATION`]), then replays the writes this instance
    /// owes. Until this has succeeded the instance does not read the cache.
    async fn recover(&self) -> Result<(), ClusterError> {
        let Some(manager) = &self.redis else {
            return Ok(());
        };
        let mut conn = manager.clone();
        tokio::time::timeout(
            PING_TIMEOUT,
            redis::cmd("INCR")
                .arg(format!("{}{GENERATION}", self.prefix))
                .query_async::<i64>(&mut conn),
        )
        .await
        .map_err(|_| ClusterError::Timeout(PING_TIMEOUT))?
        .map_err(ClusterError::from)?;
        tracing::info!("redis answers again: cached state from before the outage is ignored");
        let owed = std::mem::take(&mut *self.health.owed.lock().expect("owed writes"));
        for (i, o) in owed.iter().enumerate() {
            if let Err(e) = self.cas_write(&o.key, o.version, &o.value, o.ttl).await {
                let mut still = self.health.owed.lock().expect("owed writes");
                still.extend(owed[i..].iter().cloned());
                return Err(e);
            }
        }
        Ok(())
    }

    fn owes_any(&self) -> bool {
        !self.health.owed.lock().expect("owed writes").is_empty()
    }

    /// Counts one request against `key` in a fixed window shared by every
    /// instance. While Redis does not answer, each instance counts alone
    /// (degraded: the limit then applies per instance), and says so in the
    /// second value.
    pub async fn hit(&self, key: &str, limit: u64, window: Duration) -> (RateDecision, bool) {
        let (decision, degraded, _) = self.hit_and_get(key, limit, window, &[]).await;
        (decision, degraded)
    }

    /// [`Cluster::hit`], and the cached values of `cached` read in the same
    /// round trip to Redis. A value that could not be asked for (Redis down),
    /// or whose write-through this instance still owes Redis, comes back as
    /// `None`: a miss, so the caller reads the database.
    pub async fn hit_and_get(
        &self,
        key: &str,
        limit: u64,
        window: Duration,
        cached: &[String],
    ) -> (RateDecision, bool, Vec<Option<String>>) {
        let Some(manager) = &self.redis else {
            let values = cached.iter().map(|k| self.local.get(k)).collect();
            return (self.local.hit(key, limit, window), false, values);
        };
        let misses = || vec![None; cached.len()];
        if self.owes_any() && self.is_up() {
            let recovered = self.recover().await;
            self.note(&recovered);
        }
        if !self.is_up() {
            return (self.local.hit(key, limit, window), true, misses());
        }
        let mut conn = self.near(manager).await;
        let mut invocation = RATE.key(format!("{}rl:{key}", self.prefix));
        invocation.key(format!("{}{GENERATION}", self.prefix));
        for k in cached {
            invocation.key(format!("{}{k}", self.prefix));
        }
        invocation.arg(window.as_millis() as u64);
        let call = invocation.invoke_async::<(u64, i64, Vec<Option<String>>)>(&mut conn);
        let result = tokio::time::timeout(PING_TIMEOUT, call)
            .await
            .map_err(|_| ClusterError::Timeout(PING_TIMEOUT))
            .and_then(|r| r.map_err(ClusterError::from));
        self.note(&result);
        match result {
            Ok((count, ttl_ms, mut values)) => {
                values.resize(cached.len(), None);
                if !self.is_up() {
                    // Another exchange failed meanwhile: what this one read
                    // may be from before an outage.
                    values = misses();
                }
                for (value, k) in values.iter_mut().zip(cached) {
                    if self.owes(k) {
                        // Redis may hold an older value than the one we owe it.
                        *value = None;
                    }
                }
                let ttl = Duration::from_millis(ttl_ms.max(0) as u64);
                (RateDecision::from_count(count, limit, ttl), false, values)
            }
            // Counted in this process while Redis is away (see `note`).
            Err(_) => (self.local.hit(key, limit, window), true, misses()),
        }
    }

    /// A cached value. `Err` means the cache could not be asked: treat it as
    /// a miss and read the database.
    pub async fn cache_get(&self, key: &str) -> Result<Option<String>, ClusterError> {
        let Some(manager) = &self.redis else {
            return Ok(self.local.get(key));
        };
        if !self.is_up() {
            return Err(ClusterError::Down);
        }
        if self.owes(key) {
            // Redis may hold an older value than the one we owe it.
            return Err(ClusterError::Owed);
        }
        let mut conn = manager.clone();
        let result = tokio::time::timeout(
            PING_TIMEOUT,
            redis::cmd("MGET")
                .arg(format!("{}{key}", self.prefix))
                .arg(format!("{}{GENERATION}", self.prefix))
                .query_async::<(Option<String>, Option<String>)>(&mut conn),
        )
        .await
        .map_err(|_| ClusterError::Timeout(PING_TIMEOUT))
        .and_then(|r| r.map_err(ClusterError::from));
        self.note(&result);
        let (value, generation) = result?;
        let generation = generation.unwrap_or_else(|| "0".to_owned());
        Ok(value.and_then(|v| {
            let (g, rest) = v.split_once('|')?;
            let (_, payload) = rest.split_once('|')?;
            (g == generation).then(|| payload.to_owned())
        }))
    }

    fn owes(&self, key: &str) -> bool {
        let owed = self.health.owed.lock().expect("owed writes");
        owed.iter().any(|o| o.key == key)
    }

    /// While Redis is down or write-throughs are owed, probes it every half
    /// second and, once it answers, moves the generation on and replays
    /// them (see [`Cluster::recover`]), so that every instance stops reading
    /// what Redis held before the outage as soon as it answers again.
    /// Spawned by `start_listener`.
    async fn settle_owed_writes(self) {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tick.tick().await;
            if self.owes_any() || !self.is_up() {
                let _ = self.ping().await;
            }
        }
    }

    /// Fills the cache after a database read. `version` orders the states of
    /// one key (an organisation's `version`, a principal's epoch,
    /// [`FINAL_VERSION`] for one that is gone): a slow reader never
    /// overwrites a newer state.
    pub async fn cache_fill(
        &self,
        key: &str,
        version: i64,
        value: &str,
        ttl: Duration,
    ) -> Result<(), ClusterError> {
        self.cache_set(key, version, value, ttl).await
    }

    /// Writes through after a change. A write that fails is owed: replayed
    /// when Redis answers again, and until then this instance reads the
    /// database for that key.
    pub async fn cache_put(
        &self,
        key: &str,
        version: i64,
        value: &str,
        ttl: Duration,
    ) -> Result<(), ClusterError> {
        let result = self.cache_set(key, version, value, ttl).await;
        if result.is_err() {
            let mut owed = self.health.owed.lock().expect("owed writes");
            owed.retain(|o| o.key != key);
            owed.push(Owed {
                key: key.to_owned(),
                version,
                value: value.to_owned(),
                ttl,
            });
        }
        result
    }

    async fn cache_set(
        &self,
        key: &str,
        version: i64,
        value: &str,
        ttl: Duration,
    ) -> Result<(), ClusterError> {
        if self.redis.is_some() && !self.is_up() {
            return Err(ClusterError::Down);
        }
        self.cas_write(key, version, value, ttl).await
    }

    /// [`CAS_SCRIPT`] on Redis, whether or not it is marked up (recovery
    /// writes before it is).
    async fn cas_write(
        &self,
        key: &str,
        version: i64,
        value: &str,
        ttl: Duration,
    ) -> Result<(), ClusterError> {
        let Some(manager) = &self.redis else {
            self.local.put(key, version, value, ttl);
            return Ok(());
        };
        let mut conn = manager.clone();
        let mut invocation = CAS.key(format!("{}{key}", self.prefix));
        invocation
            .key(format!("{}{GENERATION}", self.prefix))
            .arg(version)
            .arg(value)
            .arg(ttl.as_millis() as u64);
        let result = tokio::time::timeout(PING_TIMEOUT, invocation.invoke_async::<i64>(&mut conn))
            .await
            .map_err(|_| ClusterError::Timeout(PING_TIMEOUT))
            .and_then(|r| r.map_err(ClusterError::from));
        self.note(&result);
        result.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_a_url_state_is_in_process_and_healthy() {
        let c = Cluster::connect(None).await.unwrap();
        assert_eq!(c.mode(), "in_process");
        c.ping().await.unwrap();
    }

    #[tokio::test]
    async fn in_process_rate_limit_counts_to_the_limit_then_refuses() {
        let c = Cluster::in_process();
        for i in 1..=3 {
            let (d, degraded) = c.hit("k", 3, Duration::from_secs(60)).await;
            assert!(d.allowed && !degraded);
            assert_eq!(d.remaining, 3 - i);
        }
        let (d, _) = c.hit("k", 3, Duration::from_secs(60)).await;
        assert!(!d.allowed);
        assert!(d.reset_secs >= 1 && d.reset_secs <= 60);
        // Another key has its own window.
        assert!(c.hit("other", 3, Duration::from_secs(60)).await.0.allowed);
    }

    #[tokio::test]
    async fn in_process_cache_keeps_the_newest_version() {
        let c = Cluster::in_process();
        c.cache_put("s", 2, "new", Duration::from_secs(60))
            .await
            .unwrap();
        c.cache_fill("s", 1, "stale", Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(c.cache_get("s").await.unwrap().as_deref(), Some("new"));
        c.cache_fill("s", 3, "newer", Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(c.cache_get("s").await.unwrap().as_deref(), Some("newer"));
    }

    #[tokio::test]
    async fn in_process_hit_and_get_counts_and_reads() {
        let c = Cluster::in_process();
        c.cache_put("a", 1, "1", Duration::from_secs(60))
            .await
            .unwrap();
        let keys = ["a".to_owned(), "missing".to_owned()];
        let (d, degraded, values) = c.hit_and_get("k", 2, Duration::from_secs(60), &keys).await;
        assert!(d.allowed && !degraded && d.remaining == 1);
        assert_eq!(values, [Some("1".to_owned()), None]);
        assert_eq!(c.hit("k", 2, Duration::from_secs(60)).await.0.remaining, 0);
    }

    #[test]
    fn live_entries_are_not_swept_at_every_insert_and_expired_ones_go() {
        let mut m = Expiring::<u64>::default();
        let now = Instant::now();
        let live = now + Duration::from_secs(60);
        for i in 0..25_000 {
            m.sweep_if_due(now);
            m.map.insert(format!("k{i}"), (0, live));
        }
        // One sweep at 10,000 (all live), the next not before 20,000 more.
        assert_eq!(m.map.len(), 25_000);
        assert_eq!(m.sweep_at, 40_000);
        // Once they have expired, the next sweep takes them out and the
        // threshold falls back.
        let later = now + Duration::from_secs(61);
        for i in 25_000..40_000 {
            m.map
                .insert(format!("k{i}"), (0, later + Duration::from_secs(60)));
        }
        m.sweep_if_due(later);
        assert_eq!(m.map.len(), 15_000);
        assert_eq!(m.sweep_at, 30_000);
    }

    #[tokio::test]
    async fn a_malformed_url_is_an_error_not_a_fallback() {
        let err = Cluster::connect(Some("http://localhost"))
            .await
            .unwrap_err();
        assert!(matches!(err, ClusterError::Url(_)), "{err}");
    }

    #[tokio::test]
    async fn an_unreachable_server_is_an_error_naming_the_cause() {
        let err = Cluster::connect(Some("redis://127.0.0.1:1/"))
            .await
            .unwrap_err();
        assert!(matches!(err, ClusterError::Connect(_)), "{err}");
    }

    /// Runs when `KYUSHOKU_TEST_REDIS_URL` is set (always under CI).
    #[tokio::test]
    async fn a_real_redis_answers_ping() {
        let Some(url) = redis_url_for_tests() else {
            return;
        };
        let c = Cluster::connect(Some(&url)).await.unwrap();
        assert_eq!(c.mode(), "redis");
        c.ping().await.unwrap();
        // Two handles (two instances) share one window.
        let other = Cluster::connect(Some(&url)).await.unwrap();
        let key = format!("test-{}", std::process::id());
        let (a, _) = c.hit(&key, 2, Duration::from_secs(30)).await;
        let (b, _) = other.hit(&key, 2, Duration::from_secs(30)).await;
        let (refused, degraded) = c.hit(&key, 2, Duration::from_secs(30)).await;
        assert!(a.allowed && b.allowed && !refused.allowed && !degraded);
        let ck = format!("cache-{}", std::process::id());
        other
            .cache_put(&ck, 2, "v1", Duration::from_secs(30))
            .await
            .unwrap();
        c.cache_fill(&ck, 1, "stale", Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(c.cache_get(&ck).await.unwrap().as_deref(), Some("v1"));
        // An older write arriving late changes nothing; a newer one wins;
        // a new generation hides everything written before it.
        other
            .cache_put(&ck, 1, "late", Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(c.cache_get(&ck).await.unwrap().as_deref(), Some("v1"));
        other
            .cache_put(&ck, 3, "v3", Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(c.cache_get(&ck).await.unwrap().as_deref(), Some("v3"));
        // One round trip counts the request and reads the cache, in the
        // order asked, a missing key as None; the count is the shared one.
        let keys = [format!("absent-{}", std::process::id()), ck.clone()];
        let key2 = format!("test2-{}", std::process::id());
        other.hit(&key2, 5, Duration::from_secs(30)).await;
        let (d, degraded, values) = c
            .hit_and_get(&key2, 5, Duration::from_secs(30), &keys)
            .await;
        assert!(d.allowed && !degraded);
        assert_eq!(d.remaining, 3);
        assert_eq!(values, [None, Some("v3".to_owned())]);
    }

    /// The rate limit's round trip goes through a connection of the
    /// calling thread's own: the same one on every call from a thread,
    /// another on another thread, neither the shared one; counts are shared
    /// all the same (Redis holds them).
    #[tokio::test]
    async fn each_thread_asks_redis_on_a_connection_of_its_own() {
        let Some(url) = redis_url_for_tests() else {
            return;
        };
        async fn client_id(mut conn: ConnectionManager) -> i64 {
            redis::cmd("CLIENT")
                .arg("ID")
                .query_async(&mut conn)
                .await
                .unwrap()
        }
        let c = Cluster::connect(Some(&url)).await.unwrap();
        let shared = c.redis.clone().unwrap();
        let here = client_id(c.near(&shared).await).await;
        assert_eq!(client_id(c.near(&shared).await).await, here);
        assert_ne!(client_id(shared.clone()).await, here);
        let key = format!("near-{}", std::process::id());
        c.hit(&key, 2, Duration::from_secs(30)).await;
        let elsewhere = {
            let (c, shared, key) = (c.clone(), shared.clone(), key.clone());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let (second, _) = c.hit(&key, 2, Duration::from_secs(30)).await;
                    (client_id(c.near(&shared).await).await, second.allowed)
                })
            })
            .join()
            .unwrap()
        };
        assert_ne!(elsewhere.0, here);
        assert!(elsewhere.1, "the second of two allowed");
        let (third, degraded) = c.hit(&key, 2, Duration::from_secs(30)).await;
        assert!(!third.allowed && !degraded, "counted across both threads");
    }

    fn redis_url_for_tests() -> Option<String> {
        match std::env::var("KYUSHOKU_TEST_REDIS_URL") {
            Ok(u) if !u.is_empty() => Some(u),
            _ if std::env::var_os("CI").is_some() => {
                panic!("KYUSHOKU_TEST_REDIS_URL must be set under CI")
            }
            _ => {
                kyushoku_store::test_support::skip_notice("KYUSHOKU_TEST_REDIS_URL");
                None
            }
        }
    }
}
