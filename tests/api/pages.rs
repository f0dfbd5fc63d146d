//! The pages for people (issue 33) through HTTP as a browser sends it:
//! the seeker's sign-in link, the cookie session, CSRF, the headers every
//! page carries, and My Page's actions reaching the same rules as the API.
//! (The journeys in a real browser are in `browser.rs`.)

use serde_json::{json, Value};

use crate::backend_tests;
use crate::messaging::{only_profile, seeker, send, world, World};
use crate::support::{Answer, TestApp};

/// A browser as far as these tests need one: a jar of one session cookie.
#[derive(Default)]
pub struct Browser {
    pub cookie: Option<String>,
}

impl Browser {
    pub fn new() -> Browser {
        Browser::default()
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> Answer {
        let mut req = app.client_get(path);
        if let Some(c) = &self.cookie {
            req = req.insert_header(("cookie", c.clone()));
        }
        app.send(req, None).await
    }

    pub async fn post(&mut self, app: &TestApp, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(form).unwrap();
        let mut req = app
            .client_post(path)
            .insert_header(("content-type", "application/x-www-form-urlencoded"));
        if let Some(c) = &self.cookie {
            req = req.insert_header(("cookie", c.clone()));
        }
        let a = app.send(req, Some(body.into_bytes())).await;
        if let Some(set) = a.header("set-cookie") {
            let pair = set.split(';').next().unwrap().to_owned();
            self.cookie = if pair.ends_with('=') {
                None
            } else {
                Some(pair)
            };
        }
        a
    }
}

/// The value of the first `<input name=NAME value=…>` on a page.
pub fn input(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

/// A sign-in link for the seeker, made by Hello Work's system.
pub async fn link(app: &TestApp, w: &World, seeker_ref: &str) -> String {
    let a = app
        .call(
            "POST",
            &format!("/v1/seekers/{seeker_ref}/sign-in-links"),
            Some(&w.hw),
            None,
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text());
    let v = a.json();
    assert!(v["expires_in"].as_i64().unwrap() <= 300);
    let url = v["url"].as_str().unwrap();
    url.split_once("/my-page/")
        .map(|(_, p)| format!("/my-page/{p}"))
        .unwrap()
}

/// Signs the seeker in through a fresh link.
pub async fn signed_in(app: &TestApp, w: &World, seeker_ref: &str) -> Browser {
    let path = link(app, w, seeker_ref).await;
    let mut b = Browser::new();
    let a = b.post(app, &path, &[]).await;
    assert_eq!(a.status, 303, "{}", a.text());
    assert_eq!(a.header("location"), Some("/my-page"));
    assert!(b.cookie.is_some());
    b
}

fn seeker_body() -> Value {
    json!({
        "consent_scope": "both",
        "valid_until": (kyushoku_domain::calendar::today_in_japan() + chrono::Duration::days(60)).to_string(),
        "profile": {"desired_occupations": ["08"], "self_pr": "介護の仕事を探しています"}
    })
}

async fn a_sign_in_link_opens_my_page_once(app: TestApp) {
    let w = world(&app).await;
    seeker(&app, &w, "web-1", "both").await;
    // Only Hello Work makes links; an unknown seeker has none.
    let refused = app
        .call(
            "POST",
            "/v1/seekers/web-1/sign-in-links",
            Some(&w.public),
            None,
        )
        .await;
    refused.assert_problem(403, "forbidden");
    let unknown = app
        .call(
            "POST",
            "/v1/seekers/nobody/sign-in-links",
            Some(&w.hw),
            None,
        )
        .await;
    unknown.assert_problem(404, "not-found");

    let path = link(&app, &w, "web-1").await;
    // Opening the link (a mail scanner, a preview) does not use it.
    let mut b = Browser::new();
    for _ in 0..2 {
        let shown = b.get(&app, &path).await;
        assert_eq!(shown.status, 200);
        assert!(shown.text().contains("<form method=\"post\""));
    }
    let a = b.post(&app, &path, &[]).await;
    assert_eq!(a.status, 303);
    let cookie = a.header("set-cookie").unwrap().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP in tests: {cookie}");
    // Used once: a second use is refused, and opens nothing.
    let mut other = Browser::new();
    let again = other.post(&app, &path, &[]).await;
    assert_eq!(again.status, 410);
    assert!(other.cookie.is_none());
    // A made-up link is refused the same way.
    let forged = other
        .post(
            &app,
            "/my-page/sign-in/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            &[],
        )
        .await;
    assert_eq!(forged.status, 410);

    let inbox = b.get(&app, "/my-page").await;
    assert_eq!(inbox.status, 200);
    let csp = inbox.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(inbox.header("x-frame-options"), Some("DENY"));
    assert_eq!(inbox.header("cache-control"), Some("no-store"));
    assert!(inbox.text().contains("<html lang=\"ja\">"));
    // The cookie is for the pages only: the API takes bearer tokens.
    let mut req = app.client_get("/v1/me");
    req = req.insert_header(("cookie", b.cookie.clone().unwrap()));
    app.send(req, None)
        .await
        .assert_problem(401, "unauthorized");
    // Without a session, a page says how to sign in.
    let out = Browser::new().get(&app, "/my-page").await;
    assert_eq!(out.status, 401);
    assert!(out.text().contains("ハローワーク"));
}

async fn an_expired_link_opens_nothing(app: TestApp) {
    let w = world(&app).await;
    seeker(&app, &w, "web-old", "both").await;
    let path = link(&app, &w, "web-old").await;
    app.state()
        .db_run(|c| {
            use diesel::RunQueryDsl;
            let q =
                diesel::sql_query("UPDATE sign_in_links SET expires_at = '2000-01-01 00:00:00'");
            Ok(match c {
                kyushoku_store::DbConn::Postgresql(pg) => q.execute(pg)?,
                kyushoku_store::DbConn::Sqlite(lite) => q.execute(lite)?,
            })
        })
        .await
        .unwrap();
    let mut b = Browser::new();
    assert_eq!(b.post(&app, &path, &[]).await.status, 410);
    assert!(b.cookie.is_none());
}

async fn forms_need_the_session_csrf_token_and_this_site(app: TestApp) {
    let w = world(&app).await;
    seeker(&app, &w, "web-2", "both").await;
    let mut b = signed_in(&app, &w, "web-2").await;
    let page = b.get(&app, "/my-page/consent").await.text();
    let csrf = input(&page, "csrf");
    // No token, a wrong one, or a form posted from another site: refused,
    // nothing changed.
    for form in [
        vec![("scope", "none")],
        vec![("scope", "none"), ("csrf", "not-the-token")],
    ] {
        let a = b.post(&app, "/my-page/consent", &form).await;
        assert!(a.status == 403 || a.status == 400, "{}", a.status);
    }
    let req = app
        .client_post("/my-page/consent")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .insert_header(("cookie", b.cookie.clone().unwrap()))
        .insert_header(("origin", "https://evil.example"));
    let body = serde_urlencoded::to_string([("scope", "none"), ("csrf", csrf.as_str())]).unwrap();
    assert_eq!(app.send(req, Some(body.into_bytes())).await.status, 403);
    let token = seeker(&app, &w, "web-2", "both").await;
    let me = app.call("GET", "/v1/me", Some(&token), None).await.json();
    assert_eq!(me["consent_scope"], "both", "nothing changed");
    // With the token: changed, and the ledger says it was My Page.
    let a = b
        .post(
            &app,
            "/my-page/consent",
            &[("scope", "public_only"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(a.status, 303, "{}", a.text());
    let me = app.call("GET", "/v1/me", Some(&token), None).await.json();
    assert_eq!(me["consent_scope"], "public_only");
    let page = b.get(&app, "/my-page/consent?done=saved").await.text();
    assert!(page.contains("変更しました"));
    assert!(page.contains("マイページ"), "the history names the channel");
    assert!(
        page.contains("ハローワークの窓口"),
        "and the registration's"
    );
}

async fn my_page_answers_refuses_and_warns_before_personal_data(app: TestApp) {
    let w = world(&app).await;
    seeker(&app, &w, "web-3", "both").await;
    let profile = only_profile(&app, &w.private).await;
    let sent = send(
        &app,
        &w.private,
        &profile,
        Some("ご案内"),
        "求人のご案内です",
    )
    .await;
    assert_eq!(sent.status, 201, "{}", sent.text());
    let thread = sent.json()["thread_id"].as_str().unwrap().to_owned();
    let mut b = signed_in(&app, &w, "web-3").await;

    let inbox = b.get(&app, "/my-page").await.text();
    assert!(inbox.contains(&format!("/my-page/threads/{thread}")));
    assert!(inbox.contains("未読 1"));
    let page = b
        .get(&app, &format!("/my-page/threads/{thread}"))
        .await
        .text();
    assert!(page.contains("求人のご案内です"));
    let csrf = input(&page, "csrf");
    let key = input(&page, "key");
    let path = format!("/my-page/threads/{thread}/messages");

    // A phone number in the answer: shown back with a warning, not sent.
    let warned = b
        .post(
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("key", &key),
                ("body", "電話は０９０ー１２３４ー５６７８です"),
            ],
        )
        .await;
    assert_eq!(warned.status, 422);
    assert!(warned.text().contains("電話番号"), "{}", warned.text());
    let token = seeker(&app, &w, "web-3", "both").await;
    let read = |t: String| {
        let app = &app;
        let thread = thread.clone();
        async move {
            app.call("GET", &format!("/v1/me/threads/{thread}"), Some(&t), None)
                .await
                .json()["messages"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(read(token.clone()).await, 1, "nothing was sent");
    // Confirmed: sent as the seeker wrote it (the message is theirs), once
    // however often the form is sent.
    let confirm_key = input(&warned.text(), "key");
    for _ in 0..2 {
        let a = b
            .post(
                &app,
                &path,
                &[
                    ("csrf", &csrf),
                    ("key", &confirm_key),
                    ("confirmed", "yes"),
                    ("body", "電話は０９０ー１２３４ー５６７８です"),
                ],
            )
            .await;
        assert_eq!(a.status, 303, "{}", a.text());
    }
    assert_eq!(read(token.clone()).await, 2);
    // An answer without personal data goes at once.
    let a = b
        .post(
            &app,
            &path,
            &[
                ("csrf", &csrf),
                ("key", &uuid::Uuid::new_v4().to_string()),
                ("body", "興味があります"),
            ],
        )
        .await;
    assert_eq!(a.status, 303);
    assert_eq!(read(token.clone()).await, 3);

    // 受信拒否 from the thread page: the API sees the block, the page
    // explains why the thread is closed and offers to undo it.
    let org = input(&page, "organisation_id");
    let a = b
        .post(
            &app,
            "/my-page/refusals",
            &[
                ("csrf", &csrf),
                ("organisation_id", &org),
                ("thread_id", &thread),
            ],
        )
        .await;
    assert_eq!(a.status, 303);
    let blocks = app
        .call("GET", "/v1/me/blocks", Some(&token), None)
        .await
        .json();
    assert_eq!(blocks["items"].as_array().unwrap().len(), 1);
    let closed = b
        .get(&app, &format!("/my-page/threads/{thread}"))
        .await
        .text();
    assert!(closed.contains("受信拒否しているため"));
    assert!(
        !closed.contains("name=\"body\""),
        "no answer form on a closed thread"
    );
    let a = b
        .post(
            &app,
            "/my-page/refusals/undo",
            &[("csrf", &csrf), ("organisation_id", &org)],
        )
        .await;
    assert_eq!(a.status, 303);
    let blocks = app
        .call("GET", "/v1/me/blocks", Some(&token), None)
        .await
        .json();
    assert!(blocks["items"].as_array().unwrap().is_empty());
    // Refusing all guidance, and back.
    let a = b
        .post(
            &app,
            "/my-page/guidance",
            &[("csrf", &csrf), ("receive", "no")],
        )
        .await;
    assert_eq!(a.status, 303);
    let me = app.call("GET", "/v1/me", Some(&token), None).await.json();
    assert_eq!(me["receive_guidance"], false);
}

async fn the_seeker_sees_who_opened_their_profile(app: TestApp) {
    let w = world(&app).await;
    let token = seeker(&app, &w, "web-4", "both").await;
    let b = signed_in(&app, &w, "web-4").await;
    let none = b.get(&app, "/my-page/views").await.text();
    assert!(none.contains("まだどの団体も見ていません"));
    let profile = only_profile(&app, &w.public).await;
    let read = app
        .call(
            "GET",
            &format!("/v1/profiles/{profile}"),
            Some(&w.public),
            None,
        )
        .await;
    assert_eq!(read.status, 200);
    let views = app
        .call("GET", "/v1/me/profile-views", Some(&token), None)
        .await;
    assert_eq!(views.status, 200, "{}", views.text());
    let items = views.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "a search is not a view; the read is");
    assert_eq!(
        items[0]["organisation"]["organisation_id"],
        w.cast.org_id("org_public")
    );
    assert_eq!(items[0]["organisation"]["prefecture"], "13");
    let page = b.get(&app, "/my-page/views").await.text();
    assert!(page.contains(items[0]["organisation"]["name"].as_str().unwrap()));
    // The profile as organisations see it.
    let shown = b.get(&app, "/my-page/profile").await.text();
    assert!(shown.contains("介護の仕事を探しています"));
    let _ = seeker_body();
}

async fn signing_out_ends_the_session_here_or_everywhere(app: TestApp) {
    let w = world(&app).await;
    seeker(&app, &w, "web-5", "both").await;
    let mut one = signed_in(&app, &w, "web-5").await;
    let two = signed_in(&app, &w, "web-5").await;
    let csrf = input(&one.get(&app, "/my-page").await.text(), "csrf");
    let kept = one.cookie.clone().unwrap();
    let a = one
        .post(&app, "/my-page/sign-out", &[("csrf", &csrf)])
        .await;
    assert_eq!(a.status, 303);
    assert!(one.cookie.is_none(), "the browser is told to forget it");
    let stale = Browser { cookie: Some(kept) };
    assert_eq!(
        stale.get(&app, "/my-page").await.status,
        401,
        "and it is gone"
    );
    assert_eq!(
        two.get(&app, "/my-page").await.status,
        200,
        "the other stays"
    );
    let mut two = two;
    let csrf = input(&two.get(&app, "/my-page").await.text(), "csrf");
    let three = signed_in(&app, &w, "web-5").await;
    assert_eq!(three.get(&app, "/my-page").await.status, 200);
    let api = app
        .call("POST", "/v1/seekers/web-5/sessions", Some(&w.hw), None)
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = two
        .post(&app, "/my-page/sign-out-everywhere", &[("csrf", &csrf)])
        .await;
    assert_eq!(a.status, 303);
    assert_eq!(three.get(&app, "/my-page").await.status, 401);
    // Everywhere: the seeker's API tokens too (the epoch was raised).
    app.call("GET", "/v1/me", Some(&api), None)
        .await
        .assert_problem(401, "unauthorized");
    // A registration purged after its end (R7): its threads are gone from
    // the pages as from the API.
    let four = signed_in(&app, &w, "web-5").await;
    let ended = app
        .call(
            "DELETE",
            "/v1/seekers/web-5?reason=placed",
            Some(&w.hw),
            None,
        )
        .await;
    assert!(ended.status.is_success());
    kyushoku::server::sweep_once(&app.state().db, 0).unwrap();
    let page = four.get(&app, "/my-page").await.text();
    assert!(page.contains("まだ案内は届いていません"), "{page}");
}

async fn pages_speak_english_when_asked(app: TestApp) {
    let w = world(&app).await;
    seeker(&app, &w, "web-6", "both").await;
    let b = signed_in(&app, &w, "web-6").await;
    let mut req = app.client_get("/my-page");
    req = req
        .insert_header(("cookie", b.cookie.clone().unwrap()))
        .insert_header(("accept-language", "en-GB,en;q=0.9"));
    let page = app.send(req, None).await.text();
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Messages"));
    // The switch: a cookie, and back to a page of this site only.
    let a = b.get(&app, "/lang/en?back=/my-page/consent").await;
    assert_eq!(a.status, 303);
    assert_eq!(a.header("location"), Some("/my-page/consent"));
    assert!(a
        .header("set-cookie")
        .unwrap()
        .starts_with("kyushoku_lang=en"));
    let away = b.get(&app, "/lang/en?back=//evil.example/").await;
    assert_eq!(away.header("location"), Some("/my-page"));
    // Assets: hashed names, cached for a year; others do not exist.
    let css = page
        .split("href=\"")
        .find_map(|s| {
            s.strip_prefix("/assets/")
                .map(|r| r[..r.find('"').unwrap()].to_owned())
        })
        .unwrap();
    let a = b.get(&app, &format!("/assets/{css}")).await;
    assert_eq!(a.status, 200);
    assert!(a.header("cache-control").unwrap().contains("immutable"));
    assert_eq!(b.get(&app, "/assets/app.css").await.status, 404);
}

async fn anyone_searches_the_offers_an_organisation_presents_by_its_id(app: TestApp) {
    let w = world(&app).await;
    for (n, scope, title) in [
        ("13010-00000001", "both", "介護職員（正社員）"),
        ("13010-00000002", "private_only", "民間だけの求人"),
    ] {
        let mut body = crate::offers::offer_json(scope);
        body["title"] = json!(title);
        let a = app
            .call(
                "PUT",
                &format!("/v1/job-offers/{n}"),
                Some(&w.hw),
                Some(body),
            )
            .await;
        assert!(a.status.is_success(), "{}", a.text());
    }
    let anyone = Browser::new();
    let form = anyone.get(&app, "/offers").await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("利用団体ID"));
    // Shinjuku City (public sector) presents only what the public sector
    // may see; the private agency both.
    let city = w.cast.org_id("org_public");
    let page = anyone
        .get(
            &app,
            &format!(
                "/offers?organisation_id={city}&{}",
                serde_urlencoded::to_string([("q", "介護")]).unwrap()
            ),
        )
        .await;
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(text.contains("介護職員（正社員）"), "{text}");
    assert!(!text.contains("民間だけの求人"));
    let agency = w.cast.org_id("org_private");
    let text = anyone
        .get(&app, &format!("/offers?organisation_id={agency}"))
        .await
        .text();
    assert!(text.contains("民間だけの求人"));
    // An ID that is not an approved organisation with the service reads as
    // one that does not exist (R2), whatever it is.
    let pending = w.cast.org_id("org_pending");
    for id in [pending, "00000000-0000-7000-8000-000000000000", "not-an-id"] {
        let a = anyone
            .get(&app, &format!("/offers?organisation_id={id}"))
            .await;
        assert_eq!(a.status, 404, "{id}");
        assert!(a.text().contains("見つかりません"));
    }
    // Bad filters: said on the page, nothing searched.
    let a = anyone
        .get(
            &app,
            &format!(
                "/offers?organisation_id={city}&{}",
                serde_urlencoded::to_string([("wage_min", "たくさん")]).unwrap()
            ),
        )
        .await;
    assert_eq!(a.status, 422);
    // The search is in the organisation's trail, by an anonymous actor.
    let bureau = app
        .call(
            "GET",
            &format!("/v1/audit?organisation_id={city}&action=offer_search"),
            Some(&w.bureau),
            None,
        )
        .await
        .json();
    let items = bureau["items"].as_array().unwrap();
    assert!(
        items.iter().any(|e| e["actor_kind"] == "anonymous"),
        "{bureau}"
    );
}

backend_tests!(
    anyone_searches_the_offers_an_organisation_presents_by_its_id,
    a_sign_in_link_opens_my_page_once,
    an_expired_link_opens_nothing,
    forms_need_the_session_csrf_token_and_this_site,
    my_page_answers_refuses_and_warns_before_personal_data,
    the_seeker_sees_who_opened_their_profile,
    signing_out_ends_the_session_here_or_everywhere,
    pages_speak_english_when_asked,
);
