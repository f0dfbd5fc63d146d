//! Search for any shape (issue 37): a keyword finds exactly what a
//! substring match finds, newest first, across pages, whichever plan the
//! store takes (its index for a keyword few hold, a walk for one many
//! hold), and text is found however it was typed (widths, kana, variants).

use serde_json::{json, Value};

use crate::backend_tests;
use crate::support::TestApp;

fn today() -> chrono::NaiveDate {
    kyushoku_domain::calendar::today_in_japan()
}

/// `s` for a query string.
fn encoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every item a search of `path` shows, each as `pick` gives it, in the
/// order shown, `limit` a page.
async fn every_page(
    app: &TestApp,
    token: &str,
    path: &str,
    query: &str,
    limit: usize,
    pick: impl Fn(&Value) -> String,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("{path}?{query}&limit={limit}&cursor={c}"),
            None => format!("{path}?{query}&limit={limit}"),
        };
        let a = app.call("GET", &path, Some(token), None).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        let page = a.json();
        out.extend(page["items"].as_array().unwrap().iter().map(&pick));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// Every profile's self-PR a search shows, in the order shown, `limit` a
/// page.
async fn shown(app: &TestApp, token: &str, query: &str, limit: usize) -> Vec<String> {
    every_page(app, token, "/v1/profiles", query, limit, |item| {
        item["profile"]["self_pr"].as_str().unwrap().to_owned()
    })
    .await
}

async fn batch(app: &TestApp, token: &str, lines: Vec<Value>) {
    let body: Vec<u8> = lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes();
    let req = app
        .client
        .post(app.url("/v1/seekers/batch"))
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("content-type", "application/x-ndjson"));
    let a = app.send(req, Some(body)).await;
    assert_eq!(a.status, 200, "{}", a.text());
    for r in a.json()["results"].as_array().unwrap() {
        assert_ne!(r["status"], "error", "{r}");
    }
}

/// 700 seekers: every one holds 共通語 (more than the index plan's
/// threshold: the search walks), every hundredth 稀少語 (few: the index
/// finds them), every other one 偶数; half in Osaka.
async fn keywords_find_what_a_substring_finds_newest_first_whichever_plan(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let org = app.client_token(cast.get("org_public")).await;
    let marker = |i: usize| {
        let mut m = format!("k{i:03} 共通語");
        if i % 100 == 0 {
            m.push_str(" 稀少語");
        }
        if i % 2 == 0 {
            m.push_str(" 偶数");
        }
        m
    };
    let lines: Vec<Value> = (0..700)
        .map(|i| {
            json!({"seeker_ref": format!("kw-{i}"), "consent_scope": "both",
                "valid_until": (today() + chrono::Duration::days(30)).to_string(),
                "profile": {"desired_occupations": ["08"],
                    "work_locations": [{"prefecture": if i % 2 == 0 { "13" } else { "27" }}],
                    "self_pr": marker(i)}})
        })
        .collect();
    for chunk in lines.chunks(350) {
        batch(&app, &hw, chunk.to_vec()).await;
    }
    let whole = shown(&app, &org, "", 100).await;
    assert_eq!(whole.len(), 700);
    for (query, needle, prefecture) in [
        ("共通", "共通", None),
        ("共", "共", None),
        ("稀少語", "稀少語", None),
        ("稀", "稀", None),
        ("偶数", "偶数", None),
        ("k05", "k05", None),
        ("共通語", "共通語", Some("27")),
        ("稀少", "稀少", Some("13")),
        ("無い言葉", "無い言葉", None),
        ("語 稀", "語 稀", None),
        ("共通語 稀少語 偶数", "共通語 稀少語 偶数", None),
        ("通語 稀少語 偶数X", "通語 稀少語 偶数X", None),
    ] {
        let expected: Vec<String> = whole
            .iter()
            .filter(|m| m.contains(needle))
            .filter(|m| match prefecture {
                Some("13") => m[1..4].parse::<usize>().unwrap() % 2 == 0,
                Some(_) => m[1..4].parse::<usize>().unwrap() % 2 == 1,
                None => true,
            })
            .cloned()
            .collect();
        let q = match prefecture {
            Some(p) => format!("q={}&prefecture={p}", encoded(query)),
            None => format!("q={}", encoded(query)),
        };
        for limit in [7, 100] {
            assert_eq!(
                shown(&app, &org, &q, limit).await,
                expected,
                "{q} limit {limit}"
            );
        }
    }
}

/// One job offer of [`keys_and_filters_are_intersected_whichever_plan`]'s
/// model.
#[derive(Clone)]
struct Offer {
    number: String,
    prefecture: &'static str,
    contract: bool,
    occupation: &'static str,
    hourly: bool,
    text: String,
}

impl Offer {
    fn json(&self) -> Value {
        let mut o = crate::offers::offer_json("both");
        o["job_number"] = json!(self.number);
        o["prefecture"] = json!(self.prefecture);
        o["municipality"] = if self.prefecture == "13" {
            json!("131041")
        } else {
            Value::Null
        };
        o["employment_type"] = json!(if self.contract {
            "contract"
        } else {
            "full_time"
        });
        o["occupation"] = json!(self.occupation);
        o["wage"] = if self.hourly {
            json!({"kind": "hourly", "min": 1100})
        } else {
            json!({"kind": "monthly", "min": 230000, "max": 280000})
        };
        o["description"] = json!(self.text);
        o
    }

    /// Whether the offer matches a query of [`offer_queries`] (the
    /// keyword, then `key=value` filters).
    fn matches(&self, keyword: &str, filters: &[(&str, &str)]) -> bool {
        self.text.contains(keyword)
            && filters.iter().all(|(k, v)| match *k {
                "prefecture" => self.prefecture == *v,
                "municipality" => self.prefecture == "13" && *v == "131041",
                "employment_type" => (*v == "contract") == self.contract,
                "occupation" => self.occupation.starts_with(v),
                "wage_kind" => (*v == "hourly") == self.hourly,
                "wage_min" => true,
                other => unreachable!("{other}"),
            })
    }
}

/// Every job number a search of offers shows, in the order shown, `limit`
/// a page.
async fn shown_offers(app: &TestApp, token: &str, query: &str, limit: usize) -> Vec<String> {
    every_page(app, token, "/v1/job-offers", query, limit, |item| {
        item["job_number"].as_str().unwrap().to_owned()
    })
    .await
}

/// 1,200 job offers, half in Tokyo and half in Osaka, a third contract, a
/// fifth of another occupation, a quarter hourly. 共通語 is in every one;
/// 研修 in every seventh in Tokyo and in the oldest contract ones in Osaka;
/// 古参 only in the oldest hundred. The keyword's index holds each offer's
/// filter values (migration 000025). On SQLite a keyword few of a filter's
/// offers hold is found by the index with the filters' keys, one many hold
/// by walking them; on PostgreSQL these small walks answer within their
/// budget (the store's `both_plans_find_the_same_offers` asks its index
/// directly). Either way the answer is exactly what the filters and a
/// substring find, newest first, across pages, and an offer that moves to
/// another prefecture moves in the index too.
async fn keys_and_filters_are_intersected_whichever_plan(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let org = app.client_token(cast.get("org_public")).await;
    let mut offers: Vec<Offer> = (0..1200)
        .map(|i| {
            let prefecture = if i % 2 == 0 { "13" } else { "27" };
            let contract = i % 3 == 0;
            let mut text = format!("求人{i:04} 共通語");
            if (prefecture == "13" && i % 7 == 0) || (prefecture == "27" && contract && i < 90) {
                text.push_str(" 研修あり");
            }
            if i < 100 {
                text.push_str(" 古参");
            }
            Offer {
                number: format!("13010-{:08}", 5000 + i),
                prefecture,
                contract,
                occupation: if i % 5 == 0 { "061" } else { "081-02" },
                hourly: i % 4 == 1,
                text,
            }
        })
        .collect();
    for chunk in offers.chunks(400) {
        let lines: Vec<String> = chunk.iter().map(|o| o.json().to_string()).collect();
        for r in crate::offers::offer_batch(&app, &hw, &lines).await {
            assert_ne!(r["status"], "error", "{r}");
        }
    }
    let queries: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("古参", vec![("prefecture", "27")]),
        ("古参", vec![("occupation", "08")]),
        ("古参", vec![("occupation", "081")]),
        (
            "古参",
            vec![("occupation", "081-02"), ("employment_type", "full_time")],
        ),
        (
            "古参",
            vec![("wage_kind", "monthly"), ("wage_min", "200000")],
        ),
        ("古参", vec![("municipality", "131041")]),
        ("古", vec![("prefecture", "27"), ("occupation", "08")]),
        ("研修", vec![("prefecture", "27")]),
        (
            "研修",
            vec![("prefecture", "27"), ("employment_type", "contract")],
        ),
        ("研修", vec![("prefecture", "13")]),
        ("研", vec![("employment_type", "contract")]),
        ("共通語", vec![("prefecture", "27")]),
        (
            "共通語",
            vec![
                ("occupation", "061"),
                ("wage_kind", "hourly"),
                ("wage_min", "1000"),
            ],
        ),
        ("無い言葉", vec![("prefecture", "13")]),
    ];
    let check = |offers: Vec<Offer>| {
        let app = &app;
        let org = &org;
        let queries = &queries;
        async move {
            for (keyword, filters) in queries {
                let expected: Vec<String> = offers
                    .iter()
                    .rev()
                    .filter(|o| o.matches(keyword, filters))
                    .map(|o| o.number.clone())
                    .collect();
                let mut q = format!("q={}", encoded(keyword));
                for (k, v) in filters {
                    q.push_str(&format!("&{k}={v}"));
                }
                for limit in [7, 100] {
                    assert_eq!(
                        shown_offers(app, org, &q, limit).await,
                        expected,
                        "{q} limit {limit}"
                    );
                }
            }
        }
    };
    check(offers.clone()).await;

    // Offer 3 (Osaka, 古参) moves to Tokyo: it is the newest now.
    let mut moved = offers.remove(3);
    moved.prefecture = "13";
    let a = app
        .call(
            "PUT",
            &format!("/v1/job-offers/{}", moved.number),
            Some(&hw),
            Some({
                let mut o = moved.json();
                o.as_object_mut().unwrap().remove("job_number");
                o
            }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    offers.push(moved);
    check(offers).await;
}

/// What is typed in another width, kana or variant finds the text, on
/// profiles and on job offers; what the fold keeps apart stays apart.
async fn text_is_found_however_it_is_typed(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let org = app.client_token(cast.get("org_public")).await;
    let texts = [
        "カイゴの経験があります",
        "Excelで集計",
        "國際交流の仕事",
        "ラーメン店で調理",
        "フォークリフト運転123",
        "ｺﾝﾋﾟｭｰﾀ操作",
    ];
    let lines: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({"seeker_ref": format!("fold-{i}"), "consent_scope": "both",
                "valid_until": (today() + chrono::Duration::days(30)).to_string(),
                "profile": {"desired_occupations": ["08"], "self_pr": t}})
        })
        .collect();
    batch(&app, &hw, lines).await;
    for (typed, found) in [
        ("ｶｲｺﾞ", Some(0)),
        ("かいご", Some(0)),
        ("カイゴ", Some(0)),
        ("ＥＸＣＥＬ", Some(1)),
        ("excel", Some(1)),
        ("国際交流", Some(2)),
        ("國際", Some(2)),
        ("ﾗｰﾒﾝ", Some(3)),
        ("ら-めん", Some(3)),
        ("１２３", Some(4)),
        ("リフト運転１", Some(4)),
        ("コンピュータ", Some(5)),
        ("こんぴゅーた", Some(5)),
        ("介護", None),
        ("コンピューター", None),
    ] {
        let got = shown(&app, &org, &format!("q={}", encoded(typed)), 20).await;
        let want: Vec<String> = found.map(|i| texts[i].to_owned()).into_iter().collect();
        // Shown text is as written; compare by what was written.
        assert_eq!(got, want, "{typed}");
    }
    // Text written again is found by what it says now, not what it said.
    let a = app
        .call(
            "PUT",
            "/v1/seekers/fold-0",
            Some(&hw),
            Some(json!({"consent_scope": "both",
                "valid_until": (today() + chrono::Duration::days(30)).to_string(),
                "profile": {"desired_occupations": ["08"], "self_pr": "倉庫でピッキング"}})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    for (typed, n) in [("カイゴ", 0), ("ぴっきんぐ", 1), ("倉庫", 1)] {
        let got = shown(&app, &org, &format!("q={}", encoded(typed)), 20).await;
        assert_eq!(got.len(), n, "{typed}: {got:?}");
    }
    // A keyword that is too long once folded is refused, naming the field.
    app.call(
        "GET",
        &format!("/v1/profiles?q={}", encoded(&"㍿".repeat(20))),
        Some(&org),
        None,
    )
    .await
    .assert_problem(422, "validation");

    let mut offer = crate::offers::offer_json("both");
    offer["title"] = json!("ﾃﾞｰﾀ入力（パート）");
    let a = app
        .call(
            "PUT",
            "/v1/job-offers/13010-00000901",
            Some(&hw),
            Some(offer),
        )
        .await;
    assert!(a.status == 201 || a.status == 200, "{}", a.text());
    for (typed, n) in [("データ", 1), ("でーた", 1), ("ﾃﾞｰﾀ入力", 1), ("デタ", 0)]
    {
        let a = app
            .call(
                "GET",
                &format!("/v1/job-offers?q={}", encoded(typed)),
                Some(&org),
                None,
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.text());
        assert_eq!(a.json()["items"].as_array().unwrap().len(), n, "{typed}");
    }
}

/// 640 seekers in eight groups of 80 alike for R14 (Tokyo or Osaka, care
/// or a finer clerical occupation, with or without 介護福祉士), every fifth
/// one open to contract work; 共通 in every one, 稀少 in the oldest of one
/// group. The keyword index holds each seeker's filter values (migration
/// 000026): filters few seekers match together, with or without a
/// keyword, are found by the index with the filters' keys on SQLite (on
/// PostgreSQL these small walks answer within their budget; the store's
/// `both_plans_find_the_same_seekers` asks its index directly). Either way
/// the answer is exactly what the filters and a substring find, newest
/// first, across pages.
async fn profile_filters_are_intersected_whichever_plan(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let org = app.client_token(cast.get("org_public")).await;
    let prefecture = |i: usize| if i % 2 == 0 { "13" } else { "27" };
    let occupation = |i: usize| if (i / 2) % 2 == 0 { "08" } else { "081-02" };
    let certified = |i: usize| (i / 4) % 2 == 1;
    let contract = |i: usize| i % 5 == 0;
    let text = |i: usize| {
        let mut t = format!("m{i:03} 共通");
        if i % 8 == 7 && i < 200 {
            t.push_str(" 稀少");
        }
        t
    };
    let lines: Vec<Value> = (0..640)
        .map(|i| {
            let qualifications: Vec<Value> = if certified(i) {
                vec![json!({"name": "介護福祉士", "year": 2015})]
            } else {
                Vec::new()
            };
            json!({"seeker_ref": format!("pk-{i}"), "consent_scope": "both",
                "valid_until": (today() + chrono::Duration::days(30)).to_string(),
                "profile": {"desired_occupations": [occupation(i)],
                    "work_locations": [{"prefecture": prefecture(i)}],
                    "qualifications": qualifications,
                    "employment_types": [if contract(i) { "contract" } else { "full_time" }],
                    "self_pr": text(i)}})
        })
        .collect();
    for chunk in lines.chunks(320) {
        batch(&app, &hw, chunk.to_vec()).await;
    }
    let whole = shown(&app, &org, "", 100).await;
    assert_eq!(whole.len(), 640, "every seeker is shown as given (R14)");
    let index = |t: &str| t[1..4].parse::<usize>().unwrap();
    for (keyword, filters) in [
        (
            "",
            vec![("prefecture", "27"), ("qualification", "介護福祉士")],
        ),
        (
            "",
            vec![
                ("prefecture", "13"),
                ("qualification", "介護福祉士"),
                ("employment_type", "contract"),
            ],
        ),
        (
            "",
            vec![("occupation", "081"), ("employment_type", "contract")],
        ),
        ("", vec![("prefecture", "13"), ("occupation", "081-02")]),
        (
            "稀少",
            vec![("prefecture", "27"), ("qualification", "介護福祉士")],
        ),
        ("稀少", vec![("prefecture", "13")]),
        (
            "共通",
            vec![("occupation", "08"), ("employment_type", "contract")],
        ),
        (
            "m1",
            vec![("qualification", "介護福祉士"), ("prefecture", "27")],
        ),
        (
            "",
            vec![
                ("qualification", "介護福祉士"),
                ("employment_type", "part_time"),
            ],
        ),
    ] {
        let expected: Vec<String> = whole
            .iter()
            .filter(|t| t.contains(keyword))
            .filter(|t| {
                let i = index(t);
                filters.iter().all(|(k, v)| match *k {
                    "prefecture" => prefecture(i) == *v,
                    "occupation" => occupation(i).starts_with(v) || *v == "08",
                    "qualification" => certified(i),
                    "employment_type" => *v == if contract(i) { "contract" } else { "full_time" },
                    other => unreachable!("{other}"),
                })
            })
            .cloned()
            .collect();
        let mut q: Vec<String> = filters
            .iter()
            .map(|(k, v)| format!("{k}={}", encoded(v)))
            .collect();
        if !keyword.is_empty() {
            q.push(format!("q={}", encoded(keyword)));
        }
        let q = q.join("&");
        for limit in [7, 100] {
            assert_eq!(
                shown(&app, &org, &q, limit).await,
                expected,
                "{q} limit {limit}"
            );
        }
    }
}

/// R1 and R7 hold whichever plan finds a keyword: a keyword few seekers
/// hold is found by its index (and, past nine characters, by eight of its
/// bigrams), and still shows only whom the caller may see.
async fn a_keyword_found_by_its_index_shows_only_whom_the_caller_may_see(app: TestApp) {
    let cast = app.cast().await;
    let hw = app.client_token(cast.get("hw_system")).await;
    let public = app.client_token(cast.get("org_public")).await;
    let private = app.client_token(cast.get("org_private")).await;
    let text = |c: &str| format!("稀語の長いキーワードです{c}");
    for (r, scope) in [
        ("a", "both"),
        ("b", "public_only"),
        ("c", "none"),
        ("d", "both"),
    ] {
        let a = app
            .call(
                "PUT",
                &format!("/v1/seekers/r1-{r}"),
                Some(&hw),
                Some(json!({"consent_scope": scope,
                    "valid_until": (today() + chrono::Duration::days(30)).to_string(),
                    "profile": {"desired_occupations": ["08"], "self_pr": text(r)}})),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.text());
    }
    let a = app
        .call(
            "DELETE",
            "/v1/seekers/r1-d?reason=withdrawn",
            Some(&hw),
            None,
        )
        .await;
    assert!(a.status.is_success(), "{}", a.text());
    for q in ["稀語", "稀", "稀語の長いキーワードです"] {
        let q = format!("q={}", encoded(q));
        assert_eq!(
            shown(&app, &public, &q, 20).await,
            [text("b"), text("a")],
            "{q}"
        );
        assert_eq!(shown(&app, &private, &q, 20).await, [text("a")], "{q}");
    }
}

/// Admission control: with every place taken, a search waits its turn
/// (and runs when one frees within the wait) or, past the wait, is answered
/// 503 with `Retry-After` and changes nothing.
async fn searches_past_the_instance_limit_wait_then_are_turned_away(app: TestApp) {
    let cast = app.cast().await;
    let org = app.client_token(cast.get("org_public")).await;
    let held = app.state().admission.occupy_all(2).await;
    let a = app.call("GET", "/v1/profiles", Some(&org), None).await;
    a.assert_problem(503, "service-unavailable");
    assert_eq!(a.header("retry-after"), Some("1"));
    let a = app
        .call(
            "GET",
            "/v1/job-offers?q=%E4%BB%8B%E8%AD%B7",
            Some(&org),
            None,
        )
        .await;
    a.assert_problem(503, "service-unavailable");
    drop(held);
    let a = app.call("GET", "/v1/profiles", Some(&org), None).await;
    assert_eq!(a.status, 200, "{}", a.text());
}

async fn a_search_that_waits_less_than_the_wait_is_answered(app: TestApp) {
    let cast = app.cast().await;
    let org = app.client_token(cast.get("org_public")).await;
    let held = app.state().admission.occupy_all(2).await;
    let release = async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(150)).await;
        drop(held);
    };
    let (a, ()) =
        futures_util::future::join(app.call("GET", "/v1/profiles", Some(&org), None), release)
            .await;
    assert_eq!(a.status, 200, "{}", a.text());
}

mod admission {
    use super::*;
    use crate::support::Store;

    fn tight(a: &mut kyushoku::config::ServeArgs) {
        a.searches_in_flight = Some(2);
        a.search_wait_ms = 50;
    }

    fn patient(a: &mut kyushoku::config::ServeArgs) {
        a.searches_in_flight = Some(2);
        a.search_wait_ms = 5000;
    }

    #[actix_web::test]
    async fn turned_away_sqlite() {
        let app = TestApp::spawn_with(Store::Sqlite, tight).await.unwrap();
        searches_past_the_instance_limit_wait_then_are_turned_away(app).await;
    }

    #[actix_web::test]
    async fn turned_away_postgres() {
        if let Some(app) = TestApp::spawn_with(Store::Postgres, tight).await {
            searches_past_the_instance_limit_wait_then_are_turned_away(app).await;
        }
    }

    #[actix_web::test]
    async fn waits_sqlite() {
        let app = TestApp::spawn_with(Store::Sqlite, patient).await.unwrap();
        a_search_that_waits_less_than_the_wait_is_answered(app).await;
    }

    #[actix_web::test]
    async fn waits_postgres() {
        if let Some(app) = TestApp::spawn_with(Store::Postgres, patient).await {
            a_search_that_waits_less_than_the_wait_is_answered(app).await;
        }
    }
}

backend_tests!(
    a_keyword_found_by_its_index_shows_only_whom_the_caller_may_see,
    profile_filters_are_intersected_whichever_plan,
    keys_and_filters_are_intersected_whichever_plan,
    keywords_find_what_a_substring_finds_newest_first_whichever_plan,
    text_is_found_however_it_is_typed,
);
