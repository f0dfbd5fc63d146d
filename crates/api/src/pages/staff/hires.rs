//! The organisation's hire reports (就職件数の報告): the list with the count
//! per fiscal quarter, and the form that reports a hire through an offer
//! (its job number) or a profile (this organisation's pseudonym) — the
//! API's `report_hire`, with its checks and idempotency.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::calendar::{fiscal_quarter, today_in_japan};
use kyushoku_domain::profile::EmploymentType;
use kyushoku_domain::JobNumber;
use kyushoku_service::hires;
use serde::Deserialize;

use super::StaffSession;
use crate::pages::form::Choice;
use crate::pages::my_page::jst;
use crate::pages::page::{html, see_other, Chrome, PageError};
use crate::pages::profile_view::employment;
use crate::problem::ApiError;
use crate::routes::hires::{report_hire, HireReport};
use crate::{audit_log, AppState};

struct HireLine {
    hired_on: String,
    through: String,
    employment: &'static str,
    reported: String,
}

#[derive(Template)]
#[template(path = "staff/hires.html")]
struct HiresPage {
    chrome: Chrome,
    current: &'static str,
    hires: Vec<HireLine>,
    quarters: Vec<(String, usize)>,
    employment_types: Vec<Choice>,
    today: String,
    form: HireForm,
    problem: Option<&'static str>,
    notice: Option<&'static str>,
    form_key: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct HireForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    through: String,
    #[serde(default)]
    job_number: String,
    #[serde(default)]
    profile_id: String,
    #[serde(default)]
    hired_on: String,
    #[serde(default)]
    employment_type: String,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn hires_page(
    s: &StaffSession,
    state: &AppState,
    status: StatusCode,
    form: HireForm,
    problem: Option<&'static str>,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let caller = audit_log::caller(&s.principal);
    let id = s.member.organisation_public_id.clone();
    let rows = state
        .act(move |c| hires::list(c, &caller, &id))
        .await
        .map_err(PageError::of_staff(s.lang))?;
    let ja = s.lang == crate::pages::i18n::Lang::Ja;
    let t = s.s();
    let mut quarters: BTreeMap<(i32, u32), usize> = BTreeMap::new();
    for h in &rows {
        *quarters.entry(fiscal_quarter(h.hired_on)).or_default() += 1;
    }
    let quarters = quarters
        .into_iter()
        .rev()
        .map(|((y, q), n)| {
            let label = if ja {
                format!("{y}年度 第{q}四半期")
            } else {
                format!("FY{y} Q{q}")
            };
            (label, n)
        })
        .collect();
    let hires = rows
        .into_iter()
        .map(|h| HireLine {
            hired_on: h.hired_on.to_string(),
            through: h
                .job_number
                .map(|n| format!("{} {n}", s.t().job_number))
                .unwrap_or_else(|| t.through_profile.to_owned()),
            employment: employment(ja, h.employment_type),
            reported: jst(h.reported_at),
        })
        .collect();
    let chosen = form.employment_type.clone();
    Ok(html(
        status,
        &HiresPage {
            chrome: s.chrome("/staff/hires"),
            current: "hires",
            hires,
            quarters,
            employment_types: EmploymentType::ALL
                .iter()
                .map(|e| Choice {
                    value: e.as_str().to_owned(),
                    label: employment(ja, *e).to_owned(),
                    selected: chosen == e.as_str(),
                })
                .collect(),
            today: today_in_japan().to_string(),
            form,
            problem,
            notice,
            form_key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}

/// `GET /staff/hires`.
pub async fn list(
    s: StaffSession,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.principal
        .require_approved_member()
        .map_err(PageError::of_staff(s.lang))?;
    let notice = (query.done.as_deref() == Some("reported")).then_some(s.s().hire_reported);
    hires_page(
        &s,
        &state,
        StatusCode::OK,
        HireForm::default(),
        None,
        notice,
    )
    .await
}

/// `POST /staff/hires`: reports a hire.
pub async fn report(
    req: HttpRequest,
    s: StaffSession,
    form: web::Form<HireForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let form = form.into_inner();
    let key = uuid::Uuid::parse_str(&form.key)
        .map_err(|_| PageError::form_expired(s.lang).staff())?
        .to_string();
    let t = s.s();
    let hired_on = chrono::NaiveDate::parse_from_str(form.hired_on.trim(), "%Y-%m-%d").ok();
    let employment_type = EmploymentType::parse(&form.employment_type);
    let (job_number, profile_id) = match form.through.as_str() {
        "offer" => (JobNumber::parse(form.job_number.trim()).ok(), None),
        _ => (None, Some(form.profile_id.trim().to_owned())),
    };
    let (Some(hired_on), Some(employment_type)) = (hired_on, employment_type) else {
        return hires_page(
            &s,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            Some(t.hire_invalid),
            None,
        )
        .await;
    };
    if job_number.is_none() && profile_id.as_deref().is_none_or(str::is_empty) {
        return hires_page(
            &s,
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            form,
            Some(t.hire_invalid),
            None,
        )
        .await;
    }
    let report = HireReport {
        job_number,
        profile_id,
        hired_on,
        employment_type,
    };
    match report_hire(&state, &s.principal, report, Some(key)).await {
        Ok(_) => Ok(see_other("/staff/hires?done=reported")),
        Err(ApiError::Validation(_)) | Err(ApiError::NotFound) => {
            hires_page(
                &s,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                form,
                Some(t.hire_invalid),
                None,
            )
            .await
        }
        Err(e) => Err(PageError::of_staff(s.lang)(e)),
    }
}
