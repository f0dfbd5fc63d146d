//! The terms of use (issue 38) through HTTP: complaints handled as cases
//! the seeker follows on My Page, quarterly usage reports (draft, submit,
//! correct), who owes one, and the sanctions for a late or false report.

use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::terms::FiscalQuarter;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::messaging::{only_profile, seeker, send, world};
use crate::support::TestApp;

/// Runs one SQL statement on the test's database.
pub(crate) async fn sql(app: &TestApp, statement: String) {
    app.state()
        .db_run(move |c| {
            use diesel::RunQueryDsl;
            let q = diesel::sql_query(statement);
            Ok(match c {
                kyushoku_store::DbConn::Postgresql(pg) => q.execute(pg)?,
                kyushoku_store::DbConn::Sqlite(lite) => q.execute(lite)?,
            })
        })
        .await
        .unwrap();
}

fn field_names(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_complaint_is_a_case_the_seeker_follows(app: TestApp) {
    let w = world(&app).await;
    let me = seeker(&app, &w, "complaint-1", "both").await;
    let pid = only_profile(&app, &w.private).await;
    let sent = send(&app, &w.private, &pid, Some("案内"), "しつこい勧誘").await;
    let report = crate::messaging::report_sent(&app, &me, &sent, "何度も連絡が来る").await;
    let mine = app.call("GET", "/v1/me/reports", Some(&me), None).await;
    assert_eq!(mine.status, 200, "{}", mine.text());
    let item = &mine.json()["items"][0];
    assert_eq!(item["report_id"], report.as_str());
    assert_eq!(item["status"], "received");
    assert_eq!(item["outcome"], Value::Null);
    assert_eq!(item["organisation_name"], "株式会社みらい人材 (demo)");

    let received = app
        .call("GET", "/v1/reports?status=received", Some(&w.bureau), None)
        .await
        .json();
    assert_eq!(received["items"][0]["report_id"], report.as_str());
    assert_eq!(
        app.call("GET", "/v1/reports?status=answered", Some(&w.bureau), None)
            .await
            .json()["items"],
        json!([])
    );
    assert_eq!(
        app.call("GET", "/v1/reports?status=closed", Some(&w.bureau), None)
            .await
            .status,
        422
    );

    let handling = format!("/v1/reports/{report}/handling");
    // Another prefecture's bureau, an organisation, the seeker: not theirs.
    let osaka = app.client_token(w.cast.get("bureau_27")).await;
    app.call(
        "POST",
        &handling,
        Some(&osaka),
        Some(json!({"status": "reviewing"})),
    )
    .await
    .assert_problem(404, "not-found");
    for token in [&w.private, &me] {
        let a = app
            .call(
                "POST",
                &handling,
                Some(token),
                Some(json!({"status": "reviewing"})),
            )
            .await;
        assert_eq!(a.status, 403, "{}", a.text());
    }
    app.call(
        "POST",
        &format!("/v1/reports/{}/handling", uuid::Uuid::now_v7()),
        Some(&w.bureau),
        Some(json!({"status": "reviewing"})),
    )
    .await
    .assert_problem(404, "not-found");
    // An answer says what was done; an outcome goes with an answer only.
    let bad = app
        .call(
            "POST",
            &handling,
            Some(&w.bureau),
            Some(json!({"status": "answered"})),
        )
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["outcome"]
    );
    let bad = app
        .call(
            "POST",
            &handling,
            Some(&w.bureau),
            Some(json!({"status": "reviewing", "outcome": "warning", "note": "x\u{7}"})),
        )
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["outcome", "note"]
    );

    // The seeker hears of each step on their stream, never the note.
    let mut stream = app.events("/v1/me/events", &me, None).await;
    let reviewing = app
        .call(
            "POST",
            &handling,
            Some(&w.bureau),
            Some(json!({"status": "reviewing", "note": "事業者に確認中"})),
        )
        .await;
    assert_eq!(reviewing.status, 200, "{}", reviewing.text());
    assert_eq!(reviewing.json()["status"], "reviewing");
    let (_, kind, data) = stream.next_event(std::time::Duration::from_secs(10)).await;
    assert_eq!(kind, "report_handled");
    assert_eq!(
        data,
        json!({"report_id": report.as_str(), "status": "reviewing", "outcome": null})
    );
    let mine = app
        .call("GET", "/v1/me/reports", Some(&me), None)
        .await
        .json();
    assert_eq!(mine["items"][0]["status"], "reviewing");
    assert!(
        !mine.to_string().contains("事業者に確認中"),
        "the note is the bureau's own"
    );

    // A suspension is told only once it was decided.
    app.call(
        "POST",
        &handling,
        Some(&w.bureau),
        Some(json!({"status": "answered", "outcome": "suspension"})),
    )
    .await
    .assert_problem(409, "illegal-transition");
    let decided = app
        .call(
            "POST",
            &format!(
                "/v1/organisations/{}/decisions",
                w.cast.org_id("org_private")
            ),
            Some(&w.bureau),
            Some(json!({"decision": "suspend", "reason": "苦情への対応"})),
        )
        .await;
    assert_eq!(decided.status, 200, "{}", decided.text());
    let answered = app
        .call(
            "POST",
            &handling,
            Some(&w.bureau),
            Some(json!({"status": "answered", "outcome": "suspension"})),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.text());
    let mine = app
        .call("GET", "/v1/me/reports", Some(&me), None)
        .await
        .json();
    assert_eq!(mine["items"][0]["status"], "answered");
    assert_eq!(mine["items"][0]["outcome"], "suspension");
    // Answered is final.
    app.call(
        "POST",
        &handling,
        Some(&w.bureau),
        Some(json!({"status": "reviewing"})),
    )
    .await
    .assert_problem(409, "illegal-transition");
    let trail = app
        .call(
            "GET",
            "/v1/audit?action=complaint_handled",
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(trail["items"].as_array().unwrap().len(), 2, "{trail}");
}

/// The quarters the cast's organisations owe (they were approved
/// `DEMO_APPROVED_DAYS_AGO` days ago): the oldest is past its deadline.
fn oldest_owed() -> FiscalQuarter {
    FiscalQuarter::containing(
        today_in_japan() - chrono::Duration::days(kyushoku::demo::DEMO_APPROVED_DAYS_AGO),
    )
}

async fn usage_reports_are_drafted_submitted_and_corrected(app: TestApp) {
    let w = world(&app).await;
    let org = w.cast.org_id("org_private");
    let oldest = oldest_owed();
    let current = FiscalQuarter::containing(today_in_japan());
    let list = app
        .call(
            "GET",
            &format!("/v1/organisations/{org}/usage-reports"),
            Some(&w.private),
            None,
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text());
    let items = list.json()["items"].as_array().unwrap().clone();
    assert_eq!(items[0]["quarter"], current.to_string());
    assert_eq!(items[0]["standing"], "running");
    let last = items.last().unwrap();
    assert_eq!(last["quarter"], oldest.to_string());
    assert_eq!(last["standing"], "overdue");
    assert_eq!(last["due_on"], oldest.due_on().to_string());
    assert_eq!(last["status"], Value::Null);

    // A hire reported one by one shows as the draft's starting point.
    seeker(&app, &w, "hired-1", "both").await;
    let pid = only_profile(&app, &w.private).await;
    let hire_day = oldest
        .last_day()
        .max(today_in_japan() - chrono::Duration::days(300));
    let hired = app
        .call(
            "POST",
            "/v1/hires",
            Some(&w.private),
            Some(json!({"profile_id": pid, "hired_on": hire_day, "employment_type": "full_time"})),
        )
        .await;
    assert_eq!(hired.status, 201, "{}", hired.text());
    let path = format!("/v1/organisations/{org}/usage-reports/{oldest}");
    let one = app.call("GET", &path, Some(&w.private), None).await.json();
    assert_eq!(
        one["reported_hires"],
        json!({"from_offers": 0, "from_seekers": 1})
    );

    // Bad figures change nothing and name each field; a private agency
    // reports no training bodies.
    let bad = app
        .call(
            "PUT",
            &path,
            Some(&w.private),
            Some(
                json!({"hires_from_offers": -1, "hires_from_seekers": 100001,
                "training_referrals": [{"training_body": "職業訓練校", "offers": 3}]}),
            ),
        )
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        [
            "hires_from_offers",
            "hires_from_seekers",
            "training_referrals"
        ]
    );
    assert_eq!(
        app.call("GET", &path, Some(&w.private), None).await.json()["status"],
        Value::Null
    );
    // Nothing to submit before a draft; a quarter not owed is not there.
    app.call(
        "POST",
        &format!("{path}/submission"),
        Some(&w.private),
        None,
    )
    .await
    .assert_problem(409, "illegal-transition");
    for quarter in ["FY2001-Q1", "FY3000-Q1", "2026-Q1", "FY2026-Q5"] {
        app.call(
            "GET",
            &format!("/v1/organisations/{org}/usage-reports/{quarter}"),
            Some(&w.private),
            None,
        )
        .await
        .assert_problem(404, "not-found");
    }

    let figures = json!({"hires_from_offers": 2, "hires_from_seekers": 1});
    let draft = app
        .call("PUT", &path, Some(&w.private), Some(figures))
        .await;
    assert_eq!(draft.status, 200, "{}", draft.text());
    assert_eq!(draft.json()["status"], "draft");
    assert_eq!(draft.json()["revision"], 1);
    // The running quarter may be drafted, not submitted.
    let running = format!("/v1/organisations/{org}/usage-reports/{current}");
    let a = app
        .call(
            "PUT",
            &running,
            Some(&w.private),
            Some(json!({"hires_from_offers": 0, "hires_from_seekers": 0})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    app.call(
        "POST",
        &format!("{running}/submission"),
        Some(&w.private),
        None,
    )
    .await
    .assert_problem(409, "illegal-transition");

    let submitted = app
        .call(
            "POST",
            &format!("{path}/submission"),
            Some(&w.private),
            None,
        )
        .await;
    assert_eq!(submitted.status, 200, "{}", submitted.text());
    assert_eq!(submitted.json()["status"], "submitted");
    assert_eq!(submitted.json()["standing"], "submitted");
    app.call(
        "POST",
        &format!("{path}/submission"),
        Some(&w.private),
        None,
    )
    .await
    .assert_problem(409, "illegal-transition");
    let corrected = app
        .call(
            "PUT",
            &path,
            Some(&w.private),
            Some(json!({"hires_from_offers": 3, "hires_from_seekers": 1})),
        )
        .await
        .json();
    assert_eq!(corrected["status"], "submitted");
    assert_eq!(corrected["revision"], 2);
    assert_eq!(corrected["hires_from_offers"], 3);
    assert!(corrected["corrected_at"].is_string(), "{corrected}");
    // A save based on an old revision is refused, not written over.
    app.call(
        "PUT",
        &path,
        Some(&w.private),
        Some(json!({"hires_from_offers": 9, "hires_from_seekers": 9, "revision": 1})),
    )
    .await
    .assert_problem(409, "conflict");
    let kept = app
        .call(
            "PUT",
            &path,
            Some(&w.private),
            Some(json!({"hires_from_offers": 12, "hires_from_seekers": 1, "revision": 2})),
        )
        .await
        .json();
    assert_eq!(kept["revision"], 3);
    // The ministry's figures come from the submitted reports, by fiscal
    // year and group, small counts suppressed.
    let stats = app.get("/v1/stats").await.json();
    let year = stats["reported_hires"]
        .as_array()
        .unwrap()
        .iter()
        .find(|y| y["fiscal_year"] == oldest.fiscal_year())
        .unwrap_or_else(|| panic!("{stats}"))
        .clone();
    let paid = year["by_group"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "paid_agencies")
        .unwrap()
        .clone();
    assert_eq!(paid["from_offers"], 12);
    assert_eq!(paid["from_seekers"], Value::Null, "1 is suppressed");
    assert_eq!(
        stats["providers"]["job_offers"]["total"],
        Value::Null,
        "3 are suppressed"
    );

    // A municipality names the training bodies it passed offers to.
    let public = w.cast.org_id("org_public");
    let referrals = app
        .call(
            "PUT",
            &format!("/v1/organisations/{public}/usage-reports/{oldest}"),
            Some(&w.public),
            Some(json!({"hires_from_offers": 0, "hires_from_seekers": 0,
                "training_referrals": [{"training_body": "新宿職業訓練センター", "offers": 4}]})),
        )
        .await;
    assert_eq!(referrals.status, 200, "{}", referrals.text());
    assert_eq!(
        referrals.json()["training_referrals"],
        json!([{"training_body": "新宿職業訓練センター", "offers": 4}])
    );
    let twice = app
        .call(
            "PUT",
            &format!("/v1/organisations/{public}/usage-reports/{oldest}"),
            Some(&w.public),
            Some(json!({"hires_from_offers": 0, "hires_from_seekers": 0, "training_referrals": [
                {"training_body": "訓練A", "offers": 1}, {"training_body": "訓練Ａ", "offers": 0}]})),
        )
        .await;
    assert_eq!(
        field_names(&twice.assert_problem(422, "validation")),
        [
            "training_referrals[1].training_body",
            "training_referrals[1].offers"
        ]
    );

    // Who reads and who writes: another organisation sees nothing, the
    // bureau of the prefecture reads but does not write, another bureau
    // is refused.
    app.call("GET", &path, Some(&w.public), None)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(
        app.call("GET", &path, Some(&w.bureau), None).await.status,
        200
    );
    let osaka = app.client_token(w.cast.get("bureau_27")).await;
    assert_eq!(app.call("GET", &path, Some(&osaka), None).await.status, 403);
    let a = app
        .call(
            "PUT",
            &path,
            Some(&w.bureau),
            Some(json!({"hires_from_offers": 0, "hires_from_seekers": 0})),
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.text());
    let trail = app
        .call(
            "GET",
            "/v1/audit?action=usage_report_submitted",
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(trail["items"].as_array().unwrap().len(), 1, "{trail}");
}

async fn overdue_and_false_reports_are_sanctioned_as_the_terms_say(app: TestApp) {
    let w = world(&app).await;
    // Approved 400 days ago: several quarters are past their deadline.
    sql(
        &app,
        format!(
            "UPDATE organisation_terms SET approved_on = '{}'",
            today_in_japan() - chrono::Duration::days(400)
        ),
    )
    .await;
    let first = FiscalQuarter::containing(today_in_japan() - chrono::Duration::days(400));
    let second = first.next();
    let public = w.cast.org_id("org_public");
    let private = w.cast.org_id("org_private");

    // The private agency reports the first quarter; the city does not.
    let path = format!("/v1/organisations/{private}/usage-reports/{first}");
    app.call(
        "PUT",
        &path,
        Some(&w.private),
        Some(json!({"hires_from_offers": 1, "hires_from_seekers": 0})),
    )
    .await;
    let s = app
        .call(
            "POST",
            &format!("{path}/submission"),
            Some(&w.private),
            None,
        )
        .await;
    assert_eq!(s.status, 200, "{}", s.text());

    let outstanding = app
        .call(
            "GET",
            &format!("/v1/usage-reports?quarter={first}&only=outstanding"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    let ids: Vec<&str> = outstanding["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["organisation_id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&public) && !ids.contains(&private),
        "{outstanding}"
    );
    assert!(outstanding["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["standing"] == "overdue"));
    let submitted = app
        .call(
            "GET",
            &format!("/v1/usage-reports?quarter={first}&only=submitted"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(submitted["items"][0]["organisation_id"], private);
    assert_eq!(submitted["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.call(
            "GET",
            "/v1/usage-reports?quarter=FY26-Q1",
            Some(&w.bureau),
            None
        )
        .await
        .status,
        422
    );
    assert_eq!(
        app.call("GET", "/v1/usage-reports", Some(&w.private), None)
            .await
            .status,
        403
    );

    let sanctions = format!("/v1/organisations/{public}/sanctions");
    // Bad input, another bureau, a ground that does not hold: nothing changes.
    let bad = app
        .call(
            "POST",
            &sanctions,
            Some(&w.bureau),
            Some(json!({"ground": "overdue_report", "quarter": "FY26", "reason": " "})),
        )
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["reason", "quarter"]
    );
    let osaka = app.client_token(w.cast.get("bureau_27")).await;
    let a = app
        .call(
            "POST",
            &sanctions,
            Some(&osaka),
            Some(json!({"ground": "overdue_report", "quarter": first.to_string(), "reason": "未報告"})),
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.text());
    app.call(
        "POST",
        &format!("/v1/organisations/{private}/sanctions"),
        Some(&w.bureau),
        Some(json!({"ground": "overdue_report", "quarter": first.to_string(), "reason": "未報告"})),
    )
    .await
    .assert_problem(409, "illegal-transition");

    // An overdue report suspends for six months, once per quarter; no
    // reinstatement before the end; the organisation's tokens end.
    let body = json!({"ground": "overdue_report", "quarter": first.to_string(), "reason": "第1四半期の利用状況報告が未提出"});
    let first_try = app
        .client_post(&sanctions)
        .insert_header(("authorization", format!("Bearer {}", w.bureau)))
        .insert_header(("idempotency-key", "sanction-1"))
        .insert_header(("content-type", "application/json"));
    let imposed = app
        .send(first_try, Some(serde_json::to_vec(&body).unwrap()))
        .await;
    assert_eq!(imposed.status, 201, "{}", imposed.text());
    let imposed = imposed.json();
    assert_eq!(imposed["decision"], "suspend");
    assert_eq!(imposed["organisation_status"], "suspended");
    let until = today_in_japan()
        .checked_add_months(chrono::Months::new(6))
        .unwrap();
    assert_eq!(imposed["suspended_until"], until.to_string());
    let again = app
        .client_post(&sanctions)
        .insert_header(("authorization", format!("Bearer {}", w.bureau)))
        .insert_header(("idempotency-key", "sanction-1"))
        .insert_header(("content-type", "application/json"));
    let again = app
        .send(again, Some(serde_json::to_vec(&body).unwrap()))
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json()["sanction_id"], imposed["sanction_id"]);
    app.call("POST", &sanctions, Some(&w.bureau), Some(body.clone()))
        .await
        .assert_problem(409, "illegal-transition");
    app.call(
        "GET",
        &format!("/v1/organisations/{public}"),
        Some(&w.public),
        None,
    )
    .await
    .assert_problem(403, "access-revoked");
    app.call(
        "POST",
        &format!("/v1/organisations/{public}/decisions"),
        Some(&w.bureau),
        Some(json!({"decision": "reinstate", "reason": "報告を受領"})),
    )
    .await
    .assert_problem(409, "illegal-transition");
    // Suspended, the city still signs in and sends the overdue report
    // (late: the bureau sees when), though nothing else needing an approval.
    let suspended = app.client_token(w.cast.get("org_public")).await;
    let late = format!("/v1/organisations/{public}/usage-reports/{first}");
    let saved = app
        .call(
            "PUT",
            &late,
            Some(&suspended),
            Some(json!({"hires_from_offers": 0, "hires_from_seekers": 0})),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    let sent = app
        .call(
            "POST",
            &format!("{late}/submission"),
            Some(&suspended),
            None,
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text());
    assert_eq!(sent.json()["standing"], "submitted");
    app.call("GET", "/v1/job-offers", Some(&suspended), None)
        .await
        .assert_problem(403, "organisation-not-approved");
    // A second overdue quarter cancels the approval.
    let revoked = app
        .call(
            "POST",
            &sanctions,
            Some(&w.bureau),
            Some(json!({"ground": "overdue_report", "quarter": second.to_string(), "reason": "再度の未提出"})),
        )
        .await;
    assert_eq!(revoked.status, 201, "{}", revoked.text());
    assert_eq!(revoked.json()["decision"], "revoke");
    assert_eq!(revoked.json()["organisation_status"], "revoked");
    let history = app
        .call("GET", &sanctions, Some(&w.bureau), None)
        .await
        .json();
    assert_eq!(history["items"].as_array().unwrap().len(), 2);

    // A false report cancels at once, and can no longer be corrected.
    let falsehood = app
        .call(
            "POST",
            &format!("/v1/organisations/{private}/sanctions"),
            Some(&w.bureau),
            Some(json!({"ground": "false_report", "quarter": first.to_string(), "reason": "採用実績の虚偽"})),
        )
        .await;
    assert_eq!(falsehood.status, 201, "{}", falsehood.text());
    assert_eq!(falsehood.json()["decision"], "revoke");
    let report = app.call("GET", &path, Some(&w.bureau), None).await.json();
    assert_eq!(report["found_false"], true);
    let trail = app
        .call(
            "GET",
            "/v1/audit?action=sanction_imposed",
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(trail["items"].as_array().unwrap().len(), 3, "{trail}");
}

/// 利用停止: an organisation stops a service itself; seeker information
/// takes job offers with it, job offers alone leave seeker information.
async fn an_organisation_stops_a_service_itself(app: TestApp) {
    let w = world(&app).await;
    let public = w.cast.org_id("org_public");
    let private = w.cast.org_id("org_private");
    let stop = |org: &str| format!("/v1/organisations/{org}/service-stops");
    // Only the organisation's administrator; a reason is required.
    let a = app
        .call(
            "POST",
            &stop(public),
            Some(&w.bureau),
            Some(json!({"service": "job_offers", "reason": "不要"})),
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.text());
    app.call(
        "POST",
        &stop(public),
        Some(&w.private),
        Some(json!({"service": "job_offers", "reason": "x"})),
    )
    .await
    .assert_problem(404, "not-found");
    let bad = app
        .call(
            "POST",
            &stop(public),
            Some(&w.public),
            Some(json!({"service": "job_offers", "reason": " "})),
        )
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["reason"]
    );

    // Job offers alone: seeker information stays.
    let a = app
        .call(
            "POST",
            &stop(public),
            Some(&w.public),
            Some(json!({"service": "job_offers", "reason": "求人は自前で確保"})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["services"], json!(["seeker_info"]));
    assert_eq!(
        app.call("GET", "/v1/job-offers", Some(&w.public), None)
            .await
            .status,
        403
    );
    assert_eq!(
        app.call("GET", "/v1/profiles", Some(&w.public), None)
            .await
            .status,
        200
    );
    app.call(
        "POST",
        &stop(public),
        Some(&w.public),
        Some(json!({"service": "job_offers", "reason": "again"})),
    )
    .await
    .assert_problem(409, "illegal-transition");

    // Seeker information takes job offers with it.
    let a = app
        .call(
            "POST",
            &stop(private),
            Some(&w.private),
            Some(json!({"service": "seeker_info", "reason": "事業縮小"})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["services"], json!([]));
    assert_eq!(a.json()["status"], "approved");
    for path in ["/v1/profiles", "/v1/job-offers"] {
        assert_eq!(
            app.call("GET", path, Some(&w.private), None).await.status,
            403,
            "{path}"
        );
    }
    // The reports it owes are still its to send.
    assert_eq!(
        app.call(
            "GET",
            &format!("/v1/organisations/{private}/usage-reports"),
            Some(&w.private),
            None
        )
        .await
        .status,
        200
    );
    let trail = app
        .call(
            "GET",
            "/v1/audit?action=service_stopped",
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(trail["items"].as_array().unwrap().len(), 2, "{trail}");
}

/// Eligibility at application (issue 38, point 1): a public body states
/// its part in placement; one that places states its regular placements of
/// the last three months; one that only supports gets no job offers; one
/// open application per licence number.
async fn applications_state_their_eligibility(app: TestApp) {
    let w = world(&app).await;
    let apply = |body: Value| app.call("POST", "/v1/organisations", None, Some(body));
    let agency = |licence: &str, email: &str| {
        json!({
            "name": "株式会社要件確認", "kind": "paid_agency", "prefecture": "13",
            "licence_number": licence, "regular_placements": 4, "services": ["seeker_info", "job_offers"],
            "admin": {"email": email, "password": "a long enough passphrase"}
        })
    };
    let city = |placement: Value, placements: Value, services: Value, email: &str| {
        json!({
            "name": "八王子市 就労支援", "kind": "municipality", "prefecture": "13",
            "municipality": "132012", "placement": placement, "regular_placements": placements,
            "services": services,
            "admin": {"email": email, "password": "a long enough passphrase"}
        })
    };
    // What each kind must state, each problem named, nothing created.
    let mut no_count = agency("13-ユ-354321", "a1@agency.example.jp");
    no_count
        .as_object_mut()
        .unwrap()
        .remove("regular_placements");
    let bad = apply(no_count).await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["regular_placements"]
    );
    let mut with_mode = agency("13-ユ-354321", "a1@agency.example.jp");
    with_mode["placement"] = json!("self_run");
    with_mode["regular_placements"] = json!(0);
    let bad = apply(with_mode).await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["placement", "regular_placements"]
    );
    let bad = apply(city(
        Value::Null,
        json!(2),
        json!(["seeker_info"]),
        "c1@city.example.jp",
    ))
    .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["placement"]
    );
    let bad = apply(city(
        json!("support_only"),
        Value::Null,
        json!(["seeker_info", "job_offers"]),
        "c1@city.example.jp",
    ))
    .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["services"]
    );
    let bad = apply(city(
        json!("elsewhere"),
        json!(1),
        json!(["seeker_info"]),
        "c1@city.example.jp",
    ))
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text());

    // A city that only supports: seeker information, no count to state.
    let supported = apply(city(
        json!("support_only"),
        Value::Null,
        json!(["seeker_info"]),
        "c2@city.example.jp",
    ))
    .await;
    assert_eq!(supported.status, 201, "{}", supported.text());
    assert_eq!(supported.json()["eligibility"]["placement"], "support_only");
    let ok = apply(agency("13-ユ-354321", "a2@agency.example.jp")).await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    let id = ok.json()["organisation_id"].as_str().unwrap().to_owned();
    // The bureau sees it beside the application.
    let read = app
        .call(
            "GET",
            &format!("/v1/organisations/{id}"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(
        read["eligibility"],
        json!({"placement": null, "regular_placements": 4})
    );

    // One open application per licence number; once refused, a new one.
    apply(agency("13-ユ-354321", "a3@agency.example.jp"))
        .await
        .assert_problem(409, "conflict");
    let refused = app
        .call(
            "POST",
            &format!("/v1/organisations/{id}/decisions"),
            Some(&w.bureau),
            Some(json!({"decision": "reject", "reason": "実績の確認が取れない"})),
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.text());
    let again = apply(agency("13-ユ-354321", "a4@agency.example.jp")).await;
    assert_eq!(again.status, 201, "{}", again.text());
}

/// 連名申請 (issue 38, point 2): a city that contracts placement out
/// applies with its contractor; the co-applicants are on its record; the
/// bureau decides on the whole; a staff user may belong to a co-applicant.
async fn a_joint_application_is_decided_whole(app: TestApp) {
    let w = world(&app).await;
    let body = |co: Value| {
        json!({
            "name": "府中市 就労支援課", "kind": "municipality", "prefecture": "13",
            "municipality": "132063", "placement": "contracted", "regular_placements": 6,
            "services": ["seeker_info", "job_offers"], "co_applicants": co,
            "admin": {"email": "joint@city.example.jp", "password": "a long enough passphrase"}
        })
    };
    // Without its contractor, or with one without a licence: refused.
    let bad = app
        .call("POST", "/v1/organisations", None, Some(body(json!([]))))
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["co_applicants"]
    );
    let bad = app
        .call(
            "POST",
            "/v1/organisations",
            None,
            Some(body(json!([{"name": "株式会社委託", "role": "contractor"},
                             {"name": "福祉部", "role": "department", "licence_number": "13-ユ-300009"}]))),
        )
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        [
            "co_applicants[0].licence_number",
            "co_applicants[1].licence_number"
        ]
    );
    let a = app
        .call(
            "POST",
            "/v1/organisations",
            None,
            Some(body(json!([
                {"name": "株式会社しごと委託", "role": "contractor", "licence_number": "13-ユ-377777"},
                {"name": "福祉部 生活支援課", "role": "department"}
            ]))),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text());
    let id = a.json()["organisation_id"].as_str().unwrap().to_owned();
    let record = app
        .call(
            "GET",
            &format!("/v1/organisations/{id}"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    let co = record["co_applicants"].as_array().unwrap().clone();
    assert_eq!(co.len(), 2, "{record}");
    assert_eq!(co[0]["role"], "contractor");
    assert_eq!(co[0]["licence_number"], "13-ユ-377777");
    // The bureau decides on the whole application.
    let decided = app
        .call(
            "POST",
            &format!("/v1/organisations/{id}/decisions"),
            Some(&w.bureau),
            Some(json!({"decision": "approve", "reason": "委託契約を確認"})),
        )
        .await;
    assert_eq!(decided.status, 200, "{}", decided.text());
    // Its administrator adds a user of the contractor; another
    // organisation's co-applicant id is refused.
    let login = app
        .login("joint@city.example.jp", "a long enough passphrase")
        .await;
    assert_eq!(login.status, 200, "{}", login.text());
    let admin = login.json()["access_token"].as_str().unwrap().to_owned();
    let users = format!("/v1/organisations/{id}/users");
    let bad = app
        .call(
            "POST",
            &users,
            Some(&admin),
            Some(json!({"email": "itaku@agency.example.jp", "co_applicant_id": "nope"})),
        )
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["co_applicant_id"]
    );
    let added = app
        .call(
            "POST",
            &users,
            Some(&admin),
            Some(json!({"email": "itaku@agency.example.jp", "co_applicant_id": co[0]["co_applicant_id"]})),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    assert_eq!(added.json()["co_applicant_id"], co[0]["co_applicant_id"]);
}

/// 変更の届出 (issue 38, point 4): an organisation asks for a change of its
/// record; the bureau approves it (applied at once) or rejects it.
async fn changes_to_the_record_are_asked_and_decided(app: TestApp) {
    let w = world(&app).await;
    let public = w.cast.org_id("org_public");
    let path = format!("/v1/organisations/{public}/change-requests");
    // Bad input names each field and files nothing.
    let bad = app
        .call("POST", &path, Some(&w.public), Some(json!({})))
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["changes"]
    );
    let bad = app
        .call(
            "POST",
            &path,
            Some(&w.public),
            Some(json!({"name": " ", "municipality": "271004", "services": []})),
        )
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["name", "municipality", "services"]
    );
    let a = app
        .call("POST", &path, Some(&w.bureau), Some(json!({"name": "x"})))
        .await;
    assert_eq!(a.status, 403, "{}", a.text());
    assert_eq!(
        app.call("GET", &path, Some(&w.public), None).await.json()["items"],
        json!([])
    );

    let asked = app
        .call(
            "POST",
            &path,
            Some(&w.public),
            Some(
                json!({"name": "新宿区 産業振興課", "services": ["seeker_info"],
                        "departments": ["福祉部 生活福祉課"]}),
            ),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.text());
    let request = asked.json()["change_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(asked.json()["status"], "pending");
    // One pending at a time.
    app.call(
        "POST",
        &path,
        Some(&w.public),
        Some(json!({"name": "別名"})),
    )
    .await
    .assert_problem(409, "conflict");
    let decide = format!("{path}/{request}/decision");
    let osaka = app.client_token(w.cast.get("bureau_27")).await;
    let a = app
        .call(
            "POST",
            &decide,
            Some(&osaka),
            Some(json!({"decision": "approve", "reason": "確認"})),
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.text());
    app.call(
        "POST",
        &decide,
        Some(&w.bureau),
        Some(json!({"decision": "maybe", "reason": "確認"})),
    )
    .await
    .assert_problem(422, "validation");
    let done = app
        .call(
            "POST",
            &decide,
            Some(&w.bureau),
            Some(json!({"decision": "approve", "reason": "条例改正を確認"})),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let org = &done.json()["organisation"];
    assert_eq!(org["name"], "新宿区 産業振興課");
    assert_eq!(org["services"], json!(["seeker_info"]));
    assert_eq!(done.json()["request"]["status"], "approved");
    // Applied at once: the organisation's token no longer opens offers.
    assert_eq!(
        app.call("GET", "/v1/job-offers", Some(&w.public), None)
            .await
            .status,
        403
    );
    let record = app
        .call(
            "GET",
            &format!("/v1/organisations/{public}"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(record["co_applicants"][0]["name"], "福祉部 生活福祉課");
    app.call(
        "POST",
        &decide,
        Some(&w.bureau),
        Some(json!({"decision": "reject", "reason": "再"})),
    )
    .await
    .assert_problem(409, "illegal-transition");
    // A rejection changes nothing but the request.
    let private = w.cast.org_id("org_private");
    let p2 = format!("/v1/organisations/{private}/change-requests");
    let asked = app
        .call(
            "POST",
            &p2,
            Some(&w.private),
            Some(json!({"name": "株式会社みらい"})),
        )
        .await
        .json();
    let rejected = app
        .call(
            "POST",
            &format!(
                "{p2}/{}/decision",
                asked["change_request_id"].as_str().unwrap()
            ),
            Some(&w.bureau),
            Some(json!({"decision": "reject", "reason": "登記事項証明書が未提出"})),
        )
        .await
        .json();
    assert_eq!(
        rejected["organisation"]["name"],
        "株式会社みらい人材 (demo)"
    );
    assert_eq!(rejected["request"]["reason"], "登記事項証明書が未提出");
    let trail = app
        .call(
            "GET",
            "/v1/audit?action=change_decided",
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(trail["items"].as_array().unwrap().len(), 2, "{trail}");

    // A change of address to another prefecture: the agency moves, and the
    // bureau of its new prefecture holds its record; a city cannot move.
    let bad = app
        .call(
            "POST",
            &path,
            Some(&w.public),
            Some(json!({"prefecture": "27"})),
        )
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["prefecture"]
    );
    let bad = app
        .call(
            "POST",
            &p2,
            Some(&w.private),
            Some(json!({"prefecture": "48"})),
        )
        .await;
    assert_eq!(
        field_names(&bad.assert_problem(422, "validation")),
        ["prefecture"]
    );
    let moving = app
        .call(
            "POST",
            &p2,
            Some(&w.private),
            Some(json!({"prefecture": "27"})),
        )
        .await;
    assert_eq!(moving.status, 201, "{}", moving.text());
    assert_eq!(moving.json()["changes"]["prefecture"], "27");
    let moved = app
        .call(
            "POST",
            &format!(
                "{p2}/{}/decision",
                moving.json()["change_request_id"].as_str().unwrap()
            ),
            Some(&w.bureau),
            Some(json!({"decision": "approve", "reason": "大阪へ本社移転"})),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(moved.json()["organisation"]["prefecture"], "27");
    // Osaka's bureau now decides on it; Tokyo's no longer does.
    let osaka_list = app.call("GET", &p2, Some(&osaka), None).await;
    assert_eq!(osaka_list.status, 200, "{}", osaka_list.text());
    let tokyo = app.call("GET", &p2, Some(&w.bureau), None).await;
    assert_eq!(tokyo.status, 403, "{}", tokyo.text());
    // Its own token works on at once, in its new prefecture.
    assert_eq!(
        app.call("GET", "/v1/job-offers", Some(&w.private), None)
            .await
            .status,
        200
    );
}

/// Moves the end of organisation `public_id`'s approval to `days` from
/// today, as if it had been approved long ago.
pub(crate) async fn approval_ends_in(app: &TestApp, public_id: &str, days: i64) {
    let until = today_in_japan() + chrono::Duration::days(days);
    sql(
        app,
        format!(
            "UPDATE organisation_terms SET approved_until = '{until}' WHERE organisation_id = \
             (SELECT id FROM organisations WHERE public_id = '{public_id}')"
        ),
    )
    .await;
}

/// Point 4's renewal: an approval runs three years, is renewed on request
/// in its last three months (the request keeps it in force past its end
/// until the bureau decides), or lapses: access ends the day after, the
/// sweeper writes `lapsed`, and the licence number is free to apply anew.
async fn an_approval_is_renewed_in_time_or_lapses(app: TestApp) {
    let w = world(&app).await;
    let today = today_in_japan();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let public = w.cast.org_id("org_public").to_owned();
    let private = w.cast.org_id("org_private").to_owned();
    let read = |id: &str, token: &str| {
        let (id, token) = (id.to_owned(), token.to_owned());
        let app = &app;
        async move {
            app.call(
                "GET",
                &format!("/v1/organisations/{id}"),
                Some(&token),
                None,
            )
            .await
            .json()
        }
    };
    let org = read(&public, &w.public).await;
    let approval = &org["approval"];
    let approved_on: chrono::NaiveDate = approval["approved_on"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        approval["approved_until"],
        day(kyushoku_domain::terms::approval_ends(approved_on)).as_str()
    );
    assert_eq!(approval["standing"], "running");
    // Not yet in its last three months: refused, nothing filed.
    let renewals = format!("/v1/organisations/{public}/renewals");
    app.call("POST", &renewals, Some(&w.public), None)
        .await
        .assert_problem(409, "illegal-transition");
    assert_eq!(
        app.call("GET", &renewals, Some(&w.public), None)
            .await
            .json()["items"],
        json!([])
    );

    // Thirty days before its end: the renewal is open.
    let until = today + chrono::Duration::days(30);
    sql(
        &app,
        format!(
            "UPDATE organisation_terms SET approved_until = '{}' WHERE organisation_id = \
             (SELECT id FROM organisations WHERE public_id = '{public}')",
            day(until)
        ),
    )
    .await;
    assert_eq!(
        read(&public, &w.bureau).await["approval"]["standing"],
        "renewal_open"
    );
    // Only its administrator asks; the bureau cannot ask for it.
    let a = app.call("POST", &renewals, Some(&w.bureau), None).await;
    assert_eq!(a.status, 403, "{}", a.text());
    let first =
        crate::security::call_with_key(&app, &renewals, &w.public, "renew-1", json!({})).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.json()["status"], "pending");
    assert_eq!(first.json()["ends_on"], day(until).as_str());
    let again =
        crate::security::call_with_key(&app, &renewals, &w.public, "renew-1", json!({})).await;
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(
        again.json(),
        first.json(),
        "the same answer, nothing filed twice"
    );
    app.call("POST", &renewals, Some(&w.public), None)
        .await
        .assert_problem(409, "conflict");
    let renewal = first.json()["renewal_id"].as_str().unwrap().to_owned();
    // The end passes while the bureau decides: still in force.
    let yesterday = today - chrono::Duration::days(1);
    sql(
        &app,
        format!(
            "UPDATE organisation_terms SET approved_until = '{y}' WHERE organisation_id = \
             (SELECT id FROM organisations WHERE public_id = '{public}')",
            y = day(yesterday)
        ),
    )
    .await;
    sql(
        &app,
        format!(
            "UPDATE renewals SET ends_on = '{}' WHERE public_id = '{renewal}'",
            day(yesterday)
        ),
    )
    .await;
    kyushoku::server::sweep_once(&app.state().db, 180).unwrap();
    assert_eq!(read(&public, &w.bureau).await["status"], "approved");
    assert_eq!(
        app.call("GET", "/v1/job-offers", Some(&w.public), None)
            .await
            .status,
        200
    );
    let decide = format!("{renewals}/{renewal}/decision");
    let osaka = app.client_token(w.cast.get("bureau_27")).await;
    let a = app
        .call(
            "POST",
            &decide,
            Some(&osaka),
            Some(json!({"decision": "approve", "reason": "確認"})),
        )
        .await;
    assert_eq!(a.status, 403, "{}", a.text());
    app.call(
        "POST",
        &decide,
        Some(&w.bureau),
        Some(json!({"decision": "maybe", "reason": "確認"})),
    )
    .await
    .assert_problem(422, "validation");
    app.call(
        "POST",
        &decide,
        Some(&w.bureau),
        Some(json!({"decision": "approve", "reason": " "})),
    )
    .await
    .assert_problem(422, "validation");
    let done = app
        .call(
            "POST",
            &decide,
            Some(&w.bureau),
            Some(json!({"decision": "approve", "reason": "実績報告を確認"})),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let renewed = kyushoku_domain::terms::renewed_until(yesterday);
    assert_eq!(
        done.json()["renewal"]["renewed_until"],
        day(renewed).as_str()
    );
    let approval = read(&public, &w.public).await["approval"].clone();
    assert_eq!(approval["approved_until"], day(renewed).as_str());
    assert_eq!(approval["standing"], "running");
    app.call(
        "POST",
        &decide,
        Some(&w.bureau),
        Some(json!({"decision": "reject", "reason": "再"})),
    )
    .await
    .assert_problem(409, "illegal-transition");

    // The other agency asks in time, is refused after its end: it lapses.
    let p_renewals = format!("/v1/organisations/{private}/renewals");
    sql(
        &app,
        format!(
            "UPDATE organisation_terms SET approved_until = '{}' WHERE organisation_id = \
             (SELECT id FROM organisations WHERE public_id = '{private}')",
            day(today + chrono::Duration::days(5))
        ),
    )
    .await;
    let asked = app.call("POST", &p_renewals, Some(&w.private), None).await;
    assert_eq!(asked.status, 201, "{}", asked.text());
    let p_renewal = asked.json()["renewal_id"].as_str().unwrap().to_owned();
    sql(
        &app,
        format!(
            "UPDATE organisation_terms SET approved_until = '{}' WHERE organisation_id = \
             (SELECT id FROM organisations WHERE public_id = '{private}')",
            day(yesterday)
        ),
    )
    .await;
    let rejected = app
        .call(
            "POST",
            &format!("{p_renewals}/{p_renewal}/decision"),
            Some(&w.bureau),
            Some(json!({"decision": "reject", "reason": "利用実績の報告が未提出"})),
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.text());
    assert_eq!(rejected.json()["renewal"]["status"], "rejected");
    // At once, before any sweep: what needs an approval is refused.
    app.call("GET", "/v1/job-offers", Some(&w.private), None)
        .await
        .assert_problem(403, "organisation-not-approved");
    assert_eq!(read(&private, &w.bureau).await["status"], "lapsed");
    assert_eq!(
        read(&private, &w.bureau).await["approval"]["standing"],
        "lapsed"
    );
    // The sweeper writes it, ends every token, and says so in the trail.
    let swept = kyushoku::server::sweep_now(app.state(), 180).await.unwrap();
    assert_eq!(swept.lapsed.len(), 1);
    // Again: nothing more (the work is idempotent).
    let swept = kyushoku::server::sweep_now(app.state(), 180).await.unwrap();
    assert_eq!(swept.lapsed.len(), 0);
    app.call("GET", "/v1/job-offers", Some(&w.private), None)
        .await
        .assert_problem(403, "access-revoked");
    let trail = app
        .call(
            "GET",
            "/v1/audit?action=approval_lapsed",
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(trail["items"].as_array().unwrap().len(), 1, "{trail}");
    assert_eq!(trail["items"][0]["actor_kind"], "service");
    assert_eq!(
        app.call(
            "GET",
            "/v1/audit?action=renewal_decided",
            Some(&w.bureau),
            None
        )
        .await
        .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Its licence number is free: the agency applies anew.
    let again = app
        .call(
            "POST",
            "/v1/organisations",
            None,
            Some(json!({
                "name": "株式会社みらい人材", "kind": "paid_agency", "prefecture": "13",
                "licence_number": "13-ユ-300001", "regular_placements": 2,
                "services": ["seeker_info", "job_offers"],
                "admin": {"email": "again@mirai.example.jp", "password": "a long enough passphrase"}
            })),
        )
        .await;
    assert_eq!(again.status, 201, "{}", again.text());
}

backend_tests!(
    an_approval_is_renewed_in_time_or_lapses,
    changes_to_the_record_are_asked_and_decided,
    a_joint_application_is_decided_whole,
    applications_state_their_eligibility,
    an_organisation_stops_a_service_itself,
    a_complaint_is_a_case_the_seeker_follows,
    usage_reports_are_drafted_submitted_and_corrected,
    overdue_and_false_reports_are_sanctioned_as_the_terms_say,
);
