//! Prometheus metrics: request counts and latency histograms by route
//! (the matched pattern, never the raw path), method and status, plus gauges
//! read at scrape time (database pool, shared-state mode).

use std::sync::atomic::AtomicI64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DependencyLabels {
    pub dependency: String,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~8 s
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

/// The service's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    pub pool_connections: Gauge<i64, AtomicI64>,
    pub pool_idle: Gauge<i64, AtomicI64>,
    /// 1 when the dependency answered its last check, 0 when not.
    pub dependency_up: Family<DependencyLabels, Gauge<i64, AtomicI64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("kyushoku");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Family<RequestLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        let pool_connections = Gauge::<i64, AtomicI64>::default();
        let pool_idle = Gauge::<i64, AtomicI64>::default();
        let dependency_up = Family::<DependencyLabels, Gauge<i64, AtomicI64>>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time from request to response head",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_connections.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        registry.register(
            "dependency_up",
            "Whether a dependency answered its last check (1) or not (0)",
            dependency_up.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            dependency_up,
        }
    }
}

impl Metrics {
    pub fn observe_request(&self, labels: RequestLabels, seconds: f64) {
        self.latency.get_or_create(&labels).observe(seconds);
        self.requests.get_or_create(&labels).inc();
    }

    pub fn set_dependency(&self, name: &str, up: bool) {
        self.dependency_up
            .get_or_create(&DependencyLabels {
                dependency: name.to_owned(),
            })
            .set(i64::from(up));
    }

    /// The OpenMetrics text exposition, which Prometheus scrapes natively.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}
