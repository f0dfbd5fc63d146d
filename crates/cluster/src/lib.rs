//! State shared between instances of kyushoku: through Redis when
//! `REDIS_URL` is set, in this process when it is not (one box, one instance).
//!
//! Both modes sit behind the one [`Cluster`] type so callers never branch on
//! the deployment. Nothing that must survive a crash lives only here: Redis
//! carries counters, caches and fan-out, the database carries the truth.

use std::time::Duration;

use redis::aio::ConnectionManager;

/// How long a health check waits for Redis before calling it down.
const PING_TIMEOUT: Duration = Duration::from_secs(1);
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
}

/// The shared-state handle. Cheap to clone.
#[derive(Clone)]
pub enum Cluster {
    /// No Redis: state lives in this process, which is then the only instance.
    InProcess,
    /// Redis, through a connection manager that reconnects by itself.
    Redis(ConnectionManager),
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.mode())
    }
}

impl Cluster {
    /// Connects to Redis when a URL is given, else runs in-process. A URL
    /// that does not parse or a server that does not answer is an error
    /// here, at start-up, rather than a silent fallback.
    pub async fn connect(redis_url: Option<&str>) -> Result<Self, ClusterError> {
        let Some(url) = redis_url else {
            return Ok(Cluster::InProcess);
        };
        let client = redis::Client::open(url).map_err(|e| ClusterError::Url(e.to_string()))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(PING_TIMEOUT));
        let manager = tokio::time::timeout(
            CONNECT_TIMEOUT,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| ClusterError::Connect(format!("no answer within {CONNECT_TIMEOUT:?}")))?
        .map_err(|e| ClusterError::Connect(e.to_string()))?;
        Ok(Cluster::Redis(manager))
    }

    /// `"redis"` or `"in_process"`, for `/readyz` and `/metrics`.
    pub fn mode(&self) -> &'static str {
        match self {
            Cluster::InProcess => "in_process",
            Cluster::Redis(_) => "redis",
        }
    }

    /// Whether the shared state answers. In-process always does.
    pub async fn ping(&self) -> Result<(), ClusterError> {
        match self {
            Cluster::InProcess => Ok(()),
            Cluster::Redis(manager) => {
                let mut conn = manager.clone();
                let pong: String =
                    tokio::time::timeout(PING_TIMEOUT, redis::cmd("PING").query_async(&mut conn))
                        .await
                        .map_err(|_| ClusterError::Timeout(PING_TIMEOUT))??;
                debug_assert_eq!(pong, "PONG");
                Ok(())
            }
        }
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
    }

    fn redis_url_for_tests() -> Option<String> {
        match std::env::var("KYUSHOKU_TEST_REDIS_URL") {
            Ok(u) if !u.is_empty() => Some(u),
            _ if std::env::var_os("CI").is_some() => {
                panic!("KYUSHOKU_TEST_REDIS_URL must be set under CI")
            }
            _ => {
                eprintln!("skipped: KYUSHOKU_TEST_REDIS_URL not set");
                None
            }
        }
    }
}
