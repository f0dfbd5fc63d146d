//! `POST /v1/seekers/{seeker_ref}/sessions`: Hello Work mints a short-lived
//! token for the seeker's My Page.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use kyushoku_service::{browser, seekers};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{self, Actor, Principal, TokenSubject};
use crate::problem::{ApiError, Problem};
use crate::{idempotency, AppState};
use kyushoku_service::ingest::check_seeker_ref;

/// A seeker session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeekerSession {
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: i64,
}

/// Mint a My Page session for a seeker (Hello Work only).
///
/// Revoke it with `POST /v1/auth/revoke`.
#[utoipa::path(
    operation_id = "seekers_sessions_create",
    tag = "seekers",
    params(
        ("seeker_ref" = String, Path, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "Hello Work's opaque reference"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely: the same key gets the same session again"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, body = SeekerSession),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{seeker_ref}/sessions")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    seeker_ref: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require_hw_system()?;
    check_seeker_ref(&seeker_ref).map_err(|_| ApiError::NotFound)?;
    let key = idempotency::key_of(&req)?;
    let who = format!("hw:{}", principal.actor().id());
    let raw = format!("sessions:{seeker_ref}").into_bytes();
    let st = state.clone();
    idempotency::once(&state, &who, key, &raw, move || async move {
        mint(&st, seeker_ref.into_inner()).await
    })
    .await
}

async fn mint(
    state: &AppState,
    seeker_ref: String,
) -> Result<(StatusCode, serde_json::Value), ApiError> {
    let r = seeker_ref.clone();
    let epoch = state.act(move |c| seekers::session_epoch(c, &r)).await?;
    let (access_token, expires_in) = auth::issue_access_token(
        state,
        &TokenSubject {
            actor: Actor::Seeker(seeker_ref),
            role: "seeker",
            organisation_public_id: None,
            prefecture: None,
            epoch,
            organisation_epoch: None,
        },
    )?;
    let session = SeekerSession {
        access_token,
        expires_in,
    };
    Ok((
        StatusCode::CREATED,
        serde_json::to_value(session).expect("plain data serialises"),
    ))
}

/// A sign-in link for the seeker's My Page in a browser.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInLink {
    /// Open it once, within `expires_in` seconds: it shows a button that
    /// opens the seeker's My Page (a cookie session).
    pub url: String,
    /// Seconds until it expires (at most 300).
    pub expires_in: i64,
}

/// Make a single-use sign-in link for a seeker (Hello Work only).
///
/// Hello Work hands the link to the seeker (a QR code at the counter, a
/// message); it works once, for at most five minutes, and opens the
/// seeker's My Page pages in the browser with no password of ours.
#[utoipa::path(
    operation_id = "seekers_sign_in_links_create",
    tag = "seekers",
    params(
        ("seeker_ref" = String, Path, pattern = "^[A-Za-z0-9_-]{1,64}$", description = "Hello Work's opaque reference"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely: the same key gets the same link again"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, body = SignInLink),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{seeker_ref}/sign-in-links")]
pub async fn sign_in_link(
    req: HttpRequest,
    principal: Principal,
    seeker_ref: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    principal.require_hw_system()?;
    check_seeker_ref(&seeker_ref).map_err(|_| ApiError::NotFound)?;
    let key = idempotency::key_of(&req)?;
    let who = format!("hw:{}", principal.actor().id());
    let raw = format!("sign-in-links:{seeker_ref}").into_bytes();
    let base = crate::routes::auth::issuer_of(&req, &state.config);
    let st = state.clone();
    idempotency::once(&state, &who, key, &raw, move || async move {
        let now = kyushoku_store::now();
        let link = st
            .act(move |c| browser::issue_sign_in_link(c, &seeker_ref, now))
            .await?;
        let answer = SignInLink {
            url: format!("{base}/my-page/sign-in/{}", link.token),
            expires_in: link.expires_in.num_seconds(),
        };
        Ok((
            StatusCode::CREATED,
            serde_json::to_value(answer).expect("plain data serialises"),
        ))
    })
    .await
}
