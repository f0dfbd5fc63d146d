//! R14 (issue 35): no seeker singled out. Servers here run with k = 5 and
//! every test runs on SQLite and PostgreSQL: a lone villager is shown by
//! prefecture and no filter finds the village; a rare qualification is
//! shown by field and neither the filter nor a keyword finds it; detail
//! appears when enough alike seekers arrive and goes at once when consent
//! narrows or a registration ends; the seeker sees what organisations see;
//! and over a random population every shown combination is shared by at
//! least k seekers shown alike.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::messaging::{world, World};
use crate::support::{Store, TestApp};

const K: i64 = 5;

macro_rules! k_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    let app = super::spawn(crate::support::Store::Sqlite)
                        .await
                        .expect("SQLite is always available");
                    super::$name(app).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    if let Some(app) = super::spawn(crate::support::Store::Postgres).await {
                        super::$name(app).await;
                    }
                }
            }
        )*
    };
}

async fn spawn(store: Store) -> Option<TestApp> {
    TestApp::spawn_with(store, |a| a.k_anonymity = K).await
}

fn today() -> chrono::NaiveDate {
    kyushoku_domain::calendar::today_in_japan()
}

fn seeker(
    scope: &str,
    place: (&str, Option<&str>),
    occupations: &[&str],
    qualifications: &[&str],
    marker: &str,
) -> Value {
    let mut location = json!({"prefecture": place.0});
    if let Some(m) = place.1 {
        location["municipality"] = json!(m);
    }
    json!({
        "consent_scope": scope,
        "valid_until": (today() + chrono::Duration::days(60)).to_string(),
        "profile": {
            "desired_occupations": occupations,
            "work_locations": [location],
            "desired_wage": {"kind": "monthly", "min": 231000},
            "qualifications": qualifications.iter().map(|q| json!({"name": q, "year": 2011})).collect::<Vec<_>>(),
            "work_history": [{"occupation": "131-02", "years": 12, "duties": "機関の保守"}],
            "self_pr": marker,
        }
    })
}

async fn put(app: &TestApp, w: &World, seeker_ref: &str, body: Value) {
    let a = app
        .call(
            "PUT",
            &format!("/v1/seekers/{seeker_ref}"),
            Some(&w.hw),
            Some(body),
        )
        .await;
    assert!(a.status.is_success(), "{}", a.text());
}

/// Every profile `token` finds with `query`, following cursors (one a
/// page, so cursors are walked too).
async fn found(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        // Characters outside ASCII percent-encoded, as a client sends them.
        let query: String = query
            .bytes()
            .map(|b| {
                if b.is_ascii() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let mut path = format!("/v1/profiles?limit=7&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let a = app.call("GET", &path, Some(token), None).await;
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        let page = a.json();
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

fn markers(items: &[Value]) -> Vec<String> {
    let mut m: Vec<String> = items
        .iter()
        .map(|i| i["profile"]["self_pr"].as_str().unwrap_or("").to_owned())
        .collect();
    m.sort();
    m
}

fn by_marker<'a>(items: &'a [Value], marker: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["profile"]["self_pr"] == marker)
        .unwrap_or_else(|| panic!("{marker} among {:?}", markers(items)))
}

const VILLAGE: &str = "434256"; // 産山村, Kumamoto
const TOWNS: [&str; 4] = ["434329", "434337", "432024", "431001"];

async fn a_lone_villager_is_shown_by_prefecture_and_no_filter_finds_the_village(app: TestApp) {
    let w = world(&app).await;
    put(
        &app,
        &w,
        "village",
        seeker("both", ("43", Some(VILLAGE)), &["081-02"], &[], "V"),
    )
    .await;
    for (i, town) in TOWNS.iter().enumerate() {
        put(
            &app,
            &w,
            &format!("town-{i}"),
            seeker("both", ("43", Some(town)), &["081"], &[], &format!("T{i}")),
        )
        .await;
    }
    let all = found(&app, &w.private, "prefecture=43").await;
    assert_eq!(markers(&all), ["T0", "T1", "T2", "T3", "V"]);
    let v = by_marker(&all, "V");
    assert_eq!(
        v["profile"]["work_locations"],
        json!([{"prefecture": "43"}])
    );
    assert_eq!(v["profile"]["desired_occupations"], json!(["08"]));
    assert_eq!(v["generalised"]["work_locations"], "prefecture");
    assert_eq!(v["generalised"]["desired_occupations"], "major");
    assert_eq!(v["generalised"]["k"], K);
    // Always coarse: the wage's band, years as a range, no dates.
    assert_eq!(
        v["profile"]["desired_wage"],
        json!({"kind": "monthly", "min": 220000, "max": 240000})
    );
    assert_eq!(v["profile"]["work_history"][0]["occupation"], "13");
    assert_eq!(v["profile"]["work_history"][0]["years"], 11);
    assert_eq!(v["profile"]["work_history"][0]["years_max"], 20);
    assert!(!v.to_string().contains(VILLAGE));
    // No filter reaches what is not shown, however combined.
    for q in [
        format!("municipality={VILLAGE}"),
        format!("municipality={VILLAGE}&prefecture=43"),
        "occupation=081-02".to_owned(),
        "occupation=081".to_owned(),
        "occupation=081-02&prefecture=43".to_owned(),
        format!("municipality={VILLAGE}&q=V"),
        format!("municipality={}", TOWNS[0]),
    ] {
        assert!(found(&app, &w.private, &q).await.is_empty(), "{q}");
    }
    assert_eq!(found(&app, &w.private, "occupation=08").await.len(), 5);
    // Wage filters answer from the band: 221,000 and 239,999 alike.
    let low = found(&app, &w.private, "wage_min=220000").await.len();
    let high = found(&app, &w.private, "wage_min=239999").await.len();
    let below = found(&app, &w.private, "wage_min=219999").await.len();
    assert_eq!((low, high, below), (5, 5, 0));
    // The read shows what the search showed.
    let read = app
        .call(
            "GET",
            &format!("/v1/profiles/{}", v["profile_id"].as_str().unwrap()),
            Some(&w.private),
            None,
        )
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["profile"], v["profile"]);
    assert_eq!(read.json()["generalised"], v["generalised"]);

    // Four more alike: the village and the minor group appear.
    for i in 0..4 {
        put(
            &app,
            &w,
            &format!("village-{i}"),
            seeker(
                "both",
                ("43", Some(VILLAGE)),
                &["081-02"],
                &[],
                &format!("V{i}"),
            ),
        )
        .await;
    }
    let in_village = found(&app, &w.private, &format!("municipality={VILLAGE}")).await;
    assert_eq!(markers(&in_village), ["V", "V0", "V1", "V2", "V3"]);
    let v = by_marker(&in_village, "V");
    assert_eq!(
        v["profile"]["work_locations"],
        json!([{"prefecture": "43", "municipality": VILLAGE}])
    );
    assert_eq!(v["profile"]["desired_occupations"], json!(["081-02"]));
    assert_eq!(v["generalised"]["level"], 0);
    // The four in towns were shown alike only with the villager: alone
    // now, they are withheld rather than singled out.
    assert_eq!(
        markers(&found(&app, &w.private, "prefecture=43").await),
        ["V", "V0", "V1", "V2", "V3"]
    );
}

async fn a_rare_qualification_is_shown_by_its_field_and_found_by_nothing(app: TestApp) {
    let w = world(&app).await;
    let place = ("13", Some("131016"));
    for i in 0..5 {
        put(
            &app,
            &w,
            &format!("carer-{i}"),
            seeker("both", place, &["081"], &["介護福祉士"], &format!("C{i}")),
        )
        .await;
    }
    for i in 0..4 {
        put(
            &app,
            &w,
            &format!("driver-{i}"),
            seeker(
                "both",
                place,
                &["081"],
                &["大型自動車免許"],
                &format!("D{i}"),
            ),
        )
        .await;
    }
    put(
        &app,
        &w,
        "engineer",
        seeker("both", place, &["081"], &["海技士（機関）"], "E"),
    )
    .await;
    let all = found(&app, &w.public, "municipality=131016").await;
    assert_eq!(all.len(), 10);
    let e = by_marker(&all, "E");
    assert_eq!(
        e["profile"]["qualifications"],
        json!([{"name": "運転・運輸", "field": true}])
    );
    assert_eq!(e["generalised"]["qualifications"], "field");
    assert_eq!(e["generalised"]["work_locations"], "as_given");
    assert!(!e.to_string().contains("海技士"));
    let c = by_marker(&all, "C0");
    assert_eq!(
        c["profile"]["qualifications"],
        json!([{"name": "介護福祉士"}])
    );
    for q in [
        "qualification=海技士（機関）",
        "q=海技士",
        "q=機関）",
        "qualification=大型自動車免許",
        "q=大型自動車",
    ] {
        let hits = found(&app, &w.public, q).await;
        assert!(hits.is_empty(), "{q}: {:?}", markers(&hits));
    }
    assert_eq!(
        found(&app, &w.public, "qualification=介護福祉士")
            .await
            .len(),
        5
    );
}

async fn narrowed_consent_and_ended_registrations_lower_the_counts_at_once(app: TestApp) {
    let w = world(&app).await;
    let alike =
        |scope: &str, marker: &str| seeker(scope, ("13", Some("131024")), &["051-01"], &[], marker);
    for i in 0..5 {
        put(&app, &w, &format!("a-{i}"), alike("both", &format!("A{i}"))).await;
    }
    let q = "municipality=131024";
    assert_eq!(found(&app, &w.private, q).await.len(), 5);
    assert_eq!(found(&app, &w.public, q).await.len(), 5);
    // One narrows to municipalities: the private sector's four are too
    // few, at once; the public sector still sees five.
    put(&app, &w, "a-0", alike("public_only", "A0")).await;
    assert!(found(&app, &w.private, q).await.is_empty());
    assert!(found(&app, &w.private, "").await.is_empty());
    assert_eq!(found(&app, &w.public, q).await.len(), 5);
    // From My Page too.
    let session = app
        .call("POST", "/v1/seekers/a-1/sessions", Some(&w.hw), None)
        .await
        .json();
    let me = session["access_token"].as_str().unwrap().to_owned();
    let a = app
        .call(
            "PUT",
            "/v1/me/consent",
            Some(&me),
            Some(json!({"consent_scope": "private_only"})),
        )
        .await;
    assert!(a.status.is_success(), "{}", a.text());
    assert!(found(&app, &w.public, q).await.is_empty());
    // Back to both: five for the public sector again.
    let a = app
        .call(
            "PUT",
            "/v1/me/consent",
            Some(&me),
            Some(json!({"consent_scope": "both"})),
        )
        .await;
    assert!(a.status.is_success());
    assert_eq!(found(&app, &w.public, q).await.len(), 5);
    // An ended registration: four left.
    let d = app
        .call("DELETE", "/v1/seekers/a-2?reason=placed", Some(&w.hw), None)
        .await;
    assert_eq!(d.status, 204);
    assert!(found(&app, &w.public, q).await.is_empty());
}

async fn the_seeker_sees_exactly_what_organisations_see(app: TestApp) {
    let w = world(&app).await;
    put(
        &app,
        &w,
        "me",
        seeker(
            "both",
            ("43", Some(VILLAGE)),
            &["081-02"],
            &["珍しい資格"],
            "ME",
        ),
    )
    .await;
    let token = app
        .call("POST", "/v1/seekers/me/sessions", Some(&w.hw), None)
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Alone: withheld from both sectors, and told so.
    let status = app.call("GET", "/v1/me", Some(&token), None).await.json();
    let seen = status["seen_by"].as_array().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.get("profile").is_none()), "{status}");
    for (i, town) in TOWNS.iter().enumerate() {
        put(
            &app,
            &w,
            &format!("other-{i}"),
            seeker("both", ("43", Some(town)), &["081"], &[], &format!("O{i}")),
        )
        .await;
    }
    let status = app.call("GET", "/v1/me", Some(&token), None).await.json();
    let orgs = found(&app, &w.private, "prefecture=43").await;
    let shown = by_marker(&orgs, "ME");
    let private = status["seen_by"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sector"] == "private")
        .unwrap();
    assert_eq!(private["profile"], shown["profile"]);
    assert_eq!(private["generalised"], shown["generalised"]);
    assert_eq!(shown["generalised"]["qualifications"], "hidden");
    assert!(!shown.to_string().contains("珍しい"));
    // My Page says the same in words, for each sector.
    let browser = crate::pages::signed_in(&app, &w, "me").await;
    let page = browser.get(&app, "/my-page/profile").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains("民間の職業紹介事業者等に見える内容"),
        "{html}"
    );
    assert!(
        html.contains("希望勤務地は都道府県までの表示です"),
        "{html}"
    );
    assert!(html.contains("資格は表示していません"), "{html}");
    assert!(html.contains("熊本県"));
    assert!(
        !html.contains("産山村") && !html.contains("珍しい"),
        "{html}"
    );
}

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }
}

/// Over a random population, every combination an organisation is shown
/// (with how far it was generalised) is shared by at least k profiles it
/// is shown alike, in both sectors.
async fn no_shown_combination_is_rarer_than_k(app: TestApp) {
    let w = world(&app).await;
    let mut rng = Rng(0x5eed_1234_abcd);
    let places: [(&str, Option<&str>); 6] = [
        ("13", Some("131016")),
        ("13", Some("131024")),
        ("13", None),
        ("43", Some(VILLAGE)),
        ("43", Some("431001")),
        ("01", None),
    ];
    let mut lines = String::new();
    for n in 0..90 {
        let place = places[rng.below(places.len() as u64) as usize];
        let occ = rng.pick(&["08", "081", "081-02", "051-01", "05"]);
        let quals: Vec<&str> = match rng.below(4) {
            0 => vec![],
            1 => vec!["介護福祉士"],
            2 => vec![rng.pick(&["海技士（機関）", "看護師", "珍しい資格"])],
            _ => vec!["介護福祉士", "普通自動車免許"],
        };
        let scope = rng.pick(&["both", "both", "public_only", "private_only", "none"]);
        let mut line = seeker(scope, place, &[occ], &quals, &format!("R{n}"));
        line["seeker_ref"] = json!(format!("r-{n}"));
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    let req = app
        .client
        .post(app.url("/v1/seekers/batch"))
        .insert_header(("authorization", format!("Bearer {}", w.hw)))
        .insert_header(("content-type", "application/x-ndjson"));
    let a = app.send(req, Some(lines.into_bytes())).await;
    assert_eq!(a.status, 200, "{}", a.text());
    for token in [&w.public, &w.private] {
        let items = found(&app, token, "").await;
        let mut groups: BTreeMap<String, usize> = BTreeMap::new();
        for i in &items {
            let p = &i["profile"];
            let key = json!([
                i["generalised"]["level"],
                p["work_locations"],
                p["desired_occupations"],
                p["qualifications"]
            ])
            .to_string();
            *groups.entry(key).or_default() += 1;
        }
        assert!(!groups.is_empty());
        for (key, n) in &groups {
            assert!(*n as i64 >= K, "{key}: {n}");
        }
    }
}

/// One batch of three groups (1,000 lines a transaction): on PostgreSQL
/// groups naming different seekers are written side by side. The five
/// villagers are spread over the three groups: the village is found only
/// if every group's counts were added to the others' (none lost to a
/// group that read the tallies before another wrote them). A seeker named
/// in the first two groups ends as the later line says (those two are
/// written one after the other).
async fn groups_written_side_by_side_each_count_their_seekers(app: TestApp) {
    let w = world(&app).await;
    let villagers = [100usize, 400, 1100, 1700, 2100];
    let lines: Vec<String> = (0..2600)
        .map(|i| {
            let (mut v, name) = if villagers.contains(&i) {
                let v = seeker(
                    "both",
                    ("43", Some(VILLAGE)),
                    &["051-01"],
                    &[],
                    &format!("V{i}"),
                );
                (v, format!("v-{i}"))
            } else if i == 50 || i == 1050 {
                let (scope, marker) = if i == 50 {
                    ("public_only", "TWICE1")
                } else {
                    ("both", "TWICE2")
                };
                (
                    seeker(scope, ("13", None), &["051-01"], &[], marker),
                    "twice".to_owned(),
                )
            } else {
                let v = seeker(
                    "both",
                    ("13", Some("131016")),
                    &["051-01"],
                    &[],
                    &format!("F{i}"),
                );
                (v, format!("f-{i}"))
            };
            v["seeker_ref"] = json!(name);
            v.to_string()
        })
        .collect();
    let a = app
        .send(
            app.client
                .post(app.url("/v1/seekers/batch"))
                .insert_header(("authorization", format!("Bearer {}", w.hw)))
                .insert_header(("content-type", "application/x-ndjson")),
            Some(lines.join("\n").into_bytes()),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    let results = a.json()["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 2600);
    assert!(
        results.iter().all(|r| r["status"] != "error"),
        "{results:?}"
    );
    assert_eq!(results[1050]["status"], "updated");
    let village = found(&app, &w.private, &format!("municipality={VILLAGE}")).await;
    assert_eq!(
        markers(&village),
        ["V100", "V1100", "V1700", "V2100", "V400"]
    );
    let twice = app
        .state()
        .db
        .run(|c| kyushoku_store::seekers::find_by_ref(c, "twice"))
        .unwrap()
        .unwrap();
    assert_eq!(twice.consent_scope, kyushoku_domain::ConsentScope::Both);
    assert!(twice.profile.unwrap().contains("TWICE2"));
}

k_tests!(
    a_lone_villager_is_shown_by_prefecture_and_no_filter_finds_the_village,
    a_rare_qualification_is_shown_by_its_field_and_found_by_nothing,
    narrowed_consent_and_ended_registrations_lower_the_counts_at_once,
    the_seeker_sees_exactly_what_organisations_see,
    no_shown_combination_is_rarer_than_k,
    groups_written_side_by_side_each_count_their_seekers,
);
