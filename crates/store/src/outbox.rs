//! The event outbox: events written in the transaction of the action they
//! tell of, and taken by a relay that publishes them to the live streams
//! (see the migration `000015_event_outbox`). A taken event is held for a
//! lease; published, it is deleted. A relay that dies between taking and
//! deleting leaves it to be taken again when the lease ends: an event may
//! be published twice, never lost.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::ids::EventId;
use crate::schema::event_outbox;
use crate::stored_time::StoredTimestamp;
use crate::{now, DbConn, StoreError};

/// An event to publish: its topic (whose stream), its kind and its data
/// (ids, never text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub topic: String,
    pub kind: &'static str,
    pub data: String,
}

/// An event taken for publishing.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = event_outbox)]
pub struct PendingEvent {
    pub id: EventId,
    pub topic: String,
    pub kind: String,
    pub data: String,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub created_at: NaiveDateTime,
}

/// Writes `event`, in the caller's transaction.
pub fn append(conn: &mut DbConn, event: &NewEvent) -> Result<(), StoreError> {
    diesel::insert_into(event_outbox::table)
        .values((
            event_outbox::topic.eq(&event.topic),
            event_outbox::kind.eq(event.kind),
            event_outbox::data.eq(&event.data),
            event_outbox::created_at.eq(now()),
            event_outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes up to `limit` events that no relay holds, oldest first, and holds
/// them until `lease_until`. Two relays never take the same event while its
/// lease runs: on PostgreSQL the rows are locked as they are read (and
/// rows another relay has locked are skipped); SQLite has one writer.
pub fn take(
    conn: &mut DbConn,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<PendingEvent>, StoreError> {
    conn.write_transaction(|c| {
        let free = event_outbox::table
            .filter(
                event_outbox::claimed_until
                    .is_null()
                    .or(event_outbox::claimed_until.lt(at)),
            )
            .order(event_outbox::id)
            .limit(limit);
        let taken: Vec<PendingEvent> = match c {
            DbConn::Postgresql(pg) => free
                .select(PendingEvent::as_select())
                .for_update()
                .skip_locked()
                .load(pg)?,
            DbConn::Sqlite(lite) => free.select(PendingEvent::as_select()).load(lite)?,
        };
        if !taken.is_empty() {
            let ids: Vec<EventId> = taken.iter().map(|e| e.id).collect();
            diesel::update(event_outbox::table.filter(event_outbox::id.eq_any(ids)))
                .set(event_outbox::claimed_until.eq(Some(lease_until)))
                .execute(c)?;
        }
        Ok(taken)
    })
}

/// Deletes events that were published.
pub fn published(conn: &mut DbConn, ids: &[EventId]) -> Result<(), StoreError> {
    for chunk in ids.chunks(500) {
        diesel::delete(event_outbox::table.filter(event_outbox::id.eq_any(chunk))).execute(conn)?;
    }
    Ok(())
}

/// Events not yet published (for readiness and tests).
pub fn waiting(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(event_outbox::table.count().get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Db, PoolOptions};

    fn event(n: u32) -> NewEvent {
        NewEvent {
            topic: format!("s:seeker-{n}"),
            kind: "message",
            data: format!(r#"{{"n":{n}}}"#),
        }
    }

    fn takes_each_event_once_per_lease_and_again_after_it(db: &Db) {
        db.migrate().unwrap();
        let t0 = now();
        let later = t0 + chrono::Duration::seconds(30);
        db.run(|c| {
            append(c, &event(1))?;
            append(c, &event(2))?;
            // A rolled-back action leaves no event.
            let _ = c.write_transaction(|c| {
                append(c, &event(3))?;
                Err::<(), _>(StoreError::Conflict("rolled back"))
            });
            let first = take(c, t0, later, 10)?;
            assert_eq!(
                first.iter().map(|e| e.data.as_str()).collect::<Vec<_>>(),
                [r#"{"n":1}"#, r#"{"n":2}"#]
            );
            // Held: a second relay gets nothing while the lease runs.
            assert!(take(c, t0, later, 10)?.is_empty());
            // The first relay died: after the lease, they are taken again.
            let again = take(c, later + chrono::Duration::seconds(1), later, 10)?;
            assert_eq!(again.len(), 2);
            published(c, &again.iter().map(|e| e.id).collect::<Vec<_>>())?;
            assert_eq!(waiting(c)?, 0);
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn sqlite_takes_each_event_once_per_lease() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, &PoolOptions::default()).unwrap();
        takes_each_event_once_per_lease_and_again_after_it(&db);
    }

    #[test]
    fn postgres_takes_each_event_once_per_lease() {
        crate::testing::on_fresh_postgres(
            "outbox",
            takes_each_event_once_per_lease_and_again_after_it,
        );
    }
}
