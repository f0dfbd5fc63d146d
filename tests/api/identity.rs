//! Identity: tokens, login, refresh, revocation, organisations and the
//! bureau's decisions, clients, users, audit, rate limits (issue 3).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::support::{redis_url, Store, TestApp};

/// An agency's application; its licence number follows the address, as one
/// number has one application open at a time.
fn application(email: &str) -> Value {
    let n = email
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 1_000_000;
    json!({
        "name": "株式会社テスト人材",
        "kind": "paid_agency",
        "prefecture": "13",
        "licence_number": format!("13-ユ-{n:06}"),
        "regular_placements": 3,
        "services": ["seeker_info", "job_offers"],
        "admin": {"email": email, "password": "a long enough passphrase"}
    })
}

async fn client_credentials_give_a_token_that_works(app: TestApp) {
    let cast = app.cast().await;
    let bureau = cast.get("bureau_13");
    // Form-encoded body.
    let token = app.client_token(bureau).await;
    let a = app
        .call("GET", "/v1/organisations", Some(&token), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    // JSON body, and HTTP Basic.
    let a = app
        .call(
            "POST",
            "/v1/auth/token",
            None,
            Some(json!({"grant_type": "client_credentials", "client_id": bureau.client_id, "client_secret": bureau.client_secret})),
        )
        .await;
    assert_eq!(a.status, 200);
    let body = a.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body.get("refresh_token").is_none());
    assert_eq!(a.header("cache-control"), Some("no-store"));
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", bureau.client_id, bureau.client_secret));
    let req = app
        .client
        .post(app.url("/v1/auth/token"))
        .insert_header(("authorization", format!("Basic {basic}")))
        .insert_header(("content-type", "application/x-www-form-urlencoded"));
    let a = app
        .send(req, Some(b"grant_type=client_credentials".to_vec()))
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
}

async fn token_endpoint_errors_follow_rfc_6749(app: TestApp) {
    let cast = app.cast().await;
    let c = cast.get("org_public");
    let a = app
        .form(
            "/v1/auth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &c.client_id),
                ("client_secret", "wrong"),
            ],
        )
        .await;
    assert_eq!(a.status, 401);
    assert_eq!(a.json()["error"], "invalid_client");
    assert!(a.header("www-authenticate").is_some());
    let a = app
        .form(
            "/v1/auth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "kc_nobody"),
                ("client_secret", "x"),
            ],
        )
        .await;
    assert_eq!(a.json()["error"], "invalid_client");
    let a = app
        .form("/v1/auth/token", &[("grant_type", "password")])
        .await;
    assert_eq!(
        (a.status.as_u16(), a.json()["error"].clone()),
        (400, json!("unsupported_grant_type"))
    );
    let a = app.form("/v1/auth/token", &[("nothing", "here")]).await;
    assert_eq!(a.json()["error"], "invalid_request");
    let a = app
        .post_raw(
            "/v1/auth/token",
            "text/plain",
            "grant_type=client_credentials",
        )
        .await;
    assert_eq!(a.json()["error"], "invalid_request");
    let a = app
        .form(
            "/v1/auth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", "nope")],
        )
        .await;
    assert_eq!(a.json()["error"], "invalid_grant");
}

fn forge(header: Value, claims: Value) -> String {
    let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap());
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{h}.{c}.")
}

async fn every_kind_of_bad_token_is_401(app: TestApp) {
    let cast = app.cast().await;
    let good = app.client_token(cast.get("bureau_13")).await;
    let parts: Vec<&str> = good.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let keys = app.state().keys.clone();
    let resign = |edit: &dyn Fn(&mut kyushoku_api::auth::keys::Claims)| {
        let mut c: kyushoku_api::auth::keys::Claims =
            serde_json::from_value(claims.clone()).unwrap();
        edit(&mut c);
        keys.sign(&c).unwrap()
    };
    let now = chrono::Utc::now().timestamp();
    let mut tampered_claims = claims.clone();
    tampered_claims["pref"] = json!("27");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&tampered_claims).unwrap()),
        parts[2]
    );
    let mut none_header = header.clone();
    none_header["alg"] = json!("none");
    let other_key = {
        // Same claims, signed by a key this deployment never had.
        let other = tempfile::tempdir().unwrap();
        let db = kyushoku_store::Db::connect(
            &format!("sqlite://{}", other.path().join("o.db").display()),
            &Default::default(),
        )
        .unwrap();
        db.migrate().unwrap();
        let ring = db.run(kyushoku_api::auth::keys::KeyRing::load).unwrap();
        ring.sign(&serde_json::from_value(claims.clone()).unwrap())
            .unwrap()
    };
    let cases = vec![
        ("garbage", "not-a-jwt".to_owned()),
        ("tampered", tampered),
        ("alg none", forge(none_header, claims.clone())),
        ("another key", other_key),
        (
            "expired",
            resign(&|c| {
                c.exp = now - 120;
                c.iat = now - 1000;
                c.nbf = now - 1000;
            }),
        ),
        ("not yet valid", resign(&|c| c.nbf = now + 600)),
        ("issued in the future", resign(&|c| c.iat = now + 600)),
        (
            "another audience",
            resign(&|c| c.aud = "someone-else".into()),
        ),
        ("another issuer", resign(&|c| c.iss = "evil".into())),
        ("stale epoch", resign(&|c| c.ep += 1)),
    ];
    for (what, token) in cases {
        let a = app
            .call("GET", "/v1/organisations", Some(&token), None)
            .await;
        assert_eq!(a.status, 401, "{what}: {}", a.text());
        a.assert_problem(401, "unauthorized");
        assert!(
            a.header("www-authenticate").unwrap().starts_with("Bearer"),
            "{what}"
        );
    }
    // No token at all.
    app.call("GET", "/v1/organisations", None, None)
        .await
        .assert_problem(401, "unauthorized");
}

async fn jwks_publishes_the_signing_key(app: TestApp) {
    let cast = app.cast().await;
    let token = app.client_token(cast.get("hw_system")).await;
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "EdDSA");
    let jwks = app.get("/.well-known/jwks.json").await.json();
    let keys = jwks["keys"].as_array().unwrap();
    assert!(keys
        .iter()
        .any(|k| k["kid"] == header["kid"] && k["crv"] == "Ed25519"));
    assert!(keys.iter().all(|k| k.get("d").is_none()), "no private part");
}

async fn signing_keys_survive_a_restart(app: TestApp) {
    let cast = app.cast().await;
    let token = app.client_token(cast.get("bureau_13")).await;
    let second = app.another_instance().await;
    let a = second
        .call("GET", "/v1/organisations", Some(&token), None)
        .await;
    assert_eq!(
        a.status,
        200,
        "a token from one instance works on a restarted one: {}",
        a.text()
    );
    second.stop().await;
}

async fn login_refresh_rotation_and_reuse_detection(app: TestApp) {
    let cast = app.cast().await;
    let c = cast.get("org_private");
    let a = app.login_admin(c).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let first = a.json()["refresh_token"].as_str().unwrap().to_owned();
    let access = a.json()["access_token"].as_str().unwrap().to_owned();
    let org = cast.org_id("org_private");
    assert_eq!(
        app.call(
            "GET",
            &format!("/v1/organisations/{org}"),
            Some(&access),
            None
        )
        .await
        .status,
        200
    );
    // Rotation: the refresh token gives a new pair.
    let a = app
        .form(
            "/v1/auth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &first)],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    let second = a.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    // Reuse of the rotated one is refused and ends the whole family.
    let a = app
        .form(
            "/v1/auth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &first)],
        )
        .await;
    assert_eq!(a.json()["error"], "invalid_grant");
    let a = app
        .form(
            "/v1/auth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &second)],
        )
        .await;
    assert_eq!(a.json()["error"], "invalid_grant", "the family is revoked");
}

async fn login_failures_look_the_same_and_are_limited(app: TestApp) {
    let cast = app.cast().await;
    let c = cast.get("org_public");
    let email = c.admin_email.as_deref().unwrap();
    let wrong = app.login(email, "wrong password here").await;
    let unknown = app.login("nobody@example.jp", "wrong password here").await;
    let mut p1 = wrong.assert_problem(401, "invalid-credentials");
    let mut p2 = unknown.assert_problem(401, "invalid-credentials");
    p1["request_id"] = Value::Null;
    p2["request_id"] = Value::Null;
    assert_eq!(p1, p2, "no account oracle");
    // Past ten wrong passwords from one address, that address waits for
    // that account, even with the right password...
    for _ in 0..9 {
        app.login(email, "wrong password here").await;
    }
    let a = app.login(email, c.admin_password.as_deref().unwrap()).await;
    a.assert_problem(429, "rate-limited");
    assert!(a.header("retry-after").is_some());
    // ...but the owner, from another address, signs in as usual: nobody
    // can lock an account out from elsewhere.
    let body = serde_json::to_vec(&json!({"email": email, "password": c.admin_password})).unwrap();
    let status =
        crate::support::post_from("127.0.0.2", &app.base_url, "/v1/auth/login", &body).await;
    assert_eq!(status, 200);
}

async fn revocation_of_refresh_and_access_tokens(app: TestApp) {
    let cast = app.cast().await;
    let c = cast.get("org_public");
    let a = app.login_admin(c).await;
    let refresh = a.json()["refresh_token"].as_str().unwrap().to_owned();
    let access = a.json()["access_token"].as_str().unwrap().to_owned();
    // Revocation needs the caller to authenticate (RFC 7009 §2.1).
    let anonymous = app.form("/v1/auth/revoke", &[("token", &refresh)]).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["error"], "invalid_client");
    // Another principal may not revoke it.
    let other = app.client_token(cast.get("org_private")).await;
    let refused = app.revoke(&refresh, &other).await;
    assert_eq!(
        (refused.status.as_u16(), refused.json()["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    assert_eq!(app.revoke(&refresh, &access).await.status, 200);
    let a = app
        .form(
            "/v1/auth/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(a.json()["error"], "invalid_grant");
    let org = cast.org_id("org_public");
    let path = format!("/v1/organisations/{org}");
    assert_eq!(
        app.call("GET", &path, Some(&access), None).await.status,
        200
    );
    assert_eq!(app.revoke(&access, &other).await.status, 400);
    // Client credentials in the body must have the documented shape even
    // when a bearer token authenticates the caller; nothing is revoked.
    for (field, value) in [
        ("client_secret", ""),
        ("client_id", ""),
        ("client_id", "id with spaces"),
    ] {
        let refused = app
            .revoke_form(&[("token", &access), (field, value)], &access)
            .await;
        assert_eq!(
            (refused.status.as_u16(), refused.json()["error"].as_str()),
            (400, Some("invalid_request")),
            "{field}={value:?}"
        );
    }
    assert_eq!(
        app.call("GET", &path, Some(&access), None).await.status,
        200
    );
    assert_eq!(app.revoke(&access, &access).await.status, 200);
    app.call("GET", &path, Some(&access), None)
        .await
        .assert_problem(401, "unauthorized");
    // Unknown tokens are fine too (RFC 7009 §2.2).
    assert_eq!(app.revoke("whatever", &other).await.status, 200);
}

async fn an_application_creates_a_pending_organisation(app: TestApp) {
    let a = app
        .call(
            "POST",
            "/v1/organisations",
            None,
            Some(application("new@agency.example.jp")),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text());
    let org = a.json();
    assert_eq!(org["status"], "pending");
    assert_eq!(org["services"], json!([]));
    assert_eq!(
        org["requested_services"],
        json!(["seeker_info", "job_offers"])
    );
    let id = org["organisation_id"].as_str().unwrap();
    assert_eq!(
        a.header("location").unwrap(),
        format!("/v1/organisations/{id}")
    );
    // The same e-mail again (under another licence number: one number has
    // one open application, and a second is 409) answers alike and creates
    // nothing (no account enumeration: security.rs).
    let mut again = application("new@agency.example.jp");
    again["licence_number"] = json!("13-ユ-000001");
    let a = app
        .call("POST", "/v1/organisations", None, Some(again))
        .await;
    assert_eq!(a.status, 201, "{}", a.text());
    app.call(
        "POST",
        "/v1/organisations",
        None,
        Some(application("other@agency.example.jp")).map(|mut b| {
            b["licence_number"] = application("new@agency.example.jp")["licence_number"].clone();
            b
        }),
    )
    .await
    .assert_problem(409, "conflict");
    // Its admin cannot sign in before the bureau decides: it answers as a
    // wrong password, as it would for an address that had an account
    // already (no enumeration: security.rs).
    app.login("new@agency.example.jp", "a long enough passphrase")
        .await
        .assert_problem(401, "invalid-credentials");
    // A pending organisation's own client sees its status, and nothing else.
    let cast = app.cast().await;
    let token = app.client_token(cast.get("org_pending")).await;
    let pending = cast.org_id("org_pending").to_owned();
    let own = app
        .call(
            "GET",
            &format!("/v1/organisations/{pending}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(own.json()["status"], "pending");
    app.call("GET", "/v1/organisations", Some(&token), None)
        .await
        .assert_problem(403, "forbidden");
    app.call(
        "POST",
        &format!("/v1/organisations/{pending}/clients"),
        Some(&token),
        Some(json!({"name": "x"})),
    )
    .await
    .assert_problem(403, "organisation-not-approved");
    // Once approved, its admin signs in.
    let bureau = app.client_token(cast.get("bureau_13")).await;
    let d = app
        .call(
            "POST",
            &format!("/v1/organisations/{id}/decisions"),
            Some(&bureau),
            Some(json!({"decision": "approve", "reason": "要件確認済み"})),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text());
    assert_eq!(
        app.login("new@agency.example.jp", "a long enough passphrase")
            .await
            .status,
        200
    );
}

async fn applications_are_validated_field_by_field(app: TestApp) {
    let mut bad = application("x@agency.example.jp");
    bad["kind"] = json!("municipality");
    bad["municipality"] = json!("131040");
    bad["admin"]["password"] = json!("password1234");
    bad["services"] = json!(["seeker_info", "teleport"]);
    let a = app.call("POST", "/v1/organisations", None, Some(bad)).await;
    let p = a.assert_problem(422, "validation");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "municipality",
        "licence_number",
        "admin.password",
        "services[1]",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    assert!(
        !a.text().contains("password1234"),
        "values are never echoed"
    );
    let mut no_licence = application("y@agency.example.jp");
    no_licence.as_object_mut().unwrap().remove("licence_number");
    let p = app
        .call("POST", "/v1/organisations", None, Some(no_licence))
        .await
        .assert_problem(422, "validation");
    assert_eq!(p["errors"][0]["field"], "licence_number");
    let mut unknown = application("z@agency.example.jp");
    unknown["sex"] = json!("f");
    app.call("POST", "/v1/organisations", None, Some(unknown))
        .await
        .assert_problem(422, "validation");
    let mut bad_email = application("not-an-email");
    bad_email["name"] = json!("");
    let p = app
        .call("POST", "/v1/organisations", None, Some(bad_email))
        .await
        .assert_problem(422, "validation");
    assert_eq!(p["errors"].as_array().unwrap().len(), 2, "{p}");
    // Nothing was created by any of these.
    let cast = app.cast().await;
    let bureau = app.client_token(cast.get("bureau_13")).await;
    let list = app
        .call(
            "GET",
            "/v1/organisations?status=pending",
            Some(&bureau),
            None,
        )
        .await
        .json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "only the demo's pending one"
    );
}

async fn decisions_follow_the_state_machine(app: TestApp) {
    let cast = app.cast().await;
    let bureau = app.client_token(cast.get("bureau_13")).await;
    let pending = cast.org_id("org_pending");
    let path = format!("/v1/organisations/{pending}/decisions");
    let decide = |d: &str| json!({"decision": d, "reason": "審査の結果"});
    let illegal = [("suspend", "pending"), ("reinstate", "pending")];
    for (d, _) in illegal {
        app.call("POST", &path, Some(&bureau), Some(decide(d)))
            .await
            .assert_problem(409, "illegal-transition");
    }
    let a = app
        .call(
            "POST",
            &path,
            Some(&bureau),
            Some(json!({"decision": "approve", "reason": "要件を満たす", "services": ["job_offers"]})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["status"], "approved");
    assert_eq!(a.json()["services"], json!(["job_offers"]));
    assert_eq!(
        a.json()["sector"],
        "private",
        "a free agency defaults to private"
    );
    for d in ["approve", "reject", "reinstate"] {
        app.call("POST", &path, Some(&bureau), Some(decide(d)))
            .await
            .assert_problem(409, "illegal-transition");
    }
    assert_eq!(
        app.call("POST", &path, Some(&bureau), Some(decide("suspend")))
            .await
            .json()["status"],
        "suspended"
    );
    assert_eq!(
        app.call("POST", &path, Some(&bureau), Some(decide("reinstate")))
            .await
            .json()["status"],
        "approved"
    );
    assert_eq!(
        app.call("POST", &path, Some(&bureau), Some(decide("revoke")))
            .await
            .json()["status"],
        "revoked"
    );
    for d in ["approve", "reinstate", "revoke", "suspend"] {
        app.call("POST", &path, Some(&bureau), Some(decide(d)))
            .await
            .assert_problem(409, "illegal-transition");
    }
    // Bad decisions are validation problems.
    let p = app
        .call(
            "POST",
            &path,
            Some(&bureau),
            Some(json!({"decision": "ban", "reason": ""})),
        )
        .await
        .assert_problem(422, "validation");
    assert_eq!(p["errors"].as_array().unwrap().len(), 2);
}

async fn only_the_bureau_of_the_prefecture_decides(app: TestApp) {
    let cast = app.cast().await;
    let pending = cast.org_id("org_pending");
    let path = format!("/v1/organisations/{pending}/decisions");
    let body = json!({"decision": "approve", "reason": "ok"});
    let osaka = app.client_token(cast.get("bureau_27")).await;
    app.call("POST", &path, Some(&osaka), Some(body.clone()))
        .await
        .assert_problem(403, "forbidden");
    let org = app.client_token(cast.get("org_public")).await;
    app.call("POST", &path, Some(&org), Some(body.clone()))
        .await
        .assert_problem(403, "forbidden");
    let hw = app.client_token(cast.get("hw_system")).await;
    app.call("POST", &path, Some(&hw), Some(body.clone()))
        .await
        .assert_problem(403, "forbidden");
    app.call("POST", &path, None, Some(body.clone()))
        .await
        .assert_problem(401, "unauthorized");
    let nobody = "/v1/organisations/00000000-0000-7000-8000-000000000000/decisions";
    let tokyo = app.client_token(cast.get("bureau_13")).await;
    app.call("POST", nobody, Some(&tokyo), Some(body))
        .await
        .assert_problem(404, "not-found");
}

async fn suspension_ends_every_token_at_once(app: TestApp) {
    let cast = app.cast().await;
    let c = cast.get("org_private");
    let org = cast.org_id("org_private");
    let client_token = app.client_token(c).await;
    let login = app.login_admin(c).await;
    let user_token = login.json()["access_token"].as_str().unwrap().to_owned();
    let own = format!("/v1/organisations/{org}");
    assert_eq!(
        app.call("GET", &own, Some(&client_token), None)
            .await
            .status,
        200
    );
    let bureau = app.client_token(cast.get("bureau_13")).await;
    let a = app
        .call(
            "POST",
            &format!("{own}/decisions"),
            Some(&bureau),
            Some(json!({"decision": "suspend", "reason": "報告がない"})),
        )
        .await;
    assert_eq!(a.json()["status"], "suspended");
    for t in [&client_token, &user_token] {
        app.call("GET", &own, Some(t), None)
            .await
            .assert_problem(403, "access-revoked");
    }
    // A new token sees its own status, and nothing else.
    let fresh = app.client_token(c).await;
    assert_eq!(
        app.call("GET", &own, Some(&fresh), None).await.json()["status"],
        "suspended"
    );
    app.call("GET", &format!("{own}/clients"), Some(&fresh), None)
        .await
        .assert_problem(403, "organisation-not-approved");
}

async fn admins_manage_clients_and_users(app: TestApp) {
    let cast = app.cast().await;
    let org = cast.org_id("org_public");
    let admin = app.client_token(cast.get("org_public")).await;
    let clients = format!("/v1/organisations/{org}/clients");
    let a = app
        .call(
            "POST",
            &clients,
            Some(&admin),
            Some(json!({"name": "matching"})),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text());
    let created = a.json();
    let new_client = kyushoku::demo::DemoClient {
        client_id: created["client_id"].as_str().unwrap().into(),
        client_secret: created["client_secret"].as_str().unwrap().into(),
        organisation_id: None,
        admin_email: None,
        admin_password: None,
    };
    let staff_token = app.client_token(&new_client).await;
    // The listing never shows secrets.
    let list = app.call("GET", &clients, Some(&admin), None).await;
    assert!(!list.text().contains(&new_client.client_secret));
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 2);
    // Staff may not manage clients or users.
    app.call(
        "POST",
        &clients,
        Some(&staff_token),
        Some(json!({"name": "x"})),
    )
    .await
    .assert_problem(403, "forbidden");
    let users = format!("/v1/organisations/{org}/users");
    let user = json!({"email": "staff@shinjuku.example.jp"});
    app.call("POST", &users, Some(&staff_token), Some(user.clone()))
        .await
        .assert_problem(403, "forbidden");
    // Another organisation's admin finds nothing there.
    let other = app.client_token(cast.get("org_private")).await;
    app.call("GET", &clients, Some(&other), None)
        .await
        .assert_problem(404, "not-found");
    let cid = &new_client.client_id;
    app.call("DELETE", &format!("{clients}/{cid}"), Some(&other), None)
        .await
        .assert_problem(404, "not-found");
    // The admin adds a staff user, who sets a password with the mailed
    // code and can log in.
    let a = app
        .call("POST", &users, Some(&admin), Some(user.clone()))
        .await;
    assert_eq!(a.status, 201, "{}", a.text());
    app.set_password_from_letter("staff@shinjuku.example.jp", "another fine passphrase")
        .await;
    assert_eq!(
        app.login("staff@shinjuku.example.jp", "another fine passphrase")
            .await
            .status,
        200
    );
    // A taken address answers alike (security.rs).
    assert_eq!(
        app.call("POST", &users, Some(&admin), Some(user))
            .await
            .status,
        201
    );
    let bad = json!({"email": "not an address"});
    app.call("POST", &users, Some(&admin), Some(bad))
        .await
        .assert_problem(422, "validation");
    // Deleting a client ends its tokens at once.
    let a = app
        .call("DELETE", &format!("{clients}/{cid}"), Some(&admin), None)
        .await;
    assert_eq!(a.status, 204);
    app.call(
        "GET",
        &format!("/v1/organisations/{org}"),
        Some(&staff_token),
        None,
    )
    .await
    .assert_problem(401, "unauthorized");
    app.call("DELETE", &format!("{clients}/{cid}"), Some(&admin), None)
        .await
        .assert_problem(404, "not-found");
}

async fn the_audit_trail_records_decisions_clients_and_failures(app: TestApp) {
    let cast = app.cast().await;
    let bureau = app.client_token(cast.get("bureau_13")).await;
    let pending = cast.org_id("org_pending");
    app.call(
        "POST",
        &format!("/v1/organisations/{pending}/decisions"),
        Some(&bureau),
        Some(json!({"decision": "reject", "reason": "書類不備"})),
    )
    .await;
    let public = cast.org_id("org_public");
    let admin = app.client_token(cast.get("org_public")).await;
    app.call(
        "POST",
        &format!("/v1/organisations/{public}/clients"),
        Some(&admin),
        Some(json!({"name": "n"})),
    )
    .await;
    app.login(
        cast.get("org_public").admin_email.as_deref().unwrap(),
        "wrong password!!",
    )
    .await;
    let a = app
        .call("GET", "/v1/audit?limit=100", Some(&bureau), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    let items = a.json()["items"].as_array().unwrap().clone();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in ["organisation_decision", "client_created", "login_failed"] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
    let decision = items
        .iter()
        .find(|e| e["action"] == "organisation_decision")
        .unwrap();
    assert_eq!(decision["organisation_id"], pending);
    assert_eq!(decision["detail"]["decision"], "reject");
    assert_eq!(decision["actor_kind"], "bureau");
    assert!(decision["request_id"].is_string());
    // Filter by organisation.
    let only = app
        .call(
            "GET",
            &format!("/v1/audit?organisation_id={public}"),
            Some(&bureau),
            None,
        )
        .await
        .json();
    assert!(only["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["organisation_id"] == public));
    // Another prefecture's bureau sees none of it; others may not ask.
    let osaka = app.client_token(cast.get("bureau_27")).await;
    let a = app.call("GET", "/v1/audit", Some(&osaka), None).await;
    assert_eq!(a.json()["items"], json!([]));
    app.call("GET", "/v1/audit", Some(&admin), None)
        .await
        .assert_problem(403, "forbidden");
    // No e-mail address or password reaches the trail.
    let text = app
        .call("GET", "/v1/audit?limit=100", Some(&bureau), None)
        .await
        .text();
    assert!(!text.contains("@demo.kyushoku.invalid") && !text.contains("wrong password"));
}

async fn organisations_list_filters_and_paginates(app: TestApp) {
    let cast = app.cast().await;
    let bureau = app.client_token(cast.get("bureau_13")).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/organisations?limit=2&cursor={c}"),
            None => "/v1/organisations?limit=2".to_owned(),
        };
        let page = app.call("GET", &path, Some(&bureau), None).await.json();
        for o in page["items"].as_array().unwrap() {
            seen.push(o["organisation_id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    // The demo cast's four organisations, each once.
    assert_eq!(seen.len(), 4);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4);
    let approved = app
        .call(
            "GET",
            "/v1/organisations?status=approved&kind=municipality",
            Some(&bureau),
            None,
        )
        .await;
    let items = approved.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["organisation_id"], cast.org_id("org_public"));
    for bad in [
        "status=open",
        "kind=bank",
        "prefecture=99",
        "limit=0",
        "limit=101",
        "colour=red",
    ] {
        app.call(
            "GET",
            &format!("/v1/organisations?{bad}"),
            Some(&bureau),
            None,
        )
        .await
        .assert_problem(422, "validation");
    }
    app.call("GET", "/v1/organisations?cursor=zzz", Some(&bureau), None)
        .await
        .assert_problem(400, "invalid-cursor");
}

async fn rate_limits_answer_429_with_headers(app: TestApp) {
    let cast = app.cast().await;
    let token = app.client_token(cast.get("bureau_13")).await;
    let mut last = None;
    for _ in 0..6 {
        last = Some(
            app.call("GET", "/v1/organisations", Some(&token), None)
                .await,
        );
    }
    let a = last.unwrap();
    a.assert_problem(429, "rate-limited");
    assert!(a.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(a.header("ratelimit-limit"), Some("5"));
    assert_eq!(a.header("ratelimit-remaining"), Some("0"));
    // A validly signed token that no longer stands (revoked) is counted
    // against the address, like no token, not against its principal.
    let c = cast.get("org_public");
    let login = app.login_admin(c).await;
    let access = login.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.revoke(&access, &access).await.status, 200);
    let anonymous = app.get("/v1/codes/prefectures").await;
    let address_limit = anonymous.header("ratelimit-limit").unwrap().to_owned();
    assert_ne!(address_limit, "5");
    let revoked = app
        .call("GET", "/v1/organisations", Some(&access), None)
        .await;
    revoked.assert_problem(401, "unauthorized");
    assert_eq!(
        revoked.header("ratelimit-limit"),
        Some(address_limit.as_str())
    );
    // Operations endpoints are never limited.
    assert_eq!(app.get("/healthz").await.status, 200);
}

/// Applications have their own hourly limit per address
/// (`KYUSHOKU_APPLICATIONS_PER_HOUR`, 2 here); a refused one creates nothing.
async fn applications_are_limited_per_address(app: TestApp) {
    for n in 0..2 {
        let email = format!("limit{n}@agency.example.jp");
        let a = app
            .call("POST", "/v1/organisations", None, Some(application(&email)))
            .await;
        assert_eq!(a.status, 201, "{}", a.text());
    }
    let refused = app
        .call(
            "POST",
            "/v1/organisations",
            None,
            Some(application("limit2@agency.example.jp")),
        )
        .await;
    refused.assert_problem(429, "rate-limited");
    assert!(refused.header("retry-after").is_some());
    let a = app
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(json!({"email": "limit2@agency.example.jp", "password": "a long enough passphrase"})),
        )
        .await;
    assert_eq!(a.status, 401, "no account was made for the refused one");
}

backend_tests!(
    client_credentials_give_a_token_that_works,
    token_endpoint_errors_follow_rfc_6749,
    every_kind_of_bad_token_is_401,
    jwks_publishes_the_signing_key,
    signing_keys_survive_a_restart,
    login_refresh_rotation_and_reuse_detection,
    login_failures_look_the_same_and_are_limited,
    revocation_of_refresh_and_access_tokens,
    an_application_creates_a_pending_organisation,
    applications_are_validated_field_by_field,
    decisions_follow_the_state_machine,
    only_the_bureau_of_the_prefecture_decides,
    suspension_ends_every_token_at_once,
    admins_manage_clients_and_users,
    the_audit_trail_records_decisions_clients_and_failures,
    organisations_list_filters_and_paginates,
);

mod rate_limits {
    use super::*;

    fn limits(a: &mut kyushoku::config::ServeArgs) {
        a.rate_limit = 5;
        a.applications_per_hour = 2;
    }

    #[actix_web::test]
    async fn sqlite() {
        let app = TestApp::spawn_with(Store::Sqlite, limits).await.unwrap();
        rate_limits_answer_429_with_headers(app).await;
        let app = TestApp::spawn_with(Store::Sqlite, limits).await.unwrap();
        applications_are_limited_per_address(app).await;
    }

    #[actix_web::test]
    async fn postgres() {
        if let Some(app) = TestApp::spawn_with(Store::Postgres, limits).await {
            rate_limits_answer_429_with_headers(app).await;
        }
        if let Some(app) = TestApp::spawn_with(Store::Postgres, limits).await {
            applications_are_limited_per_address(app).await;
        }
    }
}

/// R8 across instances: two servers on one PostgreSQL and one Redis; a
/// suspension through one is refused by the other on the very next request,
/// and the rate limit is one count for both.
#[actix_web::test]
async fn two_instances_share_suspension_and_rate_limits() {
    let Some(redis) = redis_url() else { return };
    let Some(a) = TestApp::spawn_with(Store::Postgres, |s| {
        s.redis_url = Some(redis.clone());
        s.rate_limit = 1000;
    })
    .await
    else {
        return;
    };
    let b = a.another_instance().await;
    let cast = a.cast().await;
    let org = cast.org_id("org_private");
    let token = a.client_token(cast.get("org_private")).await;
    let own = format!("/v1/organisations/{org}");
    // Both instances have the organisation's state cached now.
    assert_eq!(a.call("GET", &own, Some(&token), None).await.status, 200);
    assert_eq!(b.call("GET", &own, Some(&token), None).await.status, 200);
    let bureau = a.client_token(cast.get("bureau_13")).await;
    let d = a
        .call(
            "POST",
            &format!("{own}/decisions"),
            Some(&bureau),
            Some(json!({"decision": "suspend", "reason": "r"})),
        )
        .await;
    assert_eq!(d.json()["status"], "suspended");
    b.call("GET", &own, Some(&token), None)
        .await
        .assert_problem(403, "access-revoked");
    // One count across instances.
    let x = a
        .call("GET", "/v1/organisations", Some(&bureau), None)
        .await;
    let y = b
        .call("GET", "/v1/organisations", Some(&bureau), None)
        .await;
    let rx: u64 = x.header("ratelimit-remaining").unwrap().parse().unwrap();
    let ry: u64 = y.header("ratelimit-remaining").unwrap().parse().unwrap();
    assert_eq!(
        rx,
        ry + 1,
        "the second instance continues the first one's count ({rx}, {ry})"
    );
    b.stop().await;
    a.stop().await;
}
