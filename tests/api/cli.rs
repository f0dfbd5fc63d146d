//! The command line, run as a user runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kyushoku");

fn kyushoku(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .output()
        .unwrap()
}

#[test]
fn help_names_every_command_and_its_environment() {
    let out = kyushoku(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["serve", "demo", "migrate", "openapi", "admin"] {
        assert!(text.contains(cmd), "{cmd} in {text}");
    }
    let serve = String::from_utf8_lossy(&kyushoku(&["serve", "--help"]).stdout).into_owned();
    for var in [
        "KYUSHOKU_BIND",
        "DATABASE_URL",
        "REDIS_URL",
        "127.0.0.1:8080",
        "sqlite://kyushoku.db",
    ] {
        assert!(serve.contains(var), "{var} in {serve}");
    }
}

#[test]
fn openapi_prints_the_checked_in_document() {
    let out = kyushoku(&["openapi"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        include_str!("../../api-spec/openapi.json").trim()
    );
}

#[test]
fn an_unknown_scheme_is_an_error_and_creates_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["migrate", "--database-url", "postgress://u:pw@localhost/db"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported DATABASE_URL scheme"), "{err}");
    assert!(!err.contains("pw@"), "password shown: {err}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file was created"
    );
}

#[test]
fn an_unreachable_server_is_an_error_naming_the_cause() {
    let started = Instant::now();
    let out = kyushoku(&[
        "migrate",
        "--database-url",
        "postgres://postgres@127.0.0.1:1/none",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot connect to postgresql"), "{err}");
    assert!(err.to_lowercase().contains("refused"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn migrate_creates_an_sqlite_database_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    for _ in 0..2 {
        let out = kyushoku(&["migrate", "--database-url", &url]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn load_codes_replaces_the_lists_and_refuses_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let lg = dir.path().join("lg.csv");
    let occ = dir.path().join("occ.csv");
    std::fs::write(&occ, "code,name\n08,福祉・介護の職業\n").unwrap();
    std::fs::write(
        &lg,
        "code,prefecture,city,prefecture_kana,city_kana\n130001,東京都,,ﾄｳｷｮｳﾄ,\n131041,東京都,新宿区,ﾄｳｷｮｳﾄ,ｼﾝｼﾞｭｸｸ\n",
    )
    .unwrap();
    let args = |lg: &std::path::Path| {
        vec![
            "admin".to_owned(),
            "load-codes".into(),
            "--database-url".into(),
            url.clone(),
            "--local-governments".into(),
            lg.display().to_string(),
            "--occupations".into(),
            occ.display().to_string(),
        ]
    };
    let run = |a: Vec<String>| Command::new(BIN).args(a).output().unwrap();
    let out = run(args(&lg));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("loaded 1 prefectures, 1 municipalities, 1 occupation groups"));
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "code,prefecture,city,prefecture_kana,city_kana\n130001,東京都,,ﾄｳｷｮｳﾄ,\n131040,東京都,新宿区,ﾄｳｷｮｳﾄ,ｼﾝｼﾞｭｸｸ\n",
    )
    .unwrap();
    let out = run(args(&bad));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("check digit"));
}

/// The real binary: JSON logs with one line per request (method, route,
/// status, latency, request id; never the path or query), and a clean exit
/// on SIGTERM.
#[test]
fn serve_logs_json_lines_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("KYUSHOKU_LOG_FORMAT", "json")
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut said = Vec::new();
    let addr = loop {
        let line = lines.next().expect("server logs before exiting").unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).expect("every log line is JSON");
        said.push(v.clone());
        if v["message"] == "serving" {
            let addr = v["addr"].as_str().unwrap().to_owned();
            assert_eq!(v["url"], format!("http://{addr}/docs/"));
            assert_eq!(v["stop"], "Ctrl-C or SIGTERM");
            break addr;
        }
    };
    // The first lines say where the data is and that Redis is off.
    assert_eq!(
        said[0]["file"],
        dir.path()
            .join("kyushoku.db")
            .canonicalize()
            .unwrap()
            .display()
            .to_string(),
        "{said:?}"
    );
    assert!(
        said.iter().any(|v| v["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Redis is off"))),
        "{said:?}"
    );
    assert!(
        dir.path().join("kyushoku.db").exists(),
        "the embedded default needs no configuration"
    );
    let status = http_get(
        &addr,
        "/v1/codes/municipalities?prefecture=13",
        "cli-test-1",
    );
    assert_eq!(status, 200);
    let access = loop {
        let line = lines.next().unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        if v["target"] == "kyushoku::access" {
            break v;
        }
    };
    assert_eq!(access["method"], "GET");
    assert_eq!(access["route"], "/v1/codes/municipalities");
    assert_eq!(access["status"], 200);
    assert!(access["latency_ms"].is_number());
    assert_eq!(access["span"]["request_id"], "cli-test-1");
    assert!(!access.to_string().contains("prefecture=13"), "{access}");

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A minimal HTTP/1.1 GET, to keep this test free of async machinery.
fn http_get(addr: &str, path: &str, request_id: &str) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nX-Request-Id: {request_id}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    buf[9..12].parse().unwrap()
}

#[test]
fn admin_create_client_prints_working_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("k.db").display());
    let out = kyushoku(&[
        "admin",
        "create-client",
        "--database-url",
        &url,
        "--role",
        "bureau",
        "--prefecture",
        "13",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let creds: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(creds["role"], "bureau");
    assert!(creds["client_id"].as_str().unwrap().starts_with("kc_"));
    assert_eq!(creds["client_secret"].as_str().unwrap().len(), 43);
    // A bureau needs its prefecture, and a valid one.
    assert!(!kyushoku(&[
        "admin",
        "create-client",
        "--database-url",
        &url,
        "--role",
        "bureau"
    ])
    .status
    .success());
    let bad = kyushoku(&[
        "admin",
        "create-client",
        "--database-url",
        &url,
        "--role",
        "bureau",
        "--prefecture",
        "48",
    ]);
    assert!(!bad.status.success());
    let hw = kyushoku(&[
        "admin",
        "create-client",
        "--database-url",
        &url,
        "--role",
        "hw-system",
    ]);
    assert!(
        hw.status.success(),
        "{}",
        String::from_utf8_lossy(&hw.stderr)
    );
    // The secret is stored only as a digest.
    let db = std::fs::read(dir.path().join("k.db")).unwrap();
    let secret = creds["client_secret"].as_str().unwrap().as_bytes();
    assert!(!db.windows(secret.len()).any(|w| w == secret));
}

/// `kyushoku demo --credentials-out FILE` serves a demo whose credentials work.
#[test]
fn demo_writes_credentials_that_work() {
    let (mut child, creds) = start_demo(None).unwrap_or_else(|(s, log)| panic!("{s}: {log}"));
    for name in [
        "hw_system",
        "bureau_13",
        "org_public",
        "org_private",
        "org_refused",
        "org_pending",
    ] {
        assert!(creds["clients"][name]["client_id"].is_string(), "{name}");
        assert!(
            creds["clients"][name]["client_secret"].is_string(),
            "{name}"
        );
    }
    assert!(creds["clients"]["org_public"]["organisation_id"].is_string());
    // The demo seeker's pseudonym for each organisation: one of its own each.
    let ids = creds["demo_seeker_profile_ids"].as_object().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for name in ["org_public", "org_private", "org_refused", "org_pending"] {
        let id = ids[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {ids:?}"));
        assert_eq!(id.len(), 22, "{name}");
        assert!(seen.insert(id.to_owned()), "{name} shares a pseudonym");
    }
    assert_eq!(token_status(&creds, &creds, "bureau_13"), 200);
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `kyushoku demo` on `database_url` until its credentials are written;
/// the child (to stop) and the credentials, or the exit status and output
/// when it ended first. With no `database_url`, the demo's own temporary
/// SQLite file.
fn start_demo(
    database_url: Option<&str>,
) -> Result<(std::process::Child, serde_json::Value), (std::process::ExitStatus, String)> {
    let dir = tempfile::tempdir().unwrap();
    let creds_path = dir.path().join("creds.json");
    let log_path = dir.path().join("demo.log");
    let mut command = Command::new(BIN);
    match database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    let mut child = command
        .current_dir(dir.path())
        .args(["demo", "--bind", "127.0.0.1:0", "--credentials-out"])
        .arg(&creds_path)
        .env("KYUSHOKU_LOG", "warn")
        .env_remove("REDIS_URL")
        .stderr(std::fs::File::create(&log_path).unwrap())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !creds_path.exists() {
        assert!(Instant::now() < deadline, "no credentials file");
        if let Some(status) = child.try_wait().unwrap() {
            return Err((status, std::fs::read_to_string(&log_path).unwrap()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    let creds = serde_json::from_slice(&std::fs::read(&creds_path).unwrap()).unwrap();
    Ok((child, creds))
}

/// The status of a client-credentials token request to the demo `at`
/// (its base URL) with `name`'s credentials from `creds`.
fn token_status(at: &serde_json::Value, creds: &serde_json::Value, name: &str) -> u16 {
    let base = at["base_url"].as_str().unwrap();
    let c = &creds["clients"][name];
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap()
    );
    http_post_form(base.trim_start_matches("http://"), "/v1/auth/token", &body).0
}

/// A second `kyushoku demo` on the database of the first re-uses its cast
/// and data with new credentials (the first run's stop working), on SQLite
/// and on PostgreSQL; a database with someone else's organisations is
/// refused and left as it was.
#[test]
fn a_second_demo_on_the_same_database_reuses_its_cast() {
    let mut urls = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    urls.push(format!("sqlite://{}", dir.path().join("demo.db").display()));
    let pg = crate::support::TestDb::create(crate::support::Store::Postgres);
    if let Some((_, url)) = &pg {
        urls.push(url.clone());
    }
    for url in &urls {
        let (mut first, before) =
            start_demo(Some(url)).unwrap_or_else(|(s, log)| panic!("{s}: {log}"));
        assert_eq!(token_status(&before, &before, "org_public"), 200);
        let _ = first.kill();
        let _ = first.wait();
        let (mut second, after) =
            start_demo(Some(url)).unwrap_or_else(|(s, log)| panic!("{s}: {log}"));
        for name in [
            "hw_system",
            "bureau_13",
            "org_public",
            "org_private",
            "org_refused",
            "org_pending",
        ] {
            assert_eq!(token_status(&after, &after, name), 200, "{url} {name}");
            assert_ne!(
                before["clients"][name]["client_id"], after["clients"][name]["client_id"],
                "{name} has new credentials"
            );
            assert_eq!(
                token_status(&after, &before, name),
                401,
                "{name}'s old credentials are retired"
            );
        }
        assert_eq!(before["demo_seeker_ref"], after["demo_seeker_ref"]);
        assert_eq!(
            before["clients"]["org_public"]["organisation_id"],
            after["clients"]["org_public"]["organisation_id"]
        );
        let _ = second.kill();
        let _ = second.wait();
    }
    // Someone else's database: refused, untouched.
    let other = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", other.path().join("other.db").display());
    let applied = Command::new(BIN)
        .args(["migrate", "--database-url", &url])
        .output()
        .unwrap();
    assert!(applied.status.success());
    let mut conn = <diesel::SqliteConnection as diesel::Connection>::establish(
        other.path().join("other.db").to_str().unwrap(),
    )
    .unwrap();
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "INSERT INTO organisations (public_id, name, kind, prefecture, requests_seeker_info, \
             requests_job_offers, seeker_info, job_offers, status, epoch, created_at, updated_at) \
             VALUES ('01938f2e-0000-7000-8000-000000000001', '港区', 'municipality', '13', 1, 1, 0, 0, 'pending', 0, '2026-12-01 00:00:00', '2026-12-01 00:00:00')",
        ),
        &mut conn,
    )
    .unwrap();
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "INSERT INTO users (public_id, organisation_id, email, password_hash, role, epoch, created_at) \
             VALUES ('01938f2e-0000-7000-8000-000000000002', 1, 'staff@city.minato.example.jp', 'x', 'admin', 0, '2026-12-01 00:00:00')",
        ),
        &mut conn,
    )
    .unwrap();
    match start_demo(Some(&url)) {
        Ok((mut child, _)) => {
            let _ = child.kill();
            panic!("the demo ran on someone else's data");
        }
        Err((status, log)) => {
            assert!(!status.success());
            assert!(log.contains("not the demo's"), "{log}");
        }
    }
}

fn http_post_form(addr: &str, path: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    (buf[9..12].parse().unwrap(), buf)
}
