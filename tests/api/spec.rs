//! The checked-in OpenAPI document is what the code serves.

use crate::backend_tests;
use crate::support::TestApp;

const CHECKED_IN: &str = include_str!("../../api-spec/openapi.json");

#[test]
fn checked_in_spec_matches_the_code() {
    let generated = kyushoku_api::openapi().to_pretty_json().unwrap();
    if generated.trim() != CHECKED_IN.trim() {
        panic!(
            "api-spec/openapi.json is stale: run `cargo run -q -- openapi > api-spec/openapi.json` \
             and commit the diff"
        );
    }
}

#[test]
fn spec_is_openapi_3_1_and_documents_problem_types() {
    let spec: serde_json::Value = serde_json::from_str(CHECKED_IN).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/codes/prefectures",
        "/v1/codes/municipalities",
        "/v1/codes/occupations",
    ] {
        assert!(
            spec["paths"][path]["get"].is_object(),
            "{path} is documented"
        );
    }
    assert!(spec["components"]["schemas"]["Problem"].is_object());
}

async fn served_spec_is_the_checked_in_one(app: TestApp) {
    let a = app.get("/openapi.json").await;
    assert_eq!(a.status, 200);
    let served: serde_json::Value = a.json();
    let checked_in: serde_json::Value = serde_json::from_str(CHECKED_IN).unwrap();
    assert_eq!(served, checked_in);
}

backend_tests!(served_spec_is_the_checked_in_one);
