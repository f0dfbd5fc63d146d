//! `GET /v1/profiles`: search the profiles this organisation may see.

use actix_web::http::header::ContentType;
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::profile::{EmploymentType, WageKind};
use kyushoku_domain::search::Asked;
use kyushoku_domain::{MunicipalityCode, OccupationCode, PrefectureCode};
use kyushoku_service::profiles::{self, Page};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{seeker_info_member, ProfileView};
use crate::auth::Principal;
use crate::problem::ApiError;
use crate::{audit_log, pagination, AppState};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Keyword in the self-PR, duties, industries and skills, as a substring
    /// (Japanese works: `介護` matches); not in qualifications, which the
    /// `qualification` filter asks for (R14). Matched as folded: width,
    /// case, hiragana as katakana, a dash after kana as `ー`, 異体字 (`ｶｲｺﾞ`
    /// and `かいご` find `カイゴ`; `ＥＸＣＥＬ` finds `Excel`). 1–50 characters,
    /// as typed and as folded.
    #[param(max_length = 50, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub q: Option<String>,
    /// Occupation code at any level; a group matches its members.
    #[param(value_type = Option<OccupationCode>)]
    pub occupation: Option<String>,
    /// Desired work location: prefecture (JIS X 0401).
    #[param(value_type = Option<PrefectureCode>)]
    pub prefecture: Option<String>,
    /// Desired work location: municipality (JIS X 0402).
    #[param(value_type = Option<MunicipalityCode>)]
    pub municipality: Option<String>,
    #[param(value_type = Option<EmploymentType>)]
    pub employment_type: Option<String>,
    /// A wage you offer: seekers whose desired minimum (of `wage_kind`) is at
    /// most this, and seekers who named no wage.
    #[param(minimum = 0)]
    pub wage_min: Option<i64>,
    /// `monthly` when not given.
    #[param(value_type = Option<WageKind>)]
    pub wage_kind: Option<String>,
    /// A qualification name or code.
    #[param(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub qualification: Option<String>,
    /// Only profiles updated on or after the (UTC) day of this time (RFC
    /// 3339): the time of day is not used, as profiles show only the day.
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
pub struct ProfileList {
    pub items: Vec<ProfileView>,
    pub next_cursor: Option<String>,
}

/// Search profiles, newest first.
///
/// R1 is applied inside the query, so every page is full and nothing about
/// invisible seekers leaks. Recorded in the audit trail with the seekers
/// shown (R9) before it is answered.
#[utoipa::path(
    operation_id = "profiles_search",
    tag = "profiles",
    params(SearchQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ProfileList),
    )
)]
#[get("")]
pub async fn search(
    principal: Principal,
    query: crate::extract::Query<SearchQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let member = seeker_info_member(&principal)?.clone();
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
            qualification: q.qualification.as_deref(),
            updated_since: q.updated_since.map(|t| t.naive_utc()),
        },
        q.limit,
    )?;
    let pager = pagination::Pager::new(&state, &principal, "profiles");
    let after = pager.after_recency(q.cursor.as_deref())?;
    let caller = audit_log::caller(&principal);
    let mut rows = state
        .show(move |c| profiles::search(c, &caller, &criteria, Page { after, limit }))
        .await?;
    let next_cursor = pager.next_by_recency(&mut rows, limit, |r| (r.updated_at, r.id));
    let pseudonyms = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id);
    // The body is written into a buffer of about its final size (the
    // stored profiles are most of it): a growing buffer would copy them
    // several times over.
    let size: usize = rows
        .iter()
        .map(|r| r.profile.self_pr.as_ref().map_or(0, String::len) + 1024)
        .sum();
    let items = rows
        .into_iter()
        .map(|r| ProfileView::from_row(r, &pseudonyms))
        .collect::<Result<Vec<_>, _>>()?;
    let mut body = Vec::with_capacity(size + 64);
    serde_json::to_writer(&mut body, &ProfileList { items, next_cursor })
        .map_err(|e| ApiError::Internal(format!("profile list: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header(ContentType::json())
        .body(body))
}
