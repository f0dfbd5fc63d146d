//! `/healthz`, `/readyz`, `/metrics`, `/docs`, request ids.

use crate::backend_tests;
use crate::support::{redis_url, Store, TestApp};

async fn healthz_answers_without_dependencies(app: TestApp) {
    let a = app.get("/healthz").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["status"], "ok");
}

async fn readyz_reports_the_database_and_shared_state(app: TestApp) {
    let a = app.get("/readyz").await;
    assert_eq!(a.status, 200, "{}", a.text());
    let body = a.json();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"]["status"], "up");
    let backend = match app.store {
        Store::Sqlite => "sqlite",
        Store::Postgres => "postgresql",
    };
    assert_eq!(body["checks"]["database"]["kind"], backend);
    assert_eq!(body["checks"]["shared_state"]["kind"], "in_process");
}

async fn metrics_count_requests_by_route_and_status(app: TestApp) {
    app.get("/v1/codes/prefectures").await;
    app.get("/v1/codes/municipalities?prefecture=13").await;
    app.get("/v1/codes/municipalities?prefecture=99").await;
    app.get("/no/such/thing/seeker-123").await;
    // A method nobody uses, and a long one: neither becomes a label value.
    for method in ["ZZA", &"Q".repeat(1000)] {
        let req = app.client.request(
            actix_web::http::Method::from_bytes(method.as_bytes()).unwrap(),
            app.url("/healthz"),
        );
        app.send(req, None).await;
    }
    // OpenMetrics when asked for (Prometheus 2.x sends this Accept)…
    let req = app.client.get(app.url("/metrics")).insert_header((
        "accept",
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    ));
    let om = app.send(req, None).await;
    assert_eq!(om.status, 200);
    assert!(om
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text; version=1.0.0"));
    assert!(om.text().ends_with("# EOF\n"));
    assert!(om.text().contains("# TYPE kyushoku_http_requests counter"));
    // …the classic text format otherwise, with HELP and TYPE under the
    // names the samples carry.
    let a = app.get("/metrics").await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = a.text();
    assert!(!text.contains("# EOF"), "{text}");
    assert!(
        text.contains("# HELP kyushoku_http_requests_total "),
        "{text}"
    );
    assert!(
        text.contains("# TYPE kyushoku_http_requests_total counter"),
        "{text}"
    );
    assert!(text.contains(r#"method="other""#), "{text}");
    assert!(!text.contains("ZZA") && !text.contains("QQQQ"), "{text}");
    assert!(
        text.contains(r#"kyushoku_http_requests_total{method="GET",route="/v1/codes/prefectures",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"kyushoku_http_requests_total{method="GET",route="/v1/codes/municipalities",status="422"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"kyushoku_http_request_duration_seconds_bucket{"#),
        "{text}"
    );
    // Unmatched paths are folded into one label: no raw path reaches metrics.
    assert!(text.contains(r#"route="unmatched",status="404""#), "{text}");
    assert!(!text.contains("seeker-123"));
    assert!(text.contains("kyushoku_db_pool_connections"), "{text}");
}

async fn request_ids_are_echoed_or_generated(app: TestApp) {
    let req = app
        .client
        .get(app.url("/healthz"))
        .insert_header(("x-request-id", "trace-abc.123"));
    let a = app.send(req, None).await;
    assert_eq!(a.header("x-request-id"), Some("trace-abc.123"));
    // A hostile id is replaced, not reflected.
    let req = app
        .client
        .get(app.url("/healthz"))
        .insert_header(("x-request-id", "x\"><script>"));
    let a = app.send(req, None).await;
    let id = a.header("x-request-id").unwrap();
    assert_ne!(id, "x\"><script>");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    // Generated ids differ.
    let other = app.get("/healthz").await;
    assert_ne!(other.header("x-request-id"), a.header("x-request-id"));
}

async fn docs_are_served_from_the_binary(app: TestApp) {
    let a = app.get("/docs").await;
    assert_eq!(a.status, 308);
    assert_eq!(a.header("location"), Some("/docs/"));
    let page = app.get("/docs/").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("swagger-ui"), "{html}");
    // Every script and stylesheet the page loads is local: no CDN.
    assert!(!html.contains("https://"), "{html}");
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, 200);
    assert!(bundle.body.len() > 100_000);
    let init = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(init.status, 200);
    assert!(init.text().contains("/openapi.json"), "{}", init.text());
}

backend_tests!(
    healthz_answers_without_dependencies,
    readyz_reports_the_database_and_shared_state,
    metrics_count_requests_by_route_and_status,
    request_ids_are_echoed_or_generated,
    docs_are_served_from_the_binary,
);

#[actix_web::test]
async fn readyz_with_redis_reports_it() {
    let Some(redis) = redis_url() else { return };
    let app = TestApp::spawn_with(Store::Sqlite, |a| a.redis_url = Some(redis))
        .await
        .unwrap();
    let a = app.get("/readyz").await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["checks"]["shared_state"]["kind"], "redis");
    assert_eq!(a.json()["checks"]["shared_state"]["status"], "up");
    app.stop().await;
}

/// A PostgreSQL that stops answering makes the instance unready (503 with a
/// problem body), and data requests fail fast with 503 rather than hang.
#[actix_web::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let Some(app) = TestApp::spawn(Store::Postgres).await else {
        return;
    };
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    let admin = std::env::var("KYUSHOKU_TEST_POSTGRES_URL").unwrap();
    // Drop the database under the running server.
    {
        use diesel::{Connection, RunQueryDsl};
        let mut c = diesel::PgConnection::establish(&admin).unwrap();
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut c)
            .unwrap();
    }
    let started = std::time::Instant::now();
    let a = app.get("/readyz").await;
    let p = a.assert_problem(503, "service-unavailable");
    assert_eq!(p["checks"]["database"]["status"], "down");
    assert!(a.header("retry-after").is_some());
    let a = app.get("/v1/codes/prefectures").await;
    assert!(
        a.status == 503 || a.status == 500,
        "a lost database is a server-side failure: {}",
        a.text()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    app.stop().await;
}

async fn answers_carry_protective_headers(app: TestApp) {
    for a in [
        app.get("/healthz").await,
        app.get("/nope").await,
        app.get("/v1/codes/prefectures").await,
    ] {
        assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(a.header("x-frame-options"), Some("DENY"));
        assert_eq!(a.header("referrer-policy"), Some("no-referrer"));
    }
    // Without an allow-list there is no cross-origin access.
    let req = app
        .client
        .get(app.url("/v1/codes/prefectures"))
        .insert_header(("origin", "https://evil.example"));
    let a = app.send(req, None).await;
    assert!(a.header("access-control-allow-origin").is_none());
}

backend_tests!(answers_carry_protective_headers);

/// The My Page origin may call the API from a browser; others may not.
#[actix_web::test]
async fn cors_allows_only_the_listed_origins() {
    let app = TestApp::spawn_with(Store::Sqlite, |a| {
        a.cors_origins = vec!["https://mypage.hellowork.example".into()]
    })
    .await
    .unwrap();
    let preflight = |origin: &'static str| {
        app.client
            .request(awc::http::Method::OPTIONS, app.url("/v1/me/threads"))
            .insert_header(("origin", origin))
            .insert_header(("access-control-request-method", "GET"))
            .insert_header(("access-control-request-headers", "authorization"))
    };
    let ok = app
        .send(preflight("https://mypage.hellowork.example"), None)
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(
        ok.header("access-control-allow-origin"),
        Some("https://mypage.hellowork.example")
    );
    let refused = app.send(preflight("https://evil.example"), None).await;
    assert!(refused.header("access-control-allow-origin").is_none());
    let get = app
        .client
        .get(app.url("/healthz"))
        .insert_header(("origin", "https://mypage.hellowork.example"));
    let a = app.send(get, None).await;
    assert_eq!(
        a.header("access-control-allow-origin"),
        Some("https://mypage.hellowork.example")
    );
    app.stop().await;
}
