//! Every error is RFC 9457 problem+json with a stable type.
//! (415/400/413 on JSON bodies are covered by the api crate's unit tests of
//! the extractor configuration until an endpoint here takes a JSON body.)

use crate::backend_tests;
use crate::support::TestApp;

async fn unknown_routes_are_404_problems(app: TestApp) {
    for path in ["/nope", "/v1/codes/nope", "/v1/", "/v2/codes/prefectures"] {
        let a = app.get(path).await;
        let p = a.assert_problem(404, "not-found");
        assert!(p.get("errors").is_none());
    }
}

async fn wrong_methods_are_405_with_allow(app: TestApp) {
    let a = app
        .post_raw("/v1/codes/prefectures", "application/json", "{}")
        .await;
    a.assert_problem(405, "method-not-allowed");
    assert_eq!(a.header("allow"), Some("GET"));
    let req = app.client.delete(app.url("/healthz"));
    let a = app.send(req, None).await;
    a.assert_problem(405, "method-not-allowed");
}

async fn problems_are_never_cached(app: TestApp) {
    let a = app.get("/nope").await;
    assert_eq!(a.header("cache-control"), Some("no-store"));
}

backend_tests!(
    unknown_routes_are_404_problems,
    wrong_methods_are_405_with_allow,
    problems_are_never_cached,
);
