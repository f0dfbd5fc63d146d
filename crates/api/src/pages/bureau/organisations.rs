//! The bureau's organisations: the list (its prefecture's, by status:
//! the applications first), one organisation with its history (its
//! application and every decision, with reasons), and a decision with its
//! reason (R8: `kyushoku_service::organisations::decide`, the API's use
//! case; suspension and revocation end the organisation's sessions and
//! tokens at once).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::organisation::{CoApplicantRole, PlacementMode};
use kyushoku_domain::terms::{SanctionGround, Standing};
use kyushoku_domain::{AuditAction, Decision, OrganisationStatus, Service};
use kyushoku_service::bureau::{self as reads, IdPage, OrganisationFile, TermsFile};
use kyushoku_service::organisations::{self, DecisionCommand};
use kyushoku_service::renewals::Approval;
use kyushoku_store::organisations::OrganisationRow;
use serde::Deserialize;

use super::BureauSession;
use crate::pages::i18n::{BureauText, TermsText, Text};
use crate::pages::my_page::{jst, kind_label};
use crate::pages::page::{html, see_other, Chrome, PageError};
use crate::pages::places;
use crate::pages::staff::status_label;
use crate::pages::terms::{
    approval_standing_label, change_summary, report_status_label, request_label, standing_label,
};
use crate::problem::ApiError;
use crate::{audit_log, auth, AppState};
use kyushoku_domain::organisation::{RequestStatus, Verdict};

/// Organisations on one page of the list.
const SHOWN: i64 = 50;

struct Line {
    id: String,
    name: String,
    kind: &'static str,
    place: String,
    status: &'static str,
    applied: String,
}

fn line(t: &'static Text, o: OrganisationRow) -> Line {
    Line {
        kind: kind_label(t, o.kind),
        place: places::name(&o.prefecture, o.municipality.as_ref()),
        status: status_label(t.staff, o.status),
        applied: jst(o.created_at),
        id: o.public_id,
        name: o.name,
    }
}

struct StatusTab {
    value: &'static str,
    label: &'static str,
    current: bool,
}

#[derive(Template)]
#[template(path = "bureau/organisations.html")]
struct ListPage {
    chrome: Chrome,
    current: &'static str,
    tabs: Vec<StatusTab>,
    organisations: Vec<Line>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    /// The last organisation of the page before (its public id).
    after: Option<String>,
}

/// `GET /bureau/organisations?status=pending`: the bureau's prefecture's
/// organisations of one status (applications first), in the order they
/// applied.
pub async fn list(
    b: BureauSession,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of_bureau(b.lang);
    let status = match query.status.as_deref() {
        None | Some("") => OrganisationStatus::Pending,
        Some(s) => OrganisationStatus::parse(s).ok_or(PageError::not_found(b.lang).bureau())?,
    };
    let after = query.after.clone();
    let prefecture = b.prefecture.clone();
    let caller = audit_log::caller(&b.principal);
    let mut rows = state
        .act(move |c| {
            let from = match after.as_deref() {
                Some(public) => Some(organisations::visible(c, &caller, public)?.id),
                None => None,
            };
            reads::organisations(
                c,
                Some(status),
                None,
                Some(prefecture),
                IdPage { from, limit: SHOWN },
            )
        })
        .await
        .map_err(&fail)?;
    let next = (rows.len() > SHOWN as usize).then(|| {
        rows.truncate(SHOWN as usize);
        format!(
            "/bureau/organisations?status={}&after={}",
            status.as_str(),
            rows.last().map(|o| o.public_id.as_str()).unwrap_or("")
        )
    });
    let t = b.lang.text();
    let tabs = [
        OrganisationStatus::Pending,
        OrganisationStatus::Approved,
        OrganisationStatus::Suspended,
        OrganisationStatus::Rejected,
        OrganisationStatus::Revoked,
        OrganisationStatus::Lapsed,
    ]
    .into_iter()
    .map(|s| StatusTab {
        value: s.as_str(),
        label: status_label(t.staff, s),
        current: s == status,
    })
    .collect();
    Ok(html(
        StatusCode::OK,
        &ListPage {
            chrome: b.chrome(format!("/bureau/organisations?status={}", status.as_str())),
            current: "organisations",
            tabs,
            organisations: rows.into_iter().map(|o| line(t, o)).collect(),
            next,
        },
    ))
}

pub(super) fn decision_label(b: &'static BureauText, d: Decision) -> &'static str {
    match d {
        Decision::Approve => b.approve,
        Decision::Reject => b.reject,
        Decision::Suspend => b.suspend,
        Decision::Reinstate => b.reinstate,
        Decision::Revoke => b.revoke,
    }
}

/// One entry of an organisation's history.
struct Entry {
    at: String,
    what: String,
    reason: Option<String>,
}

struct Choice {
    value: &'static str,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "bureau/organisation.html")]
struct OrganisationPage {
    chrome: Chrome,
    current: &'static str,
    id: String,
    name: String,
    kind: &'static str,
    place: String,
    licence: Option<String>,
    status: &'static str,
    requested: Vec<&'static str>,
    granted: Vec<&'static str>,
    history: Vec<Entry>,
    own: bool,
    decisions: Vec<Choice>,
    problem: Option<String>,
    reason: String,
    notice: Option<&'static str>,
    /// Its usage reports and sanctions (the bureau of its prefecture).
    terms: Option<TermsView>,
    /// What its application stated of its eligibility.
    stated: Vec<String>,
    /// Its joint application's co-applicants.
    co_applicants: Vec<String>,
    /// Its approval's period, once approved.
    approval: Option<String>,
}

/// A quarter's report on the organisation's page.
struct QuarterLine {
    quarter: String,
    due: String,
    standing: &'static str,
    status: &'static str,
    submitted: String,
    found_false: bool,
    /// A sanction may name it: overdue, or submitted (a false report).
    sanctionable: bool,
}

struct SanctionLine {
    at: String,
    quarter: String,
    ground: &'static str,
    decision: &'static str,
    until: Option<String>,
    reason: String,
}

/// The terms of use on the organisation's page: its reports, its
/// sanctions, and the sanction form's state.
struct TermsView {
    quarters: Vec<QuarterLine>,
    sanctions: Vec<SanctionLine>,
    /// The form is offered while the organisation is approved or suspended.
    may_sanction: bool,
    problem: Option<String>,
    reason: String,
    /// Its change requests, newest first, the pending one with a form.
    requests: Vec<RequestLine>,
    change_problem: Option<String>,
    /// Its renewals, newest first, the pending one with a form.
    renewals: Vec<RenewalLine>,
    renewal_problem: Option<String>,
}

/// A renewal on the organisation's page.
struct RenewalLine {
    id: String,
    status: &'static str,
    ends_on: String,
    renewed_until: Option<String>,
    reason: String,
    pending: bool,
}

/// Which of the organisation page's forms of the terms was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermsForm {
    Sanction,
    Change,
    Renewal,
}

/// What one of those forms asked, and why it was refused.
pub struct Refused {
    pub form: TermsForm,
    pub problem: String,
    pub reason: String,
}

/// A change request on the organisation's page.
struct RequestLine {
    id: String,
    summary: String,
    status: &'static str,
    reason: String,
    pending: bool,
}

fn terms_view(
    b: &BureauSession,
    org: &OrganisationRow,
    file: TermsFile,
    refused: Option<Refused>,
) -> TermsView {
    let t = b.lang.text().terms;
    let TermsFile {
        record,
        changes,
        renewals,
    } = file;
    let problem_of = |form: TermsForm| {
        refused
            .as_ref()
            .filter(|r| r.form == form)
            .map(|r| r.problem.clone())
    };
    let (change_problem, renewal_problem) = (
        problem_of(TermsForm::Change),
        problem_of(TermsForm::Renewal),
    );
    let asked = refused.filter(|r| r.form == TermsForm::Sanction);
    let renewals = renewals
        .into_iter()
        .map(|r| RenewalLine {
            status: request_label(t, r.status),
            ends_on: r.ends_on.to_string(),
            renewed_until: r.renewed_until.map(|d| d.to_string()),
            pending: r.status == RequestStatus::Pending,
            reason: r.reason.unwrap_or_default(),
            id: r.public_id,
        })
        .collect();
    let requests = changes
        .into_iter()
        .map(|r| RequestLine {
            summary: change_summary(b.lang.text(), &r.changes),
            status: request_label(t, r.status),
            pending: r.status == RequestStatus::Pending,
            reason: r.reason.unwrap_or_default(),
            id: r.public_id,
        })
        .collect();
    let bt = b.b();
    TermsView {
        quarters: record
            .reports
            .into_iter()
            .map(|q| QuarterLine {
                quarter: q.quarter.to_string(),
                due: q.quarter.due_on().to_string(),
                standing: standing_label(t, q.standing),
                status: report_status_label(t, q.report.as_ref().map(|r| r.status)),
                submitted: q
                    .report
                    .as_ref()
                    .and_then(|r| r.submitted_at)
                    .map(jst)
                    .unwrap_or_default(),
                found_false: q
                    .report
                    .as_ref()
                    .is_some_and(|r| r.found_false_at.is_some()),
                sanctionable: matches!(q.standing, Standing::Overdue | Standing::Submitted),
            })
            .collect(),
        sanctions: record
            .sanctions
            .into_iter()
            .map(|s| SanctionLine {
                at: jst(s.created_at),
                quarter: s.quarter.to_string(),
                ground: match s.ground {
                    SanctionGround::OverdueReport => t.ground_overdue,
                    SanctionGround::FalseReport => t.ground_false,
                },
                decision: decision_label(bt, s.sanction),
                until: s.suspended_until.map(|d| d.to_string()),
                reason: s.reason,
            })
            .collect(),
        may_sanction: matches!(
            org.status,
            OrganisationStatus::Approved | OrganisationStatus::Suspended
        ),
        problem: asked.as_ref().map(|a| a.problem.clone()),
        reason: asked.map(|a| a.reason).unwrap_or_default(),
        requests,
        change_problem,
        renewals,
        renewal_problem,
    }
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn organisation_page(
    b: &BureauSession,
    state: &AppState,
    id: String,
    status: StatusCode,
    problem: Option<String>,
    reason: String,
    notice: Option<&'static str>,
    refused: Option<Refused>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of_bureau(b.lang);
    let caller = audit_log::caller(&b.principal);
    let prefecture = b.prefecture.clone();
    let today = today_in_japan();
    let OrganisationFile {
        organisation: org,
        history: events,
        record: application,
        terms,
    } = state
        .act(move |c| reads::organisation_file(c, &caller, &prefecture, &id, today))
        .await
        .map_err(&fail)?;
    let terms = terms.map(|file| terms_view(b, &org, file, refused));
    let tt = b.lang.text().terms;
    let approval = application.approval.map(|a| approval_line(tt, a));
    let eligibility = application.eligibility;
    let co_applicants: Vec<String> = application
        .co_applicants
        .into_iter()
        .map(|c| {
            let role = match c.role {
                CoApplicantRole::Contractor => tt.role_contractor,
                CoApplicantRole::Department => tt.role_department,
            };
            match c.licence_number {
                Some(l) => format!("{}（{role}、{l}）", c.name),
                None => format!("{}（{role}）", c.name),
            }
        })
        .collect();
    let mut stated = Vec::new();
    if let Some(p) = eligibility.placement {
        stated.push(
            match p {
                PlacementMode::SelfRun => tt.placement_self_run,
                PlacementMode::Contracted => tt.placement_contracted,
                PlacementMode::SupportOnly => tt.placement_support_only,
            }
            .to_owned(),
        );
    }
    if let Some(n) = eligibility.regular_placements {
        stated.push(tt.regular_placements.replace("{n}", &n.to_string()));
    }
    if stated.is_empty() {
        stated.push(tt.not_stated.to_owned());
    }
    let t = b.lang.text();
    let bt = b.b();
    let history = events
        .into_iter()
        .map(|e| {
            let detail: serde_json::Value = e
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or_default();
            let what = match e.action {
                AuditAction::OrganisationApplied => bt.applied.to_owned(),
                AuditAction::ApprovalLapsed => tt.lapsed.to_owned(),
                AuditAction::RenewalDecided => match detail["decision"].as_str() {
                    Some("approve") => tt.renewal_approved.to_owned(),
                    _ => tt.renewal_rejected.to_owned(),
                },
                _ => detail["decision"]
                    .as_str()
                    .and_then(Decision::parse)
                    .map(|d| decision_label(bt, d).to_owned())
                    .unwrap_or_else(|| bt.decided.to_owned()),
            };
            Entry {
                at: jst(e.at),
                what,
                reason: detail["reason"].as_str().map(str::to_owned),
            }
        })
        .collect();
    let services = |seeker_info: bool, job_offers: bool| {
        let mut v = Vec::new();
        if seeker_info {
            v.push(t.staff.service_seeker_info);
        }
        if job_offers {
            v.push(t.staff.service_job_offers);
        }
        v
    };
    let decisions = Decision::ALL
        .into_iter()
        .filter(|d| org.status.after(*d).is_some())
        .map(|d| Choice {
            value: d.as_str(),
            label: decision_label(bt, d),
        })
        .collect();
    let here = format!("/bureau/organisations/{}", org.public_id);
    Ok(html(
        status,
        &OrganisationPage {
            chrome: b.chrome(here),
            current: "organisations",
            kind: kind_label(t, org.kind),
            place: places::name(&org.prefecture, org.municipality.as_ref()),
            status: status_label(t.staff, org.status),
            requested: services(org.requests_seeker_info, org.requests_job_offers),
            granted: services(org.seeker_info, org.job_offers),
            own: org.prefecture == b.prefecture,
            licence: org.licence_number,
            id: org.public_id,
            name: org.name,
            history,
            decisions,
            problem,
            reason,
            notice,
            terms,
            stated,
            co_applicants,
            approval,
        },
    ))
}

/// The approval's period in one line: from, through, and where it stands.
fn approval_line(tt: &'static TermsText, a: Approval) -> String {
    let until = a.approved_until.map(|d| d.to_string()).unwrap_or_default();
    let standing = a.standing.map(|s| approval_standing_label(tt, s));
    match standing {
        Some(s) => format!("{} 〜 {until}（{s}）", a.approved_on),
        None => format!("{} 〜 {until}", a.approved_on),
    }
}

/// `GET /bureau/organisations/{id}`: one organisation, its history and,
/// for one of the bureau's prefecture, the decisions its status allows.
pub async fn read(
    b: BureauSession,
    id: web::Path<String>,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let notice = match query.done.as_deref() {
        Some("decided") => Some(b.b().decided_notice),
        Some("sanctioned") => Some(b.lang.text().terms.sanction_notice),
        Some("change_decided") => Some(b.lang.text().terms.change_decided),
        Some("renewal_decided") => Some(b.lang.text().terms.renewal_decided),
        _ => None,
    };
    organisation_page(
        &b,
        &state,
        id.into_inner(),
        StatusCode::OK,
        None,
        String::new(),
        notice,
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: String,
    decision: String,
    reason: String,
    /// On approval: the services granted (checkboxes; none ticked grants
    /// those requested).
    #[serde(default)]
    seeker_info: Option<String>,
    #[serde(default)]
    job_offers: Option<String>,
}

/// `POST /bureau/organisations/{id}/decisions`: a decision with its reason.
pub async fn decide(
    req: HttpRequest,
    b: BureauSession,
    id: web::Path<String>,
    form: web::Form<DecisionForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    b.check_form(&req, &form.csrf)?;
    let DecisionForm {
        decision,
        reason,
        seeker_info,
        job_offers,
        ..
    } = form.into_inner();
    let id = id.into_inner();
    let mut services = Vec::new();
    if seeker_info.is_some() {
        services.push(Service::SeekerInfo);
    }
    if job_offers.is_some() {
        services.push(Service::JobOffers);
    }
    let cmd = DecisionCommand {
        decision,
        reason: reason.clone(),
        services: (!services.is_empty()).then_some(services),
        sector: None,
    };
    let caller = audit_log::caller(&b.principal);
    let prefecture = b.prefecture.clone();
    let target = id.clone();
    let decided = state
        .act(move |c| organisations::decide(c, &caller, &prefecture, &target, cmd))
        .await;
    state.webhooks.wake();
    let bt = b.b();
    let problem = match decided {
        Ok(updated) => {
            auth::organisation_changed(&state, updated.id)
                .await
                .map_err(PageError::of_bureau(b.lang))?;
            return Ok(see_other(format!(
                "/bureau/organisations/{id}?done=decided"
            )));
        }
        Err(ApiError::Validation(errors)) => errors
            .iter()
            .map(|e| match e.field.as_str() {
                "reason" => bt.reason_invalid,
                "decision" => bt.decision_invalid,
                _ => bt.services_invalid,
            })
            .collect::<Vec<_>>()
            .join(" "),
        Err(ApiError::IllegalTransition(_)) => bt.decision_not_allowed.to_owned(),
        Err(ApiError::Forbidden(_)) => bt.not_your_prefecture.to_owned(),
        Err(e) => return Err(PageError::of_bureau(b.lang)(e)),
    };
    organisation_page(
        &b,
        &state,
        id,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some(problem),
        reason,
        None,
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct RequestDecisionForm {
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /bureau/organisations/{id}/change-requests/{request_id}`: the
/// bureau approves (and applies) or rejects a change request, with a
/// reason (`kyushoku_service::changes::decide`, as the API).
pub async fn decide_change(
    req: HttpRequest,
    b: BureauSession,
    path: web::Path<(String, String)>,
    form: web::Form<RequestDecisionForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let (id, request) = path.into_inner();
    let (verdict, reason) = request_decision(&req, &b, form.into_inner())?;
    let caller = audit_log::caller(&b.principal);
    let prefecture = b.prefecture.clone();
    let (target, why) = (id.clone(), reason.clone());
    let decided = state
        .act(move |c| {
            kyushoku_service::changes::decide(
                c,
                &caller,
                &prefecture,
                &target,
                &request,
                verdict,
                &why,
            )
        })
        .await
        .map(|(_, org)| org);
    request_decided(&b, &state, id, decided, TermsForm::Change, reason).await
}

/// `POST /bureau/organisations/{id}/renewals/{renewal_id}`: the bureau
/// approves or rejects a renewal of the approval, with a reason
/// (`kyushoku_service::renewals::decide`, as the API).
pub async fn decide_renewal(
    req: HttpRequest,
    b: BureauSession,
    path: web::Path<(String, String)>,
    form: web::Form<RequestDecisionForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let (id, renewal) = path.into_inner();
    let (verdict, reason) = request_decision(&req, &b, form.into_inner())?;
    let caller = audit_log::caller(&b.principal);
    let prefecture = b.prefecture.clone();
    let (target, why) = (id.clone(), reason.clone());
    let decided = state
        .act(move |c| {
            kyushoku_service::renewals::decide(
                c,
                &caller,
                &prefecture,
                &target,
                &renewal,
                verdict,
                &why,
            )
        })
        .await
        .map(|(_, org)| org);
    request_decided(&b, &state, id, decided, TermsForm::Renewal, reason).await
}

/// A request's decision form, checked: its CSRF token and its verdict.
fn request_decision(
    req: &HttpRequest,
    b: &BureauSession,
    form: RequestDecisionForm,
) -> Result<(Verdict, String), PageError> {
    b.check_form(req, &form.csrf)?;
    let verdict = Verdict::parse(&form.decision).ok_or(PageError::bad_form(b.lang).bureau())?;
    Ok((verdict, form.reason))
}

/// After a decision on a request (`form`'s): decided, the organisation's
/// state is refreshed everywhere (R8) and the page says so; refused, the
/// page again with why, beside the form.
async fn request_decided(
    b: &BureauSession,
    state: &AppState,
    id: String,
    decided: Result<OrganisationRow, ApiError>,
    form: TermsForm,
    reason: String,
) -> Result<HttpResponse, PageError> {
    let bt = b.b();
    let (code, problem) = match decided {
        Ok(org) => {
            auth::organisation_changed(state, org.id)
                .await
                .map_err(PageError::of_bureau(b.lang))?;
            let done = match form {
                TermsForm::Renewal => "renewal_decided",
                _ => "change_decided",
            };
            return Ok(see_other(format!("/bureau/organisations/{id}?done={done}")));
        }
        Err(ApiError::Validation(_)) => (StatusCode::UNPROCESSABLE_ENTITY, bt.reason_invalid),
        Err(ApiError::IllegalTransition(_) | ApiError::Conflict(_)) => {
            (StatusCode::CONFLICT, bt.decision_not_allowed)
        }
        Err(ApiError::Forbidden(_)) => (StatusCode::FORBIDDEN, bt.not_your_prefecture),
        Err(e) => return Err(PageError::of_bureau(b.lang)(e)),
    };
    organisation_page(
        b,
        state,
        id,
        code,
        None,
        String::new(),
        None,
        Some(Refused {
            form,
            problem: problem.to_owned(),
            reason,
        }),
    )
    .await
}
