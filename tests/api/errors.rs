//! Every error is RFC 9457 problem+json with a stable type.

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
    assert_eq!(a.header("allow"), Some("GET, HEAD"));
    let req = app.client.delete(app.url("/healthz"));
    let a = app.send(req, None).await;
    a.assert_problem(405, "method-not-allowed");
    // A literal path beside a template (`/v1/job-offers/batch` beside
    // `/v1/job-offers/{job_number}`) is its own resource, whoever asks.
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    for (method, path, allow) in [
        ("GET", "/v1/job-offers/batch", "POST"),
        ("PUT", "/v1/job-offers/changes", "GET, HEAD"),
        ("DELETE", "/v1/job-offers/export", "GET, HEAD"),
        ("PUT", "/v1/seekers/batch", "POST"),
        ("DELETE", "/v1/seekers/batch", "POST"),
    ] {
        let body = (method == "PUT").then(|| serde_json::json!({}));
        let a = app.call(method, path, Some(&hw), body).await;
        a.assert_problem(405, "method-not-allowed");
        assert_eq!(a.header("allow"), Some(allow), "{method} {path}");
    }
}

/// HEAD is answered as the GET, without its content (RFC 9110 §9.3.2).
async fn head_is_get_without_content(app: TestApp) {
    let head = |path: &'static str, token: Option<String>| {
        let app = &app;
        async move {
            let mut req = app.client.head(app.url(path));
            if let Some(t) = token {
                req = req.insert_header(("authorization", format!("Bearer {t}")));
            }
            app.send(req, None).await
        }
    };
    for path in ["/healthz", "/v1/codes/prefectures"] {
        let get = app.get(path).await;
        let a = head(path, None).await;
        assert_eq!(a.status, get.status, "{path}");
        assert!(a.body.is_empty(), "{path}: {}", a.text());
        assert_eq!(a.header("content-type"), get.header("content-type"));
        assert_eq!(a.header("cache-control"), get.header("cache-control"));
    }
    // Authenticated like the GET: refused without a token, served with one.
    let a = head("/v1/profiles", None).await;
    assert_eq!(a.status.as_u16(), 401);
    assert!(a.body.is_empty());
    let cast = app.cast().await;
    let token = app.client_token(cast.get("org_public")).await;
    let bureau = app.client_token(cast.get("bureau_13")).await;
    let org = cast.org_id("org_public").to_owned();
    let before = searches(&app, &org, &bureau).await;
    let a = head("/v1/profiles?limit=5", Some(token.clone())).await;
    assert_eq!(a.status.as_u16(), 200);
    assert!(a.body.is_empty());
    assert!(a.header("ratelimit-remaining").is_some());
    // R9: audited as the GET would be.
    assert_eq!(searches(&app, &org, &bureau).await, before + 1);
    // Bad input is refused as for the GET, and nothing is recorded.
    let a = head("/v1/profiles?limit=0", Some(token)).await;
    assert_eq!(a.status.as_u16(), 422);
    assert!(a.body.is_empty());
    assert_eq!(searches(&app, &org, &bureau).await, before + 1);
    // Where there is no GET, no HEAD either.
    let a = head("/v1/auth/token", None).await;
    assert_eq!(a.status.as_u16(), 405);
    assert!(!a.header("allow").unwrap_or("").contains("HEAD"));
}

/// How many profile searches the trail holds for `org`, as its bureau sees.
async fn searches(app: &TestApp, org: &str, bureau: &str) -> usize {
    let path = format!("/v1/audit?organisation_id={org}&action=profile_search");
    let a = app.call("GET", &path, Some(bureau), None).await;
    assert_eq!(a.status.as_u16(), 200, "{}", a.text());
    a.json()["items"].as_array().unwrap().len()
}

async fn problems_are_never_cached(app: TestApp) {
    let a = app.get("/nope").await;
    assert_eq!(a.header("cache-control"), Some("no-store"));
}

backend_tests!(
    unknown_routes_are_404_problems,
    wrong_methods_are_405_with_allow,
    head_is_get_without_content,
    problems_are_never_cached,
);

/// The JSON error cases on a real endpoint (`POST /v1/organisations`).
async fn bad_bodies_get_clear_problems_and_change_nothing(app: TestApp) {
    let path = "/v1/organisations";
    app.post_raw(path, "text/plain", "{}")
        .await
        .assert_problem(415, "unsupported-media-type");
    app.post_raw(path, "application/json", "{\"name\": ")
        .await
        .assert_problem(400, "malformed-request");
    app.post_raw(path, "application/json", "[1, 2]")
        .await
        .assert_problem(422, "validation");
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    app.post_raw(path, "application/json", big)
        .await
        .assert_problem(413, "payload-too-large");
    // A NUL byte is refused before it reaches the database (PostgreSQL would reject it).
    let nul = serde_json::json!({
        "name": "a\u{0}b", "kind": "school", "prefecture": "13", "services": ["job_offers"],
        "admin": {"email": "nul@example.jp", "password": "a long enough passphrase"}
    });
    let a = app
        .post_raw(path, "application/json", nul.to_string())
        .await;
    assert_eq!(a.status, 422, "{}", a.text());
}

backend_tests!(bad_bodies_get_clear_problems_and_change_nothing);

/// NUL bytes and other control characters anywhere a client can put text
/// get a 4xx on both backends, never a 500 from PostgreSQL.
async fn control_characters_never_reach_the_database(app: TestApp) {
    let cast = app.cast().await;
    let bureau = app.client_token(cast.get("bureau_13")).await;
    let login = app.login("a\u{0}b@example.jp", "whatever password").await;
    assert_eq!(login.status, 401, "{}", login.text());
    let a = app
        .form(
            "/v1/auth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "kc\u{0}x"),
                ("client_secret", "s"),
            ],
        )
        .await;
    assert_eq!(a.status, 401, "{}", a.text());
    for path in [
        "/v1/organisations/%00",
        "/v1/audit?action=%00",
        "/v1/audit?seeker_ref=a%00b",
        "/v1/audit?organisation_id=%00",
        "/v1/codes/municipalities?prefecture=%00",
    ] {
        let a = app.call("GET", path, Some(&bureau), None).await;
        assert!(
            a.status.is_client_error(),
            "{path}: {} {}",
            a.status,
            a.text()
        );
    }
    let public = app.client_token(cast.get("org_public")).await;
    for path in [
        "/v1/profiles?q=%00",
        "/v1/profiles?qualification=%00",
        "/v1/profiles/%00",
    ] {
        let a = app.call("GET", path, Some(&public), None).await;
        assert!(
            a.status.is_client_error(),
            "{path}: {} {}",
            a.status,
            a.text()
        );
    }
    let org = cast.org_id("org_public");
    let a = app
        .call(
            "DELETE",
            &format!("/v1/organisations/{org}/clients/kc%00"),
            Some(&public),
            None,
        )
        .await;
    assert!(a.status.is_client_error(), "{}", a.text());
}

backend_tests!(control_characters_never_reach_the_database);

/// A refusal names the field at fault, never the value that was sent
/// (`openings: 70000` used to answer `{"field": "70000"}`), and a caller
/// who may not act at all is told so (403) before anything about its body.
async fn refusals_name_the_field_and_authorisation_comes_first(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let org = app.client_token(cast.get("org_public")).await;
    let path = "/v1/job-offers/13010-00009999";
    for (field, value) in [
        ("openings", serde_json::json!(70000)),
        ("openings", serde_json::json!(-1)),
        ("holidays_per_year", serde_json::json!(2147483646i64)),
        ("scope", serde_json::json!("everyone")),
    ] {
        let mut offer = crate::offers::offer_json("both");
        offer[field] = value.clone();
        let a = app.call("PUT", path, Some(&hw), Some(offer)).await;
        let p = a.assert_problem(422, "validation");
        assert_eq!(p["errors"][0]["field"], field, "{field}: {p}");
        let sent = value.to_string();
        if sent.len() > 2 {
            assert!(
                !p.to_string().contains(&sent),
                "the value is not echoed: {p}"
            );
        }
    }
    let mut offer = crate::offers::offer_json("both");
    offer["wage"]["min"] = serde_json::json!("lots");
    let p = app
        .call("PUT", path, Some(&hw), Some(offer))
        .await
        .assert_problem(422, "validation");
    assert_eq!(p["errors"][0]["field"], "wage.min", "{p}");
    // An organisation may not write offers: 403 whatever its body.
    for body in [
        serde_json::json!({}),
        serde_json::json!([1]),
        crate::offers::offer_json("both"),
    ] {
        app.call("PUT", path, Some(&org), Some(body))
            .await
            .assert_problem(403, "forbidden");
    }
    assert_eq!(
        app.call("GET", path, Some(&org), None).await.status,
        404,
        "nothing was stored"
    );
    // A query parameter is named the same way.
    let p = app
        .call("GET", "/v1/job-offers/export?format=xml", Some(&org), None)
        .await
        .assert_problem(422, "validation");
    assert_eq!(p["errors"][0]["field"], "format", "{p}");
}

backend_tests!(refusals_name_the_field_and_authorisation_comes_first);
