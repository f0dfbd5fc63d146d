//! JWT signing keys and access tokens.
//!
//! Access tokens are EdDSA (Ed25519) JWTs with a pinned algorithm and a key
//! id. Keys live in the database so that every instance signs and verifies
//! with the same ones and they survive restarts; all live keys are published
//! at `/.well-known/jwks.json`. `kyushoku admin rotate-keys` adds a new key:
//! instances sign with the newest and reload the ring when they meet a key
//! id they do not know, so tokens keep working across a rotation.

use std::collections::HashMap;
use std::sync::RwLock;
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

/// The keys of this deployment.
pub struct KeyRing {
    ring: RwLock<Ring>,
    validation: Validation,
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
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Ok(Self {
            ring: RwLock::new(load(conn)?),
            validation,
        })
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
        let fresh = load(conn)?;
        *self.ring.write().expect("key ring") = fresh;
        Ok(())
    }

    /// The key id a token names, without verifying anything.
    pub fn kid_of(token: &str) -> Option<String> {
        jsonwebtoken::decode_header(token).ok()?.kid
    }

    /// Verifies signature, algorithm, issuer, audience, expiry, not-before
    /// and issued-at. Every failure is the same 401 to the client.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        const INVALID: ApiError = ApiError::Unauthorized("the access token is invalid or expired");
        let kid = Self::kid_of(token).ok_or(INVALID)?;
        let ring = self.ring.read().expect("key ring");
        let key = ring.verifying.get(&kid).ok_or(INVALID)?;
        let data =
            jsonwebtoken::decode::<Claims>(token, key, &self.validation).map_err(|_| INVALID)?;
        let now = chrono::Utc::now().timestamp();
        if data.claims.iat > now + LEEWAY_SECS as i64 {
            return Err(INVALID);
        }
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
        let rows = vec![new_key_row()];
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]);
        validation.leeway = LEEWAY_SECS;
        KeyRing {
            ring: RwLock::new(build(&rows).unwrap()),
            validation,
        }
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
