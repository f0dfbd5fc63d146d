//! Sign-in in a browser, at the staff's door (`/staff`) and at the bureau's
//! (`/bureau`): e-mail and password (the API login's own check: the same
//! limits, timing and audit), then the one-time code where it is asked
//! (`kyushoku_service::staff_sign_in`); someone who must use a code but has
//! none sets up their authenticator app on the way. Between the two pages
//! the browser holds a short-lived step cookie, never the session. Which
//! door a request came through is its scope's [`Gate`].

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_service::browser::{self, Opened, SessionFor};
use kyushoku_service::staff_sign_in::{self, Begun, Door, Finished, Person};
use kyushoku_store::identity::{OrganisationState, PrincipalRef};
use kyushoku_store::{now, DbConn};
use serde::Deserialize;

use crate::pages::i18n::Lang;
use crate::pages::page::{html, see_other, Chrome, PageError};
use crate::pages::session::{self, same_origin};
use crate::problem::ApiError;
use crate::routes::auth::{password_of, user_subject, CodeGuard};
use crate::{audit_log, auth, AppState};

/// A door to the pages: who signs in there, and where its pages are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    pub door: Door,
    /// The pages' root: `/staff`, `/bureau`.
    pub base: &'static str,
}

impl Gate {
    pub const STAFF: Gate = Gate {
        door: Door::Staff,
        base: "/staff",
    };
    pub const BUREAU: Gate = Gate {
        door: Door::Bureau,
        base: "/bureau",
    };

    fn page(self, tail: &str) -> String {
        format!("{}{tail}", self.base)
    }

    /// The error of this door's pages.
    fn area(self, e: PageError) -> PageError {
        match self.door {
            Door::Staff => e.staff(),
            Door::Bureau => e.bureau(),
        }
    }
}

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
    base: &'static str,
    bureau: bool,
    email: String,
    error: Option<&'static str>,
}

fn sign_in_page(
    gate: Gate,
    lang: Lang,
    status: StatusCode,
    email: String,
    error: Option<&'static str>,
) -> HttpResponse {
    html(
        status,
        &SignInPage {
            chrome: Chrome::new(lang, gate.page("/sign-in"), None),
            base: gate.base,
            bureau: gate.door == Door::Bureau,
            email,
            error,
        },
    )
}

/// `GET /staff/sign-in`, `GET /bureau/sign-in`.
pub async fn form(req: HttpRequest, gate: web::Data<Gate>) -> HttpResponse {
    sign_in_page(**gate, Lang::of(&req), StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    email: String,
    password: String,
}

/// A person's session: the claims an access token of theirs would carry
/// (a staff user's as their API login gives; an officer's as their
/// bureau's).
fn open_for(
    state: &AppState,
    c: &mut DbConn,
    who: &Person,
    org: Option<&OrganisationState>,
) -> Result<Opened, kyushoku_service::Refusal> {
    let (subject, principal) = match (who, org) {
        (Person::Staff(user), Some(org)) => (
            user_subject(user, org),
            PrincipalRef::User(user.public_id.clone()),
        ),
        (Person::Officer(officer), _) => (
            auth::TokenSubject {
                actor: auth::Actor::Officer(officer.public_id.clone()),
                role: "bureau",
                organisation_public_id: None,
                prefecture: Some(officer.prefecture.clone()),
                epoch: officer.epoch,
                organisation_epoch: None,
            },
            PrincipalRef::Officer(officer.public_id.clone()),
        ),
        (Person::Staff(_), None) => return Err(kyushoku_service::Refusal::NotFound),
    };
    let claims = auth::claims_for(&subject, state.config.session_absolute_secs);
    let claims = serde_json::to_string(&claims).expect("claims serialise");
    browser::open(
        c,
        SessionFor {
            principal: &principal,
            claims: &claims,
        },
        now(),
    )
}

/// Hands the browser its new session (ending the one it had).
async fn signed_in(
    gate: Gate,
    state: &AppState,
    req: &HttpRequest,
    opened: &Opened,
) -> HttpResponse {
    if let Some(old) = session::token_of(req) {
        let _ = state.act(move |c| browser::close(c, &old)).await;
    }
    let mut res = see_other(gate.base);
    res.headers_mut().append(
        header::SET_COOKIE,
        header_value(&session::set_cookie(req, &opened.token)),
    );
    res.headers_mut()
        .append(header::SET_COOKIE, header_value(&step_cookie(req, "", 0)));
    res
}

/// `POST /staff/sign-in`, `POST /bureau/sign-in`: the password; then the
/// session, or the code page.
pub async fn password(
    req: HttpRequest,
    gate: web::Data<Gate>,
    form: web::Form<PasswordForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let gate = **gate;
    let lang = Lang::of(&req);
    let s = lang.text().staff;
    if !same_origin(&req) {
        return Err(gate.area(PageError::form_expired(lang)));
    }
    let PasswordForm { email, password } = form.into_inner();
    let refused = |status, email, why| sign_in_page(gate, lang, status, email, Some(why));
    let person = match password_of(&state, &req, gate.door, &email, password).await {
        Ok((_, person)) => person,
        Err(ApiError::InvalidCredentials) => {
            return Ok(refused(StatusCode::UNAUTHORIZED, email, s.sign_in_wrong))
        }
        Err(ApiError::RateLimited(_)) => {
            return Ok(refused(
                StatusCode::TOO_MANY_REQUESTS,
                email,
                s.sign_in_wait,
            ))
        }
        Err(e) => return Err(gate.area(PageError::of(lang)(e))),
    };
    let sealer = state.sealer.clone();
    let st = state.clone();
    let begun = state
        .act(move |c| {
            staff_sign_in::begin(c, &person, &sealer, now(), |c, p, o| open_for(&st, c, p, o))
        })
        .await
        .map_err(|e| gate.area(PageError::of(lang)(e)))?;
    let token = match begun {
        Begun::Opened(opened) => return Ok(signed_in(gate, &state, &req, &opened).await),
        Begun::Refused => return Ok(refused(StatusCode::UNAUTHORIZED, email, s.sign_in_wrong)),
        Begun::Code { token } | Begun::Enrol { token } => token,
    };
    let mut res = see_other(gate.page("/sign-in/code"));
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
    base: &'static str,
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
    gate: Gate,
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let lang = Lang::of(req);
    let expired = || gate.area(PageError::sign_in_expired(lang));
    let Some(token) = step_token(req) else {
        return Err(expired());
    };
    let sealer = state.sealer.clone();
    let waiting = state
        .act(move |c| staff_sign_in::waiting(c, &token, &sealer, now()))
        .await
        .map_err(|e| gate.area(PageError::of(lang)(e)))?
        .ok_or_else(expired)?;
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
            chrome: Chrome::new(lang, gate.page("/sign-in/code"), None),
            base: gate.base,
            email: waiting.email,
            enrol,
            error,
        },
    ))
}

/// `GET …/sign-in/code`: the code (and, for someone who has none yet, the
/// set-up of their app).
pub async fn code_form(
    req: HttpRequest,
    gate: web::Data<Gate>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    code_page(**gate, &req, &state, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// `POST …/sign-in/code`: a right code opens the session.
pub async fn code(
    req: HttpRequest,
    gate: web::Data<Gate>,
    form: web::Form<CodeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let gate = **gate;
    let lang = Lang::of(&req);
    if !same_origin(&req) {
        return Err(gate.area(PageError::form_expired(lang)));
    }
    let Some(token) = step_token(&req) else {
        return Err(gate.area(PageError::sign_in_expired(lang)));
    };
    let typed = form.into_inner().code;
    // The account's wrong codes count wherever they come from (the API's
    // login too): past a few, its code step waits.
    let guard = {
        let (token, sealer) = (token.clone(), state.sealer.clone());
        state
            .act(move |c| staff_sign_in::waiting(c, &token, &sealer, now()))
            .await
            .map_err(|e| gate.area(PageError::of(lang)(e)))?
            .map(|w| CodeGuard::of(gate.door, &w.email))
    };
    if let Some(g) = &guard {
        if let Err(wait) = g.check(&state).await {
            let s = lang.text().staff;
            let minutes = wait.reset_secs.div_ceil(60);
            let error = format!("{} ({minutes} {})", s.code_wait, s.minutes);
            return code_page(
                gate,
                &req,
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                Some(error),
            )
            .await;
        }
    }
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
        .map_err(|e| gate.area(PageError::of(lang)(e)))?;
    match finished {
        Finished::Opened(opened) => Ok(signed_in(gate, &state, &req, &opened).await),
        Finished::Wrong { left } => {
            if let Some(g) = &guard {
                g.failed(&state).await;
            }
            let s = lang.text().staff;
            let error = format!("{} {}: {left}", s.code_wrong, s.tries_left);
            code_page(gate, &req, &state, StatusCode::UNAUTHORIZED, Some(error)).await
        }
        Finished::Exhausted => {
            if let Some(g) = &guard {
                g.failed(&state).await;
            }
            Err(gate.area(PageError::sign_in_expired(lang)))
        }
        Finished::Gone => Err(gate.area(PageError::sign_in_expired(lang))),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// `POST /staff/sign-out`, `POST /bureau/sign-out`: ends this browser's
/// session (whoever's it is: signing out needs only its CSRF token).
pub async fn sign_out(
    req: HttpRequest,
    gate: web::Data<Gate>,
    form: web::Form<CsrfOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let gate = **gate;
    let lang = Lang::of(&req);
    let session = req
        .extensions()
        .get::<kyushoku_store::web::WebSessionRow>()
        .cloned()
        .ok_or_else(|| gate.area(PageError::signed_out(lang)))?;
    if !same_origin(&req) || !browser::csrf_matches(&session, &form.csrf) {
        return Err(gate.area(PageError::form_expired(lang)));
    }
    let hash = session.token_hash.clone();
    state.page_sessions.forget(&hash);
    state
        .act(move |c| Ok(kyushoku_store::web::close_session(c, &hash)?))
        .await
        .map_err(|e| gate.area(PageError::of(lang)(e)))?;
    let mut res = see_other(gate.page("/sign-in"));
    res.headers_mut().insert(
        header::SET_COOKIE,
        header_value(&session::clear_cookie(&req)),
    );
    Ok(res)
}
