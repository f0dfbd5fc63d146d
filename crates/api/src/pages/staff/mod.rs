//! The browser method (ブラウザ方式) for an organisation's staff (issue 33,
//! point 2), desktop first: sign-in with e-mail and password and, for
//! administrators and anyone who set one up, a one-time code
//! ([`sign_in`]); the organisation's home with its ID (利用団体ID); the
//! profile search, a profile and its first guidance ([`profiles`]); the
//! threads with live updates ([`threads`]); the job-offer search, an offer
//! and the downloads ([`offers`]); hire reports ([`hires`]); for
//! administrators, staff users and API clients ([`admin`]). Every handler calls the use case the
//! API calls, under a session whose claims are those of the user's access
//! token (R8 checked at every request).

pub mod admin;
pub mod hires;
pub mod offers;
pub mod profiles;
pub mod sign_in;
pub mod threads;
pub mod usage_reports;
pub mod webhooks;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::calendar::today_in_japan;
use kyushoku_domain::credentials::SessionHolder;
use kyushoku_domain::terms::ApprovalStanding;
use kyushoku_domain::{OrganisationKind, OrganisationStatus};
use kyushoku_service::{browser, organisations};
use kyushoku_store::web::WebSessionRow;

use super::i18n::{Lang, StaffText, Text};
use super::page::{html, see_other, Chrome, PageError};
use super::session::same_origin;
use crate::auth::{Member, Principal};
use crate::problem::ApiError;
use crate::{audit_log, AppState};
use serde::Deserialize;

/// A signed-in staff user on a page: their principal (a member of one
/// organisation), their session (its CSRF secret) and the page's
/// language. Anyone else is sent to the staff sign-in.
pub struct StaffSession {
    pub principal: Principal,
    pub member: Member,
    pub session: WebSessionRow,
    pub lang: Lang,
}

impl StaffSession {
    /// A state-changing form must carry this session's CSRF token and come
    /// from this site.
    pub fn check_form(&self, req: &HttpRequest, csrf: &str) -> Result<(), PageError> {
        if same_origin(req) && browser::csrf_matches(&self.session, csrf) {
            Ok(())
        } else {
            Err(PageError::form_expired(self.lang).staff())
        }
    }

    pub fn t(&self) -> &'static Text {
        self.lang.text()
    }

    pub fn s(&self) -> &'static StaffText {
        self.lang.text().staff
    }

    /// The layout's parts for the page at `here`.
    pub fn chrome(&self, here: impl Into<String>) -> Chrome {
        Chrome {
            admin: self.member.admin,
            ..Chrome::new(self.lang, here, Some(self.session.csrf.clone()))
        }
    }
}

impl FromRequest for StaffSession {
    type Error = PageError;
    type Future = std::future::Ready<Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = Lang::of(req);
        let principal = crate::auth::principal_of(req);
        let session = req.extensions().get::<WebSessionRow>().cloned();
        std::future::ready(match (principal, session) {
            (Some(principal), Some(session)) if session.actor_kind == SessionHolder::User => {
                match principal.member().cloned() {
                    Some(member) => Ok(StaffSession {
                        principal,
                        member,
                        session,
                        lang,
                    }),
                    None => Err(PageError::staff_signed_out(lang)),
                }
            }
            _ => Err(PageError::staff_signed_out(lang)),
        })
    }
}

/// Registers the staff pages under `/staff`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/staff")
            .app_data(web::Data::new(sign_in::Gate::STAFF))
            .app_data(
                web::FormConfig::default()
                    .limit(64 * 1024)
                    .error_handler(|_, req| PageError::bad_form(Lang::of(req)).staff().into()),
            )
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|_, req| PageError::bad_query(Lang::of(req)).staff().into()),
            )
            .route("", web::get().to(home))
            .route("/service-stops", web::post().to(stop_service))
            .route("/change-requests", web::post().to(ask_change))
            .route("/renewals", web::post().to(ask_renewal))
            .route("/sign-in", web::get().to(sign_in::form))
            .route("/sign-in", web::post().to(sign_in::password))
            .route("/sign-in/code", web::get().to(sign_in::code_form))
            .route("/sign-in/code", web::post().to(sign_in::code))
            .route("/sign-out", web::post().to(sign_in::sign_out))
            .route("/profiles", web::get().to(profiles::search))
            .route("/profiles/{profile_id}", web::get().to(profiles::read))
            .route(
                "/profiles/{profile_id}/messages",
                web::post().to(profiles::send),
            )
            .route("/threads", web::get().to(threads::list))
            .route("/threads/{thread_id}", web::get().to(threads::read))
            .route("/hires", web::get().to(hires::list))
            .route("/hires", web::post().to(hires::report))
            .route("/usage-reports", web::get().to(usage_reports::list))
            .route(
                "/usage-reports/{quarter}",
                web::get().to(usage_reports::read),
            )
            .route(
                "/usage-reports/{quarter}",
                web::post().to(usage_reports::save),
            )
            .route(
                "/usage-reports/{quarter}/submission",
                web::post().to(usage_reports::submit),
            )
            .route("/users", web::get().to(admin::users))
            .route("/users", web::post().to(admin::invite))
            .route("/clients", web::get().to(admin::clients))
            .route("/clients", web::post().to(admin::create_client))
            .route(
                "/clients/{client_id}/delete",
                web::post().to(admin::delete_client),
            )
            .route("/webhooks", web::get().to(webhooks::list))
            .route("/webhooks", web::post().to(webhooks::create))
            .route("/webhooks/{webhook_id}", web::get().to(webhooks::read))
            .route(
                "/webhooks/{webhook_id}/test",
                web::post().to(webhooks::test),
            )
            .route(
                "/webhooks/{webhook_id}/secret",
                web::post().to(webhooks::rotate),
            )
            .route(
                "/webhooks/{webhook_id}/enabled",
                web::post().to(webhooks::switch),
            )
            .route(
                "/webhooks/{webhook_id}/delete",
                web::post().to(webhooks::delete),
            )
            .route(
                "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
                web::post().to(webhooks::redeliver),
            )
            .route("/offers", web::get().to(offers::search))
            .route("/offers/{job_number}", web::get().to(offers::read))
            // The API's download, under the session cookie (same query,
            // same audit row, same formats): `/staff/downloads/export`.
            .service(web::scope("/downloads").service(crate::routes::offers::export::export))
            // The API's organisation stream, under the session cookie.
            .service(crate::routes::threads::events::events),
    );
}

fn kind_label(t: &'static Text, kind: OrganisationKind) -> &'static str {
    super::my_page::kind_label(t, kind)
}

pub fn status_label(s: &'static StaffText, status: OrganisationStatus) -> &'static str {
    match status {
        OrganisationStatus::Pending => s.status_pending,
        OrganisationStatus::Approved => s.status_approved,
        OrganisationStatus::Rejected => s.status_rejected,
        OrganisationStatus::Suspended => s.status_suspended,
        OrganisationStatus::Revoked => s.status_revoked,
        OrganisationStatus::Lapsed => s.status_lapsed,
    }
}

#[derive(Template)]
#[template(path = "staff/home.html")]
struct HomePage {
    chrome: Chrome,
    current: &'static str,
    name: String,
    organisation_id: String,
    kind: &'static str,
    status: &'static str,
    approved: bool,
    admin: bool,
    seeker_info: bool,
    job_offers: bool,
    guidance_left: Option<i32>,
    cap: i32,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
    change_problem: Option<&'static str>,
    renewal_problem: Option<&'static str>,
    public_body: bool,
    requests: Vec<RequestLine>,
    approval: Option<ApprovalLine>,
    renewals: Vec<RenewalLine>,
    /// The renewal form's idempotency key (a second press does nothing).
    form_key: String,
    /// The prefectures a body not bound to its territory may move to.
    prefectures: Vec<(String, String)>,
}

/// The approval's period on the home page.
struct ApprovalLine {
    approved_on: String,
    approved_until: String,
    standing: &'static str,
    renewal_opens: String,
    /// Its renewal may be asked for today.
    may_renew: bool,
}

/// A renewal on the home page.
struct RenewalLine {
    status: &'static str,
    ends_on: String,
    renewed_until: String,
    reason: String,
}

/// Which of the home page's forms was refused, and what it is told.
#[derive(Debug, Clone, Copy)]
enum Refused {
    Stop(&'static str),
    Change(&'static str),
    Renewal(&'static str),
}

/// A change request on the home page.
struct RequestLine {
    summary: String,
    status: &'static str,
    reason: String,
}

/// `GET /staff`: the organisation's home: its name, its ID (利用団体ID, to
/// give seekers for the public offer search), its state and services,
/// and what is left of today's guidance.
pub async fn home(
    s: StaffSession,
    query: web::Query<HomeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let notice = match query.done.as_deref() {
        Some("stopped") => Some(s.t().terms.stopped_notice),
        Some("asked") => Some(s.t().terms.change_notice),
        Some("renewal") => Some(s.t().terms.renewal_requested),
        _ => None,
    };
    home_page(&s, &state, StatusCode::OK, notice, None).await
}

#[derive(Deserialize)]
pub struct HomeQuery {
    done: Option<String>,
}

async fn home_page(
    s: &StaffSession,
    state: &AppState,
    code: StatusCode,
    notice: Option<&'static str>,
    refused: Option<Refused>,
) -> Result<HttpResponse, PageError> {
    let fail = PageError::of(s.lang);
    let caller = audit_log::caller(&s.principal);
    let public_id = s.member.organisation_public_id.clone();
    let cap = state.config.guidance_daily_cap;
    let home = state
        .act(move |c| organisations::home(c, &caller, &public_id, today_in_japan(), cap))
        .await
        .map_err(&fail)?;
    let t = s.t();
    let renewals = home
        .renewals
        .iter()
        .take(5)
        .map(|r| RenewalLine {
            status: crate::pages::terms::request_label(t.terms, r.status),
            ends_on: r.ends_on.to_string(),
            renewed_until: r.renewed_until.map(|d| d.to_string()).unwrap_or_default(),
            reason: r.reason.clone().unwrap_or_default(),
        })
        .collect();
    let approval = home.approval.map(|a| ApprovalLine {
        approved_on: a.approved_on.to_string(),
        approved_until: a.approved_until.map(|d| d.to_string()).unwrap_or_default(),
        standing: a
            .standing
            .map(|st| crate::pages::terms::approval_standing_label(t.terms, st))
            .unwrap_or_default(),
        renewal_opens: a.renewal_opens.map(|d| d.to_string()).unwrap_or_default(),
        may_renew: a.standing == Some(ApprovalStanding::RenewalOpen),
    });
    let requests = home
        .changes
        .into_iter()
        .take(5)
        .map(|r| RequestLine {
            summary: crate::pages::terms::change_summary(t, &r.changes),
            status: crate::pages::terms::request_label(t.terms, r.status),
            reason: r.reason.unwrap_or_default(),
        })
        .collect();
    let (org, left) = (home.organisation, home.guidance_left);
    Ok(html(
        code,
        &HomePage {
            chrome: s.chrome("/staff"),
            current: "home",
            kind: kind_label(s.t(), org.kind),
            status: status_label(s.s(), org.status),
            approved: org.status == OrganisationStatus::Approved,
            name: org.name,
            organisation_id: org.public_id,
            admin: s.member.admin,
            seeker_info: org.seeker_info,
            job_offers: org.job_offers,
            guidance_left: left,
            cap,
            notice,
            problem: match refused {
                Some(Refused::Stop(p)) => Some(p),
                _ => None,
            },
            change_problem: match refused {
                Some(Refused::Change(p)) => Some(p),
                _ => None,
            },
            renewal_problem: match refused {
                Some(Refused::Renewal(p)) => Some(p),
                _ => None,
            },
            approval,
            renewals,
            form_key: uuid::Uuid::new_v4().to_string(),
            prefectures: if kyushoku_domain::organisation::takes_placement_mode(org.kind) {
                Vec::new()
            } else {
                crate::pages::places::prefectures()
                    .into_iter()
                    .filter(|(code, _)| *code != org.prefecture.as_str())
                    .collect()
            },
            public_body: kyushoku_domain::organisation::takes_placement_mode(org.kind),
            requests,
        },
    ))
}

#[derive(Deserialize)]
pub struct ChangeForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    services: String,
    #[serde(default)]
    departments: String,
    /// A move to another prefecture (empty: none).
    #[serde(default)]
    prefecture: String,
}

/// `POST /staff/change-requests`: an administrator asks the bureau for a
/// change of the record (the API's use case, with its rule and audit row).
pub async fn ask_change(
    req: HttpRequest,
    s: StaffSession,
    form: web::Form<ChangeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let ChangeForm {
        name,
        services,
        departments,
        prefecture,
        ..
    } = form.into_inner();
    let services = match services.as_str() {
        "" => None,
        "both" => Some((true, true)),
        "seeker_info" => Some((true, false)),
        "job_offers" => Some((false, true)),
        _ => return Err(PageError::bad_form(s.lang).staff()),
    };
    let prefecture = match prefecture.as_str() {
        "" => None,
        code => Some(
            kyushoku_domain::PrefectureCode::parse(code)
                .map_err(|_| PageError::bad_form(s.lang).staff())?,
        ),
    };
    let change = kyushoku_domain::organisation::ChangeSet {
        name: (!name.trim().is_empty()).then_some(name),
        municipality: None,
        prefecture,
        services,
        departments: departments
            .lines()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    let caller = audit_log::caller(&s.principal);
    let organisation = s.member.organisation_public_id.clone();
    let asked = state
        .act(move |c| kyushoku_service::changes::request(c, &caller, &organisation, change, None))
        .await;
    match asked {
        Ok(_) => Ok(see_other("/staff?done=asked".to_owned())),
        Err(ApiError::Validation(_) | ApiError::Conflict(_) | ApiError::IllegalTransition(_)) => {
            home_page(
                &s,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(Refused::Change(s.t().terms.change_refused)),
            )
            .await
        }
        Err(e) => Err(PageError::of_staff(s.lang)(e)),
    }
}

#[derive(Deserialize)]
pub struct RenewalForm {
    csrf: String,
    key: String,
}

/// `POST /staff/renewals`: an administrator asks for the renewal of the
/// approval (the API's use case, once per form: a second press replays).
pub async fn ask_renewal(
    req: HttpRequest,
    s: StaffSession,
    form: web::Form<RenewalForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let key = uuid::Uuid::parse_str(&form.key)
        .map_err(|_| PageError::form_expired(s.lang).staff())?
        .to_string();
    let organisation = s.member.organisation_public_id.clone();
    let asked =
        crate::routes::organisations::renewals::ask(&state, &s.principal, organisation, Some(key))
            .await;
    match asked {
        Ok(_) => Ok(see_other("/staff?done=renewal".to_owned())),
        Err(ApiError::Conflict(_) | ApiError::IllegalTransition(_)) => {
            home_page(
                &s,
                &state,
                StatusCode::CONFLICT,
                None,
                Some(Refused::Renewal(s.t().terms.renewal_refused)),
            )
            .await
        }
        Err(e) => Err(PageError::of_staff(s.lang)(e)),
    }
}

#[derive(Deserialize)]
pub struct StopForm {
    csrf: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/service-stops`: an administrator stops a service (利用停止;
/// the API's `stop`, with its rule and audit row).
pub async fn stop_service(
    req: HttpRequest,
    s: StaffSession,
    form: web::Form<StopForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let StopForm {
        service, reason, ..
    } = form.into_inner();
    let service = match service.as_str() {
        "seeker_info" => kyushoku_domain::Service::SeekerInfo,
        "job_offers" => kyushoku_domain::Service::JobOffers,
        _ => return Err(PageError::bad_form(s.lang).staff()),
    };
    let organisation = s.member.organisation_public_id.clone();
    let state_data = state.clone();
    match crate::routes::usage_reports::stop(
        &state_data,
        &s.principal,
        organisation,
        crate::routes::usage_reports::ServiceStopRequest { service, reason },
        None,
    )
    .await
    {
        Ok(_) => Ok(see_other("/staff?done=stopped".to_owned())),
        Err(ApiError::Validation(_)) => {
            home_page(
                &s,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(Refused::Stop(s.t().bureau.reason_invalid)),
            )
            .await
        }
        Err(ApiError::IllegalTransition(_) | ApiError::Conflict(_)) => {
            home_page(
                &s,
                &state,
                StatusCode::CONFLICT,
                None,
                Some(Refused::Stop(s.t().terms.stop_refused)),
            )
            .await
        }
        Err(e) => Err(PageError::of_staff(s.lang)(e)),
    }
}
