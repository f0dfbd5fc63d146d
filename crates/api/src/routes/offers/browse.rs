//! `GET /v1/job-offers`: the browser method, with filters.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::profile::{fold_for_search, EmploymentType, WageKind};
use kyushoku_domain::{MunicipalityCode, OccupationCode, PrefectureCode};
use kyushoku_store::offers::{self, OfferFilter};
use kyushoku_store::seekers::Viewer;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{job_offers_member, OfferView};
use crate::auth::Principal;
use crate::problem::{is_plain, ApiError, FieldError};
use crate::{pagination, AppState};
use kyushoku_domain::calendar::today_in_japan;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BrowseQuery {
    /// Keyword in the title, description, employer, industry and
    /// qualifications (Japanese works: `介護`). 1–50 characters.
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

fn filter_from(q: &BrowseQuery) -> Result<OfferFilter, ApiError> {
    let mut errors = Vec::new();
    let keyword = q.q.as_deref().map(str::trim).filter(|k| !k.is_empty());
    if keyword.is_some_and(|k| k.chars().count() > 50 || !is_plain(k)) {
        errors.push(FieldError::new(
            "q",
            "1 to 50 characters, no control characters",
        ));
    }
    if q.occupation
        .as_deref()
        .is_some_and(|o| OccupationCode::parse(o).is_err())
    {
        errors.push(FieldError::new(
            "occupation",
            "an occupation code: 01-15, NNN or NNN-NN",
        ));
    }
    if q.prefecture
        .as_deref()
        .is_some_and(|p| PrefectureCode::parse(p).is_err())
    {
        errors.push(FieldError::new("prefecture", "two digits from 01 to 47"));
    }
    if q.municipality
        .as_deref()
        .is_some_and(|m| MunicipalityCode::parse(m).is_err())
    {
        errors.push(FieldError::new(
            "municipality",
            "six digits with a valid check digit",
        ));
    }
    if q.employment_type
        .as_deref()
        .is_some_and(|e| EmploymentType::parse(e).is_none())
    {
        errors.push(FieldError::new(
            "employment_type",
            "full_time, part_time, contract, dispatch or other",
        ));
    }
    let kind = q.wage_kind.as_deref().unwrap_or("monthly");
    match WageKind::parse(kind) {
        None => errors.push(FieldError::new("wage_kind", "monthly, daily or hourly")),
        Some(k) => {
            if q.wage_min
                .is_some_and(|w| !(0..=k.range().1 * 10).contains(&w))
            {
                errors.push(FieldError::new("wage_min", "a wage in yen"));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(OfferFilter {
        keyword: keyword.map(fold_for_search),
        occupation: q.occupation.clone(),
        prefecture: q.prefecture.clone(),
        municipality: q.municipality.clone(),
        employment_type: q.employment_type.clone(),
        wage: q.wage_min.map(|w| (kind.to_owned(), w)),
        updated_since: q.updated_since.map(|t| t.naive_utc()),
    })
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
    let member = job_offers_member(&principal)?.clone();
    let q = query.into_inner()?;
    let filter = filter_from(&q)?;
    let limit = pagination::limit(q.limit)?;
    let pager = pagination::Pager::new(&state, &principal, "job_offers");
    let after = pager.after_recency(q.cursor.as_deref())?;
    let viewer = Viewer {
        organisation_id: member.organisation_id,
        today: today_in_japan(),
    };
    let mut rows = state
        .db_run(move |c| offers::browse(c, viewer, &filter, after, limit + 1))
        .await?;
    let next_cursor = pager.next_by_recency(&mut rows, limit, |r| (r.updated_at, r.id));
    super::audit(
        &state,
        &principal,
        kyushoku_domain::AuditAction::OfferSearch,
        None,
    )
    .await?;
    let items = rows
        .into_iter()
        .map(OfferView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(OfferList { items, next_cursor }))
}
