//! Staff sign-in in a browser: e-mail and password (the API login's own
//! check: the same limits, timing and audit), then the one-time code where
//! it is asked (`kyushoku_service::staff_sign_in`); an administrator
//! without one sets up their authenticator app on the way. Between the two
//! pages the browser holds a short-lived step cookie, never the session.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_service::browser::{self, Opened, SessionFor};
use kyushoku_service::staff_sign_in::{self, Begun, Finished};
use kyushoku_store::identity::{OrganisationState, PrincipalRef, UserRow};
use kyushoku_store::{now, DbConn};
use serde::Deserialize;

use super::StaffSession;
use crate::pages::i18n::Lang;
use crate::pages::page::{html, see_other, Chrome, PageError};
use crate::pages::session::{self, same_origin};
use crate::problem::ApiError;
use crate::routes::auth::{staff_password, user_subject};
use crate::{audit_log, auth, AppState};

const STEP_COOKIE: &str = "kyushoku_step";
const SECURE_STEP_COOKIE: &str = "__Host-kyushoku_step";

fn step_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_STEP_COOKIE
    } else {
        STEP_COOKIE
    }
}

fn step_cookie(req: &HttpRequest, token: &str, max_age: i64) -> String {
    let secure = session::secure(req);
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        step_cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

fn header_value(v: &str) -> header::HeaderValue {
    header::HeaderValue::from_str(v).expect("a token is a header value")
}

#[derive(Template)]
#[template(path = "staff/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    email: String,
    error: Option<&'static str>,
}

fn sign_in_page(
    lang: Lang,
    status: StatusCode,
    email: String,
    error: Option<&'static str>,
) -> HttpResponse {
    html(
        status,
        &SignInPage {
            chrome: Chrome::new(lang, "/staff/sign-in", None),
            email,
            error,
        },
    )
}

/// `GET /staff/sign-in`.
pub async fn form(req: HttpRequest) -> HttpResponse {
    sign_in_page(Lang::of(&req), StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    email: String,
    password: String,
}

/// The session of a staff user: the claims their access token would carry.
fn open_for(
    state: &AppState,
    c: &mut DbConn,
    user: &UserRow,
    org: &OrganisationState,
) -> Result<Opened, kyushoku_service::Refusal> {
    let claims = auth::claims_for(&user_subject(user, org), state.config.session_absolute_secs);
    let claims = serde_json::to_string(&claims).expect("claims serialise");
    browser::open(
        c,
        SessionFor {
            principal: &PrincipalRef::User(user.public_id.clone()),
            claims: &claims,
        },
        now(),
    )
}

/// Hands the browser its new session (ending the one it had).
async fn signed_in(state: &AppState, req: &HttpRequest, opened: &Opened) -> HttpResponse {
    if let Some(old) = session::token_of(req) {
        let _ = state.act(move |c| browser::close(c, &old)).await;
    }
    let mut res = see_other("/staff");
    res.headers_mut().append(
        header::SET_COOKIE,
        header_value(&session::set_cookie(req, &opened.token)),
    );
    res.headers_mut()
        .append(header::SET_COOKIE, header_value(&step_cookie(req, "", 0)));
    res
}

/// `POST /staff/sign-in`: the password; then the session, or the code page.
pub async fn password(
    req: HttpRequest,
    form: web::Form<PasswordForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    let s = lang.text().staff;
    if !same_origin(&req) {
        return Err(PageError::form_expired(lang));
    }
    let PasswordForm { email, password } = form.into_inner();
    let user = match staff_password(&state, &req, &email, password).await {
        Ok((_, user)) => user,
        Err(ApiError::InvalidCredentials) => {
            return Ok(sign_in_page(
                lang,
                StatusCode::UNAUTHORIZED,
                email,
                Some(s.sign_in_wrong),
            ))
        }
        Err(ApiError::RateLimited(_)) => {
            return Ok(sign_in_page(
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                email,
                Some(s.sign_in_wait),
            ))
        }
        Err(e) => return Err(PageError::of(lang)(e)),
    };
    let sealer = state.sealer.clone();
    let st = state.clone();
    let begun = state
        .act(move |c| {
            staff_sign_in::begin(c, &user, &sealer, now(), |c, u, o| open_for(&st, c, u, o))
        })
        .await
        .map_err(PageError::of(lang))?;
    let token = match begun {
        Begun::Opened(opened) => return Ok(signed_in(&state, &req, &opened).await),
        Begun::Refused => {
            return Ok(sign_in_page(
                lang,
                StatusCode::UNAUTHORIZED,
                email,
                Some(s.sign_in_wrong),
            ))
        }
        Begun::Code { token } | Begun::Enrol { token } => token,
    };
    let mut res = see_other("/staff/sign-in/code");
    res.headers_mut().append(
        header::SET_COOKIE,
        header_value(&step_cookie(
            &req,
            &token,
            staff_sign_in::STEP_TTL.num_seconds(),
        )),
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "staff/code.html")]
struct CodePage {
    chrome: Chrome,
    email: String,
    /// For an administrator setting up their app: the key, grouped by four
    /// for typing, and the `otpauth://` link.
    enrol: Option<(String, String)>,
    error: Option<String>,
}

fn step_token(req: &HttpRequest) -> Option<String> {
    crate::pages::cookie(req, step_cookie_name(session::secure(req)))
}

async fn code_page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(req);
    let Some(token) = step_token(req) else {
        return Err(PageError::sign_in_expired(lang));
    };
    let sealer = state.sealer.clone();
    let waiting = state
        .act(move |c| staff_sign_in::waiting(c, &token, &sealer, now()))
        .await
        .map_err(PageError::of(lang))?
        .ok_or(PageError::sign_in_expired(lang))?;
    let enrol = waiting.enrol.map(|secret| {
        let key = secret.base32();
        let grouped = key
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        (
            grouped,
            secret.uri(lang.text().staff.issuer, &waiting.email),
        )
    });
    Ok(html(
        status,
        &CodePage {
            chrome: Chrome::new(lang, "/staff/sign-in/code", None),
            email: waiting.email,
            enrol,
            error,
        },
    ))
}

/// `GET /staff/sign-in/code`: the code (and, for an administrator without
/// one, the set-up of their app).
pub async fn code_form(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    code_page(&req, &state, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST /staff/sign-in/code`: a right code opens the session.
pub async fn code(
    req: HttpRequest,
    form: web::Form<CodeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(&req);
    if !same_origin(&req) {
        return Err(PageError::form_expired(lang));
    }
    let Some(token) = step_token(&req) else {
        return Err(PageError::sign_in_expired(lang));
    };
    let typed = form.into_inner().code;
    let caller = audit_log::caller_of(None);
    let sealer = state.sealer.clone();
    let st = state.clone();
    let finished = state
        .act(move |c| {
            staff_sign_in::finish(c, &caller, &token, &typed, &sealer, now(), |c, u, o| {
                open_for(&st, c, u, o)
            })
        })
        .await
        .map_err(PageError::of(lang))?;
    match finished {
        Finished::Opened(opened) => Ok(signed_in(&state, &req, &opened).await),
        Finished::Wrong { left } => {
            let s = lang.text().staff;
            let error = format!("{} {}: {left}", s.code_wrong, s.tries_left);
            code_page(&req, &state, StatusCode::UNAUTHORIZED, Some(error)).await
        }
        Finished::Gone => Err(PageError::sign_in_expired(lang)),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// `POST /staff/sign-out`: ends this browser's session.
pub async fn sign_out(
    req: HttpRequest,
    s: StaffSession,
    form: web::Form<CsrfOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let hash = s.session.token_hash.clone();
    state.page_sessions.forget(&hash);
    state
        .act(move |c| Ok(kyushoku_store::web::close_session(c, &hash)?))
        .await
        .map_err(PageError::of(s.lang))?;
    let mut res = see_other("/staff/sign-in");
    res.headers_mut().insert(
        header::SET_COOKIE,
        header_value(&session::clear_cookie(&req)),
    );
    Ok(res)
}
