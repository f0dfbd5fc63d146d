//! Mail over SMTP: letters reach a real SMTP server (Python's standard
//! `smtpd`, run as a separate process), and wait in the outbox while it is
//! down. The directory transport is what every other test reads.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::support::{Store, TestApp};

/// An SMTP server that prints every message it receives.
struct SmtpSink {
    child: Child,
    received: std::sync::Arc<std::sync::Mutex<String>>,
}

impl SmtpSink {
    fn start(port: u16) -> SmtpSink {
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-W",
                "ignore",
                "-m",
                "smtpd",
                "-n",
                "-c",
                "DebuggingServer",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs (CI installs it): the SMTP server of this test");
        let out = BufReader::new(child.stdout.take().unwrap());
        let received = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = received.clone();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        // Python takes a moment to listen.
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { child, received }
    }

    fn text(&self) -> String {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for(what: impl Fn() -> bool) -> bool {
    for _ in 0..400 {
        if what() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn mail_waits_then_goes_over_smtp(store: Store) {
    let port = free_port();
    let Some(app) = TestApp::spawn_with(store, |args| {
        args.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await
    else {
        return;
    };
    // The relay is down: the application is answered, the letter waits.
    let application = json!({
        "name": "メール試験人材", "kind": "paid_agency", "prefecture": "13",
        "licence_number": "13-ユ-388888", "regular_placements": 3, "services": ["seeker_info"],
        "admin": {"email": "smtp.test@agency.example.jp", "password": "a long enough passphrase"}
    });
    let a = app
        .call("POST", "/v1/organisations", None, Some(application))
        .await;
    assert_eq!(a.status, 201, "{}", a.text());
    let waiting = || {
        let state = app.state().clone();
        async move { state.db_run(kyushoku_store::mail::waiting).await.unwrap() }
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(waiting().await, 1);
    // The relay comes up; the letter goes on a later attempt (30 s after
    // the failed one), here brought forward.
    let sink = SmtpSink::start(port);
    let db = app.state().db.clone();
    tokio::task::spawn_blocking(move || {
        db.run(|c| {
            use diesel::prelude::*;
            use kyushoku_store::schema::mail_outbox;
            diesel::update(mail_outbox::table)
                .set(mail_outbox::next_attempt_at.eq(kyushoku_store::now()))
                .execute(c)?;
            Ok(())
        })
    })
    .await
    .unwrap()
    .unwrap();
    app.state().outbox.wake();
    assert!(
        wait_for(|| sink.text().contains("To: smtp.test@agency.example.jp")).await,
        "the SMTP server received: {}",
        sink.text()
    );
    let delivered = async {
        for _ in 0..100 {
            if waiting().await == 0 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    assert!(delivered.await, "the outbox still holds the letter");
}

#[actix_web::test]
async fn mail_waits_then_goes_over_smtp_on_sqlite() {
    mail_waits_then_goes_over_smtp(Store::Sqlite).await;
}

#[actix_web::test]
async fn mail_waits_then_goes_over_smtp_on_postgres() {
    mail_waits_then_goes_over_smtp(Store::Postgres).await;
}
