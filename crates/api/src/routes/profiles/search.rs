//! `GET /v1/profiles`: search the profiles this organisation may see.

use actix_web::http::header::ContentType;
use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use kyushoku_domain::profile::{fold_for_search, EmploymentType, WageKind};
use kyushoku_domain::{MunicipalityCode, OccupationCode, PrefectureCode};
use kyushoku_store::seekers::{self, SearchFilter, Viewer};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{seeker_info_member, ProfileView};
use crate::auth::Principal;
use crate::problem::{ApiError, FieldError};
use crate::{audit_log, pagination, AppState};
use kyushoku_domain::calendar::today_in_japan;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Keyword in the self-PR, duties, qualifications and skills (works for
    /// Japanese: `介護` matches). 1–50 characters.
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

fn filter_from(q: SearchQuery) -> Result<(SearchFilter, Option<i64>, Option<String>), ApiError> {
    let mut errors = Vec::new();
    let mut bad = |field: &str, msg: &str| errors.push(FieldError::new(field, msg));
    let keyword =
        q.q.as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned);
    if keyword
        .as_ref()
        .is_some_and(|k| k.chars().count() > 50 || k.chars().any(char::is_control))
    {
        bad("q", "1 to 50 characters, no control characters");
    }
    if q.occupation
        .as_deref()
        .is_some_and(|o| OccupationCode::parse(o).is_err())
    {
        bad("occupation", "an occupation code: 01-15, NNN or NNN-NN");
    }
    if q.prefecture
        .as_deref()
        .is_some_and(|p| PrefectureCode::parse(p).is_err())
    {
        bad("prefecture", "two digits from 01 to 47");
    }
    if q.municipality
        .as_deref()
        .is_some_and(|m| MunicipalityCode::parse(m).is_err())
    {
        bad("municipality", "six digits with a valid check digit");
    }
    if q.employment_type
        .as_deref()
        .is_some_and(|e| EmploymentType::parse(e).is_none())
    {
        bad(
            "employment_type",
            "full_time, part_time, contract, dispatch or other",
        );
    }
    let kind = q.wage_kind.as_deref().unwrap_or("monthly");
    match WageKind::parse(kind) {
        None => bad("wage_kind", "monthly, daily or hourly"),
        Some(k) => {
            if q.wage_min
                .is_some_and(|w| !(0..=k.range().1 * 10).contains(&w))
            {
                bad("wage_min", "a wage in yen");
            }
        }
    }
    if q.qualification
        .as_deref()
        .is_some_and(|v| v.is_empty() || v.chars().count() > 100 || !crate::problem::is_plain(v))
    {
        bad("qualification", "1 to 100 characters");
    }
    let limit = pagination::limit(q.limit);
    if let Err(ApiError::Validation(e)) = &limit {
        errors.extend(e.clone());
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let filter = SearchFilter {
        keyword: keyword.map(|k| fold_for_search(&k)),
        occupation: q.occupation,
        prefecture: q.prefecture,
        municipality: q.municipality,
        employment_type: q.employment_type,
        wage: q.wage_min.map(|w| (kind.to_owned(), w)),
        qualification: q.qualification,
        updated_since: q
            .updated_since
            .map(|t| super::day_of(t.naive_utc()).naive_utc()),
    };
    Ok((filter, limit.ok(), q.cursor))
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
    let (filter, limit, cursor) = filter_from(query.into_inner()?)?;
    let limit = limit.unwrap_or(pagination::DEFAULT_LIMIT);
    let pager = pagination::Pager::new(&state, &principal, "profiles");
    let after: Option<(NaiveDateTime, kyushoku_store::SeekerId)> =
        pager.after_recency(cursor.as_deref())?;
    let viewer = Viewer {
        organisation_id: member.organisation_id,
        today: today_in_japan(),
    };
    let mut event = audit_log::by(&principal, kyushoku_domain::AuditAction::ProfileSearch);
    let mut rows = state
        .db_run(move |c| seekers::search(c, viewer, &filter, after, limit + 1))
        .await?;
    rows.truncate(limit as usize + 1);
    let shown: Vec<kyushoku_store::SeekerId> =
        rows.iter().take(limit as usize).map(|r| r.id).collect();
    event.detail = Some(serde_json::json!({"results": shown.len()}).to_string());
    state.audit.record_with_seekers(event, shown).await?;
    let next_cursor = pager.next_by_recency(&mut rows, limit, |r| (r.updated_at, r.id));
    let pseudonyms = state
        .pseudonyms
        .for_organisation(&member.organisation_public_id);
    // The body is written into a buffer of about its final size (the
    // stored profiles are most of it): a growing buffer would copy them
    // several times over.
    let size: usize = rows
        .iter()
        .map(|r| r.profile.as_ref().map_or(0, String::len) + 128)
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
