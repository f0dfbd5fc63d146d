//! `/v1/codes/…`: the reference lists, loaded from data.

use crate::backend_tests;
use crate::support::TestApp;

async fn prefectures_are_the_47_of_jis_x0401(app: TestApp) {
    let a = app.get("/v1/codes/prefectures").await;
    assert_eq!(a.status, 200);
    let body = a.json();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 47);
    assert_eq!(items[0]["code"], "01");
    assert_eq!(items[12]["code"], "13");
    assert_eq!(items[12]["name"], "東京都");
    assert_eq!(items[12]["local_government_code"], "130001");
    assert!(body["next_cursor"].is_null());
    assert!(a.header("cache-control").unwrap().contains("max-age"));
}

async fn municipalities_filter_by_prefecture(app: TestApp) {
    let all = app.get("/v1/codes/municipalities").await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 1741);
    let tokyo = app.get("/v1/codes/municipalities?prefecture=13").await;
    assert_eq!(tokyo.status, 200);
    let items = tokyo.json()["items"].as_array().unwrap().clone();
    assert!(items.iter().all(|m| m["prefecture"] == "13"));
    let shinjuku = items
        .iter()
        .find(|m| m["code"] == "131041")
        .expect("Shinjuku");
    assert_eq!(shinjuku["name"], "新宿区");
    // Sorted by code.
    let codes: Vec<&str> = items.iter().map(|m| m["code"].as_str().unwrap()).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
}

async fn a_bad_prefecture_filter_is_a_validation_problem(app: TestApp) {
    for bad in ["99", "1", "tokyo", "00", "１３"] {
        let a = app
            .get(&format!(
                "/v1/codes/municipalities?prefecture={}",
                urlencode(bad)
            ))
            .await;
        let p = a.assert_problem(422, "validation");
        assert_eq!(p["errors"][0]["field"], "prefecture", "{bad}");
    }
    // An unknown parameter is refused rather than silently ignored.
    let a = app.get("/v1/codes/municipalities?prefcture=13").await;
    let p = a.assert_problem(422, "validation");
    assert_eq!(p["errors"][0]["field"], "prefcture");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn occupations_are_the_15_major_groups(app: TestApp) {
    let a = app.get("/v1/codes/occupations").await;
    assert_eq!(a.status, 200);
    let items = a.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 15);
    assert_eq!(items[7]["code"], "08");
    assert_eq!(items[7]["name"], "福祉・介護の職業");
}

backend_tests!(
    prefectures_are_the_47_of_jis_x0401,
    municipalities_filter_by_prefecture,
    a_bad_prefecture_filter_is_a_validation_problem,
    occupations_are_the_15_major_groups,
);
