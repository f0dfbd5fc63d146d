//! `POST /v1/organisations`: an organisation applies to use the service.

use std::time::Duration;

use actix_web::{post, web, HttpRequest, HttpResponse};
use kyushoku_domain::credentials::{check_password_policy, hash_password};
use kyushoku_domain::organisation::valid_licence_number;
use kyushoku_domain::{MunicipalityCode, OrganisationKind, PrefectureCode};
use kyushoku_store::organisations::{self, NewOrganisation, NewUser};
use kyushoku_store::{audit, now, reference};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::Organisation;
use crate::auth::client_address;
use crate::problem::{from_validator, ApiError, FieldError, Problem, RateHeaders};
use crate::{audit_log, AppState};

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AdminAccount {
    #[validate(
        email(message = "not an e-mail address"),
        length(max = 254, message = "at most 254 characters")
    )]
    #[schema(example = "admin@agency.example.jp")]
    pub email: String,
    /// At least 12 characters, not a common password.
    pub password: String,
}

/// An application (DESIGN.md §4 "organisation apply").
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Application {
    #[validate(length(min = 1, max = 200, message = "1 to 200 characters"))]
    #[schema(example = "株式会社みらい人材")]
    pub name: String,
    /// `prefecture`, `municipality`, `national_agency`, `nurse_center`,
    /// `paid_agency`, `free_agency`, `school` or `special_corporation`.
    #[schema(example = "paid_agency")]
    pub kind: String,
    #[schema(example = "13")]
    pub prefecture: String,
    /// Required for municipalities (JIS X 0402).
    pub municipality: Option<String>,
    /// Required for paid (`NN-ユ-NNNNNN`) and free (`NN-ム-NNNNNN`) agencies.
    pub licence_number: Option<String>,
    /// `seeker_info` and/or `job_offers`.
    #[validate(length(min = 1, max = 2, message = "one or both of seeker_info, job_offers"))]
    pub services: Vec<String>,
    #[validate(nested)]
    pub admin: AdminAccount,
}

struct Checked {
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
    if let Err(e) = check_password_policy(&a.admin.password) {
        errors.push(FieldError::new("admin.password", e));
    }
    match (errors.is_empty(), kind, prefecture) {
        (true, Some(kind), Some(prefecture)) => Ok(Checked {
            kind,
            prefecture,
            municipality,
            seeker_info,
            job_offers,
        }),
        _ => Err(errors),
    }
}

/// Apply to use the service. Creates a `pending` organisation and its first
/// admin; the labour bureau of the prefecture decides.
#[utoipa::path(
    tag = "organisations",
    request_body = Application,
    responses(
        (status = 201, body = Organisation),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "the admin e-mail is taken"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("")]
pub async fn apply(
    req: HttpRequest,
    body: web::Json<Application>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let application = body.into_inner();
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
        return Err(ApiError::RateLimited(RateHeaders {
            limit: d.limit,
            remaining: d.remaining,
            reset_secs: d.reset_secs,
        }));
    }
    // The municipality must be in the current reference list.
    if let Some(m) = &checked.municipality {
        let pref = checked.prefecture.clone();
        let code = m.to_string();
        let known = state
            .db_run(move |c| {
                Ok(reference::list_municipalities(c, Some(&pref))?
                    .iter()
                    .any(|row| row.code == code))
            })
            .await?;
        if !known {
            return Err(ApiError::validation_one(
                "municipality",
                "not in the current list of municipalities",
            ));
        }
    }
    let password = application.admin.password.clone();
    let password_hash = web::block(move || hash_password(&password)).await?;
    let at = now();
    let org = NewOrganisation {
        public_id: uuid::Uuid::now_v7().to_string(),
        name: application.name.trim().to_owned(),
        kind: checked.kind.as_str().to_owned(),
        prefecture: checked.prefecture.to_string(),
        municipality: checked.municipality.map(|m| m.to_string()),
        licence_number: application.licence_number.clone(),
        requests_seeker_info: checked.seeker_info,
        requests_job_offers: checked.job_offers,
        status: "pending".to_owned(),
        created_at: at,
        updated_at: at,
    };
    let admin = NewUser {
        public_id: uuid::Uuid::now_v7().to_string(),
        email: application.admin.email.trim().to_lowercase(),
        password_hash,
        role: "admin".to_owned(),
    };
    let row = state
        .db_run(move |c| {
            c.write_transaction(|c| {
                let row = organisations::create_application(c, &org, &admin)?;
                let mut e = audit_log::event(None, "organisation_applied");
                e.organisation_id = Some(row.id);
                e.prefecture = Some(row.prefecture.clone());
                e.target = Some(row.public_id.clone());
                audit::record(c, &e)?;
                Ok(row)
            })
        })
        .await?;
    let location = format!("/v1/organisations/{}", row.public_id);
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .json(Organisation::from(row)))
}
