//! Random credentials and their stored form.
//!
//! Client secrets and refresh tokens are 256-bit random values: they are
//! stored as SHA-256 digests (a random secret needs no slow hash) and shown
//! to their owner once.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random source");
    buf
}

/// A random 256-bit token, base64url: client secrets, refresh tokens.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A new client id: `kc_` and 128 random bits in hex. Not secret.
pub fn new_client_id() -> String {
    let bytes = random_bytes::<16>();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("kc_{hex}")
}

/// The stored form of a random secret.
pub fn digest(secret: &str) -> String {
    let d = Sha256::digest(secret.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of bytes, hex: request bodies for idempotency.
pub fn digest_bytes(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares two digests in time independent of where they differ.
pub fn digests_equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Newly minted client credentials; the secret is shown once and never stored.
#[derive(Debug, Clone)]
pub struct NewClientCredentials {
    pub client_id: String,
    pub client_secret: String,
    pub secret_hash: String,
}

pub fn new_client_credentials() -> NewClientCredentials {
    let client_secret = random_token();
    NewClientCredentials {
        client_id: new_client_id(),
        secret_hash: digest(&client_secret),
        client_secret,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
        assert!(new_client_id().starts_with("kc_"));
    }

    #[test]
    fn digest_compares_equal_only_for_the_same_secret() {
        let d = digest("s");
        assert!(digests_equal(&d, &digest("s")));
        assert!(!digests_equal(&d, &digest("t")));
        assert!(!digests_equal(&d, "short"));
    }
}
