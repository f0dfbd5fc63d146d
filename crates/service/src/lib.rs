//! The use cases of kyushoku: one function per action that bears a rule of
//! DESIGN.md (send a message as an organisation, as a seeker, report a
//! thread…), between the HTTP layer (`kyushoku-api`, and the pages that
//! reach the same functions) and the store.
//!
//! Each function takes the connection, the [`Caller`] and a typed command;
//! it runs its transaction, writes its audit row, its idempotency record
//! ([`Pledge`]) and the events others must hear of ([`events`]) in that
//! transaction, and answers a typed outcome or a [`Refusal`]. What a
//! refusal means over HTTP is decided in one place (`kyushoku_api::problem`).
//!
//! Use it from a handler as parse → call → render; never open a
//! transaction in a handler.

pub mod accounts;
pub mod browser;
pub mod bureau;
pub mod caller;
pub mod changes;
pub mod complaints;
pub mod events;
pub mod hires;
pub mod idempotency;
pub mod ingest;
pub mod mail;
pub mod messaging;
pub mod offers;
pub mod organisations;
pub mod profiles;
pub mod reference;
pub mod refusal;
pub mod renewals;
pub mod retention;
pub mod seekers;
pub mod sessions;
pub mod staff_sign_in;
pub mod terms;
pub mod threads;
pub mod webhooks;
pub mod witness;

pub use caller::Caller;
pub use idempotency::{Answer, Pledge};
pub use refusal::Refusal;

/// Runs a use case on a pooled connection. A database failure goes back
/// through the pool (its breaker counts it); a refusal is an answer, given
/// on a working connection.
pub fn run<T>(
    db: &kyushoku_store::Db,
    use_case: impl FnOnce(&mut kyushoku_store::DbConn) -> Result<T, Refusal>,
) -> Result<T, Refusal> {
    db.run(|c| match use_case(c) {
        Err(Refusal::Store(e)) => Err(e),
        answered => Ok(answered),
    })?
}
