//! Authenticated encryption with the deployment's key, for what leaves the
//! service (or sits in its database) and must be neither read nor altered:
//!
//! - R10 page cursors ([`Sealer::seal`], [`Sealer::open`]): a cursor is
//!   `base64url(version ‖ nonce ‖ AES-128-GCM(key, position))`, with the
//!   caller's binding (its organisation, or the principal) and the list's
//!   name as associated data. The nonce is random, so two callers never see
//!   the same cursor for the same position (nor one caller twice); a cursor
//!   from another caller or another list fails authentication, and an
//!   altered one too. What a cursor carries (a time and an internal id)
//!   never leaves in clear.
//! - stored answers that hold a secret shown once, kept for an
//!   `Idempotency-Key` replay ([`Sealer::seal_bytes`]).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const VERSION: u8 = 2;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// The longest position a cursor carries (two 8-byte numbers).
const MAX_POSITION: usize = 16;
/// The longest cursor this module writes, in characters.
pub const MAX_LEN: usize = (1 + NONCE_LEN + MAX_POSITION + TAG_LEN).div_ceil(3) * 4;

/// Seals and opens cursors and stored secrets. Keep it out of logs.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes128Gcm,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(…)")
    }
}

/// Where a page ended, as the store orders the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// A list in id order.
    Id(i64),
    /// A list by recency: (time in microseconds, id).
    Recency(i64, i64),
}

impl Position {
    fn to_bytes(self) -> Vec<u8> {
        match self {
            Position::Id(id) => id.to_be_bytes().to_vec(),
            Position::Recency(at, id) => {
                let mut v = at.to_be_bytes().to_vec();
                v.extend_from_slice(&id.to_be_bytes());
                v
            }
        }
    }

    fn from_bytes(b: &[u8]) -> Option<Self> {
        let word = |i: usize| -> Option<i64> {
            Some(i64::from_be_bytes(
                b.get(i * 8..i * 8 + 8)?.try_into().ok()?,
            ))
        };
        match b.len() {
            8 => Some(Position::Id(word(0)?)),
            16 => Some(Position::Recency(word(0)?, word(1)?)),
            _ => None,
        }
    }
}

impl Sealer {
    /// The sealer of a deployment, from its 32-byte secret.
    pub fn new(secret: &[u8; 32]) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("any key length");
        mac.update(b"kyushoku/cursor/v2");
        let derived = mac.finalize().into_bytes();
        Self {
            cipher: Aes128Gcm::new_from_slice(&derived[..16]).expect("a 16-byte key"),
        }
    }

    /// A cursor for `position` in `list`, good only for `binding`.
    pub fn seal(&self, binding: &str, list: &str, position: Position) -> String {
        self.seal_bytes(&associated(binding, list), &position.to_bytes())
    }

    /// The position a cursor carries, if it was sealed by this deployment
    /// for this binding and list and not altered since.
    pub fn open(&self, binding: &str, list: &str, cursor: &str) -> Option<Position> {
        if cursor.len() > MAX_LEN {
            return None;
        }
        Position::from_bytes(&self.open_bytes(&associated(binding, list), cursor)?)
    }

    /// `data`, sealed for `context` (associated data: opening it under
    /// another context fails), as base64url text.
    pub fn seal_bytes(&self, context: &[u8], data: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the operating system's random source");
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: data,
                    aad: context,
                },
            )
            .expect("AES-GCM seals any message under 64 GiB");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// What [`Sealer::seal_bytes`] sealed for `context`, if this deployment
    /// sealed it and nothing altered it.
    pub fn open_bytes(&self, context: &[u8], sealed: &str) -> Option<Vec<u8>> {
        let raw = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        let (&version, rest) = raw.split_first()?;
        if version != VERSION || rest.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                &Nonce::from(<[u8; NONCE_LEN]>::try_from(nonce).ok()?),
                Payload {
                    msg: sealed,
                    aad: context,
                },
            )
            .ok()
    }
}

/// Length-prefixed so that no two (binding, list) pairs collide.
fn associated(binding: &str, list: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(binding.len() + list.len() + 8);
    aad.extend_from_slice(&(binding.len() as u32).to_be_bytes());
    aad.extend_from_slice(binding.as_bytes());
    aad.extend_from_slice(&(list.len() as u32).to_be_bytes());
    aad.extend_from_slice(list.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(n: u8) -> Sealer {
        Sealer::new(&[n; 32])
    }

    #[test]
    fn a_cursor_opens_for_its_caller_and_list_only() {
        let s = sealer(1);
        let p = Position::Recency(1_700_000_000_123_456, 42);
        let c = s.seal("org:1", "profiles", p);
        assert!(c.len() <= MAX_LEN);
        assert_eq!(s.open("org:1", "profiles", &c), Some(p));
        assert_eq!(s.open("org:2", "profiles", &c), None);
        assert_eq!(s.open("org:1", "offers", &c), None);
        assert_eq!(sealer(2).open("org:1", "profiles", &c), None);
        let id = s.seal("bureau:x", "audit", Position::Id(7));
        assert_eq!(s.open("bureau:x", "audit", &id), Some(Position::Id(7)));
    }

    #[test]
    fn the_same_position_never_gives_the_same_cursor() {
        let s = sealer(1);
        let p = Position::Recency(5, 9);
        let a = s.seal("org:1", "profiles", p);
        let b = s.seal("org:2", "profiles", p);
        let c = s.seal("org:1", "profiles", p);
        assert_ne!(a, b);
        assert_ne!(a, c);
        // Nothing of the position shows: no shared prefix past the version.
        assert_ne!(a[..8], b[..8]);
    }

    #[test]
    fn sealed_bytes_open_only_in_their_context() {
        let s = sealer(1);
        let sealed = s.seal_bytes(b"idem:org:1:k", b"{\"client_secret\":\"x\"}");
        assert!(!sealed.contains("client_secret"));
        assert_eq!(
            s.open_bytes(b"idem:org:1:k", &sealed).as_deref(),
            Some(&b"{\"client_secret\":\"x\"}"[..])
        );
        assert_eq!(s.open_bytes(b"idem:org:2:k", &sealed), None);
        assert_eq!(sealer(2).open_bytes(b"idem:org:1:k", &sealed), None);
    }

    #[test]
    fn altered_or_made_up_cursors_are_refused() {
        let s = sealer(1);
        let c = s.seal("org:1", "profiles", Position::Id(3));
        let mut bytes = URL_SAFE_NO_PAD.decode(&c).unwrap();
        for i in 0..bytes.len() {
            bytes[i] ^= 1;
            let altered = URL_SAFE_NO_PAD.encode(&bytes);
            assert_eq!(s.open("org:1", "profiles", &altered), None, "byte {i}");
            bytes[i] ^= 1;
        }
        let old_style = URL_SAFE_NO_PAD.encode("v1:1700000000000000:42");
        for junk in ["", "x", "djE6NDI", old_style.as_str(), &"A".repeat(200)] {
            assert_eq!(s.open("org:1", "profiles", junk), None, "{junk}");
        }
    }
}
