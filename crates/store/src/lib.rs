//! Storage for kyushoku: the diesel schema (one `schema.rs` for both
//! backends), the connection pool, embedded migrations and the queries.
//!
//! SQLite (bundled) is the embedded default; PostgreSQL is the production
//! store. Everything here is synchronous: the API calls it through
//! `web::block`, one closure per unit of work.
//!
//! A row found by a unique key is read with `get_result`, never diesel's
//! `first` (clippy refuses it, `clippy.toml`): `first` adds `LIMIT ?`, and
//! SQLite's planner looks at a bound LIMIT's value, so it compiles such a
//! statement again every time it is bound, however long diesel keeps it
//! prepared (`sqlite_compiles_some_bound_statements_again_on_every_run`;
//! `literal` has the other such case). On a profile read the two were a
//! fifth of the service's time. A page's `LIMIT` is still bound (its value
//! varies), so a page's statement is compiled again each time.

pub mod anonymity;
pub mod audit;
mod connection;
mod error;
pub mod hires;
pub mod idempotency;
pub mod identity;
pub mod ids;
pub mod keyword_index;
mod literal;
pub mod mail;
pub mod messaging;
mod migrate;
pub mod offers;
pub mod organisations;
pub mod outbox;
mod plan;
pub mod reference;
pub mod schema;
pub mod seekers;
mod stored_time;
pub mod stored_word;
pub mod terms;
#[doc(hidden)]
pub mod test_support;
#[cfg(test)]
mod testing;
mod visibility;
pub mod web;
pub mod webhooks;

pub use connection::{
    keep_openssl_until_exit, redact, Backend, DatabaseUrl, Db, DbConn, PoolOptions,
};
/// A query's own failure, which a transaction's error type must take in
/// (`write_transaction` rolls back on it).
pub use diesel::result::Error as QueryError;
/// For `conn.transaction(…)` (read-only snapshots; writes use
/// [`DbConn::write_transaction`]) on a [`DbConn`] without naming diesel.
pub use diesel::Connection;
pub use error::StoreError;
pub use ids::{
    ApiClientId, AuditEventId, CoApplicantId, DeliveryId, EventId, JobOfferId, LetterId, MessageId,
    OfficerId, OrganisationId, RefreshTokenId, ReportId, RowId, SeekerId, ThreadId, UserId,
    WebhookId,
};

// The bundled SQLite is linked through this crate; naming it keeps the
// `bundled` feature (set in the workspace) in force.
use libsqlite3_sys as _;

/// The current time as stored: UTC, whole microseconds (PostgreSQL's
/// precision), so a value reads back exactly as written on both backends.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
