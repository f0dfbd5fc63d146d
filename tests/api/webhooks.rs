//! Webhooks (issue 34) through HTTP: registration and the authorisation
//! matrix, every delivery verified by the Standard Webhooks reference
//! library (the `standardwebhooks` crate), retries against a receiver that
//! fails then recovers (one `webhook-id`), secret rotation, redelivery,
//! 410 Gone, the events the other actions raise, and request forgery
//! refused. Both backends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::messaging::{only_profile, seeker, seeker_send, world};
use crate::support::{Store, TestApp};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Verified with the reference library, or the reason it is not.
    fn verify(&self, secret: &str) -> Result<(), String> {
        let mut map = http::HeaderMap::new();
        for (k, v) in &self.headers {
            map.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        standardwebhooks::Webhook::new(secret)
            .map_err(|e| e.to_string())?
            .verify(&self.body, &map)
            .map_err(|e| e.to_string())
    }
}

/// How the receiver answers.
#[derive(Default)]
struct Plan {
    /// Answer 500 to this many requests first.
    fail: usize,
    /// Then answer this status (default 204); 302 redirects to the cloud
    /// metadata address.
    status: Option<u16>,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    plan: Arc<Mutex<Plan>>,
}

impl Receiver {
    /// Starts on a free port of 127.0.0.1; the URL to register.
    async fn start(&self) -> String {
        let me = self.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(me.clone()))
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let addr = server.addrs()[0];
        actix_web::rt::spawn(server.run());
        format!("http://{addr}/hooks/kyushoku")
    }

    fn set(&self, fail: usize, status: Option<u16>) {
        *self.plan.lock().unwrap() = Plan { fail, status };
    }

    fn all(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits for the `n`th request of event type `kind` (1-based).
    async fn nth(&self, kind: &str, n: usize, wait: Duration) -> Received {
        let deadline = std::time::Instant::now() + wait;
        loop {
            let of: Vec<Received> = self
                .all()
                .into_iter()
                .filter(|r| r.json()["type"] == kind)
                .collect();
            if of.len() >= n {
                return of[n - 1].clone();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no {kind} #{n} within {wait:?}; got {:?}",
                self.all().iter().map(|r| r.json()).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, me: web::Data<Receiver>) -> HttpResponse {
    me.got.lock().unwrap().push(Received {
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: body.to_vec(),
    });
    let mut plan = me.plan.lock().unwrap();
    if plan.fail > 0 {
        plan.fail -= 1;
        return HttpResponse::InternalServerError().body("not now");
    }
    match plan.status {
        Some(302) => HttpResponse::Found()
            .insert_header(("location", "http://169.254.169.254/latest/meta-data/"))
            .finish(),
        Some(s) => HttpResponse::build(actix_web::http::StatusCode::from_u16(s).unwrap())
            .body("x".repeat(4096)),
        None => HttpResponse::NoContent().finish(),
    }
}

/// A server that may call 127.0.0.0/8 over http, as the tests' receivers
/// sit there.
async fn spawn_local(store: Store) -> Option<TestApp> {
    TestApp::spawn_with(store, |a| {
        a.webhook_allow_http = true;
        a.webhook_allowed_networks = vec!["127.0.0.0/8".into()];
    })
    .await
}

async fn admin_token(app: &TestApp, w: &crate::messaging::World, name: &str) -> String {
    let a = app.login_admin(w.cast.get(name)).await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()["access_token"].as_str().unwrap().to_owned()
}

async fn register(app: &TestApp, path: &str, token: &str, url: &str, events: &[&str]) -> Value {
    let a = app
        .call(
            "POST",
            path,
            Some(token),
            Some(json!({"url": url, "events": events})),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text());
    a.json()
}

async fn signed_retried_rotated_and_gone(app: TestApp) {
    let w = world(&app).await;
    let admin = admin_token(&app, &w, "org_public").await;
    let org = w.cast.org_id("org_public").to_owned();
    let hooks = format!("/v1/organisations/{org}/webhooks");
    let rx = Receiver::default();
    let url = rx.start().await;

    let created = register(
        &app,
        &hooks,
        &admin,
        &url,
        &["message.received", "organisation.status_changed"],
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["webhook_id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(created["enabled"], true);
    // The secret is shown once.
    let read = app
        .call("GET", &format!("{hooks}/{id}"), Some(&admin), None)
        .await;
    assert_eq!(read.status, 200);
    assert!(read.json().get("secret").is_none());
    assert!(!read.text().contains(&secret[6..]));

    // A test event, verified by the reference library.
    let t = app
        .call("POST", &format!("{hooks}/{id}/test"), Some(&admin), None)
        .await;
    assert_eq!(t.status, 202, "{}", t.text());
    let got = rx.nth("webhook.test", 1, Duration::from_secs(10)).await;
    got.verify(&secret)
        .expect("the reference library verifies the test event");
    assert_eq!(
        got.header("webhook-id"),
        t.json()["delivery_id"].as_str().unwrap()
    );
    assert_eq!(got.header("content-type"), "application/json");
    let body = got.json();
    assert_eq!(body["data"]["webhook_id"], id.as_str());
    assert!(body["timestamp"].is_string());
    // Another secret does not verify it.
    assert!(got
        .verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .is_err());

    // A seeker's answer is `message.received`: ids, never the text.
    let seeker_token = seeker(&app, &w, "hook-seeker-1", "both").await;
    let profile = only_profile(&app, &w.public).await;
    let first = crate::messaging::send(
        &app,
        &w.public,
        &profile,
        Some("ご案内"),
        "求人のご案内です",
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let thread = first.json()["thread_id"].as_str().unwrap().to_owned();
    let answer = seeker_send(&app, &seeker_token, &thread, "電話は090-1234-5678です").await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let got = rx.nth("message.received", 1, Duration::from_secs(10)).await;
    got.verify(&secret).unwrap();
    let data = &got.json()["data"];
    assert_eq!(data["thread_id"], thread.as_str());
    assert_eq!(data["message_id"], answer.json()["message_id"]);
    assert!(!String::from_utf8_lossy(&got.body).contains("090"));

    // The receiver fails once, then recovers: the retry carries the same
    // webhook-id, and both attempts are listed.
    rx.set(1, None);
    let t = app
        .call("POST", &format!("{hooks}/{id}/test"), Some(&admin), None)
        .await;
    let delivery = t.json()["delivery_id"].as_str().unwrap().to_owned();
    let again = rx.nth("webhook.test", 3, Duration::from_secs(20)).await;
    let before = rx.nth("webhook.test", 2, Duration::from_secs(1)).await;
    assert_eq!(before.header("webhook-id"), delivery);
    assert_eq!(again.header("webhook-id"), delivery);
    again.verify(&secret).unwrap();
    let list = wait_for_state(
        &app,
        &format!("{hooks}/{id}/deliveries"),
        &admin,
        &delivery,
        "delivered",
    )
    .await;
    let attempts = list["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{list}");
    assert_eq!(attempts[0]["status_code"], 500);
    assert!(attempts[0]["next_retry_at"].is_string());
    assert_eq!(attempts[1]["status_code"], 204);

    // Rotation: for a day both secrets sign, and either verifies.
    let r = app
        .call("POST", &format!("{hooks}/{id}/secret"), Some(&admin), None)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let new_secret = r.json()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    app.call("POST", &format!("{hooks}/{id}/test"), Some(&admin), None)
        .await;
    let got = rx.nth("webhook.test", 4, Duration::from_secs(10)).await;
    assert_eq!(got.header("webhook-signature").split(' ').count(), 2);
    got.verify(&new_secret).expect("the new secret verifies");
    got.verify(&secret).expect("the old secret still verifies");

    // Redelivery: the same webhook-id again.
    let re = app
        .call(
            "POST",
            &format!("{hooks}/{id}/deliveries/{delivery}/redeliver"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(re.status, 202, "{}", re.text());
    let got = rx.nth("webhook.test", 5, Duration::from_secs(10)).await;
    assert_eq!(got.header("webhook-id"), delivery);
    let nope = app
        .call(
            "POST",
            &format!("{hooks}/{id}/deliveries/msg_nothing/redeliver"),
            Some(&admin),
            None,
        )
        .await;
    nope.assert_problem(404, "not-found");

    // 410 Gone turns the endpoint off, and its administrators are told.
    rx.set(0, Some(410));
    app.call("POST", &format!("{hooks}/{id}/test"), Some(&admin), None)
        .await;
    rx.nth("webhook.test", 6, Duration::from_secs(10)).await;
    let mut off = Value::Null;
    for _ in 0..100 {
        off = app
            .call("GET", &format!("{hooks}/{id}"), Some(&admin), None)
            .await
            .json();
        if off["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(off["enabled"], false, "{off}");
    assert_eq!(off["disabled_reason"], "gone");
    let email = w.cast.get("org_public").admin_email.clone().unwrap();
    let letters = app.letters_to(&email, 1).await;
    assert!(letters.iter().any(|l| l.body.contains(&id)), "{letters:?}");
    // Off, nothing goes out; on again, what waited does.
    rx.set(0, None);
    app.call("POST", &format!("{hooks}/{id}/test"), Some(&admin), None)
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent = rx.all().len();
    let on = app
        .call(
            "PATCH",
            &format!("{hooks}/{id}"),
            Some(&admin),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.text());
    rx.nth("webhook.test", 7, Duration::from_secs(10)).await;
    assert!(rx.all().len() > sent);

    // The trail has who did what to the webhook.
    let bureau = &w.bureau;
    let audit = app
        .call(
            "GET",
            &format!("/v1/audit?organisation_id={org}&action=webhook_created"),
            Some(bureau),
            None,
        )
        .await;
    assert_eq!(audit.status, 200, "{}", audit.text());
    assert_eq!(audit.json()["items"].as_array().unwrap().len(), 1);
    let metrics = app.get("/metrics").await.text();
    assert!(
        metrics.contains(
            "kyushoku_webhook_attempts_total{event=\"webhook.test\",outcome=\"delivered\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("kyushoku_webhook_due_deliveries"));

    // Deleted, it is gone.
    let d = app
        .call("DELETE", &format!("{hooks}/{id}"), Some(&admin), None)
        .await;
    assert_eq!(d.status, 204);
    app.call("GET", &format!("{hooks}/{id}"), Some(&admin), None)
        .await
        .assert_problem(404, "not-found");
}

/// Polls a webhook's deliveries until `delivery` reaches `state`.
async fn wait_for_state(
    app: &TestApp,
    path: &str,
    token: &str,
    delivery: &str,
    state: &str,
) -> Value {
    for _ in 0..200 {
        let list = app.call("GET", path, Some(token), None).await.json();
        if let Some(d) = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["delivery_id"] == delivery && d["state"] == state)
        {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{delivery} never {state}");
}

async fn who_may_have_which_webhooks(app: TestApp) {
    let w = world(&app).await;
    let admin = admin_token(&app, &w, "org_public").await;
    let other_admin = admin_token(&app, &w, "org_private").await;
    let org = w.cast.org_id("org_public").to_owned();
    let hooks = format!("/v1/organisations/{org}/webhooks");
    let rx = Receiver::default();
    let url = rx.start().await;
    let body = json!({"url": url, "events": ["message.received"]});
    // Another organisation's admin: as if it did not exist.
    app.call("POST", &hooks, Some(&other_admin), Some(body.clone()))
        .await
        .assert_problem(404, "not-found");
    // Hello Work and a bureau may not manage an organisation's.
    for token in [&w.hw, &w.bureau] {
        let a = app
            .call("POST", &hooks, Some(token), Some(body.clone()))
            .await;
        assert!(a.status == 403 || a.status == 404, "{}", a.text());
    }
    // An owner hears only its own events.
    let a = app
        .call(
            "POST",
            &hooks,
            Some(&admin),
            Some(json!({"url": url, "events": ["hire.reported"]})),
        )
        .await;
    let p = a.assert_problem(422, "validation");
    assert_eq!(p["errors"][0]["field"], "events[0]");
    app.call(
        "POST",
        &hooks,
        Some(&admin),
        Some(json!({"url": url, "events": []})),
    )
    .await
    .assert_problem(422, "validation");
    // Hello Work's own: hires; a bureau's own: applications.
    let hw_hook = register(
        &app,
        "/v1/webhooks",
        &w.hw,
        &url,
        &["hire.reported", "message.reported"],
    )
    .await;
    register(
        &app,
        "/v1/webhooks",
        &w.bureau,
        &url,
        &["organisation.applied"],
    )
    .await;
    app.call(
        "POST",
        "/v1/webhooks",
        Some(&w.bureau),
        Some(json!({"url": url, "events": ["message.received"]})),
    )
    .await
    .assert_problem(422, "validation");
    // Each sees only its own.
    let hw_list = app
        .call("GET", "/v1/webhooks", Some(&w.hw), None)
        .await
        .json();
    assert_eq!(hw_list["items"].as_array().unwrap().len(), 1);
    app.call(
        "GET",
        &format!("/v1/webhooks/{}", hw_hook["webhook_id"].as_str().unwrap()),
        Some(&w.bureau),
        None,
    )
    .await
    .assert_problem(404, "not-found");
    // A seeker has none.
    let seeker_token = seeker(&app, &w, "hook-seeker-2", "both").await;
    app.call("GET", "/v1/webhooks", Some(&seeker_token), None)
        .await
        .assert_problem(403, "forbidden");

    // A hire reaches Hello Work's endpoint; an application the bureau's.
    crate::offers::load_one(&app, &w.hw).await;
    let hire = app
        .call(
            "POST",
            "/v1/hires",
            Some(&w.public),
            Some(json!({"job_number": "13010-00000001", "hired_on": crate::offers::today_str(), "employment_type": "full_time"})),
        )
        .await;
    assert_eq!(hire.status, 201, "{}", hire.text());
    let got = rx.nth("hire.reported", 1, Duration::from_secs(10)).await;
    got.verify(hw_hook["secret"].as_str().unwrap()).unwrap();
    assert_eq!(got.json()["data"]["hire_id"], hire.json()["hire_id"]);
    assert_eq!(got.json()["data"]["organisation_id"], org.as_str());
    let applied = app
        .call(
            "POST",
            "/v1/organisations",
            None,
            Some(json!({
                "name": "テスト職業紹介", "kind": "paid_agency", "prefecture": "13",
                "licence_number": "13-ユ-301299", "services": ["seeker_info"],
                "admin": {"email": "hooks-applicant@example.jp", "password": "correct horse battery staple"}
            })),
        )
        .await;
    assert_eq!(applied.status, 201, "{}", applied.text());
    let got = rx
        .nth("organisation.applied", 1, Duration::from_secs(10))
        .await;
    assert!(got.json()["data"]["organisation_id"].is_string());
    // The job-offer change feed is announced to organisations subscribed.
    let feed = register(&app, &hooks, &admin, &url, &["job_offers.changed"]).await;
    let mut offer = crate::offers::offer_json("both");
    offer["title"] = json!("介護職員（夜勤専従）");
    let put = app
        .call(
            "PUT",
            "/v1/job-offers/13010-00000002",
            Some(&w.hw),
            Some(offer),
        )
        .await;
    assert!(put.status.is_success(), "{}", put.text());
    let got = rx
        .nth("job_offers.changed", 1, Duration::from_secs(20))
        .await;
    got.verify(feed["secret"].as_str().unwrap()).unwrap();
    let since = got.json()["data"]["since"].as_i64().unwrap();
    let changes = app
        .call(
            "GET",
            &format!("/v1/job-offers/changes?since={since}"),
            Some(&w.public),
            None,
        )
        .await
        .json();
    assert!(changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["job_number"] == "13010-00000002"));
}

async fn requests_inside_are_refused(app: TestApp) {
    // This server has no allowed networks and calls https only.
    let w = world(&app).await;
    let admin = admin_token(&app, &w, "org_public").await;
    let org = w.cast.org_id("org_public").to_owned();
    let hooks = format!("/v1/organisations/{org}/webhooks");
    for url in [
        "https://127.0.0.1/hook",
        "https://2130706433/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hook",
        "https://localhost/hook",
        "http://example.jp/hook",
        "https://user:pass@example.jp/hook",
        "not a url",
    ] {
        let a = app
            .call(
                "POST",
                &hooks,
                Some(&admin),
                Some(json!({"url": url, "events": ["message.received"]})),
            )
            .await;
        let p = a.assert_problem(422, "validation");
        assert_eq!(p["errors"][0]["field"], "url", "{url}: {p}");
    }
    let none = app.call("GET", &hooks, Some(&admin), None).await.json();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
}

async fn redirects_are_not_followed(app: TestApp) {
    let w = world(&app).await;
    let admin = admin_token(&app, &w, "org_public").await;
    let org = w.cast.org_id("org_public").to_owned();
    let hooks = format!("/v1/organisations/{org}/webhooks");
    let rx = Receiver::default();
    let url = rx.start().await;
    rx.set(0, Some(302));
    let created = register(&app, &hooks, &admin, &url, &["message.received"]).await;
    let id = created["webhook_id"].as_str().unwrap();
    let t = app
        .call("POST", &format!("{hooks}/{id}/test"), Some(&admin), None)
        .await;
    let delivery = t.json()["delivery_id"].as_str().unwrap().to_owned();
    let d = wait_for_state(
        &app,
        &format!("{hooks}/{id}/deliveries"),
        &admin,
        &delivery,
        "pending",
    )
    .await;
    let mut d = d;
    for _ in 0..100 {
        if !d["attempts"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        d = wait_for_state(
            &app,
            &format!("{hooks}/{id}/deliveries"),
            &admin,
            &delivery,
            "pending",
        )
        .await;
    }
    // The 302 is the answer: failed, to be retried, never followed.
    assert_eq!(d["attempts"][0]["status_code"], 302, "{d}");
    assert_eq!(rx.all().len(), 1);
}

mod signed_retried_rotated_and_gone {
    #[actix_web::test]
    async fn sqlite() {
        let app = super::spawn_local(crate::support::Store::Sqlite)
            .await
            .unwrap();
        super::signed_retried_rotated_and_gone(app).await;
    }

    #[actix_web::test]
    async fn postgres() {
        if let Some(app) = super::spawn_local(crate::support::Store::Postgres).await {
            super::signed_retried_rotated_and_gone(app).await;
        }
    }
}

mod who_may_have_which_webhooks {
    #[actix_web::test]
    async fn sqlite() {
        let app = super::spawn_local(crate::support::Store::Sqlite)
            .await
            .unwrap();
        super::who_may_have_which_webhooks(app).await;
    }

    #[actix_web::test]
    async fn postgres() {
        if let Some(app) = super::spawn_local(crate::support::Store::Postgres).await {
            super::who_may_have_which_webhooks(app).await;
        }
    }
}

mod redirects_are_not_followed {
    #[actix_web::test]
    async fn sqlite() {
        let app = super::spawn_local(crate::support::Store::Sqlite)
            .await
            .unwrap();
        super::redirects_are_not_followed(app).await;
    }

    #[actix_web::test]
    async fn postgres() {
        if let Some(app) = super::spawn_local(crate::support::Store::Postgres).await {
            super::redirects_are_not_followed(app).await;
        }
    }
}

crate::backend_tests!(requests_inside_are_refused);
