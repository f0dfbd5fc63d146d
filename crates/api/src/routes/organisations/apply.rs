//! `POST /v1/organisations`: an organisation applies to use the service.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use kyushoku_domain::credentials::{check_password_policy, hash_password};
use kyushoku_domain::organisation::{
    co_applicant_problems, eligibility_problems, valid_licence_number, CoApplicant,
    CoApplicantRole, PlacementMode,
};
use kyushoku_domain::{MunicipalityCode, OrganisationKind, PrefectureCode, Service};
use kyushoku_service::reference;
use kyushoku_service::{accounts, Caller};
use kyushoku_store::now;
use kyushoku_store::organisations::{NewOrganisation, NewUser, OrganisationRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::Organisation;
use crate::auth::client_address;
use crate::problem::{current_request_id, from_validator, ApiError, FieldError, Problem};
use crate::{idempotency, AppState};

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AdminAccount {
    #[validate(
        email(message = "not an e-mail address"),
        length(max = 254, message = "at most 254 characters")
    )]
    #[schema(example = "admin@agency.example.jp", max_length = 254)]
    pub email: String,
    /// 12 to 128 characters, not a common password.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

/// An application to use the service.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Application {
    #[validate(length(min = 1, max = 200, message = "1 to 200 characters"))]
    #[schema(
        example = "株式会社みらい人材",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub name: String,
    #[schema(example = "paid_agency", value_type = OrganisationKind)]
    pub kind: String,
    #[schema(example = "13", value_type = PrefectureCode)]
    pub prefecture: String,
    /// Required for municipalities (JIS X 0402), in the given prefecture.
    #[schema(value_type = Option<MunicipalityCode>)]
    pub municipality: Option<String>,
    /// Required for paid (`NN-ユ-NNNNNN`) and free (`NN-ム-NNNNNN`) agencies,
    /// where NN is a prefecture code.
    #[schema(pattern = "^(0[1-9]|[1-3][0-9]|4[0-7])-[ユム]-[0-9]{6}$")]
    pub licence_number: Option<String>,
    /// Municipalities and prefectures only, and required of them: whether
    /// they run free placement themselves (職業安定法 33条の4,
    /// `self_run`), contract it out (`contracted`), or do not place and
    /// want to tell seekers about their employment support
    /// (`support_only`: seeker information only, no job offers).
    pub placement: Option<PlacementMode>,
    /// Required of every applicant that places (all but `support_only`):
    /// its regular placements (常用就職: no fixed term or a term of four
    /// months or more, seasonal work excluded) in the 3 months before
    /// applying, at least 1. The bureau sees it beside the application.
    #[schema(minimum = 0, maximum = 1000000)]
    pub regular_placements: Option<i64>,
    /// A joint application's co-applicants (連名申請): a municipality or
    /// prefecture that contracts placement out names its contractor (with
    /// its licence number), a representative department the departments
    /// sharing its notification number. At most 20; the bureau decides on
    /// them all together.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub co_applicants: Vec<CoApplicantRequest>,
    /// `seeker_info` and/or `job_offers`, each once.
    #[validate(length(min = 1, max = 2, message = "one or both of seeker_info, job_offers"))]
    #[schema(value_type = Vec<Service>, min_items = 1, max_items = 2)]
    pub services: Vec<String>,
    #[validate(nested)]
    pub admin: AdminAccount,
}

/// A co-applicant of a joint application.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoApplicantRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub role: CoApplicantRole,
    /// A contractor's licence number (`NN-ユ-NNNNNN` or `NN-ム-NNNNNN`);
    /// none for a department.
    pub licence_number: Option<String>,
}

struct Checked {
    co_applicants: Vec<CoApplicant>,
    kind: OrganisationKind,
    prefecture: PrefectureCode,
    municipality: Option<MunicipalityCode>,
    seeker_info: bool,
    job_offers: bool,
}

fn check(a: &Application) -> Result<Checked, Vec<FieldError>> {
    let mut errors = match a.validate() {
        Ok(()) => Vec::new(),
        Err(e) => from_validator(&e),
    };
    if !crate::problem::is_plain(&a.name) {
        errors.push(FieldError::new(
            "name",
            "control characters are not allowed",
        ));
    }
    if !crate::problem::is_plain(&a.admin.email) {
        errors.push(FieldError::new(
            "admin.email",
            "control characters are not allowed",
        ));
    }
    let kind = OrganisationKind::parse(&a.kind);
    if kind.is_none() {
        errors.push(FieldError::new(
            "kind",
            "not a kind of organisation this service knows",
        ));
    }
    let prefecture = PrefectureCode::parse(&a.prefecture)
        .map_err(|e| errors.push(FieldError::new("prefecture", e)))
        .ok();
    let municipality = match (&a.municipality, kind) {
        (Some(m), _) => match MunicipalityCode::parse(m) {
            Ok(code) if code.is_prefecture_itself() => {
                errors.push(FieldError::new(
                    "municipality",
                    "this is a prefecture's code",
                ));
                None
            }
            Ok(code) if prefecture.as_ref().is_some_and(|p| *p != code.prefecture()) => {
                errors.push(FieldError::new(
                    "municipality",
                    "not in the given prefecture",
                ));
                None
            }
            Ok(code) => Some(code),
            Err(e) => {
                errors.push(FieldError::new("municipality", e));
                None
            }
        },
        (None, Some(OrganisationKind::Municipality)) => {
            errors.push(FieldError::new(
                "municipality",
                "required for a municipality",
            ));
            None
        }
        (None, _) => None,
    };
    if let Some(k) = kind {
        match (&a.licence_number, k.licence_mark()) {
            (Some(l), Some(_)) if !valid_licence_number(k, l) => errors.push(FieldError::new(
                "licence_number",
                format!(
                    "a {} licence is written NN-{}-NNNNNN",
                    k.as_str(),
                    k.licence_mark().unwrap_or('?')
                ),
            )),
            (None, Some(_)) => errors.push(FieldError::new(
                "licence_number",
                "required for placement agencies",
            )),
            (Some(_), None) => errors.push(FieldError::new(
                "licence_number",
                "only placement agencies have one",
            )),
            _ => {}
        }
    }
    let mut seeker_info = false;
    let mut job_offers = false;
    for (i, s) in a.services.iter().enumerate() {
        match s.as_str() {
            "seeker_info" if !seeker_info => seeker_info = true,
            "job_offers" if !job_offers => job_offers = true,
            _ => errors.push(FieldError::new(
                format!("services[{i}]"),
                "seeker_info or job_offers, each once",
            )),
        }
    }
    let co_applicants: Vec<CoApplicant> = a
        .co_applicants
        .iter()
        .map(|c| CoApplicant {
            name: c.name.clone(),
            role: c.role,
            licence_number: c.licence_number.clone(),
        })
        .collect();
    if let Some(k) = kind {
        for (field, rule) in eligibility_problems(k, a.placement, a.regular_placements, job_offers)
        {
            errors.push(FieldError::new(field, rule));
        }
        for (field, rule) in co_applicant_problems(k, a.placement, &co_applicants) {
            errors.push(FieldError::new(field, rule));
        }
    }
    if let Err(e) = check_password_policy(&a.admin.password) {
        errors.push(FieldError::new("admin.password", e));
    }
    match (errors.is_empty(), kind, prefecture) {
        (true, Some(kind), Some(prefecture)) => Ok(Checked {
            co_applicants,
            kind,
            prefecture,
            municipality,
            seeker_info,
            job_offers,
        }),
        _ => Err(errors),
    }
}

/// Apply to use the service.
///
/// Creates a `pending` organisation and its first admin; the labour bureau of
/// the prefecture decides. One application per licence number while one is
/// pending or approved (its branches share it): another is 409. The admin address is sent a receipt. An address
/// that already has an account gets the same answer and creates nothing (no
/// account enumeration): its owner is told by mail instead, and the attempt
/// is recorded for the account's organisation and its bureau.
#[utoipa::path(
    operation_id = "organisations_apply",
    tag = "organisations",
    params(("Idempotency-Key" = Option<String>, Header, description = "retry safely")),
    request_body = Application,
    responses(
        (status = 201, body = Organisation),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "an application under this licence number is pending or approved"),
    )
)]
#[post("")]
pub async fn apply(
    req: HttpRequest,
    body: crate::extract::Json<Application>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let application = body.into_inner()?;
    let checked = check(&application).map_err(ApiError::Validation)?;
    let (d, _) = state
        .cluster
        .hit(
            &format!("apply:{}", client_address(&req)),
            state.config.applications_per_hour,
            Duration::from_secs(3600),
        )
        .await;
    if !d.allowed {
        return Err(ApiError::RateLimited(d.into()));
    }
    // The municipality must be in the current reference list.
    if let Some(m) = checked.municipality.clone() {
        state
            .act(move |c| reference::current_municipality(c, &m, "municipality"))
            .await?;
    }
    let key = idempotency::key_of(&req)?;
    let who = format!("anon:{}", client_address(&req));
    let raw = serde_json::to_vec(&serde_json::json!({
        "name": application.name, "kind": application.kind, "prefecture": application.prefecture,
        "municipality": application.municipality, "licence_number": application.licence_number,
        "services": application.services, "email": application.admin.email,
        "placement": application.placement, "regular_placements": application.regular_placements,
        "co_applicants": application.co_applicants,
        "password": crate::auth::secrets::digest(&application.admin.password),
    }))
    .unwrap_or_default();
    let password = application.admin.password.clone();
    let password_hash = web::block(move || hash_password(&password)).await?;
    let at = now();
    let org = NewOrganisation {
        public_id: uuid::Uuid::now_v7().to_string(),
        name: application.name.trim().to_owned(),
        kind: checked.kind,
        prefecture: checked.prefecture.clone(),
        municipality: checked.municipality.clone(),
        licence_number: application.licence_number.clone(),
        requests_seeker_info: checked.seeker_info,
        requests_job_offers: checked.job_offers,
        status: kyushoku_domain::OrganisationStatus::Pending,
        created_at: at,
        updated_at: at,
        eligibility: kyushoku_store::organisations::Eligibility {
            placement: application.placement,
            regular_placements: application.regular_placements.map(|n| n as i32),
        },
        co_applicants: checked
            .co_applicants
            .iter()
            .map(|c| (uuid::Uuid::now_v7().to_string(), c.clone()))
            .collect(),
    };
    let admin = NewUser {
        public_id: uuid::Uuid::now_v7().to_string(),
        email: application.admin.email.trim().to_lowercase(),
        password_hash,
        role: kyushoku_domain::StaffRole::Admin,
        co_applicant: None,
    };
    let location = format!("/v1/organisations/{}", org.public_id);
    let caller = Caller::anonymous(current_request_id());
    let st = state.clone();
    let answered = idempotency::once_atomic(&state, &who, key, &raw, move |pledge| async move {
        // What the applicant sees either way: the application as filed.
        let mut filed = Organisation::from(as_filed(&org));
        filed.eligibility = Some(org.eligibility.clone().into());
        filed.co_applicants = Some(
            org.co_applicants
                .iter()
                .map(|(id, c)| super::CoApplicantView {
                    co_applicant_id: id.clone(),
                    name: c.name.trim().to_owned(),
                    role: c.role,
                    licence_number: c.licence_number.clone(),
                })
                .collect(),
        );
        let answer = serde_json::to_value(filed).expect("plain data serialises");
        let kept = answer.clone();
        st.act(move |c| accounts::apply(c, &caller, &org, &admin, &kept, pledge.as_ref()))
            .await?;
        st.outbox.wake();
        Ok((StatusCode::CREATED, answer))
    })
    .await?;
    let mut response = answered;
    if response.status() == StatusCode::CREATED
        && !response.headers().contains_key("idempotent-replayed")
    {
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&location) {
            response
                .headers_mut()
                .insert(actix_web::http::header::LOCATION, v);
        }
    }
    Ok(response)
}

/// The row an application makes, as it is filed (before any decision).
fn as_filed(org: &NewOrganisation) -> OrganisationRow {
    OrganisationRow {
        id: kyushoku_store::OrganisationId::from_row(0),
        public_id: org.public_id.clone(),
        name: org.name.clone(),
        kind: org.kind,
        prefecture: org.prefecture.clone(),
        municipality: org.municipality.clone(),
        licence_number: org.licence_number.clone(),
        requests_seeker_info: org.requests_seeker_info,
        requests_job_offers: org.requests_job_offers,
        seeker_info: false,
        job_offers: false,
        sector: None,
        status: org.status,
        epoch: 0,
        created_at: org.created_at,
        updated_at: org.updated_at,
    }
}
