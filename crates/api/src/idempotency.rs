//! R12: `Idempotency-Key` on creating POSTs. The same key with the same body
//! gets the first answer again (nothing is done twice); the same key with
//! another body is 422. Keys are per principal, kept in the database with
//! the answer sealed ([`kyushoku_domain::seal`]): an answer may hold a
//! secret shown once (a new API client's, a seeker's session token), which
//! the database then never holds in clear.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use kyushoku_store::idempotency::{self, Remembered};
use kyushoku_store::{DbConn, StoreError};

use kyushoku_domain::seal::Sealer;

use crate::auth::secrets::digest_bytes;
use crate::problem::ApiError;
use crate::AppState;

pub const HEADER: &str = "idempotency-key";

/// The key a request carries, checked: 1–255 visible ASCII characters.
/// What a key may be, as a JSON Schema pattern (the API document states it
/// on every `Idempotency-Key` parameter): 1–255 visible ASCII characters.
pub const KEY_PATTERN: &str = "^[!-~]{1,255}$";

pub fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let s = v
        .to_str()
        .ok()
        .filter(|s| (1..=255).contains(&s.len()) && s.bytes().all(|b| (0x21..=0x7e).contains(&b)))
        .ok_or_else(|| {
            ApiError::validation_one("Idempotency-Key", "1 to 255 visible ASCII characters")
        })?;
    Ok(Some(s.to_owned()))
}

const SEALED: &str = "sealed:";

fn context(principal: &str, key: &str) -> Vec<u8> {
    format!("idempotency\u{0}{principal}\u{0}{key}").into_bytes()
}

/// The answer as stored: sealed for (principal, key).
fn sealed(state_sealer: &Sealer, principal: &str, key: &str, value: &serde_json::Value) -> String {
    let text = value.to_string();
    format!(
        "{SEALED}{}",
        state_sealer.seal_bytes(&context(principal, key), text.as_bytes())
    )
}

fn replay(
    sealer: &Sealer,
    principal: &str,
    key: &str,
    r: &Remembered,
) -> Result<HttpResponse, ApiError> {
    let body = match r.response.strip_prefix(SEALED) {
        Some(s) => sealer
            .open_bytes(&context(principal, key), s)
            .ok_or_else(|| ApiError::Internal("a stored answer does not open".into()))?,
        // Stored before answers were sealed.
        None => r.response.clone().into_bytes(),
    };
    Ok(
        HttpResponse::build(StatusCode::from_u16(r.status as u16).unwrap_or(StatusCode::OK))
            .content_type("application/json")
            .insert_header(("Idempotent-Replayed", "true"))
            .insert_header(("Cache-Control", "no-store"))
            .body(body),
    )
}

/// An earlier answer under the key: replayed for the same body, 422 for
/// another.
fn replay_or_refuse(
    sealer: &Sealer,
    principal: &str,
    key: &str,
    r: &Remembered,
    hash: &str,
) -> Result<HttpResponse, ApiError> {
    if r.request_hash == hash {
        replay(sealer, principal, key, r)
    } else {
        Err(ApiError::validation_one(
            "Idempotency-Key",
            "this key was used with another request body",
        ))
    }
}

/// Runs `work` once per (principal, key): a retry with the same body gets
/// the stored answer, one with another body 422. Without a key, just runs.
pub async fn once<F, Fut>(
    state: &AppState,
    principal: &str,
    key: Option<String>,
    body: &[u8],
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(StatusCode, serde_json::Value), ApiError>>,
{
    let Some(key) = key else {
        let (status, value) = work().await?;
        return Ok(HttpResponse::build(status).json(value));
    };
    let hash = digest_bytes(body);
    let principal = principal.to_owned();
    let (p, k) = (principal.clone(), key.clone());
    if let Some(r) = state
        .db_run(move |c| idempotency::lookup(c, &p, &k))
        .await?
    {
        return replay_or_refuse(&state.sealer, &principal, &key, &r, &hash);
    }
    let (status, value) = work().await?;
    let answer = Remembered {
        request_hash: hash.clone(),
        status: i32::from(status.as_u16()),
        response: sealed(&state.sealer, &principal, &key, &value),
    };
    let stored = answer.clone();
    let (p, k) = (principal.clone(), key.clone());
    let earlier = state
        .db_run(move |c| idempotency::remember(c, &p, &k, &stored))
        .await?;
    match earlier {
        // A concurrent request with the same key finished first.
        Some(r) => replay_or_refuse(&state.sealer, &principal, &key, &r, &hash),
        None => Ok(HttpResponse::build(status).json(value)),
    }
}

/// The promise to store a request's answer under its `Idempotency-Key`,
/// kept inside the transaction that does the work.
#[derive(Debug, Clone)]
pub struct Pledge {
    principal: String,
    key: String,
    hash: String,
    sealer: std::sync::Arc<Sealer>,
}

impl Pledge {
    /// Stores `value` as the answer, in the caller's transaction.
    pub fn keep(
        &self,
        c: &mut DbConn,
        status: StatusCode,
        value: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let answer = Remembered {
            request_hash: self.hash.clone(),
            status: i32::from(status.as_u16()),
            response: sealed(&self.sealer, &self.principal, &self.key, value),
        };
        idempotency::keep(c, &self.principal, &self.key, &answer)
    }
}

/// Like [`once`], for work that creates something (a message, a hire
/// report): the answer is stored in the same transaction as the work, by
/// [`Pledge::keep`], so a crash between the two cannot leave work done with
/// no answer kept, and two concurrent requests with one key cannot both do
/// it. When the work fails and a request with the same key has meanwhile
/// succeeded, its answer is replayed.
pub async fn once_atomic<F, Fut>(
    state: &AppState,
    principal: &str,
    key: Option<String>,
    body: &[u8],
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(Option<Pledge>) -> Fut,
    Fut: std::future::Future<Output = Result<(StatusCode, serde_json::Value), ApiError>>,
{
    let Some(key) = key else {
        let (status, value) = work(None).await?;
        return Ok(HttpResponse::build(status).json(value));
    };
    let hash = digest_bytes(body);
    let earlier = |state: &AppState| {
        let (p, k) = (principal.to_owned(), key.clone());
        let db = state.clone();
        async move { db.db_run(move |c| idempotency::lookup(c, &p, &k)).await }
    };
    if let Some(r) = earlier(state).await? {
        return replay_or_refuse(&state.sealer, principal, &key, &r, &hash);
    }
    let pledge = Pledge {
        principal: principal.to_owned(),
        key: key.clone(),
        hash: hash.clone(),
        sealer: state.sealer.clone(),
    };
    match work(Some(pledge)).await {
        Ok((status, value)) => Ok(HttpResponse::build(status).json(value)),
        Err(e) => match earlier(state).await? {
            Some(r) => replay_or_refuse(&state.sealer, principal, &key, &r, &hash),
            None => Err(e),
        },
    }
}
