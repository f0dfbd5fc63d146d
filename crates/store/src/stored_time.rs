//! Timestamps and dates read back without format strings on SQLite.
//!
//! SQLite keeps them as text in the one form diesel writes them
//! (`2026-11-27 22:01:23.123456`, `2026-11-27`). diesel reads such text
//! back by trying chrono format strings in turn, and chrono parses the
//! format itself for every value: on an export of 100,000 offers from
//! SQLite that was about a sixth of the service's time (docs/benchmarks.md).
//! [`StoredTimestamp`] and [`StoredDate`] read that form directly and hand
//! anything else (older rows, hand-written SQL) to diesel, so they accept
//! whatever diesel accepts. On PostgreSQL they are diesel's binary decoding.
//!
//! A row struct uses them through `#[diesel(deserialize_as = …)]`, keeping
//! chrono's types in its fields.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::{Date, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::Connection;

use crate::DbConn;

type MultiBackend = <DbConn as Connection>::Backend;

/// A `Timestamp` column's value (see the module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct StoredTimestamp(pub NaiveDateTime);

/// A `Date` column's value (see the module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct StoredDate(pub NaiveDate);

impl From<StoredTimestamp> for NaiveDateTime {
    fn from(t: StoredTimestamp) -> Self {
        t.0
    }
}

impl From<StoredDate> for NaiveDate {
    fn from(d: StoredDate) -> Self {
        d.0
    }
}

/// `n` ASCII digits at the start of `b` as a number.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// `YYYY-MM-DD`, as diesel writes a date (`%F`) for four-digit years.
fn parse_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// `YYYY-MM-DD HH:MM:SS` with an optional fraction of one to nine digits,
/// as diesel writes a timestamp (`%F %T%.f`). Anything else is `None`.
pub(crate) fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = parse_date(&b[..10])?;
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
        nanos,
    )?;
    Some(date.and_time(time))
}

impl FromSql<Timestamp, Sqlite> for StoredTimestamp {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if let Some(t) = parse_timestamp(value.read_text()) {
            return Ok(Self(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Date, Sqlite> for StoredDate {
    fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        if let Some(d) = parse_date(value.read_text().as_bytes()) {
            return Ok(Self(d));
        }
        <NaiveDate as FromSql<Date, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Pg> for StoredTimestamp {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

impl FromSql<Date, Pg> for StoredDate {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<Date, Pg>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, MultiBackend> for StoredTimestamp {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

impl FromSql<Date, MultiBackend> for StoredDate {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Date>()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveDateTime};
    use diesel::dsl::sql;
    use diesel::prelude::*;
    use diesel::sql_types::{Date, Text, Timestamp};
    use diesel::sqlite::SqliteConnection;

    use super::{parse_timestamp, StoredDate, StoredTimestamp};

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%F %T%.f").unwrap()
    }

    #[test]
    fn reads_the_form_diesel_writes_with_any_fraction() {
        for text in [
            "2026-11-27 22:01:23",
            "2026-11-27 22:01:23.1",
            "2026-11-27 22:01:23.123",
            "2026-11-27 22:01:23.123456",
            "2026-11-27 22:01:23.123456789",
            "1999-01-01 00:00:00.000001",
            "2024-02-29 23:59:59.999999",
        ] {
            assert_eq!(parse_timestamp(text), Some(at(text)), "{text}");
        }
    }

    #[test]
    fn leaves_every_other_form_to_diesel() {
        for text in [
            "2026-11-27T22:01:23",
            "2026-11-27 22:01",
            "2026-11-27 22:01:23Z",
            "2026-11-27 22:01:23+09:00",
            "2026-11-27 22:01:23.",
            "2026-11-27 22:01:23.1234567890",
            "2026-02-30 22:01:23",
            "2026-11-27 24:01:23",
            "2026-1-27 22:01:23.5",
            "２０２６-11-27 22:01:23",
            "2459000.5",
            "",
        ] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
    }

    /// What diesel writes reads back equal, and what diesel reads from other
    /// forms reads back the same: through SQLite, as the stores do.
    #[test]
    fn agrees_with_diesel_through_sqlite() {
        // Before this process's first connection (`connection`'s tests).
        crate::connection::configure_sqlite_once();
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        for t in [
            at("2026-11-27 22:01:23"),
            at("2026-11-27 22:01:23.120"),
            at("2026-11-27 22:01:23.123456"),
        ] {
            let (ours, theirs): (StoredTimestamp, NaiveDateTime) =
                diesel::select((t.into_sql::<Timestamp>(), t.into_sql::<Timestamp>()))
                    .get_result(&mut c)
                    .unwrap();
            assert_eq!((ours.0, theirs), (t, t));
        }
        for text in ["2026-11-27T22:01:23.5", "2026-11-27 22:01", "2459000.5"] {
            let (ours, theirs): (StoredTimestamp, NaiveDateTime) = diesel::select((
                sql::<Timestamp>("").bind::<Text, _>(text),
                sql::<Timestamp>("").bind::<Text, _>(text),
            ))
            .get_result(&mut c)
            .unwrap();
            assert_eq!(ours.0, theirs, "{text}");
        }
        assert!(
            diesel::select(sql::<Timestamp>("").bind::<Text, _>("not a time"))
                .get_result::<StoredTimestamp>(&mut c)
                .is_err()
        );
        let d = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let ours: StoredDate = diesel::select(d.into_sql::<Date>())
            .get_result(&mut c)
            .unwrap();
        assert_eq!(ours.0, d);
        assert!(
            diesel::select(sql::<Date>("").bind::<Text, _>("2026-13-01"))
                .get_result::<StoredDate>(&mut c)
                .is_err()
        );
    }
}
