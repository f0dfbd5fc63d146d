//! Who is calling, and may they.
//!
//! - [`authenticate`] (middleware, inside `observe`) verifies a bearer token,
//!   checks it against the principal's current state (its epoch, and its
//!   organisation's status and epoch: R8), and applies the per-principal rate
//!   limit shared across instances (R13). It records the outcome in the
//!   request; it refuses nothing but over-limit requests.
//! - [`Principal`] is the extractor handlers take: it answers 401 when there
//!   is no valid token, 403 when the organisation's access was revoked.
//!   Each handler then says what it needs (`require_bureau`,
//!   `require_approved_member`, …), so the rule sits next to the action.
//! - [`issue_access_token`] mints tokens for the token and login endpoints.

pub mod keys;
pub mod secrets;

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, FromRequest, HttpMessage, HttpRequest, ResponseError};
use kyushoku_domain::{ActorKind, OrganisationStatus, PrefectureCode, Sector};
use kyushoku_store::identity::{self, OrganisationState, PrincipalRef};
use kyushoku_store::OrganisationId;

use crate::problem::{ApiError, RateHeaders};
use crate::AppState;
use keys::Claims;

/// How long principal and organisation state may be served from the cache.
/// Changes are written through at once; this only bounds a lost write.
const STATE_TTL: Duration = Duration::from_secs(60);
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// Who acts: a staff user or an API client, by public id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User(String),
    Client(String),
    /// A job seeker on My Page, by `seeker_ref`.
    Seeker(String),
    /// A labour bureau's officer in the bureau's console, by `public_id`.
    Officer(String),
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User(_) => "user",
            Actor::Client(_) => "client",
            Actor::Seeker(_) => "seeker",
            Actor::Officer(_) => "officer",
        }
    }

    /// The kind of credential, as the audit trail names it.
    pub fn credential_kind(&self) -> ActorKind {
        match self {
            Actor::User(_) => ActorKind::User,
            Actor::Client(_) => ActorKind::Client,
            Actor::Seeker(_) => ActorKind::Seeker,
            Actor::Officer(_) => ActorKind::Bureau,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Actor::User(id) | Actor::Client(id) | Actor::Seeker(id) | Actor::Officer(id) => id,
        }
    }

    /// The principal as the store names it.
    pub fn to_ref(&self) -> PrincipalRef {
        match self {
            Actor::User(id) => PrincipalRef::User(id.clone()),
            Actor::Client(id) => PrincipalRef::Client(id.clone()),
            Actor::Seeker(id) => PrincipalRef::Seeker(id.clone()),
            Actor::Officer(id) => PrincipalRef::Officer(id.clone()),
        }
    }
}

/// A member of an organisation, with the organisation's state as of this
/// request.
#[derive(Debug, Clone)]
pub struct Member {
    pub organisation_id: OrganisationId,
    pub organisation_public_id: String,
    pub admin: bool,
    pub status: OrganisationStatus,
    pub seeker_info: bool,
    pub job_offers: bool,
    pub sector: Option<Sector>,
    /// The organisation's prefecture (its audit events are its bureau's).
    pub prefecture: PrefectureCode,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// The Hello Work system.
    HwSystem { actor: Actor },
    /// A labour bureau, bound to one prefecture.
    Bureau {
        actor: Actor,
        prefecture: PrefectureCode,
    },
    /// Staff or an API client of one organisation.
    Member { actor: Actor, member: Member },
    /// A job seeker on My Page (a short-lived session minted by Hello Work).
    Seeker { actor: Actor },
}

impl Principal {
    pub fn actor(&self) -> &Actor {
        match self {
            Principal::HwSystem { actor }
            | Principal::Bureau { actor, .. }
            | Principal::Member { actor, .. }
            | Principal::Seeker { actor } => actor,
        }
    }

    /// The role as written in tokens and the audit trail.
    pub fn role(&self) -> &'static str {
        match self {
            Principal::HwSystem { .. } => "hw_system",
            Principal::Bureau { .. } => "bureau",
            Principal::Member { member, .. } if member.admin => "org_admin",
            Principal::Member { .. } => "org_staff",
            Principal::Seeker { .. } => "seeker",
        }
    }

    /// The role as the audit trail names it.
    pub fn actor_kind(&self) -> ActorKind {
        match self {
            Principal::HwSystem { .. } => ActorKind::HwSystem,
            Principal::Bureau { .. } => ActorKind::Bureau,
            Principal::Member { member, .. } if member.admin => ActorKind::OrgAdmin,
            Principal::Member { .. } => ActorKind::OrgStaff,
            Principal::Seeker { .. } => ActorKind::Seeker,
        }
    }

    /// What a page cursor is bound to (R10): the organisation for its
    /// members (its staff and clients may pass cursors between them), the
    /// principal itself for everyone else.
    pub fn cursor_binding(&self) -> String {
        match self {
            Principal::Member { member, .. } => format!("org:{}", member.organisation_id.get()),
            Principal::HwSystem { actor } => format!("hw:{}:{}", actor.kind(), actor.id()),
            Principal::Bureau { actor, .. } => format!("bureau:{}:{}", actor.kind(), actor.id()),
            Principal::Seeker { actor } => format!("seeker:{}", actor.id()),
        }
    }

    /// The bureau's prefecture, or 403.
    pub fn require_bureau(&self) -> Result<&PrefectureCode, ApiError> {
        match self {
            Principal::Bureau { prefecture, .. } => Ok(prefecture),
            _ => Err(ApiError::Forbidden("only a labour bureau may do this")),
        }
    }

    /// The seeker's `seeker_ref`, or 403.
    pub fn require_seeker(&self) -> Result<&str, ApiError> {
        match self {
            Principal::Seeker { actor } => Ok(actor.id()),
            _ => Err(ApiError::Forbidden(
                "only the job seeker may do this, from My Page",
            )),
        }
    }

    pub fn require_hw_system(&self) -> Result<(), ApiError> {
        match self {
            Principal::HwSystem { .. } => Ok(()),
            _ => Err(ApiError::Forbidden(
                "only the Hello Work system may do this",
            )),
        }
    }

    /// Any member of any organisation, whatever its status.
    pub fn member(&self) -> Option<&Member> {
        match self {
            Principal::Member { member, .. } => Some(member),
            _ => None,
        }
    }

    /// A member of an approved organisation, or 403.
    pub fn require_approved_member(&self) -> Result<&Member, ApiError> {
        let member = self.member().ok_or(ApiError::Forbidden(
            "only an organisation's staff may do this",
        ))?;
        if member.status != OrganisationStatus::Approved {
            return Err(ApiError::NotApproved);
        }
        Ok(member)
    }
}

/// What `authenticate` found, kept in the request's extensions.
#[derive(Debug, Clone)]
enum AuthOutcome {
    Authenticated(Principal),
    Invalid(&'static str),
    Revoked,
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let outcome = req.extensions().get::<AuthOutcome>().cloned();
        std::future::ready(match outcome {
            Some(AuthOutcome::Authenticated(p)) => Ok(p),
            Some(AuthOutcome::Invalid(why)) => Err(ApiError::Unauthorized(why)),
            Some(AuthOutcome::Revoked) => Err(ApiError::AccessRevoked),
            None => Err(ApiError::Unauthorized(crate::problem::NO_TOKEN)),
        })
    }
}

/// The authenticated caller of a request, if its token stands: for the
/// few endpoints where authentication is optional (token revocation).
pub fn principal_of(req: &HttpRequest) -> Option<Principal> {
    match req.extensions().get::<AuthOutcome>() {
        Some(AuthOutcome::Authenticated(p)) => Some(p.clone()),
        _ => None,
    }
}

/// Paths that are never authenticated nor rate-limited: probes and docs.
fn is_operational(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics" | "/openapi.json")
        || path.starts_with("/docs")
}

fn bearer(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The address a request came from, for anonymous rate limits. The peer
/// address, not a forwarded header a client could forge.
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let Some(state) = state.filter(|_| !is_operational(req.path())) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    // The API takes bearer tokens only; the pages take only their session
    // cookie (so that no page's form can act with an API token, and no
    // API call with a cookie a browser sends by itself).
    let page = crate::pages::is_page(req.path());
    let signed = if page {
        match crate::pages::session::from_cookie(&state, req.request()).await {
            Ok(Some((session, claims))) => {
                let outcome = signed_by(claims);
                req.extensions_mut().insert(session);
                Some(outcome)
            }
            Ok(None) => None,
            Err(e) => return Ok(req.into_response(e.error_response()).map_into_right_body()),
        }
    } else {
        match bearer(&req) {
            Some(token) => match verify(&state, &token).await {
                Ok(v) => Some(v),
                Err(e) => return Ok(req.into_response(e.error_response()).map_into_right_body()),
            },
            None => None,
        }
    };
    // A validly signed token counts against its principal's limit, and its
    // principal's and organisation's cached state come back in the same
    // round trip; anything else counts against the address.
    let mut counted = None;
    let outcome = match signed {
        Some(Ok(token)) => {
            let cached = token.cache_keys();
            let (decision, degraded, values) = state
                .cluster
                .hit_and_get(
                    &rate_key(&token),
                    state.config.rate_limit_per_minute,
                    RATE_WINDOW,
                    &cached,
                )
                .await;
            let outcome = match resolve(&state, token, values).await {
                Ok(o) => o,
                Err(e) => return Ok(req.into_response(e.error_response()).map_into_right_body()),
            };
            if let AuthOutcome::Authenticated(_) = outcome {
                counted = Some((decision, degraded));
            }
            Some(outcome)
        }
        Some(Err(why)) => Some(AuthOutcome::Invalid(why)),
        None => None,
    };
    let (decision, degraded) = match counted {
        Some(c) => c,
        None => {
            let key = format!("a:{}", client_address(req.request()));
            let limit = state.config.anonymous_rate_limit_per_minute;
            state.cluster.hit(&key, limit, RATE_WINDOW).await
        }
    };
    state.metrics.set_dependency(
        "shared_state",
        !degraded || state.cluster.mode() == "in_process",
    );
    let headers = RateHeaders::from(decision);
    if !decision.allowed {
        let refusal = ApiError::RateLimited(headers).error_response();
        return Ok(req.into_response(refusal).map_into_right_body());
    }
    if let Some(outcome) = outcome {
        req.extensions_mut().insert(outcome);
    }
    let mut res = next.call(req).await?;
    headers.apply(res.headers_mut());
    Ok(res.map_into_left_body())
}

/// A token whose signature, lifetime and actor check out; whether it still
/// stands (R8) is for [`resolve`].
struct SignedToken {
    actor: Actor,
    claims: Claims,
}

impl SignedToken {
    /// The cache entries `resolve` reads: the principal's state and, for an
    /// organisation's member, the organisation's.
    fn cache_keys(&self) -> Vec<String> {
        let mut keys = vec![principal_key(&self.actor)];
        keys.extend(self.claims.org.as_deref().map(organisation_key));
        keys
    }
}

/// Checks a token's signature. Only a failure to reach the database (to
/// load a newly published key) is an error; a bad token is `Err(why)`.
async fn verify(
    state: &AppState,
    token: &str,
) -> Result<Result<SignedToken, &'static str>, ApiError> {
    const INVALID: &str = "the access token is invalid or expired";
    let mut verified = state.keys.verify(token);
    if verified.is_err() {
        // Perhaps signed with a key published since the ring was loaded.
        if let Some(kid) = keys::KeyRing::kid_of(token) {
            if state.keys.needs_reload(&kid) {
                let keys = state.keys.clone();
                state.db_run(move |c| keys.reload(c)).await?;
                verified = state.keys.verify(token);
            }
        }
    }
    let Ok(claims) = verified else {
        return Ok(Err(INVALID));
    };
    Ok(signed_by(claims))
}

/// The token a set of claims stands for, if its actor is one there is:
/// from a verified bearer token or from a browser session (which keeps
/// the claims an access token would carry).
fn signed_by(claims: Claims) -> Result<SignedToken, &'static str> {
    const INVALID: &str = "the access token is invalid or expired";
    let actor = match claims.act.as_str() {
        "user" => Actor::User(claims.sub.clone()),
        "client" => Actor::Client(claims.sub.clone()),
        "seeker" => Actor::Seeker(claims.sub.clone()),
        "officer" => Actor::Officer(claims.sub.clone()),
        _ => return Err(INVALID),
    };
    Ok(SignedToken { actor, claims })
}

/// Checks a signed token against current state (R8): the principal's
/// epoch and, for a member, the organisation's status and epoch. `cached`
/// holds what the cache had for [`SignedToken::cache_keys`]; a miss reads
/// the database. Only a failure to reach the database is an error.
async fn resolve(
    state: &AppState,
    token: SignedToken,
    cached: Vec<Option<String>>,
) -> Result<AuthOutcome, ApiError> {
    const INVALID: AuthOutcome = AuthOutcome::Invalid("the access token is invalid or expired");
    const REVOKED_TOKEN: AuthOutcome = AuthOutcome::Invalid("the access token was revoked");
    let SignedToken { actor, claims } = token;
    let mut cached = cached.into_iter();
    let Some((epoch, org_id)) = principal_epoch(state, &actor, cached.next().flatten()).await?
    else {
        return Ok(REVOKED_TOKEN);
    };
    if epoch != claims.ep {
        return Ok(REVOKED_TOKEN);
    }
    let principal = match (claims.role.as_str(), org_id) {
        ("hw_system", None) => Principal::HwSystem { actor },
        ("seeker", None) if matches!(actor, Actor::Seeker(_)) => Principal::Seeker { actor },
        ("bureau", None) => match claims.pref.as_deref().map(PrefectureCode::parse) {
            Some(Ok(prefecture)) => Principal::Bureau { actor, prefecture },
            _ => return Ok(INVALID),
        },
        (role @ ("org_admin" | "org_staff"), Some(org_id)) => {
            let Some(org) = organisation_state(state, org_id, cached.next().flatten()).await?
            else {
                return Ok(REVOKED_TOKEN);
            };
            if Some(org.epoch) != claims.oep
                || claims.org.as_deref() != Some(org.public_id.as_str())
            {
                return Ok(AuthOutcome::Revoked);
            }
            Principal::Member {
                actor,
                member: member_of(&org, role == "org_admin"),
            }
        }
        _ => return Ok(INVALID),
    };
    Ok(AuthOutcome::Authenticated(principal))
}

fn member_of(org: &OrganisationState, admin: bool) -> Member {
    Member {
        organisation_id: org.id,
        organisation_public_id: org.public_id.clone(),
        admin,
        status: org.status_on(kyushoku_domain::calendar::today_in_japan()),
        seeker_info: org.seeker_info,
        job_offers: org.job_offers,
        sector: org.sector,
        prefecture: org.prefecture.clone(),
    }
}

/// The rate-limit bucket of an authenticated principal (R13): an
/// organisation's members (its staff and all its API clients) share the
/// organisation's, so that more clients never mean more requests.
fn rate_key(token: &SignedToken) -> String {
    match &token.claims.org {
        Some(org) => format!("o:{org}"),
        None => format!("p:{}:{}", token.actor.kind(), token.actor.id()),
    }
}

fn principal_key(actor: &Actor) -> String {
    match actor {
        Actor::User(id) => format!("ps:u:{id}"),
        Actor::Client(id) => format!("ps:c:{id}"),
        Actor::Seeker(id) => format!("ps:s:{id}"),
        Actor::Officer(id) => format!("ps:b:{id}"),
    }
}

/// A principal's epoch only grows, and one that is gone stays gone: the
/// epoch is its cached state's version (R8: never backwards).
fn principal_version(found: Option<(i64, Option<OrganisationId>)>) -> i64 {
    match found {
        Some((epoch, _)) => epoch,
        None => kyushoku_cluster::FINAL_VERSION,
    }
}

fn encode_principal(found: Option<(i64, Option<OrganisationId>)>) -> String {
    match found {
        None => "gone".to_owned(),
        Some((epoch, org)) => format!(
            "{epoch}|{}",
            org.map(|o| o.get().to_string()).unwrap_or_default()
        ),
    }
}

fn decode_principal(v: &str) -> Option<Option<(i64, Option<OrganisationId>)>> {
    if v == "gone" {
        return Some(None);
    }
    let (e, o) = v.split_once('|')?;
    let org = if o.is_empty() {
        None
    } else {
        Some(OrganisationId::from_row(o.parse().ok()?))
    };
    Some(Some((e.parse().ok()?, org)))
}

/// The principal's epoch and organisation: `cached` when it decodes, else
/// from the database (and then cached).
async fn principal_epoch(
    state: &AppState,
    actor: &Actor,
    cached: Option<String>,
) -> Result<Option<(i64, Option<OrganisationId>)>, ApiError> {
    if let Some(found) = cached.as_deref().and_then(decode_principal) {
        return Ok(found);
    }
    let who = actor.to_ref();
    let found = state
        .db_run(move |c| identity::principal_epoch(c, &who))
        .await?;
    let _ = state
        .cluster
        .cache_fill(
            &principal_key(actor),
            principal_version(found),
            &encode_principal(found),
            STATE_TTL,
        )
        .await;
    Ok(found)
}

/// Organisation state is cached by public id, which the member's token
/// names, so that it can be read in the same round trip as the principal's.
fn organisation_key(public_id: &str) -> String {
    format!("os:{public_id}")
}

fn encode_org(o: &OrganisationState) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
        o.version,
        o.id.get(),
        o.public_id,
        o.status.as_str(),
        o.epoch,
        u8::from(o.seeker_info),
        u8::from(o.job_offers),
        o.sector.map(Sector::as_str).unwrap_or(""),
        o.prefecture,
        o.in_force_until.map(|d| d.to_string()).unwrap_or_default()
    )
}

fn decode_org(v: &str) -> Option<OrganisationState> {
    let p: Vec<&str> = v.split('|').collect();
    let [version, id, public_id, status, epoch, si, jo, sector, prefecture, until] = p.as_slice()
    else {
        return None;
    };
    Some(OrganisationState {
        version: version.parse().ok()?,
        id: OrganisationId::from_row(id.parse().ok()?),
        public_id: (*public_id).to_owned(),
        status: OrganisationStatus::parse(status)?,
        epoch: epoch.parse().ok()?,
        seeker_info: *si == "1",
        job_offers: *jo == "1",
        sector: if sector.is_empty() {
            None
        } else {
            Some(Sector::parse(sector)?)
        },
        prefecture: PrefectureCode::parse(prefecture).ok()?,
        in_force_until: if until.is_empty() {
            None
        } else {
            Some(until.parse().ok()?)
        },
    })
}

/// Organisation `id`'s state: `cached` when it decodes to that
/// organisation, else from the database (and then cached).
async fn organisation_state(
    state: &AppState,
    id: OrganisationId,
    cached: Option<String>,
) -> Result<Option<OrganisationState>, ApiError> {
    if let Some(o) = cached
        .as_deref()
        .and_then(decode_org)
        .filter(|o| o.id == id)
    {
        return Ok(Some(o));
    }
    let found = state
        .db_run(move |c| identity::organisation_state(c, id))
        .await?;
    if let Some(o) = &found {
        let _ = state
            .cluster
            .cache_fill(
                &organisation_key(&o.public_id),
                o.version,
                &encode_org(o),
                STATE_TTL,
            )
            .await;
    }
    Ok(found)
}

/// After an organisation's state changed in the database: write the new
/// state through to the cache, so every instance sees it on its next request.
pub async fn organisation_changed(state: &AppState, id: OrganisationId) -> Result<(), ApiError> {
    let found = state
        .db_run(move |c| identity::organisation_state(c, id))
        .await?;
    if let Some(o) = found {
        if let Err(e) = state
            .cluster
            .cache_put(
                &organisation_key(&o.public_id),
                o.version,
                &encode_org(&o),
                STATE_TTL,
            )
            .await
        {
            tracing::warn!(error = %e, "could not write organisation state through to the cache");
        }
    }
    Ok(())
}

/// After a user's or client's epoch changed (revocation, deletion).
pub async fn principal_changed(state: &AppState, actor: &Actor) -> Result<(), ApiError> {
    let who = actor.to_ref();
    let found = state
        .db_run(move |c| identity::principal_epoch(c, &who))
        .await?;
    if let Err(e) = state
        .cluster
        .cache_put(
            &principal_key(actor),
            principal_version(found),
            &encode_principal(found),
            STATE_TTL,
        )
        .await
    {
        tracing::warn!(error = %e, "could not write principal state through to the cache");
    }
    Ok(())
}

/// What an access token is issued for.
#[derive(Debug, Clone)]
pub struct TokenSubject {
    pub actor: Actor,
    pub role: &'static str,
    pub organisation_public_id: Option<String>,
    pub prefecture: Option<PrefectureCode>,
    pub epoch: i64,
    pub organisation_epoch: Option<i64>,
}

/// Mints an access token; returns it with its lifetime in seconds.
pub fn issue_access_token(
    state: &AppState,
    subject: &TokenSubject,
) -> Result<(String, i64), ApiError> {
    let ttl = state.config.access_token_ttl_secs;
    Ok((state.keys.sign(&claims_for(subject, ttl))?, ttl))
}

/// The claims of an access token for `subject` that lives `ttl` seconds
/// (a browser session keeps the same claims).
pub fn claims_for(subject: &TokenSubject, ttl: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        iss: keys::ISSUER.into(),
        aud: keys::AUDIENCE.into(),
        sub: subject.actor.id().to_owned(),
        exp: now + ttl,
        nbf: now,
        iat: now,
        jti: uuid::Uuid::now_v7().to_string(),
        role: subject.role.to_owned(),
        act: subject.actor.kind().to_owned(),
        org: subject.organisation_public_id.clone(),
        pref: subject.prefecture.as_ref().map(|p| p.as_str().to_owned()),
        ep: subject.epoch,
        oep: subject.organisation_epoch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_state_round_trips() {
        for found in [
            None,
            Some((3, None)),
            Some((0, Some(OrganisationId::from_row(42)))),
        ] {
            assert_eq!(decode_principal(&encode_principal(found)), Some(found));
        }
        let o = OrganisationState {
            id: OrganisationId::from_row(7),
            public_id: "0193-abc".into(),
            status: OrganisationStatus::Approved,
            epoch: 2,
            seeker_info: true,
            job_offers: false,
            sector: Some(Sector::Public),
            prefecture: PrefectureCode::parse("13").unwrap(),
            version: 1_700_000_000_000_000,
            in_force_until: chrono::NaiveDate::from_ymd_opt(2029, 3, 31),
        };
        assert_eq!(decode_org(&encode_org(&o)), Some(o.clone()));
        let o = OrganisationState {
            in_force_until: None,
            ..o
        };
        assert_eq!(decode_org(&encode_org(&o)), Some(o));
        assert_eq!(decode_org("garbage"), None);
        // Earlier forms of the cache (before the id, before the
        // prefecture) do not decode: they are read again from the database.
        assert_eq!(decode_org("0193-abc|approved|2|1|0|public"), None);
        assert_eq!(decode_org("7|0193-abc|approved|2|1|0|public"), None);
        // Nor does one from before the approval's period.
        assert_eq!(decode_org("1|7|0193-abc|approved|2|1|0|public|13"), None);
    }

    #[test]
    fn probes_and_docs_skip_authentication() {
        assert!(is_operational("/healthz"));
        assert!(is_operational("/docs/index.html"));
        assert!(!is_operational("/v1/organisations"));
    }
}
