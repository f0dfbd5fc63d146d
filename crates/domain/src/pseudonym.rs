//! R10: the `profile_id` an organisation sees for a seeker.
//!
//! `profile_id` = base64url(AES-128(key_O, id ‖ tag)), where `key_O` is
//! derived from the server secret and the organisation's id with HMAC-SHA256,
//! `id` is the seeker's internal id (8 bytes) and `tag` is 8 bytes derived
//! from the same key. One AES block: deterministic (stable for the pair),
//! different for every organisation (unlinkable), reversible only with the
//! secret. Decrypting under the wrong organisation's key or decrypting
//! garbage yields a wrong tag, and the id is refused (answered as 404).

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::Aes128;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The server secret pseudonyms are derived from. Keep it out of logs.
#[derive(Clone)]
pub struct PseudonymSecret([u8; 32]);

impl std::fmt::Debug for PseudonymSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymSecret(…)")
    }
}

impl PseudonymSecret {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The cipher of one organisation, named by its public id.
    pub fn for_organisation(&self, organisation: &str) -> Pseudonyms {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"kyushoku/profile_id/v1/");
        mac.update(organisation.as_bytes());
        let derived = mac.finalize().into_bytes();
        let mut key = [0u8; 16];
        key.copy_from_slice(&derived[..16]);
        let mut tag = [0u8; 8];
        tag.copy_from_slice(&derived[16..24]);
        Pseudonyms {
            cipher: Aes128::new_from_slice(&key).expect("a 16-byte key"),
            tag,
        }
    }
}

/// Encrypts and decrypts seeker ids for one organisation.
pub struct Pseudonyms {
    cipher: Aes128,
    tag: [u8; 8],
}

impl Pseudonyms {
    /// The `profile_id` of seeker `id` for this organisation (22 characters).
    pub fn encode(&self, id: i64) -> String {
        let mut block = [0u8; 16];
        block[..8].copy_from_slice(&id.to_be_bytes());
        block[8..].copy_from_slice(&self.tag);
        let mut b: aes::Block = block.into();
        self.cipher.encrypt_block(&mut b);
        URL_SAFE_NO_PAD.encode(b)
    }

    /// The seeker id behind a `profile_id`, if it is one this organisation
    /// was given.
    pub fn decode(&self, profile_id: &str) -> Option<i64> {
        if profile_id.len() != 22 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(profile_id).ok()?;
        let block: [u8; 16] = raw.try_into().ok()?;
        let mut b: aes::Block = block.into();
        self.cipher.decrypt_block(&mut b);
        if b[8..] != self.tag {
            return None;
        }
        let mut id = [0u8; 8];
        id.copy_from_slice(&b[..8]);
        Some(i64::from_be_bytes(id)).filter(|i| *i > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(n: u8) -> PseudonymSecret {
        PseudonymSecret::new([n; 32])
    }

    #[test]
    fn stable_for_a_pair_and_reversible() {
        let a = secret(1).for_organisation("org-a");
        let p = a.encode(42);
        assert_eq!(p, secret(1).for_organisation("org-a").encode(42));
        assert_eq!(p.len(), 22);
        assert_eq!(a.decode(&p), Some(42));
    }

    #[test]
    fn different_for_every_organisation_and_unlinkable() {
        let a = secret(1).for_organisation("org-a");
        let b = secret(1).for_organisation("org-b");
        assert_ne!(a.encode(42), b.encode(42));
        // A pseudonym from another organisation decodes to nothing.
        assert_eq!(b.decode(&a.encode(42)), None);
        // Consecutive ids give unrelated pseudonyms.
        assert_ne!(a.encode(42)[..6], a.encode(43)[..6]);
    }

    #[test]
    fn another_secret_or_garbage_decodes_to_nothing() {
        let p = secret(1).for_organisation("org-a").encode(7);
        assert_eq!(secret(2).for_organisation("org-a").decode(&p), None);
        let a = secret(1).for_organisation("org-a");
        for junk in [
            "",
            "x",
            "AAAAAAAAAAAAAAAAAAAAAA",
            "!!!!!!!!!!!!!!!!!!!!!!",
            &"A".repeat(23),
        ] {
            assert_eq!(a.decode(junk), None, "{junk}");
        }
    }
}
