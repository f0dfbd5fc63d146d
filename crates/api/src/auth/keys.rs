//! JWT signing keys and access tokens.
//!
//! Access tokens are EdDSA (Ed25519) JWTs with a pinned algorithm and a key
//! id. Keys live in the database so that every instance signs and verifies
//! with the same ones and they survive restarts; all live keys are published
//! at `/.well-known/jwks.json`. `kyushoku admin rotate-keys` adds a new key:
//! instances sign with the newest and reload the ring when they meet a key
//! id they do not know, so tokens keep working across a rotation.
//!
//! Checking an Ed25519 signature is a tenth of the CPU a profile search
//! costs the service, and a client sends the same token with every request
//! for its lifetime, so the ring remembers the tokens it has verified (see
//! [`Verified`]): a token that is byte for byte one already verified only
//! has its expiry checked again.

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kyushoku_store::identity::{self, SigningKeyRow};
use kyushoku_store::{now, DbConn, StoreError};
use serde::{Deserialize, Serialize};

use super::secrets::random_bytes;
use crate::problem::ApiError;

pub const ISSUER: &str = "kyushoku";
pub const AUDIENCE: &str = "kyushoku-api";
/// Clock skew tolerated on `exp`, `nbf` and `iat`.
const LEEWAY_SECS: u64 = 30;
/// At most one reload of the ring for unknown key ids per this interval.
const RELOAD_INTERVAL: Duration = Duration::from_secs(10);
/// How many verified tokens an instance remembers: one per client or user
/// active within a token's lifetime, at a few hundred bytes each.
const VERIFIED_CAPACITY: usize = 4096;

/// The claims of every access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The principal's public id: a user's id, a client's `client_id`.
    pub sub: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: String,
    /// `hw_system`, `bureau`, `org_admin`, `org_staff` (and `seeker`).
    pub role: String,
    /// `user` or `client` (and `seeker`).
    pub act: String,
    /// The organisation's public id, for organisation members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The bureau's prefecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pref: Option<String>,
    /// The principal's epoch at issue: revocation bumps it.
    pub ep: i64,
    /// The organisation's epoch at issue: suspension and revocation bump it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oep: Option<i64>,
}

struct Ring {
    signing_kid: String,
    signing: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
    public: Vec<(String, String)>,
    loaded_at: Instant,
}

/// Tokens whose signature and claims this instance has checked, keyed by
/// the whole token, so a hit is the very bytes that were verified. Bounded:
/// when full, expired tokens go, and if that frees nothing, all of them
/// (each is then verified once more). Emptied whenever the ring is
/// reloaded, so a token never outlives the key that verified it here.
#[derive(Default)]
struct Verified(HashMap<Box<str>, Claims>);

impl Verified {
    /// The claims of `token` if it was verified and has not expired by `now`.
    fn get(&mut self, token: &str, now: i64) -> Option<Claims> {
        let claims = self.0.get(token)?;
        if unexpired(claims, now) {
            return Some(claims.clone());
        }
        self.0.remove(token);
        None
    }

    fn insert(&mut self, token: &str, claims: &Claims, now: i64) {
        if self.0.len() >= VERIFIED_CAPACITY {
            self.0.retain(|_, c| unexpired(c, now));
            if self.0.len() >= VERIFIED_CAPACITY {
                self.0.clear();
            }
        }
        self.0.insert(token.into(), claims.clone());
    }
}

/// `exp` as jsonwebtoken checks it (with the leeway). `nbf` and `iat` need
/// no second look: they were in the past, give or take the leeway, when
/// the token was verified.
fn unexpired(claims: &Claims, now: i64) -> bool {
    claims.exp >= now - LEEWAY_SECS as i64
}

/// The keys of this deployment.
pub struct KeyRing {
    ring: RwLock<Ring>,
    validation: Validation,
    verified: Mutex<Verified>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing")
    }
}

fn new_key_row() -> SigningKeyRow {
    let seed = random_bytes::<32>();
    let key = SigningKey::from_bytes(&seed);
    let kid = format!("k{}", uuid::Uuid::now_v7().simple());
    SigningKeyRow {
        kid,
        secret_key: URL_SAFE_NO_PAD.encode(seed),
        public_key: URL_SAFE_NO_PAD.encode(key.verifying_key().to_bytes()),
        created_at: now(),
        retired_at: None,
    }
}

/// Adds a new signing key (rotation). Returns its key id.
pub fn rotate(conn: &mut DbConn) -> Result<String, StoreError> {
    let row = new_key_row();
    identity::insert_signing_key(conn, &row)?;
    Ok(row.kid)
}

fn build(rows: &[SigningKeyRow]) -> Result<Ring, StoreError> {
    let bad = |what: &str| StoreError::ReferenceData(format!("signing key: {what}"));
    let newest = rows.first().ok_or_else(|| bad("none"))?;
    let seed: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&newest.secret_key)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| bad("malformed seed"))?;
    let der = SigningKey::from_bytes(&seed)
        .to_pkcs8_der()
        .map_err(|_| bad("cannot encode"))?;
    let mut verifying = HashMap::new();
    let mut public = Vec::new();
    for row in rows {
        let key = DecodingKey::from_ed_components(&row.public_key)
            .map_err(|_| bad("malformed public key"))?;
        verifying.insert(row.kid.clone(), key);
        public.push((row.kid.clone(), row.public_key.clone()));
    }
    Ok(Ring {
        signing_kid: newest.kid.clone(),
        signing: EncodingKey::from_ed_der(der.as_bytes()),
        verifying,
        public,
        loaded_at: Instant::now(),
    })
}

fn load(conn: &mut DbConn) -> Result<Ring, StoreError> {
    let mut rows = identity::live_signing_keys(conn)?;
    if rows.is_empty() {
        // First start: make a key. Two instances starting together may each
        // make one; both are then live and both verify.
        identity::insert_signing_key(conn, &new_key_row())?;
        rows = identity::live_signing_keys(conn)?;
    }
    build(&rows)
}

impl KeyRing {
    /// Loads the live keys, creating the first one if there is none.
    pub fn load(conn: &mut DbConn) -> Result<Self, StoreError> {
        Ok(Self::new(load(conn)?))
    }

    fn new(ring: Ring) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Self {
            ring: RwLock::new(ring),
            validation,
            verified: Mutex::default(),
        }
    }

    /// Signs `claims` with the newest key.
    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        let ring = self.ring.read().expect("key ring");
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(ring.signing_kid.clone());
        jsonwebtoken::encode(&header, claims, &ring.signing)
            .map_err(|e| ApiError::Internal(format!("signing a token: {e}")))
    }

    /// Whether the ring should be reloaded to learn `kid`.
    pub fn needs_reload(&self, kid: &str) -> bool {
        let ring = self.ring.read().expect("key ring");
        !ring.verifying.contains_key(kid) && ring.loaded_at.elapsed() >= RELOAD_INTERVAL
    }

    /// Reloads the keys from the database (after a rotation elsewhere).
    pub fn reload(&self, conn: &mut DbConn) -> Result<(), StoreError> {
        self.replace(load(conn)?);
        Ok(())
    }

    /// Swaps in `fresh` keys and forgets every token verified with the old.
    fn replace(&self, fresh: Ring) {
        let mut ring = self.ring.write().expect("key ring");
        *ring = fresh;
        self.verified.lock().expect("verified tokens").0.clear();
    }

    /// The key id a token names, without verifying anything.
    pub fn kid_of(token: &str) -> Option<String> {
        jsonwebtoken::decode_header(token).ok()?.kid
    }

    /// Verifies signature, algorithm, issuer, audience, expiry, not-before
    /// and issued-at, or finds the token among those already verified and
    /// checks its expiry. Every failure is the same 401 to the client.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        self.verify_at(token, chrono::Utc::now().timestamp())
    }

    fn verify_at(&self, token: &str, now: i64) -> Result<Claims, ApiError> {
        const INVALID: ApiError = ApiError::Unauthorized("the access token is invalid or expired");
        // The ring's read lock is held throughout, so a reload cannot empty
        // the verified tokens between this check and the insert below.
        let ring = self.ring.read().expect("key ring");
        if let Some(claims) = self
            .verified
            .lock()
            .expect("verified tokens")
            .get(token, now)
        {
            return Ok(claims);
        }
        let kid = Self::kid_of(token).ok_or(INVALID)?;
        let key = ring.verifying.get(&kid).ok_or(INVALID)?;
        let data =
            jsonwebtoken::decode::<Claims>(token, key, &self.validation).map_err(|_| INVALID)?;
        if data.claims.iat > now + LEEWAY_SECS as i64 || !unexpired(&data.claims, now) {
            return Err(INVALID);
        }
        let mut verified = self.verified.lock().expect("verified tokens");
        verified.insert(token, &data.claims, now);
        Ok(data.claims)
    }

    /// The JWK set of every live key.
    pub fn jwks(&self) -> serde_json::Value {
        let ring = self.ring.read().expect("key ring");
        let keys: Vec<serde_json::Value> = ring
            .public
            .iter()
            .map(|(kid, x)| {
                serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"})
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::new(build(&[new_key_row()]).unwrap())
    }

    fn claims(offset: i64) -> Claims {
        let now = chrono::Utc::now().timestamp() + offset;
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "u1".into(),
            exp: now + 900,
            nbf: now,
            iat: now,
            jti: "j".into(),
            role: "org_staff".into(),
            act: "user".into(),
            org: Some("o1".into()),
            pref: None,
            ep: 0,
            oep: Some(0),
        }
    }

    #[test]
    fn a_signed_token_verifies_and_round_trips() {
        let r = ring();
        let t = r.sign(&claims(0)).unwrap();
        assert_eq!(r.verify(&t).unwrap().sub, "u1");
    }

    #[test]
    fn another_key_expired_future_and_tampered_tokens_fail() {
        let r = ring();
        let other = ring();
        assert!(
            r.verify(&other.sign(&claims(0)).unwrap()).is_err(),
            "another key"
        );
        assert!(
            r.verify(&r.sign(&claims(-2000)).unwrap()).is_err(),
            "expired"
        );
        assert!(
            r.verify(&r.sign(&claims(600)).unwrap()).is_err(),
            "not yet valid"
        );
        let t = r.sign(&claims(0)).unwrap();
        assert!(r.verify(&t).is_ok(), "verified, so remembered");
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        let mut payload = URL_SAFE_NO_PAD.decode(&parts[1]).unwrap();
        let s = String::from_utf8(payload.clone())
            .unwrap()
            .replace("org_staff", "org_admin");
        payload = s.into_bytes();
        parts[1] = URL_SAFE_NO_PAD.encode(payload);
        assert!(r.verify(&parts.join(".")).is_err(), "tampered");
    }

    #[test]
    fn a_verified_token_is_remembered_until_it_expires() {
        let r = ring();
        let c = claims(0);
        let t = r.sign(&c).unwrap();
        assert_eq!(r.verify_at(&t, c.iat).unwrap(), c);
        assert!(r.verified.lock().unwrap().0.contains_key(t.as_str()));
        assert_eq!(r.verify_at(&t, c.exp).unwrap(), c, "within its lifetime");
        let past = c.exp + LEEWAY_SECS as i64 + 1;
        assert!(r.verify_at(&t, past).is_err(), "expired, though remembered");
        assert!(r.verified.lock().unwrap().0.is_empty(), "and forgotten");
    }

    #[test]
    fn reloading_the_ring_forgets_verified_tokens() {
        let r = ring();
        let t = r.sign(&claims(0)).unwrap();
        assert!(r.verify(&t).is_ok());
        r.replace(build(&[new_key_row()]).unwrap());
        assert!(r.verify(&t).is_err(), "its key is no longer live");
    }

    #[test]
    fn verified_tokens_are_bounded_and_expired_ones_go_first() {
        let now = chrono::Utc::now().timestamp();
        let mut v = Verified::default();
        let expired = claims(-2000);
        for i in 0..VERIFIED_CAPACITY {
            v.insert(&format!("old{i}"), &expired, now);
        }
        v.insert("new", &claims(0), now);
        assert_eq!(v.0.len(), 1, "the expired ones made room");
        for i in 0..VERIFIED_CAPACITY + 10 {
            v.insert(&format!("live{i}"), &claims(0), now);
            assert!(v.0.len() <= VERIFIED_CAPACITY);
        }
        let newest = format!("live{}", VERIFIED_CAPACITY + 9);
        assert!(v.get(&newest, now).is_some(), "the newest is kept");
    }

    #[test]
    fn alg_none_is_refused() {
        let r = ring();
        let kid = r.ring.read().unwrap().signing_kid.clone();
        let header =
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#));
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(0)).unwrap());
        assert!(r.verify(&format!("{header}.{body}.")).is_err());
    }

    #[test]
    fn another_audience_is_refused() {
        let r = ring();
        let mut c = claims(0);
        c.aud = "someone-else".into();
        assert!(r.verify(&r.sign(&c).unwrap()).is_err());
    }

    #[test]
    fn jwks_publishes_public_keys_only() {
        let r = ring();
        let jwks = r.jwks();
        let key = &jwks["keys"][0];
        assert_eq!(key["kty"], "OKP");
        assert_eq!(key["crv"], "Ed25519");
        assert!(key.get("d").is_none());
    }
}
