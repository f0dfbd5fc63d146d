//! `POST /v1/hires` and `GET /v1/organisations/{id}/hires`: hires made
//! through the service, reported by organisations, with the per-quarter
//! counts the quarterly report needs.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use kyushoku_domain::calendar::fiscal_quarter;
use kyushoku_domain::profile::EmploymentType;
use kyushoku_domain::JobNumber;
use kyushoku_service::hires::{self, HireCommand, Through};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::{audit_log, idempotency, AppState};
use kyushoku_domain::calendar::today_in_japan;

/// A hire report: by job number or by `profile_id`, exactly
/// one of the two (the schema is a `oneOf` of the two shapes: see
/// [`HireReport::schema`]).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HireReport {
    /// The offer the hire was through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_number: Option<JobNumber>,
    /// The profile the hire was through (this organisation's pseudonym).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_id: Option<String>,
    pub hired_on: NaiveDate,
    pub employment_type: EmploymentType,
}

/// The two shapes of a report, as JSON Schema can say "exactly one of
/// `job_number` and `profile_id`": each shape requires its own field and
/// allows the other only as `null` (which the server reads as absent).
impl utoipa::PartialSchema for HireReport {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let shape = |title: &str, field: &str, field_schema, other: &str| {
            serde_json::json!({
                "type": "object",
                "title": title,
                "required": [field, "hired_on", "employment_type"],
                "properties": {
                    field: field_schema,
                    other: {"type": "null"},
                    "hired_on": {
                        "type": "string",
                        "format": "date",
                        "description": "The day of the hire: within the last 366 days, not in the future (JST)."
                    },
                    "employment_type": {"$ref": "#/components/schemas/EmploymentType"}
                },
                "additionalProperties": false
            })
        };
        let by_offer = shape(
            "HireByOffer",
            "job_number",
            serde_json::json!({
                "$ref": "#/components/schemas/JobNumber",
                "description": "The offer the hire was through."
            }),
            "profile_id",
        );
        let by_profile = shape(
            "HireByProfile",
            "profile_id",
            serde_json::json!({
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]{22}$",
                "description": "The profile the hire was through (this organisation's pseudonym)."
            }),
            "job_number",
        );
        serde_json::from_value(serde_json::json!({
            "description": "A hire report: by the offer (`job_number`) or by the profile \
                (`profile_id`), exactly one of them.",
            "oneOf": [by_offer, by_profile]
        }))
        .expect("the hire report's schema is a valid schema")
    }
}

impl ToSchema for HireReport {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("HireReport")
    }
}

pub use kyushoku_service::hires::HireRecorded;

/// Report a hire (approved organisations).
///
/// Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "hires_report",
    tag = "job offers",
    request_body = HireReport,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry safely")),
    security(("bearer" = [])),
    responses(
        (status = 201, body = HireRecorded),
    )
)]
#[post("/v1/hires")]
pub async fn report(
    req: HttpRequest,
    principal: Principal,
    body: crate::extract::Json<HireReport>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let r = body.into_inner()?;
    let key = idempotency::key_of(&req)?;
    report_hire(&state, &principal, r, key).await
}

/// Records a hire of the caller's organisation, once per idempotency key:
/// the answer as the API sends it. The staff pages call it too.
pub async fn report_hire(
    state: &web::Data<AppState>,
    principal: &Principal,
    r: HireReport,
    key: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let member = principal.require_approved_member()?;
    let through = match (&r.job_number, &r.profile_id) {
        (Some(n), None) => Through::Offer(n.clone()),
        (None, Some(p)) => Through::Profile(
            state
                .pseudonyms
                .for_organisation(&member.organisation_public_id)
                .decode(p)
                .map(kyushoku_store::SeekerId::from_row),
        ),
        _ => Through::Unclear,
    };
    let raw = serde_json::to_vec(&r).unwrap_or_default();
    let who = format!("org:{}", member.organisation_public_id);
    let cmd = HireCommand {
        organisation: member.organisation_id,
        through,
        hired_on: r.hired_on,
        employment_type: r.employment_type,
        today: today_in_japan(),
    };
    let st = state.clone();
    idempotency::once_atomic(state, &who, key, &raw, move |pledge| async move {
        let recorded = st
            .act(move |c| hires::report(c, cmd, pledge.as_ref()))
            .await?;
        st.webhooks.wake();
        Ok((StatusCode::CREATED, serde_json::json!(recorded)))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Hire {
    pub hire_id: String,
    pub job_number: Option<String>,
    pub hired_on: NaiveDate,
    pub employment_type: EmploymentType,
    pub reported_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarterCount {
    /// Fiscal year (April–March), e.g. 2026 for FY2026.
    pub fiscal_year: i32,
    /// 1 = April–June … 4 = January–March.
    pub quarter: u32,
    pub hires: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HireList {
    pub items: Vec<Hire>,
    /// Hires per fiscal quarter, for the quarterly report.
    pub quarters: Vec<QuarterCount>,
    pub next_cursor: Option<String>,
}

/// An organisation's reported hires.
///
/// Its members, or the labour bureau of its prefecture. Newest first, with
/// the count per fiscal quarter; one page (`next_cursor` is null).
#[utoipa::path(
    operation_id = "organisations_hires_list",
    tag = "organisations",
    params(("id" = String, Path, format = Uuid, description = "The organisation's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = HireList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/hires")]
pub async fn list(
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = audit_log::caller(&principal);
    let rows = state.act(move |c| hires::list(c, &caller, &id)).await?;
    let mut quarters: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    for hire in &rows {
        *quarters.entry(fiscal_quarter(hire.hired_on)).or_default() += 1;
    }
    let items = rows
        .into_iter()
        .map(|h| Hire {
            hire_id: h.public_id,
            job_number: h.job_number,
            hired_on: h.hired_on,
            employment_type: h.employment_type,
            reported_at: h.reported_at.and_utc(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(HireList {
        items,
        quarters: quarters
            .into_iter()
            .rev()
            .map(|((fiscal_year, quarter), hires)| QuarterCount {
                fiscal_year,
                quarter,
                hires,
            })
            .collect(),
        next_cursor: None,
    }))
}
