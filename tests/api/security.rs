//! The outside review's attacks (issue 30), one test each, through HTTP on
//! both backends: what failed then must hold now. `docs/security.md` lists
//! each threat with its fix and the test here.

use base64::Engine;
use serde_json::json;

use crate::backend_tests;
use crate::messaging::{only_profile, seeker, send, world};
use crate::support::TestApp;

backend_tests!(cursors_are_sealed_for_their_caller_and_times_are_days);

/// R10: two organisations paging the same search never get the same cursor,
/// a cursor works only for the organisation (and list) it was given to, an
/// altered or home-made one is 400 `invalid-cursor`, and `updated_at` shows a
/// day, not a time that would be the same in both views.
async fn cursors_are_sealed_for_their_caller_and_times_are_days(app: TestApp) {
    let w = world(&app).await;
    for i in 0..3 {
        seeker(&app, &w, &format!("cur-{i}"), "both").await;
    }
    let page = |token: String, cursor: Option<String>| {
        let app = &app;
        async move {
            let path = match cursor {
                Some(c) => format!("/v1/profiles?limit=1&cursor={c}"),
                None => "/v1/profiles?limit=1".to_owned(),
            };
            app.call("GET", &path, Some(&token), None).await
        }
    };
    let a = page(w.public.clone(), None).await;
    let b = page(w.private.clone(), None).await;
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (200, 200));
    let (ca, cb) = (
        a.json()["next_cursor"].as_str().unwrap().to_owned(),
        b.json()["next_cursor"].as_str().unwrap().to_owned(),
    );
    assert_ne!(ca, cb, "the same position, two organisations");
    // The same organisation asking again gets another cursor that works.
    let again = page(w.public.clone(), None).await.json()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(again, ca);
    let second = page(w.public.clone(), Some(again)).await;
    assert_eq!(second.status, 200);
    assert_ne!(
        second.json()["items"][0]["profile_id"],
        a.json()["items"][0]["profile_id"]
    );
    // Another organisation's cursor, an altered one, a hand-made one.
    page(w.private.clone(), Some(ca.clone()))
        .await
        .assert_problem(400, "invalid-cursor");
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut raw = engine.decode(&ca).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    page(w.public.clone(), Some(engine.encode(&raw)))
        .await
        .assert_problem(400, "invalid-cursor");
    let forged = engine.encode(format!("v1:{}:1", chrono::Utc::now().timestamp_micros()));
    page(w.public.clone(), Some(forged))
        .await
        .assert_problem(400, "invalid-cursor");
    // A cursor of one list is no cursor of another.
    app.call(
        "GET",
        &format!("/v1/threads?cursor={ca}"),
        Some(&w.public),
        None,
    )
    .await
    .assert_problem(400, "invalid-cursor");
    // Times are days.
    let at = a.json()["items"][0]["updated_at"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(at.ends_with("T00:00:00Z"), "{at}");
    let read = app
        .call(
            "GET",
            &format!(
                "/v1/profiles/{}",
                a.json()["items"][0]["profile_id"].as_str().unwrap()
            ),
            Some(&w.public),
            None,
        )
        .await;
    assert!(read.json()["updated_at"]
        .as_str()
        .unwrap()
        .ends_with("T00:00:00Z"));
    // A filter finer than a day finds what the day shows, no more, no less.
    let now = chrono::Utc::now();
    let late = (now + chrono::Duration::seconds(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        .to_owned();
    let found = app
        .call(
            "GET",
            &format!("/v1/profiles?updated_since={late}"),
            Some(&w.public),
            None,
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.text());
    assert_eq!(found.json()["items"].as_array().unwrap().len(), 3);
}

backend_tests!(the_sector_follows_the_kind);

/// A bureau cannot approve a free agency into the public sector (it would
/// read `public_only` seekers): 422, and nothing changes; approving with
/// the kind's own sector, or none, puts it in the private sector.
async fn the_sector_follows_the_kind(app: TestApp) {
    let w = world(&app).await;
    let org = w.cast.org_id("org_pending").to_owned();
    let path = format!("/v1/organisations/{org}/decisions");
    let wrong = json!({"decision": "approve", "reason": "要件を満たす", "sector": "public"});
    let r = app.call("POST", &path, Some(&w.bureau), Some(wrong)).await;
    let p = r.assert_problem(422, "validation");
    assert_eq!(p["errors"][0]["field"], "sector");
    let read = app
        .call(
            "GET",
            &format!("/v1/organisations/{org}"),
            Some(&w.bureau),
            None,
        )
        .await;
    assert_eq!(read.json()["status"], "pending", "nothing changed");
    let right = json!({"decision": "approve", "reason": "要件を満たす", "sector": "private"});
    let r = app.call("POST", &path, Some(&w.bureau), Some(right)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["sector"], "private");
}

backend_tests!(offers_an_organisation_never_saw_are_not_in_its_feed_nor_its_hires);

/// The change feed tells an organisation that an offer left its view only
/// if it was in it; a hire reported against an offer it could never see
/// answers exactly as one against no offer at all, and records nothing.
async fn offers_an_organisation_never_saw_are_not_in_its_feed_nor_its_hires(app: TestApp) {
    let w = world(&app).await;
    let numbers = [
        ("13010-30000001", "public_only"),
        ("13010-30000002", "none"),
        ("13010-30000003", "both"),
    ];
    for (n, scope) in numbers {
        let r = app
            .call(
                "PUT",
                &format!("/v1/job-offers/{n}"),
                Some(&w.hw),
                Some(crate::offers::offer_json(scope)),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text());
    }
    for (n, _) in numbers {
        let r = app
            .call("DELETE", &format!("/v1/job-offers/{n}"), Some(&w.hw), None)
            .await;
        assert!(r.status.is_success(), "{}", r.text());
    }
    let feed = |token: String| {
        let app = &app;
        async move {
            let r = app
                .call("GET", "/v1/job-offers/changes?since=0", Some(&token), None)
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
            r.json()
        }
    };
    let seen = |f: &serde_json::Value| -> Vec<(String, String)> {
        f["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["job_number"].as_str().unwrap().to_owned(),
                    c["op"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let private = feed(w.private.clone()).await;
    // The offer shown to both sectors was upserted and withdrawn: its
    // withdrawal is in the feed (its insert, no longer in view, is not:
    // entries show offers as they are now). The others never reached a
    // private agency, so their withdrawal is none of its business.
    assert_eq!(
        seen(&private),
        [("13010-30000003".to_owned(), "delete".to_owned())],
        "{private}"
    );
    let public = feed(w.public.clone()).await;
    assert!(seen(&public).iter().all(|(n, _)| n != "13010-30000002"));
    assert!(seen(&public).iter().any(|(n, _)| n == "13010-30000001"));
    // Resuming from where the feed said finds nothing more.
    let next = private["next_since"].as_i64().unwrap();
    let again = app
        .call(
            "GET",
            &format!("/v1/job-offers/changes?since={next}"),
            Some(&w.private),
            None,
        )
        .await;
    assert_eq!(again.json()["changes"].as_array().unwrap().len(), 0);
    assert_eq!(again.json()["next_since"].as_i64().unwrap(), next);

    let hire = |n: &str| json!({"job_number": n, "hired_on": crate::offers::today_str(), "employment_type": "full_time"});
    let hidden = app
        .call(
            "POST",
            "/v1/hires",
            Some(&w.private),
            Some(hire("13010-30000001")),
        )
        .await;
    let absent = app
        .call(
            "POST",
            "/v1/hires",
            Some(&w.private),
            Some(hire("13010-39999999")),
        )
        .await;
    let (h, a) = (
        hidden.assert_problem(422, "validation"),
        absent.assert_problem(422, "validation"),
    );
    assert_eq!(h["errors"], a["errors"]);
    let none = app
        .call(
            "POST",
            "/v1/hires",
            Some(&w.private),
            Some(hire("13010-30000002")),
        )
        .await;
    assert_eq!(
        none.assert_problem(422, "validation")["errors"],
        a["errors"]
    );
    let org = w.cast.org_id("org_private").to_owned();
    let listed = app
        .call(
            "GET",
            &format!("/v1/organisations/{org}/hires"),
            Some(&w.private),
            None,
        )
        .await;
    assert_eq!(
        listed.json()["items"].as_array().unwrap().len(),
        0,
        "{}",
        listed.text()
    );
    // An offer it could see (since withdrawn) is reported.
    let ok = app
        .call(
            "POST",
            "/v1/hires",
            Some(&w.private),
            Some(hire("13010-30000003")),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text());
}

backend_tests!(a_blocked_organisation_learns_nothing_more);

/// R5: after a block the organisation's view of the thread is frozen as it
/// was: no read receipt appears when the seeker reads it afterwards, and no
/// event tells the organisation it was refused.
async fn a_blocked_organisation_learns_nothing_more(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "blk-1", "both").await;
    let pid = only_profile(&app, &w.public).await;
    let mut theirs = app.events("/v1/threads/events", &w.public, None).await;
    let sent = send(&app, &w.public, &pid, Some("ご案内"), "本文")
        .await
        .json();
    let thread = sent["thread_id"].as_str().unwrap().to_owned();
    let wait = std::time::Duration::from_secs(10);
    assert_eq!(theirs.next_event(wait).await.1, "message");
    let org = w.cast.org_id("org_public");
    let b = app
        .call("PUT", &format!("/v1/me/blocks/{org}"), Some(&me), None)
        .await;
    assert_eq!(b.status, 204, "{}", b.text());
    // The seeker reads the thread after the block.
    let mine = app
        .call("GET", &format!("/v1/me/threads/{thread}"), Some(&me), None)
        .await;
    assert_eq!(mine.status, 200);
    let theirs_now = app
        .call(
            "GET",
            &format!("/v1/threads/{thread}"),
            Some(&w.public),
            None,
        )
        .await;
    assert_eq!(theirs_now.status, 200, "the history stays readable");
    let messages = theirs_now.json()["messages"].clone();
    assert_eq!(messages.as_array().unwrap().len(), 1);
    assert!(messages[0]["read_at"].is_null(), "{messages}");
    // The next event the organisation hears is its own next message, not
    // a closure.
    seeker(&app, &w, "blk-2", "both").await;
    let other = app
        .call("GET", "/v1/profiles", Some(&w.public), None)
        .await
        .json()["items"][0]["profile_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(other, pid, "the blocked seeker is out of the search");
    let s = send(&app, &w.public, &other, Some("ご案内"), "本文").await;
    assert_eq!(s.status, 201, "{}", s.text());
    let (_, kind, data) = theirs.next_event(wait).await;
    assert_eq!(kind, "message");
    assert_eq!(data["thread_id"], s.json()["thread_id"]);
}

backend_tests!(a_hidden_profile_and_a_made_up_one_answer_alike_whatever_the_body);

/// R2: the target is resolved before the body is judged, so a genuine
/// pseudonym the organisation may no longer see and one that names nobody
/// answer the same 404 for every body, valid or not.
async fn a_hidden_profile_and_a_made_up_one_answer_alike_whatever_the_body(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "hid-1", "both").await;
    let pid = only_profile(&app, &w.public).await;
    let c = app
        .call(
            "PUT",
            "/v1/me/consent",
            Some(&me),
            Some(json!({"consent_scope": "private_only"})),
        )
        .await;
    assert!(c.status.is_success(), "{}", c.text());
    let made_up = "AAAAAAAAAAAAAAAAAAAAAA";
    for body in [
        json!({"body": "件名なし"}),
        json!({"subject": "", "body": "本文"}),
        json!({"subject": "ご案内", "body": ""}),
        json!({"subject": "ご案内", "body": "本文"}),
    ] {
        for target in [pid.as_str(), made_up] {
            let r = app
                .call(
                    "POST",
                    &format!("/v1/profiles/{target}/messages"),
                    Some(&w.public),
                    Some(body.clone()),
                )
                .await;
            r.assert_problem(404, "not-found");
        }
    }
    // A visible seeker still gets the validation error.
    seeker(&app, &w, "hid-2", "both").await;
    let visible = only_profile(&app, &w.public).await;
    app.call(
        "POST",
        &format!("/v1/profiles/{visible}/messages"),
        Some(&w.public),
        Some(json!({"body": "件名なし"})),
    )
    .await
    .assert_problem(422, "validation");
}

backend_tests!(a_reused_refresh_token_ends_the_access_tokens_of_its_family);

/// OAuth 2.0 Security BCP: when a rotated refresh token comes back, the
/// access token minted from it (by whoever stole it) stops working too.
async fn a_reused_refresh_token_ends_the_access_tokens_of_its_family(app: TestApp) {
    let cast = app.cast().await;
    let login = app.login_admin(cast.get("org_public")).await;
    assert_eq!(login.status, 200, "{}", login.text());
    let stolen = login.json()["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: String| {
        let app = &app;
        async move {
            app.form(
                "/v1/auth/token",
                &[("grant_type", "refresh_token"), ("refresh_token", &token)],
            )
            .await
        }
    };
    // The thief rotates first and holds a fresh access token.
    let thief = refresh(stolen.clone()).await;
    assert_eq!(thief.status, 200, "{}", thief.text());
    let thief_access = thief.json()["access_token"].as_str().unwrap().to_owned();
    let org = cast.org_id("org_public").to_owned();
    let own = format!("/v1/organisations/{org}");
    assert_eq!(
        app.call("GET", &own, Some(&thief_access), None)
            .await
            .status,
        200
    );
    // The owner's client uses the same (now rotated) refresh token.
    let reuse = refresh(stolen).await;
    assert_eq!(reuse.status, 400);
    assert_eq!(reuse.json()["error"], "invalid_grant");
    app.call("GET", &own, Some(&thief_access), None)
        .await
        .assert_problem(401, "unauthorized");
    // And the thief's rotated refresh token is dead with its family.
    let next = thief.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(refresh(next).await.status, 400);
    // The owner signs in again and works.
    let again = app.login_admin(cast.get("org_public")).await;
    let fresh = again.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.call("GET", &own, Some(&fresh), None).await.status, 200);
}

/// A call with an `Idempotency-Key`.
pub(crate) async fn call_with_key(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: serde_json::Value,
) -> crate::support::Answer {
    let req = app
        .client
        .post(app.url(path))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("idempotency-key", key))
        .insert_header(("content-type", "application/json"));
    app.send(req, Some(serde_json::to_vec(&body).unwrap()))
        .await
}

backend_tests!(every_creating_post_honours_its_idempotency_key);

/// R12 on the POSTs the review found without it: an API client (its
/// secret shown again on the replay, never stored in clear), a staff user,
/// a seeker's report, a My Page session; and the same key with another
/// body is 422.
async fn every_creating_post_honours_its_idempotency_key(app: TestApp) {
    let w = world(&app).await;
    let org = w.cast.org_id("org_public").to_owned();
    let clients = format!("/v1/organisations/{org}/clients");
    let body = json!({"name": "連携システム"});
    let first = call_with_key(&app, &clients, &w.public, "c-1", body.clone()).await;
    let again = call_with_key(&app, &clients, &w.public, "c-1", body.clone()).await;
    assert_eq!(
        (first.status.as_u16(), again.status.as_u16()),
        (201, 201),
        "{}",
        again.text()
    );
    assert_eq!(
        first.json(),
        again.json(),
        "the same client, secret and all"
    );
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let listed = app
        .call("GET", &clients, Some(&w.public), None)
        .await
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
    call_with_key(
        &app,
        &clients,
        &w.public,
        "c-1",
        json!({"name": "別の名前"}),
    )
    .await
    .assert_problem(422, "validation");
    // The database never holds the secret in clear.
    let secret = first.json()["client_secret"].as_str().unwrap().to_owned();
    assert!(!crate::support::database_contains(&app, &secret).await);

    let users = format!("/v1/organisations/{org}/users");
    let user = json!({"email": "idem.staff@example.jp"});
    let u1 = call_with_key(&app, &users, &w.public, "u-1", user.clone()).await;
    let u2 = call_with_key(&app, &users, &w.public, "u-1", user).await;
    assert_eq!(
        (u1.status.as_u16(), u2.status.as_u16()),
        (201, 201),
        "{}",
        u2.text()
    );
    assert_eq!(u1.json()["user_id"], u2.json()["user_id"]);
    // One user, one letter: the replay sent nothing.
    assert_eq!(app.letters_to("idem.staff@example.jp", 2).await.len(), 1);

    let me = seeker(&app, &w, "idem-1", "both").await;
    let pid = only_profile(&app, &w.public).await;
    let thread = send(&app, &w.public, &pid, Some("ご案内"), "本文")
        .await
        .json()["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reports = format!("/v1/me/threads/{thread}/reports");
    let reason = json!({"reason": "しつこい勧誘"});
    let r1 = call_with_key(&app, &reports, &me, "r-1", reason.clone()).await;
    let r2 = call_with_key(&app, &reports, &me, "r-1", reason).await;
    assert_eq!(
        (r1.status.as_u16(), r2.status.as_u16()),
        (201, 201),
        "{}",
        r2.text()
    );
    assert_eq!(r1.json()["report_id"], r2.json()["report_id"]);
    let filed = app
        .call("GET", "/v1/reports", Some(&w.bureau), None)
        .await
        .json();
    assert_eq!(filed["items"].as_array().unwrap().len(), 1, "{filed}");

    let sessions = "/v1/seekers/idem-1/sessions";
    let s1 = call_with_key(&app, sessions, &w.hw, "s-1", json!({})).await;
    let s2 = call_with_key(&app, sessions, &w.hw, "s-1", json!({})).await;
    assert_eq!(
        (s1.status.as_u16(), s2.status.as_u16()),
        (201, 201),
        "{}",
        s2.text()
    );
    assert_eq!(s1.json()["access_token"], s2.json()["access_token"]);
    let token = s1.json()["access_token"].as_str().unwrap().to_owned();
    assert!(!crate::support::database_contains(&app, &token).await);

    // The terms of use (issue 38): a change request and a service stop
    // answer a retry as the first time, and do nothing twice.
    let changes = format!("/v1/organisations/{org}/change-requests");
    let change = json!({"name": "新宿区 就労支援課"});
    let c1 = call_with_key(&app, &changes, &w.public, "ch-1", change.clone()).await;
    let c2 = call_with_key(&app, &changes, &w.public, "ch-1", change).await;
    assert_eq!(
        (c1.status.as_u16(), c2.status.as_u16()),
        (201, 201),
        "{}",
        c2.text()
    );
    assert_eq!(c1.json(), c2.json());
    let listed = app
        .call("GET", &changes, Some(&w.public), None)
        .await
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    let private = w.cast.org_id("org_private").to_owned();
    let stops = format!("/v1/organisations/{private}/service-stops");
    let stop = json!({"service": "job_offers", "reason": "求人情報は使わない"});
    let t1 = call_with_key(&app, &stops, &w.private, "st-1", stop.clone()).await;
    let t2 = call_with_key(&app, &stops, &w.private, "st-1", stop).await;
    assert_eq!(
        (t1.status.as_u16(), t2.status.as_u16()),
        (200, 200),
        "{}",
        t2.text()
    );
    assert_eq!(t1.json(), t2.json());
    assert_eq!(t2.header("idempotent-replayed"), Some("true"));
    let stopped = app
        .call(
            "GET",
            "/v1/audit?action=service_stopped",
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(stopped["items"].as_array().unwrap().len(), 1, "{stopped}");
}

backend_tests!(an_organisation_has_one_request_budget_and_few_clients);

/// R13: the request budget is the organisation's, however many clients it
/// makes, and the clients it may hold are capped.
async fn an_organisation_has_one_request_budget_and_few_clients(app: TestApp) {
    let w = world(&app).await;
    let org = w.cast.org_id("org_public").to_owned();
    let clients = format!("/v1/organisations/{org}/clients");
    let made = app
        .call(
            "POST",
            &clients,
            Some(&w.public),
            Some(json!({"name": "二つ目"})),
        )
        .await
        .json();
    let second = app
        .client_token(&kyushoku::demo::DemoClient {
            client_id: made["client_id"].as_str().unwrap().into(),
            client_secret: made["client_secret"].as_str().unwrap().into(),
            organisation_id: None,
            admin_email: None,
            admin_password: None,
        })
        .await;
    let remaining = |a: &crate::support::Answer| -> u64 {
        a.header("ratelimit-remaining").unwrap().parse().unwrap()
    };
    let own = format!("/v1/organisations/{org}");
    let x = app.call("GET", &own, Some(&w.public), None).await;
    let y = app.call("GET", &own, Some(&second), None).await;
    assert_eq!(
        remaining(&y),
        remaining(&x) - 1,
        "one budget for both clients"
    );
    // The default cap is 20 live clients: two exist.
    for i in 2..20 {
        let r = app
            .call(
                "POST",
                &clients,
                Some(&w.public),
                Some(json!({"name": format!("c{i}")})),
            )
            .await;
        assert_eq!(r.status, 201, "{i}: {}", r.text());
    }
    app.call(
        "POST",
        &clients,
        Some(&w.public),
        Some(json!({"name": "21"})),
    )
    .await
    .assert_problem(409, "conflict");
}

backend_tests!(errors_from_below_the_handlers_are_problems_too);

/// Every error is problem+json: a form body over the limit on the OAuth
/// endpoints, an unknown file under /docs/.
async fn errors_from_below_the_handlers_are_problems_too(app: TestApp) {
    let big = format!(
        "grant_type=client_credentials&pad={}",
        "a".repeat(2 * 1024 * 1024)
    );
    for path in ["/v1/auth/token", "/v1/auth/revoke"] {
        let r = app
            .post_raw(path, "application/x-www-form-urlencoded", big.clone())
            .await;
        r.assert_problem(413, "payload-too-large");
    }
    app.get("/docs/no-such-file.js")
        .await
        .assert_problem(404, "not-found");
}

/// R13's guidance cap is a RateLimit policy of its own, named beside the
/// request limit on every first guidance and on the 429 that ends the day.
async fn the_guidance_cap_speaks_for_itself(app: TestApp) {
    let w = world(&app).await;
    let mut profiles = Vec::new();
    for i in 0..3 {
        seeker(&app, &w, &format!("cap-{i}"), "both").await;
    }
    let list = app
        .call("GET", "/v1/profiles", Some(&w.public), None)
        .await
        .json();
    for p in list["items"].as_array().unwrap() {
        profiles.push(p["profile_id"].as_str().unwrap().to_owned());
    }
    let fields = |a: &crate::support::Answer, name: &str| -> String {
        a.headers
            .get_all(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (i, p) in profiles.iter().enumerate() {
        let r = send(&app, &w.public, p, Some("ご案内"), "本文").await;
        let policy = fields(&r, "ratelimit-policy");
        let now = fields(&r, "ratelimit");
        assert!(policy.contains("\"guidance\";q=2;w=86400"), "{policy}");
        assert!(policy.contains("\"requests\";q="), "{policy}");
        match i {
            0 | 1 => {
                assert_eq!(r.status, 201, "{}", r.text());
                assert!(
                    now.contains(&format!("\"guidance\";r={};t=", 1 - i)),
                    "{now}"
                );
            }
            _ => {
                r.assert_problem(429, "guidance-cap-reached");
                assert!(now.contains("\"guidance\";r=0;t="), "{now}");
                assert!(r.header("retry-after").is_some());
            }
        }
    }
}

mod the_guidance_cap_speaks_for_itself {
    use crate::support::{Store, TestApp};

    #[actix_web::test]
    async fn sqlite() {
        let app = TestApp::spawn_with(Store::Sqlite, |a| a.guidance_daily_cap = 2)
            .await
            .unwrap();
        super::the_guidance_cap_speaks_for_itself(app).await;
    }

    #[actix_web::test]
    async fn postgres() {
        if let Some(app) = TestApp::spawn_with(Store::Postgres, |a| a.guidance_daily_cap = 2).await
        {
            super::the_guidance_cap_speaks_for_itself(app).await;
        }
    }
}

/// Paths of the string fields of a schema in the OpenAPI document that are
/// free text: strings with no `enum` and no `format`, under every `$ref`,
/// `oneOf` and array.
fn free_text_paths(
    spec: &serde_json::Value,
    schema: &serde_json::Value,
    path: &str,
    out: &mut Vec<String>,
) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return free_text_paths(spec, &spec["components"]["schemas"][name], path, out);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(parts) = schema[key].as_array() {
            for p in parts {
                free_text_paths(spec, p, path, out);
            }
            return;
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        serde_json::Value::String(t) => vec![t.as_str()],
        serde_json::Value::Array(ts) => ts.iter().filter_map(|t| t.as_str()).collect(),
        _ => vec![],
    };
    if types.contains(&"object") {
        if let Some(props) = schema["properties"].as_object() {
            for (k, v) in props {
                free_text_paths(spec, v, &format!("{path}.{k}"), out);
            }
        }
    } else if types.contains(&"array") {
        free_text_paths(spec, &schema["items"], &format!("{path}[]"), out);
    } else if types.contains(&"string")
        && schema.get("enum").is_none()
        && schema.get("format").is_none()
    {
        out.push(path.to_owned());
    }
}

fn string_paths(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(_) => out.push(path.to_owned()),
        serde_json::Value::Array(items) => {
            for i in items {
                string_paths(i, &format!("{path}[]"), out);
            }
        }
        serde_json::Value::Object(m) => {
            for (k, i) in m {
                string_paths(i, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

backend_tests!(every_free_text_field_is_scrubbed_and_never_searched);

/// R11 through the API: a profile with a phone number, an e-mail address
/// and a name in every free-text field the schema has (the test finds them
/// in the OpenAPI document, so a field added later is covered) comes back
/// to organisations without any of them, the ingest answer counts them,
/// and no search finds the seeker by them.
async fn every_free_text_field_is_scrubbed_and_never_searched(app: TestApp) {
    let w = world(&app).await;
    let pii = "山田太郎様 090-1234-5678 taro@example.jp";
    let short = "090-1234-5678";
    let profile = json!({
        "desired_occupations": ["08"],
        "employment_types": ["full_time"],
        "work_locations": [{"prefecture": "13", "municipality": "131041"}],
        "desired_wage": {"kind": "monthly", "min": 220000},
        "working_hours": {"days_per_week": 5, "hours_per_day": 8, "night_shift": false},
        "qualifications": [{"name": format!("介護福祉士 {pii}"), "code": short, "year": 2018}],
        "experience": [{"occupation": "080", "years": 3}],
        "work_history": [{"industry": format!("福祉 {short}"), "occupation": "080", "years": 3, "duties": format!("入浴介助 {pii}")}],
        "education_level": "high_school",
        "pc_skills": [format!("Excel {short}")],
        "language_skills": [format!("英語 {short}")],
        "self_pr": format!("よろしくお願いします。{pii}")
    });
    // The fixture has a value in every free-text field of the schema.
    let spec: serde_json::Value =
        serde_json::from_str(&kyushoku_api::openapi().to_json().unwrap()).unwrap();
    let mut declared = Vec::new();
    free_text_paths(
        &spec,
        &spec["components"]["schemas"]["Profile"],
        "",
        &mut declared,
    );
    let mut filled = Vec::new();
    string_paths(&profile, "", &mut filled);
    assert!(declared.len() >= 7, "{declared:?}");
    for path in &declared {
        if [
            "desired_occupations[]",
            "occupation",
            "prefecture",
            "municipality",
        ]
        .iter()
        .any(|code| path.ends_with(code))
        {
            continue; // validated codes
        }
        assert!(
            filled.contains(path),
            "the fixture lacks free-text field {path}"
        );
    }
    let body = json!({
        "consent_scope": "both",
        "valid_until": (kyushoku_domain::calendar::today_in_japan() + chrono::Duration::days(60)).to_string(),
        "profile": profile,
    });
    let r = app
        .call("PUT", "/v1/seekers/pii-1", Some(&w.hw), Some(body))
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let masked = r.json()["masked"].clone();
    assert!(masked["phone"].as_u64().unwrap() >= 7, "{masked}");
    assert!(masked["email"].as_u64().unwrap() >= 3, "{masked}");
    assert!(masked["name"].as_u64().unwrap() >= 3, "{masked}");
    let pid = only_profile(&app, &w.public).await;
    let read = app
        .call("GET", &format!("/v1/profiles/{pid}"), Some(&w.public), None)
        .await
        .text();
    for secret in ["1234", "5678", "taro", "example", "太郎"] {
        assert!(!read.contains(secret), "{secret} in {read}");
    }
    assert!(
        read.contains("介護福祉士") && read.contains("入浴介助"),
        "{read}"
    );
    for q in [
        "090-1234-5678",
        "09012345678",
        "taro@example.jp",
        "example",
        "山田太郎",
        "電話番号",
        "氏名",
    ] {
        let found = app
            .call(
                "GET",
                &format!("/v1/profiles?q={}", utf8_query(q)),
                Some(&w.public),
                None,
            )
            .await;
        assert_eq!(found.status, 200, "{}", found.text());
        assert_eq!(found.json()["items"].as_array().unwrap().len(), 0, "q={q}");
    }
    // What the seeker sees is what organisations see.
    let me = app
        .call("POST", "/v1/seekers/pii-1/sessions", Some(&w.hw), None)
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine = app.call("GET", "/v1/me", Some(&me), None).await.text();
    assert!(!mine.contains("5678"), "{mine}");
}

fn utf8_query(q: &str) -> String {
    serde_urlencoded::to_string([("", q)]).unwrap()[1..].to_owned()
}

backend_tests!(nobody_learns_which_addresses_have_accounts);

/// An application, or an admin adding a user, with an address that has an
/// account answers exactly as with a new one (same status, same fields),
/// creates nothing and leaves the account as it was; the attempt is on the
/// record for the bureau.
async fn nobody_learns_which_addresses_have_accounts(app: TestApp) {
    let w = world(&app).await;
    let taken = w.cast.get("org_public").admin_email.clone().unwrap();
    // Each applicant its own licence number: one number has one open
    // application (a taken number answers 409, and numbers are public).
    let apply = |email: &str| {
        let n = 300_000 + email.len() * 7 + usize::from(email.as_bytes()[0]);
        json!({
            "name": "テスト人材サービス", "kind": "paid_agency", "prefecture": "13",
            "licence_number": format!("13-ユ-{n:06}"), "regular_placements": 3, "services": ["seeker_info"],
            "admin": {"email": email, "password": "a long enough passphrase"}
        })
    };
    let fresh = app
        .call(
            "POST",
            "/v1/organisations",
            None,
            Some(apply("fresh@agency.example.jp")),
        )
        .await;
    let again = app
        .call("POST", "/v1/organisations", None, Some(apply(&taken)))
        .await;
    assert_eq!(
        (fresh.status.as_u16(), again.status.as_u16()),
        (201, 201),
        "{}",
        again.text()
    );
    let keys = |a: &crate::support::Answer| -> Vec<String> {
        a.json().as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(keys(&fresh), keys(&again));
    for field in ["status", "services", "requested_services", "sector", "name"] {
        assert_eq!(fresh.json()[field], again.json()[field], "{field}");
    }
    assert_eq!(
        fresh.header("location").is_some(),
        again.header("location").is_some()
    );
    // Nothing was created for the taken address, and its owner still signs
    // in with their own password.
    let pending = app
        .call(
            "GET",
            "/v1/organisations?status=pending",
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    let named: Vec<_> = pending["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["name"] == "テスト人材サービス")
        .collect();
    assert_eq!(named.len(), 1, "{pending}");
    let owner = app.login_admin(w.cast.get("org_public")).await;
    assert_eq!(owner.status, 200);
    // Signing in afterwards tells the applicant nothing either: before the
    // bureau decides, a new account answers as a taken address does.
    let mut fresh_login = app
        .login("fresh@agency.example.jp", "a long enough passphrase")
        .await
        .assert_problem(401, "invalid-credentials");
    let mut taken_login = app
        .login(&taken, "a long enough passphrase")
        .await
        .assert_problem(401, "invalid-credentials");
    fresh_login["request_id"] = serde_json::Value::Null;
    taken_login["request_id"] = serde_json::Value::Null;
    assert_eq!(fresh_login, taken_login);
    let audit = app
        .call(
            "GET",
            "/v1/audit?action=application_email_in_use",
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
    // What the applicant is not told, the address is: a receipt for the
    // new one, a notice to the owner of the taken one. Neither repeats the
    // applicant's text.
    let receipt = app.letters_to("fresh@agency.example.jp", 1).await;
    assert_eq!(receipt.len(), 1);
    assert!(receipt[0].body.contains("利用申請を受け付けました"));
    let notice = app.letters_to(&taken, 1).await;
    assert_eq!(notice.len(), 1);
    assert!(notice[0].body.contains("既にアカウントがあるため"));
    for letter in receipt.iter().chain(&notice) {
        assert!(!letter.body.contains("テスト人材サービス"));
    }
    // The same for an admin adding a user, who sets no password: the new
    // user is mailed a setup code, so the admin cannot sign in as them to
    // learn whether the address was new.
    let org = w.cast.org_id("org_public");
    let users = format!("/v1/organisations/{org}/users");
    let add = |email: &str| json!({"email": email});
    let a = app
        .call(
            "POST",
            &users,
            Some(&w.public),
            Some(add("new.user@example.jp")),
        )
        .await;
    let b = app
        .call("POST", &users, Some(&w.public), Some(add(&taken)))
        .await;
    assert_eq!(
        (a.status.as_u16(), b.status.as_u16()),
        (201, 201),
        "{}",
        b.text()
    );
    assert_eq!(keys(&a), keys(&b));
    // A password in the request is refused: nobody but the user sets one.
    app.call(
        "POST",
        &users,
        Some(&w.public),
        Some(json!({"email": "x@example.jp", "password": "another fine passphrase"})),
    )
    .await
    .assert_problem(422, "validation");
    assert_eq!(app.login_admin(w.cast.get("org_public")).await.status, 200);
    let notice = app.letters_to(&taken, 2).await;
    assert_eq!(notice.len(), 2);
    assert!(notice
        .iter()
        .any(|l| l.body.contains("ユーザーとして追加しようとしました")));
    let invitation = app.letters_to("new.user@example.jp", 1).await;
    assert_eq!(invitation.len(), 1);
    let code = invitation[0]
        .body
        .lines()
        .find_map(|l| l.strip_prefix("設定コード / setup code: "))
        .expect("the letter carries a setup code")
        .trim()
        .to_owned();
    // Until the user sets a password, no password signs them in.
    app.login("new.user@example.jp", "another fine passphrase")
        .await
        .assert_problem(401, "invalid-credentials");
    let setup = |token: &str, password: &str| json!({"token": token, "password": password});
    app.call(
        "POST",
        "/v1/auth/password-setup",
        None,
        Some(setup("not-a-code", "the user's own passphrase")),
    )
    .await
    .assert_problem(422, "validation");
    app.call(
        "POST",
        "/v1/auth/password-setup",
        None,
        Some(setup(&code, "short")),
    )
    .await
    .assert_problem(422, "validation");
    let done = app
        .call(
            "POST",
            "/v1/auth/password-setup",
            None,
            Some(setup(&code, "the user's own passphrase")),
        )
        .await;
    assert_eq!(done.status, 204, "{}", done.text());
    assert_eq!(
        app.login("new.user@example.jp", "the user's own passphrase")
            .await
            .status,
        200
    );
    // The code is used up.
    app.call(
        "POST",
        "/v1/auth/password-setup",
        None,
        Some(setup(&code, "yet another passphrase")),
    )
    .await
    .assert_problem(422, "validation");
    // Delivered letters keep neither their address nor their text, and
    // the code is stored only as its digest.
    let code_kept = code.clone();
    let (kept, codes) = app
        .state()
        .db_run(move |c| {
            use diesel::prelude::*;
            use kyushoku_store::schema::{mail_outbox, mail_tokens};
            let kept: i64 = mail_outbox::table
                .filter(
                    mail_outbox::recipient
                        .is_not_null()
                        .or(mail_outbox::body.is_not_null()),
                )
                .count()
                .get_result(c)?;
            let codes: i64 = mail_tokens::table
                .filter(mail_tokens::token_hash.eq(&code_kept))
                .count()
                .get_result(c)?;
            Ok((kept, codes))
        })
        .await
        .unwrap();
    assert_eq!((kept, codes), (0, 0));
}

backend_tests!(nothing_leaves_the_machine_and_refused_tokens_are_named);

/// The API reference calls no outside validator, and a presented token that
/// is refused is named `invalid_token` in the challenge (RFC 6750 §3.1).
async fn nothing_leaves_the_machine_and_refused_tokens_are_named(app: TestApp) {
    let init = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(init.status, 200);
    let text = init.text();
    assert!(text.contains("\"validatorUrl\": \"none\""), "{text}");
    assert!(!text.contains("https://"), "{text}");
    let none = app.get("/v1/me").await;
    assert_eq!(
        none.header("www-authenticate"),
        Some("Bearer realm=\"kyushoku\"")
    );
    let bad = app.call("GET", "/v1/me", Some("not.a.token"), None).await;
    assert_eq!(
        bad.header("www-authenticate"),
        Some("Bearer realm=\"kyushoku\", error=\"invalid_token\"")
    );
}
