//! `/v1/organisations/{id}/change-requests…`: an organisation asks its
//! bureau to change its record (変更の届出: name, municipality, services,
//! departments), and the bureau of its prefecture approves (the change is
//! applied) or rejects it, with a reason.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::organisation::{ChangeSet, RequestStatus};
use kyushoku_domain::{MunicipalityCode, PrefectureCode, Service};
use kyushoku_service::{changes, Answer};
use kyushoku_store::organisations::ChangeRequestRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::renewals::RequestDecision;
use super::Organisation;
use crate::auth::{self, Principal};
use crate::problem::{ApiError, FieldError, Problem};
use crate::{audit_log, idempotency, AppState};

/// The changes asked for; what is absent stays as it is.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    /// A new name (1–200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// A municipality's new municipality code (in its prefecture).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<MunicipalityCode>)]
    pub municipality: Option<String>,
    /// A move to another prefecture (not for a municipality or a
    /// prefecture): once approved, the bureau of the new prefecture holds
    /// the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<PrefectureCode>)]
    pub prefecture: Option<String>,
    /// The services to use from now (granted as asked once approved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 2)]
    pub services: Option<Vec<Service>>,
    /// Departments to add to the notification (municipalities and
    /// prefectures; at most 20).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 20)]
    pub departments: Vec<String>,
}

/// A request to change the organisation's record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeRequest {
    pub change_request_id: String,
    pub status: RequestStatus,
    pub changes: Changes,
    /// The bureau's reason, once decided.
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

fn services_of(set: (bool, bool)) -> Vec<Service> {
    let mut v = Vec::new();
    if set.0 {
        v.push(Service::SeekerInfo);
    }
    if set.1 {
        v.push(Service::JobOffers);
    }
    v
}

impl From<ChangeRequestRow> for ChangeRequest {
    fn from(r: ChangeRequestRow) -> Self {
        let set: ChangeSet = serde_json::from_str(&r.changes).unwrap_or_default();
        ChangeRequest {
            change_request_id: r.public_id,
            status: r.status,
            changes: Changes {
                name: set.name,
                municipality: set.municipality.map(|m| m.as_str().to_owned()),
                prefecture: set.prefecture.map(|p| p.as_str().to_owned()),
                services: set.services.map(services_of),
                departments: set.departments,
            },
            reason: r.reason,
            created_at: r.created_at.and_utc(),
            decided_at: r.decided_at.map(|t| t.and_utc()),
        }
    }
}

/// The request's changes as the rule reads them, or the fields that are
/// not even words of their sets.
fn change_set(c: Changes) -> Result<ChangeSet, ApiError> {
    let municipality = match c.municipality {
        None => None,
        Some(m) => Some(
            MunicipalityCode::parse(&m)
                .map_err(|e| ApiError::Validation(vec![FieldError::new("municipality", e)]))?,
        ),
    };
    let prefecture = match c.prefecture {
        None => None,
        Some(p) => Some(
            PrefectureCode::parse(&p)
                .map_err(|e| ApiError::Validation(vec![FieldError::new("prefecture", e)]))?,
        ),
    };
    let services = c.services.map(|asked| {
        (
            asked.contains(&Service::SeekerInfo),
            asked.contains(&Service::JobOffers),
        )
    });
    Ok(ChangeSet {
        name: c.name,
        municipality,
        prefecture,
        services,
        departments: c.departments,
    })
}

const ID: &str = "The organisation's id";

/// Ask the bureau to change the organisation's record.
///
/// An administrator of the approved organisation: its name, its
/// municipality (a municipality's), its prefecture (a move: not a
/// municipality's or a prefecture's), the services it uses (adding one is
/// granted once approved; a body that only supports gets no job offers),
/// departments to add to its notification. One request is pending at a
/// time (409). The bureau of its prefecture decides. Honours
/// `Idempotency-Key`.
#[utoipa::path(
    operation_id = "organisations_change_requests_create",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = ID),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely"),
    ),
    request_body = Changes,
    security(("bearer" = [])),
    responses(
        (status = 201, body = ChangeRequest),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not an administrator of the organisation"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "a request is pending, or the organisation is not approved"),
    )
)]
#[post("/{id}/change-requests")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<String>,
    body: crate::extract::Json<Changes>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner()?;
    let key = idempotency::key_of(&req)?;
    let id = id.into_inner();
    let raw = serde_json::to_vec(&serde_json::json!({"organisation": id, "changes": request}))
        .unwrap_or_default();
    let set = change_set(request)?;
    let caller = audit_log::caller(&principal);
    let st = state.clone();
    idempotency::once_atomic(
        &state,
        &principal.cursor_binding(),
        key,
        &raw,
        move |pledge| async move {
            let row = st
                .act(move |c| {
                    let answer = pledge.as_ref().map(|pledge| Answer {
                        pledge,
                        status: 201,
                        render: &render,
                    });
                    changes::request(c, &caller, &id, set, answer.as_ref())
                })
                .await?;
            Ok((StatusCode::CREATED, render(&row)))
        },
    )
    .await
}

fn render(r: &ChangeRequestRow) -> serde_json::Value {
    serde_json::to_value(ChangeRequest::from(r.clone())).unwrap_or_default()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeRequestList {
    /// Newest first.
    pub items: Vec<ChangeRequest>,
}

/// The organisation's change requests.
///
/// Its members, or the labour bureau of its prefecture.
#[utoipa::path(
    operation_id = "organisations_change_requests_list",
    tag = "organisations",
    params(("id" = String, Path, format = Uuid, description = ID)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ChangeRequestList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/change-requests")]
pub async fn list(
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = audit_log::caller(&principal);
    let rows = state.act(move |c| changes::list(c, &caller, &id)).await?;
    Ok(HttpResponse::Ok().json(ChangeRequestList {
        items: rows.into_iter().map(ChangeRequest::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDecided {
    pub request: ChangeRequest,
    pub organisation: Organisation,
}

/// Decide on a change request.
///
/// The labour bureau of the organisation's prefecture. An approved change
/// is applied to the record at once (a conditional write: a record that
/// changed meanwhile is 409).
#[utoipa::path(
    operation_id = "organisations_change_requests_decide",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = ID),
        ("request_id" = String, Path, format = Uuid, description = "The change request's id"),
    ),
    request_body = RequestDecision,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ChangeDecided),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not the bureau of this prefecture"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "decided already, or the record changed meanwhile"),
    )
)]
#[post("/{id}/change-requests/{request_id}/decision")]
pub async fn decide(
    principal: Principal,
    path: web::Path<(String, String)>,
    body: crate::extract::Json<RequestDecision>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let prefecture = principal.require_bureau()?.clone();
    let d = body.into_inner()?;
    let (id, request) = path.into_inner();
    let caller = audit_log::caller(&principal);
    let (row, org) = state
        .act(move |c| {
            changes::decide(
                c,
                &caller,
                &prefecture,
                &id,
                &request,
                d.decision,
                &d.reason,
            )
        })
        .await?;
    auth::organisation_changed(&state, org.id).await?;
    Ok(HttpResponse::Ok().json(ChangeDecided {
        request: row.into(),
        organisation: org.into(),
    }))
}
