//! HTTPS served by kyushoku itself (rustls), with HSTS; the protective
//! headers every answer carries.

use std::path::PathBuf;
use std::process::Command;

use crate::backend_tests;
use crate::support::{Store, TestApp};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

async fn spawn_tls(store: Store) -> Option<TestApp> {
    TestApp::spawn_with(store, |args| {
        args.tls_cert = Some(fixture("cert.pem"));
        args.tls_key = Some(fixture("key.pem"));
    })
    .await
}

/// `curl` is the independent TLS client: it checks the chain against the
/// test CA and speaks HTTP/1.1 or HTTP/2 as offered.
fn curl(args: &[&str]) -> (bool, String) {
    let out = Command::new("curl")
        .args(["-sS", "-i", "--max-time", "10"])
        .args(args)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase()
        + &String::from_utf8_lossy(&out.stderr).to_lowercase();
    (out.status.success(), text)
}

async fn https_is_served_with_hsts(store: Store) {
    let Some(app) = spawn_tls(store).await else {
        return;
    };
    let port = app.running.as_ref().unwrap().addr.port();
    let url = format!("https://localhost:{port}/healthz");
    let cacert = fixture("cert.pem");
    let cacert = cacert.to_str().unwrap();
    let (url2, cacert2) = (url.clone(), cacert.to_owned());
    let (ok, text) = tokio::task::spawn_blocking(move || curl(&["--cacert", &cacert2, &url2]))
        .await
        .unwrap();
    assert!(ok, "{text}");
    assert!(text.contains(" 200"), "{text}");
    assert!(
        text.contains("strict-transport-security: max-age=31536000; includesubdomains"),
        "{text}"
    );
    assert!(text.contains("x-content-type-options: nosniff"), "{text}");

    // HTTP/2 through ALPN as well.
    let (url2, cacert2) = (url.clone(), cacert.to_owned());
    let (ok, text) =
        tokio::task::spawn_blocking(move || curl(&["--http2", "--cacert", &cacert2, &url2]))
            .await
            .unwrap();
    assert!(ok && text.starts_with("http/2 200"), "{text}");

    // Plain HTTP on the TLS port gets no answer, and a client that does not
    // trust the certificate refuses it.
    let plain = format!("http://localhost:{port}/healthz");
    let (ok, _) = tokio::task::spawn_blocking(move || curl(&[&plain]))
        .await
        .unwrap();
    assert!(!ok);
    let (ok, text) = tokio::task::spawn_blocking(move || curl(&[&url]))
        .await
        .unwrap();
    assert!(!ok, "{text}");
    app.stop().await;
}

mod https_is_served_with_hsts {
    #[actix_web::test]
    async fn sqlite() {
        super::https_is_served_with_hsts(crate::support::Store::Sqlite).await;
    }

    #[actix_web::test]
    async fn postgres() {
        super::https_is_served_with_hsts(crate::support::Store::Postgres).await;
    }
}

async fn plain_http_answers_carry_protective_headers_without_hsts(app: TestApp) {
    let a = app.get("/healthz").await;
    assert_eq!(a.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(a.header("x-frame-options"), Some("DENY"));
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert_eq!(a.header("strict-transport-security"), None);
    // A handler's own caching rule wins over the default.
    let a = app.get("/v1/codes/prefectures").await;
    assert_eq!(a.header("cache-control"), Some("public, max-age=3600"));
}

backend_tests!(plain_http_answers_carry_protective_headers_without_hsts);

#[test]
fn a_key_that_does_not_match_the_certificate_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("other.pem");
    let status = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert!(status.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_kyushoku"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}", dir.path().join("x.db").display()))
        .arg("--tls-cert")
        .arg(fixture("cert.pem"))
        .arg("--tls-key")
        .arg(&key)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("certificate and key do not match"), "{err}");
}

async fn oversized_request_heads_are_refused(app: TestApp) {
    // Over kyushoku's own limit: a problem answer.
    let big = "a".repeat(20 * 1024);
    let req = app
        .client
        .get(app.url("/healthz"))
        .insert_header(("x-padding", big.as_str()));
    app.send(req, None)
        .await
        .assert_problem(431, "headers-too-large");
    // Far over it: the connection is cut before anything is read whole.
    let huge = "a".repeat(4 * 1024 * 1024);
    let res = app
        .client
        .get(app.url("/healthz"))
        .insert_header(("x-padding", huge.as_str()))
        .send()
        .await;
    match res {
        Ok(r) => assert_eq!(r.status(), 431),
        Err(e) => eprintln!("closed: {e}"),
    }
    // The server is still there.
    assert_eq!(app.get("/healthz").await.status, 200);
}

backend_tests!(oversized_request_heads_are_refused);
