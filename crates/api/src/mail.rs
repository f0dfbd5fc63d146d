//! Delivering the mail outbox (`kyushoku_store::mail`): over SMTP to the
//! deployment's relay, or as `.eml` files into a directory (one box, or a
//! local mail system that picks them up). Every instance runs the delivery
//! task; a letter enqueued here wakes this instance's task at once, the
//! others look every few seconds. Logs name a letter's kind and outbox id,
//! never its address or text.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use kyushoku_domain::mail::Letter;
use kyushoku_store::mail::{self, PendingMail};
use kyushoku_store::{now, Db, DbConn, StoreError};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

/// Where letters go.
#[derive(Clone)]
pub enum Transport {
    /// An SMTP relay (`smtp://`, `smtps://`; STARTTLS as the URL says).
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// A directory of `.eml` files.
    Directory(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Transport {
    /// From `KYUSHOKU_SMTP_URL` (lettre's form: `smtp://user:pass@host:587?tls=required`).
    pub fn smtp(url: &str) -> Result<Self, String> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map(|b| Transport::Smtp(b.timeout(Some(Duration::from_secs(20))).build()))
            .map_err(|e| format!("KYUSHOKU_SMTP_URL: {e}"))
    }

    /// From `KYUSHOKU_MAIL_DIR`, which is created if missing.
    pub fn directory(path: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&path)?;
        Ok(Transport::Directory(AsyncFileTransport::new(&path), path))
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "smtp".into(),
            Transport::Directory(_, path) => format!("directory {}", path.display()),
        }
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(drop).map_err(|e| e.to_string()),
            Transport::Directory(t, _) => {
                t.send(message).await.map(drop).map_err(|e| e.to_string())
            }
        }
    }
}

/// The outbox as handlers see it: enqueue in their transaction, then wake
/// the delivery task once it committed.
#[derive(Clone, Default)]
pub struct Outbox {
    wake: Arc<Notify>,
}

impl Outbox {
    /// Writes `letter` to `recipient` into the outbox, in the caller's
    /// transaction.
    pub fn enqueue(conn: &mut DbConn, recipient: &str, letter: &Letter) -> Result<(), StoreError> {
        kyushoku_service::mail::send_later(conn, recipient, letter)
    }

    /// Tells the delivery task there is something to send.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Delivers due letters until the process ends, sent from `from`
    /// (`Name <address>`).
    pub fn start_delivery(&self, db: Db, transport: Transport, from: &str) -> Result<(), String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("not a mailbox (`Name <address>`): {e}"))?;
        let wake = self.wake.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = deliver_due(&db, &transport, &from).await {
                    tracing::warn!(error = %e, "mail delivery round failed");
                }
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(LOOK_EVERY) => {}
                }
            }
        });
        Ok(())
    }
}

/// How often an idle instance looks for letters others enqueued.
const LOOK_EVERY: Duration = Duration::from_secs(5);
/// Letters taken in one round.
const ROUND: i64 = 20;

/// When a letter whose attempt `attempts` (1-based) failed is tried again:
/// 30 s, doubling, at most an hour.
fn retry_after(attempts: i32) -> chrono::Duration {
    let secs = 30i64.saturating_mul(1 << (attempts.clamp(1, 8) - 1));
    chrono::Duration::seconds(secs.min(3600))
}

/// One round: claims each due letter, sends it, marks it delivered.
pub async fn deliver_due(db: &Db, transport: &Transport, from: &Mailbox) -> Result<usize, String> {
    let due = run(db, |c| mail::due(c, now(), ROUND)).await?;
    let mut sent = 0;
    for letter in due {
        let retry_at: NaiveDateTime = now() + retry_after(letter.attempts + 1);
        let claimed = {
            let letter = letter.clone();
            run(db, move |c| mail::claim(c, &letter, retry_at)).await?
        };
        if !claimed {
            continue;
        }
        let message = match build(&letter, from) {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(mail_id = letter.id.get(), kind = %letter.kind, error = %e, "letter cannot be built");
                continue;
            }
        };
        match transport.send(message).await {
            Ok(()) => {
                let id = letter.id;
                run(db, move |c| mail::delivered(c, id, now())).await?;
                tracing::info!(mail_id = letter.id.get(), kind = %letter.kind, "mail delivered");
                sent += 1;
            }
            Err(e) => tracing::warn!(
                mail_id = letter.id.get(),
                kind = %letter.kind,
                attempt = letter.attempts + 1,
                error = %e,
                "mail not delivered; retried later"
            ),
        }
    }
    Ok(sent)
}

fn build(letter: &PendingMail, from: &Mailbox) -> Result<Message, String> {
    let to: Mailbox = letter
        .recipient
        .as_deref()
        .ok_or("no recipient")?
        .parse()
        .map_err(|e: lettre::address::AddressError| e.to_string())?;
    // Base64, so a setup code is never broken across lines.
    let body = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::Base64)
        .body(letter.body.clone().unwrap_or_default());
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(letter.subject.clone().unwrap_or_default())
        .singlepart(body)
        .map_err(|e| e.to_string())
}

async fn run<T: Send + 'static>(
    db: &Db,
    work: impl FnOnce(&mut DbConn) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, String> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || db.run(work))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        let secs: Vec<i64> = (1..=9).map(|a| retry_after(a).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
