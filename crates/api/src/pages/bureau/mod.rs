//! The labour bureau's console (issue 33, point 3): an officer signs in
//! (password and, always, a one-time code: [`super::staff::sign_in`] at
//! the bureau's door) and acts as the bureau of their prefecture: the
//! applications and organisations ([`organisations`]: the list, one
//! organisation with its history, a decision with its reason), the audit
//! search (who saw seeker X, what organisation Y did: [`audit`]) and the
//! statistics in the source document's shape ([`statistics`]). Every
//! handler calls the use case the bureau's API calls, with the same rules
//! and audit rows.

pub mod audit;
pub mod complaints;
pub mod organisations;
pub mod statistics;
pub mod usage_reports;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::credentials::SessionHolder;
use kyushoku_domain::{OrganisationStatus, PrefectureCode};
use kyushoku_service::browser;
use kyushoku_service::bureau::{self as bureau_reads, IdPage};
use kyushoku_store::web::WebSessionRow;

use super::i18n::{BureauText, Lang};
use super::page::{html, Chrome, PageError};
use super::places;
use super::session::same_origin;
use super::staff::sign_in::{self, Gate};
use crate::auth::Principal;
use crate::AppState;

/// A signed-in officer on a page: their principal (the bureau of one
/// prefecture), their session and the page's language. Anyone else is
/// sent to the bureau's sign-in.
pub struct BureauSession {
    pub principal: Principal,
    pub prefecture: PrefectureCode,
    pub session: WebSessionRow,
    pub lang: Lang,
}

impl BureauSession {
    /// A state-changing form must carry this session's CSRF token and come
    /// from this site.
    pub fn check_form(&self, req: &HttpRequest, csrf: &str) -> Result<(), PageError> {
        if same_origin(req) && browser::csrf_matches(&self.session, csrf) {
            Ok(())
        } else {
            Err(PageError::form_expired(self.lang).bureau())
        }
    }

    pub fn b(&self) -> &'static BureauText {
        self.lang.text().bureau
    }

    pub fn chrome(&self, here: impl Into<String>) -> Chrome {
        Chrome::new(self.lang, here, Some(self.session.csrf.clone()))
    }

    /// The bureau's name: `東京労働局`.
    pub fn name(&self) -> String {
        let p = places::name(&self.prefecture, None);
        match self.lang {
            Lang::Ja => {
                let stem = p.trim_end_matches(['都', '道', '府', '県']);
                format!("{stem}労働局")
            }
            Lang::En => format!("Labour bureau of {p}"),
        }
    }
}

impl FromRequest for BureauSession {
    type Error = PageError;
    type Future = std::future::Ready<Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = Lang::of(req);
        let principal = crate::auth::principal_of(req);
        let session = req.extensions().get::<WebSessionRow>().cloned();
        std::future::ready(match (principal, session) {
            (Some(principal @ Principal::Bureau { .. }), Some(session))
                if session.actor_kind == SessionHolder::Officer =>
            {
                let Principal::Bureau { prefecture, .. } = &principal else {
                    unreachable!("matched above")
                };
                Ok(BureauSession {
                    prefecture: prefecture.clone(),
                    principal,
                    session,
                    lang,
                })
            }
            _ => Err(PageError::signed_out(lang).bureau()),
        })
    }
}

/// Registers the console under `/bureau`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/bureau")
            .app_data(web::Data::new(Gate::BUREAU))
            .app_data(
                web::FormConfig::default()
                    .limit(64 * 1024)
                    .error_handler(|_, req| PageError::bad_form(Lang::of(req)).bureau().into()),
            )
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|_, req| PageError::bad_query(Lang::of(req)).bureau().into()),
            )
            .route("", web::get().to(home))
            .route("/sign-in", web::get().to(sign_in::form))
            .route("/sign-in", web::post().to(sign_in::password))
            .route("/sign-in/code", web::get().to(sign_in::code_form))
            .route("/sign-in/code", web::post().to(sign_in::code))
            .route("/sign-out", web::post().to(sign_in::sign_out))
            .route("/organisations", web::get().to(organisations::list))
            .route("/organisations/{id}", web::get().to(organisations::read))
            .route(
                "/organisations/{id}/decisions",
                web::post().to(organisations::decide),
            )
            .route("/complaints", web::get().to(complaints::list))
            .route("/complaints/{id}", web::post().to(complaints::handle))
            .route("/usage-reports", web::get().to(usage_reports::list))
            .route(
                "/organisations/{id}/sanctions",
                web::post().to(usage_reports::sanction),
            )
            .route(
                "/organisations/{id}/change-requests/{request_id}",
                web::post().to(organisations::decide_change),
            )
            .route(
                "/organisations/{id}/renewals/{renewal_id}",
                web::post().to(organisations::decide_renewal),
            )
            .route("/audit", web::get().to(audit::search))
            .route("/statistics", web::get().to(statistics::show)),
    );
}

#[derive(Template)]
#[template(path = "bureau/home.html")]
struct HomePage {
    chrome: Chrome,
    current: &'static str,
    bureau: String,
    pending: usize,
    more: bool,
}

/// Applications counted on the home page before "more".
const PENDING_COUNTED: i64 = 100;

/// `GET /bureau`: the bureau's home: how many applications wait.
pub async fn home(b: BureauSession, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let prefecture = b.prefecture.clone();
    let pending = state
        .act(move |c| {
            bureau_reads::organisations(
                c,
                Some(OrganisationStatus::Pending),
                None,
                Some(prefecture),
                IdPage {
                    from: None,
                    limit: PENDING_COUNTED,
                },
            )
        })
        .await
        .map_err(PageError::of_bureau(b.lang))?;
    Ok(html(
        StatusCode::OK,
        &HomePage {
            chrome: b.chrome("/bureau"),
            current: "home",
            bureau: b.name(),
            more: pending.len() > PENDING_COUNTED as usize,
            pending: pending.len().min(PENDING_COUNTED as usize),
        },
    ))
}
