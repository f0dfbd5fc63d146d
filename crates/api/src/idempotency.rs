//! R12: `Idempotency-Key` on creating POSTs. The same key with the same body
//! gets the first answer again (nothing is done twice); the same key with
//! another body is 422. Keys are per principal, kept in the database with
//! the answer sealed ([`kyushoku_service::idempotency`]): an answer may hold
//! a secret shown once (a new API client's, a seeker's session token), which
//! the database then never holds in clear. This module reads the header,
//! replays and refuses; a use case keeps the record itself ([`Pledge`]).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use kyushoku_domain::seal::Sealer;
use kyushoku_service::idempotency::open_answer;
pub use kyushoku_service::Pledge;
use kyushoku_store::idempotency::{self, Remembered};

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

fn replay(
    sealer: &Sealer,
    principal: &str,
    key: &str,
    r: &Remembered,
) -> Result<HttpResponse, ApiError> {
    let body = open_answer(sealer, principal, key, &r.response)
        .ok_or_else(|| ApiError::Internal("a stored answer does not open".into()))?;
    Ok(
        HttpResponse::build(StatusCode::from_u16(r.status as u16).unwrap_or(StatusCode::OK))
            .content_type("application/json")
            .insert_header(("Idempotent-Replayed", "true"))
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
/// the stored answer, one with another body 422; without a key, just runs.
/// The answer is stored in the same transaction as the work, by the use
/// case with [`Pledge::keep`], so a crash between the two cannot leave work
/// done with no answer kept, and two concurrent requests with one key
/// cannot both do it. When the work fails and a request with the same key
/// has meanwhile succeeded, its answer is replayed.
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
    let pledge = Pledge::new(principal, &key, &hash, state.sealer.clone());
    match work(Some(pledge)).await {
        Ok((status, value)) => Ok(HttpResponse::build(status).json(value)),
        Err(e) => match earlier(state).await? {
            Some(r) => replay_or_refuse(&state.sealer, principal, &key, &r, &hash),
            None => Err(e),
        },
    }
}

/// [`once_atomic`] for a caller that renders the answer itself (a page's
/// form, whose hidden key makes a second press do nothing twice): the
/// answer as a value, and on a replay the first answer again.
pub async fn once_value<F, Fut>(
    state: &AppState,
    principal: &str,
    key: String,
    body: &[u8],
    work: F,
) -> Result<serde_json::Value, ApiError>
where
    F: FnOnce(Option<Pledge>) -> Fut,
    Fut: std::future::Future<Output = Result<serde_json::Value, ApiError>>,
{
    let hash = digest_bytes(body);
    let earlier = |state: &AppState| {
        let (p, k) = (principal.to_owned(), key.clone());
        let db = state.clone();
        async move { db.db_run(move |c| idempotency::lookup(c, &p, &k)).await }
    };
    let remembered = |r: Remembered| -> Result<serde_json::Value, ApiError> {
        if r.request_hash != hash {
            return Err(ApiError::validation_one(
                "Idempotency-Key",
                "this key was used with another request body",
            ));
        }
        let body = open_answer(&state.sealer, principal, &key, &r.response)
            .ok_or_else(|| ApiError::Internal("a stored answer does not open".into()))?;
        serde_json::from_slice(&body)
            .map_err(|_| ApiError::Internal("a stored answer is not JSON".into()))
    };
    if let Some(r) = earlier(state).await? {
        return remembered(r);
    }
    let pledge = Pledge::new(principal, &key, &hash, state.sealer.clone());
    match work(Some(pledge)).await {
        Ok(value) => Ok(value),
        Err(e) => match earlier(state).await? {
            Some(r) => remembered(r),
            None => Err(e),
        },
    }
}

/// [`once_atomic`] for work that is not one transaction (a batch of many,
/// a session token of none): its answer is kept right after it, in a
/// transaction of its own. A concurrent request with the same key whose
/// answer was kept first is replayed instead.
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
    let st = state.clone();
    once_atomic(state, principal, key, body, move |pledge| async move {
        let (status, value) = work().await?;
        if let Some(pledge) = pledge {
            let kept = value.clone();
            st.act(move |c| Ok(pledge.keep(c, status.as_u16(), &kept)?))
                .await?;
        }
        Ok((status, value))
    })
    .await
}
