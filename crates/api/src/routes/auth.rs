//! `/v1/auth/…`: the OAuth 2.0 token endpoint, staff login, revocation
//! (RFC 7009); `/.well-known/jwks.json` and the RFC 8414 metadata.
//!
//! The token endpoint answers errors in the RFC 6749 §5.2 shape
//! (`{"error", "error_description"}`), as OAuth clients expect; every other
//! endpoint answers problem+json.

use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kyushoku_domain::{credentials, ClientKind, PrefectureCode, StaffRole};
use kyushoku_service::sessions::{self, Refreshed, Revoked, SignedInClient};
use kyushoku_service::staff_sign_in::{self, Door, Person};
use kyushoku_store::identity;
use kyushoku_store::now;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::secrets::{digest, digests_equal, random_token};
use crate::auth::{self, client_address, Actor, TokenSubject};
use crate::problem::{ApiError, Problem, RateHeaders};
use crate::{audit_log, AppState};

/// The token answer (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenAnswer {
    pub access_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// For staff sessions: a one-use token for the next access token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

kyushoku_domain::closed_set! {
    /// The kind of access token (RFC 6750).
    pub enum TokenType {
        Bearer = "Bearer",
    }
}

kyushoku_domain::closed_set! {
    /// The OAuth error codes this server answers with (RFC 6749 §5.2,
    /// RFC 7009 §2.2.1).
    pub enum OAuthErrorCode {
        InvalidRequest = "invalid_request",
        InvalidClient = "invalid_client",
        InvalidGrant = "invalid_grant",
        UnauthorizedClient = "unauthorized_client",
        UnsupportedGrantType = "unsupported_grant_type",
    }
}

/// An OAuth error (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    pub error: OAuthErrorCode,
    pub error_description: &'static str,
}

/// The grants the token endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum GrantType {
    /// An API client's id and secret (RFC 6749 §4.4).
    ClientCredentials,
    /// A staff session's one-use refresh token (RFC 6749 §6).
    RefreshToken,
}

impl GrantType {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "client_credentials" => Some(Self::ClientCredentials),
            "refresh_token" => Some(Self::RefreshToken),
            _ => None,
        }
    }
}

/// A token request, form-encoded or JSON.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Any other answers 400 `unsupported_grant_type` (RFC 6749 §5.2).
    #[schema(value_type = GrantType)]
    pub grant_type: String,
    /// For `client_credentials` without HTTP Basic: the client's id
    /// (printable ASCII).
    #[schema(min_length = 1, max_length = 100, pattern = "^[!-~]+$")]
    pub client_id: Option<String>,
    /// For `client_credentials` without HTTP Basic: the client's secret.
    #[schema(min_length = 1, max_length = 200)]
    pub client_secret: Option<String>,
    /// For `refresh_token`: the refresh token last issued.
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: Option<String>,
    /// Ignored: a client's rights come from its role.
    pub scope: Option<String>,
}

fn oauth_error(
    status: StatusCode,
    error: OAuthErrorCode,
    description: &'static str,
) -> HttpResponse {
    let mut res = HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(OAuthError {
            error,
            error_description: description,
        });
    if error == OAuthErrorCode::InvalidClient {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"kyushoku\""),
        );
    }
    res
}

fn token_answer(answer: TokenAnswer) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(answer)
}

/// Reads a form-encoded or JSON body into `T`.
fn parse_body<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, &'static str> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    match essence {
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(body)
            .map_err(|_| "the form is malformed or lacks grant_type"),
        "application/json" => serde_json::from_slice(body)
            .map_err(|_| "the JSON body is malformed or lacks grant_type"),
        _ => Err("send application/x-www-form-urlencoded or application/json"),
    }
}

/// Client credentials from HTTP Basic (RFC 6749 §2.3.1) or the body.
fn client_credentials(
    req: &HttpRequest,
    body_id: Option<&String>,
    body_secret: Option<&String>,
) -> Option<(String, String)> {
    if let Some(basic) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let id: String = serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={id}"))
            .ok()?
            .pop()?
            .1;
        let secret: String =
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={secret}"))
                .ok()?
                .pop()?
                .1;
        return Some((id, secret));
    }
    Some((body_id?.clone(), body_secret?.clone()))
}

/// What a signed-in client's token carries.
fn client_subject(signed_in: SignedInClient) -> Option<TokenSubject> {
    let SignedInClient {
        client,
        organisation,
    } = signed_in;
    let actor = Actor::Client(client.client_id.clone());
    match (client.kind, client.organisation_id, organisation) {
        (ClientKind::HwSystem, None, _) => Some(TokenSubject {
            actor,
            role: "hw_system",
            organisation_public_id: None,
            prefecture: None,
            epoch: client.epoch,
            organisation_epoch: None,
        }),
        (ClientKind::Bureau, None, _) => Some(TokenSubject {
            actor,
            role: "bureau",
            organisation_public_id: None,
            prefecture: client.prefecture.clone(),
            epoch: client.epoch,
            organisation_epoch: None,
        }),
        (ClientKind::Organisation, Some(_), Some(org)) => Some(TokenSubject {
            actor,
            role: if client.role == Some(StaffRole::Admin) {
                "org_admin"
            } else {
                "org_staff"
            },
            organisation_public_id: Some(org.public_id),
            prefecture: None,
            epoch: client.epoch,
            organisation_epoch: Some(org.epoch),
        }),
        _ => None,
    }
}

/// OAuth 2.0 token endpoint (RFC 6749).
///
/// `client_credentials` for API clients (HTTP Basic or the client's id and
/// secret in the form), `refresh_token` for staff sessions: rotated on every
/// use, and reusing a used refresh token revokes its whole family. Metadata
/// is published at `/.well-known/oauth-authorization-server` (RFC 8414).
#[utoipa::path(
    operation_id = "auth_token",
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = TokenAnswer),
        (status = 400, body = OAuthError, description = "invalid_request, invalid_grant, unsupported_grant_type"),
        (status = 401, body = OAuthError, description = "invalid_client"),
    )
)]
#[post("/token")]
pub async fn token(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let request: TokenRequest = match parse_body(&req, &body) {
        Ok(r) => r,
        Err(why) => {
            return Ok(oauth_error(
                StatusCode::BAD_REQUEST,
                OAuthErrorCode::InvalidRequest,
                why,
            ))
        }
    };
    match GrantType::parse(&request.grant_type) {
        Some(GrantType::ClientCredentials) => {
            client_credentials_grant(&req, &request, &state).await
        }
        Some(GrantType::RefreshToken) => refresh_grant(&request, &state).await,
        None => Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::UnsupportedGrantType,
            "use client_credentials or refresh_token",
        )),
    }
}

async fn client_credentials_grant(
    req: &HttpRequest,
    request: &TokenRequest,
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    let Some((client_id, secret)) = client_credentials(
        req,
        request.client_id.as_ref(),
        request.client_secret.as_ref(),
    ) else {
        return Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            OAuthErrorCode::InvalidClient,
            "client authentication failed",
        ));
    };
    if client_id.len() > 100
        || secret.len() > 200
        || !client_id.bytes().all(|b| b.is_ascii_graphic())
    {
        return Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            OAuthErrorCode::InvalidClient,
            "client authentication failed",
        ));
    }
    let presented = digest(&secret);
    let caller = audit_log::caller_of(None);
    let subject = state
        .act(move |c| {
            sessions::authenticate_client(c, &caller, &client_id, |stored| {
                digests_equal(stored, &presented)
            })
        })
        .await?
        .and_then(client_subject);
    let Some(subject) = subject else {
        return Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            OAuthErrorCode::InvalidClient,
            "client authentication failed",
        ));
    };
    let (access_token, expires_in) = auth::issue_access_token(state, &subject)?;
    Ok(token_answer(TokenAnswer {
        access_token,
        token_type: TokenType::Bearer,
        expires_in,
        refresh_token: None,
    }))
}

async fn refresh_grant(request: &TokenRequest, state: &AppState) -> Result<HttpResponse, ApiError> {
    let Some(presented) = request.refresh_token.clone().filter(|t| t.len() <= 200) else {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::InvalidRequest,
            "refresh_token is required",
        ));
    };
    let hash = digest(&presented);
    let next = random_token();
    let next_hash = digest(&next);
    let ttl = state.config.refresh_token_ttl_secs;
    let caller = audit_log::caller_of(None);
    let outcome = state
        .act(move |c| sessions::refresh(c, &caller, &hash, &next_hash, ttl))
        .await?;
    if let Refreshed::Reused(Some(user)) = &outcome {
        auth::principal_changed(state, &Actor::User(user.clone())).await?;
    }
    match outcome {
        Refreshed::Invalid | Refreshed::Reused(_) => Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::InvalidGrant,
            "the refresh token is invalid, expired or already used",
        )),
        Refreshed::Issued(session) => {
            let subject = user_subject(&session.user, &session.organisation);
            let (access_token, expires_in) = auth::issue_access_token(state, &subject)?;
            Ok(token_answer(TokenAnswer {
                access_token,
                token_type: TokenType::Bearer,
                expires_in,
                refresh_token: Some(next),
            }))
        }
    }
}

pub fn user_subject(user: &identity::UserRow, org: &identity::OrganisationState) -> TokenSubject {
    TokenSubject {
        actor: Actor::User(user.public_id.clone()),
        role: if user.role == kyushoku_domain::StaffRole::Admin {
            "org_admin"
        } else {
            "org_staff"
        },
        organisation_public_id: Some(org.public_id.clone()),
        prefecture: None,
        epoch: user.epoch,
        organisation_epoch: Some(org.epoch),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin@agency.example.jp", max_length = 254)]
    pub email: String,
    #[schema(max_length = 128)]
    pub password: String,
    /// The six-digit one-time code of the account's authenticator app
    /// (RFC 6238), for an account that set one up: without it such an
    /// account is answered 401 `second-factor-required`.
    #[schema(example = "123456", max_length = 20)]
    pub totp: Option<String>,
}

/// Login attempts allowed per address in this window.
const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
const LOGIN_PER_ADDRESS: u64 = 50;
/// Wrong passwords for one account from one address before it waits:
/// 30 s, doubling with every further failure, at most the window. An
/// account is never locked for everyone: its owner, from elsewhere, signs
/// in as usual.
const FAILURES_BEFORE_BACKOFF: u64 = 10;

/// How long (account, address) waits after `failures` wrong passwords.
fn backoff(failures: u64) -> Option<Duration> {
    let over = failures.checked_sub(FAILURES_BEFORE_BACKOFF)?;
    let secs = 30u64.saturating_mul(1 << over.min(10));
    Some(Duration::from_secs(secs.min(LOGIN_WINDOW.as_secs())))
}

/// Staff login: e-mail and password (argon2id), and the one-time code for
/// an account that set one up, for an access token and a refresh token.
///
/// Wrong e-mail, wrong password and wrong code answer alike, in the same
/// time; attempts are limited per account and per address. A code is
/// accepted once.
#[utoipa::path(
    operation_id = "auth_login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenAnswer),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "invalid-credentials: wrong e-mail, password or one-time code, or an organisation not approved (one answer for all); second-factor-required: the password was right and the account needs its one-time code (`totp`)"),
    )
)]
#[post("/login")]
pub async fn login(
    req: HttpRequest,
    body: crate::extract::Json<LoginRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest {
        email,
        password,
        totp,
    } = body.into_inner()?;
    let (attempt, person) = password_of(&state, &req, Door::Staff, &email, password).await?;
    let Person::Staff(user) = person else {
        return Err(ApiError::InvalidCredentials);
    };
    if user.totp_secret.is_some() {
        let Some(code) = totp else {
            return Err(ApiError::SecondFactorRequired);
        };
        let guard = CodeGuard::of(Door::Staff, &user.email);
        guard.check(&state).await.map_err(ApiError::RateLimited)?;
        let caller = audit_log::caller_of(None);
        let sealer = state.sealer.clone();
        let u = user.clone();
        let ok = state
            .act(move |c| staff_sign_in::check_code(c, &caller, &u, &code, &sealer, now()))
            .await?;
        if !ok {
            attempt.failed(&state).await;
            guard.failed(&state).await;
            return Err(ApiError::InvalidCredentials);
        }
    }
    let refresh = random_token();
    let refresh_hash = digest(&refresh);
    let expires = now() + chrono::Duration::seconds(state.config.refresh_token_ttl_secs);
    let family = uuid::Uuid::now_v7().to_string();
    let (org, user) = state
        .act(move |c| {
            sessions::open_staff_session(c, &user, &refresh_hash, &family, expires)
                .map(|org| (org, user))
        })
        .await?;
    let Some(org) = org else {
        // Before the bureau approved its organisation, an account answers
        // as a wrong password would: an application made with somebody
        // else's address (which creates nothing) and one that made an
        // account then look alike to the applicant (no enumeration).
        return Err(ApiError::InvalidCredentials);
    };
    let (access_token, expires_in) = auth::issue_access_token(&state, &user_subject(&user, &org))?;
    Ok(token_answer(TokenAnswer {
        access_token,
        token_type: TokenType::Bearer,
        expires_in,
        refresh_token: Some(refresh),
    }))
}

/// Wrong one-time codes counted per account over a day.
const CODE_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Wrong codes of one account, from anywhere, before its code step waits:
/// 30 s, doubling with every further one, at most 15 minutes. A code is
/// one of a million (three are valid at once): without this, whoever has
/// the password could guess from many sign-ins and many addresses; with
/// it, about a hundred guesses a day.
const CODE_FAILURES_BEFORE_WAIT: u64 = 10;
const CODE_LONGEST_WAIT: u64 = 15 * 60;

/// How long an account's code step waits after `failures` wrong codes.
fn code_backoff(failures: u64) -> Option<Duration> {
    let over = failures.checked_sub(CODE_FAILURES_BEFORE_WAIT)?;
    let secs = 30u64.saturating_mul(1 << over.min(10));
    Some(Duration::from_secs(secs.min(CODE_LONGEST_WAIT)))
}

/// The one-time codes of one account (at one door), wherever the sign-ins
/// come from: the API's login and the pages' code step count together.
pub struct CodeGuard {
    account: String,
}

impl CodeGuard {
    pub fn of(door: Door, email: &str) -> Self {
        CodeGuard {
            account: digest(&format!("{door:?}:{}", email.trim().to_lowercase())),
        }
    }

    fn lock_key(&self) -> String {
        format!("code:wait:{}", self.account)
    }

    /// Whether a code may be tried now; if not, how long to wait.
    pub async fn check(&self, state: &AppState) -> Result<(), RateHeaders> {
        if let Ok(Some(until)) = state.cluster.cache_get(&self.lock_key()).await {
            let left = until
                .parse::<i64>()
                .unwrap_or(0)
                .saturating_sub(chrono::Utc::now().timestamp());
            if left > 0 {
                return Err(RateHeaders {
                    limit: CODE_FAILURES_BEFORE_WAIT,
                    remaining: 0,
                    reset_secs: left as u64,
                });
            }
        }
        Ok(())
    }

    /// Counts a wrong (or used) code; past a few, the account's code step
    /// waits.
    pub async fn failed(&self, state: &AppState) {
        let (counted, _) = state
            .cluster
            .hit(
                &format!("code:fail:{}", self.account),
                u64::MAX,
                CODE_WINDOW,
            )
            .await;
        let failures = u64::MAX - counted.remaining;
        if let Some(wait) = code_backoff(failures) {
            let until = chrono::Utc::now().timestamp() + wait.as_secs() as i64;
            let _ = state
                .cluster
                .cache_put(&self.lock_key(), failures as i64, &until.to_string(), wait)
                .await;
        }
    }
}

/// A staff sign-in under way, for counting its failures.
pub struct Attempt {
    /// (account, address), hashed: the pair whose failures are counted.
    pair: String,
}

impl Attempt {
    fn lock_key(&self) -> String {
        format!("login:wait:{}", self.pair)
    }

    /// Counts a failure of this (account, address): past a few, the pair
    /// waits (doubling), while the account's owner elsewhere is not held.
    pub async fn failed(&self, state: &AppState) {
        let (counted, _) = state
            .cluster
            .hit(&format!("login:fail:{}", self.pair), u64::MAX, LOGIN_WINDOW)
            .await;
        let failures = u64::MAX - counted.remaining;
        if let Some(wait) = backoff(failures) {
            let until = chrono::Utc::now().timestamp() + wait.as_secs() as i64;
            let _ = state
                .cluster
                .cache_put(&self.lock_key(), failures as i64, &until.to_string(), wait)
                .await;
        }
    }
}

/// An e-mail and password at a door (a staff member's, as the API's login
/// and the staff pages check them; a bureau officer's at the console):
/// limited per address and per (account, address), in the same time
/// whether or not the account exists, every failure recorded
/// (`login_failed`). The person, when the password is right; whether
/// their organisation may sign in is the caller's to ask.
pub async fn password_of(
    state: &AppState,
    req: &HttpRequest,
    door: Door,
    email: &str,
    password: String,
) -> Result<(Attempt, Person), ApiError> {
    let email = email.trim().to_lowercase();
    if email.len() > 254
        || password.chars().count() > credentials::MAX_PASSWORD_CHARS
        || !crate::problem::is_plain(&email)
    {
        return Err(ApiError::InvalidCredentials);
    }
    let address = client_address(req);
    let (d, _) = state
        .cluster
        .hit(
            &format!("login:addr:{address}"),
            LOGIN_PER_ADDRESS,
            LOGIN_WINDOW,
        )
        .await;
    if !d.allowed {
        return Err(ApiError::RateLimited(d.into()));
    }
    let attempt = Attempt {
        pair: format!("{}:{address}", digest(&format!("{door:?}:{email}"))),
    };
    if let Ok(Some(until)) = state.cluster.cache_get(&attempt.lock_key()).await {
        let left = until
            .parse::<i64>()
            .unwrap_or(0)
            .saturating_sub(chrono::Utc::now().timestamp());
        if left > 0 {
            return Err(ApiError::RateLimited(RateHeaders {
                limit: FAILURES_BEFORE_BACKOFF,
                remaining: 0,
                reset_secs: left as u64,
            }));
        }
    }
    let lookup = email.clone();
    let person = state
        .act(move |c| staff_sign_in::account(c, door, &lookup))
        .await?;
    let hash = person
        .as_ref()
        .map(|p| p.password_hash().to_owned())
        .unwrap_or_else(|| credentials::dummy_hash().to_owned());
    let ok = web::block(move || credentials::verify_password(&password, &hash)).await?;
    let Some(person) = person.filter(|_| ok) else {
        attempt.failed(state).await;
        let caller = audit_log::caller_of(None);
        state
            .act(move |c| staff_sign_in::sign_in_failed(c, &caller, door, &email))
            .await?;
        return Err(ApiError::InvalidCredentials);
    };
    Ok((attempt, person))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// The token to revoke. Any text is taken: one this server did not
    /// issue (or longer than any it issues) is answered 200 as RFC 7009
    /// §2.2 requires, so no length is refused here.
    pub token: String,
    /// `access_token` or `refresh_token`; only a hint, and any other value
    /// is ignored (RFC 7009 §2.1).
    pub token_type_hint: Option<String>,
    /// A client authenticating in the body rather than with HTTP Basic.
    #[schema(min_length = 1, max_length = 100, pattern = "^[!-~]+$")]
    pub client_id: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub client_secret: Option<String>,
}

impl RevokeRequest {
    /// The body's client credentials, where given, have the shape the
    /// schema states (whatever else authenticates the caller).
    fn credentials_well_formed(&self) -> bool {
        let id_ok = self.client_id.as_deref().is_none_or(|id| {
            (1..=100).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
        });
        let secret_ok = self
            .client_secret
            .as_deref()
            .is_none_or(|s| (1..=200).contains(&s.chars().count()));
        id_ok && secret_ok
    }
}

/// Who asks for a revocation (RFC 7009 §2.1: the caller authenticates):
/// an API client by its credentials (HTTP Basic or the body), or the
/// holder of a valid access token.
async fn revoking_caller(
    req: &HttpRequest,
    request: &RevokeRequest,
    state: &AppState,
) -> Result<Option<(Actor, &'static str)>, ApiError> {
    if let Some(p) = auth::principal_of(req) {
        return Ok(Some((p.actor().clone(), p.role())));
    }
    let Some((client_id, secret)) = client_credentials(
        req,
        request.client_id.as_ref(),
        request.client_secret.as_ref(),
    ) else {
        return Ok(None);
    };
    if client_id.len() > 100 || secret.len() > 200 {
        return Ok(None);
    }
    let presented = digest(&secret);
    let client = state.act(move |c| sessions::client(c, &client_id)).await?;
    Ok(client
        .filter(|c| digests_equal(&c.secret_hash, &presented))
        .map(|c| {
            let role = if c.kind == ClientKind::HwSystem {
                "hw_system"
            } else {
                "client"
            };
            (Actor::Client(c.client_id), role)
        }))
}

/// Token revocation (RFC 7009).
///
/// The caller authenticates (client credentials, or its own bearer token) and
/// may revoke what was issued to it: its access tokens, its refresh tokens;
/// the Hello Work system also the My Page sessions it mints. A refresh token
/// ends its whole family; an access token ends every access token of its
/// holder (the principal's epoch moves on). 200 whether or not the token was
/// known; 401 `invalid_client` without authentication; 400
/// `unauthorized_client` for a token issued to someone else.
#[utoipa::path(
    operation_id = "auth_revoke",
    tag = "auth",
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "revoked, or was not valid anyway"),
        (status = 400, body = OAuthError, description = "invalid_request, unauthorized_client"),
        (status = 401, body = OAuthError, description = "invalid_client"),
    )
)]
#[post("/revoke")]
pub async fn revoke(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let request: RevokeRequest = match parse_body(&req, &body) {
        Ok(r) => r,
        Err(why) => {
            return Ok(oauth_error(
                StatusCode::BAD_REQUEST,
                OAuthErrorCode::InvalidRequest,
                why,
            ))
        }
    };
    if !request.credentials_well_formed() {
        return Ok(oauth_error(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::InvalidRequest,
            "client_id is 1 to 100 visible ASCII characters, client_secret 1 to 200",
        ));
    }
    let Some((caller, caller_role)) = revoking_caller(&req, &request, &state).await? else {
        return Ok(oauth_error(
            StatusCode::UNAUTHORIZED,
            OAuthErrorCode::InvalidClient,
            "authenticate with client credentials or your own access token",
        ));
    };
    let not_yours = || {
        oauth_error(
            StatusCode::BAD_REQUEST,
            OAuthErrorCode::UnauthorizedClient,
            "the token was not issued to this caller",
        )
    };
    let presented = request.token;
    if presented.len() > 4096 {
        return Ok(HttpResponse::Ok().finish());
    }
    if let Ok(claims) = state.keys.verify(&presented) {
        let actor = match claims.act.as_str() {
            "user" => Some(Actor::User(claims.sub.clone())),
            "client" => Some(Actor::Client(claims.sub.clone())),
            "seeker" => Some(Actor::Seeker(claims.sub.clone())),
            _ => None,
        };
        if let Some(actor) = actor {
            let minted_by_caller = caller_role == "hw_system" && matches!(actor, Actor::Seeker(_));
            if actor != caller && !minted_by_caller {
                return Ok(not_yours());
            }
            let who = match &actor {
                Actor::User(id) => identity::PrincipalRef::User(id.clone()),
                Actor::Client(id) => identity::PrincipalRef::Client(id.clone()),
                Actor::Seeker(id) => identity::PrincipalRef::Seeker(id.clone()),
                Actor::Officer(id) => identity::PrincipalRef::Officer(id.clone()),
            };
            let revoker = audit_log::caller_of(Some(&caller));
            let org_public = claims.org.clone();
            let pref = claims
                .pref
                .as_deref()
                .and_then(|p| PrefectureCode::parse(p).ok());
            state
                .act(move |c| {
                    sessions::revoke_access(c, &revoker, &who, org_public.as_deref(), pref)
                })
                .await?;
            auth::principal_changed(&state, &actor).await?;
        }
    } else {
        let hash = digest(&presented);
        let caller_user = match &caller {
            Actor::User(id) => Some(id.clone()),
            _ => None,
        };
        let revoker = audit_log::caller_of(Some(&caller));
        let refused = state
            .act(move |c| sessions::revoke_refresh(c, &revoker, caller_user.as_deref(), &hash))
            .await?
            == Revoked::NotYours;
        if refused {
            return Ok(not_yours());
        }
    }
    Ok(HttpResponse::Ok().finish())
}

/// The public keys that sign access tokens (JWK set).
///
/// Every live Ed25519 key (`OKP`, `EdDSA`), by `kid`; after a rotation the
/// older keys stay listed, so tokens they signed still verify. Cacheable for
/// five minutes.
#[utoipa::path(
    operation_id = "jwks_read",
    tag = "auth",
    responses((status = 200, description = "JWK set", body = Object))
)]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.keys.jwks())
}

/// Authorization server metadata (RFC 8414).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServerMetadata {
    /// This deployment's base URL (`--public-url`, else the request's host).
    #[schema(example = "https://kyushoku.example.go.jp")]
    pub issuer: String,
    pub token_endpoint: String,
    pub revocation_endpoint: String,
    pub jwks_uri: String,
    /// No authorization endpoint: tokens come from the token endpoint only.
    pub response_types_supported: Vec<&'static str>,
    pub grant_types_supported: Vec<&'static str>,
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    pub revocation_endpoint_auth_methods_supported: Vec<&'static str>,
    /// Access tokens are self-contained: there is no scope to ask for.
    pub scopes_supported: Vec<&'static str>,
    pub service_documentation: String,
}

/// OAuth 2.0 authorization server metadata (RFC 8414).
///
/// Where the token, revocation and key endpoints are, which grants and
/// client authentication methods the token endpoint takes, so an OAuth
/// library can configure itself from one URL. Cacheable for five minutes.
#[utoipa::path(
    operation_id = "oauth_metadata_read",
    tag = "auth",
    responses((status = 200, body = ServerMetadata))
)]
#[get("/.well-known/oauth-authorization-server")]
pub async fn metadata(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let issuer = issuer_of(&req, &state.config);
    let at = |path: &str| format!("{issuer}{path}");
    let methods = vec!["client_secret_basic", "client_secret_post"];
    let answer = ServerMetadata {
        token_endpoint: at("/v1/auth/token"),
        revocation_endpoint: at("/v1/auth/revoke"),
        jwks_uri: at("/.well-known/jwks.json"),
        response_types_supported: Vec::new(),
        grant_types_supported: vec!["client_credentials", "refresh_token"],
        token_endpoint_auth_methods_supported: methods.clone(),
        revocation_endpoint_auth_methods_supported: methods,
        scopes_supported: Vec::new(),
        service_documentation: at("/docs"),
        issuer,
    };
    HttpResponse::Ok()
        .insert_header((
            header::CACHE_CONTROL,
            if state.config.public_url.is_some() {
                "public, max-age=300"
            } else {
                "no-store"
            },
        ))
        .json(answer)
}

/// The base URL this deployment is reached at: the configured one, or the
/// scheme this server speaks and the request's `Host` when it is a plain
/// host name (never a forwarded header, which any client can write).
pub fn issuer_of(req: &HttpRequest, config: &crate::ApiConfig) -> String {
    if let Some(url) = &config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let scheme = if config.hsts { "https" } else { "http" };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| req.app_config().host().to_owned());
    format!("{scheme}://{host}")
}
