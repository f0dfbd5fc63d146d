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

/// SQL for "the consent (or disclosure) scope in `$scope` covers the sector
/// of the `organisations` row in the query" — the scope × sector part of R1,
/// shared by profiles and job offers. Must stay in step with
/// `kyushoku_domain::ConsentScope::covers`.
macro_rules! scope_covers_sector {
    // Equalities rather than `eq_any`: on SQLite diesel does not keep a
    // prepared statement that holds an `IN (…)` list, and every search,
    // read and export would be parsed and planned again.
    ($scope:expr) => {
        crate::schema::organisations::sector
            .eq("public")
            .and($scope.eq("both").or($scope.eq("public_only")))
            .or(crate::schema::organisations::sector
                .eq("private")
                .and($scope.eq("both").or($scope.eq("private_only"))))
    };
}

/// R1 as a filter over `seekers`: the whole visibility rule in SQL. The
/// organisation is approved with `seeker_info`, the seeker is active and
/// within `valid_until`, the seeker's scope covers the organisation's sector,
/// and the seeker has not blocked it. Every search and read goes through it
/// (`visible_to!(viewer)`), so pages stay full and counts never leak; a list
/// of threads joins the seeker through it with the organisation a column of
/// the query (`visible_to!(organisation: threads::organisation_id, today: d)`).
/// Each `EXISTS` selects one column (which ones does not matter to it): the
/// statement is written, sent and parsed on every search and read, and the
/// organisation's sixteen columns made it half again as long.
macro_rules! visible_to {
    ($viewer:expr) => {{
        let v: crate::seekers::Viewer = $viewer;
        visible_to!(organisation: v.organisation_id, today: v.today)
    }};
    (organisation: $organisation:expr, today: $today:expr) => {{
        use crate::schema::{blocks, organisations, seekers};
        let scope_covers_sector = scope_covers_sector!(seekers::consent_scope);
        seekers::status
            .eq(crate::literal::Active)
            .and(seekers::valid_until.ge($today))
            .and(diesel::dsl::exists(
                organisations::table
                    .select(organisations::id)
                    .filter(organisations::id.eq($organisation))
                    .filter(organisations::status.eq("approved"))
                    .filter(organisations::seeker_info.eq(true))
                    .filter(scope_covers_sector),
            ))
            .and(diesel::dsl::not(diesel::dsl::exists(
                blocks::table
                    .select(blocks::seeker_id)
                    .filter(blocks::seeker_id.eq(seekers::id))
                    .filter(blocks::organisation_id.eq($organisation)),
            )))
    }};
}

pub mod audit;
mod connection;
mod error;
pub mod hires;
pub mod idempotency;
pub mod identity;
pub mod ids;
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
#[doc(hidden)]
pub mod test_support;
#[cfg(test)]
mod testing;

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
    ApiClientId, AuditEventId, EventId, JobOfferId, LetterId, MessageId, OrganisationId,
    RefreshTokenId, ReportId, RowId, SeekerId, ThreadId, UserId,
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
