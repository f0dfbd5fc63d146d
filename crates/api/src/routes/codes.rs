//! `/v1/codes/…`: the reference code lists, public and cacheable.

use actix_web::{get, web, HttpResponse};
use kyushoku_domain::PrefectureCode;
use kyushoku_service::reference;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::problem::ApiError;
use crate::AppState;

/// Reference data changes with municipal mergers, a few times a year.
const CACHE_CONTROL: (&str, &str) = ("Cache-Control", "public, max-age=3600");

#[derive(Debug, Serialize, ToSchema)]
pub struct Prefecture {
    /// JIS X 0401.
    #[schema(example = "13")]
    pub code: String,
    /// The prefecture's own JIS X 0402 code.
    #[schema(example = "130001")]
    pub local_government_code: String,
    #[schema(example = "東京都")]
    pub name: String,
    /// Half-width katakana, as in the official list.
    pub kana: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Municipality {
    /// JIS X 0402 with check digit.
    #[schema(example = "131041")]
    pub code: String,
    #[schema(example = "13")]
    pub prefecture: String,
    #[schema(example = "新宿区")]
    pub name: String,
    pub kana: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OccupationGroup {
    /// Major group (大分類) of 厚生労働省編職業分類 2022.
    #[schema(example = "08")]
    pub code: String,
    #[schema(example = "福祉・介護の職業")]
    pub name: String,
}

/// A list answer. Code lists are short, so they come in one page:
/// `next_cursor` is always null here.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeList<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

fn list<T: Serialize>(items: Vec<T>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(CACHE_CONTROL)
        .json(CodeList {
            items,
            next_cursor: None,
        })
}

/// The 47 prefectures (JIS X 0401).
///
/// One page, cacheable for an hour: reference data changes a few times a year
/// at most.
#[utoipa::path(
    operation_id = "codes_prefectures_list",
    tag = "codes",
    responses((status = 200, body = CodeList<Prefecture>))
)]
#[get("/prefectures")]
pub async fn prefectures(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state.act(reference::prefectures).await?;
    Ok(list(
        rows.into_iter()
            .map(|p| Prefecture {
                code: p.code,
                local_government_code: p.lg_code,
                name: p.name,
                kana: p.kana,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MunicipalityQuery {
    /// Only the municipalities of this prefecture (JIS X 0401, `01`–`47`).
    #[param(example = "13", value_type = Option<PrefectureCode>)]
    pub prefecture: Option<String>,
}

/// Municipalities (JIS X 0402).
///
/// All of them, or those of one prefecture. One page, cacheable for an hour.
#[utoipa::path(
    operation_id = "codes_municipalities_list",
    tag = "codes",
    params(MunicipalityQuery),
    responses(
        (status = 200, body = CodeList<Municipality>),
    )
)]
#[get("/municipalities")]
pub async fn municipalities(
    state: web::Data<AppState>,
    query: crate::extract::Query<MunicipalityQuery>,
) -> Result<HttpResponse, ApiError> {
    let prefecture = query
        .into_inner()?
        .prefecture
        .as_deref()
        .map(PrefectureCode::parse)
        .transpose()
        .map_err(|e| ApiError::validation_one("prefecture", e))?;
    let rows = state
        .act(move |c| reference::municipalities(c, prefecture.as_ref()))
        .await?;
    Ok(list(
        rows.into_iter()
            .map(|m| Municipality {
                code: m.code,
                prefecture: m.prefecture_code,
                name: m.name,
                kana: m.kana,
            })
            .collect(),
    ))
}

/// The occupation major groups.
///
/// The 15 major groups (大分類) of 厚生労働省編職業分類 2022, as used by profile search
/// and job offers. One page, cacheable for an hour.
#[utoipa::path(
    operation_id = "codes_occupations_list",
    tag = "codes",
    responses((status = 200, body = CodeList<OccupationGroup>))
)]
#[get("/occupations")]
pub async fn occupations(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state.act(reference::occupation_groups).await?;
    Ok(list(
        rows.into_iter()
            .map(|o| OccupationGroup {
                code: o.code,
                name: o.name,
            })
            .collect(),
    ))
}
