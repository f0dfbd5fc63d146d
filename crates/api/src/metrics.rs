//! Prometheus metrics: request counts and latency histograms by route
//! (the matched pattern, never the raw path), method and status, plus gauges
//! read at scrape time (database pool, shared-state mode). Served in the
//! classic text format (0.0.4) by default and as OpenMetrics 1.0 when a
//! scraper asks for it; every label value comes from a bounded set.

use std::sync::atomic::{AtomicI64, AtomicU64};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// One of [`method_label`]'s answers.
    pub method: String,
    pub route: String,
    pub status: u16,
}

/// A webhook attempt: its event type and what became of its delivery
/// (`delivered`, `pending`: to be retried, `failed`: given up). Both from
/// closed sets.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WebhookLabels {
    pub event: &'static str,
    pub outcome: &'static str,
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
    /// Webhook attempts by event type and outcome.
    pub webhook_attempts: Family<WebhookLabels, Counter>,
    /// How long one webhook request took.
    pub webhook_attempt_seconds: Histogram,
    /// From an event's commit to its delivery (2xx).
    pub webhook_delivery_seconds: Histogram,
    /// Deliveries due now, not yet attempted.
    pub webhook_queue: Gauge<i64, AtomicI64>,
    /// How long the oldest due delivery has waited.
    pub webhook_oldest_due_seconds: Gauge<f64, AtomicU64>,
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
        let webhook_attempts = Family::<WebhookLabels, Counter>::default();
        let webhook_attempt_seconds = latency_histogram();
        // 5 ms … ~45 h: a delivery may wait for its retries.
        let webhook_delivery_seconds = Histogram::new(exponential_buckets(0.005, 4.0, 13));
        let webhook_queue = Gauge::<i64, AtomicI64>::default();
        let webhook_oldest_due_seconds = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "webhook_attempts",
            "Webhook attempts by event type and the delivery's outcome",
            webhook_attempts.clone(),
        );
        registry.register(
            "webhook_attempt_duration_seconds",
            "Time one webhook request took",
            webhook_attempt_seconds.clone(),
        );
        registry.register(
            "webhook_delivery_latency_seconds",
            "Time from an event to its delivery",
            webhook_delivery_seconds.clone(),
        );
        registry.register(
            "webhook_due_deliveries",
            "Webhook deliveries due and not yet attempted",
            webhook_queue.clone(),
        );
        registry.register(
            "webhook_oldest_due_seconds",
            "How long the oldest due webhook delivery has waited",
            webhook_oldest_due_seconds.clone(),
        );
        Self {
            webhook_attempts,
            webhook_attempt_seconds,
            webhook_delivery_seconds,
            webhook_queue,
            webhook_oldest_due_seconds,
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

    /// One webhook attempt: its duration, and for a delivery the time
    /// since its event.
    pub fn observe_webhook(
        &self,
        event: &'static str,
        outcome: &'static str,
        seconds: f64,
        delivered_after: Option<f64>,
    ) {
        self.webhook_attempts
            .get_or_create(&WebhookLabels { event, outcome })
            .inc();
        self.webhook_attempt_seconds.observe(seconds);
        if let Some(s) = delivered_after {
            self.webhook_delivery_seconds.observe(s);
        }
    }

    pub fn set_dependency(&self, name: &str, up: bool) {
        self.dependency_up
            .get_or_create(&DependencyLabels {
                dependency: name.to_owned(),
            })
            .set(i64::from(up));
    }

    /// The OpenMetrics 1.0 text exposition.
    pub fn encode_openmetrics(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }

    /// The classic Prometheus text format (0.0.4).
    pub fn encode_classic(&self) -> String {
        classic_from_openmetrics(&self.encode_openmetrics())
    }
}

/// The methods that get their own label value; any other counts as
/// `other`, so a client cannot mint label values (or log lines) at will.
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The two text formats a scraper may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposition {
    /// `text/plain; version=0.0.4`, what every Prometheus and promtool read.
    Classic,
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
}

impl Exposition {
    /// OpenMetrics only when the `Accept` header names it with a quality
    /// above zero; the classic format otherwise (also when `Accept` is
    /// missing or asks for anything else).
    pub fn negotiate(accept: Option<&str>) -> Self {
        let wants_openmetrics = accept.is_some_and(|accept| {
            accept.split(',').any(|range| {
                let mut parts = range.split(';').map(str::trim);
                let kind = parts.next().unwrap_or_default();
                let refused = parts.any(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                kind.eq_ignore_ascii_case("application/openmetrics-text") && !refused
            })
        });
        if wants_openmetrics {
            Self::OpenMetrics
        } else {
            Self::Classic
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Classic => "text/plain; version=0.0.4; charset=utf-8",
            Self::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// Rewrites an OpenMetrics exposition in the classic format: counters are
/// named with their `_total` suffix in `# HELP`/`# TYPE` (as their samples
/// are), `# UNIT`, `# EOF`, `_created` samples and exemplars are dropped.
fn classic_from_openmetrics(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            if let Some(name) = rest.strip_suffix(" counter") {
                out.push_str(&format!("# TYPE {name}_total counter\n"));
                continue;
            }
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or_default();
            if text.contains(&format!("# TYPE {name} counter")) {
                out.push_str(&format!("# HELP {name}_total{}\n", &rest[name.len()..]));
                continue;
            }
        }
        if !line.starts_with('#') {
            let name = line.split(['{', ' ']).next().unwrap_or_default();
            if name.ends_with("_created") {
                continue;
            }
        }
        // An exemplar follows the sample after " # ".
        let sample = match line.find(" # ") {
            Some(at) if !line.starts_with('#') => &line[..at],
            _ => line,
        };
        out.push_str(sample);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openmetrics_only_when_asked_for() {
        use Exposition::*;
        assert_eq!(Exposition::negotiate(None), Classic);
        assert_eq!(Exposition::negotiate(Some("*/*")), Classic);
        assert_eq!(
            Exposition::negotiate(Some("text/plain; version=0.0.4")),
            Classic
        );
        assert_eq!(
            Exposition::negotiate(Some(
                "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4"
            )),
            OpenMetrics
        );
        assert_eq!(
            Exposition::negotiate(Some("application/openmetrics-text; q=0")),
            Classic
        );
    }

    #[test]
    fn classic_format_names_counters_with_total_and_has_no_eof() {
        let m = Metrics::default();
        m.observe_request(
            RequestLabels {
                method: "GET".into(),
                route: "/healthz".into(),
                status: 200,
            },
            0.001,
        );
        let text = m.encode_classic();
        assert!(text.contains("# HELP kyushoku_http_requests_total HTTP requests answered.\n"));
        assert!(text.contains("# TYPE kyushoku_http_requests_total counter\n"));
        assert!(text.contains(
            "kyushoku_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1\n"
        ));
        assert!(text.contains("# TYPE kyushoku_http_request_duration_seconds histogram\n"));
        assert!(!text.contains("# EOF"));
        assert!(m.encode_openmetrics().ends_with("# EOF\n"));
    }

    #[test]
    fn unknown_methods_share_one_label() {
        use actix_web::http::Method;
        assert_eq!(method_label(&Method::GET), "GET");
        let odd = Method::from_bytes(b"ZZA").unwrap();
        assert_eq!(method_label(&odd), "other");
    }
}
