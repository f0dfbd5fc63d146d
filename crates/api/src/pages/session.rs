//! The pages' cookie session: the cookie carries a random token; the
//! session row ([`kyushoku_service::browser`]) keeps the claims an access
//! token of the same principal would carry, so `auth::authenticate` checks
//! a page request exactly as it checks a bearer token (R8: a revoked
//! seeker or a suspended organisation is signed out at once). The cookie is
//! `HttpOnly`, `SameSite=Lax`, and `Secure` (with the `__Host-` prefix)
//! when the service speaks TLS.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use chrono::Duration;
use kyushoku_service::browser::{self, Timeouts};
use kyushoku_store::web::WebSessionRow;

use super::i18n::Lang;
use super::page::PageError;
use crate::auth::keys::Claims;
use crate::auth::{self, Principal, TokenSubject};
use crate::problem::ApiError;
use crate::AppState;

const COOKIE: &str = "kyushoku_session";
/// The name under TLS: the prefix makes browsers refuse it unless it is
/// `Secure`, host-only and for `/`.
const SECURE_COOKIE: &str = "__Host-kyushoku_session";

/// Whether this deployment speaks TLS (cookies are then `Secure`).
pub fn secure(req: &HttpRequest) -> bool {
    req.app_data::<actix_web::web::Data<AppState>>()
        .is_some_and(|s| s.config.hsts)
}

fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// The session timeouts of this deployment.
pub fn timeouts(state: &AppState) -> Timeouts {
    Timeouts {
        idle: Duration::seconds(state.config.session_idle_secs),
        absolute: Duration::seconds(state.config.session_absolute_secs),
    }
}

/// The session a page request's cookie names, with its claims, if it still
/// stands. Only a failure to reach the database is an error.
pub async fn from_cookie(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<(WebSessionRow, Claims)>, ApiError> {
    let Some(token) = super::cookie(req, cookie_name(state.config.hsts)) else {
        return Ok(None);
    };
    let found = match state.page_sessions.get(&token) {
        Some(row) => Some(row),
        None => {
            let timeouts = timeouts(state);
            let now = kyushoku_store::now();
            let t = token.clone();
            let found = state
                .act(move |c| browser::current(c, &t, timeouts, now))
                .await?;
            if let Some(row) = &found {
                state.page_sessions.keep(token, row.clone());
            }
            found
        }
    };
    Ok(found.and_then(|row| {
        let claims = serde_json::from_str(&row.claims).ok()?;
        Some((row, claims))
    }))
}

/// Sessions this instance read in the last few seconds, so that a page
/// costs no more database reads than its API call (a bearer token is
/// checked without one). What a session may do is still checked at every
/// request, from its claims (the principal's epoch, R8); only the row is
/// remembered. Signing out here forgets it at once; "everywhere" raises
/// the principal's epoch, which every instance sees at once; another
/// instance may take a cookie signed out here for at most [`REMEMBERED`].
#[derive(Default)]
pub struct Recent {
    rows: std::sync::Mutex<std::collections::HashMap<String, (WebSessionRow, std::time::Instant)>>,
}

/// How long a session row is remembered.
pub const REMEMBERED: std::time::Duration = std::time::Duration::from_secs(10);
const REMEMBERED_MOST: usize = 10_000;

impl Recent {
    fn get(&self, token: &str) -> Option<WebSessionRow> {
        let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        rows.get(token)
            .filter(|(_, at)| at.elapsed() < REMEMBERED)
            .map(|(row, _)| row.clone())
    }

    fn keep(&self, token: String, row: WebSessionRow) {
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        if rows.len() >= REMEMBERED_MOST {
            rows.retain(|_, (_, at)| at.elapsed() < REMEMBERED);
            if rows.len() >= REMEMBERED_MOST {
                rows.clear();
            }
        }
        rows.insert(token, (row, std::time::Instant::now()));
    }

    /// Forgets the session whose token hashes to `token_hash`.
    pub fn forget(&self, token_hash: &str) {
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        rows.retain(|_, (row, _)| row.token_hash != token_hash);
    }
}

/// The claims a seeker's page session keeps: those of an access token
/// for the seeker at `epoch`, living as long as the session may.
pub fn seeker_claims(state: &AppState, seeker_ref: &str, epoch: i64) -> String {
    let subject = TokenSubject {
        actor: auth::Actor::Seeker(seeker_ref.to_owned()),
        role: "seeker",
        organisation_public_id: None,
        prefecture: None,
        epoch,
        organisation_epoch: None,
    };
    let claims = auth::claims_for(&subject, state.config.session_absolute_secs);
    serde_json::to_string(&claims).expect("claims serialise")
}

/// The `Set-Cookie` value that hands a browser its session.
pub fn set_cookie(req: &HttpRequest, token: &str) -> String {
    let secure = secure(req);
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that makes a browser forget its session.
pub fn clear_cookie(req: &HttpRequest) -> String {
    let secure = secure(req);
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// The cookie's token, for signing out.
pub fn token_of(req: &HttpRequest) -> Option<String> {
    super::cookie(req, cookie_name(secure(req)))
}

/// A signed-in seeker on a page: their principal, their session (its CSRF
/// secret) and the page's language. Anyone else is shown the signed-out
/// page.
pub struct SeekerSession {
    pub principal: Principal,
    pub session: WebSessionRow,
    pub lang: Lang,
}

/// Whether a form was sent from this site: a browser that says where a
/// form came from (`Origin`) must say it came from here.
pub fn same_origin(req: &HttpRequest) -> bool {
    match req.headers().get(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let host = req
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok());
            let origin = origin.to_str().unwrap_or("");
            let origin_host = origin.split_once("://").map(|(_, h)| h);
            host.is_some() && origin_host == host
        }
    }
}

impl SeekerSession {
    /// A state-changing form must carry this session's CSRF token and come
    /// from this site.
    pub fn check_form(&self, req: &HttpRequest, csrf: &str) -> Result<(), PageError> {
        if same_origin(req) && browser::csrf_matches(&self.session, csrf) {
            Ok(())
        } else {
            Err(PageError::form_expired(self.lang))
        }
    }
}

impl FromRequest for SeekerSession {
    type Error = PageError;
    type Future = std::future::Ready<Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let lang = Lang::of(req);
        let principal = auth::principal_of(req);
        let session = req.extensions().get::<WebSessionRow>().cloned();
        std::future::ready(match (principal, session) {
            (Some(principal @ Principal::Seeker { .. }), Some(session)) => Ok(SeekerSession {
                principal,
                session,
                lang,
            }),
            _ => Err(PageError::signed_out(lang)),
        })
    }
}
