//! Job offers (issue 6, first part): ingest, R1 with the employer's scope,
//! browse filters, read, withdrawal and expiry.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::backend_tests;
use crate::support::TestApp;

fn today() -> chrono::NaiveDate {
    kyushoku_api::ingest::today_in_japan()
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
    let req = app
        .client
        .post(app.url("/v1/job-offers/batch"))
        .insert_header(("authorization", format!("Bearer {hw}")))
        .insert_header(("content-type", "application/x-ndjson"));
    let a = app.send(req, Some(body.join("\n").into_bytes())).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let results = a.json()["results"].as_array().unwrap().clone();
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
