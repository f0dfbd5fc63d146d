//! `GET /v1/job-offers`: the browser method, with filters.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::profile::{EmploymentType, WageKind};
use kyushoku_domain::search::Asked;
use kyushoku_domain::{MunicipalityCode, OccupationCode, PrefectureCode};
use kyushoku_service::offers;
use kyushoku_service::profiles::Page;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{job_offers_member, OfferView};
use crate::auth::Principal;
use crate::problem::ApiError;
use crate::{audit_log, pagination, AppState};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BrowseQuery {
    /// Keyword in the title, description, employer, industry and
    /// qualifications, as a substring (Japanese works: `介護`). Matched as
    /// folded: width, case, hiragana as katakana, a dash after kana as `ー`,
    /// 異体字 (`ﾃﾞｰﾀ` and `でーた` find `データ`). 1–50 characters, as typed
    /// and as folded.
    #[param(max_length = 50, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub q: Option<String>,
    /// Occupation code at any level; a group matches its members.
    #[param(value_type = Option<OccupationCode>)]
    pub occupation: Option<String>,
    /// Workplace prefecture (JIS X 0401).
    #[param(value_type = Option<PrefectureCode>)]
    pub prefecture: Option<String>,
    /// Workplace municipality (JIS X 0402).
    #[param(value_type = Option<MunicipalityCode>)]
    pub municipality: Option<String>,
    #[param(value_type = Option<EmploymentType>)]
    pub employment_type: Option<String>,
    /// Offers that can pay at least this (of `wage_kind`).
    #[param(minimum = 0)]
    pub wage_min: Option<i64>,
    /// `monthly` when not given.
    #[param(value_type = Option<WageKind>)]
    pub wage_kind: Option<String>,
    /// Only offers updated at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before (opaque; given to this caller
    /// for this list only).
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferList {
    pub items: Vec<OfferView>,
    pub next_cursor: Option<String>,
}

/// Browse the offers this organisation may see, newest first.
///
/// Filters by keyword, occupation, place, employment type and wage; paged
/// with an opaque cursor. Expired and withdrawn offers are never listed.
#[utoipa::path(
    operation_id = "job_offers_browse",
    tag = "job offers",
    params(BrowseQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OfferList),
    )
)]
#[get("")]
pub async fn browse(
    principal: Principal,
    query: crate::extract::Query<BrowseQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    job_offers_member(&principal)?;
    let q = query.into_inner()?;
    let (criteria, limit) = pagination::criteria_and_limit(
        &Asked {
            q: q.q.as_deref(),
            occupation: q.occupation.as_deref(),
            prefecture: q.prefecture.as_deref(),
            municipality: q.municipality.as_deref(),
            employment_type: q.employment_type.as_deref(),
            wage_min: q.wage_min,
            wage_kind: q.wage_kind.as_deref(),
            qualification: None,
            updated_since: q.updated_since.map(|t| t.naive_utc()),
        },
        q.limit,
    )?;
    let pager = pagination::Pager::new(&state, &principal, "job_offers");
    let after = pager.after_recency(q.cursor.as_deref())?;
    let caller = audit_log::caller(&principal);
    let mut rows = state
        .show(move |c| offers::browse(c, &caller, &criteria, Page { after, limit }))
        .await?;
    let next_cursor = pager.next_by_recency(&mut rows, limit, |r| (r.updated_at, r.id));
    let items = rows
        .into_iter()
        .map(OfferView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(OfferList { items, next_cursor }))
}
