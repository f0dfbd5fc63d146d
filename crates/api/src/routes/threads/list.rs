//! `GET /v1/threads`: the organisation's threads, most recent first.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::{Author, ThreadState};
use kyushoku_service::profiles::Page;
use kyushoku_service::threads;
use kyushoku_store::messaging::ListedThread;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Message;
use crate::auth::Principal;
use crate::problem::ApiError;
use crate::{audit_log, pagination, AppState};

/// A thread as the organisation sees it: the seeker only by pseudonym.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgThread {
    pub thread_id: String,
    pub state: ThreadState,
    pub profile_id: String,
    /// Messages from the seeker not yet read by the organisation.
    pub unread: i32,
    /// Who wrote last: the organisation may write only when this is
    /// `seeker` (R3).
    pub last_author: Author,
    pub updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgThreadList {
    pub items: Vec<OrgThread>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ThreadQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before (opaque; given to this caller
    /// for this list only).
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
}

/// The organisation's threads.
///
/// Any member of an approved organisation. Most recent first, paged with an
/// opaque cursor.
#[utoipa::path(
    operation_id = "threads_list",
    tag = "messages",
    params(ThreadQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OrgThreadList),
    )
)]
#[get("")]
pub async fn list(
    principal: Principal,
    query: crate::extract::Query<ThreadQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let member = principal.require_approved_member()?.clone();
    let q = query.into_inner()?;
    let limit = pagination::limit(q.limit)?;
    let pager = pagination::Pager::new(&state, &principal, "threads");
    let after = pager.after_recency(q.cursor.as_deref())?;
    let caller = audit_log::caller(&principal);
    let mut rows = state
        .act(move |c| threads::list_for_organisation(c, &caller, Page { after, limit }, None))
        .await?;
    let next_cursor =
        pager.next_by_recency(&mut rows, limit, |r| (r.thread.updated_at, r.thread.id));
    let pseudonyms = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id);
    let items = rows
        .into_iter()
        .map(
            |ListedThread {
                 thread: t, open, ..
             }| OrgThread {
                thread_id: t.public_id,
                state: ThreadState::of(open),
                profile_id: pseudonyms.encode(t.seeker_id.get()),
                unread: t.org_unread,
                last_author: t.last_author,
                updated_at: t.updated_at.and_utc(),
                messages: None,
            },
        )
        .collect();
    Ok(HttpResponse::Ok().json(OrgThreadList { items, next_cursor }))
}
