//! Three instances of one deployment on one PostgreSQL and one Redis, as a
//! ministry would run it behind a load balancer: whichever instance a
//! request lands on, the rules hold as if there were one.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use crate::messaging::{seeker, seeker_send, world, World};
use crate::support::{redis_url, Answer, EventStream, Sse, Store, TestApp};

/// Registers a seeker and returns (My Page token, the profile_id `org` sees),
/// found as the one profile that was not there before.
async fn new_profile(app: &TestApp, w: &World, seeker_ref: &str) -> (String, String) {
    let ids = |v: Value| -> BTreeSet<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["profile_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let path = "/v1/profiles?limit=100";
    let before = ids(app.call("GET", path, Some(&w.public), None).await.json());
    let token = seeker(app, w, seeker_ref, "both").await;
    let after = ids(app.call("GET", path, Some(&w.public), None).await.json());
    let new: Vec<_> = after.difference(&before).cloned().collect();
    assert_eq!(new.len(), 1);
    (token, new[0].clone())
}

pub async fn send_with_key(
    app: &TestApp,
    org: &str,
    profile_id: &str,
    key: Option<&str>,
    body: Value,
) -> Answer {
    let mut req = app
        .client
        .post(app.url(&format!("/v1/profiles/{profile_id}/messages")))
        .insert_header(("authorization", format!("Bearer {org}")))
        .insert_header(("content-type", "application/json"));
    if let Some(k) = key {
        req = req.insert_header(("idempotency-key", k));
    }
    app.send(req, Some(serde_json::to_vec(&body).unwrap()))
        .await
}

/// The next event of `stream`, past the event of the thread's first
/// message if that comes first: it goes out through the outbox's relay,
/// which on a loaded machine may deliver it after a stream opened later
/// (CI once saw it there).
async fn past_first_message(stream: &mut EventStream, first: &Value, wait: Duration) -> Sse {
    let next = stream.next_event(wait).await;
    if next.2["message_id"] == *first {
        assert_eq!(next.2["author"], "organisation");
        return stream.next_event(wait).await;
    }
    next
}

async fn messages_in(app: &TestApp, token: &str, thread: &str) -> usize {
    let t = app
        .call(
            "GET",
            &format!("/v1/me/threads/{thread}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(t.status, 200, "{}", t.text());
    t.json()["messages"].as_array().unwrap().len()
}

#[actix_web::test]
async fn three_instances_behave_as_one() {
    let Some(redis) = redis_url() else { return };
    let Some(a) = TestApp::spawn_with(Store::Postgres, |s| {
        s.redis_url = Some(redis.clone());
        s.guidance_daily_cap = 4;
    })
    .await
    else {
        return;
    };
    let b = a.another_instance().await;
    let c = a.another_instance().await;
    let all = [&a, &b, &c];
    let w = world(&a).await;

    // Rate limits: one count, whichever instance is asked.
    let mut remaining = Vec::new();
    for app in all {
        let r = app
            .call("GET", "/v1/organisations", Some(&w.bureau), None)
            .await;
        assert_eq!(r.status, 200);
        remaining.push(
            r.header("ratelimit-remaining")
                .unwrap()
                .parse::<u64>()
                .unwrap(),
        );
    }
    assert_eq!(
        remaining,
        vec![remaining[0], remaining[0] - 1, remaining[0] - 2],
        "one shared window"
    );

    // Idempotency: the same key through two instances at once, then a retry
    // through the third: one message, one answer.
    let (s1, p1) = new_profile(&a, &w, "c-idem").await;
    let body = json!({"subject": "ご案内", "body": "介護職の求人があります"});
    let (x, y) = tokio::join!(
        send_with_key(&a, &w.public, &p1, Some("k-1"), body.clone()),
        send_with_key(&b, &w.public, &p1, Some("k-1"), body.clone()),
    );
    assert_eq!(
        (x.status.as_u16(), y.status.as_u16()),
        (201, 201),
        "{} / {}",
        x.text(),
        y.text()
    );
    assert_eq!(x.json()["message_id"], y.json()["message_id"]);
    let z = send_with_key(&c, &w.public, &p1, Some("k-1"), body.clone()).await;
    assert_eq!(z.status, 201);
    assert_eq!(z.header("idempotent-replayed"), Some("true"));
    assert_eq!(z.json()["message_id"], x.json()["message_id"]);
    let other = json!({"subject": "別件", "body": "別の本文"});
    send_with_key(&c, &w.public, &p1, Some("k-1"), other)
        .await
        .assert_problem(422, "validation");
    let thread1 = x.json()["thread_id"].as_str().unwrap().to_owned();
    let first_message = x.json()["message_id"].clone();
    assert_eq!(messages_in(&c, &s1, &thread1).await, 1);

    // SSE: the seeker's stream on C hears what is written through A; the
    // organisation's stream on B hears the seeker's question through C.
    let wait = Duration::from_secs(10);
    let mut seeker_on_c = c.events("/v1/me/events", &s1, None).await;
    let mut org_on_b = b.events("/v1/threads/events", &w.public, None).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let q = seeker_send(&c, &s1, &thread1, "詳しく教えてください").await;
    assert_eq!(q.status, 201, "{}", q.text());
    let (_, kind, data) = past_first_message(&mut org_on_b, &first_message, wait).await;
    assert_eq!(
        (kind.as_str(), data["author"].as_str()),
        ("message", Some("seeker"))
    );
    let (_, _, data) = past_first_message(&mut seeker_on_c, &first_message, wait).await;
    assert_eq!(data["author"], "seeker");

    // R3 across instances: the seeker wrote last, so exactly one of three
    // concurrent answers is accepted; then none is.
    let answer = |app: &'static str| json!({"body": format!("回答 via {app}")});
    let (x, y, z) = tokio::join!(
        send_with_key(&a, &w.public, &p1, None, answer("a")),
        send_with_key(&b, &w.public, &p1, None, answer("b")),
        send_with_key(&c, &w.public, &p1, None, answer("c")),
    );
    let mut codes: Vec<u16> = [&x, &y, &z].iter().map(|r| r.status.as_u16()).collect();
    codes.sort_unstable();
    assert_eq!(codes, vec![201, 409, 409]);
    for r in [&x, &y, &z].into_iter().filter(|r| r.status == 409) {
        r.assert_problem(409, "thread-awaits-seeker");
    }
    let (_, _, data) = seeker_on_c.next_event(wait).await;
    assert_eq!(data["author"], "organisation");
    assert_eq!(messages_in(&a, &s1, &thread1).await, 3);

    // R3 for a first contact: three first guidances to one new seeker at
    // once, through three instances, open one thread with one message.
    let (s2, p2) = new_profile(&a, &w, "c-first").await;
    let first = json!({"subject": "ご案内", "body": "本文"});
    let (x, y, z) = tokio::join!(
        send_with_key(&a, &w.public, &p2, None, first.clone()),
        send_with_key(&b, &w.public, &p2, None, first.clone()),
        send_with_key(&c, &w.public, &p2, None, first.clone()),
    );
    let mut codes: Vec<u16> = [&x, &y, &z].iter().map(|r| r.status.as_u16()).collect();
    codes.sort_unstable();
    assert_eq!(codes, vec![201, 409, 409]);
    let opened = [&x, &y, &z].into_iter().find(|r| r.status == 201).unwrap();
    let thread2 = opened.json()["thread_id"].as_str().unwrap().to_owned();
    assert_eq!(messages_in(&b, &s2, &thread2).await, 1);

    // R13 across instances: the cap is 4 a day and 2 are used; three first
    // guidances at once through three instances: exactly 2 pass.
    let mut profiles = Vec::new();
    for i in 0..3 {
        profiles.push(new_profile(&a, &w, &format!("c-cap-{i}")).await.1);
    }
    let guidance = json!({"subject": "ご案内", "body": "本文"});
    let sends = profiles.iter().enumerate().map(|(i, p)| {
        let app = all[i % 3];
        send_with_key(app, &w.public, p, None, guidance.clone())
    });
    let results = futures_util::future::join_all(sends).await;
    let ok = results.iter().filter(|r| r.status == 201).count();
    let capped: Vec<_> = results.iter().filter(|r| r.status == 429).collect();
    assert_eq!((ok, capped.len()), (2, 1));
    capped[0].assert_problem(429, "guidance-cap-reached");

    // Suspension through A is refused by B and C on their next request,
    // though both had the organisation's state cached.
    let org = w.cast.org_id("org_private").to_owned();
    let own = format!("/v1/organisations/{org}");
    for app in all {
        assert_eq!(
            app.call("GET", &own, Some(&w.private), None).await.status,
            200
        );
    }
    let d = a
        .call(
            "POST",
            &format!("{own}/decisions"),
            Some(&w.bureau),
            Some(json!({"decision": "suspend", "reason": "調査中"})),
        )
        .await;
    assert_eq!(d.json()["status"], "suspended", "{}", d.text());
    for app in [&b, &c] {
        app.call("GET", &own, Some(&w.private), None)
            .await
            .assert_problem(403, "access-revoked");
    }

    // Revocation through B ends the seeker's session on A and C at once.
    for app in all {
        assert_eq!(app.call("GET", "/v1/me", Some(&s1), None).await.status, 200);
    }
    let r = b.revoke(&s1, &w.hw).await;
    assert_eq!(r.status, 200);
    for app in [&a, &c] {
        app.call("GET", "/v1/me", Some(&s1), None)
            .await
            .assert_problem(401, "unauthorized");
    }

    c.stop().await;
    b.stop().await;
    a.stop().await;
}
