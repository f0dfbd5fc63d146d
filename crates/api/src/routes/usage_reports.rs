//! The terms of use over HTTP: an organisation's quarterly usage reports
//! (`/v1/organisations/{id}/usage-reports…`: read, draft or correct,
//! submit), the bureau's list of who owes a quarter's report
//! (`GET /v1/usage-reports`), and the sanctions it imposes for a late or
//! false one (`/v1/organisations/{id}/sanctions`).

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::terms::{FiscalQuarter, ReportStatus, SanctionGround, Standing};
use kyushoku_domain::{Decision, OrganisationKind, OrganisationStatus};
use kyushoku_service::bureau::IdPage;
use kyushoku_service::terms::{self, QuarterReport, Referral, SanctionCommand, UsageCommand};
use kyushoku_service::Answer;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{self, Principal};
use crate::problem::{ApiError, FieldError, Problem};
use crate::{audit_log, idempotency, pagination, AppState};

/// Hires an organisation reported through `POST /v1/hires` in a quarter.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedHires {
    pub from_offers: i64,
    pub from_seekers: i64,
}

/// A fiscal quarter's usage report (利用状況報告).
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReport {
    /// The fiscal quarter, `FY2026-Q1` (April–June 2026) … `FY2026-Q4`
    /// (January–March 2027).
    #[schema(pattern = "^FY[0-9]{4}-Q[1-4]$", example = "FY2026-Q2")]
    pub quarter: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The deadline: the 20th of the month after the quarter.
    pub due_on: NaiveDate,
    /// Where the report stands today (JST).
    pub standing: Standing,
    /// `draft` or `submitted`; null when nothing was saved.
    pub status: Option<ReportStatus>,
    /// 1 for the first save, one more for each change; null when nothing
    /// was saved.
    pub revision: Option<i32>,
    /// Hires decided through job offers of the service.
    pub hires_from_offers: Option<i32>,
    /// Hires decided through seeker information of the service.
    pub hires_from_seekers: Option<i32>,
    /// Municipalities and prefectures: offers passed to contracted training
    /// bodies, and how often.
    pub training_referrals: Vec<Referral>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The last correction after submission.
    pub corrected_at: Option<DateTime<Utc>>,
    /// The bureau found the report false (it can no longer be changed).
    pub found_false: bool,
    /// The hires reported one by one in the quarter (`POST /v1/hires`): a
    /// draft's starting point.
    pub reported_hires: ReportedHires,
}

impl From<QuarterReport> for UsageReport {
    fn from(q: QuarterReport) -> Self {
        let r = q.report.as_ref();
        UsageReport {
            quarter: q.quarter.to_string(),
            period_start: q.quarter.first_day(),
            period_end: q.quarter.last_day(),
            due_on: q.quarter.due_on(),
            standing: q.standing,
            status: r.map(|r| r.status),
            revision: r.map(|r| r.revision),
            hires_from_offers: r.map(|r| r.hires_from_offers),
            hires_from_seekers: r.map(|r| r.hires_from_seekers),
            training_referrals: q.referrals,
            submitted_at: r.and_then(|r| r.submitted_at).map(|t| t.and_utc()),
            corrected_at: r.and_then(|r| r.corrected_at).map(|t| t.and_utc()),
            found_false: r.is_some_and(|r| r.found_false_at.is_some()),
            reported_hires: ReportedHires {
                from_offers: q.reported_hires.0,
                from_seekers: q.reported_hires.1,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsageReportList {
    /// Every quarter owed since the organisation's first approval, newest
    /// first (the running quarter included).
    pub items: Vec<UsageReport>,
}

const ID: &str = "The organisation's id";

/// An organisation's quarterly usage reports.
///
/// Its members, or the labour bureau of its prefecture. A report is owed
/// for every fiscal quarter from the one the organisation was first
/// approved in, by the 20th of the month after the quarter.
#[utoipa::path(
    operation_id = "organisations_usage_reports_list",
    tag = "organisations",
    params(("id" = String, Path, format = Uuid, description = ID)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = UsageReportList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/usage-reports")]
pub async fn list(
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = audit_log::caller(&principal);
    let today = today_in_japan();
    let all = state
        .act(move |c| terms::reports(c, &caller, &id, today))
        .await?;
    Ok(HttpResponse::Ok().json(UsageReportList {
        items: all.into_iter().map(UsageReport::from).collect(),
    }))
}

/// One quarter's usage report.
///
/// A quarter the organisation owes no report for is 404.
#[utoipa::path(
    operation_id = "organisations_usage_reports_read",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = ID),
        ("quarter" = String, Path, pattern = "^FY[0-9]{4}-Q[1-4]$", description = "The fiscal quarter"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = UsageReport),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/usage-reports/{quarter}")]
pub async fn read(
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = audit_log::caller(&principal);
    let (id, quarter) = path.into_inner();
    let today = today_in_japan();
    let report = state
        .act(move |c| terms::report(c, &caller, &id, &quarter, today))
        .await?;
    Ok(HttpResponse::Ok().json(UsageReport::from(report)))
}

/// The figures of a quarter's usage report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageReportRequest {
    /// Hires decided through the service's job offers (0–100,000).
    #[schema(minimum = 0, maximum = 100000)]
    pub hires_from_offers: i64,
    /// Hires decided through its seeker information (0–100,000).
    #[schema(minimum = 0, maximum = 100000)]
    pub hires_from_seekers: i64,
    /// Municipalities and prefectures only: offers passed to contracted
    /// training bodies (at most 50, each body once).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub training_referrals: Vec<Referral>,
    /// The `revision` the figures were based on (0 when nothing was
    /// saved). When given and the report has moved on since, the save is
    /// refused (409) instead of overwriting another's figures; without it
    /// the last save wins.
    #[schema(minimum = 0)]
    pub revision: Option<i32>,
}

/// Draft, change or correct a quarter's usage report.
///
/// An administrator of the organisation. Saving a draft keeps it a draft;
/// saving a submitted report corrects it (it stays submitted, and
/// `corrected_at` tells when). A report the bureau found false cannot be
/// changed (409), nor one that moved on past the `revision` given (409).
#[utoipa::path(
    operation_id = "organisations_usage_reports_save",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = ID),
        ("quarter" = String, Path, pattern = "^FY[0-9]{4}-Q[1-4]$", description = "The fiscal quarter"),
    ),
    request_body = UsageReportRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = UsageReport),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not an administrator of the organisation"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "found false, or changed meanwhile"),
    )
)]
#[put("/{id}/usage-reports/{quarter}")]
pub async fn save(
    principal: Principal,
    path: web::Path<(String, String)>,
    body: crate::extract::Json<UsageReportRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner()?;
    let caller = audit_log::caller(&principal);
    let (id, quarter) = path.into_inner();
    let cmd = UsageCommand {
        hires_from_offers: request.hires_from_offers,
        hires_from_seekers: request.hires_from_seekers,
        referrals: request.training_referrals,
        revision: request.revision,
    };
    let today = today_in_japan();
    let report = state
        .act(move |c| terms::save(c, &caller, &id, &quarter, cmd, today))
        .await?;
    Ok(HttpResponse::Ok().json(UsageReport::from(report)))
}

/// Submit a quarter's usage report.
///
/// An administrator of the organisation, once the quarter has ended; the
/// saved draft is submitted as it is. A late report is still accepted
/// (the bureau sees it was late). A submitted report is corrected by
/// saving it again. Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "organisations_usage_reports_submit",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = ID),
        ("quarter" = String, Path, pattern = "^FY[0-9]{4}-Q[1-4]$", description = "The fiscal quarter"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = UsageReport),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not an administrator of the organisation"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "the quarter has not ended, or there is no draft"),
    )
)]
#[post("/{id}/usage-reports/{quarter}/submission")]
pub async fn submit(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key_of(&req)?;
    let caller = audit_log::caller(&principal);
    let (id, quarter) = path.into_inner();
    let raw =
        serde_json::to_vec(&serde_json::json!({"submission": [&id, &quarter]})).unwrap_or_default();
    let today = today_in_japan();
    let st = state.clone();
    idempotency::once_atomic(
        &state,
        &principal.cursor_binding(),
        key,
        &raw,
        move |pledge| async move {
            let report = st
                .act(move |c| {
                    let answer = pledge.as_ref().map(|pledge| Answer {
                        pledge,
                        status: 200,
                        render: &render_report,
                    });
                    terms::submit(c, &caller, &id, &quarter, today, answer.as_ref())
                })
                .await?;
            Ok((StatusCode::OK, render_report(&report)))
        },
    )
    .await
}

fn render_report(q: &QuarterReport) -> serde_json::Value {
    serde_json::to_value(UsageReport::from(q.clone())).unwrap_or_default()
}

/// Which reports of a quarter the bureau lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OwingFilter {
    /// Not submitted (due, or overdue once the deadline passed).
    Outstanding,
    Submitted,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OwingQuery {
    /// The fiscal quarter (default: the last one whose deadline passed).
    #[param(pattern = "^FY[0-9]{4}-Q[1-4]$")]
    pub quarter: Option<String>,
    /// `outstanding` (not submitted: due, or overdue) or `submitted`.
    #[param(inline)]
    pub only: Option<OwingFilter>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the page before.
    #[param(min_length = 1, max_length = 512)]
    pub cursor: Option<String>,
}

/// An organisation that owes a quarter's report.
#[derive(Debug, Serialize, ToSchema)]
pub struct Owing {
    pub organisation_id: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub organisation_status: OrganisationStatus,
    pub approved_on: NaiveDate,
    pub standing: Standing,
    pub submitted_at: Option<DateTime<Utc>>,
    pub found_false: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OwingList {
    #[schema(pattern = "^FY[0-9]{4}-Q[1-4]$")]
    pub quarter: String,
    pub due_on: NaiveDate,
    pub items: Vec<Owing>,
    pub next_cursor: Option<String>,
}

/// The last quarter whose deadline has passed on `today`.
pub fn last_closed(today: NaiveDate) -> FiscalQuarter {
    let mut q = FiscalQuarter::containing(today);
    while q.due_on() >= today {
        q = FiscalQuarter::containing(q.first_day().pred_opt().unwrap_or(q.first_day()));
    }
    q
}

/// Who owes a quarter's usage report.
///
/// Labour bureaus only: the approved and suspended organisations of their
/// prefecture approved by the quarter's end, with where each report
/// stands (`overdue` once the 20th of the month after has passed).
#[utoipa::path(
    operation_id = "usage_reports_list",
    tag = "organisations",
    params(OwingQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OwingList),
    )
)]
#[get("/v1/usage-reports")]
pub async fn owing(
    principal: Principal,
    query: crate::extract::Query<OwingQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let prefecture = principal.require_bureau()?.clone();
    let q = query.into_inner()?;
    let limit = pagination::limit(q.limit)?;
    let today = today_in_japan();
    let quarter = match q.quarter.as_deref() {
        None => last_closed(today),
        Some(word) => FiscalQuarter::parse(word).ok_or_else(|| {
            ApiError::Validation(vec![FieldError::new(
                "quarter",
                "a fiscal quarter: FY2026-Q1",
            )])
        })?,
    };
    let submitted = q.only.map(|o| o == OwingFilter::Submitted);
    let pager = pagination::Pager::new(&state, &principal, "usage-reports");
    let from = pager.after_id(q.cursor.as_deref())?;
    let mut rows = state
        .act(move |c| {
            terms::owing(
                c,
                &prefecture,
                quarter,
                submitted,
                IdPage { from, limit },
                today,
            )
        })
        .await?;
    let next_cursor = pager.next_by_id(&mut rows, limit, |o| o.obligation.organisation_id);
    Ok(HttpResponse::Ok().json(OwingList {
        quarter: quarter.to_string(),
        due_on: quarter.due_on(),
        items: rows
            .into_iter()
            .map(|o| Owing {
                organisation_id: o.obligation.public_id,
                name: o.obligation.name,
                kind: o.obligation.kind,
                organisation_status: o.obligation.status,
                approved_on: o.obligation.approved_on,
                standing: o.standing,
                submitted_at: o.obligation.submitted_at.map(|t| t.and_utc()),
                found_false: o.obligation.found_false_at.is_some(),
            })
            .collect(),
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SanctionRequest {
    /// `overdue_report` (the quarter's report is overdue today) or
    /// `false_report` (its submitted report is false: this marks it so).
    pub ground: SanctionGround,
    #[schema(pattern = "^FY[0-9]{4}-Q[1-4]$", example = "FY2026-Q1")]
    pub quarter: String,
    /// Why, for the record (1–1,000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// A sanction under the terms of use.
#[derive(Debug, Serialize, ToSchema)]
pub struct SanctionRecord {
    pub sanction_id: String,
    pub ground: SanctionGround,
    pub quarter: String,
    /// `suspend` or `revoke`, as the terms set it.
    pub decision: Decision,
    /// The day a suspension ends: no reinstatement before it.
    pub suspended_until: Option<NaiveDate>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// The answer to `POST …/sanctions`: the sanction, and the organisation's
/// status after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SanctionImposed {
    #[serde(flatten)]
    pub sanction: SanctionRecord,
    pub organisation_status: OrganisationStatus,
}

/// Sanction an organisation under the terms of use.
///
/// The labour bureau of its prefecture. The terms decide the sanction: an
/// overdue report suspends for six months (no reinstatement before), a
/// second overdue report or a false report cancels the approval (revoke).
/// The ground must hold today. Every token of the organisation ends at
/// once (R8). Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "organisations_sanctions_create",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = ID),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely"),
    ),
    request_body = SanctionRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = SanctionImposed),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not the bureau of this prefecture"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "the ground does not hold, or the status does not allow the sanction"),
    )
)]
#[post("/{id}/sanctions")]
pub async fn sanction(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<String>,
    body: crate::extract::Json<SanctionRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let prefecture = principal.require_bureau()?.clone();
    let request = body.into_inner()?;
    let key = idempotency::key_of(&req)?;
    let caller = audit_log::caller(&principal);
    let id = id.into_inner();
    let raw = serde_json::to_vec(&serde_json::json!({"organisation": id, "request": request}))
        .unwrap_or_default();
    let who = format!("bureau:{}", principal.cursor_binding());
    let cmd = SanctionCommand {
        ground: request.ground,
        quarter: request.quarter,
        reason: request.reason,
    };
    let st = state.clone();
    idempotency::once_atomic(&state, &who, key, &raw, move |pledge| async move {
        let today = today_in_japan();
        let imposed = st
            .act(move |c| terms::impose(c, &caller, &prefecture, &id, cmd, today, pledge.as_ref()))
            .await?;
        st.webhooks.wake();
        auth::organisation_changed(&st, imposed.organisation.id).await?;
        Ok((StatusCode::CREATED, terms::sanction_json(&imposed)))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SanctionList {
    /// Newest first.
    pub items: Vec<SanctionRecord>,
}

/// An organisation's sanctions under the terms of use.
///
/// Its members, or the labour bureau of its prefecture.
#[utoipa::path(
    operation_id = "organisations_sanctions_list",
    tag = "organisations",
    params(("id" = String, Path, format = Uuid, description = ID)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SanctionList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/sanctions")]
pub async fn sanctions(
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = audit_log::caller(&principal);
    let rows = state
        .act(move |c| terms::sanctions(c, &caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(SanctionList {
        items: rows
            .into_iter()
            .map(|s| SanctionRecord {
                sanction_id: s.public_id,
                ground: s.ground,
                quarter: s.quarter.to_string(),
                decision: s.sanction,
                suspended_until: s.suspended_until,
                reason: s.reason,
                created_at: s.created_at.and_utc(),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceStopRequest {
    /// The service to stop. `seeker_info` stops `job_offers` too (the
    /// terms link them); `job_offers` leaves `seeker_info`.
    pub service: kyushoku_domain::Service,
    /// Why, for the bureau's record (1–1,000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Stop using a service (利用停止).
///
/// An administrator of the organisation, while it is approved for the
/// service. Stopping seeker information stops job offers too; stopping job
/// offers leaves seeker information. It takes effect on the organisation's
/// next request; to use a service again the organisation asks its bureau.
/// The usage reports for the quarters it used the service stay owed.
/// Honours `Idempotency-Key`.
#[utoipa::path(
    operation_id = "organisations_service_stops_create",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = ID),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely"),
    ),
    request_body = ServiceStopRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, body = super::organisations::Organisation),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "not an administrator of the organisation"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "not approved for this service"),
    )
)]
#[post("/{id}/service-stops")]
pub async fn stop_service(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<String>,
    body: crate::extract::Json<ServiceStopRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner()?;
    let key = idempotency::key_of(&req)?;
    stop(&state, &principal, id.into_inner(), request, key).await
}

fn render_organisation(row: &kyushoku_store::organisations::OrganisationRow) -> serde_json::Value {
    serde_json::to_value(super::organisations::Organisation::from(row.clone())).unwrap_or_default()
}

/// The organisation's own stop of a service, once per `key`, and the
/// refresh of what every instance knows of it (R8's cache): the staff
/// pages call it too.
pub async fn stop(
    state: &web::Data<AppState>,
    principal: &Principal,
    organisation: String,
    request: ServiceStopRequest,
    key: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let caller = audit_log::caller(principal);
    let raw =
        serde_json::to_vec(&serde_json::json!({"organisation": organisation, "request": request}))
            .unwrap_or_default();
    let cmd = terms::StopCommand {
        service: request.service,
        reason: request.reason,
    };
    let st = state.clone();
    idempotency::once_atomic(
        state,
        &principal.cursor_binding(),
        key,
        &raw,
        move |pledge| async move {
            let updated = st
                .act(move |c| {
                    let answer = pledge.as_ref().map(|pledge| Answer {
                        pledge,
                        status: 200,
                        render: &render_organisation,
                    });
                    terms::stop(c, &caller, &organisation, cmd, answer.as_ref())
                })
                .await?;
            auth::organisation_changed(&st, updated.id).await?;
            Ok((StatusCode::OK, render_organisation(&updated)))
        },
    )
    .await
}
