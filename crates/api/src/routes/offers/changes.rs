//! `GET /v1/job-offers/changes?since=N`: the change feed. A client keeps the
//! last `next_since` and asks again; applying the changes in order mirrors
//! exactly the offers it may see. An offer that becomes invisible to the
//! organisation (withdrawn, expired, scope narrowed) comes as a deletion.

use actix_web::{get, web, HttpResponse};
use kyushoku_domain::offer::JobOffer;
use kyushoku_service::offers;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{job_offers_member, OfferView};
use crate::auth::Principal;
use crate::problem::ApiError;
use crate::{audit_log, AppState};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next_since` of the previous answer; 0 (default) from the start.
    #[param(minimum = 0)]
    pub since: Option<i64>,
    /// 1–1,000, default 500.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

kyushoku_domain::closed_set! {
    /// What a change did to the caller's copy.
    pub enum ChangeOp {
        /// Created or replaced: `offer` is the offer as it is now.
        Upsert = "upsert",
        /// Gone from this organisation's view (withdrawn, filled, or no
        /// longer in its scope).
        Delete = "delete",
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    pub seq: i64,
    pub op: ChangeOp,
    pub job_number: String,
    /// The offer as it is now, for upserts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer: Option<OfferView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeFeed {
    pub changes: Vec<Change>,
    /// Ask again with `since` = this.
    pub next_since: i64,
}

/// The change feed of the offers this organisation may see.
///
/// Upserts and deletions since a cursor, oldest first, so a client can keep a
/// copy in sync. A deletion is listed only for an offer that was in this
/// organisation's view.
#[utoipa::path(
    operation_id = "job_offers_changes",
    tag = "job offers",
    params(ChangesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ChangeFeed),
    )
)]
#[get("/changes")]
pub async fn changes(
    principal: Principal,
    query: crate::extract::Query<ChangesQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    job_offers_member(&principal)?;
    let query = query.into_inner()?;
    let (since, limit) = (query.since.unwrap_or(0), query.limit.unwrap_or(500));
    let caller = audit_log::caller(&principal);
    let (rows, next_since) = state
        .show(move |c| offers::changes(c, &caller, since, limit))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(if r.visible {
            let offer: JobOffer =
                serde_json::from_str(&r.content).map_err(|e| ApiError::Internal(e.to_string()))?;
            Change {
                seq: r.seq,
                op: ChangeOp::Upsert,
                job_number: r.job_number.clone(),
                offer: Some(OfferView {
                    job_number: r.job_number,
                    updated_at: r.updated_at.and_utc(),
                    offer,
                }),
            }
        } else {
            Change {
                seq: r.seq,
                op: ChangeOp::Delete,
                job_number: r.job_number,
                offer: None,
            }
        });
    }
    Ok(HttpResponse::Ok().json(ChangeFeed {
        changes: out,
        next_since,
    }))
}
