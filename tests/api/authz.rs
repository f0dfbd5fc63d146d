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
const WHO: [&str; 9] = [
    "anonymous",
    "hw_system",
    "bureau_13",
    "bureau_27",
    "public_admin",
    "public_staff",
    "private_admin",
    "pending_org",
    "seeker",
];

struct Row {
    method: &'static str,
    /// The path as documented, with `{…}` parameters.
    template: &'static str,
    body: Option<Value>,
    expect: [u16; 9],
}

fn rows() -> Vec<Row> {
    let row = |method, template, body, expect| Row {
        method,
        template,
        body,
        expect,
    };
    vec![
        row("GET", "/healthz", None, [200; 9]),
        row("GET", "/readyz", None, [200; 9]),
        row("GET", "/metrics", None, [200; 9]),
        row("GET", "/v1/codes/prefectures", None, [200; 9]),
        row("GET", "/v1/codes/municipalities", None, [200; 9]),
        row("GET", "/v1/codes/occupations", None, [200; 9]),
        row("GET", "/.well-known/jwks.json", None, [200; 9]),
        row(
            "GET",
            "/.well-known/oauth-authorization-server",
            None,
            [200; 9],
        ),
        // The token endpoints authenticate by what is in the body, not by
        // a bearer token: every caller gets the same answer.
        row(
            "POST",
            "/v1/auth/token",
            Some(json!({"grant_type": "none"})),
            [400; 9],
        ),
        row(
            "POST",
            "/v1/auth/login",
            Some(json!({"email": "nobody@example.jp", "password": "not the password"})),
            [401; 9],
        ),
        row(
            "POST",
            "/v1/auth/revoke",
            Some(json!({"token": "unknown"})),
            [401, 200, 200, 200, 200, 200, 200, 200, 200],
        ),
        // Anyone holding a mailed code may set a password; an unknown code
        // changes nothing, whoever presents it.
        row(
            "POST",
            "/v1/auth/password-setup",
            Some(json!({"token": "unknown", "password": "a long enough passphrase"})),
            [422; 9],
        ),
        // Anyone may apply; this body is invalid, so nothing is created.
        row("POST", "/v1/organisations", Some(json!({})), [422; 9]),
        row(
            "GET",
            "/v1/organisations",
            None,
            [401, 403, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            "GET",
            "/v1/organisations/{id}",
            None,
            [401, 403, 200, 200, 200, 200, 404, 404, 404],
        ),
        row(
            "POST",
            "/v1/organisations/{id}/decisions",
            Some(json!({"decision": "reinstate", "reason": "matrix"})),
            [401, 403, 409, 403, 403, 403, 403, 403, 403],
        ),
        row(
            "POST",
            "/v1/organisations/{id}/clients",
            Some(json!({"name": "matrix"})),
            [401, 403, 403, 403, 201, 403, 404, 404, 404],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/clients",
            None,
            [401, 403, 403, 403, 200, 403, 404, 404, 404],
        ),
        row(
            "DELETE",
            "/v1/organisations/{id}/clients/{client_id}",
            None,
            [401, 403, 403, 403, 404, 403, 404, 404, 404],
        ),
        row(
            "POST",
            "/v1/organisations/{id}/users",
            Some(json!({"email": "matrix@shinjuku.example.jp"})),
            [401, 403, 403, 403, 201, 403, 404, 404, 404],
        ),
        row(
            "GET",
            "/v1/audit",
            None,
            [401, 403, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            "PUT",
            "/v1/seekers/{seeker_ref}",
            Some(
                json!({"consent_scope": "both", "valid_until": chrono::Utc::now().date_naive().to_string(),
                        "profile": {"desired_occupations": ["08"]}}),
            ),
            [401, 201, 403, 403, 403, 403, 403, 403, 403],
        ),
        // Run after the PUT above: Hello Work ends the registration it made.
        row(
            "DELETE",
            "/v1/seekers/{seeker_ref}?reason=placed",
            None,
            [401, 204, 403, 403, 403, 403, 403, 403, 403],
        ),
        // A JSON body: Hello Work gets as far as the media-type check.
        row(
            "POST",
            "/v1/seekers/batch",
            Some(json!({})),
            [401, 415, 403, 403, 403, 403, 403, 403, 403],
        ),
        row(
            "GET",
            "/v1/profiles",
            None,
            [401, 403, 403, 403, 200, 200, 200, 403, 403],
        ),
        row(
            "GET",
            "/v1/profiles/{profile_id}",
            None,
            [401, 403, 403, 403, 404, 404, 404, 403, 403],
        ),
        row(
            "POST",
            "/v1/seekers/{seeker_ref}/sessions",
            None,
            [401, 201, 403, 403, 403, 403, 403, 403, 403],
        ),
        row(
            "POST",
            "/v1/seekers/{seeker_ref}/sign-in-links",
            None,
            [401, 201, 403, 403, 403, 403, 403, 403, 403],
        ),
        row(
            "POST",
            "/v1/profiles/{profile_id}/messages",
            Some(json!({"subject": "ご案内", "body": "matrix"})),
            [401, 403, 403, 403, 404, 404, 404, 403, 403],
        ),
        row(
            "GET",
            "/v1/threads",
            None,
            [401, 403, 403, 403, 200, 200, 200, 403, 403],
        ),
        row(
            "GET",
            "/v1/threads/{thread_id}",
            None,
            [401, 403, 403, 403, 404, 404, 404, 403, 403],
        ),
        row(
            "GET",
            "/v1/me",
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        row(
            "PUT",
            "/v1/me/consent",
            Some(json!({"consent_scope": "both"})),
            [401, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        row(
            "PUT",
            "/v1/me/guidance",
            Some(json!({"receive_guidance": true})),
            [401, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        row(
            "GET",
            "/v1/me/blocks",
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        row(
            "GET",
            "/v1/me/profile-views",
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        row(
            "PUT",
            "/v1/me/blocks/{organisation_id}",
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 204],
        ),
        // After the PUT above.
        row(
            "DELETE",
            "/v1/me/blocks/{organisation_id}",
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 204],
        ),
        row(
            "GET",
            "/v1/me/threads",
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        row(
            "GET",
            "/v1/me/threads/{thread_id}",
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 404],
        ),
        row(
            "POST",
            "/v1/me/threads/{thread_id}/messages",
            Some(json!({"body": "matrix"})),
            [401, 403, 403, 403, 403, 403, 403, 403, 404],
        ),
        row(
            "POST",
            "/v1/me/threads/{thread_id}/reports",
            Some(json!({"reason": "matrix"})),
            [401, 403, 403, 403, 403, 403, 403, 403, 404],
        ),
        row(
            "GET",
            "/v1/reports",
            None,
            [401, 403, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            "GET",
            "/v1/me/reports",
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        // A case that does not exist: the bureau was let through.
        row(
            "POST",
            "/v1/reports/{report_id}/handling",
            Some(json!({"status": "reviewing"})),
            [401, 403, 404, 404, 403, 403, 403, 403, 403],
        ),
        // The terms of use: quarterly usage reports and sanctions.
        row(
            "GET",
            "/v1/usage-reports",
            None,
            [401, 403, 200, 200, 403, 403, 403, 403, 403],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/usage-reports",
            None,
            [401, 403, 200, 403, 200, 200, 404, 404, 404],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/usage-reports/{quarter}",
            None,
            [401, 403, 200, 403, 200, 200, 404, 404, 404],
        ),
        // Figures out of range: the administrator was let through.
        row(
            "PUT",
            "/v1/organisations/{id}/usage-reports/{quarter}",
            Some(json!({"hires_from_offers": -1, "hires_from_seekers": 0})),
            [401, 403, 403, 403, 422, 403, 404, 404, 404],
        ),
        // The running quarter cannot be submitted yet.
        row(
            "POST",
            "/v1/organisations/{id}/usage-reports/{quarter}/submission",
            None,
            [401, 403, 403, 403, 409, 403, 404, 404, 404],
        ),
        // A malformed quarter: the bureau of the prefecture was let through.
        row(
            "POST",
            "/v1/organisations/{id}/sanctions",
            Some(json!({"ground": "overdue_report", "quarter": "FY26", "reason": "matrix"})),
            [401, 403, 422, 403, 403, 403, 403, 403, 403],
        ),
        // A blank reason: the administrator was let through.
        row(
            "POST",
            "/v1/organisations/{id}/service-stops",
            Some(json!({"service": "job_offers", "reason": " "})),
            [401, 403, 403, 403, 422, 403, 404, 404, 404],
        ),
        // Nothing asked: the administrator was let through.
        row(
            "POST",
            "/v1/organisations/{id}/change-requests",
            Some(json!({})),
            [401, 403, 403, 403, 422, 403, 404, 404, 404],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/change-requests",
            None,
            [401, 403, 200, 403, 200, 200, 404, 404, 404],
        ),
        // A request that does not exist: the bureau of the prefecture was
        // let through.
        row(
            "POST",
            "/v1/organisations/{id}/change-requests/{request_id}/decision",
            Some(json!({"decision": "approve", "reason": "matrix"})),
            [401, 403, 404, 403, 403, 403, 403, 403, 403],
        ),
        // Not in the last three months of the approval: the administrator
        // was let through.
        row(
            "POST",
            "/v1/organisations/{id}/renewals",
            None,
            [401, 403, 403, 403, 409, 403, 404, 404, 404],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/renewals",
            None,
            [401, 403, 200, 403, 200, 200, 404, 404, 404],
        ),
        row(
            "POST",
            "/v1/organisations/{id}/renewals/{renewal_id}/decision",
            Some(json!({"decision": "approve", "reason": "matrix"})),
            [401, 403, 404, 403, 403, 403, 403, 403, 403],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/sanctions",
            None,
            [401, 403, 200, 403, 200, 200, 404, 404, 404],
        ),
        row(
            "GET",
            "/v1/me/events",
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        row(
            "PUT",
            "/v1/job-offers/{job_number}",
            Some(crate::offers::offer_json("both")),
            [401, 201, 403, 403, 403, 403, 403, 403, 403],
        ),
        row(
            "GET",
            "/v1/job-offers",
            None,
            [401, 403, 403, 403, 200, 200, 200, 403, 403],
        ),
        row(
            "GET",
            "/v1/job-offers/export",
            None,
            [401, 403, 403, 403, 200, 200, 200, 403, 403],
        ),
        row(
            "GET",
            "/v1/job-offers/changes",
            None,
            [401, 403, 403, 403, 200, 200, 200, 403, 403],
        ),
        row("GET", "/v1/stats", None, [200; 9]),
        row(
            "POST",
            "/v1/hires",
            Some(
                json!({"job_number": "13010-99999999", "hired_on": chrono::Utc::now().date_naive().to_string(),
                        "employment_type": "full_time"}),
            ),
            [401, 403, 403, 403, 422, 422, 422, 403, 403],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/hires",
            None,
            [401, 403, 200, 403, 200, 200, 404, 404, 404],
        ),
        row(
            "GET",
            "/v1/job-offers/{job_number}",
            None,
            [401, 403, 403, 403, 200, 200, 200, 403, 403],
        ),
        // Webhooks: a refused URL proves the caller was let through
        // (422) without registering anything; an unknown webhook 404.
        row(
            "POST",
            "/v1/organisations/{id}/webhooks",
            Some(json!({"url": "https://127.0.0.1/x", "events": ["message.received"]})),
            [401, 403, 403, 403, 422, 403, 404, 404, 404],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/webhooks",
            None,
            [401, 403, 403, 403, 200, 403, 404, 404, 404],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/webhooks/{webhook_id}",
            None,
            [401, 403, 403, 403, 404, 403, 404, 404, 404],
        ),
        row(
            "PATCH",
            "/v1/organisations/{id}/webhooks/{webhook_id}",
            Some(json!({"enabled": false})),
            [401, 403, 403, 403, 404, 403, 404, 404, 404],
        ),
        row(
            "DELETE",
            "/v1/organisations/{id}/webhooks/{webhook_id}",
            None,
            [401, 403, 403, 403, 404, 403, 404, 404, 404],
        ),
        row(
            "POST",
            "/v1/organisations/{id}/webhooks/{webhook_id}/secret",
            None,
            [401, 403, 403, 403, 404, 403, 404, 404, 404],
        ),
        row(
            "POST",
            "/v1/organisations/{id}/webhooks/{webhook_id}/test",
            None,
            [401, 403, 403, 403, 404, 403, 404, 404, 404],
        ),
        row(
            "GET",
            "/v1/organisations/{id}/webhooks/{webhook_id}/deliveries",
            None,
            [401, 403, 403, 403, 404, 403, 404, 404, 404],
        ),
        row(
            "POST",
            "/v1/organisations/{id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
            None,
            [401, 403, 403, 403, 404, 403, 404, 404, 404],
        ),
        row(
            "POST",
            "/v1/webhooks",
            Some(json!({"url": "https://127.0.0.1/x", "events": ["message.received"]})),
            [401, 422, 422, 422, 422, 403, 422, 403, 403],
        ),
        row(
            "GET",
            "/v1/webhooks",
            None,
            [401, 200, 200, 200, 200, 403, 200, 403, 403],
        ),
        row(
            "GET",
            "/v1/webhooks/{webhook_id}",
            None,
            [401, 404, 404, 404, 404, 403, 404, 403, 403],
        ),
        row(
            "PATCH",
            "/v1/webhooks/{webhook_id}",
            Some(json!({"enabled": false})),
            [401, 404, 404, 404, 404, 403, 404, 403, 403],
        ),
        row(
            "DELETE",
            "/v1/webhooks/{webhook_id}",
            None,
            [401, 404, 404, 404, 404, 403, 404, 403, 403],
        ),
        row(
            "POST",
            "/v1/webhooks/{webhook_id}/secret",
            None,
            [401, 404, 404, 404, 404, 403, 404, 403, 403],
        ),
        row(
            "POST",
            "/v1/webhooks/{webhook_id}/test",
            None,
            [401, 404, 404, 404, 404, 403, 404, 403, 403],
        ),
        row(
            "GET",
            "/v1/webhooks/{webhook_id}/deliveries",
            None,
            [401, 404, 404, 404, 404, 403, 404, 403, 403],
        ),
        row(
            "POST",
            "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
            None,
            [401, 404, 404, 404, 404, 403, 404, 403, 403],
        ),
        // After the reads above.
        row(
            "DELETE",
            "/v1/job-offers/{job_number}",
            None,
            [401, 204, 403, 403, 403, 403, 403, 403, 403],
        ),
        row(
            "POST",
            "/v1/job-offers/batch",
            Some(json!({})),
            [401, 415, 403, 403, 403, 403, 403, 403, 403],
        ),
        row(
            "GET",
            "/v1/threads/events",
            None,
            [401, 403, 403, 403, 200, 200, 200, 403, 403],
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
    let hw = tokens[1].clone().unwrap();
    let put = app
        .call(
            "PUT",
            "/v1/seekers/matrix-me",
            Some(&hw),
            Some(json!({"consent_scope": "both", "valid_until": chrono::Utc::now().date_naive().to_string(),
                        "profile": {"desired_occupations": ["08"]}})),
        )
        .await;
    assert_eq!(put.status, 201, "{}", put.text());
    let session = app
        .call("POST", "/v1/seekers/matrix-me/sessions", Some(&hw), None)
        .await
        .json();
    tokens.push(Some(session["access_token"].as_str().unwrap().to_owned()));

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
            .replace("{profile_id}", "AAAAAAAAAAAAAAAAAAAAAA")
            .replace("{organisation_id}", &public)
            .replace("{thread_id}", "00000000-0000-7000-8000-000000000000")
            .replace("{job_number}", "13010-00000001")
            .replace("{webhook_id}", "wh_00000000000000000000000000000000")
            .replace("{delivery_id}", "msg_00000000000000000000000000000000")
            .replace("{report_id}", "00000000-0000-7000-8000-000000000000")
            .replace("{request_id}", "00000000-0000-7000-8000-000000000000")
            .replace("{renewal_id}", "00000000-0000-7000-8000-000000000000")
            .replace(
                "{quarter}",
                &kyushoku_domain::terms::FiscalQuarter::containing(
                    kyushoku_domain::calendar::today_in_japan(),
                )
                .to_string(),
            );
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
