//! Job offers (issue 6, first part): ingest, R1 with the employer's scope,
//! browse filters, read, withdrawal and expiry.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::backend_tests;
use crate::support::TestApp;

fn today() -> chrono::NaiveDate {
    kyushoku_domain::calendar::today_in_japan()
}

/// Today in Japan as `YYYY-MM-DD`.
pub fn today_str() -> String {
    today().to_string()
}

/// A valid offer with this scope.
pub fn offer_json(scope: &str) -> Value {
    json!({
        "scope": scope,
        "received_on": today().to_string(),
        "valid_through": (today() + chrono::Duration::days(60)).to_string(),
        "employer_name": "社会福祉法人さくら会",
        "employer_address": "東京都新宿区西新宿2-8-1",
        "occupation": "081-02",
        "title": "介護職員（正社員）",
        "description": "特別養護老人ホームでの介護業務。夜勤あり。",
        "employment_type": "full_time",
        "prefecture": "13",
        "municipality": "131041",
        "wage": {"kind": "monthly", "min": 230000, "max": 280000},
        "holidays_per_year": 120,
        "qualifications": ["介護福祉士"]
    })
}

/// Puts one offer both sectors may see (job number 13010-00000001).
pub async fn load_one(app: &TestApp, hw: &str) {
    let a = app
        .call(
            "PUT",
            "/v1/job-offers/13010-00000001",
            Some(hw),
            Some(offer_json("both")),
        )
        .await;
    assert!(a.status.is_success(), "{}", a.text());
}

/// POSTs NDJSON lines to the offer batch endpoint; the per-line results.
pub async fn offer_batch(app: &TestApp, hw: &str, lines: &[String]) -> Vec<Value> {
    let req = app
        .client
        .post(app.url("/v1/job-offers/batch"))
        .insert_header(("authorization", format!("Bearer {hw}")))
        .insert_header(("content-type", "application/x-ndjson"));
    let a = app.send(req, Some(lines.join("\n").into_bytes())).await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()["results"].as_array().unwrap().clone()
}

async fn titles(app: &TestApp, token: &str, query: &str) -> BTreeSet<String> {
    let a = app
        .call(
            "GET",
            &format!("/v1/job-offers?limit=100&{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn offers_follow_the_employers_scope(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let public = app.client_token(cast.get("org_public")).await;
    let private = app.client_token(cast.get("org_private")).await;
    for (i, scope) in ["both", "public_only", "private_only", "none"]
        .iter()
        .enumerate()
    {
        let mut o = offer_json(scope);
        o["title"] = json!(format!("scope-{scope}"));
        let a = app
            .call(
                "PUT",
                &format!("/v1/job-offers/13010-0000000{i}"),
                Some(&hw),
                Some(o),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.text());
    }
    let set = |v: &[&str]| {
        v.iter()
            .map(|s| format!("scope-{s}"))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        titles(&app, &public, "").await,
        set(&["both", "public_only"])
    );
    assert_eq!(
        titles(&app, &private, "").await,
        set(&["both", "private_only"])
    );
    // Reads agree; anything else is a plain 404.
    assert_eq!(
        app.call("GET", "/v1/job-offers/13010-00000001", Some(&public), None)
            .await
            .status,
        200
    );
    app.call("GET", "/v1/job-offers/13010-00000001", Some(&private), None)
        .await
        .assert_problem(404, "not-found");
    app.call("GET", "/v1/job-offers/13010-00000003", Some(&public), None)
        .await
        .assert_problem(404, "not-found");
    app.call("GET", "/v1/job-offers/13010-99999999", Some(&public), None)
        .await
        .assert_problem(404, "not-found");
    app.call("GET", "/v1/job-offers/nonsense", Some(&public), None)
        .await
        .assert_problem(404, "not-found");
    // Narrowing the scope hides it at once; withdrawal too.
    let mut o = offer_json("public_only");
    o["title"] = json!("scope-both");
    assert_eq!(
        app.call("PUT", "/v1/job-offers/13010-00000000", Some(&hw), Some(o))
            .await
            .status,
        200
    );
    assert_eq!(titles(&app, &private, "").await, set(&["private_only"]));
    assert_eq!(
        app.call("DELETE", "/v1/job-offers/13010-00000002", Some(&hw), None)
            .await
            .status,
        204
    );
    assert!(titles(&app, &private, "").await.is_empty());
    app.call("DELETE", "/v1/job-offers/13010-00000002", Some(&hw), None)
        .await
        .assert_problem(404, "not-found");
    // Organisations without the service, and others, may not browse.
    let bureau = app.client_token(cast.get("bureau_13")).await;
    // Searches and reads are in the audit trail (R9).
    for action in ["offer_search", "offer_read"] {
        let trail = app
            .call(
                "GET",
                &format!("/v1/audit?action={action}"),
                Some(&bureau),
                None,
            )
            .await
            .json();
        assert!(!trail["items"].as_array().unwrap().is_empty(), "{action}");
    }
    app.call("GET", "/v1/job-offers", Some(&bureau), None)
        .await
        .assert_problem(403, "forbidden");
    app.call(
        "PUT",
        "/v1/job-offers/13010-00000009",
        Some(&public),
        Some(offer_json("both")),
    )
    .await
    .assert_problem(403, "forbidden");
}

async fn expired_offers_drop_out_by_themselves(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let public = app.client_token(cast.get("org_public")).await;
    let mut o = offer_json("both");
    o["received_on"] = json!((today() - chrono::Duration::days(30)).to_string());
    o["valid_through"] = json!((today() - chrono::Duration::days(1)).to_string());
    assert_eq!(
        app.call("PUT", "/v1/job-offers/13010-00000010", Some(&hw), Some(o))
            .await
            .status,
        201
    );
    assert!(titles(&app, &public, "").await.is_empty());
    app.call("GET", "/v1/job-offers/13010-00000010", Some(&public), None)
        .await
        .assert_problem(404, "not-found");
}

async fn browse_filters(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let public = app.client_token(cast.get("org_public")).await;
    let mut office = offer_json("both");
    office["title"] = json!("一般事務（パート）");
    office["description"] = json!("ＥＸＣＥＬでのデータ入力");
    office["occupation"] = json!("061");
    office["employment_type"] = json!("part_time");
    office["prefecture"] = json!("27");
    office["municipality"] = json!(null);
    office["wage"] = json!({"kind": "hourly", "min": 1100});
    office["qualifications"] = json!([]);
    let lines = [
        json!({"job_number": "13010-00000100"})
            .as_object()
            .unwrap()
            .clone()
            .into_iter()
            .chain(offer_json("both").as_object().unwrap().clone())
            .collect::<serde_json::Map<_, _>>(),
        json!({"job_number": "27010-00000101"})
            .as_object()
            .unwrap()
            .clone()
            .into_iter()
            .chain(office.as_object().unwrap().clone())
            .collect(),
    ];
    let body: Vec<String> = lines
        .iter()
        .map(|l| Value::Object(l.clone()).to_string())
        .chain(["{\"job_number\": \"bad\"}".to_owned()])
        .collect();
    let results = offer_batch(&app, &hw, &body).await;
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["created", "created", "error"]);
    assert_eq!(results[0]["job_number"], "13010-00000100");
    let count = |q: &'static str| {
        let app = &app;
        let t = public.clone();
        async move { titles(app, &t, q).await.len() }
    };
    assert_eq!(count("").await, 2);
    assert_eq!(count("occupation=08").await, 1);
    assert_eq!(count("occupation=081").await, 1);
    assert_eq!(count("occupation=081-02").await, 1);
    assert_eq!(count("occupation=06").await, 1);
    assert_eq!(count("prefecture=27").await, 1);
    assert_eq!(count("municipality=131041").await, 1);
    assert_eq!(count("employment_type=part_time").await, 1);
    assert_eq!(
        count("wage_min=250000").await,
        1,
        "the care job pays up to 280,000"
    );
    assert_eq!(count("wage_min=300000").await, 0);
    assert_eq!(count("wage_min=1000&wage_kind=hourly").await, 1);
    assert_eq!(count("q=%E4%BB%8B%E8%AD%B7").await, 1, "介護");
    assert_eq!(count("q=excel").await, 1, "across widths");
    for bad in [
        "occupation=99",
        "prefecture=00",
        "wage_kind=yearly",
        "limit=500",
        "color=red",
    ] {
        app.call("GET", &format!("/v1/job-offers?{bad}"), Some(&public), None)
            .await
            .assert_problem(422, "validation");
    }
    // Ingest refuses bad offers field by field.
    let mut bad = offer_json("sometimes");
    bad["wage"] = json!({"kind": "monthly", "min": 1});
    let p = app
        .call("PUT", "/v1/job-offers/13010-00000200", Some(&hw), Some(bad))
        .await
        .assert_problem(422, "validation");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"scope") && fields.contains(&"wage.min"),
        "{fields:?}"
    );
    app.call(
        "PUT",
        "/v1/job-offers/1301000000200",
        Some(&hw),
        Some(offer_json("both")),
    )
    .await
    .assert_problem(422, "validation");
}

backend_tests!(
    offers_follow_the_employers_scope,
    expired_offers_drop_out_by_themselves,
    browse_filters,
);

async fn put_offer(
    app: &TestApp,
    hw: &str,
    number: &str,
    title: &str,
    scope: &str,
    prefecture: &str,
) {
    let mut o = offer_json(scope);
    o["title"] = json!(title);
    o["prefecture"] = json!(prefecture);
    if prefecture != "13" {
        o["municipality"] = json!(null);
    }
    let a = app
        .call(
            "PUT",
            &format!("/v1/job-offers/{number}"),
            Some(hw),
            Some(o),
        )
        .await;
    assert!(a.status.is_success(), "{}", a.text());
}

async fn export(
    app: &TestApp,
    token: &str,
    query: &str,
    etag: Option<&str>,
) -> crate::support::Answer {
    let mut req = app
        .client
        .get(app.url(&format!("/v1/job-offers/export?{query}")))
        .insert_header(("authorization", format!("Bearer {token}")));
    if let Some(t) = etag {
        req = req.insert_header(("if-none-match", t));
    }
    app.send(req, None).await
}

async fn export_is_the_visible_set_in_every_format(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let public = app.client_token(cast.get("org_public")).await;
    // More than one page of the reader, across scopes and prefectures.
    for i in 0..1100 {
        let scope = ["both", "public_only", "private_only", "none"][i % 4];
        let pref = if i % 3 == 0 { "27" } else { "13" };
        put_offer_quiet(&app, &hw, i, scope, pref).await;
    }
    let browse_all = {
        let mut all = std::collections::BTreeMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/job-offers?limit=100&cursor={c}"),
                None => "/v1/job-offers?limit=100".to_owned(),
            };
            let page = app.call("GET", &path, Some(&public), None).await.json();
            for o in page["items"].as_array().unwrap() {
                all.insert(o["job_number"].as_str().unwrap().to_owned(), o.clone());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break all,
            }
        }
    };
    assert_eq!(browse_all.len(), 550);
    let number = browse_all.keys().next().unwrap();
    let one = app
        .call(
            "GET",
            &format!("/v1/job-offers/{number}"),
            Some(&public),
            None,
        )
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.text().matches("\"valid_through\":").count(), 1);
    let a = export(&app, &public, "", None).await;
    assert_eq!(a.status, 200);
    assert!(a
        .header("content-type")
        .unwrap()
        .starts_with("application/x-ndjson"));
    assert!(a
        .header("content-disposition")
        .unwrap()
        .contains("job-offers-"));
    let text = a.text();
    let exported: std::collections::BTreeMap<String, Value> = text
        .lines()
        .map(|l| {
            // Each member once (a parser would hide a repeated one).
            for member in ["\"job_number\":", "\"updated_at\":", "\"valid_through\":"] {
                assert_eq!(l.matches(member).count(), 1, "{member} in {l}");
            }
            let v = serde_json::from_str::<Value>(l).unwrap();
            (v["job_number"].as_str().unwrap().to_owned(), v)
        })
        .collect();
    assert_eq!(
        exported, browse_all,
        "export equals paginated browse, offer by offer"
    );
    // Each download is in the audit trail before it starts (R9); a 304,
    // which shows nothing, is not.
    let bureau = app.client_token(cast.get("bureau_13")).await;
    let exports = || async {
        app.call(
            "GET",
            "/v1/audit?action=offer_export&limit=100",
            Some(&bureau),
            None,
        )
        .await
        .json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(exports().await, 1);
    // ETag: unchanged snapshot → 304; a change → a new one.
    let tag = a.header("etag").unwrap().to_owned();
    assert_eq!(export(&app, &public, "", Some(&tag)).await.status, 304);
    assert_eq!(exports().await, 1, "a 304 records no download");
    put_offer_quiet(&app, &hw, 5000, "both", "13").await;
    assert_eq!(export(&app, &public, "", Some(&tag)).await.status, 200);
    // One prefecture.
    let osaka = export(&app, &public, "prefecture=27", None).await.text();
    assert!(osaka.lines().all(|l| l.contains("\"prefecture\":\"27\"")));
    let expected_osaka = (0..1100).filter(|i| i % 4 < 2 && i % 3 == 0).count();
    assert_eq!(osaka.lines().count(), expected_osaka);
    // CSV with a header and RFC 4180 quoting.
    let csv = export(&app, &public, "format=csv", None).await;
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.text();
    let mut lines = text.split("\r\n");
    assert!(lines
        .next()
        .unwrap()
        .starts_with("job_number,updated_at,valid_through"));
    assert_eq!(
        text.split("\r\n").filter(|l| !l.is_empty()).count(),
        552,
        "header + 551 offers"
    );
    for bad in [
        "format=xml",
        "encoding=latin1",
        "format=ndjson&encoding=shift_jis",
        "prefecture=99",
    ] {
        export(&app, &public, bad, None)
            .await
            .assert_problem(422, "validation");
    }
    // Refused requests record nothing: the 200s above are the whole count.
    assert_eq!(exports().await, 4);
}

pub async fn exported_numbers(app: &TestApp, token: &str) -> BTreeSet<String> {
    export(app, token, "", None)
        .await
        .text()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["job_number"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

async fn put_offer_quiet(app: &TestApp, hw: &str, i: usize, scope: &str, prefecture: &str) {
    put_offer(
        app,
        hw,
        &format!("13010-{i:08}"),
        &format!("求人{i}"),
        scope,
        prefecture,
    )
    .await;
}

async fn shift_jis_keeps_what_it_cannot_encode_visible(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let public = app.client_token(cast.get("org_public")).await;
    let mut o = offer_json("both");
    o["title"] = json!("𠮷野家 調理スタッフ, \"急募\"");
    o["description"] = json!("髙橋店長のもとで\n仕込みと接客");
    o["working_hours"] = json!("9:00〜18:00");
    o["employer_address"] = json!("=HYPERLINK(\"http://evil.example\")");
    assert_eq!(
        app.call("PUT", "/v1/job-offers/13010-00000777", Some(&hw), Some(o))
            .await
            .status,
        201
    );
    let a = export(&app, &public, "format=csv&encoding=shift_jis", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("content-type"),
        Some("text/csv; charset=Shift_JIS")
    );
    let (decoded, _, had_errors) = encoding_rs::SHIFT_JIS.decode(&a.body);
    assert!(!had_errors);
    // 𠮷 is outside CP932: it becomes 〓 and is counted, never an entity.
    assert!(decoded.contains("〓野家 調理スタッフ"), "{decoded}");
    assert!(!decoded.contains("&#"), "{decoded}");
    assert_eq!(a.header("kyushoku-unencodable-characters"), Some("1"));
    // 髙 is in CP932 (an IBM extension): it survives as itself.
    assert!(decoded.contains("髙橋店長"), "{decoded}");
    // WAVE DASH is written where Windows has it (0x8160, FULLWIDTH TILDE).
    assert!(a.body.windows(2).any(|w| w == [0x81, 0x60]));
    assert!(decoded.contains("9:00～18:00"), "{decoded}");
    // RFC 4180: the comma, the quotes and the line break are quoted.
    assert!(
        decoded.contains("\"〓野家 調理スタッフ, \"\"急募\"\"\""),
        "{decoded}"
    );
    // A cell that would run as a formula is text.
    assert!(
        decoded.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\")\","),
        "{decoded}"
    );
    // UTF-8 CSV with a byte order mark when asked; never for Shift_JIS.
    let bom = export(&app, &public, "format=csv&bom=true", None).await;
    assert!(bom.body.starts_with("\u{FEFF}job_number,".as_bytes()));
    assert!(!export(&app, &public, "format=csv", None)
        .await
        .body
        .starts_with(b"\xEF\xBB\xBF"));
    for bad in [
        "format=csv&encoding=shift_jis&bom=true",
        "bom=true",
        "bom=maybe",
    ] {
        let a = export(&app, &public, bad, None).await;
        a.assert_problem(422, "validation");
        assert_eq!(a.json()["errors"][0]["field"], "bom", "{bad}");
    }
    assert!(
        decoded.contains("\"髙橋店長のもとで\n仕込みと接客\""),
        "{decoded}"
    );
}

/// A client that applies the change feed in order mirrors exactly what the
/// export shows, through inserts, updates, withdrawals, scope changes and
/// expiry.
async fn the_change_feed_mirrors_the_visible_set(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let private = app.client_token(cast.get("org_private")).await;
    let mut mirror = std::collections::BTreeMap::<String, Value>::new();
    let mut since = 0i64;
    let sync = |since: i64| {
        let app = &app;
        let token = private.clone();
        async move {
            let mut changes = Vec::new();
            let mut s = since;
            loop {
                let page = app
                    .call(
                        "GET",
                        &format!("/v1/job-offers/changes?since={s}&limit=3"),
                        Some(&token),
                        None,
                    )
                    .await
                    .json();
                let batch = page["changes"].as_array().unwrap().clone();
                s = page["next_since"].as_i64().unwrap();
                if batch.is_empty() {
                    return (changes, s);
                }
                changes.extend(batch);
            }
        }
    };
    let apply = |mirror: &mut std::collections::BTreeMap<String, Value>, changes: Vec<Value>| {
        let mut last = 0;
        for c in changes {
            let seq = c["seq"].as_i64().unwrap();
            assert!(seq > last, "increasing");
            last = seq;
            let n = c["job_number"].as_str().unwrap().to_owned();
            match c["op"].as_str().unwrap() {
                "upsert" => {
                    mirror.insert(n, c["offer"].clone());
                }
                "delete" => {
                    mirror.remove(&n);
                }
                op => panic!("{op}"),
            }
        }
    };
    // Inserts.
    for (i, scope) in ["both", "private_only", "public_only", "both"]
        .iter()
        .enumerate()
    {
        put_offer(
            &app,
            &hw,
            &format!("13010-1000000{i}"),
            &format!("t{i}"),
            scope,
            "13",
        )
        .await;
    }
    let (changes, s) = sync(since).await;
    since = s;
    apply(&mut mirror, changes);
    assert_eq!(
        mirror.keys().cloned().collect::<BTreeSet<_>>(),
        exported_numbers(&app, &private).await
    );
    assert_eq!(mirror.len(), 3);
    // An update, a withdrawal, a scope narrowed away, one widened in.
    put_offer(&app, &hw, "13010-10000000", "t0 改", "both", "13").await;
    app.call("DELETE", "/v1/job-offers/13010-10000001", Some(&hw), None)
        .await;
    put_offer(&app, &hw, "13010-10000003", "t3", "public_only", "13").await;
    put_offer(&app, &hw, "13010-10000002", "t2", "both", "13").await;
    // And an expiry, noticed by the sweeper.
    let mut o = offer_json("both");
    o["received_on"] = json!((today() - chrono::Duration::days(10)).to_string());
    o["valid_through"] = json!((today() - chrono::Duration::days(1)).to_string());
    app.call("PUT", "/v1/job-offers/13010-10000009", Some(&hw), Some(o))
        .await;
    kyushoku::server::sweep_once(&app.state().db, 180).unwrap();
    let (changes, s) = sync(since).await;
    assert!(s > since);
    apply(&mut mirror, changes);
    let expected = exported_numbers(&app, &private).await;
    assert_eq!(mirror.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(
        expected,
        BTreeSet::from(["13010-10000000".to_owned(), "13010-10000002".to_owned()])
    );
    assert_eq!(mirror["13010-10000000"]["title"], "t0 改");
    // Nothing new: the same next_since.
    let (changes, s2) = sync(s).await;
    assert!(changes.is_empty());
    assert_eq!(s2, s);
    app.call(
        "GET",
        "/v1/job-offers/changes?since=-1",
        Some(&private),
        None,
    )
    .await
    .assert_problem(422, "validation");
}

/// A batch's offers are written as a group when they name distinct offers,
/// and line by line when one is named twice: either way every line ends as
/// if written alone, in order — creations, replacements (a value left out
/// is gone), a withdrawn offer back, one change in the feed per line.
async fn an_offer_group_written_whole_is_the_same_as_line_by_line(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let public = app.client_token(cast.get("org_public")).await;
    let line = |n: &str, title: &str, municipality: Option<&str>| {
        let mut o = offer_json("both");
        o["job_number"] = json!(n);
        o["title"] = json!(title);
        match municipality {
            Some(m) => o["municipality"] = json!(m),
            None => {
                o.as_object_mut().unwrap().remove("municipality");
            }
        }
        o.to_string()
    };
    let statuses = |results: Vec<Value>| -> Vec<String> {
        results
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = offer_batch(
        &app,
        &hw,
        &[
            line("13010-20000001", "a1", Some("131041")),
            line("13010-20000002", "b1", Some("131041")),
            line("13010-20000003", "c1", Some("131041")),
        ],
    )
    .await;
    assert_eq!(statuses(first), ["created", "created", "created"]);
    let gone = app
        .call("DELETE", "/v1/job-offers/13010-20000002", Some(&hw), None)
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text());
    // Distinct offers: written whole. a loses its municipality, b comes
    // back, d is new.
    let second = offer_batch(
        &app,
        &hw,
        &[
            line("13010-20000001", "a2", None),
            line("13010-20000004", "d1", Some("131016")),
            line("13010-20000002", "b2", Some("131016")),
        ],
    )
    .await;
    assert_eq!(statuses(second), ["updated", "created", "updated"]);
    // An offer named twice: line by line, the later line wins.
    let third = offer_batch(
        &app,
        &hw,
        &[
            line("13010-20000005", "e1", Some("131041")),
            line("13010-20000005", "e2", Some("131016")),
        ],
    )
    .await;
    assert_eq!(statuses(third), ["created", "updated"]);
    let all = titles(&app, &public, "").await;
    assert_eq!(
        all,
        ["a2", "b2", "c1", "d1", "e2"].map(String::from).into(),
        "each offer as its last line left it"
    );
    assert_eq!(
        titles(&app, &public, "municipality=131041").await,
        ["c1"].map(String::from).into(),
        "a's municipality is gone, b and e moved"
    );
    assert_eq!(
        titles(&app, &public, "municipality=131016").await,
        ["b2", "d1", "e2"].map(String::from).into()
    );
    // The feed: one change per line and one for the withdrawal.
    let feed = app
        .call(
            "GET",
            "/v1/job-offers/changes?since=0&limit=100",
            Some(&public),
            None,
        )
        .await
        .json();
    let ops: Vec<(String, String)> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["job_number"].as_str().unwrap().starts_with("13010-2"))
        .map(|c| {
            (
                c["job_number"].as_str().unwrap().to_owned(),
                c["op"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(ops.len(), 9, "{ops:?}");
    // (Each change reads as the offer is now: b is live again.)
    let b: Vec<&str> = ops
        .iter()
        .filter(|(n, _)| n == "13010-20000002")
        .map(|(_, op)| op.as_str())
        .collect();
    assert_eq!(b, ["upsert", "upsert", "upsert"]);
}

/// The feed under concurrent writers: four batches, each longer than one
/// commit group, while a reader polls all along. Every number comes once and
/// in order, and the reader's mirror ends equal to the visible set: a number
/// handed out before an earlier one's commit would let the reader step past
/// it for ever.
async fn the_change_feed_misses_nothing_under_concurrent_writers(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let private = app.client_token(cast.get("org_private")).await;
    let writing = std::cell::Cell::new(4);
    let writers = (0..4).map(|w| {
        let (app, hw, writing) = (&app, hw.clone(), &writing);
        async move {
            let body: Vec<String> = (0..260)
                .map(|i| {
                    let mut o = offer_json(if i % 5 == 0 { "public_only" } else { "both" });
                    o["job_number"] = json!(format!("13010-{w}{i:07}"));
                    o.to_string()
                })
                .collect();
            let results = offer_batch(app, &hw, &body).await;
            assert!(results.iter().all(|r| r["status"] == "created"));
            writing.set(writing.get() - 1);
        }
    });
    let reader = async {
        let (mut since, mut seen, mut mirror) = (0i64, BTreeSet::new(), BTreeSet::new());
        loop {
            let done = writing.get() == 0;
            let page = app
                .call(
                    "GET",
                    &format!("/v1/job-offers/changes?since={since}&limit=50"),
                    Some(&private),
                    None,
                )
                .await
                .json();
            let changes = page["changes"].as_array().unwrap().clone();
            for c in &changes {
                let seq = c["seq"].as_i64().unwrap();
                assert!(
                    seq > since && seen.insert(seq),
                    "each number once, in order"
                );
                since = seq;
                let n = c["job_number"].as_str().unwrap().to_owned();
                match c["op"].as_str().unwrap() {
                    "upsert" => mirror.insert(n),
                    _ => mirror.remove(&n),
                };
            }
            since = since.max(page["next_since"].as_i64().unwrap());
            if changes.is_empty() {
                if done {
                    return mirror;
                }
                actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
    };
    let ((), mirror) = tokio::join!(
        async {
            futures_util::future::join_all(writers).await;
        },
        reader
    );
    let visible = exported_numbers(&app, &private).await;
    assert_eq!(
        visible.len(),
        4 * 208,
        "the private agency sees `both` only"
    );
    assert_eq!(mirror, visible);
}

backend_tests!(
    an_offer_group_written_whole_is_the_same_as_line_by_line,
    export_is_the_visible_set_in_every_format,
    shift_jis_keeps_what_it_cannot_encode_visible,
    the_change_feed_mirrors_the_visible_set,
    the_change_feed_misses_nothing_under_concurrent_writers,
);

async fn hires_are_reported_once_and_counted_by_quarter(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let public = app.client_token(cast.get("org_public")).await;
    let private = app.client_token(cast.get("org_private")).await;
    let bureau = app.client_token(cast.get("bureau_13")).await;
    app.call(
        "PUT",
        "/v1/job-offers/13010-00000555",
        Some(&hw),
        Some(offer_json("both")),
    )
    .await;
    app.call(
        "PUT",
        "/v1/seekers/hire-1",
        Some(&hw),
        Some(json!({"consent_scope": "both", "valid_until": (today() + chrono::Duration::days(30)).to_string(),
                    "profile": {"desired_occupations": ["08"]}})),
    )
    .await;
    let pid = app
        .call("GET", "/v1/profiles", Some(&public), None)
        .await
        .json()["items"][0]["profile_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_offer = json!({"job_number": "13010-00000555", "hired_on": today().to_string(), "employment_type": "full_time"});
    let post = |body: Value, key: &'static str| {
        let req = app
            .client
            .post(app.url("/v1/hires"))
            .insert_header(("authorization", format!("Bearer {public}")))
            .insert_header(("content-type", "application/json"))
            .insert_header(("idempotency-key", key));
        app.send(req, Some(serde_json::to_vec(&body).unwrap()))
    };
    let first = post(by_offer.clone(), "h-1").await;
    assert_eq!(first.status, 201, "{}", first.text());
    let again = post(by_offer.clone(), "h-1").await;
    assert_eq!(
        again.json(),
        first.json(),
        "the same hire, not a second one"
    );
    let by_profile =
        json!({"profile_id": pid, "hired_on": today().to_string(), "employment_type": "part_time"});
    assert_eq!(post(by_profile, "h-2").await.status, 201);
    // Bad reports change nothing.
    for (bad, key) in [
        (
            json!({"hired_on": today().to_string(), "employment_type": "full_time"}),
            "b-1",
        ),
        (
            json!({"job_number": "13010-00000555", "profile_id": pid, "hired_on": today().to_string(), "employment_type": "full_time"}),
            "b-2",
        ),
        (
            json!({"job_number": "13010-00000556", "hired_on": today().to_string(), "employment_type": "full_time"}),
            "b-3",
        ),
        (
            json!({"job_number": "13010-00000555", "hired_on": (today() + chrono::Duration::days(3)).to_string(), "employment_type": "full_time"}),
            "b-4",
        ),
        (
            json!({"profile_id": "AAAAAAAAAAAAAAAAAAAAAA", "hired_on": today().to_string(), "employment_type": "full_time"}),
            "b-5",
        ),
    ] {
        post(bad, key).await.assert_problem(422, "validation");
    }
    let org = cast.org_id("org_public");
    let list = app
        .call(
            "GET",
            &format!("/v1/organisations/{org}/hires"),
            Some(&public),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (fy, q) = kyushoku_domain::calendar::fiscal_quarter(today());
    assert_eq!(
        list["quarters"],
        json!([{"fiscal_year": fy, "quarter": q, "hires": 2}])
    );
    assert_eq!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["job_number"] == "13010-00000555")
            .count(),
        1
    );
    // Its bureau sees them; another organisation does not.
    assert_eq!(
        app.call(
            "GET",
            &format!("/v1/organisations/{org}/hires"),
            Some(&bureau),
            None
        )
        .await
        .status,
        200
    );
    app.call(
        "GET",
        &format!("/v1/organisations/{org}/hires"),
        Some(&private),
        None,
    )
    .await
    .assert_problem(404, "not-found");
}

async fn statistics_on_a_known_dataset(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    for (scope, n) in [("both", 12), ("public_only", 10), ("private_only", 3)] {
        for i in 0..n {
            let a = app
                .call(
                    "PUT",
                    &format!("/v1/seekers/st-{scope}-{i}"),
                    Some(&hw),
                    Some(json!({"consent_scope": scope, "valid_until": (today() + chrono::Duration::days(30)).to_string(),
                                "profile": {"desired_occupations": ["08"]}})),
                )
                .await;
            assert_eq!(a.status, 201);
        }
    }
    // An ended registration does not count.
    app.call(
        "DELETE",
        "/v1/seekers/st-both-0?reason=placed",
        Some(&hw),
        None,
    )
    .await;
    for i in 0..10 {
        app.call(
            "PUT",
            &format!("/v1/job-offers/13010-{:08}", 900 + i),
            Some(&hw),
            Some(offer_json("both")),
        )
        .await;
    }
    let s = app.get("/v1/stats").await;
    assert_eq!(s.status, 200, "{}", s.text());
    let s = s.json();
    assert_eq!(s["suppression_threshold"], 10);
    assert_eq!(
        s["seekers"],
        json!({"total": 24, "by_scope": [
            {"scope": "both", "count": 11, "share": 0.458},
            {"scope": "public_only", "count": 10, "share": 0.417},
            {"scope": "private_only", "count": null, "share": null},
            {"scope": "none", "count": 0, "share": 0.0}
        ]})
    );
    assert_eq!(s["job_offers"]["total"], 10);
    assert_eq!(
        s["job_offers"]["by_scope"][0],
        json!({"scope": "both", "count": 10, "share": 1.0})
    );
    // One approved municipality: too few to publish.
    let municipality = s["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "municipality" && o["status"] == "approved")
        .unwrap();
    assert_eq!(municipality["count"], Value::Null);
    assert_eq!(
        s["messages"],
        json!({"from_organisations": 0, "from_seekers": 0, "blocks": 0})
    );
    assert_eq!(s["hires"], json!([]));
    let text = serde_json::to_string(&s).unwrap();
    assert!(!text.contains("st-both"), "no seeker reference");
}

backend_tests!(
    hires_are_reported_once_and_counted_by_quarter,
    statistics_on_a_known_dataset,
);
