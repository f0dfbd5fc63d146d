//! The test harness: the real server on a random port with a database of its
//! own, and a small HTTP client.
//!
//! Every behaviour test runs on both backends through [`backend_tests!`]:
//! SQLite always (a temporary file), PostgreSQL when
//! `KYUSHOKU_TEST_POSTGRES_URL` is set (a fresh database per test, dropped
//! afterwards). Under CI (`CI` set) a missing URL fails the test instead of
//! skipping it. Redis likewise with `KYUSHOKU_TEST_REDIS_URL`.

use std::time::Duration;

use awc::http::header::HeaderMap;
use awc::http::StatusCode;
use diesel::{Connection, PgConnection, RunQueryDsl};
use kyushoku::config::ServeArgs;
pub use kyushoku::demo::DemoClient;
use kyushoku::server::{self, Running};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Postgres,
}

fn required_env(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var_os("CI").is_some() => panic!("{name} must be set under CI"),
        _ => {
            kyushoku_store::test_support::skip_notice(name);
            None
        }
    }
}

/// The Redis URL for tests, when configured.
pub fn redis_url() -> Option<String> {
    required_env("KYUSHOKU_TEST_REDIS_URL")
}

/// A database made for one test and removed after it.
pub enum TestDb {
    Sqlite {
        _dir: tempfile::TempDir,
    },
    /// Another instance's database: dropped by its owner.
    Borrowed,
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl TestDb {
    pub fn create(store: Store) -> Option<(TestDb, String)> {
        match store {
            Store::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Some((TestDb::Sqlite { _dir: dir }, url))
            }
            Store::Postgres => {
                let admin_url = required_env("KYUSHOKU_TEST_POSTGRES_URL")?;
                let name = format!("kyushoku_t_{}", uuid::Uuid::now_v7().simple());
                kyushoku_store::keep_openssl_until_exit();
                let mut admin =
                    PgConnection::establish(&admin_url).expect("test PostgreSQL answers");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .unwrap();
                let url = with_database(&admin_url, &name);
                Some((TestDb::Postgres { admin_url, name }, url))
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

/// `postgres://u@h:5432/x?opts` with the database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// The principals of a test.
pub struct Cast {
    pub clients: std::collections::BTreeMap<&'static str, DemoClient>,
}

impl Cast {
    pub fn get(&self, name: &str) -> &DemoClient {
        &self.clients[name]
    }

    pub fn org_id(&self, name: &str) -> &str {
        self.clients[name].organisation_id.as_deref().unwrap()
    }
}

/// A running server with its own database.
pub struct TestApp {
    pub base_url: String,
    pub store: Store,
    pub database_url: String,
    /// The settings it was started with.
    pub args: ServeArgs,
    pub running: Option<Running>,
    pub client: awc::Client,
    /// Where the server writes its letters (`KYUSHOKU_MAIL_DIR`), and the
    /// directory's owner (the first instance).
    pub mail_dir: std::path::PathBuf,
    _mail: Option<tempfile::TempDir>,
    _db: TestDb,
}

/// A letter the server delivered, decoded.
#[derive(Debug, Clone)]
pub struct Letter {
    pub to: String,
    pub body: String,
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Asserts an RFC 9457 problem with this status and type slug, and returns it.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, slug: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text()
        );
        let p = self.json();
        assert_eq!(p["type"], format!("urn:kyushoku:problem:{slug}"));
        assert_eq!(p["status"], status);
        assert!(p["title"].is_string());
        assert_eq!(
            p["request_id"].as_str(),
            self.header("x-request-id"),
            "the problem names the request id it was sent with"
        );
        p
    }
}

impl TestApp {
    pub async fn spawn(store: Store) -> Option<TestApp> {
        Self::spawn_with(store, |_| {}).await
    }

    pub async fn spawn_with(store: Store, adjust: impl FnOnce(&mut ServeArgs)) -> Option<TestApp> {
        let (db, url) = TestDb::create(store)?;
        let mut args = ServeArgs::with_database(url.clone());
        args.bind = "127.0.0.1:0".parse().unwrap();
        args.workers = Some(2);
        args.store.db_pool_size = 4;
        args.shutdown_timeout = 2;
        // R14 off unless a test asks for it: the other rules' tests hold
        // a handful of seekers, each unique (tests/api/anonymity.rs sets k).
        args.k_anonymity = 1;
        // No sweeper of its own: the tests sweep when they mean to
        // (`server::sweep_now`, `sweep_once`), and a start-up sweep
        // delayed on a loaded machine would otherwise do their sweep's
        // work first (a lapse counted by neither, seen once in the suite).
        args.sweep_interval = 0;
        let mail = tempfile::tempdir().expect("a mail directory");
        args.mail_dir = Some(mail.path().to_owned());
        adjust(&mut args);
        if args.smtp_url.is_some() {
            args.mail_dir = None;
        }
        let running = server::start(&args).await.expect("server starts");
        Some(TestApp {
            base_url: running.base_url(),
            store,
            database_url: url,
            args,
            running: Some(running),
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .disable_redirects()
                .finish(),
            mail_dir: mail.path().to_owned(),
            _mail: Some(mail),
            _db: db,
        })
    }

    /// Sets the password of a user an administrator added, with the code
    /// from the letter they were sent.
    pub async fn set_password_from_letter(&self, address: &str, password: &str) {
        let letters = self.letters_to(address, 1).await;
        let code = letters
            .iter()
            .rev()
            .find_map(|l| {
                l.body
                    .lines()
                    .find_map(|line| line.strip_prefix("設定コード / setup code: "))
            })
            .expect("a letter with a setup code")
            .trim()
            .to_owned();
        let done = self
            .call(
                "POST",
                "/v1/auth/password-setup",
                None,
                Some(serde_json::json!({"token": code, "password": password})),
            )
            .await;
        assert_eq!(done.status, 204, "{}", done.text());
    }

    /// The letters delivered to `address` so far, once there are at least
    /// `expected` (waiting up to ten seconds for delivery).
    pub async fn letters_to(&self, address: &str, expected: usize) -> Vec<Letter> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let found: Vec<Letter> = std::fs::read_dir(&self.mail_dir)
                .unwrap()
                .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .map(|eml| parse_eml(&eml))
                .filter(|l| l.to == address)
                .collect();
            if found.len() >= expected || std::time::Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    pub async fn send(&self, req: awc::ClientRequest, body: Option<Vec<u8>>) -> Answer {
        let sent = match body {
            Some(b) => req.send_body(b).await,
            None => req.send().await,
        };
        let mut res = sent.expect("request sent");
        // An event stream never ends: its status and headers are the answer.
        let streaming = res
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let body = if streaming {
            Vec::new()
        } else {
            res.body()
                .limit(64 * 1024 * 1024)
                .await
                .expect("body read")
                .to_vec()
        };
        Answer {
            status: res.status(),
            headers: res.headers().clone(),
            body,
        }
    }

    /// A GET to build on (headers of the caller's choosing).
    pub fn client_get(&self, path: &str) -> awc::ClientRequest {
        self.client.get(self.url(path))
    }

    /// A POST to build on.
    pub fn client_post(&self, path: &str) -> awc::ClientRequest {
        self.client.post(self.url(path))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(self.url(path)), None).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> Answer {
        let req = self
            .client
            .post(self.url(path))
            .insert_header(("content-type", content_type));
        self.send(req, Some(body.into())).await
    }

    pub fn state(&self) -> &kyushoku_api::AppState {
        &self.running.as_ref().expect("running").state
    }

    /// The demo cast (hw_system, bureau_13, org_public, org_private,
    /// org_pending) plus a bureau of Osaka (27), in this test's database.
    pub async fn cast(&self) -> Cast {
        let db = self.state().db.clone();
        tokio::task::spawn_blocking(move || {
            let mut clients = kyushoku::demo::load(&db).expect("demo cast");
            let osaka = db
                .run(|c| {
                    kyushoku::demo::create_machine_client(
                        c,
                        kyushoku_domain::ClientKind::Bureau,
                        kyushoku_domain::PrefectureCode::parse("27").ok(),
                        "大阪労働局 (test)",
                    )
                })
                .expect("bureau 27");
            clients.insert("bureau_27", osaka);
            Cast { clients }
        })
        .await
        .unwrap()
    }

    /// An access token for a client, by client credentials.
    pub async fn client_token(&self, client: &DemoClient) -> String {
        let a = self
            .form(
                "/v1/auth/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client.client_id),
                    ("client_secret", &client.client_secret),
                ],
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.text());
        a.json()["access_token"].as_str().unwrap().to_owned()
    }

    /// A staff login: (access token, refresh token).
    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.call(
            "POST",
            "/v1/auth/login",
            None,
            Some(serde_json::json!({"email": email, "password": password})),
        )
        .await
    }

    /// The demo organisation's administrator logs in with the password the
    /// demo printed.
    pub async fn login_admin(&self, client: &DemoClient) -> Answer {
        self.login(
            client.admin_email.as_deref().unwrap(),
            client.admin_password.as_deref().unwrap(),
        )
        .await
    }

    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.post_raw(path, "application/x-www-form-urlencoded", body)
            .await
    }

    /// RFC 7009 revocation of `token`, the caller authenticated by `bearer`
    /// (its own access token).
    pub async fn revoke(&self, token: &str, bearer: &str) -> Answer {
        self.revoke_form(&[("token", token)], bearer).await
    }

    /// RFC 7009 revocation with these form fields, the caller authenticated
    /// by `bearer`.
    pub async fn revoke_form(&self, fields: &[(&str, &str)], bearer: &str) -> Answer {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let req = self
            .client
            .post(self.url("/v1/auth/revoke"))
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .insert_header(("authorization", format!("Bearer {bearer}")));
        self.send(req, Some(body.into_bytes())).await
    }

    /// Any request, with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        json: Option<Value>,
    ) -> Answer {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        match json {
            Some(v) => {
                let req = req.insert_header(("content-type", "application/json"));
                self.send(req, Some(serde_json::to_vec(&v).unwrap())).await
            }
            None => self.send(req, None).await,
        }
    }

    /// A second server with the same settings (database, Redis), as another
    /// instance of one deployment.
    pub async fn another_instance(&self) -> TestApp {
        let args = self.args.clone();
        let running = server::start(&args).await.expect("second server starts");
        TestApp {
            base_url: running.base_url(),
            store: self.store,
            database_url: self.database_url.clone(),
            args,
            running: Some(running),
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .disable_redirects()
                .finish(),
            mail_dir: self.mail_dir.clone(),
            _mail: None,
            _db: TestDb::Borrowed,
        }
    }

    /// Opens an SSE stream and returns it for [`EventStream::next_event`].
    pub async fn events(
        &self,
        path: &str,
        token: &str,
        last_event_id: Option<&str>,
    ) -> EventStream {
        let mut req = self
            .client
            .get(self.url(path))
            .insert_header(("authorization", format!("Bearer {token}")))
            .timeout(Duration::from_secs(3600));
        if let Some(id) = last_event_id {
            req = req.insert_header(("last-event-id", id));
        }
        let res = req.send().await.expect("stream opened");
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "text/event-stream"
        );
        EventStream {
            res,
            buffer: String::new(),
        }
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            // Best effort when a test panicked before `stop`.
            drop(r.handle.stop(false));
        }
    }
}

/// Generates `NAME::sqlite` and `NAME::postgres` tests for each async
/// `fn NAME(app: TestApp)` named.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    let app = $crate::support::TestApp::spawn($crate::support::Store::Sqlite)
                        .await
                        .expect("SQLite is always available");
                    super::$name(app).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    if let Some(app) =
                        $crate::support::TestApp::spawn($crate::support::Store::Postgres).await
                    {
                        super::$name(app).await;
                    }
                }
            }
        )*
    };
}

#[test]
fn database_name_is_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    assert_eq!(
        with_database("postgres://h/db?sslmode=disable", "x"),
        "postgres://h/x?sslmode=disable"
    );
}

/// An open Server-Sent Events stream.
pub struct EventStream {
    res: awc::ClientResponse,
    buffer: String,
}

/// One SSE event: (id, event name, data as JSON).
pub type Sse = (String, String, Value);

impl EventStream {
    /// The next event (comments skipped); panics after `wait`.
    pub async fn next_event(&mut self, wait: Duration) -> Sse {
        use futures_util::StreamExt;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        event = v.to_owned();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = v.to_owned();
                    }
                }
                if !event.is_empty() {
                    return (id, event, serde_json::from_str(&data).unwrap());
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.next())
                .await
                .expect("an event within the wait")
                .expect("stream open")
                .expect("chunk");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

/// A TCP forwarder in front of a dependency (PostgreSQL, Redis) that a test
/// can cut and restore, as an operator stopping and starting the service
/// would: cutting closes every open connection and refuses new ones;
/// restoring listens on the same port again. It can also stall, as a
/// process stopped with SIGSTOP does: connections stay open and what is
/// sent waits, unanswered, until it resumes and delivers it all in order.
pub struct FaultProxy {
    pub addr: std::net::SocketAddr,
    target: std::net::SocketAddr,
    acceptor: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    stalled: tokio::sync::watch::Sender<bool>,
}

impl FaultProxy {
    pub async fn start(target: std::net::SocketAddr) -> FaultProxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = FaultProxy {
            addr: listener.local_addr().unwrap(),
            target,
            acceptor: std::sync::Mutex::new(None),
            stalled: tokio::sync::watch::channel(false).0,
        };
        proxy.serve(listener);
        proxy
    }

    /// The `host:port` of a URL like `redis://127.0.0.1:6379` or
    /// `postgres://u@127.0.0.1:5432/db`.
    pub fn target_of(url: &str) -> std::net::SocketAddr {
        let (_, authority, _) = split_url(url);
        authority
            .replace("localhost", "127.0.0.1")
            .parse()
            .expect("host:port with a numeric address")
    }

    /// `url` pointed at the proxy instead of the service.
    pub fn route(&self, url: &str) -> String {
        let (head, _, tail) = split_url(url);
        format!("{head}{}{tail}", self.addr)
    }

    /// The proxy runs on a runtime of its own, so that it forwards while a
    /// test's thread blocks (on a process starting, say).
    fn serve(&self, listener: std::net::TcpListener) {
        static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
        let runtime = RUNTIME.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap()
        });
        listener.set_nonblocking(true).unwrap();
        let target = self.target;
        let stalled = self.stalled.subscribe();
        let task = runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            // Dropped with the task: aborting it cuts every connection.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((inbound, _)) = listener.accept().await else {
                    continue;
                };
                let stalled = stalled.clone();
                connections.spawn(async move {
                    if let Ok(outbound) = tokio::net::TcpStream::connect(target).await {
                        let (ri, wi) = inbound.into_split();
                        let (ro, wo) = outbound.into_split();
                        tokio::join!(pump(ri, wo, stalled.clone()), pump(ro, wi, stalled));
                    }
                });
                while connections.try_join_next().is_some() {}
            }
        });
        *self.acceptor.lock().unwrap() = Some(task);
    }

    /// The service stops answering, as under SIGSTOP (see the type).
    pub fn stall(&self) {
        self.stalled.send_replace(true);
    }

    /// A stalled service goes on (SIGCONT): what waited is delivered.
    pub fn resume(&self) {
        self.stalled.send_replace(false);
    }

    /// The service stops: open connections close, new ones are refused.
    pub async fn cut(&self) {
        let task = self.acceptor.lock().unwrap().take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
    }

    /// The service is back on the same address.
    pub async fn restore(&self) {
        let listener = std::net::TcpListener::bind(self.addr).unwrap();
        self.serve(listener);
    }
}

/// Copies one direction of a proxied connection, holding what it read while
/// the proxy is stalled.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut stalled: tokio::sync::watch::Receiver<bool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if stalled.wait_for(|s| !*s).await.is_err() {
            break;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// `scheme://user@` , `host:port`, `/rest?query` of a URL.
fn split_url(url: &str) -> (&str, &str, &str) {
    let start = url.find("://").unwrap() + 3;
    let start = start + url[start..].find('@').map(|i| i + 1).unwrap_or(0);
    let end = start + url[start..].find(['/', '?']).unwrap_or(url.len() - start);
    (&url[..start], &url[start..end], &url[end..])
}

#[test]
fn urls_are_split_around_the_authority() {
    assert_eq!(
        split_url("postgres://u@127.0.0.1:5432/db?x=1"),
        ("postgres://u@", "127.0.0.1:5432", "/db?x=1")
    );
    assert_eq!(
        split_url("redis://127.0.0.1:6379"),
        ("redis://", "127.0.0.1:6379", "")
    );
}

/// The real `kyushoku serve` binary on a test's database: for what only a
/// process can show (SIGKILL, SIGTERM).
pub struct Process {
    /// A client of the process (no in-process server behind it).
    pub app: TestApp,
    child: Option<std::process::Child>,
    db: Option<TestDb>,
}

impl TestApp {
    /// Stops this in-process server and serves its database from the real
    /// binary instead (same settings, same keys and secret, kept in the data).
    pub async fn into_process(mut self) -> Process {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        let db = std::mem::replace(&mut self._db, TestDb::Borrowed);
        Process::start(&self.args, self.store, db)
    }
}

impl Process {
    fn start(args: &ServeArgs, store: Store, db: TestDb) -> Process {
        use std::io::BufRead;
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kyushoku"));
        cmd.args(["serve", "--bind", "127.0.0.1:0", "--workers", "2"])
            .arg("--database-url")
            .arg(&args.store.database_url)
            .arg("--guidance-daily-cap")
            .arg(args.guidance_daily_cap.to_string())
            .env("KYUSHOKU_LOG_FORMAT", "json")
            .env("KYUSHOKU_SHUTDOWN_TIMEOUT", "30")
            .env_remove("REDIS_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        if let Some(r) = &args.redis_url {
            cmd.arg("--redis-url").arg(r);
        }
        cmd.env("KYUSHOKU_K_ANONYMITY", args.k_anonymity.to_string())
            .env("KYUSHOKU_WEBHOOK_LEASE", args.webhook_lease.to_string())
            .env(
                "KYUSHOKU_WEBHOOK_ALLOW_HTTP",
                args.webhook_allow_http.to_string(),
            )
            .env(
                "KYUSHOKU_WEBHOOK_ALLOWED_NETWORKS",
                args.webhook_allowed_networks.join(","),
            );
        let mut child = cmd.spawn().expect("kyushoku starts");
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("the server logs before exiting")
                .unwrap();
            let v: Value = serde_json::from_str(&line).unwrap_or_default();
            if v["message"] == "serving" {
                break v["addr"].as_str().unwrap().to_owned();
            }
        };
        // Keep reading, so that the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let app = TestApp {
            base_url: format!("http://{addr}"),
            store,
            database_url: args.store.database_url.clone(),
            args: args.clone(),
            running: None,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(60))
                .disable_redirects()
                .finish(),
            mail_dir: args.mail_dir.clone().unwrap_or_default(),
            _mail: None,
            _db: TestDb::Borrowed,
        };
        Process {
            app,
            child: Some(child),
            db: Some(db),
        }
    }

    /// The process id, to signal it while requests are in flight.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    fn signal(&self, name: &str) {
        signal(self.pid(), name);
    }

    /// SIGKILL (unless already sent through [`signal`]) and reaps it.
    pub fn kill(&mut self) {
        self.signal("-KILL");
        self.child.as_mut().unwrap().wait().unwrap();
    }

    /// SIGTERM, then waits for the exit (in-flight requests drain first).
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        self.signal("-TERM");
        let mut child = self.child.take().unwrap();
        tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap()
    }

    /// A new process on the same database, after `kill`.
    pub fn restart(mut self) -> Process {
        let db = self.db.take().unwrap();
        Process::start(&self.app.args, self.app.store, db)
    }
}

/// Sends a signal (`-KILL`, `-TERM`) to a process; a gone process is fine.
pub fn signal(pid: u32, name: &str) {
    let _ = std::process::Command::new("kill")
        .args([name, &pid.to_string()])
        .status();
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether any stored idempotent answer holds `needle` in clear (a secret
/// shown once must not).
pub async fn database_contains(app: &TestApp, needle: &str) -> bool {
    use diesel::QueryDsl;
    use kyushoku_store::schema::idempotency_keys;
    let needle = needle.to_owned();
    app.state()
        .db_run(move |c| {
            Ok(idempotency_keys::table
                .select(idempotency_keys::response)
                .load::<String>(c)?
                .iter()
                .any(|r| r.contains(&needle)))
        })
        .await
        .unwrap()
}

/// POSTs a JSON body from another local address (`127.0.0.2`, say), as a
/// client elsewhere would; returns the status.
pub async fn post_from(local: &str, base_url: &str, path: &str, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr: std::net::SocketAddr = base_url.trim_start_matches("http://").parse().unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    let mut stream = socket.connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The recipient and the decoded text of an `.eml` the server wrote (one
/// text part, base64, as `kyushoku_api::mail` writes them).
pub fn parse_eml(eml: &str) -> Letter {
    use base64::Engine;
    let (head, body) = eml.split_once("\r\n\r\n").expect("headers and a body");
    let to = head
        .lines()
        .find_map(|l| l.strip_prefix("To: "))
        .expect("a To header")
        .trim()
        .to_owned();
    let encoded: String = body.split_whitespace().collect();
    let body = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("a base64 body");
    Letter {
        to,
        body: String::from_utf8(body).expect("UTF-8 text"),
    }
}
