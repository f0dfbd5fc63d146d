//! The audit trail (R9): append-only rows of who did what, for which
//! organisation, when, under which request id. Bureaus read it through
//! `GET /v1/audit`, limited to their prefecture.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::audit_events;
use crate::{DbConn, StoreError};

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

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Required: a bureau sees only its prefecture.
    pub prefecture: String,
    pub organisation_id: Option<i64>,
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
