//! Faults an operator will meet: Redis stopped mid-load, PostgreSQL
//! restarted, the server killed with SIGKILL in the middle of writes, and a
//! SIGTERM that must let in-flight work finish. `docs/reliability.md`
//! describes each behaviour and points here.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::backend_tests;
use crate::cluster::send_with_key;
use crate::messaging::{only_profile, seeker, world};
use crate::offers::{exported_numbers, offer_json};
use crate::support::{redis_url, signal, FaultProxy, Store, TestApp};

/// Polls `path` until `done` holds for its answer, for at most `wait`.
async fn eventually(app: &TestApp, path: &str, wait: Duration, done: impl Fn(&Value) -> bool) {
    let deadline = Instant::now() + wait;
    loop {
        let a = app.get(path).await;
        let body: Value = serde_json::from_slice(&a.body).unwrap_or_default();
        if done(&body) {
            return;
        }
        assert!(Instant::now() < deadline, "{path} did not settle: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn dependency_gauge(metrics: &str, name: &str) -> Option<i64> {
    let prefix = format!("kyushoku_dependency_up{{dependency=\"{name}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().parse().unwrap())
}

/// Redis stops mid-load: every request still answers (rate limits counted
/// per instance, events on this instance only, caches bypassed), `/readyz`
/// says `degraded` and `/metrics` shows it; a suspension decided during the
/// outage holds; when Redis returns the instance recovers by itself and
/// Redis is brought up to date (a new instance reading Redis refuses the
/// suspended organisation).
async fn redis_outage_degrades_and_recovers(store: Store) {
    let Some(redis) = redis_url() else { return };
    let proxy = FaultProxy::start(FaultProxy::target_of(&redis)).await;
    let routed = proxy.route(&redis);
    let Some(app) = TestApp::spawn_with(store, |a| a.redis_url = Some(routed)).await else {
        return;
    };
    let w = world(&app).await;
    let me = seeker(&app, &w, "f-redis", "both").await;
    let pid = only_profile(&app, &w.public).await;
    let org = w.cast.org_id("org_private").to_owned();
    let own = format!("/v1/organisations/{org}");
    // The organisation's state is cached in Redis now.
    assert_eq!(
        app.call("GET", &own, Some(&w.private), None).await.status,
        200
    );
    assert_eq!(app.get("/readyz").await.json()["status"], "ready");

    proxy.cut().await;
    let started = Instant::now();
    let a = app.call("GET", "/v1/profiles", Some(&w.public), None).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert!(
        a.header("ratelimit-remaining").is_some(),
        "counted in-process"
    );
    let r = app.get("/readyz").await;
    assert_eq!(r.status, 200, "Redis alone never takes an instance out");
    assert_eq!(r.json()["status"], "degraded");
    assert_eq!(r.json()["checks"]["shared_state"]["status"], "down");
    let m = app.get("/metrics").await.text();
    assert_eq!(dependency_gauge(&m, "shared_state"), Some(0), "{m}");
    // Events still reach streams held on this instance.
    let mut stream = app.events("/v1/me/events", &me, None).await;
    let sent = send_with_key(
        &app,
        &w.public,
        &pid,
        None,
        json!({"subject": "ご案内", "body": "本文"}),
    )
    .await;
    assert_eq!(sent.status, 201, "{}", sent.text());
    let (_, kind, data) = stream.next_event(Duration::from_secs(5)).await;
    assert_eq!(
        (kind.as_str(), &data["thread_id"]),
        ("message", &sent.json()["thread_id"])
    );
    // A suspension during the outage is enforced at once (the database is
    // the truth; the cache is bypassed).
    let d = app
        .call(
            "POST",
            &format!("{own}/decisions"),
            Some(&w.bureau),
            Some(json!({"decision": "suspend", "reason": "調査中"})),
        )
        .await;
    assert_eq!(d.json()["status"], "suspended", "{}", d.text());
    app.call("GET", &own, Some(&w.private), None)
        .await
        .assert_problem(403, "access-revoked");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "no request waited long on the missing Redis: {:?}",
        started.elapsed()
    );

    proxy.restore().await;
    eventually(&app, "/readyz", Duration::from_secs(20), |b| {
        b["status"] == "ready"
    })
    .await;
    let m = app.get("/metrics").await.text();
    assert_eq!(dependency_gauge(&m, "shared_state"), Some(1), "{m}");
    // The write-through owed since the outage has reached Redis: a new
    // instance, which reads the cached state from Redis, refuses too.
    let fresh = app.another_instance().await;
    fresh
        .call("GET", &own, Some(&w.private), None)
        .await
        .assert_problem(403, "access-revoked");
    fresh.stop().await;
    app.stop().await;
}

mod redis_outage_degrades_and_recovers {
    #[actix_web::test]
    async fn sqlite() {
        super::redis_outage_degrades_and_recovers(crate::support::Store::Sqlite).await;
    }

    #[actix_web::test]
    async fn postgres() {
        super::redis_outage_degrades_and_recovers(crate::support::Store::Postgres).await;
    }
}

/// A PostgreSQL-backed app whose database connections pass through a
/// [`FaultProxy`]; `None` when PostgreSQL is not configured (outside CI).
async fn behind_a_proxy() -> Option<(FaultProxy, TestApp)> {
    let Some(pg) = std::env::var("KYUSHOKU_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL must be set under CI"
        );
        return None;
    };
    let proxy = FaultProxy::start(FaultProxy::target_of(&pg)).await;
    let app = TestApp::spawn_with(Store::Postgres, |a| {
        a.store.database_url = proxy.route(&a.store.database_url);
    })
    .await
    .unwrap();
    Some((proxy, app))
}

/// PostgreSQL restarts under load: requests fail fast with 503 problems
/// (no thread waits out the pool), `/readyz` is 503, and once it is back the
/// service answers again without a restart.
#[actix_web::test]
async fn postgres_restart_fails_fast_and_recovers() {
    let Some((proxy, app)) = behind_a_proxy().await else {
        return;
    };
    let w = world(&app).await;
    assert_eq!(
        app.call("GET", "/v1/profiles", Some(&w.public), None)
            .await
            .status,
        200
    );

    proxy.cut().await;
    let started = Instant::now();
    let calls = (0..12).map(|_| app.call("GET", "/v1/profiles", Some(&w.public), None));
    let answers = futures_util::future::join_all(calls).await;
    for a in &answers {
        a.assert_problem(503, "service-unavailable");
    }
    let all_failed_in = started.elapsed();
    assert!(
        all_failed_in < Duration::from_secs(8),
        "12 requests against a stopped database took {all_failed_in:?}"
    );
    let r = app.get("/readyz").await;
    let p = r.assert_problem(503, "service-unavailable");
    assert_eq!(p["checks"]["database"]["status"], "down");
    // Still down a little later: still fast.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let t = Instant::now();
    app.call("GET", "/v1/profiles", Some(&w.public), None)
        .await
        .assert_problem(503, "service-unavailable");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());

    proxy.restore().await;
    eventually(&app, "/readyz", Duration::from_secs(20), |b| {
        b["status"] == "ready"
    })
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let a = app.call("GET", "/v1/profiles", Some(&w.public), None).await;
        if a.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {}", a.text());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every pooled connection works again.
    let calls = (0..12).map(|_| app.call("GET", "/v1/profiles", Some(&w.public), None));
    for a in futures_util::future::join_all(calls).await {
        assert_eq!(a.status, 200, "{}", a.text());
    }
    app.stop().await;
}

/// R9 when PostgreSQL goes away while searches wait for the audit writer
/// to commit their events (an audit trigger holds the writer's insert for a
/// second, and the connection is cut during it): every one of them answers
/// 503 and none shows a profile; once the database is back, searches are
/// shown again and recorded.
#[actix_web::test]
async fn searches_whose_audit_commit_is_lost_show_nothing() {
    let Some((proxy, app)) = behind_a_proxy().await else {
        return;
    };
    let w = world(&app).await;
    seeker(&app, &w, "lost-commit", "both").await;
    let shown = only_profile(&app, &w.public).await;
    // The number of search events recorded under a request id.
    // (Through the blocking pool: the proxy runs on this test's thread.)
    let recorded = |request_id: String| {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        app.state().db_run(move |c| match c {
            kyushoku_store::DbConn::Postgresql(pg) => Ok(diesel::sql_query(
                "SELECT count(*) AS n FROM audit_events \
                 WHERE action = 'profile_search' AND request_id = $1",
            )
            .bind::<diesel::sql_types::Text, _>(request_id)
            .get_result::<N>(pg)?
            .n),
            _ => unreachable!(),
        })
    };
    app.state()
        .db_run(|c| {
            use diesel::connection::SimpleConnection;
            let kyushoku_store::DbConn::Postgresql(pg) = c else {
                unreachable!()
            };
            pg.batch_execute(
                "CREATE FUNCTION slow_audit() RETURNS trigger LANGUAGE plpgsql \
                 AS $$ BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$; \
                 CREATE TRIGGER slow_audit BEFORE INSERT ON audit_events \
                 FOR EACH ROW EXECUTE FUNCTION slow_audit();",
            )?;
            Ok(())
        })
        .await
        .unwrap();

    let searches = (0..8).map(|_| app.call("GET", "/v1/profiles", Some(&w.public), None));
    let cut = async {
        // The searches' own queries take milliseconds; the writer's insert
        // a second.
        tokio::time::sleep(Duration::from_millis(400)).await;
        proxy.cut().await;
    };
    let (answers, ()) = tokio::join!(futures_util::future::join_all(searches), cut);
    for a in &answers {
        a.assert_problem(503, "service-unavailable");
        assert!(!a.text().contains(&shown), "{}", a.text());
    }

    proxy.restore().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let back = loop {
        let a = app.call("GET", "/v1/profiles", Some(&w.public), None).await;
        if a.status == 200 {
            break a;
        }
        a.assert_problem(503, "service-unavailable");
        assert!(!a.text().contains(&shown), "{}", a.text());
        assert!(Instant::now() < deadline, "no recovery: {}", a.text());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(back.text().contains(&shown), "{}", back.text());
    let request_id = back.header("x-request-id").unwrap().to_owned();
    assert_eq!(
        recorded(request_id).await.unwrap(),
        1,
        "the search shown is recorded"
    );
    app.stop().await;
}

/// NDJSON lines of `n` offers visible to every organisation.
fn offer_lines(n: usize, first: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in first..first + n {
        let mut o = offer_json("both");
        o["job_number"] = json!(format!("13010-{i:08}"));
        out.extend_from_slice(o.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

async fn post_batch(app: &TestApp, token: &str, key: &str, body: Vec<u8>) -> Result<Value, String> {
    let res = app
        .client
        .post(app.url("/v1/job-offers/batch"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("content-type", "application/x-ndjson"))
        .insert_header(("idempotency-key", key))
        .timeout(Duration::from_secs(120))
        .send_body(body)
        .await;
    let mut res = res.map_err(|e| e.to_string())?;
    let body = res
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .map_err(|e| e.to_string())?;
    if res.status() != 200 {
        return Err(format!(
            "{}: {}",
            res.status(),
            String::from_utf8_lossy(&body)
        ));
    }
    serde_json::from_slice(&body).map_err(|e| e.to_string())
}

/// SIGKILL in the middle of a batch ingest and a run of message sends:
/// every message whose 201 the client received is stored; retrying every
/// send and the batch with their `Idempotency-Key`s completes them, and
/// nothing is stored twice.
async fn acknowledged_work_survives_sigkill(app: TestApp) {
    const SEEKERS: usize = 40;
    const OFFERS: usize = 3000;
    let w = world(&app).await;
    for i in 0..SEEKERS {
        seeker(&app, &w, &format!("k-{i}"), "both").await;
    }
    let list = app
        .call("GET", "/v1/profiles?limit=100", Some(&w.public), None)
        .await
        .json();
    let profiles: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["profile_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(profiles.len(), SEEKERS);
    let process = app.into_process().await;
    let pid = process.pid();
    let guidance = json!({"subject": "ご案内", "body": "介護職の求人があります"});

    let batch = post_batch(&process.app, &w.hw, "batch-1", offer_lines(OFFERS, 0));
    let sends = async {
        let mut acked = Vec::new();
        for (i, p) in profiles.iter().enumerate() {
            let key = format!("m-{i}");
            let a = process
                .app
                .client
                .post(process.app.url(&format!("/v1/profiles/{p}/messages")))
                .insert_header(("authorization", format!("Bearer {}", w.public)))
                .insert_header(("idempotency-key", key))
                .send_json(&guidance)
                .await;
            match a {
                Ok(mut r) if r.status() == 201 => {
                    let v: Value = r.json().await.unwrap();
                    acked.push((i, v));
                }
                _ => break,
            }
        }
        acked
    };
    let killer = async {
        tokio::time::sleep(Duration::from_millis(250)).await;
        signal(pid, "-KILL");
    };
    let (first_batch, acked, ()) = tokio::join!(batch, sends, killer);
    eprintln!(
        "killed with {} of {SEEKERS} sends acknowledged; first batch: {}",
        acked.len(),
        if first_batch.is_ok() {
            "answered"
        } else {
            "cut off"
        }
    );
    let mut process = process;
    process.kill();
    let process = process.restart();
    let app = &process.app;

    // Every acknowledged message is there.
    for (_, v) in &acked {
        let t = app
            .call(
                "GET",
                &format!("/v1/threads/{}", v["thread_id"].as_str().unwrap()),
                Some(&w.public),
                None,
            )
            .await;
        assert_eq!(t.status, 200, "{}", t.text());
        assert_eq!(t.json()["messages"][0]["message_id"], v["message_id"]);
    }
    // Retried with their keys, every send completes exactly once.
    for (i, p) in profiles.iter().enumerate() {
        let a = send_with_key(app, &w.public, p, Some(&format!("m-{i}")), guidance.clone()).await;
        assert_eq!(a.status, 201, "send {i}: {}", a.text());
        if let Some((_, v)) = acked.iter().find(|(j, _)| *j == i) {
            assert_eq!(a.json()["message_id"], v["message_id"], "send {i} replayed");
        }
    }
    let threads = app
        .call("GET", "/v1/threads?limit=100", Some(&w.public), None)
        .await
        .json();
    let threads = threads["items"].as_array().unwrap();
    assert_eq!(threads.len(), SEEKERS, "one thread per seeker");
    for t in threads {
        let id = t["thread_id"].as_str().unwrap();
        let read = app
            .call("GET", &format!("/v1/threads/{id}"), Some(&w.public), None)
            .await
            .json();
        assert_eq!(read["messages"].as_array().unwrap().len(), 1, "{read}");
    }
    // The batch, retried with its key, completes; each offer once.
    let retried = post_batch(app, &w.hw, "batch-1", offer_lines(OFFERS, 0))
        .await
        .expect("the retried batch completes");
    let results = retried["results"].as_array().unwrap();
    assert_eq!(results.len(), OFFERS);
    assert!(results.iter().all(|r| r["status"] != "error"), "{retried}");
    if let Ok(first) = first_batch {
        assert_eq!(first, retried, "a finished batch is replayed as it was");
    }
    assert_eq!(exported_numbers(app, &w.public).await.len(), OFFERS);
    drop(process);
}

backend_tests!(acknowledged_work_survives_sigkill);

/// SIGTERM while a batch is being applied: the batch finishes and is
/// answered in full, then the process exits cleanly.
async fn sigterm_drains_in_flight_requests(app: TestApp) {
    const OFFERS: usize = 2000;
    let w = world(&app).await;
    let process = app.into_process().await;
    let pid = process.pid();
    let batch = post_batch(&process.app, &w.hw, "drain-1", offer_lines(OFFERS, 50_000));
    let terminate = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        signal(pid, "-TERM");
    };
    let (answer, ()) = tokio::join!(batch, terminate);
    let answer = answer.expect("the in-flight batch is answered");
    assert_eq!(answer["results"].as_array().unwrap().len(), OFFERS);
    let status = process.terminate().await;
    assert!(status.success(), "{status}");
}

backend_tests!(sigterm_drains_in_flight_requests);

/// R8 across a Redis stall (SIGSTOP then SIGCONT): instance A (a process
/// of its own) suspends an organisation while Redis hangs, so its
/// write-through cannot reach Redis; B refuses the organisation's token
/// meanwhile. When Redis goes on, neither B nor a new instance serves the
/// organisation from what Redis held before, whether A is still there when
/// Redis returns (`a_outlives_the_stall`) or was killed before.
async fn a_suspension_during_a_redis_stall_never_comes_back(
    store: Store,
    a_outlives_the_stall: bool,
) {
    let Some(redis) = redis_url() else { return };
    let proxy = FaultProxy::start(FaultProxy::target_of(&redis)).await;
    let routed = proxy.route(&redis);
    let Some(first) = TestApp::spawn_with(store, |s| s.redis_url = Some(routed)).await else {
        return;
    };
    let w = world(&first).await;
    let b = first.another_instance().await;
    let mut a = first.into_process().await;
    let org = w.cast.org_id("org_private").to_owned();
    let own = format!("/v1/organisations/{org}");
    for app in [&a.app, &b] {
        // Cached in Redis as approved, through both instances.
        assert_eq!(
            app.call("GET", &own, Some(&w.private), None).await.status,
            200
        );
    }
    proxy.stall();
    let d = a
        .app
        .call(
            "POST",
            &format!("{own}/decisions"),
            Some(&w.bureau),
            Some(json!({"decision": "suspend", "reason": "調査中"})),
        )
        .await;
    assert_eq!(d.json()["status"], "suspended", "{}", d.text());
    b.call("GET", &own, Some(&w.private), None)
        .await
        .assert_problem(403, "access-revoked");
    if !a_outlives_the_stall {
        a.kill();
    }
    proxy.resume();
    // Whatever B asks from now on, through Redis or around it.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        let r = b.call("GET", &own, Some(&w.private), None).await;
        assert_eq!(r.status, 403, "{} after {:?}", r.text(), started.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let fresh = b.another_instance().await;
    for _ in 0..5 {
        fresh
            .call("GET", &own, Some(&w.private), None)
            .await
            .assert_problem(403, "access-revoked");
    }
    fresh.stop().await;
    b.stop().await;
    if a_outlives_the_stall {
        a.kill();
    }
}
mod a_suspension_during_a_redis_stall_never_comes_back {
    use crate::support::Store;

    #[actix_web::test]
    async fn sqlite_a_outlives_the_stall() {
        super::a_suspension_during_a_redis_stall_never_comes_back(Store::Sqlite, true).await;
    }

    #[actix_web::test]
    async fn sqlite_a_stops_first() {
        super::a_suspension_during_a_redis_stall_never_comes_back(Store::Sqlite, false).await;
    }

    #[actix_web::test]
    async fn postgres_a_outlives_the_stall() {
        super::a_suspension_during_a_redis_stall_never_comes_back(Store::Postgres, true).await;
    }

    #[actix_web::test]
    async fn postgres_a_stops_first() {
        super::a_suspension_during_a_redis_stall_never_comes_back(Store::Postgres, false).await;
    }
}
