//! Messaging and My Page (issue 5): sessions, R3/R4/R5/R6 through HTTP,
//! concurrency, the daily cap, idempotency, limits, reports.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::support::{Answer, Cast, Store, TestApp};

pub struct World {
    pub cast: Cast,
    pub hw: String,
    pub public: String,
    pub private: String,
    pub bureau: String,
}

pub async fn world(app: &TestApp) -> World {
    let cast = app.cast().await;
    World {
        hw: app.client_token(cast.get("hw_system")).await,
        public: app.client_token(cast.get("org_public")).await,
        private: app.client_token(cast.get("org_private")).await,
        bureau: app.client_token(cast.get("bureau_13")).await,
        cast,
    }
}

fn seeker_body(scope: &str) -> Value {
    json!({
        "consent_scope": scope,
        "valid_until": (kyushoku_domain::calendar::today_in_japan() + chrono::Duration::days(60)).to_string(),
        "profile": {"desired_occupations": ["08"], "self_pr": "介護の仕事を探しています"}
    })
}

/// Registers a seeker and returns a My Page token for them.
pub async fn seeker(app: &TestApp, w: &World, seeker_ref: &str, scope: &str) -> String {
    let a = app
        .call(
            "PUT",
            &format!("/v1/seekers/{seeker_ref}"),
            Some(&w.hw),
            Some(seeker_body(scope)),
        )
        .await;
    assert!(a.status.is_success(), "{}", a.text());
    let s = app
        .call(
            "POST",
            &format!("/v1/seekers/{seeker_ref}/sessions"),
            Some(&w.hw),
            None,
        )
        .await;
    assert_eq!(s.status, 201, "{}", s.text());
    s.json()["access_token"].as_str().unwrap().to_owned()
}

/// The profile_id an organisation sees for the seeker whose self-PR is the
/// only one (searches are per test database).
pub async fn only_profile(app: &TestApp, org: &str) -> String {
    let ids = profiles(app, org).await;
    assert_eq!(ids.len(), 1, "{ids:?}");
    ids[0].clone()
}

/// The profile_ids of the organisation's first page of search results.
pub async fn profiles(app: &TestApp, org: &str) -> Vec<String> {
    let list = app
        .call("GET", "/v1/profiles", Some(org), None)
        .await
        .json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["profile_id"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn send(
    app: &TestApp,
    org: &str,
    profile_id: &str,
    subject: Option<&str>,
    body: &str,
) -> Answer {
    let mut m = json!({"body": body});
    if let Some(s) = subject {
        m["subject"] = json!(s);
    }
    app.call(
        "POST",
        &format!("/v1/profiles/{profile_id}/messages"),
        Some(org),
        Some(m),
    )
    .await
}

/// The seeker behind `token` reports the thread its first guidance
/// (`sent`, the organisation's answer) opened; the report's id.
pub async fn report_sent(app: &TestApp, token: &str, sent: &Answer, reason: &str) -> String {
    let thread = sent.json()["thread_id"].as_str().unwrap().to_owned();
    let filed = app
        .call(
            "POST",
            &format!("/v1/me/threads/{thread}/reports"),
            Some(token),
            Some(json!({"reason": reason})),
        )
        .await;
    assert_eq!(filed.status, 201, "{}", filed.text());
    filed.json()["report_id"].as_str().unwrap().to_owned()
}

/// Sends a message and returns its thread id.
async fn open_thread(
    app: &TestApp,
    org: &str,
    profile_id: &str,
    subject: Option<&str>,
    body: &str,
) -> String {
    let a = send(app, org, profile_id, subject, body).await;
    assert_eq!(a.status, 201, "{}", a.text());
    a.json()["thread_id"].as_str().unwrap().to_owned()
}

pub async fn seeker_send(app: &TestApp, token: &str, thread: &str, body: &str) -> Answer {
    app.call(
        "POST",
        &format!("/v1/me/threads/{thread}/messages"),
        Some(token),
        Some(json!({"body": body})),
    )
    .await
}

async fn sessions_show_the_seeker_their_own_page(app: TestApp) {
    let w = world(&app).await;
    let token = seeker(&app, &w, "me-1", "both").await;
    let me = app.call("GET", "/v1/me", Some(&token), None).await;
    assert_eq!(me.status, 200, "{}", me.text());
    let me = me.json();
    assert_eq!(me["status"], "active");
    assert_eq!(me["consent_scope"], "both");
    assert_eq!(me["receive_guidance"], true);
    assert_eq!(me["profile"]["self_pr"], "介護の仕事を探しています");
    // Only Hello Work mints sessions, only for known seekers.
    app.call("POST", "/v1/seekers/me-1/sessions", Some(&w.public), None)
        .await
        .assert_problem(403, "forbidden");
    app.call("POST", "/v1/seekers/nobody/sessions", Some(&w.hw), None)
        .await
        .assert_problem(404, "not-found");
    // A seeker token opens no organisation door.
    app.call("GET", "/v1/profiles", Some(&token), None)
        .await
        .assert_problem(403, "forbidden");
    // Revoked, it stops working.
    assert_eq!(app.revoke(&token, &token).await.status, 200);
    app.call("GET", "/v1/me", Some(&token), None)
        .await
        .assert_problem(401, "unauthorized");
}

async fn the_turn_rule_through_a_whole_conversation(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "turn-1", "both").await;
    let pid = only_profile(&app, &w.public).await;
    send(&app, &w.public, &pid, None, "こんにちは")
        .await
        .assert_problem(422, "validation");
    let first = send(
        &app,
        &w.public,
        &pid,
        Some("介護職のご案内"),
        "新宿区の求人をご案内します。",
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first = first.json();
    assert_eq!(first["kind"], "guidance");
    let thread = first["thread_id"].as_str().unwrap().to_owned();
    // A second guidance before the seeker answers: 409.
    send(&app, &w.public, &pid, Some("再送"), "もう一度")
        .await
        .assert_problem(409, "thread-awaits-seeker");
    // The seeker sees the organisation by name, and the unread message.
    let mine = app
        .call("GET", "/v1/me/threads", Some(&me), None)
        .await
        .json();
    assert_eq!(
        mine["items"][0]["organisation"]["name"],
        "新宿区 就労支援課"
    );
    assert_eq!(mine["items"][0]["organisation"]["kind"], "municipality");
    assert_eq!(mine["items"][0]["unread"], 1);
    let t = app
        .call("GET", &format!("/v1/me/threads/{thread}"), Some(&me), None)
        .await
        .json();
    assert_eq!(t["messages"][0]["subject"], "介護職のご案内");
    assert_eq!(t["state"], "open");
    let mine = app
        .call("GET", "/v1/me/threads", Some(&me), None)
        .await
        .json();
    assert_eq!(mine["items"][0]["unread"], 0, "reading marks read");
    // The seeker asks; the organisation may answer once.
    assert_eq!(
        seeker_send(&app, &me, &thread, "夜勤はありますか？")
            .await
            .status,
        201
    );
    let org_threads = app
        .call("GET", "/v1/threads", Some(&w.public), None)
        .await
        .json();
    assert_eq!(org_threads["items"][0]["unread"], 1);
    assert_eq!(org_threads["items"][0]["profile_id"], pid.as_str());
    let answer = send(&app, &w.public, &pid, None, "月4回程度です。").await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    assert_eq!(answer.json()["kind"], "answer");
    assert_eq!(answer.json()["thread_id"], thread.as_str());
    send(&app, &w.public, &pid, None, "追伸")
        .await
        .assert_problem(409, "thread-awaits-seeker");
    // The whole history, in order, for the organisation.
    let t = app
        .call(
            "GET",
            &format!("/v1/threads/{thread}"),
            Some(&w.public),
            None,
        )
        .await
        .json();
    let kinds: Vec<&str> = t["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["guidance", "question", "answer"]);
    // R4: a seeker cannot start a thread, nor write in another's.
    let other = seeker(&app, &w, "turn-2", "public_only").await;
    seeker_send(&app, &other, &thread, "横から")
        .await
        .assert_problem(404, "not-found");
    app.call(
        "GET",
        &format!("/v1/me/threads/{thread}"),
        Some(&other),
        None,
    )
    .await
    .assert_problem(404, "not-found");
    // Another organisation's view of this thread: nothing.
    app.call(
        "GET",
        &format!("/v1/threads/{thread}"),
        Some(&w.private),
        None,
    )
    .await
    .assert_problem(404, "not-found");
}

async fn two_concurrent_sends_cannot_both_pass(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "race-1", "both").await;
    let pid = only_profile(&app, &w.public).await;
    let (a, b) = futures_join(
        send(&app, &w.public, &pid, Some("A"), "first"),
        send(&app, &w.public, &pid, Some("B"), "second"),
    )
    .await;
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text(), b.text());
    let thread = if a.status == 201 { a.json() } else { b.json() }["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    seeker_send(&app, &me, &thread, "質問です").await;
    let (a, b) = futures_join(
        send(&app, &w.public, &pid, None, "answer A"),
        send(&app, &w.public, &pid, None, "answer B"),
    )
    .await;
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text(), b.text());
    let t = app
        .call(
            "GET",
            &format!("/v1/threads/{thread}"),
            Some(&w.public),
            None,
        )
        .await
        .json();
    assert_eq!(t["messages"].as_array().unwrap().len(), 3);
}

/// Drives two requests at once on this (single-threaded) test runtime.
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    tokio::join!(a, b)
}

async fn a_block_closes_the_thread_and_unblocking_reopens_it(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "block-1", "both").await;
    let pid = only_profile(&app, &w.public).await;
    let thread = open_thread(&app, &w.public, &pid, Some("ご案内"), "本文").await;
    let org = w.cast.org_id("org_public").to_owned();
    assert_eq!(
        app.call("PUT", &format!("/v1/me/blocks/{org}"), Some(&me), None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.call("PUT", &format!("/v1/me/blocks/{org}"), Some(&me), None)
            .await
            .status,
        204,
        "idempotent"
    );
    let blocks = app
        .call("GET", "/v1/me/blocks", Some(&me), None)
        .await
        .json();
    assert_eq!(blocks["items"][0]["organisation_id"], org.as_str());
    // The organisation: no profile, no writing, the thread closed but readable.
    assert_eq!(
        app.call("GET", "/v1/profiles", Some(&w.public), None)
            .await
            .json()["items"],
        json!([])
    );
    app.call("GET", &format!("/v1/profiles/{pid}"), Some(&w.public), None)
        .await
        .assert_problem(404, "not-found");
    seeker_send(&app, &me, &thread, "まだ？")
        .await
        .assert_problem(409, "thread-closed");
    send(&app, &w.public, &pid, None, "返信")
        .await
        .assert_problem(404, "not-found");
    let t = app
        .call(
            "GET",
            &format!("/v1/threads/{thread}"),
            Some(&w.public),
            None,
        )
        .await
        .json();
    assert_eq!(t["state"], "closed");
    assert_eq!(t["messages"].as_array().unwrap().len(), 1, "history kept");
    let mine = app
        .call("GET", "/v1/me/threads", Some(&me), None)
        .await
        .json();
    assert_eq!(mine["items"][0]["state"], "closed");
    // Unblocking reopens it.
    assert_eq!(
        app.call("DELETE", &format!("/v1/me/blocks/{org}"), Some(&me), None)
            .await
            .status,
        204
    );
    app.call("DELETE", &format!("/v1/me/blocks/{org}"), Some(&me), None)
        .await
        .assert_problem(404, "not-found");
    let t = app
        .call(
            "GET",
            &format!("/v1/threads/{thread}"),
            Some(&w.public),
            None,
        )
        .await
        .json();
    assert_eq!(t["state"], "open");
    assert_eq!(
        seeker_send(&app, &me, &thread, "再開します").await.status,
        201
    );
    assert_eq!(
        send(&app, &w.public, &pid, None, "ありがとうございます")
            .await
            .status,
        201
    );
    // Blocking an unknown organisation: 404.
    app.call(
        "PUT",
        "/v1/me/blocks/00000000-0000-7000-8000-000000000000",
        Some(&me),
        None,
    )
    .await
    .assert_problem(404, "not-found");
}

async fn narrowing_consent_from_my_page_closes_threads(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "narrow-1", "both").await;
    let pid = only_profile(&app, &w.private).await;
    let thread = open_thread(&app, &w.private, &pid, Some("民間からのご案内"), "本文").await;
    let a = app
        .call(
            "PUT",
            "/v1/me/consent",
            Some(&me),
            Some(json!({"consent_scope": "public_only"})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    app.call(
        "PUT",
        "/v1/me/consent",
        Some(&me),
        Some(json!({"consent_scope": "all"})),
    )
    .await
    .assert_problem(422, "validation");
    assert_eq!(
        app.call("GET", "/v1/profiles", Some(&w.private), None)
            .await
            .json()["items"],
        json!([])
    );
    let t = app
        .call(
            "GET",
            &format!("/v1/threads/{thread}"),
            Some(&w.private),
            None,
        )
        .await
        .json();
    assert_eq!(t["state"], "closed");
    seeker_send(&app, &me, &thread, "質問")
        .await
        .assert_problem(409, "thread-closed");
    // The public side still sees the seeker; the ledger says where the change came from.
    assert_eq!(
        app.call("GET", "/v1/profiles", Some(&w.public), None)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let sid = app
        .state()
        .db
        .run(|c| kyushoku_store::seekers::find_by_ref(c, "narrow-1"))
        .unwrap()
        .unwrap()
        .id;
    let history = app
        .state()
        .db
        .run(|c| kyushoku_store::seekers::consent_history(c, sid))
        .unwrap();
    let last = history.last().unwrap();
    assert_eq!(
        (last.channel.as_str(), last.new_scope.as_str()),
        ("my_page", "public_only")
    );
}

async fn refusing_guidance_stops_new_first_contacts_only(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "refuse-1", "both").await;
    let pid_public = only_profile(&app, &w.public).await;
    let thread = open_thread(&app, &w.public, &pid_public, Some("案内"), "本文").await;
    let a = app
        .call(
            "PUT",
            "/v1/me/guidance",
            Some(&me),
            Some(json!({"receive_guidance": false})),
        )
        .await;
    assert_eq!(a.status, 200);
    let pid_private = only_profile(&app, &w.private).await;
    send(&app, &w.private, &pid_private, Some("案内"), "本文")
        .await
        .assert_problem(409, "guidance-refused");
    // The conversation already under way goes on.
    assert_eq!(seeker_send(&app, &me, &thread, "質問").await.status, 201);
    assert_eq!(
        send(&app, &w.public, &pid_public, None, "回答")
            .await
            .status,
        201
    );
    assert_eq!(
        app.call("GET", "/v1/me", Some(&me), None).await.json()["receive_guidance"],
        false
    );
}

async fn suspension_and_end_of_registration_close_threads(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "close-1", "both").await;
    let pid = only_profile(&app, &w.private).await;
    let thread = open_thread(&app, &w.private, &pid, Some("案内"), "本文").await;
    let org = w.cast.org_id("org_private");
    app.call(
        "POST",
        &format!("/v1/organisations/{org}/decisions"),
        Some(&w.bureau),
        Some(json!({"decision": "suspend", "reason": "調査"})),
    )
    .await;
    seeker_send(&app, &me, &thread, "質問")
        .await
        .assert_problem(409, "thread-closed");
    send(&app, &w.private, &pid, None, "回答")
        .await
        .assert_problem(403, "access-revoked");
    // An ended registration closes the public side too.
    let pid_public = only_profile(&app, &w.public).await;
    let t2 = open_thread(&app, &w.public, &pid_public, Some("案内"), "本文").await;
    assert_eq!(
        app.call(
            "DELETE",
            "/v1/seekers/close-1?reason=placed",
            Some(&w.hw),
            None
        )
        .await
        .status,
        204
    );
    let t = app
        .call("GET", &format!("/v1/threads/{t2}"), Some(&w.public), None)
        .await
        .json();
    assert_eq!(t["state"], "closed");
    seeker_send(&app, &me, &t2, "就職しました")
        .await
        .assert_problem(409, "thread-closed");
    // After the retention period the messages are purged with the rest.
    kyushoku::server::sweep_once(&app.state().db, 0).unwrap();
    app.call("GET", &format!("/v1/threads/{t2}"), Some(&w.public), None)
        .await
        .assert_problem(404, "not-found");
}

async fn idempotent_sends_and_exact_text(app: TestApp) {
    let w = world(&app).await;
    seeker(&app, &w, "idem-1", "both").await;
    let pid = only_profile(&app, &w.public).await;
    let body = json!({"subject": "<b>案内</b>", "body": "行1\n行2\t😀 & <script>x</script>"});
    let post = |key: &'static str, body: Value| {
        let req = app
            .client
            .post(app.url(&format!("/v1/profiles/{pid}/messages")))
            .insert_header(("authorization", format!("Bearer {}", w.public)))
            .insert_header(("content-type", "application/json"))
            .insert_header(("idempotency-key", key));
        app.send(req, Some(serde_json::to_vec(&body).unwrap()))
    };
    let first = post("k-1", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let again = post("k-1", body.clone()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), first.json(), "the first answer again");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    post("k-1", json!({"body": "other"}))
        .await
        .assert_problem(422, "validation");
    let thread = first.json()["thread_id"].as_str().unwrap().to_owned();
    let t = app
        .call(
            "GET",
            &format!("/v1/threads/{thread}"),
            Some(&w.public),
            None,
        )
        .await
        .json();
    let messages = t["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "nothing sent twice");
    assert_eq!(messages[0]["subject"], "<b>案内</b>");
    assert_eq!(
        messages[0]["body"], "行1\n行2\t😀 & <script>x</script>",
        "returned exactly as stored"
    );
}

async fn message_limits(app: TestApp) {
    let w = world(&app).await;
    seeker(&app, &w, "limit-1", "both").await;
    let pid = only_profile(&app, &w.public).await;
    send(&app, &w.public, &pid, Some("s"), &"あ".repeat(2001))
        .await
        .assert_problem(422, "validation");
    send(&app, &w.public, &pid, Some("s"), "")
        .await
        .assert_problem(422, "validation");
    send(&app, &w.public, &pid, Some("s"), "bell\u{7}")
        .await
        .assert_problem(422, "validation");
    send(&app, &w.public, &pid, Some(&"件".repeat(101)), "b")
        .await
        .assert_problem(422, "validation");
    send(&app, &w.public, &pid, Some("s"), &"あ".repeat(2000)).await;
    assert_eq!(
        app.call("GET", "/v1/threads", Some(&w.public), None)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn reports_reach_the_bureau_of_the_prefecture(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "report-1", "both").await;
    let pid = only_profile(&app, &w.private).await;
    let thread = open_thread(&app, &w.private, &pid, Some("案内"), "しつこい勧誘").await;
    let r = app
        .call(
            "POST",
            &format!("/v1/me/threads/{thread}/reports"),
            Some(&me),
            Some(json!({"reason": "何度も連絡が来る"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let list = app
        .call("GET", "/v1/reports", Some(&w.bureau), None)
        .await
        .json();
    assert_eq!(list["items"][0]["thread_id"], thread.as_str());
    assert_eq!(
        list["items"][0]["organisation_id"],
        w.cast.org_id("org_private")
    );
    let osaka = app.client_token(w.cast.get("bureau_27")).await;
    assert_eq!(
        app.call("GET", "/v1/reports", Some(&osaka), None)
            .await
            .json()["items"],
        json!([])
    );
}

/// Both thread lists give each thread of a page its own state and
/// organisation: one seeker blocks one of two organisations, and only the
/// threads between those two close.
async fn thread_lists_show_each_thread_its_own_state(app: TestApp) {
    let w = world(&app).await;
    let a = seeker(&app, &w, "list-a", "both").await;
    let a_public = only_profile(&app, &w.public).await;
    let a_private = only_profile(&app, &w.private).await;
    seeker(&app, &w, "list-b", "both").await;
    let other = |org: &str, known: String| {
        let app = &app;
        let org = org.to_owned();
        async move {
            let ids: Vec<String> = profiles(app, &org)
                .await
                .into_iter()
                .filter(|p| *p != known)
                .collect();
            assert_eq!(ids.len(), 1, "{ids:?}");
            ids[0].clone()
        }
    };
    let b_public = other(&w.public, a_public.clone()).await;
    let b_private = other(&w.private, a_private.clone()).await;
    let a_with_public = open_thread(&app, &w.public, &a_public, Some("件名"), "本文").await;
    let b_with_public = open_thread(&app, &w.public, &b_public, Some("件名"), "本文").await;
    let a_with_private = open_thread(&app, &w.private, &a_private, Some("件名"), "本文").await;
    let b_with_private = open_thread(&app, &w.private, &b_private, Some("件名"), "本文").await;
    let public_org = w.cast.org_id("org_public").to_owned();
    let private_org = w.cast.org_id("org_private").to_owned();
    let blocked = app
        .call(
            "PUT",
            &format!("/v1/me/blocks/{public_org}"),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(blocked.status, 204);

    let states = |list: Value, key: &str| -> Vec<(String, String, String)> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let who = if key == "organisation" {
                    t["organisation"]["organisation_id"].as_str().unwrap()
                } else {
                    t[key].as_str().unwrap()
                };
                (
                    t["thread_id"].as_str().unwrap().to_owned(),
                    who.to_owned(),
                    t["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let triple = |t: &str, who: &str, state: &str| (t.to_owned(), who.to_owned(), state.to_owned());
    let expected = [
        (
            "/v1/me/threads",
            &a,
            "organisation",
            [
                triple(&a_with_private, &private_org, "open"),
                triple(&a_with_public, &public_org, "closed"),
            ],
        ),
        (
            "/v1/threads",
            &w.public,
            "profile_id",
            [
                triple(&b_with_public, &b_public, "open"),
                triple(&a_with_public, &a_public, "closed"),
            ],
        ),
        (
            "/v1/threads",
            &w.private,
            "profile_id",
            [
                triple(&b_with_private, &b_private, "open"),
                triple(&a_with_private, &a_private, "open"),
            ],
        ),
    ];
    for (path, token, key, threads) in expected {
        let list = app.call("GET", path, Some(token), None).await.json();
        assert_eq!(states(list, key), threads, "{path}");
    }
}

backend_tests!(
    sessions_show_the_seeker_their_own_page,
    thread_lists_show_each_thread_its_own_state,
    the_turn_rule_through_a_whole_conversation,
    two_concurrent_sends_cannot_both_pass,
    a_block_closes_the_thread_and_unblocking_reopens_it,
    narrowing_consent_from_my_page_closes_threads,
    refusing_guidance_stops_new_first_contacts_only,
    suspension_and_end_of_registration_close_threads,
    idempotent_sends_and_exact_text,
    message_limits,
    reports_reach_the_bureau_of_the_prefecture,
);

/// R13: the daily guidance cap at exactly N and N+1, and under concurrency.
async fn the_daily_cap_is_exact(app: TestApp) {
    let w = world(&app).await;
    for i in 0..6 {
        seeker(&app, &w, &format!("cap-{i}"), "both").await;
    }
    let pids = profiles(&app, &w.public).await;
    assert_eq!(pids.len(), 6);
    // Two sequential sends reach the cap of 3 with the third…
    assert_eq!(
        send(&app, &w.public, &pids[0], Some("s"), "b").await.status,
        201
    );
    assert_eq!(
        send(&app, &w.public, &pids[1], Some("s"), "b").await.status,
        201
    );
    // …and of four concurrent ones exactly one more passes.
    let results = futures_join(
        futures_join(
            send(&app, &w.public, &pids[2], Some("s"), "b"),
            send(&app, &w.public, &pids[3], Some("s"), "b"),
        ),
        futures_join(
            send(&app, &w.public, &pids[4], Some("s"), "b"),
            send(&app, &w.public, &pids[5], Some("s"), "b"),
        ),
    )
    .await;
    let ((a, b), (c, d)) = results;
    let passed = [&a, &b, &c, &d].iter().filter(|r| r.status == 201).count();
    assert_eq!(
        passed,
        1,
        "{} {} {} {}",
        a.text(),
        b.text(),
        c.text(),
        d.text()
    );
    let refused = [&a, &b, &c, &d]
        .into_iter()
        .find(|r| r.status == 429)
        .unwrap();
    refused.assert_problem(429, "guidance-cap-reached");
    assert!(
        refused
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // The cap is taken last in the send's transaction: a refused send
    // leaves no thread, message or pledge behind.
    let threads = app
        .call("GET", "/v1/threads?limit=100", Some(&w.public), None)
        .await
        .json();
    let mut opened: Vec<&str> = threads["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["profile_id"].as_str().unwrap())
        .collect();
    opened.sort_unstable();
    let mut sent: Vec<&str> = [&a, &b, &c, &d]
        .iter()
        .zip(&pids[2..])
        .filter(|(r, _)| r.status == 201)
        .map(|(_, p)| p.as_str())
        .chain([pids[0].as_str(), pids[1].as_str()])
        .collect();
    sent.sort_unstable();
    assert_eq!(opened, sent);
    // Another organisation has its own cap.
    let private_pid = app
        .call("GET", "/v1/profiles", Some(&w.private), None)
        .await
        .json()["items"][0]["profile_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        send(&app, &w.private, &private_pid, Some("s"), "b")
            .await
            .status,
        201
    );
}

mod daily_cap {
    use super::*;

    #[actix_web::test]
    async fn sqlite() {
        let app = TestApp::spawn_with(Store::Sqlite, |a| a.guidance_daily_cap = 3)
            .await
            .unwrap();
        the_daily_cap_is_exact(app).await;
    }

    #[actix_web::test]
    async fn postgres() {
        if let Some(app) = TestApp::spawn_with(Store::Postgres, |a| a.guidance_daily_cap = 3).await
        {
            the_daily_cap_is_exact(app).await;
        }
    }
}

async fn events_reach_both_sides_and_resume(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "sse-1", "both").await;
    let pid = only_profile(&app, &w.public).await;
    let wait = std::time::Duration::from_secs(10);
    let mut mine = app.events("/v1/me/events", &me, None).await;
    let mut theirs = app.events("/v1/threads/events", &w.public, None).await;
    let sent = send(&app, &w.public, &pid, Some("案内"), "本文")
        .await
        .json();
    let thread = sent["thread_id"].as_str().unwrap().to_owned();
    let (first_id, kind, data) = mine.next_event(wait).await;
    assert_eq!(kind, "message");
    assert_eq!(data["thread_id"], thread.as_str());
    assert_eq!(data["author"], "organisation");
    assert!(data.get("body").is_none(), "events carry no text");
    let (_, kind, _) = theirs.next_event(wait).await;
    assert_eq!(kind, "message");
    // The seeker answers; the organisation hears it.
    seeker_send(&app, &me, &thread, "質問").await;
    let (_, _, data) = theirs.next_event(wait).await;
    assert_eq!(data["author"], "seeker");
    // A block closes the thread: the seeker hears it, the organisation does
    // not (R5: it learns nothing more; it finds the thread closed when it
    // reads it, as after any other closure).
    let org = w.cast.org_id("org_public");
    app.call("PUT", &format!("/v1/me/blocks/{org}"), Some(&me), None)
        .await;
    // The seeker's stream drops; what it missed comes back on reconnect.
    drop(mine);
    app.call("DELETE", &format!("/v1/me/blocks/{org}"), Some(&me), None)
        .await;
    // Unblocked: the next thing the organisation hears is the seeker's
    // next message, with neither the closure nor the reopening before it.
    seeker_send(&app, &me, &thread, "もう一つ質問").await;
    let (_, kind, data) = theirs.next_event(wait).await;
    assert_eq!(
        (kind.as_str(), &data["author"]),
        ("message", &json!("seeker"))
    );
    let mut again = app.events("/v1/me/events", &me, Some(&first_id)).await;
    let mut kinds = Vec::new();
    for _ in 0..3 {
        kinds.push(again.next_event(wait).await.1);
    }
    // Missed since the first event: the seeker's own question, then the
    // closure and the reopening (then the second question).
    assert_eq!(kinds[0], "message", "{kinds:?}");
    assert!(
        kinds.contains(&"thread_closed".to_owned())
            && kinds.contains(&"thread_reopened".to_owned()),
        "{kinds:?}"
    );
}

/// Events go through the outbox (issue 32, point 3): an event committed by
/// an action whose process died before publishing it (or whose relay took
/// it and died) is published by the next relay; an action that was refused
/// and rolled back leaves no event behind.
async fn events_survive_a_crash_and_refusals_leave_none(app: TestApp) {
    use kyushoku_store::outbox::{self, NewEvent};
    let w = world(&app).await;
    let me = seeker(&app, &w, "outbox-1", "both").await;
    let pid = only_profile(&app, &w.public).await;
    let wait = std::time::Duration::from_secs(10);
    let mut mine = app.events("/v1/me/events", &me, None).await;
    let seeker_ref = "outbox-1".to_owned();
    // Committed, and taken by a relay that then died: its lease runs out
    // and the relay of the running process publishes it, unwoken.
    app.state()
        .db
        .run(move |c| {
            outbox::append(
                c,
                &NewEvent {
                    topic: kyushoku_service::events::seeker_topic(&seeker_ref),
                    kind: "thread_closed",
                    data: r#"{"thread_id":"left-by-a-crash"}"#.into(),
                },
            )?;
            let at = kyushoku_store::now();
            let taken = outbox::take(c, at, at + chrono::Duration::seconds(1), 10)?;
            assert_eq!(taken.len(), 1);
            Ok(())
        })
        .unwrap();
    let (_, kind, data) = mine.next_event(wait).await;
    assert_eq!(kind, "thread_closed");
    assert_eq!(data["thread_id"], "left-by-a-crash");
    // A first guidance without a subject is refused: nothing is stored and
    // no event is left; out of turn likewise.
    send(&app, &w.public, &pid, None, "本文")
        .await
        .assert_problem(422, "validation");
    let sent = send(&app, &w.public, &pid, Some("案内"), "本文")
        .await
        .json();
    send(&app, &w.public, &pid, None, "二通目")
        .await
        .assert_problem(409, "thread-awaits-seeker");
    // The next event is the one send that happened, and the outbox is empty
    // once it is published.
    let (_, kind, data) = mine.next_event(wait).await;
    assert_eq!(kind, "message");
    assert_eq!(data["message_id"], sent["message_id"]);
    let empty = async {
        loop {
            let left = app.state().db.run(outbox::waiting).unwrap();
            if left == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(wait, empty)
        .await
        .expect("the outbox empties once its events are published");
}

backend_tests!(
    events_reach_both_sides_and_resume,
    events_survive_a_crash_and_refusals_leave_none
);

/// Events cross instances: a message sent through one reaches a stream held
/// on another (PostgreSQL + Redis), and resumption works there too.
#[actix_web::test]
async fn events_cross_instances_through_redis() {
    let Some(redis) = crate::support::redis_url() else {
        return;
    };
    let Some(a) = TestApp::spawn_with(Store::Postgres, |s| s.redis_url = Some(redis.clone())).await
    else {
        return;
    };
    let b = a.another_instance().await;
    let w = world(&a).await;
    let me = seeker(&a, &w, "sse-x", "both").await;
    let pid = only_profile(&a, &w.public).await;
    let wait = std::time::Duration::from_secs(10);
    let mut on_b = b.events("/v1/me/events", &me, None).await;
    // Let B's listener settle before A publishes.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let sent = send(&a, &w.public, &pid, Some("案内"), "本文").await.json();
    let (id, kind, data) = on_b.next_event(wait).await;
    assert_eq!(kind, "message");
    assert_eq!(data["thread_id"], sent["thread_id"]);
    drop(on_b);
    let thread = sent["thread_id"].as_str().unwrap().to_owned();
    seeker_send(&a, &me, &thread, "質問").await;
    send(&a, &w.public, &pid, None, "回答").await;
    let mut resumed = b.events("/v1/me/events", &me, Some(&id)).await;
    let (_, _, d1) = resumed.next_event(wait).await;
    let (_, _, d2) = resumed.next_event(wait).await;
    assert_eq!(
        (d1["author"].as_str(), d2["author"].as_str()),
        (Some("seeker"), Some("organisation"))
    );
    b.stop().await;
    a.stop().await;
}
