//! `GET /v1/organisations`: the bureau's list, filtered and paginated.

use actix_web::{get, web, HttpResponse};
use kyushoku_domain::{OrganisationKind, OrganisationStatus, PrefectureCode};
use kyushoku_service::bureau::{self, IdPage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Organisation;
use crate::auth::Principal;
use crate::pagination;
use crate::problem::{ApiError, FieldError};
use crate::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<OrganisationStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<OrganisationKind>)]
    pub kind: Option<String>,
    #[param(value_type = Option<PrefectureCode>)]
    pub prefecture: Option<String>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before (opaque; given to this caller
    /// for this list only).
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationList {
    pub items: Vec<Organisation>,
    pub next_cursor: Option<String>,
}

/// List organisations.
///
/// Labour bureaus only, oldest first, filtered by status, kind and
/// prefecture; paged with an opaque cursor.
#[utoipa::path(
    operation_id = "organisations_list",
    tag = "organisations",
    params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OrganisationList),
    )
)]
#[get("")]
pub async fn list(
    principal: Principal,
    query: crate::extract::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require_bureau()?;
    let q = query.into_inner()?;
    let mut errors = Vec::new();
    let status = q
        .status
        .as_deref()
        .map(|s| OrganisationStatus::parse(s).ok_or(()));
    if matches!(status, Some(Err(()))) {
        errors.push(FieldError::new("status", "not a status"));
    }
    let kind = q
        .kind
        .as_deref()
        .map(|k| OrganisationKind::parse(k).ok_or(()));
    if matches!(kind, Some(Err(()))) {
        errors.push(FieldError::new("kind", "not a kind of organisation"));
    }
    let prefecture = q.prefecture.as_deref().map(PrefectureCode::parse);
    if let Some(Err(e)) = &prefecture {
        errors.push(FieldError::new("prefecture", e));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let limit = pagination::limit(q.limit)?;
    let pager = pagination::Pager::new(&state, &principal, "organisations");
    let from = pager.after_id(q.cursor.as_deref())?;
    let (status, kind) = (status.and_then(Result::ok), kind.and_then(Result::ok));
    let prefecture = prefecture.and_then(Result::ok);
    let mut rows = state
        .act(move |c| bureau::organisations(c, status, kind, prefecture, IdPage { from, limit }))
        .await?;
    let next_cursor = pager.next_by_id(&mut rows, limit, |r| r.id);
    Ok(HttpResponse::Ok().json(OrganisationList {
        items: rows.into_iter().map(Organisation::from).collect(),
        next_cursor,
    }))
}
