//! The authorisation matrix: every operation of the OpenAPI document against
//! every kind of principal, with the status each must get. An operation
//! without a row fails the test, so a new endpoint cannot ship unchecked.
//!
//! Calls are chosen to prove the authorisation decision without changing
//! state where that matters (an illegal decision answers 409 only once the
//! caller was allowed to decide).

use serde_json::{json, Value};

use crate::backend_tests;
use crate::support::{DemoClient, TestApp};

/// The principals, in the column order of [`rows`].
const WHO: [&str; 8] = [
    "anonymous",
    "hw_system",
    "bureau_13",
    "bureau_27",
    "public_admin",
    "public_staff",
    "private_admin",
    "pending_org",
];

struct Row {
    method: &'static str,
    /// The path as documented, with `{…}` parameters.
    template: &'static str,
    body: Option<Value>,
    expect: [u16; 8],
}

fn rows() -> Vec<Row> {
    let row = |method, template, body, expect| Row {
        method,
        template,
        body,
        expect,
    };
    vec![
        row("GET", "/healthz", None, [200; 8]),
        row("GET", "/readyz", None, [200; 8]),
        row("GET", "/metrics", None, [200; 8]),
        row("GET", "/v1/codes/prefectures", None, [200; 8]),
        row("GET", "/v1/codes/municipalities", None, [200; 8]),
        row("GET", "/v1/codes/occupations", None, [200; 8]),
        row("GET", "/.well-known/jwks.json", None, [200; 8]),
        // The token endpoints authenticate by what is in the body, not by
        // a bearer token: every caller gets the same answer.
        row(
            "POST",
            "/v1/auth/token",
            Some(json!({"grant_type": "none"})),
            [400; 8],
        ),
        row(
            "POST",
            "/v1/auth/login",
            Some(json!({"email": "nobody@example.jp", "password": "not the password"})),
            [401; 8],
        ),
        row(
            "POST",
            "/v1/auth/revoke",
            Some(json!({"token": "unknown"})),
            [200; 8],
        ),
        // Anyone may apply; this body is invalid, so nothing is created.
        row("POST", "/v1/organisations", Some(json!({})), [422; 8]),
        row(
            "GET",
            "/v1/organisations",
            None,
            [401, 403, 200, 200, 403, 403, 403, 403],
        ),
        row(
            "GET",
            "/v1/organisations/{id}",
            None,
            [401, 403, 200, 200, 200, 200, 404, 404],
        ),
        row(
            "POST",
            "/v1/organisations/{id}/decisions",
            Some(json!({"decision": "reinstate", "reason": "matrix"})),
            [401, 403, 409, 403, 403, 403, 403, 403],
        ),
        row(
            "POST",
            "/v1/organisations/{id}/clients",
            Some(json!({"name": "matrix"})),
            [401, 403, 403, 403, 201, 403, 404, 404],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/clients",
            None,
            [401, 403, 403, 403, 200, 403, 404, 404],
        ),
        row(
            "DELETE",
            "/v1/organisations/{id}/clients/{client_id}",
            None,
            [401, 403, 403, 403, 404, 403, 404, 404],
        ),
        row(
            "POST",
            "/v1/organisations/{id}/users",
            Some(
                json!({"email": "matrix@shinjuku.example.jp", "password": "matrix passphrase ok"}),
            ),
            [401, 403, 403, 403, 201, 403, 404, 404],
        ),
        row(
            "GET",
            "/v1/audit",
            None,
            [401, 403, 200, 200, 403, 403, 403, 403],
        ),
        row(
            "PUT",
            "/v1/seekers/{seeker_ref}",
            Some(
                json!({"consent_scope": "both", "valid_until": chrono::Utc::now().date_naive().to_string(),
                        "profile": {"desired_occupations": ["08"]}}),
            ),
            [401, 201, 403, 403, 403, 403, 403, 403],
        ),
        // Run after the PUT above: Hello Work ends the registration it made.
        row(
            "DELETE",
            "/v1/seekers/{seeker_ref}?reason=placed",
            None,
            [401, 204, 403, 403, 403, 403, 403, 403],
        ),
        // A JSON body: Hello Work gets as far as the media-type check.
        row(
            "POST",
            "/v1/seekers/batch",
            Some(json!({})),
            [401, 415, 403, 403, 403, 403, 403, 403],
        ),
        row(
            "GET",
            "/v1/profiles",
            None,
            [401, 403, 403, 403, 200, 200, 200, 403],
        ),
        row(
            "GET",
            "/v1/profiles/{profile_id}",
            None,
            [401, 403, 403, 403, 404, 404, 404, 403],
        ),
    ]
}

async fn every_operation_against_every_principal(app: TestApp) {
    let cast = app.cast().await;
    let public = cast.org_id("org_public").to_owned();
    let admin_token = app.client_token(cast.get("org_public")).await;
    let staff = app
        .call(
            "POST",
            &format!("/v1/organisations/{public}/clients"),
            Some(&admin_token),
            Some(json!({"name": "staff client", "role": "staff"})),
        )
        .await
        .json();
    let staff = DemoClient {
        client_id: staff["client_id"].as_str().unwrap().into(),
        client_secret: staff["client_secret"].as_str().unwrap().into(),
        organisation_id: None,
        admin_email: None,
        admin_password: None,
    };
    let mut tokens: Vec<Option<String>> = vec![None];
    for name in ["hw_system", "bureau_13", "bureau_27"] {
        tokens.push(Some(app.client_token(cast.get(name)).await));
    }
    tokens.push(Some(admin_token));
    tokens.push(Some(app.client_token(&staff).await));
    tokens.push(Some(app.client_token(cast.get("org_private")).await));
    tokens.push(Some(app.client_token(cast.get("org_pending")).await));

    // Every documented operation has a row.
    let spec: Value = app.get("/openapi.json").await.json();
    let table = rows();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let m = method.to_uppercase();
            assert!(
                table
                    .iter()
                    .any(|r| r.method == m && r.template.split('?').next() == Some(path.as_str())),
                "{m} {path} has no row in the authorisation matrix"
            );
        }
    }

    let mut failures = Vec::new();
    for row in &table {
        let path = row
            .template
            .replace("{id}", &public)
            .replace("{client_id}", "kc_00000000000000000000000000000000")
            .replace("{seeker_ref}", "matrix-seeker")
            .replace("{profile_id}", "AAAAAAAAAAAAAAAAAAAAAA");
        for (i, token) in tokens.iter().enumerate() {
            let a = app
                .call(row.method, &path, token.as_deref(), row.body.clone())
                .await;
            if a.status.as_u16() != row.expect[i] {
                failures.push(format!(
                    "{} {} as {}: expected {}, got {} {}",
                    row.method,
                    row.template,
                    WHO[i],
                    row.expect[i],
                    a.status.as_u16(),
                    a.text()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

backend_tests!(every_operation_against_every_principal);
