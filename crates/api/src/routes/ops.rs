//! Operations: liveness, readiness and metrics. No authentication; nothing
//! personal is ever in these answers.

use std::time::Duration;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use actix_web::http::header;

use crate::metrics::Exposition;
use crate::problem::{ApiError, Problem, PROBLEM_JSON};
use crate::AppState;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

kyushoku_domain::closed_set! {
    /// A live process's answer.
    pub enum Liveness {
        Ok = "ok",
    }
}

kyushoku_domain::closed_set! {
    /// Whether a ready instance has all its dependencies.
    pub enum ReadinessStatus {
        Ready = "ready",
        /// Redis does not answer: the instance still serves (see `Readiness`).
        Degraded = "degraded",
    }
}

kyushoku_domain::closed_set! {
    /// Whether a dependency answered.
    pub enum CheckStatus {
        Up = "up",
        Down = "down",
    }
}

kyushoku_domain::closed_set! {
    /// What a dependency is: the database's backend, or where shared state
    /// (rate limits, events, caches) lives.
    pub enum CheckKind {
        Postgresql = "postgresql",
        Sqlite = "sqlite",
        Redis = "redis",
        InProcess = "in_process",
    }
}

impl CheckKind {
    fn database(backend: kyushoku_store::Backend) -> Self {
        match backend {
            kyushoku_store::Backend::Postgres => CheckKind::Postgresql,
            kyushoku_store::Backend::Sqlite => CheckKind::Sqlite,
        }
    }

    fn shared_state(cluster: &kyushoku_cluster::Cluster) -> Self {
        match cluster.mode() {
            "redis" => CheckKind::Redis,
            _ => CheckKind::InProcess,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: Liveness,
    pub version: &'static str,
}

/// Liveness: the process runs and serves HTTP.
///
/// Checks no dependency, so a database outage does not make an orchestrator
/// restart healthy processes; readiness is `/readyz`.
#[utoipa::path(
    operation_id = "health_read",
    tag = "operations",
    responses((status = 200, body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: Liveness::Ok,
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Check {
    pub status: CheckStatus,
    /// `postgresql`/`sqlite` for the database, `redis`/`in_process` for shared state.
    pub kind: CheckKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Checks {
    pub database: Check,
    pub shared_state: Check,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`, or `degraded` while Redis does not answer: the instance still
    /// serves (rate limits counted per instance, events reach only streams
    /// held on this instance, caches bypassed for the database) and should
    /// keep receiving traffic.
    pub status: ReadinessStatus,
    pub checks: Checks,
}

/// A not-ready answer: a problem body with the checks beside it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotReady {
    #[serde(flatten)]
    pub problem: Problem,
    pub checks: Checks,
}

fn check(kind: CheckKind, result: Result<(), String>) -> Check {
    match result {
        Ok(()) => Check {
            status: CheckStatus::Up,
            kind,
            error: None,
        },
        Err(e) => Check {
            status: CheckStatus::Down,
            kind,
            error: Some(e),
        },
    }
}

/// Readiness: the database answers (else 503: a load balancer should stop
/// sending traffic).
///
/// Redis, when configured, is reported too; without it the instance is
/// `degraded` but still ready, since every instance would lose it at once and
/// the database holds the truth.
#[utoipa::path(
    operation_id = "readiness_read",
    tag = "operations",
    responses(
        (status = 200, body = Readiness),
        (status = 503, body = NotReady, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let db = state.db.clone();
    let db_result = web::block(move || db.ping(CHECK_TIMEOUT))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    let cluster_result = state.cluster.ping().await.map_err(|e| e.to_string());
    state.metrics.set_dependency("database", db_result.is_ok());
    state
        .metrics
        .set_dependency("shared_state", cluster_result.is_ok());
    let ready = db_result.is_ok();
    let status = if cluster_result.is_ok() {
        ReadinessStatus::Ready
    } else {
        ReadinessStatus::Degraded
    };
    let checks = Checks {
        database: check(CheckKind::database(state.db.backend()), db_result),
        shared_state: check(CheckKind::shared_state(&state.cluster), cluster_result),
    };
    if ready {
        HttpResponse::Ok().json(Readiness { status, checks })
    } else {
        let mut problem = ApiError::Unavailable(String::new()).to_problem();
        problem.detail = Some("a dependency of this instance does not answer".into());
        HttpResponse::ServiceUnavailable()
            .content_type(PROBLEM_JSON)
            .insert_header((header::RETRY_AFTER, "5"))
            .json(NotReady { problem, checks })
    }
}

/// Prometheus metrics.
///
/// Request counts and latency histograms by route and status, database pool
/// and dependency gauges. The classic text format (0.0.4) by default;
/// OpenMetrics 1.0 when the `Accept` header asks for
/// `application/openmetrics-text`. Route labels are templates and unknown
/// methods count as `other`, so label values are bounded.
#[utoipa::path(
    operation_id = "metrics_read",
    tag = "operations",
    responses((status = 200, description = "The metrics, in the format negotiated", content(
        (String = "text/plain", example = json!("# HELP kyushoku_http_requests_total HTTP requests answered\n# TYPE kyushoku_http_requests_total counter\n")),
        (String = "application/openmetrics-text", example = json!("# HELP kyushoku_http_requests HTTP requests answered\n# TYPE kyushoku_http_requests counter\n# EOF\n"))
    )))
)]
#[get("/metrics")]
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (connections, idle) = state.db.pool_state();
    state.metrics.pool_connections.set(i64::from(connections));
    state.metrics.pool_idle.set(i64::from(idle));
    state
        .metrics
        .set_dependency("shared_state", state.cluster.is_up());
    let format = Exposition::negotiate(
        req.headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok()),
    );
    let body = match format {
        Exposition::Classic => state.metrics.encode_classic(),
        Exposition::OpenMetrics => state.metrics.encode_openmetrics(),
    };
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::VARY, "Accept"))
        .body(body)
}
