//! The organisation's quarterly usage reports (利用状況報告): every quarter
//! owed with where it stands, and one quarter's form: the figures (with
//! the hires reported one by one as a starting point), the training bodies
//! for a municipality, save and submit — the use cases of
//! `/v1/organisations/{id}/usage-reports…` (`kyushoku_service::terms`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::terms::{ReportStatus, Standing};
use kyushoku_service::terms::{self, QuarterReport, Referral, UsageCommand};
use serde::Deserialize;

use super::StaffSession;
use crate::pages::my_page::jst;
use crate::pages::page::{html, see_other, Chrome, PageError};
use crate::pages::terms::{report_status_label, standing_label};
use crate::problem::ApiError;
use crate::{audit_log, AppState};

/// Lines for training bodies on the form (empty ones are ignored).
const REFERRAL_LINES: usize = 5;

struct QuarterLine {
    quarter: String,
    period: String,
    due: String,
    standing: &'static str,
    overdue: bool,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "staff/usage_reports.html")]
struct ListPage {
    chrome: Chrome,
    current: &'static str,
    quarters: Vec<QuarterLine>,
}

fn period(q: &QuarterReport) -> String {
    format!("{} – {}", q.quarter.first_day(), q.quarter.last_day())
}

/// `GET /staff/usage-reports`: every quarter owed, newest first.
pub async fn list(s: StaffSession, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let caller = audit_log::caller(&s.principal);
    let id = s.member.organisation_public_id.clone();
    let today = today_in_japan();
    let all = state
        .act(move |c| terms::reports(c, &caller, &id, today))
        .await
        .map_err(PageError::of_staff(s.lang))?;
    let t = s.t().terms;
    Ok(html(
        StatusCode::OK,
        &ListPage {
            chrome: s.chrome("/staff/usage-reports"),
            current: "usage_reports",
            quarters: all
                .iter()
                .map(|q| QuarterLine {
                    quarter: q.quarter.to_string(),
                    period: period(q),
                    due: q.quarter.due_on().to_string(),
                    standing: standing_label(t, q.standing),
                    overdue: q.standing == Standing::Overdue,
                    status: report_status_label(t, q.report.as_ref().map(|r| r.status)),
                })
                .collect(),
        },
    ))
}

struct ReferralLine {
    n: usize,
    body: String,
    offers: String,
}

#[derive(Template)]
#[template(path = "staff/usage_report.html")]
struct ReportPage {
    chrome: Chrome,
    current: &'static str,
    quarter: String,
    period: String,
    due: String,
    standing: &'static str,
    status: &'static str,
    revision: i32,
    submitted: Option<String>,
    corrected: Option<String>,
    found_false: bool,
    reported: String,
    offers: String,
    seekers: String,
    municipal: bool,
    referrals: Vec<ReferralLine>,
    submitted_already: bool,
    may_submit: bool,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
}

/// What the form sent, shown again when refused.
#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    revision: String,
    #[serde(default)]
    hires_from_offers: String,
    #[serde(default)]
    hires_from_seekers: String,
    #[serde(default)]
    body_1: String,
    #[serde(default)]
    offers_1: String,
    #[serde(default)]
    body_2: String,
    #[serde(default)]
    offers_2: String,
    #[serde(default)]
    body_3: String,
    #[serde(default)]
    offers_3: String,
    #[serde(default)]
    body_4: String,
    #[serde(default)]
    offers_4: String,
    #[serde(default)]
    body_5: String,
    #[serde(default)]
    offers_5: String,
}

impl ReportForm {
    fn lines(&self) -> [(&str, &str); REFERRAL_LINES] {
        [
            (&self.body_1, &self.offers_1),
            (&self.body_2, &self.offers_2),
            (&self.body_3, &self.offers_3),
            (&self.body_4, &self.offers_4),
            (&self.body_5, &self.offers_5),
        ]
    }

    /// The command, or `None` when a number is not a number (the page
    /// says so as it says any other bad figure).
    fn command(&self) -> Option<UsageCommand> {
        let number = |s: &str| s.trim().parse::<i64>().ok();
        let mut referrals = Vec::new();
        for (body, offers) in self.lines() {
            if body.trim().is_empty() && offers.trim().is_empty() {
                continue;
            }
            referrals.push(Referral {
                training_body: body.to_owned(),
                offers: number(offers)?,
            });
        }
        Some(UsageCommand {
            hires_from_offers: number(&self.hires_from_offers)?,
            hires_from_seekers: number(&self.hires_from_seekers)?,
            referrals,
            revision: self.revision.trim().parse().ok(),
        })
    }
}

async fn report_page(
    s: &StaffSession,
    state: &AppState,
    quarter: String,
    code: StatusCode,
    asked: Option<ReportForm>,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let caller = audit_log::caller(&s.principal);
    let id = s.member.organisation_public_id.clone();
    let today = today_in_japan();
    let (q, municipal) = state
        .act(move |c| terms::report_form(c, &caller, &id, &quarter, today))
        .await
        .map_err(PageError::of_staff(s.lang))?;
    let t = s.t().terms;
    let r = q.report.as_ref();
    let (offers, seekers, mut referrals) = match &asked {
        Some(f) => (
            f.hires_from_offers.clone(),
            f.hires_from_seekers.clone(),
            f.lines()
                .iter()
                .map(|(b, o)| (b.to_string(), o.to_string()))
                .collect::<Vec<_>>(),
        ),
        None => (
            r.map_or(q.reported_hires.0, |r| i64::from(r.hires_from_offers))
                .to_string(),
            r.map_or(q.reported_hires.1, |r| i64::from(r.hires_from_seekers))
                .to_string(),
            q.referrals
                .iter()
                .map(|x| (x.training_body.clone(), x.offers.to_string()))
                .collect(),
        ),
    };
    referrals.resize(REFERRAL_LINES.max(referrals.len()), Default::default());
    let submitted_already = r.is_some_and(|r| r.status == ReportStatus::Submitted);
    Ok(html(
        code,
        &ReportPage {
            chrome: s.chrome(format!("/staff/usage-reports/{}", q.quarter)),
            current: "usage_reports",
            quarter: q.quarter.to_string(),
            period: period(&q),
            due: q.quarter.due_on().to_string(),
            standing: standing_label(t, q.standing),
            status: report_status_label(t, r.map(|r| r.status)),
            revision: r.map_or(0, |r| r.revision),
            submitted: r.and_then(|r| r.submitted_at).map(jst),
            corrected: r.and_then(|r| r.corrected_at).map(jst),
            found_false: r.is_some_and(|r| r.found_false_at.is_some()),
            reported: t
                .reported_hires
                .replace("{offers}", &q.reported_hires.0.to_string())
                .replace("{seekers}", &q.reported_hires.1.to_string()),
            offers,
            seekers,
            municipal,
            referrals: referrals
                .into_iter()
                .enumerate()
                .map(|(i, (body, offers))| ReferralLine {
                    n: i + 1,
                    body,
                    offers,
                })
                .collect(),
            may_submit: r.is_some_and(|r| r.status == ReportStatus::Draft)
                && q.standing != Standing::Running,
            submitted_already,
            notice,
            problem,
        },
    ))
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /staff/usage-reports/{quarter}`: one quarter's report and form.
pub async fn read(
    s: StaffSession,
    quarter: web::Path<String>,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let t = s.t().terms;
    let notice = match query.done.as_deref() {
        Some("saved") => Some(t.saved_notice),
        Some("submitted") => Some(t.submitted_notice),
        _ => None,
    };
    report_page(
        &s,
        &state,
        quarter.into_inner(),
        StatusCode::OK,
        None,
        notice,
        None,
    )
    .await
}

fn refused(
    t: &'static crate::pages::i18n::TermsText,
    e: &ApiError,
) -> Option<(StatusCode, &'static str)> {
    match e {
        ApiError::Validation(_) => Some((StatusCode::UNPROCESSABLE_ENTITY, t.figures_invalid)),
        ApiError::Conflict(_) => Some((StatusCode::CONFLICT, t.report_conflict)),
        ApiError::IllegalTransition(_) => Some((StatusCode::CONFLICT, t.report_locked)),
        ApiError::Forbidden(_) => Some((StatusCode::FORBIDDEN, t.admin_only)),
        _ => None,
    }
}

/// `POST /staff/usage-reports/{quarter}`: saves the figures (a draft, or
/// a correction once submitted).
pub async fn save(
    req: HttpRequest,
    s: StaffSession,
    quarter: web::Path<String>,
    form: web::Form<ReportForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let form = form.into_inner();
    let quarter = quarter.into_inner();
    let t = s.t().terms;
    let Some(cmd) = form.command() else {
        return report_page(
            &s,
            &state,
            quarter,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(form),
            None,
            Some(t.figures_invalid),
        )
        .await;
    };
    let caller = audit_log::caller(&s.principal);
    let id = s.member.organisation_public_id.clone();
    let q = quarter.clone();
    let today = today_in_japan();
    let saved = state
        .act(move |c| terms::save(c, &caller, &id, &q, cmd, today))
        .await;
    match saved {
        Ok(r) => Ok(see_other(format!(
            "/staff/usage-reports/{}?done=saved",
            r.quarter
        ))),
        Err(e) => match refused(t, &e) {
            Some((code, problem)) => {
                report_page(&s, &state, quarter, code, Some(form), None, Some(problem)).await
            }
            None => Err(PageError::of_staff(s.lang)(e)),
        },
    }
}

#[derive(Deserialize)]
pub struct SubmitForm {
    csrf: String,
}

/// `POST /staff/usage-reports/{quarter}/submission`: submits the saved
/// draft.
pub async fn submit(
    req: HttpRequest,
    s: StaffSession,
    quarter: web::Path<String>,
    form: web::Form<SubmitForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let quarter = quarter.into_inner();
    let caller = audit_log::caller(&s.principal);
    let id = s.member.organisation_public_id.clone();
    let q = quarter.clone();
    let today = today_in_japan();
    let t = s.t().terms;
    let submitted = state
        .act(move |c| terms::submit(c, &caller, &id, &q, today, None))
        .await;
    match submitted {
        Ok(r) => Ok(see_other(format!(
            "/staff/usage-reports/{}?done=submitted",
            r.quarter
        ))),
        Err(e) => match refused(t, &e) {
            Some((code, problem)) => {
                report_page(&s, &state, quarter, code, None, None, Some(problem)).await
            }
            None => Err(PageError::of_staff(s.lang)(e)),
        },
    }
}
