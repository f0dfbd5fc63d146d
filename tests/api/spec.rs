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

/// utoipa names a schema after its type, and a second type of the same
/// name silently takes the first one's place in the document (a profile
/// read once answered with the schema of a profile *view*). Every type
/// that derives `ToSchema` has a name of its own.
#[test]
fn no_two_schema_types_share_a_name() {
    let mut names = std::collections::BTreeMap::<String, Vec<String>>::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates"
    ))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let mut deriving = false;
                for line in text.lines() {
                    let line = line.trim();
                    if line.starts_with("#[derive(") && line.contains("ToSchema") {
                        deriving = true;
                    } else if deriving
                        && (line.starts_with("pub struct ")
                            || line.starts_with("pub enum ")
                            || line.starts_with("struct ")
                            || line.starts_with("enum "))
                    {
                        let name = line
                            .split_whitespace()
                            .find(|w| !matches!(*w, "pub" | "struct" | "enum"))
                            .unwrap()
                            .trim_end_matches(['{', '<', '('])
                            .to_owned();
                        names
                            .entry(name)
                            .or_default()
                            .push(path.display().to_string());
                        deriving = false;
                    } else if !line.starts_with("#[")
                        && !line.starts_with("///")
                        && !line.is_empty()
                    {
                        deriving = false;
                    }
                }
            }
        }
    }
    let shared: Vec<_> = names.iter().filter(|(_, files)| files.len() > 1).collect();
    assert!(names.len() > 50, "the scan found the schema types");
    assert!(shared.is_empty(), "schema names used twice: {shared:?}");
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

/// What linters and client generators need of every operation: a unique
/// `resource_verb` operationId (a generated client names its functions by
/// it, and silently drops one of two that share a name), a summary and a
/// description, and a stated security requirement (`[]` when public).
#[test]
fn every_operation_is_named_described_and_says_how_it_is_authorised() {
    let spec: serde_json::Value = serde_json::from_str(CHECKED_IN).unwrap();
    assert_eq!(spec["servers"][0]["url"], "/");
    assert_eq!(spec["info"]["license"]["identifier"], "Apache-2.0");
    assert!(spec["info"]["contact"].is_object());
    let mut ids = std::collections::BTreeSet::new();
    let mut count = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            let id = op["operationId"].as_str().unwrap();
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '_') && id.contains('_'),
                "{method} {path}: {id} is not resource_verb"
            );
            assert!(ids.insert(id.to_owned()), "{id} is used twice");
            for field in ["summary", "description"] {
                assert!(
                    op[field].as_str().is_some_and(|s| !s.trim().is_empty()),
                    "{method} {path} has no {field}"
                );
            }
            let security = op["security"].as_array().expect("security is stated");
            if path.starts_with("/v1/") && !security.is_empty() && !path.starts_with("/v1/me") {
                assert!(
                    security.iter().any(|s| s.get("oauth2").is_some()),
                    "{method} {path}: API clients fetch tokens with client credentials"
                );
            }
        }
    }
    assert_eq!(ids.len(), count);
    let flows = &spec["components"]["securitySchemes"]["oauth2"]["flows"];
    assert_eq!(flows["clientCredentials"]["tokenUrl"], "/v1/auth/token");
}

/// RFC 8414: an OAuth library configures itself from one URL, and the
/// endpoints it is told about answer.
async fn oauth_metadata_describes_the_token_endpoint(app: TestApp) {
    let a = app.get("/.well-known/oauth-authorization-server").await;
    assert_eq!(a.status, 200);
    let m: serde_json::Value = a.json();
    let issuer = m["issuer"].as_str().unwrap();
    assert!(issuer.starts_with("http://"), "{issuer}");
    assert!(!issuer.ends_with('/'));
    assert_eq!(m["token_endpoint"], format!("{issuer}/v1/auth/token"));
    assert_eq!(m["revocation_endpoint"], format!("{issuer}/v1/auth/revoke"));
    assert_eq!(m["jwks_uri"], format!("{issuer}/.well-known/jwks.json"));
    assert_eq!(
        m["grant_types_supported"],
        serde_json::json!(["client_credentials", "refresh_token"])
    );
    assert_eq!(
        m["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post"])
    );
    let jwks_path = m["jwks_uri"]
        .as_str()
        .unwrap()
        .strip_prefix(issuer)
        .unwrap();
    assert_eq!(app.get(jwks_path).await.status, 200);
    // A forged Host is not echoed as the issuer.
    let req = app
        .client
        .get(app.url("/.well-known/oauth-authorization-server"))
        .insert_header(("host", "evil.example/\"><x"));
    let forged: serde_json::Value = app.send(req, None).await.json();
    assert!(!forged["issuer"].as_str().unwrap().contains("evil"));
}

async fn served_spec_is_the_checked_in_one(app: TestApp) {
    let a = app.get("/openapi.json").await;
    assert_eq!(a.status, 200);
    let served: serde_json::Value = a.json();
    let checked_in: serde_json::Value = serde_json::from_str(CHECKED_IN).unwrap();
    assert_eq!(served, checked_in);
}

backend_tests!(
    served_spec_is_the_checked_in_one,
    oauth_metadata_describes_the_token_endpoint
);
