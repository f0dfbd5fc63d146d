//! Row ids, one type per table: a seeker's id is not an organisation's,
//! and a function that takes both cannot be called with them swapped.
//!
//! Each is the table's `BigInt` key as diesel binds and reads it on both
//! backends (and through the multi-connection), so a query compares a
//! column with an id directly (`seekers::id.eq(seeker)`) and a row struct
//! holds the typed id. Ids are internal: the API shows public ids and
//! pseudonyms, never these.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::BigInt;
use diesel::sqlite::Sqlite;
use diesel::Connection;

use crate::DbConn;

type MultiBackend = <DbConn as Connection>::Backend;

/// What every row id is: a number the store made, kept by the caller only
/// sealed (a page cursor) and turned back into the id it was.
pub trait RowId: Copy {
    fn from_row(id: i64) -> Self;
    fn get(self) -> i64;
}

macro_rules! row_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = BigInt)]
        pub struct $name(i64);

        impl $name {
            /// The id of a row read by other means (a raw SQL answer, a
            /// sealed cursor the service made): the caller vouches for it.
            pub const fn from_row(id: i64) -> Self {
                Self(id)
            }

            /// The number, for a cursor or a sealed token (never shown).
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        /// The number alone, as the database holds it: a statement's
        /// binds print the same whatever the id's type (the bench's SQL
        /// capture replays them).
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl RowId for $name {
            fn from_row(id: i64) -> Self {
                Self(id)
            }

            fn get(self) -> i64 {
                self.0
            }
        }

        impl ToSql<BigInt, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                ToSql::<BigInt, Pg>::to_sql(&self.0, out)
            }
        }

        impl ToSql<BigInt, Sqlite> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                ToSql::<BigInt, Sqlite>::to_sql(&self.0, out)
            }
        }

        impl ToSql<BigInt, MultiBackend> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut Output<'b, '_, MultiBackend>,
            ) -> serialize::Result {
                out.set_value((BigInt, &self.0));
                Ok(IsNull::No)
            }
        }

        impl FromSql<BigInt, Pg> for $name {
            fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                <i64 as FromSql<BigInt, Pg>>::from_sql(value).map(Self)
            }
        }

        impl FromSql<BigInt, Sqlite> for $name {
            fn from_sql(value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                <i64 as FromSql<BigInt, Sqlite>>::from_sql(value).map(Self)
            }
        }

        impl FromSql<BigInt, MultiBackend> for $name {
            fn from_sql(
                value: <MultiBackend as Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                value.from_sql::<i64, BigInt>().map(Self)
            }
        }
    };
}

row_id!(
    /// A row of `webhooks`.
    WebhookId
);
row_id!(
    /// A row of `webhook_deliveries`.
    DeliveryId
);
row_id!(
    /// A row of `seekers`.
    SeekerId
);
row_id!(
    /// A row of `bureau_officers`.
    OfficerId
);
row_id!(
    /// A row of `organisations`.
    OrganisationId
);
row_id!(
    /// A row of `co_applicants`.
    CoApplicantId
);
row_id!(
    /// A row of `threads`.
    ThreadId
);
row_id!(
    /// A row of `users` (an organisation's staff).
    UserId
);
row_id!(
    /// A row of `api_clients` (the API shows its `client_id`).
    ApiClientId
);
row_id!(
    /// A row of `refresh_tokens`.
    RefreshTokenId
);
row_id!(
    /// A row of `job_offers` (the API shows its job number).
    JobOfferId
);
row_id!(
    /// A row of `messages`.
    MessageId
);
row_id!(
    /// A row of `reports` (a seeker's report of abuse).
    ReportId
);
row_id!(
    /// A row of `audit_events`.
    AuditEventId
);
row_id!(
    /// A row of `event_outbox` (an event waiting to be published).
    EventId
);
row_id!(
    /// A row of `mail_outbox` (a letter waiting to be sent).
    LetterId
);

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::*;
    use crate::schema::seekers;
    use crate::{Db, PoolOptions};

    #[test]
    fn an_id_binds_and_reads_back_on_the_multi_connection() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, &PoolOptions::default()).unwrap();
        db.migrate().unwrap();
        db.run(|c| {
            let none = seekers::table
                .filter(seekers::id.eq(SeekerId::from_row(42)))
                .select(seekers::id)
                .get_results::<SeekerId>(c)?;
            assert!(none.is_empty());
            let n = diesel::select(diesel::dsl::sql::<BigInt>("7")).get_result::<ThreadId>(c)?;
            assert_eq!(n, ThreadId::from_row(7));
            Ok(())
        })
        .expect("query");
    }
}
