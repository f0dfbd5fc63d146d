//! `/v1/organisations/{id}/renewals…`: an approval runs three years; its
//! administrator asks for its renewal (更新) in the last three months, and
//! the bureau of its prefecture approves (the period runs on) or rejects
//! it. An approval whose end passes with no renewal pending lapses.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::organisation::{RequestStatus, Verdict};
use kyushoku_service::{renewals, Answer};
use kyushoku_store::terms::RenewalRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Organisation;
use crate::auth::{self, Principal};
use crate::problem::{ApiError, Problem};
use crate::{audit_log, idempotency, AppState};

/// A renewal of the organisation's approval.
#[derive(Debug, Serialize, ToSchema)]
pub struct Renewal {
    pub renewal_id: String,
    pub status: RequestStatus,
    /// The last day of the approval it renews, when it was asked for.
    pub ends_on: NaiveDate,
    /// The approval's new last day, once approved.
    pub renewed_until: Option<NaiveDate>,
    /// The bureau's reason, once decided.
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<&RenewalRow> for Renewal {
    fn from(r: &RenewalRow) -> Self {
        Renewal {
            renewal_id: r.public_id.clone(),
            status: r.status,
            ends_on: r.ends_on,
            renewed_until: r.renewed_until,
            reason: r.reason.clone(),
            created_at: r.created_at.and_utc(),
            decided_at: r.decided_at.map(|t| t.and_utc()),
        }
    }
}

fn render(r: &RenewalRow) -> serde_json::Value {
    serde_json::to_value(Renewal::from(r)).unwrap_or_default()
}

const ID: &str = "The organisation's id";

/// Ask for the approval's renewal.
///
/// An administrator of the approved organisation, in the last three months
/// of its period (409 before or after them, and while one is pending). A
/// renewal asked for in time keeps the approval in force until the bureau
/// decides. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "organisations_renewals_create",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = ID),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, body = Renewal),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not an administrator of the organisation"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "outside the renewal period, one is pending, or the organisation is not approved"),
    )
)]
#[post("/{id}/renewals")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key_of(&req)?;
    ask(&state, &principal, id.into_inner(), key).await
}

/// Asks for the renewal of organisation `id`'s approval, once per `key`
/// (the API's and the staff home page's).
pub async fn ask(
    state: &web::Data<AppState>,
    principal: &Principal,
    id: String,
    key: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = audit_log::caller(principal);
    let raw = serde_json::to_vec(&serde_json::json!({"renewal_of": id})).unwrap_or_default();
    let st = state.clone();
    let member = principal.member().map(|m| m.organisation_id);
    idempotency::once_atomic(
        state,
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
                    renewals::request(c, &caller, &id, today_in_japan(), answer.as_ref())
                })
                .await?;
            if let Some(org) = member {
                auth::organisation_changed(&st, org).await?;
            }
            Ok((StatusCode::CREATED, render(&row)))
        },
    )
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalList {
    /// Newest first.
    pub items: Vec<Renewal>,
}

/// The organisation's renewals.
///
/// Its members, or the labour bureau of its prefecture.
#[utoipa::path(
    operation_id = "organisations_renewals_list",
    tag = "organisations",
    params(("id" = String, Path, format = Uuid, description = ID)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = RenewalList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/renewals")]
pub async fn list(
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = audit_log::caller(&principal);
    let rows = state.act(move |c| renewals::list(c, &caller, &id)).await?;
    Ok(HttpResponse::Ok().json(RenewalList {
        items: rows.iter().map(Renewal::from).collect(),
    }))
}

/// The bureau's answer to a request: a change of the record, a renewal.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestDecision {
    pub decision: Verdict,
    /// Why (1–1,000 characters once trimmed).
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RenewalDecided {
    pub renewal: Renewal,
    pub organisation: Organisation,
}

/// Decide on a renewal.
///
/// The labour bureau of the organisation's prefecture. Approved, the
/// approval runs three more years from the day after its old end; rejected
/// after that end, it lapses at once (every token of the organisation
/// stops working).
#[utoipa::path(
    operation_id = "organisations_renewals_decide",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = ID),
        ("renewal_id" = String, Path, format = Uuid, description = "The renewal's id"),
    ),
    request_body = RequestDecision,
    security(("bearer" = [])),
    responses(
        (status = 200, body = RenewalDecided),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not the bureau of this prefecture"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "decided already"),
    )
)]
#[post("/{id}/renewals/{renewal_id}/decision")]
pub async fn decide(
    principal: Principal,
    path: web::Path<(String, String)>,
    body: crate::extract::Json<RequestDecision>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let prefecture = principal.require_bureau()?.clone();
    let d = body.into_inner()?;
    let (id, renewal) = path.into_inner();
    let caller = audit_log::caller(&principal);
    let (row, org) = state
        .act(move |c| {
            renewals::decide(
                c,
                &caller,
                &prefecture,
                &id,
                &renewal,
                d.decision,
                &d.reason,
            )
        })
        .await?;
    auth::organisation_changed(&state, org.id).await?;
    Ok(HttpResponse::Ok().json(RenewalDecided {
        renewal: Renewal::from(&row),
        organisation: org.into(),
    }))
}
