//! The organisation staff's pages (issue 33, point 2) through HTTP as a
//! browser sends it: sign-in with password and one-time code (RFC 6238,
//! a code accepted once), the administrator's set-up of their app, the API
//! login's code, and the pages reaching the API's rules (R1/R2, R3, R8,
//! R9, R13, CSRF). The journeys in a real browser are in `browser.rs`.

use std::collections::BTreeMap;

use kyushoku_domain::second_factor::TotpSecret;
use serde_json::json;

use crate::backend_tests;
use crate::messaging::{only_profile, seeker, world, World};
use crate::pages::input;
use crate::support::{Answer, TestApp};

/// A browser with a cookie jar (the staff sign-in sets two cookies).
#[derive(Default)]
pub struct Jar {
    cookies: BTreeMap<String, String>,
}

impl Jar {
    fn header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn keep(&mut self, a: &Answer) {
        for set in a.headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (name, value) = set.split(';').next().unwrap().split_once('=').unwrap();
            if value.is_empty() || set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub async fn get(&mut self, app: &TestApp, path: &str) -> Answer {
        let mut req = app.client_get(path);
        if let Some(c) = self.header() {
            req = req.insert_header(("cookie", c));
        }
        let a = app.send(req, None).await;
        self.keep(&a);
        a
    }

    pub async fn post(&mut self, app: &TestApp, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(form).unwrap();
        let mut req = app
            .client_post(path)
            .insert_header(("content-type", "application/x-www-form-urlencoded"));
        if let Some(c) = self.header() {
            req = req.insert_header(("cookie", c));
        }
        let a = app.send(req, Some(body.into_bytes())).await;
        self.keep(&a);
        a
    }

    pub fn has_session(&self) -> bool {
        self.cookies.contains_key("kyushoku_session")
    }
}

/// The web people of the demo cast (`web.staff` of the credentials file).
pub async fn web_staff(app: &TestApp) -> BTreeMap<String, kyushoku::demo::WebStaff> {
    let state = app.state();
    let (db, sealer) = (state.db.clone(), state.sealer.clone());
    tokio::task::spawn_blocking(move || kyushoku::demo::web_staff(&db, &sealer))
        .await
        .unwrap()
        .expect("web staff")
}

fn now_secs() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

/// The code of `key`'s app, `steps` steps from now.
pub fn code(key: &str, steps: i64) -> String {
    let at = now_secs() as i64 + steps * 30;
    TotpSecret::from_base32(key).unwrap().code_at(at as u64)
}

/// Signs in at the staff's door with e-mail and password, and the code
/// when one is asked.
pub async fn sign_in(app: &TestApp, email: &str, password: &str, key: Option<&str>) -> Jar {
    sign_in_at(app, "/staff", email, password, key).await
}

/// Signs in at the door of `base` (`/staff`, `/bureau`).
pub async fn sign_in_at(
    app: &TestApp,
    base: &str,
    email: &str,
    password: &str,
    key: Option<&str>,
) -> Jar {
    let mut b = Jar::default();
    let form = [("email", email), ("password", password)];
    let a = b.post(app, &format!("{base}/sign-in"), &form).await;
    assert_eq!(a.status, 303, "{}", a.text());
    if a.header("location") == Some(format!("{base}/sign-in/code").as_str()) {
        let key = key.expect("a code is asked");
        let a = b
            .post(
                app,
                &format!("{base}/sign-in/code"),
                &[("code", &code(key, 0))],
            )
            .await;
        assert_eq!(a.status, 303, "{}", a.text());
    }
    assert!(b.has_session());
    b
}

async fn audit_count(app: &TestApp, w: &World, org: &str, action: &str) -> usize {
    let path = format!("/v1/audit?organisation_id={org}&action={action}");
    let a = app.call("GET", &path, Some(&w.bureau), None).await;
    assert_eq!(a.status, 200, "{}", a.text());
    a.json()["items"].as_array().unwrap().len()
}

async fn administrators_sign_in_with_a_one_time_code_used_once(app: TestApp) {
    let w = world(&app).await;
    let staff = web_staff(&app).await;
    let admin = &staff["org_public_admin"];
    let key = admin.totp_secret.clone().unwrap();
    let org = w.cast.get("org_public").organisation_id.clone().unwrap();

    // The password alone does not open a session: a code is asked.
    let mut b = Jar::default();
    let a = b
        .post(
            &app,
            "/staff/sign-in",
            &[("email", &admin.email), ("password", &admin.password)],
        )
        .await;
    assert_eq!(a.status, 303);
    assert_eq!(a.header("location"), Some("/staff/sign-in/code"));
    assert!(!b.has_session());
    let page = b.get(&app, "/staff/sign-in/code").await;
    assert_eq!(page.status, 200);
    assert!(
        !page.text().contains(&key),
        "an enrolled key is never shown again"
    );
    // A wrong code: refused, counted, recorded; no session.
    let failed_before = audit_count(&app, &w, &org, "second_factor_failed").await;
    let wrong = b
        .post(&app, "/staff/sign-in/code", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, 401);
    assert!(!b.has_session());
    assert_eq!(
        audit_count(&app, &w, &org, "second_factor_failed").await,
        failed_before + 1
    );
    // The right one, typed as people type it (full-width, with a space).
    let used = code(&key, 0);
    let typed: String = used
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            let wide = char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap();
            if i == 3 {
                vec![' ', wide]
            } else {
                vec![wide]
            }
        })
        .collect();
    let right = b
        .post(&app, "/staff/sign-in/code", &[("code", &typed)])
        .await;
    assert_eq!(right.status, 303, "{}", right.text());
    assert_eq!(right.header("location"), Some("/staff"));
    let home = b.get(&app, "/staff").await;
    assert_eq!(home.status, 200);
    assert!(
        home.text().contains(&org),
        "the home page shows the 利用団体ID"
    );
    // The same code again, in another sign-in: refused (used once).
    let mut again = Jar::default();
    again
        .post(
            &app,
            "/staff/sign-in",
            &[("email", &admin.email), ("password", &admin.password)],
        )
        .await;
    let replay = again
        .post(&app, "/staff/sign-in/code", &[("code", &used)])
        .await;
    assert_eq!(replay.status, 401);
    // The API login asks for the code too, and takes it once.
    app.login(&admin.email, &admin.password)
        .await
        .assert_problem(401, "second-factor-required");
    let next = code(&key, 1);
    let body = json!({"email": admin.email, "password": admin.password, "totp": next});
    let a = app
        .call("POST", "/v1/auth/login", None, Some(body.clone()))
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    app.call("POST", "/v1/auth/login", None, Some(body))
        .await
        .assert_problem(401, "invalid-credentials");
    // Five wrong codes end the wait: the sign-in starts again.
    let mut patient = Jar::default();
    patient
        .post(
            &app,
            "/staff/sign-in",
            &[("email", &admin.email), ("password", &admin.password)],
        )
        .await;
    for _ in 0..4 {
        let a = patient
            .post(&app, "/staff/sign-in/code", &[("code", "111111")])
            .await;
        assert_eq!(a.status, 401);
    }
    let last = patient
        .post(&app, "/staff/sign-in/code", &[("code", "111111")])
        .await;
    assert_eq!(last.status, 410);
    let after = patient
        .post(&app, "/staff/sign-in/code", &[("code", &code(&key, 2))])
        .await;
    assert_eq!(after.status, 410, "nothing waits any more");
    assert!(!patient.has_session());
}

async fn staff_without_a_code_sign_in_and_administrators_set_one_up(app: TestApp) {
    let w = world(&app).await;
    let staff = web_staff(&app).await;
    // A staff member who set up no code: the password opens the session.
    let member = &staff["org_private_staff"];
    let b = sign_in(&app, &member.email, &member.password, None).await;
    assert!(b.has_session());
    // A wrong password answers as an unknown account does, on the form.
    let mut x = Jar::default();
    let wrong = x
        .post(
            &app,
            "/staff/sign-in",
            &[("email", &member.email), ("password", "not the password")],
        )
        .await;
    let unknown = x
        .post(
            &app,
            "/staff/sign-in",
            &[
                ("email", "nobody@example.jp"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(
        wrong.text().replace(&member.email, ""),
        unknown.text().replace("nobody@example.jp", "")
    );
    // The organisation's first administrator has no code yet: the sign-in
    // shows a new key to set up, and a code of it completes the sign-in.
    let first = w.cast.get("org_private");
    let (email, password) = (
        first.admin_email.clone().unwrap(),
        first.admin_password.clone().unwrap(),
    );
    let mut b = Jar::default();
    let a = b
        .post(
            &app,
            "/staff/sign-in",
            &[("email", &email), ("password", &password)],
        )
        .await;
    assert_eq!(a.header("location"), Some("/staff/sign-in/code"));
    let page = b.get(&app, "/staff/sign-in/code").await.text();
    let marker = "id=\"totp-key\">";
    let start = page.find(marker).expect("a key to set up") + marker.len();
    let key: String = page[start..start + page[start..].find('<').unwrap()]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(page.contains("otpauth://totp/"));
    let done = b
        .post(&app, "/staff/sign-in/code", &[("code", &code(&key, 0))])
        .await;
    assert_eq!(done.status, 303, "{}", done.text());
    assert!(b.has_session());
    let org = first.organisation_id.clone().unwrap();
    assert_eq!(
        audit_count(&app, &w, &org, "second_factor_enrolled").await,
        1
    );
    // From now on the API login wants the code as well.
    app.login(&email, &password)
        .await
        .assert_problem(401, "second-factor-required");
    // A pending organisation's administrator: refused as a wrong password.
    let pending = w.cast.get("org_pending");
    let mut p = Jar::default();
    let a = p
        .post(
            &app,
            "/staff/sign-in",
            &[
                ("email", pending.admin_email.as_deref().unwrap()),
                ("password", pending.admin_password.as_deref().unwrap()),
            ],
        )
        .await;
    assert_eq!(a.status, 401);
    assert!(!p.has_session());
}

async fn staff_pages_keep_the_api_rules(app: TestApp) {
    let w = world(&app).await;
    let staff = web_staff(&app).await;
    let token = seeker(&app, &w, "staff-web-1", "both").await;
    let org = w.cast.get("org_public").organisation_id.clone().unwrap();
    let member = &staff["org_public_staff"];
    let mut b = sign_in(&app, &member.email, &member.password, None).await;

    // The search shows the seeker; the profile page records its read (R9).
    let found = b
        .get(
            &app,
            "/staff/profiles?q=%E4%BB%8B%E8%AD%B7&prefecture=&search=1",
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.text());
    let pid = only_profile(&app, &w.public).await;
    assert!(found.text().contains(&pid), "the seeker is found");
    let reads = audit_count(&app, &w, &org, "profile_read").await;
    let page = b.get(&app, &format!("/staff/profiles/{pid}")).await;
    assert_eq!(page.status, 200);
    assert_eq!(audit_count(&app, &w, &org, "profile_read").await, reads + 1);
    // Another organisation's pseudonym, or garbage: not found (R2).
    let theirs = only_profile(&app, &w.private).await;
    assert_ne!(theirs, pid);
    assert_eq!(
        b.get(&app, &format!("/staff/profiles/{theirs}"))
            .await
            .status,
        404
    );
    assert_eq!(b.get(&app, "/staff/profiles/nonsense").await.status, 404);
    // A bad filter is said on the page, not searched.
    let bad = b.get(&app, "/staff/profiles?occupation=ZZ&search=1").await;
    assert_eq!(bad.status, 422);

    // The first guidance, with the form's key; the day's cap is shown.
    let page = page.text();
    assert!(page.contains("guidance-left"));
    let (csrf, key) = (input(&page, "csrf"), input(&page, "key"));
    let path = format!("/staff/profiles/{pid}/messages");
    let form = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("subject", "介護職のご案内"),
        ("body", "新宿区の介護施設の求人があります。"),
    ];
    // Without the session's CSRF token: refused, nothing sent.
    let forged = [
        ("csrf", "x"),
        ("key", key.as_str()),
        ("subject", "s"),
        ("body", "b"),
    ];
    assert_eq!(b.post(&app, &path, &forged).await.status, 403);
    let sent = b.post(&app, &path, &form).await;
    assert_eq!(sent.status, 303, "{}", sent.text());
    // The same form twice (a double click): sent once.
    assert_eq!(b.post(&app, &path, &form).await.status, 303);
    let inbox = app.call("GET", "/v1/me/threads", Some(&token), None).await;
    let items = inbox.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    // R3: no second message before the seeker writes.
    let key2 = uuid::Uuid::new_v4().to_string();
    let again = b
        .post(
            &app,
            &path,
            &[("csrf", &csrf), ("key", &key2), ("body", "もう一度")],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.text().contains("返信を待っています"));

    // The seeker answers; the thread list says it is the staff's turn.
    let thread = items[0]["thread_id"].as_str().unwrap().to_owned();
    let answered = app
        .call(
            "POST",
            &format!("/v1/me/threads/{thread}/messages"),
            Some(&token),
            Some(json!({"body": "詳しく教えてください"})),
        )
        .await;
    assert_eq!(answered.status, 201, "{}", answered.text());
    let list = b.get(&app, "/staff/threads").await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains("返信あり"));
    // By state: the store filters (a page is full of that state).
    let to_answer = b.get(&app, "/staff/threads?state=to_answer").await.text();
    assert!(to_answer.contains(&thread));
    let waiting = b.get(&app, "/staff/threads?state=waiting").await.text();
    assert!(!waiting.contains(&thread));
    assert_eq!(b.get(&app, "/staff/threads?state=bogus").await.status, 404);
    let page = b
        .get(&app, &format!("/staff/threads/{thread}"))
        .await
        .text();
    assert!(page.contains("詳しく教えてください"));
    let answer = [
        ("csrf", csrf.as_str()),
        ("key", &uuid::Uuid::new_v4().to_string()),
        ("thread", thread.as_str()),
        ("body", "はい、ご説明します。"),
    ];
    let a = b.post(&app, &path, &answer).await;
    assert_eq!(a.status, 303);
    assert_eq!(
        a.header("location").unwrap(),
        format!("/staff/threads/{thread}?done=sent")
    );

    // Offers: the search, one offer, the downloads (recorded as the API's),
    // and when the organisation's systems last read the change feed.
    let offers = b.get(&app, "/staff/offers?search=1").await;
    assert_eq!(offers.status, 200);
    assert!(offers.text().contains("まだありません"), "never synced yet");
    let feed = app
        .call(
            "GET",
            "/v1/job-offers/changes?since=0",
            Some(&w.public),
            None,
        )
        .await;
    assert_eq!(feed.status, 200, "{}", feed.text());
    let next = feed.json()["next_since"].as_i64().unwrap();
    assert_eq!(audit_count(&app, &w, &org, "offer_changes").await, 1);
    let offers = b.get(&app, "/staff/offers").await.text();
    assert!(offers.contains(&format!("変更番号 {next}")), "{offers}");
    assert_eq!(
        b.get(&app, "/staff/offers/99999-99999999").await.status,
        404
    );
    let exports = audit_count(&app, &w, &org, "offer_export").await;
    let csv = b
        .get(
            &app,
            "/staff/downloads/export?format=csv&encoding=shift_jis",
        )
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text());
    assert!(csv.header("content-disposition").unwrap().contains(".csv"));
    assert_eq!(
        audit_count(&app, &w, &org, "offer_export").await,
        exports + 1
    );

    // The cookie is for pages only; a bearer token opens no page.
    let mut req = app.client_get("/v1/profiles");
    req = req.insert_header(("cookie", b.header().unwrap()));
    app.send(req, None)
        .await
        .assert_problem(401, "unauthorized");
    let req = app
        .client_get("/staff/profiles")
        .insert_header(("authorization", format!("Bearer {}", w.public)));
    assert_eq!(app.send(req, None).await.status, 401);

    // R8: the bureau suspends the organisation; its sessions stop at once.
    let d = app
        .call(
            "POST",
            &format!("/v1/organisations/{org}/decisions"),
            Some(&w.bureau),
            Some(json!({"decision": "suspend", "reason": "調査のため"})),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text());
    let stopped = b.get(&app, "/staff/profiles").await;
    assert_eq!(stopped.status, 401);
    assert!(stopped.text().contains("/staff/sign-in"));
}

async fn staff_pages_need_a_staff_session(app: TestApp) {
    // Signed out: every staff page says to sign in (never a 500, never data).
    let mut b = Jar::default();
    for path in [
        "/staff",
        "/staff/profiles",
        "/staff/threads",
        "/staff/offers",
        "/staff/downloads/export",
        "/staff/events",
    ] {
        let a = b.get(&app, path).await;
        assert_eq!(a.status, 401, "{path}");
    }
    // The sign-in form sends the code page nothing without a step.
    assert_eq!(b.get(&app, "/staff/sign-in/code").await.status, 410);
    let a = b
        .post(&app, "/staff/sign-in/code", &[("code", "123456")])
        .await;
    assert_eq!(a.status, 410);
    let form = b.get(&app, "/staff/sign-in").await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("autocomplete=\"current-password\""));
    // A form posted from another site is refused.
    let req = app
        .client_post("/staff/sign-in")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .insert_header(("origin", "https://evil.example"));
    let a = app
        .send(req, Some(b"email=a%40b.jp&password=x".to_vec()))
        .await;
    assert_eq!(a.status, 403);
}

async fn administrators_manage_users_and_clients_and_hires_are_reported(app: TestApp) {
    let w = world(&app).await;
    let people = web_staff(&app).await;
    let admin = &people["org_public_admin"];
    let mut a = sign_in(
        &app,
        &admin.email,
        &admin.password,
        admin.totp_secret.as_deref(),
    )
    .await;
    let org = w.cast.org_id("org_public").to_owned();

    // API clients: created with the secret shown once, which works.
    let page = a.get(&app, "/staff/clients").await;
    assert_eq!(page.status, 200);
    let (csrf, key) = (input(&page.text(), "csrf"), input(&page.text(), "key"));
    let form = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("name", "matching"),
        ("role", "staff"),
    ];
    let created = a.post(&app, "/staff/clients", &form).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let text = created.text();
    let grab = |id: &str| {
        let marker = format!("id=\"{id}\">");
        let start = text.find(&marker).unwrap() + marker.len();
        text[start..start + text[start..].find('<').unwrap()].to_owned()
    };
    let (client_id, secret) = (grab("client-id"), grab("client-secret"));
    let token = app
        .form(
            "/v1/auth/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", &secret),
            ],
        )
        .await;
    assert_eq!(token.status, 200, "{}", token.text());
    // The same form again (a second press): the same client, not another.
    let again = a.post(&app, "/staff/clients", &form).await;
    assert!(again.text().contains(&client_id));
    let listed = a.get(&app, "/staff/clients").await.text();
    assert_eq!(listed.matches("<td>matching</td>").count(), 1, "one client");
    assert!(!listed.contains(&secret), "the secret is never shown again");
    // Deleted: its token stops at once.
    let gone = a
        .post(
            &app,
            &format!("/staff/clients/{client_id}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(gone.status, 303);
    let bearer = token.json()["access_token"].as_str().unwrap().to_owned();
    app.call("GET", "/v1/profiles", Some(&bearer), None)
        .await
        .assert_problem(401, "unauthorized");

    // Staff users: added, and told by mail to set a password.
    let page = a.get(&app, "/staff/users").await.text();
    assert!(page.contains(&admin.email));
    let key = input(&page, "key");
    let added = a
        .post(
            &app,
            "/staff/users",
            &[
                ("csrf", &csrf),
                ("key", &key),
                ("email", "new.staff@agency.example.jp"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.text());
    assert!(a
        .get(&app, "/staff/users")
        .await
        .text()
        .contains("new.staff@agency.example.jp"));
    let bad = a
        .post(
            &app,
            "/staff/users",
            &[
                ("csrf", &csrf),
                ("key", &uuid::Uuid::new_v4().to_string()),
                ("email", "not an address"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);

    // A staff member may not manage either, and sees no link to them.
    let member = &people["org_public_staff"];
    let mut m = sign_in(&app, &member.email, &member.password, None).await;
    let home = m.get(&app, "/staff").await.text();
    assert!(!home.contains("/staff/clients"));
    assert_eq!(m.get(&app, "/staff/clients").await.status, 403);
    assert_eq!(m.get(&app, "/staff/users").await.status, 403);

    // Hires: reported through an offer, counted by quarter; a bad one is
    // said on the page.
    crate::offers::load_one(&app, &w.hw).await;
    let page = m.get(&app, "/staff/hires").await.text();
    let (mcsrf, key) = (input(&page, "csrf"), input(&page, "key"));
    let today = kyushoku_domain::calendar::today_in_japan().to_string();
    let hire = [
        ("csrf", mcsrf.as_str()),
        ("key", key.as_str()),
        ("through", "offer"),
        ("job_number", "13010-00000001"),
        ("hired_on", today.as_str()),
        ("employment_type", "full_time"),
    ];
    let reported = m.post(&app, "/staff/hires", &hire).await;
    assert_eq!(reported.status, 303, "{}", reported.text());
    assert_eq!(
        m.post(&app, "/staff/hires", &hire).await.status,
        303,
        "a second press: once"
    );
    let list = app
        .call(
            "GET",
            &format!("/v1/organisations/{org}/hires"),
            Some(&w.public),
            None,
        )
        .await;
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 1);
    let future = [
        ("csrf", mcsrf.as_str()),
        ("key", &uuid::Uuid::new_v4().to_string()),
        ("through", "offer"),
        ("job_number", "13010-00000001"),
        ("hired_on", "2099-01-01"),
        ("employment_type", "full_time"),
    ];
    assert_eq!(m.post(&app, "/staff/hires", &future).await.status, 422);
}

/// Two sign-ins racing with one code: the code is accepted once, so
/// exactly one of them opens a session.
async fn one_code_opens_one_of_two_racing_sign_ins(app: TestApp) {
    world(&app).await;
    let staff = web_staff(&app).await;
    let admin = &staff["org_private_admin"];
    let key = admin.totp_secret.clone().unwrap();
    for round in 0..2 {
        let (mut one, mut two) = (Jar::default(), Jar::default());
        for jar in [&mut one, &mut two] {
            let a = jar
                .post(
                    &app,
                    "/staff/sign-in",
                    &[("email", &admin.email), ("password", &admin.password)],
                )
                .await;
            assert_eq!(a.status, 303, "{}", a.text());
        }
        // Each round a code of a later step (a step's code is used once).
        let c = code(&key, round);
        let form = [("code", c.as_str())];
        let (a, b) = tokio::join!(
            one.post(&app, "/staff/sign-in/code", &form),
            two.post(&app, "/staff/sign-in/code", &form)
        );
        let opened = [&a, &b].iter().filter(|x| x.status == 303).count();
        assert_eq!(opened, 1, "round {round}: {} and {}", a.status, b.status);
        assert_eq!(
            [one.has_session(), two.has_session()]
                .iter()
                .filter(|s| **s)
                .count(),
            1
        );
    }
}

/// A sign-in whose password was right, waiting for its code.
async fn begin(app: &TestApp, email: &str, password: &str) -> Jar {
    let mut jar = Jar::default();
    let a = jar
        .post(
            app,
            "/staff/sign-in",
            &[("email", email), ("password", password)],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.text());
    jar
}

/// Wrong codes count per account, across sign-ins and the API: after ten,
/// the account's code step waits, even for the right code, on the pages
/// and in `POST /v1/auth/login`.
async fn wrong_codes_count_per_account_across_sign_ins(app: TestApp) {
    world(&app).await;
    let staff = web_staff(&app).await;
    let admin = &staff["org_private_admin"];
    let key = admin.totp_secret.clone().unwrap();
    // Two sign-ins of five wrong codes each: the fifth ends its sign-in.
    for _ in 0..2 {
        let mut jar = begin(&app, &admin.email, &admin.password).await;
        for i in 0..5 {
            let a = jar
                .post(&app, "/staff/sign-in/code", &[("code", "000000")])
                .await;
            let expected = if i == 4 { 410 } else { 401 };
            assert_eq!(a.status, expected, "wrong code {i}: {}", a.text());
        }
    }
    // The eleventh try, with the right code, waits.
    let mut jar = begin(&app, &admin.email, &admin.password).await;
    let right = code(&key, 0);
    let a = jar
        .post(&app, "/staff/sign-in/code", &[("code", &right)])
        .await;
    assert_eq!(a.status, 429, "{}", a.text());
    assert!(!jar.has_session());
    assert!(a.text().contains("しばらくお待ちください"), "{}", a.text());
    // The API's login waits too.
    let api = app
        .call(
            "POST",
            "/v1/auth/login",
            None,
            Some(serde_json::json!({"email": admin.email, "password": admin.password, "totp": right})),
        )
        .await;
    api.assert_problem(429, "rate-limited");
}

backend_tests!(
    wrong_codes_count_per_account_across_sign_ins,
    one_code_opens_one_of_two_racing_sign_ins,
    administrators_manage_users_and_clients_and_hires_are_reported,
    administrators_sign_in_with_a_one_time_code_used_once,
    staff_without_a_code_sign_in_and_administrators_set_one_up,
    staff_pages_keep_the_api_rules,
    staff_pages_need_a_staff_session,
);
