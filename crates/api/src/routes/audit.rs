//! `GET /v1/audit`: the audit trail (R9), for bureaus, limited to events
//! about their prefecture's organisations.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::{ActorKind, AuditAction};
use kyushoku_service::bureau::{self, IdPage, Trail, TrailQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Principal;
use crate::pagination;
use crate::problem::{ApiError, FieldError};
use crate::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events about this organisation ("what did organisation O see").
    #[param(max_length = 64, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub organisation_id: Option<String>,
    /// Only events that showed this seeker ("who saw seeker S").
    #[param(max_length = 64, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub seeker_ref: Option<String>,
    /// Only events of this action.
    pub action: Option<AuditAction>,
    /// From this time (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before (opaque; given to this caller
    /// for this list only).
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub event_id: String,
    pub at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub actor_kind: ActorKind,
    pub actor_id: String,
    pub organisation_id: Option<String>,
    pub action: AuditAction,
    pub target: Option<String>,
    /// Details as JSON (a decision's reason, …).
    pub detail: Option<serde_json::Value>,
    /// For searches and reads: the seekers shown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seeker_refs: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
}

/// Query the audit trail, newest first.
///
/// Labour bureaus only, and only events of their own prefecture. Filters by
/// action, organisation, seeker and time; paged with an opaque cursor.
#[utoipa::path(
    operation_id = "audit_query",
    tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditList),
    )
)]
#[get("/v1/audit")]
pub async fn query(
    principal: Principal,
    query: crate::extract::Query<AuditQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let prefecture = principal.require_bureau()?.clone();
    let q = query.into_inner()?;
    let mut errors = Vec::new();
    for (field, value, max) in [
        ("organisation_id", &q.organisation_id, 64),
        ("seeker_ref", &q.seeker_ref, 64),
    ] {
        if value
            .as_deref()
            .is_some_and(|v| v.len() > max || !crate::problem::is_plain(v))
        {
            errors.push(FieldError::new(
                field,
                format!("at most {max} characters, no control characters"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let limit = pagination::limit(q.limit)?;
    let pager = pagination::Pager::new(&state, &principal, "audit");
    let from = pager.after_id(q.cursor.as_deref())?;
    let query = TrailQuery {
        organisation: q.organisation_id,
        seeker_ref: q.seeker_ref,
        action: q.action,
        from: q.from.map(|t| t.naive_utc()),
        to: q.to.map(|t| t.naive_utc()),
    };
    let Trail {
        events: mut rows,
        organisations: orgs,
        seekers: seen,
    } = state
        .act(move |c| bureau::trail(c, &prefecture, query, IdPage { from, limit }))
        .await?;
    let next_cursor = pager.next_by_id(&mut rows, limit, |r| r.id);
    let items = rows
        .into_iter()
        .map(|r| AuditEvent {
            event_id: event_id(r.id.get()),
            at: r.at.and_utc(),
            request_id: r.request_id,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            organisation_id: r
                .organisation_id
                .and_then(|id| orgs.iter().find(|(i, _)| *i == id).map(|(_, p)| p.clone())),
            action: r.action,
            target: r.target,
            detail: r.detail.and_then(|d| serde_json::from_str(&d).ok()),
            seeker_refs: seen
                .iter()
                .filter(|(e, _)| *e == r.id)
                .map(|(_, s)| s.clone())
                .collect(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(AuditList { items, next_cursor }))
}

/// An audit event's id as the bureau sees it: stable, so that it can be
/// quoted, and not a page cursor (cursors are sealed: `pagination`).
fn event_id(id: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v1:{id}"))
}
