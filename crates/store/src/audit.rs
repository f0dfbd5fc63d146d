//! The audit trail (R9): append-only rows of who did what, for which
//! organisation, when, under which request id, and which seekers it showed.
//! Bureaus read it through `GET /v1/audit`, limited to their prefecture.
//!
//! An event lists the seekers it showed itself (`seeker_ids`). "Who saw
//! seeker S" is answered by a GIN index over that list on PostgreSQL, and by
//! one `audit_seekers` row per seeker shown on SQLite, which has no such
//! index (migration 000012).

use chrono::NaiveDateTime;
use diesel::dsl;
use diesel::prelude::*;
use kyushoku_domain::{ActorKind, AuditAction, PrefectureCode};

use crate::schema::audit_events;
use crate::{AuditEventId, DbConn, OrganisationId, SeekerId, StoreError};

/// An event to record (written by [`NewAuditEvent::row`]).
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub at: NaiveDateTime,
    pub request_id: Option<String>,
    pub actor_kind: ActorKind,
    /// The actor's public id (user id, client id), or the address class for
    /// anonymous actors. Never an e-mail address.
    pub actor_id: String,
    pub organisation_id: Option<OrganisationId>,
    /// The prefecture whose bureau may read this event.
    pub prefecture: Option<PrefectureCode>,
    pub action: AuditAction,
    pub target: Option<String>,
    /// Small JSON with the decision's reason, etc. Never personal data.
    pub detail: Option<String>,
    /// The seekers the event showed (`record_with_seekers` writes it).
    pub seeker_ids: Option<String>,
}

/// How an event is inserted: every column, NULL where absent (the columns'
/// default).
type EventRow<'a> = (
    dsl::Eq<audit_events::at, NaiveDateTime>,
    dsl::Eq<audit_events::request_id, Option<&'a str>>,
    dsl::Eq<audit_events::actor_kind, &'static str>,
    dsl::Eq<audit_events::actor_id, &'a str>,
    dsl::Eq<audit_events::organisation_id, Option<OrganisationId>>,
    dsl::Eq<audit_events::prefecture, Option<&'a str>>,
    dsl::Eq<audit_events::action, &'static str>,
    dsl::Eq<audit_events::target, Option<&'a str>>,
    dsl::Eq<audit_events::detail, Option<&'a str>>,
    dsl::Eq<audit_events::seeker_ids, Option<&'a str>>,
);

impl NewAuditEvent {
    /// The insert's values, each bound, absent ones as NULL. diesel's
    /// derived `Insertable` writes an absent value as `DEFAULT`, which
    /// changes the statement's text with the values, so diesel sends such
    /// an insert unnamed and PostgreSQL parses and plans it again for every
    /// audited request; this one stays prepared (see the test below).
    fn row(&self) -> EventRow<'_> {
        use audit_events::*;
        (
            at.eq(self.at),
            request_id.eq(self.request_id.as_deref()),
            actor_kind.eq(self.actor_kind.as_str()),
            actor_id.eq(self.actor_id.as_str()),
            organisation_id.eq(self.organisation_id),
            prefecture.eq(self.prefecture.as_ref().map(PrefectureCode::as_str)),
            action.eq(self.action.as_str()),
            target.eq(self.target.as_deref()),
            detail.eq(self.detail.as_deref()),
            seeker_ids.eq(self.seeker_ids.as_deref()),
        )
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub id: AuditEventId,
    pub at: NaiveDateTime,
    pub request_id: Option<String>,
    #[diesel(deserialize_as = String)]
    pub actor_kind: ActorKind,
    pub actor_id: String,
    pub organisation_id: Option<OrganisationId>,
    #[diesel(deserialize_as = crate::stored_word::MaybeWord<PrefectureCode>)]
    pub prefecture: Option<PrefectureCode>,
    #[diesel(deserialize_as = String)]
    pub action: AuditAction,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub seeker_ids: Option<String>,
}

pub fn record(conn: &mut DbConn, event: &NewAuditEvent) -> Result<(), StoreError> {
    diesel::insert_into(audit_events::table)
        .values(event.row())
        .execute(conn)?;
    Ok(())
}

/// Records an event and the seekers it showed (a search's results, a read),
/// in one transaction.
pub fn record_with_seekers(
    conn: &mut DbConn,
    event: &NewAuditEvent,
    seeker_ids: &[SeekerId],
) -> Result<(), StoreError> {
    record_all_with_seekers(conn, &[(event.clone(), seeker_ids.to_vec())])
}

/// Records events, each with the seekers it showed, with one commit for
/// all of them: on PostgreSQL one insert (a single event's stays prepared;
/// several rows are one statement, parsed each time), on SQLite one
/// transaction. The API's audit writer hands it the events of the searches
/// and reads that arrived while it wrote the last ones.
pub fn record_all_with_seekers(
    conn: &mut DbConn,
    events: &[(NewAuditEvent, Vec<SeekerId>)],
) -> Result<(), StoreError> {
    let listed: Vec<NewAuditEvent> = events
        .iter()
        .map(|(event, seekers)| NewAuditEvent {
            seeker_ids: seeker_list(seekers),
            ..event.clone()
        })
        .collect();
    match conn {
        // The GIN index over the list answers "who saw S": one row each.
        DbConn::Postgresql(c) => {
            let insert = diesel::insert_into(audit_events::table);
            match listed.as_slice() {
                [] => 0,
                [one] => insert.values(one.row()).execute(c)?,
                many => insert
                    .values(many.iter().map(NewAuditEvent::row).collect::<Vec<_>>())
                    .execute(c)?,
            };
            Ok(())
        }
        DbConn::Sqlite(_) => conn.write_transaction(|c| {
            let DbConn::Sqlite(c) = c else {
                unreachable!("a SQLite connection stays one")
            };
            for (event, (_, seekers)) in listed.iter().zip(events) {
                let id = diesel::insert_into(audit_events::table)
                    .values(event.row())
                    .returning(audit_events::id)
                    .get_result::<AuditEventId>(c)?;
                index_by_seeker(c, id, event.at, seekers)?;
            }
            Ok(())
        }),
    }
}

/// SQLite's index of who saw whom: a row per seeker shown, all written by
/// one `INSERT … SELECT` over the ids as one JSON array
/// ([`IndexBySeeker`]). Its text is the same whatever the number of
/// seekers, so diesel keeps it compiled (a multi-row insert's text changes
/// with its length; a one-row insert per seeker cost a page of 100 a
/// hundred statements; see the test below).
fn index_by_seeker(
    conn: &mut diesel::SqliteConnection,
    event_id: AuditEventId,
    at: NaiveDateTime,
    seeker_ids: &[SeekerId],
) -> Result<(), StoreError> {
    if seeker_ids.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = seeker_ids.iter().map(|s| s.get()).collect();
    IndexBySeeker {
        event_id,
        at,
        list: serde_json::to_string(&ids).expect("a list of numbers is JSON"),
    }
    .execute(conn)?;
    Ok(())
}

/// `INSERT INTO audit_seekers … SELECT value, <event>, <at> FROM
/// json_each(<ids>)`: a statement of its own, since diesel never keeps a
/// statement with a `sql` literal compiled.
#[derive(diesel::query_builder::QueryId)]
struct IndexBySeeker {
    event_id: AuditEventId,
    at: NaiveDateTime,
    list: String,
}

impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for IndexBySeeker {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Text, Timestamp};
        out.push_sql("INSERT INTO audit_seekers (seeker_id, event_id, at) SELECT value, ");
        out.push_bind_param::<BigInt, _>(&self.event_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" FROM json_each(");
        out.push_bind_param::<Text, _>(&self.list)?;
        out.push_sql(")");
        Ok(())
    }
}

impl RunQueryDsl<diesel::SqliteConnection> for IndexBySeeker {}

/// How an event lists the seekers it showed: their internal ids, in the
/// order shown, comma-separated (None when it showed none). PostgreSQL's
/// index reads it as `string_to_array(seeker_ids, ',')::bigint[]`.
fn seeker_list(ids: &[SeekerId]) -> Option<String> {
    (!ids.is_empty()).then(|| {
        ids.iter()
            .map(|id| id.get().to_string())
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// The ids in a list `seeker_list` made.
fn seekers_listed(list: Option<&str>) -> impl Iterator<Item = SeekerId> + '_ {
    list.into_iter()
        .flat_map(|l| l.split(','))
        .filter_map(|id| id.parse().ok())
        .map(SeekerId::from_row)
}

/// The seeker refs each event showed, for a page of events, in the order
/// shown; seekers purged since are left out.
pub fn seekers_of(
    conn: &mut DbConn,
    events: &[AuditEventRow],
) -> Result<Vec<(AuditEventId, String)>, StoreError> {
    use crate::schema::seekers;
    let mut ids: Vec<SeekerId> = events
        .iter()
        .flat_map(|e| seekers_listed(e.seeker_ids.as_deref()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut refs = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let found: Vec<(SeekerId, String)> = seekers::table
            .filter(seekers::id.eq_any(chunk))
            .select((seekers::id, seekers::seeker_ref))
            .load(conn)?;
        refs.extend(found);
    }
    Ok(events
        .iter()
        .flat_map(|e| {
            let refs = &refs;
            seekers_listed(e.seeker_ids.as_deref())
                .filter_map(move |s| refs.get(&s).map(|r| (e.id, r.clone())))
        })
        .collect())
}

#[derive(Debug, Clone)]
pub struct AuditFilter {
    /// Required: a bureau sees only its prefecture.
    pub prefecture: PrefectureCode,
    pub organisation_id: Option<OrganisationId>,
    /// Only events that showed this seeker ("who saw seeker S").
    pub seeker_id: Option<SeekerId>,
    pub action: Option<AuditAction>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// Newest first, before `before_id`.
pub fn query(
    conn: &mut DbConn,
    f: &AuditFilter,
    before_id: Option<AuditEventId>,
    limit: i64,
) -> Result<Vec<AuditEventRow>, StoreError> {
    let mut q = audit_events::table
        .filter(audit_events::prefecture.eq(f.prefecture.as_str().to_owned()))
        .select(AuditEventRow::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(o) = f.organisation_id {
        q = q.filter(audit_events::organisation_id.eq(o));
    }
    if let Some(s) = f.seeker_id {
        use crate::schema::audit_seekers;
        use diesel::sql_types::{BigInt, Bool};
        q = match conn {
            // The expression of the GIN index `audit_events_by_seeker`.
            DbConn::Postgresql(_) => q.filter(
                diesel::dsl::sql::<Bool>(
                    "string_to_array(audit_events.seeker_ids, ',')::bigint[] @> ARRAY[",
                )
                .bind::<BigInt, _>(s)
                .sql("]::bigint[]"),
            ),
            DbConn::Sqlite(_) => q.filter(diesel::dsl::exists(
                audit_seekers::table
                    .filter(audit_seekers::seeker_id.eq(s))
                    .filter(audit_seekers::event_id.eq(audit_events::id)),
            )),
        };
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_events::action.eq(a.as_str()));
    }
    if let Some(from) = f.from {
        q = q.filter(audit_events::at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(audit_events::at.lt(to));
    }
    if let Some(b) = before_id {
        q = q.filter(audit_events::id.lt(b));
    }
    Ok(q.load(conn)?)
}

/// On PostgreSQL, makes sure the monthly partitions of the audit trail exist
/// for this month and the next `months_ahead`, so that rows never pile up in
/// the default partition. Detaching or dropping a past month is then one
/// statement (`ALTER TABLE audit_events DETACH PARTITION audit_events_y2026m01`).
/// SQLite has no partitions: nothing to do.
pub fn ensure_partitions(
    conn: &mut DbConn,
    today: chrono::NaiveDate,
    months_ahead: u32,
) -> Result<usize, StoreError> {
    use chrono::Datelike;
    use diesel::connection::SimpleConnection;
    let DbConn::Postgresql(pg) = conn else {
        return Ok(0);
    };
    let mut created = 0;
    let (mut y, mut m) = (today.year(), today.month());
    for _ in 0..=months_ahead {
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let name = format!("audit_events_y{y:04}m{m:02}");
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {name} PARTITION OF audit_events \
             FOR VALUES FROM ('{y:04}-{m:02}-01') TO ('{ny:04}-{nm:02}-01')"
        );
        match pg.batch_execute(&sql) {
            Ok(()) => created += 1,
            // Rows of that month are already in the default partition
            // (the service ran without partitions for a while): leave it.
            Err(e) => {
                tracing::warn!(partition = %name, error = %e, "audit partition not created")
            }
        }
        (y, m) = (ny, nm);
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use diesel::query_builder::QueryFragment;

    use super::*;

    fn seekers<const N: usize>(ids: [i64; N]) -> Vec<SeekerId> {
        ids.into_iter().map(SeekerId::from_row).collect()
    }

    fn event(id: i64) -> AuditEventId {
        AuditEventId::from_row(id)
    }

    /// Each value lands in its own column, and an absent one is NULL, on
    /// either backend (the row is written column by column, `row`).
    fn every_value_lands_in_its_column(db: &crate::Db) {
        db.migrate().unwrap();
        let at = crate::now();
        let full = NewAuditEvent {
            at,
            request_id: Some("req-1".into()),
            actor_kind: ActorKind::Client,
            actor_id: "kc_1".into(),
            organisation_id: Some(OrganisationId::from_row(7)),
            prefecture: PrefectureCode::parse("13").ok(),
            action: AuditAction::ProfileSearch,
            target: Some("target-1".into()),
            detail: Some(r#"{"results":2}"#.into()),
            seeker_ids: None,
        };
        let bare = NewAuditEvent {
            request_id: None,
            organisation_id: None,
            prefecture: None,
            action: AuditAction::LoginFailed,
            target: None,
            detail: None,
            ..full.clone()
        };
        let rows = db
            .run(|c| {
                record_with_seekers(c, &full, &seekers([11, 12]))?;
                record(c, &bare)?;
                Ok(audit_events::table
                    .order(audit_events::id)
                    .select(AuditEventRow::as_select())
                    .load::<AuditEventRow>(c)?)
            })
            .unwrap();
        let seen: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.request_id.as_deref(),
                    (r.actor_kind.as_str(), r.actor_id.as_str()),
                    (
                        r.organisation_id.map(OrganisationId::get),
                        r.prefecture.as_ref().map(PrefectureCode::as_str),
                    ),
                    (r.action.as_str(), r.target.as_deref(), r.detail.as_deref()),
                    r.seeker_ids.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (
                    Some("req-1"),
                    ("client", "kc_1"),
                    (Some(7), Some("13")),
                    ("profile_search", Some("target-1"), Some(r#"{"results":2}"#)),
                    Some("11,12"),
                ),
                (
                    None,
                    ("client", "kc_1"),
                    (None, None),
                    ("login_failed", None, None),
                    None,
                ),
            ]
        );
        assert!(rows.iter().all(|r| r.at == at));
    }

    #[test]
    fn audit_rows_keep_every_value_in_its_column_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        every_value_lands_in_its_column(
            &crate::Db::connect(&url, &crate::PoolOptions::default()).unwrap(),
        );
    }

    #[test]
    fn audit_rows_keep_every_value_in_its_column_on_postgresql() {
        crate::testing::on_fresh_postgres("audit", every_value_lands_in_its_column);
    }

    #[test]
    fn an_audit_insert_is_kept_prepared_whatever_it_leaves_out() {
        type Backend = <DbConn as Connection>::Backend;
        let event = NewAuditEvent {
            at: crate::now(),
            request_id: None,
            actor_kind: ActorKind::Client,
            actor_id: "kc_1".into(),
            organisation_id: None,
            prefecture: None,
            action: AuditAction::ProfileRead,
            target: None,
            detail: None,
            seeker_ids: None,
        };
        let insert = diesel::insert_into(audit_events::table).values(event.row());
        for backend in [
            Backend::Postgresql(Default::default()),
            Backend::Sqlite(Default::default()),
        ] {
            assert!(insert.is_safe_to_cache_prepared(&backend).unwrap());
        }
    }

    #[test]
    fn the_seeker_index_compiles_its_insert_once_per_connection() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = crate::Db::connect(&url, &crate::PoolOptions::default()).unwrap();
        db.migrate().unwrap();
        let (ran_and_kept, rows) = db
            .run(|c| {
                let seen = crate::testing::record_statements(c);
                let DbConn::Sqlite(c) = c else {
                    unreachable!("a SQLite URL")
                };
                let at = crate::now();
                index_by_seeker(c, event(1), at, &seekers([11, 12, 13]))?;
                index_by_seeker(c, event(2), at, &seekers([14]))?;
                index_by_seeker(c, event(3), at, &seekers([15, 16]))?;
                let rows: i64 = crate::schema::audit_seekers::table.count().get_result(c)?;
                let ran_and_kept = seen
                    .lock()
                    .unwrap()
                    .ran_and_kept("INSERT INTO audit_seekers");
                Ok((ran_and_kept, rows))
            })
            .unwrap();
        assert_eq!(ran_and_kept, (3, 1));
        assert_eq!(rows, 6);
    }

    #[test]
    fn an_event_lists_the_seekers_it_showed_in_order() {
        assert_eq!(seeker_list(&[]), None);
        let list = seeker_list(&seekers([42, 7, 1_000_000_000_001])).unwrap();
        assert_eq!(list, "42,7,1000000000001");
        assert_eq!(
            seekers_listed(Some(&list)).collect::<Vec<_>>(),
            seekers([42, 7, 1_000_000_000_001])
        );
        assert_eq!(seekers_listed(None).count(), 0);
    }
}

/// R9, the seeker's side: an organisation that read the seeker's profile,
/// and when.
#[derive(Debug, Clone, Queryable)]
pub struct ProfileView {
    pub organisation: crate::messaging::OrganisationCard,
    #[diesel(deserialize_as = crate::stored_time::StoredTimestamp)]
    pub at: NaiveDateTime,
}

/// The reads of a seeker's profile by organisations, newest first (at most
/// `limit`). Searches that listed the seeker are not reads: an
/// organisation sees a profile only when it opens it.
pub fn profile_views(
    conn: &mut DbConn,
    seeker: SeekerId,
    limit: i64,
) -> Result<Vec<ProfileView>, StoreError> {
    use crate::schema::{audit_seekers, organisations};
    use diesel::sql_types::{BigInt, Bool};
    let q = audit_events::table
        .inner_join(
            organisations::table.on(audit_events::organisation_id.eq(organisations::id.nullable())),
        )
        .filter(audit_events::action.eq(AuditAction::ProfileRead.as_str()))
        .order(audit_events::id.desc())
        .limit(limit)
        .select((
            (
                organisations::public_id,
                organisations::name,
                organisations::kind,
                organisations::licence_number,
                organisations::prefecture,
                organisations::municipality,
            ),
            audit_events::at,
        ))
        .into_boxed();
    let q = match conn {
        // The expression of the GIN index `audit_events_by_seeker`.
        DbConn::Postgresql(_) => q.filter(
            diesel::dsl::sql::<Bool>(
                "string_to_array(audit_events.seeker_ids, ',')::bigint[] @> ARRAY[",
            )
            .bind::<BigInt, _>(seeker)
            .sql("]::bigint[]"),
        ),
        DbConn::Sqlite(_) => q.filter(diesel::dsl::exists(
            audit_seekers::table
                .filter(audit_seekers::seeker_id.eq(seeker))
                .filter(audit_seekers::event_id.eq(audit_events::id)),
        )),
    };
    Ok(q.load(conn)?)
}
