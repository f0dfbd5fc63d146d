//! The audit trail (R9): append-only rows of who did what, for which
//! organisation, when, under which request id. Bureaus read it through
//! `GET /v1/audit`, limited to their prefecture.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::audit_events;
use crate::{per_backend, DbConn, StoreError};

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent {
    pub at: NaiveDateTime,
    pub request_id: Option<String>,
    /// `user`, `client`, `hw_system`, `bureau`, `seeker`, `anonymous`.
    pub actor_kind: String,
    /// The actor's public id (user id, client id), or the address class for
    /// anonymous actors. Never an e-mail address.
    pub actor_id: String,
    pub organisation_id: Option<i64>,
    /// The prefecture whose bureau may read this event.
    pub prefecture: Option<String>,
    pub action: String,
    pub target: Option<String>,
    /// Small JSON with the decision's reason, etc. Never personal data.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub request_id: Option<String>,
    pub actor_kind: String,
    pub actor_id: String,
    pub organisation_id: Option<i64>,
    pub prefecture: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub detail: Option<String>,
}

pub fn record(conn: &mut DbConn, event: &NewAuditEvent) -> Result<(), StoreError> {
    diesel::insert_into(audit_events::table)
        .values(event)
        .execute(conn)?;
    Ok(())
}

/// Records an event and the seekers it showed (a search's results, a read).
pub fn record_with_seekers(
    conn: &mut DbConn,
    event: &NewAuditEvent,
    seeker_ids: &[i64],
) -> Result<(), StoreError> {
    conn.write_transaction(|c| {
        let id = per_backend!(c, c => diesel::insert_into(audit_events::table)
            .values(event)
            .returning(audit_events::id)
            .get_result::<i64>(c))?;
        crate::seekers::record_seen(c, id, event.at, seeker_ids)
    })
}

/// The seeker refs each event showed, for a page of events.
pub fn seekers_of(conn: &mut DbConn, event_ids: &[i64]) -> Result<Vec<(i64, String)>, StoreError> {
    use crate::schema::{audit_seekers, seekers};
    Ok(audit_seekers::table
        .inner_join(seekers::table.on(seekers::id.eq(audit_seekers::seeker_id)))
        .filter(audit_seekers::event_id.eq_any(event_ids))
        .select((audit_seekers::event_id, seekers::seeker_ref))
        .load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Required: a bureau sees only its prefecture.
    pub prefecture: String,
    pub organisation_id: Option<i64>,
    /// Only events that showed this seeker ("who saw seeker S").
    pub seeker_id: Option<i64>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// Newest first, before `before_id`.
pub fn query(
    conn: &mut DbConn,
    f: &AuditFilter,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEventRow>, StoreError> {
    let mut q = audit_events::table
        .filter(audit_events::prefecture.eq(f.prefecture.clone()))
        .select(AuditEventRow::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(o) = f.organisation_id {
        q = q.filter(audit_events::organisation_id.eq(o));
    }
    if let Some(s) = f.seeker_id {
        use crate::schema::audit_seekers;
        q = q.filter(diesel::dsl::exists(
            audit_seekers::table
                .filter(audit_seekers::seeker_id.eq(s))
                .filter(audit_seekers::event_id.eq(audit_events::id)),
        ));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_events::action.eq(a.clone()));
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

/// On PostgreSQL, makes sure the monthly partitions of the audit tables exist
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
        for table in ["audit_events", "audit_seekers"] {
            let name = format!("{table}_y{y:04}m{m:02}");
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} \
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
        }
        (y, m) = (ny, nm);
    }
    Ok(created)
}
