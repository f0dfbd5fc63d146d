//! The labour bureau's console (issue 33, point 3) through HTTP as a
//! browser sends it: an officer's sign-in (password and, always, a
//! one-time code), the applications of the bureau's prefecture, a decision
//! with its reason (R8: the organisation's admin then signs in), the audit
//! search (who saw a seeker), the statistics; and the doors kept apart.

use crate::backend_tests;
use crate::messaging::{profiles, seeker, world};
use crate::pages::input;
use crate::staff_pages::{code, sign_in, sign_in_at, web_staff, Jar};
use crate::support::TestApp;

async fn an_officer_decides_on_applications_of_their_prefecture(app: TestApp) {
    let w = world(&app).await;
    let people = web_staff(&app).await;
    let officer = &people["bureau_13"];
    let key = officer.totp_secret.clone().unwrap();
    let pending = w.cast.org_id("org_pending").to_owned();

    // The password alone opens nothing: an officer always gives a code.
    let mut b = Jar::default();
    let a = b
        .post(
            &app,
            "/bureau/sign-in",
            &[("email", &officer.email), ("password", &officer.password)],
        )
        .await;
    assert_eq!(a.header("location"), Some("/bureau/sign-in/code"));
    assert!(!b.has_session());
    let a = b
        .post(&app, "/bureau/sign-in/code", &[("code", &code(&key, 0))])
        .await;
    assert_eq!(a.status, 303, "{}", a.text());
    assert_eq!(a.header("location"), Some("/bureau"));
    let home = b.get(&app, "/bureau").await;
    assert_eq!(home.status, 200);
    assert!(home.text().contains("東京労働局"));

    // The applications: the pending organisation, its page, the form.
    let list = b.get(&app, "/bureau/organisations?status=pending").await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains(&pending));
    let page = b
        .get(&app, &format!("/bureau/organisations/{pending}"))
        .await;
    assert_eq!(page.status, 200);
    // What the application stated of its eligibility, beside it.
    assert!(
        page.text().contains("申請前3か月の常用就職件数：12 件"),
        "{}",
        page.text()
    );
    let csrf = input(&page.text(), "csrf");
    let path = format!("/bureau/organisations/{pending}/decisions");
    // Without the CSRF token, or without a reason: nothing changes.
    let forged = b
        .post(
            &app,
            &path,
            &[("csrf", "x"), ("decision", "approve"), ("reason", "ok")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let empty = b
        .post(
            &app,
            &path,
            &[("csrf", &csrf), ("decision", "approve"), ("reason", "")],
        )
        .await;
    assert_eq!(empty.status, 422);
    let org_path = format!("/v1/organisations/{pending}");
    assert_eq!(org_status(&app, &org_path, &w.bureau).await, "pending");
    // A decision its status does not allow is refused on the page.
    let odd = b
        .post(
            &app,
            &path,
            &[("csrf", &csrf), ("decision", "reinstate"), ("reason", "r")],
        )
        .await;
    assert_eq!(odd.status, 422);
    assert_eq!(org_status(&app, &org_path, &w.bureau).await, "pending");
    // Approval with its reason: recorded, in the history, in the trail.
    let a = b
        .post(
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("decision", "approve"),
                ("reason", "要件確認済み"),
            ],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.text());
    assert_eq!(org_status(&app, &org_path, &w.bureau).await, "approved");
    let page = b
        .get(
            &app,
            &format!("/bureau/organisations/{pending}?done=decided"),
        )
        .await
        .text();
    assert!(page.contains("要件確認済み"));
    let trail = app
        .call(
            "GET",
            &format!("/v1/audit?organisation_id={pending}&action=organisation_decision"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    let event = &trail["items"][0];
    assert!(
        event["actor_id"].as_str().unwrap().starts_with("officer:"),
        "{event}"
    );
    // The new organisation's administrator now signs in (setting up the
    // code an administrator needs).
    let admin = w.cast.get("org_pending");
    let mut s = Jar::default();
    let a = s
        .post(
            &app,
            "/staff/sign-in",
            &[
                ("email", admin.admin_email.as_deref().unwrap()),
                ("password", admin.admin_password.as_deref().unwrap()),
            ],
        )
        .await;
    assert_eq!(a.header("location"), Some("/staff/sign-in/code"));
    let enrol = s.get(&app, "/staff/sign-in/code").await.text();
    assert!(enrol.contains("totp-key"));

    // Another prefecture's officer reads the organisation but may not
    // decide on it.
    let osaka = {
        let state = app.state();
        let (db, sealer) = (state.db.clone(), state.sealer.clone());
        tokio::task::spawn_blocking(move || {
            kyushoku_service::run(&db, |c| {
                use kyushoku_service::staff_sign_in::{add_officer, set_secret, Person};
                let o = add_officer(
                    c,
                    &kyushoku_domain::PrefectureCode::parse("27").unwrap(),
                    "officer.27@bureau.example.jp",
                    &kyushoku_domain::credentials::hash_password("a long officer passphrase"),
                )?;
                let secret = kyushoku_domain::second_factor::TotpSecret::generate();
                set_secret(c, &Person::Officer(o), &secret, &sealer)?;
                Ok(secret.base32())
            })
        })
        .await
        .unwrap()
        .unwrap()
    };
    let mut o = Jar::default();
    o.post(
        &app,
        "/bureau/sign-in",
        &[
            ("email", "officer.27@bureau.example.jp"),
            ("password", "a long officer passphrase"),
        ],
    )
    .await;
    let a = o
        .post(&app, "/bureau/sign-in/code", &[("code", &code(&osaka, 0))])
        .await;
    assert_eq!(a.status, 303, "{}", a.text());
    let page = o
        .get(&app, &format!("/bureau/organisations/{pending}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        !page.text().contains("/decisions\""),
        "no form for another prefecture"
    );
    let csrf27 = input(&o.get(&app, "/bureau").await.text(), "csrf");
    let refused = o
        .post(
            &app,
            &path,
            &[("csrf", &csrf27), ("decision", "suspend"), ("reason", "x")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(org_status(&app, &org_path, &w.bureau).await, "approved");
}

async fn the_bureau_searches_the_trail_and_reads_statistics(app: TestApp) {
    let w = world(&app).await;
    let people = web_staff(&app).await;
    let officer = &people["bureau_13"];
    seeker(&app, &w, "trail-1", "both").await;
    // An organisation searches: the trail shows who saw the seeker.
    assert_eq!(profiles(&app, &w.public).await.len(), 1);
    let mut b = sign_in_at(
        &app,
        "/bureau",
        &officer.email,
        &officer.password,
        officer.totp_secret.as_deref(),
    )
    .await;
    let found = b.get(&app, "/bureau/audit?seeker_ref=trail-1").await;
    assert_eq!(found.status, 200);
    let text = found.text();
    assert!(text.contains("profile_search"), "{text}");
    assert!(text.contains(w.cast.org_id("org_public")));
    // A seeker nobody saw, or a bad day: nothing, said plainly.
    let none = b.get(&app, "/bureau/audit?seeker_ref=nobody").await;
    assert_eq!(none.status, 200);
    assert!(!none.text().contains("profile_search</td>"));
    let bad = b.get(&app, "/bureau/audit?from=yesterday").await;
    assert_eq!(bad.status, 422);
    // An address whose query does not parse is a page, not a bare error.
    let garbled = b.get(&app, "/bureau/audit?before=abc").await;
    assert_eq!(garbled.status, 400);
    assert!(garbled.text().contains("検索条件"), "{}", garbled.text());
    assert!(garbled.text().contains("href=\"/bureau\""));
    let public = app.get("/offers?q=a&q=b").await;
    assert_eq!(public.status, 400, "{}", public.text());
    assert!(public.text().contains("検索条件"));
    let stats = b.get(&app, "/bureau/statistics").await;
    assert_eq!(stats.status, 200);
    assert!(stats.text().contains("求職者（提供先の選択別）"));
    // In the source document's shape: organisations by sector, guidance
    // (this test sent none, so the table may be empty) and hires by month.
    assert!(stats
        .text()
        .contains("利用団体（地方自治体等・職業紹介事業者別）"));
    assert!(stats
        .text()
        .contains("案内の件数（月・団体種別、直近12か月）"));

    // The doors are apart: an officer's session opens no staff page, a
    // staff session no console page, and the cookie no API call.
    assert_eq!(b.get(&app, "/staff").await.status, 401);
    let staff = &people["org_public_staff"];
    let mut s = sign_in(&app, &staff.email, &staff.password, None).await;
    let refused = s.get(&app, "/bureau").await;
    assert_eq!(refused.status, 401);
    assert!(refused.text().contains("/bureau/sign-in"));
    let a = b.get(&app, "/v1/audit").await;
    assert_eq!(a.status, 401);
    // Signed out, the console says where to sign in.
    let csrf = input(&b.get(&app, "/bureau").await.text(), "csrf");
    let out = b.post(&app, "/bureau/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.header("location"), Some("/bureau/sign-in"));
    assert_eq!(b.get(&app, "/bureau/statistics").await.status, 401);
}

/// The status of the seeker's newest report, as My Page's API reads it.
async fn case_status(app: &TestApp, seeker: &str) -> String {
    let a = app.call("GET", "/v1/me/reports", Some(seeker), None).await;
    a.json()["items"][0]["status"].as_str().unwrap().to_owned()
}

/// An organisation's status, as its bureau's API reads it.
async fn org_status(app: &TestApp, path: &str, bureau: &str) -> String {
    let a = app.call("GET", path, Some(bureau), None).await;
    a.json()["status"].as_str().unwrap().to_owned()
}

/// The terms of use on the pages (issue 38): a complaint moved on, a
/// sanction imposed, a usage report saved and submitted; each form refuses
/// a forged one and changes nothing when the rule says no; a staff member
/// who is no administrator reads the reports but does not write them.
async fn the_terms_of_use_on_the_pages_keep_the_api_rules(app: TestApp) {
    let w = world(&app).await;
    let people = web_staff(&app).await;
    let officer = &people["bureau_13"];
    let me = seeker(&app, &w, "terms-pages-1", "both").await;
    let pid = crate::messaging::only_profile(&app, &w.private).await;
    let sent = crate::messaging::send(&app, &w.private, &pid, Some("案内"), "至急").await;
    let report = crate::messaging::report_sent(&app, &me, &sent, "しつこい").await;
    let mut b = sign_in_at(
        &app,
        "/bureau",
        &officer.email,
        &officer.password,
        officer.totp_secret.as_deref(),
    )
    .await;
    let list = b.get(&app, "/bureau/complaints").await;
    assert_eq!(list.status, 200);
    let csrf = input(&list.text(), "csrf");
    let case = format!("/bureau/complaints/{report}");
    let forged = b
        .post(&app, &case, &[("csrf", "x"), ("step", "warning")])
        .await;
    assert_eq!(forged.status, 403);
    // A suspension not yet decided is refused, and the case stays.
    let early = b
        .post(
            &app,
            &case,
            &[("csrf", &csrf), ("step", "suspension"), ("tab", "received")],
        )
        .await;
    assert_eq!(early.status, 409);
    assert!(early.text().contains("先に団体への決定"));
    assert_eq!(case_status(&app, &me).await, "received");
    let done = b
        .post(
            &app,
            &case,
            &[("csrf", &csrf), ("step", "warning"), ("note", "指導済み")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.text());
    assert_eq!(case_status(&app, &me).await, "answered");

    // A sanction from the organisation's page.
    let private = w.cast.org_id("org_private");
    let quarter = kyushoku_domain::terms::FiscalQuarter::containing(
        kyushoku_domain::calendar::today_in_japan()
            - chrono::Duration::days(kyushoku::demo::DEMO_APPROVED_DAYS_AGO),
    )
    .to_string();
    let sanction = format!("/bureau/organisations/{private}/sanctions");
    let form = |csrf: &str, reason: &str| -> Vec<(String, String)> {
        vec![
            ("csrf".into(), csrf.into()),
            ("ground".into(), "overdue_report".into()),
            ("quarter".into(), quarter.clone()),
            ("reason".into(), reason.into()),
        ]
    };
    let org_path = format!("/v1/organisations/{private}");
    for (csrf, reason, status) in [("x", "未提出", 403), (csrf.as_str(), " ", 422)] {
        let f = form(csrf, reason);
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(b.post(&app, &sanction, &pairs).await.status, status);
        assert_eq!(org_status(&app, &org_path, &w.bureau).await, "approved");
    }
    let f = form(&csrf, "未提出");
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let a = b.post(&app, &sanction, &pairs).await;
    assert_eq!(a.status, 303, "{}", a.text());
    assert_eq!(org_status(&app, &org_path, &w.bureau).await, "suspended");
    assert_eq!(b.post(&app, &sanction, &pairs).await.status, 409);

    // The city's staff member reads its usage reports, but only its
    // administrator saves them.
    let staff = &people["org_public_staff"];
    let mut s = sign_in(&app, &staff.email, &staff.password, None).await;
    let page = s
        .get(&app, &format!("/staff/usage-reports/{quarter}"))
        .await;
    assert_eq!(page.status, 200);
    let csrf = input(&page.text(), "csrf");
    let path = format!("/staff/usage-reports/{quarter}");
    let refused = s
        .post(
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("hires_from_offers", "1"),
                ("hires_from_seekers", "0"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(refused.text().contains("管理者"));
    let admin = &people["org_public_admin"];
    let mut a = sign_in(
        &app,
        &admin.email,
        &admin.password,
        admin.totp_secret.as_deref(),
    )
    .await;
    let csrf = input(&a.get(&app, &path).await.text(), "csrf");
    let forged = a
        .post(
            &app,
            &path,
            &[
                ("csrf", "x"),
                ("hires_from_offers", "1"),
                ("hires_from_seekers", "0"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let bad = a
        .post(
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("hires_from_offers", "abc"),
                ("hires_from_seekers", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    let public = w.cast.org_id("org_public");
    let api_path = format!("/v1/organisations/{public}/usage-reports/{quarter}");
    assert_eq!(
        app.call("GET", &api_path, Some(&w.public), None)
            .await
            .json()["status"],
        serde_json::Value::Null
    );
    let saved = a
        .post(
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("revision", "0"),
                ("hires_from_offers", "1"),
                ("hires_from_seekers", "0"),
                ("body_1", "訓練センター"),
                ("offers_1", "2"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let submitted = a
        .post(&app, &format!("{path}/submission"), &[("csrf", &csrf)])
        .await;
    assert_eq!(submitted.status, 303, "{}", submitted.text());
    let api = app
        .call("GET", &api_path, Some(&w.public), None)
        .await
        .json();
    assert_eq!(api["status"], "submitted");
    assert_eq!(
        api["training_referrals"],
        serde_json::json!([{"training_body": "訓練センター", "offers": 2}])
    );
    // 変更の届出 from the staff home, decided on the bureau's page.
    let forged = a
        .post(
            &app,
            "/staff/change-requests",
            &[("csrf", "x"), ("name", "新名称")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let asked = a
        .post(
            &app,
            "/staff/change-requests",
            &[
                ("csrf", &csrf),
                ("name", "新宿区 しごと支援課"),
                ("services", ""),
                ("departments", "福祉部 生活福祉課"),
            ],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.text());
    let requests = app
        .call(
            "GET",
            &format!("/v1/organisations/{public}/change-requests"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    let request = requests["items"][0]["change_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = b
        .get(&app, &format!("/bureau/organisations/{public}"))
        .await
        .text();
    assert!(page.contains("新宿区 しごと支援課"));
    let bcsrf = input(&page, "csrf");
    let decision = format!("/bureau/organisations/{public}/change-requests/{request}");
    let refused = b
        .post(
            &app,
            &decision,
            &[("csrf", &bcsrf), ("decision", "approve"), ("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, 422);
    let decided = b
        .post(
            &app,
            &decision,
            &[
                ("csrf", &bcsrf),
                ("decision", "approve"),
                ("reason", "確認済み"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.text());
    let org = app
        .call(
            "GET",
            &format!("/v1/organisations/{public}"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(org["name"], "新宿区 しごと支援課");
    // The department added is a co-applicant: a new user may belong to it,
    // picked on the users page; the trail names it.
    let department = org["co_applicants"][0]["co_applicant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let users = a.get(&app, "/staff/users").await.text();
    assert!(users.contains("福祉部 生活福祉課"), "the picker lists it");
    let wrong_id = uuid::Uuid::now_v7().to_string();
    let key = input(&users, "key");
    let form = |key: &str, co: &str| -> Vec<(String, String)> {
        vec![
            ("csrf".into(), csrf.clone()),
            ("key".into(), key.into()),
            ("email".into(), "fukushi@shinjuku.example.jp".into()),
            ("role".into(), "staff".into()),
            ("co_applicant".into(), co.into()),
        ]
    };
    let f = form(&key, &wrong_id);
    let wrong = a.post(&app, "/staff/users", &refs(&f)).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("連名申請者"));
    let f = form(&key, &department);
    let added = a.post(&app, "/staff/users", &refs(&f)).await;
    assert_eq!(added.status, 303, "{}", added.text());
    let users = a.get(&app, "/staff/users").await.text();
    assert!(users.contains("fukushi@shinjuku.example.jp"));
    let trail = app
        .call(
            "GET",
            "/v1/audit?action=user_created",
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert!(
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["detail"]["co_applicant_id"] == department.as_str()),
        "{trail}"
    );
    // 更新 from the staff home in the approval's last three months, once
    // per form however often it is sent; decided on the bureau's page.
    crate::terms::approval_ends_in(&app, public, 10).await;
    let home = a.get(&app, "/staff").await.text();
    let key = input(&home, "key");
    let forged = a
        .post(&app, "/staff/renewals", &[("csrf", "x"), ("key", &key)])
        .await;
    assert_eq!(forged.status, 403);
    for _ in 0..2 {
        let asked = a
            .post(&app, "/staff/renewals", &[("csrf", &csrf), ("key", &key)])
            .await;
        assert_eq!(asked.status, 303, "{}", asked.text());
    }
    let renewals = app
        .call(
            "GET",
            &format!("/v1/organisations/{public}/renewals"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(renewals["items"].as_array().unwrap().len(), 1, "{renewals}");
    let renewal = renewals["items"][0]["renewal_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another form (a new key) while one is pending is refused.
    let home = a.get(&app, "/staff").await.text();
    assert!(
        !home.contains("action=\"/staff/renewals\""),
        "no form while pending"
    );
    let again = a
        .post(
            &app,
            "/staff/renewals",
            &[
                ("csrf", &csrf),
                ("key", "00000000-0000-4000-8000-000000000000"),
            ],
        )
        .await;
    assert_eq!(again.status, 409);
    let decision = format!("/bureau/organisations/{public}/renewals/{renewal}");
    let forged = b
        .post(
            &app,
            &decision,
            &[("csrf", "x"), ("decision", "approve"), ("reason", "確認")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let refused = b
        .post(
            &app,
            &decision,
            &[("csrf", &bcsrf), ("decision", "approve"), ("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, 422);
    let decided = b
        .post(
            &app,
            &decision,
            &[
                ("csrf", &bcsrf),
                ("decision", "approve"),
                ("reason", "実績を確認"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.text());
    let org = app
        .call(
            "GET",
            &format!("/v1/organisations/{public}"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(org["approval"]["standing"], "running");
    // 利用停止 from the staff home: a forged form changes nothing; the
    // administrator's stops seeker information, and job offers with it.
    let home = a.get(&app, "/staff").await.text();
    assert!(home.contains("利用停止"));
    let forged = a
        .post(
            &app,
            "/staff/service-stops",
            &[("csrf", "x"), ("service", "seeker_info"), ("reason", "r")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let stopped = a
        .post(
            &app,
            "/staff/service-stops",
            &[
                ("csrf", &csrf),
                ("service", "seeker_info"),
                ("reason", "事業の終了"),
            ],
        )
        .await;
    assert_eq!(stopped.status, 303, "{}", stopped.text());
    let org = app
        .call(
            "GET",
            &format!("/v1/organisations/{public}"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    assert_eq!(org["services"], serde_json::json!([]));
}

/// A form's fields as the page client takes them.
fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

backend_tests!(
    an_officer_decides_on_applications_of_their_prefecture,
    the_bureau_searches_the_trail_and_reads_statistics,
    the_terms_of_use_on_the_pages_keep_the_api_rules,
);
