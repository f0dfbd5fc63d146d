//! Seekers and profiles (issue 4): ingest, batch, consent, pseudonyms,
//! the full visibility matrix, search filters, audit and the sweeper.

use std::collections::BTreeSet;

use kyushoku_domain::consent::{profile_visible, Subject, Viewer};
use kyushoku_domain::{ConsentScope, OrganisationStatus, RegistrationStatus, Sector};
use serde_json::{json, Value};

use crate::backend_tests;
use crate::support::{Cast, Store, TestApp};

fn today() -> chrono::NaiveDate {
    kyushoku_domain::calendar::today_in_japan()
}

fn seeker(scope: &str, self_pr: &str) -> Value {
    json!({
        "consent_scope": scope,
        "valid_until": (today() + chrono::Duration::days(60)).to_string(),
        "profile": {
            "desired_occupations": ["08"],
            "work_locations": [{"prefecture": "13"}],
            "self_pr": self_pr
        }
    })
}

struct World {
    cast: Cast,
    hw: String,
    public: String,
    private: String,
    bureau: String,
}

async fn world(app: &TestApp) -> World {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let public = app.client_token(cast.get("org_public")).await;
    let private = app.client_token(cast.get("org_private")).await;
    let bureau = app.client_token(cast.get("bureau_13")).await;
    World {
        cast,
        hw,
        public,
        private,
        bureau,
    }
}

async fn put(app: &TestApp, token: &str, seeker_ref: &str, body: Value) -> crate::support::Answer {
    app.call(
        "PUT",
        &format!("/v1/seekers/{seeker_ref}"),
        Some(token),
        Some(body),
    )
    .await
}

/// All profiles `token` can see (following cursors), by self-PR.
async fn visible_markers(app: &TestApp, token: &str, query: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if query.is_empty() { "" } else { "&" };
        let path = match &cursor {
            Some(c) => format!("/v1/profiles?{query}{sep}limit=100&cursor={c}"),
            None => format!("/v1/profiles?{query}{sep}limit=100"),
        };
        let a = app.call("GET", &path, Some(token), None).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        let page = a.json();
        for item in page["items"].as_array().unwrap() {
            out.insert(item["profile"]["self_pr"].as_str().unwrap_or("").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

async fn visible_count(app: &TestApp, token: &str, query: String) -> usize {
    visible_markers(app, token, &query).await.len()
}

fn seeker_id(app: &TestApp, seeker_ref: &str) -> kyushoku_store::SeekerId {
    let r = seeker_ref.to_owned();
    app.state()
        .db
        .run(move |c| kyushoku_store::seekers::find_by_ref(c, &r))
        .unwrap()
        .unwrap()
        .id
}

fn org_internal_id(app: &TestApp, public_id: &str) -> kyushoku_store::OrganisationId {
    let p = public_id.to_owned();
    app.state()
        .db
        .run(move |c| kyushoku_store::organisations::find(c, &p))
        .unwrap()
        .unwrap()
        .id
}

async fn ingest_creates_replaces_and_reports_what_was_masked(app: TestApp) {
    let w = world(&app).await;
    let mut body = seeker(
        "both",
        "介護の経験5年。連絡は090-1234-5678、mail: a@example.jp まで。",
    );
    body["profile"]["work_history"] =
        json!([{"occupation": "080", "years": 5, "duties": "〒160-0022 の施設で勤務"}]);
    let a = put(&app, &w.hw, "ref-001", body.clone()).await;
    assert_eq!(a.status, 201, "{}", a.text());
    let stored = a.json();
    assert_eq!(stored["status"], "created");
    assert_eq!(
        stored["masked"],
        json!({"phone": 1, "email": 1, "url": 0, "postal_code": 1, "individual_number": 0,
               "name": 0, "address": 0, "birth_date": 0, "handle": 0})
    );
    let a = put(&app, &w.hw, "ref-001", body).await;
    assert_eq!(
        (a.status.as_u16(), a.json()["status"].clone()),
        (200, json!("updated"))
    );
    // What organisations see is scrubbed.
    let items = app
        .call("GET", "/v1/profiles", Some(&w.public), None)
        .await
        .json();
    let pr = items["items"][0]["profile"]["self_pr"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        pr.contains("[電話番号]") && pr.contains("[メール]") && !pr.contains("5678"),
        "{pr}"
    );
    assert!(pr.contains("介護の経験5年"));
    // Only the Hello Work system ingests.
    put(&app, &w.public, "ref-002", seeker("both", "x"))
        .await
        .assert_problem(403, "forbidden");
    put(&app, &w.bureau, "ref-002", seeker("both", "x"))
        .await
        .assert_problem(403, "forbidden");
}

async fn ingest_refuses_bad_and_personal_fields(app: TestApp) {
    let w = world(&app).await;
    let mut bad = seeker("sometimes", "x");
    bad["profile"]["desired_occupations"] = json!(["08", "09", "10", "11"]);
    bad["profile"]["desired_wage"] = json!({"kind": "monthly", "min": 10});
    bad["valid_until"] = json!("2099-01-01");
    let p = put(&app, &w.hw, "ref-bad", bad)
        .await
        .assert_problem(422, "validation");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "consent_scope",
        "valid_until",
        "profile.desired_occupations",
        "profile.desired_wage.min",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    for personal in ["name", "birth_date", "sex", "address", "phone"] {
        let mut body = seeker("both", "x");
        body["profile"][personal] = json!("山田花子");
        let a = put(&app, &w.hw, "ref-bad", body).await;
        a.assert_problem(422, "validation");
        assert!(!a.text().contains("山田花子"));
    }
    put(&app, &w.hw, "bad%20ref!", seeker("both", "x"))
        .await
        .assert_problem(422, "validation");
    put(&app, &w.hw, &"r".repeat(65), seeker("both", "x"))
        .await
        .assert_problem(422, "validation");
    // Nothing was stored by any of these.
    assert!(visible_markers(&app, &w.public, "").await.is_empty());
}

fn ndjson(lines: &[String]) -> Vec<u8> {
    lines.join("\n").into_bytes()
}

async fn batch(
    app: &TestApp,
    token: &str,
    key: Option<&str>,
    body: Vec<u8>,
) -> crate::support::Answer {
    let mut req = app
        .client
        .post(app.url("/v1/seekers/batch"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("content-type", "application/x-ndjson"));
    if let Some(k) = key {
        req = req.insert_header(("idempotency-key", k));
    }
    app.send(req, Some(body)).await
}

async fn batch_applies_good_lines_and_reports_bad_ones(app: TestApp) {
    let w = world(&app).await;
    let line = |r: &str, scope: &str| {
        let mut v = seeker(scope, &format!("batch-{r}"));
        v["seeker_ref"] = json!(r);
        v.to_string()
    };
    let body = ndjson(&[
        line("b1", "both"),
        "{not json".into(),
        line("b2", "nonsense"),
        String::new(),
        line("b3", "public_only"),
        json!({"seeker_ref": "b4", "consent_scope": "both", "valid_until": "2026-12-31", "profile": {"desired_occupations": ["08"]}, "name": "x"}).to_string(),
    ]);
    let a = batch(&app, &w.hw, Some("key-1"), body.clone()).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let results = a.json()["results"].as_array().unwrap().clone();
    let summary: Vec<(u64, &str)> = results
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, "created"),
            (2, "error"),
            (3, "error"),
            (5, "created"),
            (6, "error")
        ]
    );
    assert_eq!(
        results[1]["problem"]["type"],
        "urn:kyushoku:problem:malformed-request"
    );
    assert_eq!(results[2]["problem"]["errors"][0]["field"], "consent_scope");
    assert_eq!(results[2]["seeker_ref"], "b2");
    let seen = visible_markers(&app, &w.public, "").await;
    assert_eq!(
        seen,
        BTreeSet::from(["batch-b1".to_owned(), "batch-b3".to_owned()])
    );
    // The same key and body: the first answer, nothing applied twice.
    let again = batch(&app, &w.hw, Some("key-1"), body.clone()).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), a.json());
    // The same key with another body is refused.
    let other = ndjson(&[line("b9", "both")]);
    batch(&app, &w.hw, Some("key-1"), other)
        .await
        .assert_problem(422, "validation");
    assert!(!visible_markers(&app, &w.public, "")
        .await
        .contains("batch-b9"));
    // Wrong media type, wrong principal.
    app.post_raw("/v1/seekers/batch", "application/json", "{}")
        .await
        .assert_problem(401, "unauthorized");
    let req = app
        .client
        .post(app.url("/v1/seekers/batch"))
        .insert_header(("authorization", format!("Bearer {}", w.hw)))
        .insert_header(("content-type", "application/json"));
    app.send(req, Some(b"{}".to_vec()))
        .await
        .assert_problem(415, "unsupported-media-type");
    batch(&app, &w.public, None, ndjson(&[line("b8", "both")]))
        .await
        .assert_problem(403, "forbidden");
}

/// A batch's group is written whole (few statements for all its lines)
/// when its lines name distinct seekers, and line by line when one is named
/// twice: either way every line ends as if written alone, in order —
/// creations, replacements (their filters' rows written again), scope
/// changes in the ledger, R14's counts.
async fn a_group_written_whole_is_the_same_as_line_by_line(app: TestApp) {
    let w = world(&app).await;
    let line = |r: &str, scope: &str, city: &str, marker: &str| {
        json!({
            "seeker_ref": r, "consent_scope": scope,
            "valid_until": (today() + chrono::Duration::days(60)).to_string(),
            "profile": {"desired_occupations": ["08"],
                        "work_locations": [{"prefecture": "13", "municipality": city}],
                        "self_pr": marker}
        })
        .to_string()
    };
    let statuses = |a: &crate::support::Answer| -> Vec<String> {
        a.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = batch(
        &app,
        &w.hw,
        None,
        ndjson(&[
            line("g1", "both", "131016", "g1-a"),
            line("g2", "both", "131016", "g2-a"),
            line("g3", "both", "131024", "g3-a"),
        ]),
    )
    .await;
    assert_eq!(statuses(&first), ["created", "created", "created"]);
    // Distinct seekers: written whole. g1 narrows its scope, g2 moves.
    let second = batch(
        &app,
        &w.hw,
        None,
        ndjson(&[
            line("g1", "public_only", "131016", "g1-b"),
            line("g4", "both", "131024", "g4-a"),
            line("g2", "both", "131024", "g2-b"),
        ]),
    )
    .await;
    assert_eq!(statuses(&second), ["updated", "created", "updated"]);
    // A seeker named twice: line by line, the later line wins.
    let third = batch(
        &app,
        &w.hw,
        None,
        ndjson(&[
            line("g5", "both", "131016", "g5-a"),
            line("g5", "both", "131024", "g5-b"),
        ]),
    )
    .await;
    assert_eq!(statuses(&third), ["created", "updated"]);
    let chiyoda_private = visible_markers(&app, &w.private, "municipality=131016").await;
    assert!(!chiyoda_private.contains("g1-b"), "g1 is public only now");
    assert!(
        !chiyoda_private.contains("g2-a") && !chiyoda_private.contains("g2-b"),
        "g2 moved"
    );
    assert!(!chiyoda_private.contains("g5-a"), "g5 moved");
    let chuo = visible_markers(&app, &w.public, "municipality=131024").await;
    for marker in ["g2-b", "g3-a", "g4-a", "g5-b"] {
        assert!(chuo.contains(marker), "{marker} in {chuo:?}");
    }
    assert!(visible_markers(&app, &w.public, "municipality=131016")
        .await
        .contains("g1-b"));
    // The ledger: one entry per creation, one for g1's narrowing.
    let g1 = seeker_id(&app, "g1");
    let entries = app
        .state()
        .db
        .run(move |c| {
            use diesel::prelude::*;
            use kyushoku_store::schema::consent_ledger;
            Ok(consent_ledger::table
                .filter(consent_ledger::seeker_id.eq(g1))
                .select(consent_ledger::new_scope)
                .order(consent_ledger::id.asc())
                .load::<String>(c)?)
        })
        .unwrap();
    assert_eq!(entries, ["both", "public_only"]);
}

/// Several uploaders at once, each line a transaction that reads before it
/// writes: on SQLite that only works if the write lock is taken first
/// (a deferred transaction fails at once with "database is locked").
async fn concurrent_batches_all_apply(app: TestApp) {
    let w = world(&app).await;
    let body = |uploader: usize, scope: &str| {
        let mut lines: Vec<String> = (0..120)
            .map(|i| {
                // Uploaders 0/1 and 2/3 share their references: creates
                // race with updates of the same seekers.
                let mut v = seeker(scope, &format!("c{}-{i}", uploader / 2));
                v["seeker_ref"] = json!(format!("conc-{}-{i}", uploader / 2));
                v.to_string()
            })
            .collect();
        // And in opposite orders: lines stored in one transaction per group
        // then lock the same rows the other way round (a deadlock on
        // PostgreSQL, which must cost no line).
        if uploader % 2 == 1 {
            lines.reverse();
        }
        ndjson(&lines)
    };
    let scopes = ["both", "public_only", "both", "private_only"];
    let answers = futures_util::future::join_all(
        scopes
            .iter()
            .enumerate()
            .map(|(n, scope)| batch(&app, &w.hw, None, body(n, scope))),
    )
    .await;
    for a in &answers {
        assert_eq!(a.status, 200, "{}", a.text());
        for r in a.json()["results"].as_array().unwrap() {
            let status = r["status"].as_str().unwrap();
            assert!(status == "created" || status == "updated", "{r}");
        }
    }
    // 240 seekers, each stored once, in the scope of whichever uploader
    // came last: every one of them visible to one sector or the other.
    let mut seen = visible_markers(&app, &w.private, "").await;
    seen.extend(visible_markers(&app, &w.public, "").await);
    assert_eq!(seen.len(), 240);
    let ids: BTreeSet<kyushoku_store::SeekerId> = (0..2)
        .flat_map(|k| (0..120).map(move |i| format!("conc-{k}-{i}")))
        .map(|r| seeker_id(&app, &r))
        .collect();
    assert_eq!(ids.len(), 240);
}

async fn batch_line_limit_is_enforced(app: TestApp) {
    let w = world(&app).await;
    let lines: Vec<String> = (0..6)
        .map(|i| {
            let mut v = seeker("both", "x");
            v["seeker_ref"] = json!(format!("l{i}"));
            v.to_string()
        })
        .collect();
    batch(&app, &w.hw, None, ndjson(&lines))
        .await
        .assert_problem(413, "payload-too-large");
    assert!(
        visible_markers(&app, &w.public, "").await.is_empty(),
        "nothing applied"
    );
}

/// The full R1 matrix through HTTP: 4 scopes × 4 registration states ×
/// blocked by nobody / the public / the private organisation, seen by a
/// public and a private organisation; plus organisations that are
/// suspended or lack the service, who may not search at all.
async fn visibility_matrix(app: TestApp) {
    let w = world(&app).await;
    let public_id = org_internal_id(&app, w.cast.org_id("org_public"));
    let private_id = org_internal_id(&app, w.cast.org_id("org_private"));
    let states = ["active", "expired", "placed", "withdrawn"];
    let blockers = ["nobody", "public", "private"];
    let mut expected_public = BTreeSet::new();
    let mut expected_private = BTreeSet::new();
    let mut all = Vec::new();
    for scope in ConsentScope::ALL {
        for state in states {
            for blocker in blockers {
                let marker = format!("m-{}-{state}-{blocker}", scope.as_str());
                let mut body = seeker(scope.as_str(), &marker);
                if state == "expired" {
                    body["valid_until"] = json!((today() - chrono::Duration::days(1)).to_string());
                }
                let a = put(&app, &w.hw, &marker, body).await;
                assert_eq!(a.status, 201, "{}", a.text());
                if state == "placed" || state == "withdrawn" {
                    let d = app
                        .call(
                            "DELETE",
                            &format!("/v1/seekers/{marker}?reason={state}"),
                            Some(&w.hw),
                            None,
                        )
                        .await;
                    assert_eq!(d.status, 204);
                }
                let sid = seeker_id(&app, &marker);
                let blocked_org = match blocker {
                    "public" => Some(public_id),
                    "private" => Some(private_id),
                    _ => None,
                };
                if let Some(o) = blocked_org {
                    app.state()
                        .db
                        .run(|c| kyushoku_store::seekers::block(c, sid, o))
                        .unwrap();
                }
                let status = RegistrationStatus::parse(state).unwrap();
                let subject = |blocked: bool| Subject {
                    status: if state == "expired" {
                        RegistrationStatus::Active
                    } else {
                        status
                    },
                    within_validity: state != "expired",
                    scope,
                    blocked,
                };
                let viewer = |sector| Viewer {
                    status: OrganisationStatus::Approved,
                    has_service: true,
                    sector: Some(sector),
                };
                if profile_visible(viewer(Sector::Public), subject(blocker == "public")) {
                    expected_public.insert(marker.clone());
                }
                if profile_visible(viewer(Sector::Private), subject(blocker == "private")) {
                    expected_private.insert(marker.clone());
                }
                all.push((marker, sid));
            }
        }
    }
    assert_eq!(all.len(), 48);
    // R1 holds on every walk a search can take (migration 000009): the
    // recency index, the occupation's order rows, the prefecture's (also
    // for a major group in a prefecture). Every seeker here wants 08 in 13.
    for query in [
        "",
        "occupation=08",
        "prefecture=13",
        "occupation=08&prefecture=13",
    ] {
        assert_eq!(
            visible_markers(&app, &w.public, query).await,
            expected_public,
            "{query}"
        );
        assert_eq!(
            visible_markers(&app, &w.private, query).await,
            expected_private,
            "{query}"
        );
    }
    // 4 visible each way: both/public_only (or private_only) × active × not blocked by them.
    assert_eq!(expected_public.len(), 4);
    assert_eq!(expected_private.len(), 4);
    // Reads agree with searches, and everything else is a plain 404.
    for (token, org, expected) in [
        (&w.public, w.cast.org_id("org_public"), &expected_public),
        (&w.private, w.cast.org_id("org_private"), &expected_private),
    ] {
        let pseudonyms = app.state().pseudonyms.for_organisation(org);
        for (marker, sid) in &all {
            let a = app
                .call(
                    "GET",
                    &format!("/v1/profiles/{}", pseudonyms.encode(sid.get())),
                    Some(token),
                    None,
                )
                .await;
            if expected.contains(marker) {
                assert_eq!(a.status, 200, "{marker}");
                assert_eq!(a.json()["profile"]["self_pr"], marker.as_str());
            } else {
                let p = a.assert_problem(404, "not-found");
                assert!(
                    p.get("detail").is_none(),
                    "{marker}: nothing said about why"
                );
            }
        }
    }
    // An organisation approved without seeker_info, and a suspended one.
    let pending = w.cast.org_id("org_pending");
    app.call(
        "POST",
        &format!("/v1/organisations/{pending}/decisions"),
        Some(&w.bureau),
        Some(json!({"decision": "approve", "reason": "求人のみ", "services": ["job_offers"]})),
    )
    .await;
    let offers_only = app.client_token(w.cast.get("org_pending")).await;
    app.call("GET", "/v1/profiles", Some(&offers_only), None)
        .await
        .assert_problem(403, "forbidden");
    let private_org = w.cast.org_id("org_private");
    app.call(
        "POST",
        &format!("/v1/organisations/{private_org}/decisions"),
        Some(&w.bureau),
        Some(json!({"decision": "suspend", "reason": "調査中"})),
    )
    .await;
    app.call("GET", "/v1/profiles", Some(&w.private), None)
        .await
        .assert_problem(403, "access-revoked");
    let fresh = app.client_token(w.cast.get("org_private")).await;
    app.call("GET", "/v1/profiles", Some(&fresh), None)
        .await
        .assert_problem(403, "organisation-not-approved");
    // Bureaus and Hello Work do not browse profiles.
    app.call("GET", "/v1/profiles", Some(&w.bureau), None)
        .await
        .assert_problem(403, "forbidden");
    app.call("GET", "/v1/profiles", Some(&w.hw), None)
        .await
        .assert_problem(403, "forbidden");
}

async fn pseudonyms_are_stable_per_organisation_and_unlinkable(app: TestApp) {
    let w = world(&app).await;
    put(&app, &w.hw, "pseudo-1", seeker("both", "pseudo")).await;
    let id_of = |v: Value| v["items"][0]["profile_id"].as_str().unwrap().to_owned();
    let a1 = id_of(
        app.call("GET", "/v1/profiles", Some(&w.public), None)
            .await
            .json(),
    );
    let a2 = id_of(
        app.call("GET", "/v1/profiles", Some(&w.public), None)
            .await
            .json(),
    );
    let b1 = id_of(
        app.call("GET", "/v1/profiles", Some(&w.private), None)
            .await
            .json(),
    );
    assert_eq!(a1, a2, "stable for the pair");
    assert_ne!(a1, b1, "different for each organisation");
    assert_eq!(
        app.call("GET", &format!("/v1/profiles/{a1}"), Some(&w.public), None)
            .await
            .status,
        200
    );
    // Another organisation's pseudonym, garbage, and a near miss: all 404.
    let mut near = a1.clone().into_bytes();
    near[0] = if near[0] == b'A' { b'B' } else { b'A' };
    for bad in [
        b1.clone(),
        "garbage".into(),
        String::from_utf8(near).unwrap(),
        "x".repeat(22),
    ] {
        app.call("GET", &format!("/v1/profiles/{bad}"), Some(&w.public), None)
            .await
            .assert_problem(404, "not-found");
    }
    // The pseudonym is not the seeker_ref nor the internal id.
    assert!(!a1.contains("pseudo"));
    assert_ne!(a1, seeker_id(&app, "pseudo-1").get().to_string());
}

async fn search_filters_and_pagination(app: TestApp) {
    let w = world(&app).await;
    let seekers = [
        (
            "f-care",
            json!({"desired_occupations": ["081-02"], "work_locations": [{"prefecture": "13", "municipality": "131041"}],
            "employment_types": ["full_time"], "desired_wage": {"kind": "monthly", "min": 250000},
            "qualifications": [{"name": "介護福祉士"}], "self_pr": "特養で介護を5年"}),
        ),
        (
            "f-office",
            json!({"desired_occupations": ["06"], "work_locations": [{"prefecture": "27"}],
            "employment_types": ["part_time"], "desired_wage": {"kind": "hourly", "min": 1200},
            "qualifications": [{"name": "日商簿記2級", "code": "BOKI2"}], "self_pr": "ＥＸＣＥＬでの集計が得意"}),
        ),
        (
            "f-driver",
            json!({"desired_occupations": ["130"], "work_locations": [{"prefecture": "13"}],
            "employment_types": ["full_time", "contract"], "self_pr": "配送ドライバー歴10年、100%安全運転"}),
        ),
    ];
    for (r, p) in &seekers {
        let body = json!({"consent_scope": "both", "valid_until": (today() + chrono::Duration::days(30)).to_string(), "profile": p});
        let a = put(&app, &w.hw, r, body).await;
        assert_eq!(a.status, 201, "{}", a.text());
    }
    let count = |q: String| visible_count(&app, &w.public, q);
    assert_eq!(count(String::from("")).await, 3);
    assert_eq!(
        count(String::from("occupation=08")).await,
        1,
        "a major group matches its minor groups"
    );
    assert_eq!(count(String::from("occupation=081")).await, 1);
    assert_eq!(count(String::from("occupation=081-02")).await, 1);
    assert_eq!(count(String::from("occupation=082")).await, 0);
    assert_eq!(count(String::from("prefecture=13")).await, 2);
    assert_eq!(count(String::from("municipality=131041")).await, 1);
    assert_eq!(count(String::from("employment_type=full_time")).await, 2);
    assert_eq!(count(String::from("employment_type=contract")).await, 1);
    assert_eq!(
        count(String::from("wage_min=300000")).await,
        2,
        "the care seeker accepts 300,000; the driver named no wage"
    );
    assert_eq!(
        count(String::from("wage_min=200000")).await,
        1,
        "only the driver, who named none"
    );
    assert_eq!(
        count(String::from("wage_min=1300&wage_kind=hourly")).await,
        2
    );
    assert_eq!(
        count(String::from(
            "qualification=%E4%BB%8B%E8%AD%B7%E7%A6%8F%E7%A5%89%E5%A3%AB"
        ))
        .await,
        1
    );
    assert_eq!(count(String::from("qualification=BOKI2")).await, 1);
    // Keywords work for Japanese, two characters included, and across widths.
    assert_eq!(count(String::from("q=%E4%BB%8B%E8%AD%B7")).await, 1, "介護");
    assert_eq!(
        count(String::from("q=excel")).await,
        1,
        "full-width ＥＸＣＥＬ matches excel"
    );
    assert_eq!(
        count(String::from("q=100%25")).await,
        1,
        "a % is a character, not a wildcard"
    );
    assert_eq!(count(String::from("q=%25")).await, 1);
    assert_eq!(count(String::from("q=zzz")).await, 0);
    // Profiles show (and filter by) the day they changed: tomorrow finds
    // nothing.
    let future = (chrono::Utc::now() + chrono::Duration::days(1))
        .to_rfc3339()
        .replace('+', "%2B");
    assert_eq!(count(format!("updated_since={future}")).await, 0);
    // Pagination: full pages, stable, no duplicates.
    let first = app
        .call("GET", "/v1/profiles?limit=2", Some(&w.public), None)
        .await
        .json();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .call(
            "GET",
            &format!("/v1/profiles?limit=2&cursor={cursor}"),
            Some(&w.public),
            None,
        )
        .await
        .json();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert!(second["next_cursor"].is_null());
    for bad in [
        "limit=101",
        "limit=0",
        "occupation=16",
        "prefecture=48",
        "municipality=131040",
        "employment_type=gig",
        "wage_kind=yearly",
        "sort=name",
    ] {
        app.call("GET", &format!("/v1/profiles?{bad}"), Some(&w.public), None)
            .await
            .assert_problem(422, "validation");
    }
    app.call("GET", "/v1/profiles?cursor=abc", Some(&w.public), None)
        .await
        .assert_problem(400, "invalid-cursor");
}

/// The self-PR markers of every profile a search shows, page by page, in
/// the order shown.
async fn ordered_markers(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/profiles?{query}&limit=5&cursor={c}"),
            None => format!("/v1/profiles?{query}&limit=5"),
        };
        let page = app.call("GET", &path, Some(token), None).await.json();
        for item in page["items"].as_array().unwrap() {
            out.push(item["profile"]["self_pr"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// A search by municipality, occupation, prefecture or qualification walks
/// that filter's own order rows (migrations 000009, 000011, 000020); it
/// must show exactly the
/// matching part of the whole, each seeker once,
/// in the same newest-first order, across pages, after updates, an ended
/// registration and its return.
async fn filtered_searches_keep_the_order_of_the_whole(app: TestApp) {
    let w = world(&app).await;
    let occupations = ["08", "06", "130"];
    let prefectures = ["13", "27", "14"];
    let municipalities = ["131041", "271004", "141003"];
    let profile = |i: usize| {
        json!({"consent_scope": "both", "valid_until": (today() + chrono::Duration::days(30)).to_string(),
            "profile": {"desired_occupations": [occupations[i % 3]],
                "work_locations": [{"prefecture": prefectures[(i / 3) % 3],
                                    "municipality": if i % 2 == 0 { json!(municipalities[(i / 3) % 3]) } else { Value::Null }},
                                   {"prefecture": prefectures[(i / 3) % 3]}],
                "employment_types": [if i % 2 == 0 { "full_time" } else { "part_time" }],
                // The code twice (a name and a code): the seeker is shown once.
                "qualifications": [{"name": format!("Q{}", i % 4), "code": format!("Q{}", i % 4)},
                                   {"name": "licence", "code": format!("Q{}", i % 4)}],
                "self_pr": format!("order-{i}")}})
    };
    for i in 0..24 {
        assert_eq!(
            put(&app, &w.hw, &format!("o-{i}"), profile(i)).await.status,
            201
        );
    }
    // Older ones written again move to the top.
    for i in [0, 5, 10] {
        assert_eq!(
            put(&app, &w.hw, &format!("o-{i}"), profile(i)).await.status,
            200
        );
    }
    // An ended registration: its order rows follow its seekers row.
    app.call(
        "DELETE",
        "/v1/seekers/o-8?reason=withdrawn",
        Some(&w.hw),
        None,
    )
    .await;
    let id = seeker_id(&app, "o-8");
    let (seeker_at, order_at) = app
        .state()
        .db
        .run(move |c| {
            use diesel::prelude::*;
            use kyushoku_store::schema::{
                seeker_municipalities, seeker_occupations, seeker_prefectures,
                seeker_qualifications, seekers,
            };
            let s: chrono::NaiveDateTime = seekers::table
                .find(id)
                .select(seekers::updated_at)
                .get_result(c)?;
            let mut o: Vec<chrono::NaiveDateTime> = seeker_occupations::table
                .filter(seeker_occupations::seeker_id.eq(id))
                .select(seeker_occupations::updated_at)
                .load(c)?;
            o.extend(
                seeker_prefectures::table
                    .filter(seeker_prefectures::seeker_id.eq(id))
                    .select(seeker_prefectures::updated_at)
                    .load::<chrono::NaiveDateTime>(c)?,
            );
            o.extend(
                seeker_municipalities::table
                    .filter(seeker_municipalities::seeker_id.eq(id))
                    .select(seeker_municipalities::updated_at)
                    .load::<chrono::NaiveDateTime>(c)?,
            );
            o.extend(
                seeker_qualifications::table
                    .filter(seeker_qualifications::seeker_id.eq(id))
                    .select(seeker_qualifications::updated_at)
                    .load::<chrono::NaiveDateTime>(c)?,
            );
            Ok::<_, kyushoku_store::StoreError>((s, o))
        })
        .unwrap();
    assert_eq!(
        order_at.len(),
        6,
        "an occupation (130) with its group (13), a prefecture, a municipality, Qn and licence"
    );
    assert!(order_at.iter().all(|t| *t == seeker_at));
    assert_eq!(put(&app, &w.hw, "o-8", profile(8)).await.status, 200);

    let whole = ordered_markers(&app, &w.public, "").await;
    assert_eq!(whole.len(), 24);
    assert_eq!(&whole[..2], ["order-8", "order-10"]);
    let of = |m: &str| m.trim_start_matches("order-").parse::<usize>().unwrap();
    let cases: [(&str, &dyn Fn(usize) -> bool); 12] = [
        ("municipality=131041", &|i| i % 2 == 0 && (i / 3) % 3 == 0),
        ("municipality=271004&occupation=08", &|i| {
            i % 2 == 0 && (i / 3) % 3 == 1 && i % 3 == 0
        }),
        ("municipality=141003&q=order-1", &|i| {
            i % 2 == 0 && (i / 3) % 3 == 2 && i.to_string().starts_with('1')
        }),
        ("municipality=131041&qualification=Q2&prefecture=13", &|i| {
            i % 2 == 0 && (i / 3) % 3 == 0 && i % 4 == 2
        }),
        ("occupation=08", &|i| i % 3 == 0),
        ("prefecture=27", &|i| (i / 3) % 3 == 1),
        ("occupation=06&prefecture=14", &|i| {
            i % 3 == 1 && (i / 3) % 3 == 2
        }),
        ("prefecture=13&employment_type=part_time", &|i| {
            (i / 3) % 3 == 0 && i % 2 == 1
        }),
        ("occupation=130&q=order", &|i| i % 3 == 2),
        ("qualification=Q1", &|i| i % 4 == 1),
        ("qualification=Q2&employment_type=full_time", &|i| {
            i % 4 == 2
        }),
        ("qualification=Q3&occupation=06", &|i| {
            i % 4 == 3 && i % 3 == 1
        }),
    ];
    for (query, matches) in cases {
        let expected: Vec<String> = whole.iter().filter(|m| matches(of(m))).cloned().collect();
        assert!(!expected.is_empty(), "{query}");
        assert_eq!(
            ordered_markers(&app, &w.public, query).await,
            expected,
            "{query}"
        );
    }
}

async fn narrowing_consent_hides_at_once_and_is_ledgered(app: TestApp) {
    let w = world(&app).await;
    put(&app, &w.hw, "c-1", seeker("both", "consent")).await;
    assert_eq!(visible_markers(&app, &w.private, "").await.len(), 1);
    put(&app, &w.hw, "c-1", seeker("public_only", "consent")).await;
    assert!(
        visible_markers(&app, &w.private, "").await.is_empty(),
        "private agencies lose sight at once"
    );
    assert_eq!(visible_markers(&app, &w.public, "").await.len(), 1);
    put(&app, &w.hw, "c-1", seeker("none", "consent")).await;
    assert!(visible_markers(&app, &w.public, "").await.is_empty());
    let sid = seeker_id(&app, "c-1");
    let history = app
        .state()
        .db
        .run(|c| kyushoku_store::seekers::consent_history(c, sid))
        .unwrap();
    let changes: Vec<(Option<String>, String, String)> = history
        .into_iter()
        .map(|h| {
            (
                h.old_scope.map(|s| s.as_str().to_owned()),
                h.new_scope.as_str().to_owned(),
                h.channel.as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (None, "both".into(), "hello_work".into()),
            (
                Some("both".into()),
                "public_only".into(),
                "hello_work".into()
            ),
            (
                Some("public_only".into()),
                "none".into(),
                "hello_work".into()
            ),
        ]
    );
}

async fn ending_a_registration_hides_it_everywhere(app: TestApp) {
    let w = world(&app).await;
    put(&app, &w.hw, "e-1", seeker("both", "ending")).await;
    let id = app
        .call("GET", "/v1/profiles", Some(&w.public), None)
        .await
        .json()["items"][0]["profile_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = app
        .call(
            "DELETE",
            "/v1/seekers/e-1?reason=promoted",
            Some(&w.hw),
            None,
        )
        .await;
    a.assert_problem(422, "validation");
    assert_eq!(
        app.call("DELETE", "/v1/seekers/e-1?reason=placed", Some(&w.hw), None)
            .await
            .status,
        204
    );
    assert!(visible_markers(&app, &w.public, "").await.is_empty());
    app.call("GET", &format!("/v1/profiles/{id}"), Some(&w.public), None)
        .await
        .assert_problem(404, "not-found");
    app.call(
        "DELETE",
        "/v1/seekers/nobody?reason=placed",
        Some(&w.hw),
        None,
    )
    .await
    .assert_problem(404, "not-found");
    app.call(
        "DELETE",
        "/v1/seekers/e-1?reason=placed",
        Some(&w.public),
        None,
    )
    .await
    .assert_problem(403, "forbidden");
    // The sweeper purges ended registrations past the retention period.
    let sweep = kyushoku::server::sweep_once(&app.state().db, 0).unwrap();
    assert_eq!(sweep.purged, 1);
    let row = app
        .state()
        .db
        .run(|c| kyushoku_store::seekers::find_by_ref(c, "e-1"))
        .unwrap()
        .unwrap();
    assert!(row.profile.is_none(), "the profile is gone");
    assert_eq!(
        kyushoku::server::sweep_once(&app.state().db, 0)
            .unwrap()
            .purged,
        0
    );
}

async fn the_audit_trail_answers_who_saw_whom(app: TestApp) {
    let w = world(&app).await;
    put(&app, &w.hw, "a-1", seeker("both", "audited")).await;
    put(&app, &w.hw, "a-2", seeker("public_only", "audited too")).await;
    let list = app
        .call("GET", "/v1/profiles", Some(&w.public), None)
        .await
        .json();
    let a1 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["profile"]["self_pr"] == "audited")
        .unwrap();
    let id = a1["profile_id"].as_str().unwrap().to_owned();
    app.call("GET", &format!("/v1/profiles/{id}"), Some(&w.public), None)
        .await;
    app.call("GET", "/v1/profiles", Some(&w.private), None)
        .await;
    // Who saw a-1: both organisations' searches and the public one's read.
    let who = app
        .call("GET", "/v1/audit?seeker_ref=a-1", Some(&w.bureau), None)
        .await
        .json();
    let events = who["items"].as_array().unwrap();
    let orgs: BTreeSet<&str> = events
        .iter()
        .map(|e| e["organisation_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        orgs,
        BTreeSet::from([w.cast.org_id("org_public"), w.cast.org_id("org_private")])
    );
    assert!(events.iter().any(|e| e["action"] == "profile_read"));
    // Who saw a-2 (public only): the public organisation alone.
    let who = app
        .call("GET", "/v1/audit?seeker_ref=a-2", Some(&w.bureau), None)
        .await
        .json();
    assert!(who["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["organisation_id"] == w.cast.org_id("org_public")));
    // What did the private organisation see: its search, with the seekers shown.
    let private = w.cast.org_id("org_private");
    let what = app
        .call(
            "GET",
            &format!("/v1/audit?organisation_id={private}&action=profile_search"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(what["items"][0]["seeker_refs"], json!(["a-1"]));
    // On PostgreSQL the trail is partitioned by month: nothing fell into
    // the default partitions.
    if app.store == Store::Postgres {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count = |sql: &'static str| {
            app.state()
                .db
                .run(move |c| match c {
                    kyushoku_store::DbConn::Postgresql(pg) => {
                        Ok(diesel::sql_query(sql).get_result::<N>(pg)?.n)
                    }
                    _ => unreachable!(),
                })
                .unwrap()
        };
        assert_eq!(
            count("SELECT count(*) AS n FROM ONLY audit_events_default"),
            0
        );
        // The seekers shown are listed on the events themselves.
        assert!(count("SELECT count(*) AS n FROM audit_events WHERE seeker_ids IS NOT NULL") >= 3);
    }
}

/// R9: a search records exactly the page it showed, in the order shown (not
/// the row it reads to tell there is a next page), with the number shown;
/// a search that showed nothing is recorded too, listing no one.
async fn a_search_records_the_page_it_showed(app: TestApp) {
    let w = world(&app).await;
    for r in ["p-1", "p-2", "p-3"] {
        put(&app, &w.hw, r, seeker("both", "paged")).await;
    }
    let private = w.cast.org_id("org_private");
    let newest_search = || async {
        let path = format!("/v1/audit?organisation_id={private}&action=profile_search&limit=1");
        app.call("GET", &path, Some(&w.bureau), None).await.json()["items"][0].clone()
    };
    let search = |query: String| {
        let (app, token) = (&app, &w.private);
        async move {
            let path = format!("/v1/profiles?{query}");
            app.call("GET", &path, Some(token), None).await.json()
        }
    };
    let first = search("limit=2".into()).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let event = newest_search().await;
    assert_eq!(event["seeker_refs"], json!(["p-3", "p-2"]));
    assert_eq!(event["detail"], json!({"results": 2}));
    let cursor = first["next_cursor"].as_str().unwrap();
    let next = search(format!("limit=2&cursor={cursor}")).await;
    assert_eq!(next["items"].as_array().unwrap().len(), 1);
    assert_eq!(next["next_cursor"], Value::Null);
    let event = newest_search().await;
    assert_eq!(event["seeker_refs"], json!(["p-1"]));
    assert_eq!(event["detail"], json!({"results": 1}));
    let none = search("occupation=01".into()).await;
    assert_eq!(none["items"], json!([]));
    let event = newest_search().await;
    assert_eq!(event["seeker_refs"], Value::Null);
    assert_eq!(event["detail"], json!({"results": 0}));
}

/// R9 under concurrency: searches and reads answered at the same time,
/// whose events the audit writer stores together, each leave their own
/// event with the seekers it showed.
async fn concurrent_searches_and_reads_each_leave_their_own_event(app: TestApp) {
    let w = world(&app).await;
    put(&app, &w.hw, "together-1", seeker("both", "同時に")).await;
    put(&app, &w.hw, "together-2", seeker("both", "同時に")).await;
    let list = app
        .call("GET", "/v1/profiles?limit=1", Some(&w.public), None)
        .await
        .json();
    let id = list["items"][0]["profile_id"].as_str().unwrap().to_owned();
    let mut paths = vec!["/v1/profiles?limit=1".to_owned(); 12];
    paths.extend(vec![format!("/v1/profiles/{id}"); 12]);
    let answers = futures_util::future::join_all(
        paths
            .iter()
            .map(|p| app.call("GET", p, Some(&w.public), None)),
    )
    .await;
    for a in &answers {
        assert_eq!(a.status, 200, "{}", a.text());
    }
    // The newest seeker (together-2) was on every page and every read.
    let public = w.cast.org_id("org_public");
    let trail = app
        .call(
            "GET",
            &format!("/v1/audit?organisation_id={public}&limit=100"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    let events = trail["items"].as_array().unwrap();
    let count = |action: &str| events.iter().filter(|e| e["action"] == action).count();
    assert_eq!((count("profile_search"), count("profile_read")), (13, 12));
    for e in events {
        assert_eq!(e["seeker_refs"], json!(["together-2"]), "{e}");
    }
}

/// R9: a search or read whose audit event cannot be committed shows
/// nothing; the answer is an error and carries no profile.
async fn nothing_is_shown_that_the_trail_does_not_hold(app: TestApp) {
    let w = world(&app).await;
    put(&app, &w.hw, "unrecorded", seeker("both", "記録されない")).await;
    let list = app
        .call("GET", "/v1/profiles", Some(&w.public), None)
        .await
        .json();
    let id = list["items"][0]["profile_id"].as_str().unwrap().to_owned();
    // From now on the database refuses every new audit event.
    app.state()
        .db
        .run(|c| {
            use diesel::RunQueryDsl;
            match c {
                kyushoku_store::DbConn::Postgresql(pg) => {
                    diesel::sql_query(
                        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql \
                         AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
                    )
                    .execute(pg)?;
                    diesel::sql_query(
                        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events \
                         FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
                    )
                    .execute(pg)?;
                }
                kyushoku_store::DbConn::Sqlite(lite) => {
                    diesel::sql_query(
                        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events \
                         BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
                    )
                    .execute(lite)?;
                }
            }
            Ok(())
        })
        .unwrap();
    for path in ["/v1/profiles".to_owned(), format!("/v1/profiles/{id}")] {
        let a = app.call("GET", &path, Some(&w.public), None).await;
        a.assert_problem(500, "internal");
        assert!(!a.text().contains("記録されない"), "{path}: {}", a.text());
    }
}

backend_tests!(
    ingest_creates_replaces_and_reports_what_was_masked,
    ingest_refuses_bad_and_personal_fields,
    batch_applies_good_lines_and_reports_bad_ones,
    a_group_written_whole_is_the_same_as_line_by_line,
    concurrent_batches_all_apply,
    visibility_matrix,
    pseudonyms_are_stable_per_organisation_and_unlinkable,
    search_filters_and_pagination,
    filtered_searches_keep_the_order_of_the_whole,
    narrowing_consent_hides_at_once_and_is_ledgered,
    ending_a_registration_hides_it_everywhere,
    the_audit_trail_answers_who_saw_whom,
    concurrent_searches_and_reads_each_leave_their_own_event,
    nothing_is_shown_that_the_trail_does_not_hold,
    a_search_records_the_page_it_showed,
);

mod batch_limits {
    use super::*;

    #[actix_web::test]
    async fn sqlite() {
        let app = TestApp::spawn_with(Store::Sqlite, |a| a.batch_max_lines = 5)
            .await
            .unwrap();
        batch_line_limit_is_enforced(app).await;
    }

    #[actix_web::test]
    async fn postgres() {
        if let Some(app) = TestApp::spawn_with(Store::Postgres, |a| a.batch_max_lines = 5).await {
            batch_line_limit_is_enforced(app).await;
        }
    }
}
