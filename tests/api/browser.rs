//! The pages in a real browser (issue 33, point 6): headless Chromium
//! driven over WebDriver (Debian's `chromium` and `chromium-driver`), on
//! both backends, with axe-core run on every page a journey visits, in
//! both languages. Outside CI a machine without the browser, its driver or
//! axe-core skips these (saying so); in CI that is a failure. `.ci/run`
//! installs them when missing.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::backend_tests;
use crate::messaging::{only_profile, seeker, send, world};
use crate::pages::link;
use crate::support::TestApp;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// axe-core's script: `KYUSHOKU_TEST_AXE`, else where `.ci/run` installs it.
fn axe_path() -> PathBuf {
    if let Ok(p) = std::env::var("KYUSHOKU_TEST_AXE") {
        return PathBuf::from(p);
    }
    let cache = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache")
        });
    cache.join("kyushoku/axe/node_modules/axe-core/axe.min.js")
}

/// What the browser tests need, or why they cannot run here.
fn tools() -> Result<String, String> {
    for (what, path) in [("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)] {
        if !std::path::Path::new(path).exists() {
            return Err(format!("{what} is not installed ({path})"));
        }
    }
    std::fs::read_to_string(axe_path())
        .map_err(|_| format!("axe-core is not installed ({})", axe_path().display()))
}

/// A headless Chromium under its own chromedriver, closed when dropped.
struct Browser {
    driver: Child,
    client: Client,
    axe: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts one, or says why it cannot (a failure under CI).
    async fn start(width: u32, height: u32) -> Option<Browser> {
        let axe = match tools() {
            Ok(axe) => axe,
            Err(why) if std::env::var_os("CI").is_some() => {
                panic!("the browser tests cannot run in CI: {why}")
            }
            Err(why) => {
                eprintln!("SKIPPED in api: the browser tests did not run: {why}");
                return None;
            }
        };
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let caps: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--no-first-run",
                    format!("--window-size={width},{height}"),
                    "--lang=ja",
                ],
                // A Japanese browser: the pages' first language.
                "prefs": {"intl.accept_languages": "ja,en"}
            }
        }))
        .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        driver,
                        client,
                        axe,
                    })
                }
                Err(e) => last = Some(e.to_string()),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer: {last:?}");
    }

    async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Waits for the page to show `needle` (a click's navigation may still
    /// be on its way).
    async fn shows(&self, needle: &str) {
        for _ in 0..200 {
            if self.text().await.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page does not show {needle:?}: {}", self.text().await);
    }

    /// Waits for a click's navigation to reach `path`.
    async fn arrives_at(&self, path: &str) {
        for _ in 0..200 {
            if self.path().await == path {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "not at {path} but {}: {}",
            self.path().await,
            self.text().await
        );
    }

    /// The page's text, once a page is there (a click's navigation may
    /// still be replacing it).
    async fn text(&self) -> String {
        let mut last = None;
        for _ in 0..200 {
            match self.client.find(Locator::Css("body")).await {
                Ok(body) => match body.text().await {
                    Ok(t) => return t,
                    Err(e) => last = Some(e),
                },
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no page: {last:?}");
    }

    /// Keys sent to whatever has the focus (`\u{E004}` Tab, `\u{E007}`
    /// Enter, or text).
    async fn press(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .unwrap()
            .send_keys(keys)
            .await
            .unwrap();
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Runs axe-core on the page: WCAG 2.0–2.2 A and AA and best
    /// practices; any violation fails, with what and where.
    async fn accessible(&self, what: &str) {
        self.client
            .execute(&self.axe, vec![])
            .await
            .expect("axe loads");
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {runOnly: {type: 'tag', values:
                   ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa','best-practice']}})
                   .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,
                     nodes: v.nodes.map(n => n.target.join(' '))}))))
                   .catch(e => done([{id: 'axe-error', nodes: [String(e)]}]));",
                vec![],
            )
            .await
            .expect("axe runs");
        assert_eq!(
            found,
            json!([]),
            "axe-core on {what} ({})",
            self.path().await
        );
    }

    /// Keyboard alone: Tab from the top of the page visits every link,
    /// button, field and disclosure that is on screen (one stop for a
    /// group of radio buttons), in some order, before it leaves the page.
    async fn keyboard_reaches_everything(&self, what: &str) {
        let count = self
            .client
            .execute(
                "const seen = new Set(); let n = 0;
                 for (const e of document.querySelectorAll(
                     'a[href],button,input:not([type=hidden]),textarea,select,summary')) {
                   if (e.getClientRects().length === 0 || !e.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true})) continue;
                   if (e.type === 'radio') {
                     if (seen.has(e.name)) continue;
                     seen.add(e.name);
                     const group = document.querySelectorAll(`input[type=radio][name='${e.name}']`);
                     const chosen = Array.from(group).find(r => r.checked) || group[0];
                     chosen.setAttribute('data-kb', n++);
                     continue;
                   }
                   e.setAttribute('data-kb', n++);
                 }
                 document.activeElement && document.activeElement.blur();
                 window.scrollTo(0, 0);
                 return n;",
                vec![],
            )
            .await
            .unwrap()
            .as_u64()
            .unwrap();
        let mut reached = std::collections::BTreeSet::new();
        // A date field takes a stop per part (year, month, day): room for
        // a few stops per control, ending once every control was reached.
        for _ in 0..count * 4 + 3 {
            if reached.len() as u64 == count {
                break;
            }
            self.client
                .active_element()
                .await
                .unwrap()
                .send_keys("\u{E004}")
                .await
                .unwrap();
            let at = self
                .client
                .execute(
                    "const e = document.activeElement;
                     return e ? e.getAttribute('data-kb') : null;",
                    vec![],
                )
                .await
                .unwrap();
            if let Some(i) = at.as_str() {
                reached.insert(i.parse::<u64>().unwrap());
            }
        }
        let missed: Vec<u64> = (0..count).filter(|i| !reached.contains(i)).collect();
        if !missed.is_empty() {
            let named = self
                .client
                .execute(
                    "return Array.from(document.querySelectorAll('[data-kb]'))
                       .map(e => e.getAttribute('data-kb') + ' ' + e.outerHTML.slice(0, 100));",
                    vec![],
                )
                .await
                .unwrap();
            panic!("Tab does not reach {missed:?} of {count} controls on {what}: {named:#}");
        }
    }

    /// Checks the page in Japanese and in English (by the switch), and
    /// comes back to Japanese.
    async fn accessible_in_both(&self, what: &str) {
        self.keyboard_reaches_everything(what).await;
        self.accessible(what).await;
        self.click("header.site a[hreflang=en]").await;
        self.in_language("en").await;
        self.accessible(&format!("{what} (English)")).await;
        self.click("header.site a[hreflang=ja]").await;
        self.in_language("ja").await;
    }

    async fn in_language(&self, code: &str) {
        let css = format!("html[lang={code}]");
        for _ in 0..200 {
            if self.client.find(Locator::Css(&css)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page is not in {code}");
    }
}

/// The seeker's journey: a sign-in link, the inbox, a guidance, an answer,
/// a message arriving live, 受信拒否, consent; axe-core on every page.
async fn the_seeker_journey_in_a_browser(app: TestApp) {
    let Some(browser) = Browser::start(390, 844).await else {
        return;
    };
    let w = world(&app).await;
    seeker(&app, &w, "journey-1", "both").await;
    let profile = only_profile(&app, &w.private).await;
    let sent = send(
        &app,
        &w.private,
        &profile,
        Some("介護職のご案内"),
        "夜勤のない求人があります",
    )
    .await;
    assert_eq!(sent.status, 201);

    // Hello Work's link opens a page with one button; pressing it signs in.
    let path = link(&app, &w, "journey-1").await;
    browser.open(&app.url(&path)).await;
    browser.accessible_in_both("the sign-in page").await;
    browser.click("main form button[type=submit]").await;
    browser.arrives_at("/my-page").await;
    browser.shows("未読 1").await;
    browser.accessible_in_both("the inbox").await;

    // The guidance, and an answer.
    browser.click("ul.threads a.title").await;
    browser.shows("夜勤のない求人があります").await;
    browser.accessible_in_both("a thread").await;
    let thread = browser.path().await;
    browser
        .client
        .find(Locator::Id("body"))
        .await
        .unwrap()
        .send_keys("ぜひ詳しく教えてください")
        .await
        .unwrap();
    browser
        .click("form[action$='/messages'] button[type=submit]")
        .await;
    browser.shows("送信しました").await;
    browser.shows("ぜひ詳しく教えてください").await;

    // The organisation answers while the seeker reads the thread: with
    // JavaScript, the page says so without a reload.
    browser.open(&app.url(&thread)).await;
    let mut listening = false;
    for _ in 0..200 {
        if browser
            .client
            .find(Locator::Css("#live[data-state=open]"))
            .await
            .is_ok()
        {
            listening = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(listening, "the page listens to the seeker's stream");
    let again = send(&app, &w.private, &profile, None, "詳細をお送りします").await;
    assert_eq!(again.status, 201, "{}", again.text());
    let mut shown = false;
    for _ in 0..200 {
        if browser
            .client
            .find(Locator::Css("#live:not([hidden])"))
            .await
            .is_ok()
        {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown, "the new message is announced live");

    // A phone number: the page warns; the seeker edits instead.
    browser.open(&app.url(&thread)).await;
    browser
        .client
        .find(Locator::Id("body"))
        .await
        .unwrap()
        .send_keys("連絡先は 03-1234-5678 です")
        .await
        .unwrap();
    browser
        .click("form[action$='/messages'] button[type=submit]")
        .await;
    browser.shows("個人を特定できる情報").await;
    browser.accessible("the warning").await;

    // 受信拒否 from the thread.
    browser.click("details summary").await;
    browser
        .click("form[action='/my-page/refusals'] button")
        .await;
    browser.shows("受信拒否しているため").await;
    browser.open(&app.url("/my-page/refusals")).await;
    browser.shows("株式会社みらい人材").await;
    browser.accessible_in_both("the refusals page").await;

    // Consent: a choice, and the history says it was My Page.
    browser.open(&app.url("/my-page/consent")).await;
    browser.accessible_in_both("the consent page").await;
    browser.click("#scope-public_only").await;
    browser
        .click("form[action='/my-page/consent'] button[type=submit]")
        .await;
    browser.shows("変更しました").await;
    browser.shows("現在の提供先: 地方自治体等のみ").await;

    for (page, what) in [
        ("/my-page/profile", "the profile as organisations see it"),
        ("/my-page/views", "who viewed"),
    ] {
        browser.open(&app.url(page)).await;
        browser.accessible_in_both(what).await;
    }
    // A report about the agency's message is a case the seeker follows.
    let me = app
        .call("POST", "/v1/seekers/journey-1/sessions", Some(&w.hw), None)
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    crate::messaging::report_sent(&app, &me, &sent, "断った後も連絡が来る").await;
    browser.open(&app.url("/my-page/reports")).await;
    browser.shows("受付済み").await;
    browser.accessible_in_both("the seeker's reports").await;
    // The public offer search by organisation ID, without signing in.
    browser.open(&app.url("/offers")).await;
    browser.accessible_in_both("the public offer search").await;
    browser
        .client
        .find(Locator::Id("organisation_id"))
        .await
        .unwrap()
        .send_keys(w.cast.org_id("org_private"))
        .await
        .unwrap();
    browser
        .click("form[action='/offers'] button[type=submit]")
        .await;
    browser.shows("が紹介できる求人").await;
    browser
        .accessible_in_both("the offers an organisation presents")
        .await;

    // Keyboard alone: the skip link is the first stop, and leads to the
    // content.
    browser.open(&app.url("/my-page")).await;
    let active = browser
        .client
        .execute(
            "document.body.focus(); return document.activeElement.tagName;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(active, json!("BODY"));
    browser
        .client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{E004}")
        .await
        .unwrap();
    let first = browser
        .client
        .execute("return document.activeElement.className;", vec![])
        .await
        .unwrap();
    assert_eq!(first, json!("skip"), "Tab reaches the skip link first");

    // Signing out: the page after it is the signed-out page, and My Page
    // is closed to this browser.
    browser
        .click("footer.site form[action='/my-page/sign-out'] button")
        .await;
    browser.arrives_at("/my-page/signed-out").await;
    browser.accessible_in_both("the signed-out page").await;
    browser.open(&app.url("/my-page")).await;
    browser.shows("ログアウトしました").await;
    let _ = browser.client.clone().close().await;
}

/// Types `text` into the field with id `id`.
async fn type_into(browser: &Browser, id: &str, text: &str) {
    browser
        .client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Waits for the page's event stream to be open (the script marks it).
async fn listening(browser: &Browser) {
    for _ in 0..200 {
        if browser
            .client
            .find(Locator::Css("#live[data-state=open]"))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page does not listen to its stream");
}

/// The organisation staff's journey (desktop): an administrator signs in
/// with password and one-time code, searches, reads a profile, sends the
/// first guidance (the day's cap shown), sees the seeker's answer arrive
/// live, answers; searches offers and opens one; axe-core and the
/// keyboard on every page, in both languages.
async fn the_staff_journey_in_a_browser(app: TestApp) {
    let Some(browser) = Browser::start(1280, 900).await else {
        return;
    };
    let w = world(&app).await;
    let staff = crate::staff_pages::web_staff(&app).await;
    let admin = &staff["org_public_admin"];
    let key = admin.totp_secret.clone().unwrap();
    let token = seeker(&app, &w, "staff-journey-1", "both").await;
    crate::offers::load_one(&app, &w.hw).await;
    // The approval is in its last three months: the home offers renewal.
    crate::terms::approval_ends_in(&app, w.cast.org_id("org_public"), 20).await;

    browser.open(&app.url("/staff")).await;
    browser.shows("ログインしてください").await;
    browser.open(&app.url("/staff/sign-in")).await;
    browser.accessible_in_both("the staff sign-in").await;
    // By keyboard alone: type, Tab to the next field, Enter sends.
    type_into(&browser, "email", &admin.email).await;
    browser.press("\u{E004}").await;
    browser.press(&admin.password).await;
    browser.press("\u{E007}").await;
    browser.arrives_at("/staff/sign-in/code").await;
    browser.accessible_in_both("the code page").await;
    type_into(&browser, "code", &crate::staff_pages::code(&key, 0)).await;
    browser.press("\u{E007}").await;
    browser.arrives_at("/staff").await;
    browser.shows(w.cast.org_id("org_public")).await;
    browser.shows("更新申請の受付期間中").await;
    browser.accessible_in_both("the staff home").await;
    browser
        .click("form[action='/staff/renewals'] button[type=submit]")
        .await;
    browser.arrives_at("/staff").await;
    browser.shows("承認の更新を申請しました").await;
    browser.shows("更新を申請中").await;
    browser
        .accessible_in_both("the staff home with a renewal asked for")
        .await;

    // The search, by the pickers.
    browser.open(&app.url("/staff/profiles")).await;
    browser.accessible_in_both("the profile search").await;
    type_into(&browser, "q", "介護").await;
    browser.click("form.filters button[type=submit]").await;
    browser.shows("検索結果").await;
    browser.accessible_in_both("the search results").await;
    browser.click("ul.threads a.title").await;
    browser.shows("案内を送る").await;
    browser.accessible_in_both("a profile").await;
    let profile = browser.path().await;
    type_into(&browser, "subject", "介護職のご案内").await;
    type_into(&browser, "body", "夜勤のない求人があります").await;
    browser
        .click("form[action$='/messages'] button[type=submit]")
        .await;
    browser.shows("送信しました").await;
    assert!(browser.path().await == profile);

    // The threads: the seeker answers while staff look at the list.
    browser.open(&app.url("/staff/threads")).await;
    browser.shows("返信待ち").await;
    browser.accessible_in_both("the threads").await;
    listening(&browser).await;
    let threads = app.call("GET", "/v1/me/threads", Some(&token), None).await;
    let thread = threads.json()["items"][0]["thread_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answered = app
        .call(
            "POST",
            &format!("/v1/me/threads/{thread}/messages"),
            Some(&token),
            Some(json!({"body": "ぜひ詳しく教えてください"})),
        )
        .await;
    assert_eq!(answered.status, 201, "{}", answered.text());
    let mut shown = false;
    for _ in 0..200 {
        if browser
            .client
            .find(Locator::Css("#live:not([hidden])"))
            .await
            .is_ok()
        {
            shown = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown, "the seeker's answer is announced live");
    browser.click("#live a").await;
    browser.shows("返信あり").await;
    browser.click("table a").await;
    browser.shows("ぜひ詳しく教えてください").await;
    browser.accessible_in_both("a thread").await;
    type_into(&browser, "body", "はい、ご説明します。").await;
    browser
        .click("form[action$='/messages'] button[type=submit]")
        .await;
    browser.shows("送信しました").await;
    browser.shows("はい、ご説明します。").await;

    // Offers: the search, one offer, the download links.
    browser.open(&app.url("/staff/offers")).await;
    browser.accessible_in_both("the offer search").await;
    browser.click("form.filters button[type=submit]").await;
    browser.shows("検索結果").await;
    browser.accessible_in_both("the offer results").await;
    browser.click("ul.threads a.title").await;
    browser.shows("仕事の内容").await;
    browser.accessible_in_both("an offer").await;

    // Hires, staff users and API clients (an administrator's pages); a
    // new client's secret is shown once.
    // The quarterly usage report: the oldest quarter owed is past its
    // deadline; the administrator drafts it with a training body, then
    // submits it.
    browser.open(&app.url("/staff/usage-reports")).await;
    browser.shows("期限超過").await;
    browser.accessible_in_both("the usage reports").await;
    let oldest = kyushoku_domain::terms::FiscalQuarter::containing(
        kyushoku_domain::calendar::today_in_japan()
            - chrono::Duration::days(kyushoku::demo::DEMO_APPROVED_DAYS_AGO),
    );
    browser
        .open(&app.url(&format!("/staff/usage-reports/{oldest}")))
        .await;
    browser.accessible_in_both("a quarter's usage report").await;
    type_into(&browser, "hires_from_offers", "2").await;
    type_into(&browser, "body_1", "新宿職業訓練センター").await;
    type_into(&browser, "offers_1", "3").await;
    browser
        .click(&format!(
            "form[action='/staff/usage-reports/{oldest}'] button[type=submit]"
        ))
        .await;
    browser.shows("保存しました").await;
    browser.accessible("a saved draft").await;
    browser
        .click("form[action$='/submission'] button[type=submit]")
        .await;
    browser.shows("提出しました").await;
    browser.shows("訂正を保存").await;
    browser.accessible_in_both("a submitted usage report").await;

    for (page, what) in [
        ("/staff/hires", "the hire reports"),
        ("/staff/users", "the staff users"),
        ("/staff/clients", "the API clients"),
    ] {
        browser.open(&app.url(page)).await;
        browser.accessible_in_both(what).await;
    }
    type_into(&browser, "name", "matching system").await;
    browser
        .click("form[action='/staff/clients'] button[type=submit]")
        .await;
    browser.shows("client_secret").await;
    browser.accessible("a new API client").await;

    // Webhooks: the list and its form; an address kyushoku does not call
    // is refused with the reason; one webhook (registered through the use
    // case: this server calls no local receiver) with a delivery.
    browser.open(&app.url("/staff/webhooks")).await;
    browser.accessible_in_both("the webhooks").await;
    type_into(&browser, "url", "https://169.254.169.254/latest").await;
    browser.click("#event-1").await;
    browser
        .click("form[action='/staff/webhooks'] button[type=submit]")
        .await;
    browser.shows("送信できません").await;
    browser.accessible("a refused webhook URL").await;
    let hook = {
        let db = app.state().db.clone();
        let sealer = app.state().sealer.clone();
        let org = w.cast.org_id("org_public").to_owned();
        tokio::task::spawn_blocking(move || {
            kyushoku_service::run(&db, |c| {
                let row = kyushoku_store::organisations::find(c, &org)?.unwrap();
                let holder = kyushoku_service::webhooks::Holder::Organisation(row);
                let caller = kyushoku_service::Caller::anonymous(None);
                let created = kyushoku_service::webhooks::register(
                    c,
                    &caller,
                    &sealer,
                    &holder,
                    kyushoku_service::webhooks::Subscription {
                        url: "https://hooks.example.jp/kyushoku".parse().unwrap(),
                        events: vec!["message.received".into()],
                        description: Some("マッチング".into()),
                    },
                    None,
                )?;
                kyushoku_service::webhooks::send_test(
                    c,
                    &caller,
                    &holder,
                    &created.webhook.webhook_id,
                    None,
                )?;
                Ok(created.webhook.webhook_id)
            })
        })
        .await
        .unwrap()
        .unwrap()
    };
    browser
        .open(&app.url(&format!("/staff/webhooks/{hook}")))
        .await;
    browser.shows("配信履歴").await;
    browser
        .accessible_in_both("a webhook and its deliveries")
        .await;

    browser
        .click("footer.site form[action='/staff/sign-out'] button")
        .await;
    browser.arrives_at("/staff/sign-in").await;
    browser.open(&app.url("/staff")).await;
    browser.shows("ログインしてください").await;
    let _ = browser.client.clone().close().await;
}

/// The labour bureau's journey (desktop): an officer signs in with a
/// one-time code, opens the applications, approves one with a reason,
/// searches the trail and reads the statistics; the new organisation's
/// administrator then signs in, setting up their app. axe-core and the
/// keyboard on every page, in both languages.
async fn the_bureau_journey_in_a_browser(app: TestApp) {
    let Some(browser) = Browser::start(1280, 900).await else {
        return;
    };
    let w = world(&app).await;
    let people = crate::staff_pages::web_staff(&app).await;
    let officer = &people["bureau_13"];
    let key = officer.totp_secret.clone().unwrap();
    let pending = w.cast.org_id("org_pending").to_owned();

    browser.open(&app.url("/bureau/sign-in")).await;
    browser.accessible_in_both("the bureau's sign-in").await;
    type_into(&browser, "email", &officer.email).await;
    type_into(&browser, "password", &officer.password).await;
    browser.click("main form button[type=submit]").await;
    browser.arrives_at("/bureau/sign-in/code").await;
    type_into(&browser, "code", &crate::staff_pages::code(&key, 0)).await;
    browser.click("main form button[type=submit]").await;
    browser.arrives_at("/bureau").await;
    browser.shows("東京労働局").await;
    browser.accessible_in_both("the bureau's home").await;

    browser.click("#pending").await;
    browser.shows("NPO法人はたらくサポート").await;
    browser.accessible_in_both("the applications").await;
    browser.click("table a").await;
    browser
        .arrives_at(&format!("/bureau/organisations/{pending}"))
        .await;
    browser.accessible_in_both("an application").await;
    browser.click("#decision-approve").await;
    type_into(&browser, "reason", "要件を確認しました").await;
    browser
        .click("form[action$='/decisions'] button[type=submit]")
        .await;
    browser.shows("決定を記録しました").await;
    browser.shows("要件を確認しました").await;
    browser.accessible_in_both("a decided organisation").await;

    // A seeker's complaint, handled as a case: reviewed, then answered.
    seeker(&app, &w, "bureau-journey-1", "both").await;
    let me = app
        .call(
            "POST",
            "/v1/seekers/bureau-journey-1/sessions",
            Some(&w.hw),
            None,
        )
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let profile = only_profile(&app, &w.private).await;
    let sent = send(
        &app,
        &w.private,
        &profile,
        Some("ご案内"),
        "至急ご連絡ください",
    )
    .await;
    crate::messaging::report_sent(&app, &me, &sent, "何度も連絡が来る").await;
    browser.open(&app.url("/bureau/complaints")).await;
    browser.shows("何度も連絡が来る").await;
    browser.accessible_in_both("the complaints").await;
    browser
        .click("form[action^='/bureau/complaints/'] button[type=submit]")
        .await;
    browser.shows("記録しました").await;
    browser
        .accessible_in_both("the complaints under review")
        .await;
    let mine = app
        .call("GET", "/v1/me/reports", Some(&me), None)
        .await
        .json();
    assert_eq!(mine["items"][0]["status"], "reviewing");

    // The usage reports: the demo's organisations are overdue; the bureau
    // suspends one under the terms, from its page.
    browser.open(&app.url("/bureau/usage-reports")).await;
    browser.shows("期限超過").await;
    browser.accessible_in_both("who owes a usage report").await;
    let private = w.cast.org_id("org_private").to_owned();
    // A change request waits on the page with its form.
    let asked = app
        .call(
            "POST",
            &format!("/v1/organisations/{private}/change-requests"),
            Some(&w.private),
            Some(json!({"name": "株式会社みらい人材ホールディングス"})),
        )
        .await;
    assert_eq!(asked.status, 201, "{}", asked.text());
    // So does a renewal, asked for in the approval's last three months.
    crate::terms::approval_ends_in(&app, &private, 20).await;
    let renewal = app
        .call(
            "POST",
            &format!("/v1/organisations/{private}/renewals"),
            Some(&w.private),
            None,
        )
        .await;
    assert_eq!(renewal.status, 201, "{}", renewal.text());
    browser
        .open(&app.url(&format!("/bureau/organisations/{private}")))
        .await;
    browser.shows("株式会社みらい人材ホールディングス").await;
    browser.shows("更新を承認する").await;
    browser.shows("利用規約に基づく措置").await;
    browser.click("#ground-overdue").await;
    type_into(&browser, "sanction-reason", "利用状況報告が未提出").await;
    browser
        .click("form[action$='/sanctions'] button[type=submit]")
        .await;
    browser.shows("措置を記録しました").await;
    browser.shows("利用停止の終了日").await;
    browser
        .accessible_in_both("a sanctioned organisation")
        .await;

    browser.open(&app.url("/bureau/audit")).await;
    browser.accessible_in_both("the audit search").await;
    type_into(&browser, "organisation_id", &pending).await;
    browser.click("form.filters button[type=submit]").await;
    browser.shows("organisation_decision").await;
    browser.accessible_in_both("the audit results").await;
    browser.open(&app.url("/bureau/statistics")).await;
    browser.shows("求職者（提供先の選択別）").await;
    browser.accessible_in_both("the statistics").await;
    browser
        .click("footer.site form[action='/bureau/sign-out'] button")
        .await;
    browser.arrives_at("/bureau/sign-in").await;

    // The approved organisation's administrator signs in and sets up the
    // one-time codes an administrator needs.
    let admin = w.cast.get("org_pending");
    browser.open(&app.url("/staff/sign-in")).await;
    type_into(&browser, "email", admin.admin_email.as_deref().unwrap()).await;
    type_into(
        &browser,
        "password",
        admin.admin_password.as_deref().unwrap(),
    )
    .await;
    browser.click("main form button[type=submit]").await;
    browser.arrives_at("/staff/sign-in/code").await;
    browser.shows("2段階認証の設定").await;
    browser
        .accessible_in_both("the set-up of the one-time codes")
        .await;
    let shown = browser
        .client
        .find(Locator::Id("totp-key"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let new_key: String = shown.chars().filter(|c| !c.is_whitespace()).collect();
    type_into(&browser, "code", &crate::staff_pages::code(&new_key, 0)).await;
    browser.click("main form button[type=submit]").await;
    browser.arrives_at("/staff").await;
    browser.shows(&pending).await;
    // An agency's home offers a move to another prefecture.
    browser.shows("移転先の都道府県").await;
    browser
        .accessible_in_both("a newly approved agency's home")
        .await;
    let _ = browser.client.clone().close().await;
}

backend_tests!(
    the_seeker_journey_in_a_browser,
    the_staff_journey_in_a_browser,
    the_bureau_journey_in_a_browser
);
