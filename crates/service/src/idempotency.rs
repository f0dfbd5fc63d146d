//! R12's record, kept by the use case itself: the answer to a request that
//! carried an `Idempotency-Key` is stored in the same transaction as the
//! work, sealed ([`kyushoku_domain::seal`]) for the (principal, key) it
//! answers, so a crash between the two cannot leave work done with no
//! answer kept, and two concurrent requests with one key cannot both do it.
//! Looking a key up and replaying its answer is the HTTP layer's
//! (`kyushoku_api::idempotency`).

use std::sync::Arc;

use kyushoku_domain::seal::Sealer;
use kyushoku_store::idempotency::{self, Remembered};
use kyushoku_store::{DbConn, StoreError};

const SEALED: &str = "sealed:";

fn context(principal: &str, key: &str) -> Vec<u8> {
    format!("idempotency\u{0}{principal}\u{0}{key}").into_bytes()
}

/// An answer as stored: sealed for (principal, key).
pub fn seal_answer(
    sealer: &Sealer,
    principal: &str,
    key: &str,
    answer: &serde_json::Value,
) -> String {
    let text = answer.to_string();
    format!(
        "{SEALED}{}",
        sealer.seal_bytes(&context(principal, key), text.as_bytes())
    )
}

/// A stored answer's body, opened; `None` when it does not open.
pub fn open_answer(sealer: &Sealer, principal: &str, key: &str, stored: &str) -> Option<Vec<u8>> {
    match stored.strip_prefix(SEALED) {
        Some(s) => sealer.open_bytes(&context(principal, key), s),
        // Stored before answers were sealed.
        None => Some(stored.as_bytes().to_vec()),
    }
}

/// The promise to store a request's answer under its `Idempotency-Key`,
/// kept inside the transaction that does the work.
#[derive(Debug, Clone)]
pub struct Pledge {
    principal: String,
    key: String,
    request_hash: String,
    sealer: Arc<Sealer>,
}

impl Pledge {
    /// For `principal`'s request under `key`, whose body has the digest
    /// `request_hash`.
    pub fn new(principal: &str, key: &str, request_hash: &str, sealer: Arc<Sealer>) -> Self {
        Self {
            principal: principal.to_owned(),
            key: key.to_owned(),
            request_hash: request_hash.to_owned(),
            sealer,
        }
    }

    /// Stores `answer` with its HTTP status, in the caller's transaction.
    pub fn keep(
        &self,
        c: &mut DbConn,
        status: u16,
        answer: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let answer = Remembered {
            request_hash: self.request_hash.clone(),
            status: i32::from(status),
            response: seal_answer(&self.sealer, &self.principal, &self.key, answer),
        };
        idempotency::keep(c, &self.principal, &self.key, &answer)
    }
}

/// A [`Pledge`] with how the answer is written from what the use case
/// made (the HTTP layer's rendering), so that the answer kept is the one
/// sent, in the work's own transaction.
pub struct Answer<'a, T> {
    pub pledge: &'a Pledge,
    /// The HTTP status of the first answer.
    pub status: u16,
    pub render: &'a (dyn Fn(&T) -> serde_json::Value + Send + Sync),
}

impl<T> Answer<'_, T> {
    /// Keeps the answer `made` renders to, in the caller's transaction.
    pub fn keep(&self, c: &mut DbConn, made: &T) -> Result<(), StoreError> {
        self.pledge.keep(c, self.status, &(self.render)(made))
    }
}

/// Keeps `made`'s answer when the request carried a key.
pub fn keep_answer<T>(
    c: &mut DbConn,
    answer: Option<&Answer<'_, T>>,
    made: &T,
) -> Result<(), StoreError> {
    match answer {
        Some(a) => a.keep(c, made),
        None => Ok(()),
    }
}
