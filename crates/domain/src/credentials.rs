//! Staff passwords: the policy a new password must meet, and argon2id
//! hashing. Client secrets and refresh tokens are random 256-bit values and
//! are hashed with SHA-256 in the API layer instead (argon2 protects guessable
//! secrets; random ones need no stretching).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

closed_set! {
    /// Whose a browser session is (the pages' cookie sessions).
    pub enum SessionHolder {
        /// An organisation's staff user (the browser method).
        User = "user",
        /// An organisation's API client (a token's revocation ends its
        /// sessions alike).
        Client = "client",
        /// A job seeker on My Page.
        Seeker = "seeker",
        /// A labour bureau's officer (the bureau's console).
        Officer = "officer",
    }
}

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

const COMMON: &str = include_str!("../../../data/common_passwords.txt");

/// Why a new password is refused. Never carries the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password has at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("this password is too common; choose another")]
    Common,
}

/// The policy for new staff passwords: length, and not a common password.
pub fn check_password_policy(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    if COMMON
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .any(|l| l == lower)
    {
        return Err(PasswordError::Common);
    }
    Ok(())
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters")
        .to_string()
}

/// Whether `password` matches `phc`. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash that matches no password, to spend the same time on unknown
/// accounts as on known ones (no timing oracle for who has an account).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no account has this password, it is never shown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_long_and_common_passwords_are_refused() {
        assert_eq!(check_password_policy("short"), Err(PasswordError::TooShort));
        assert_eq!(
            check_password_policy(&"x".repeat(129)),
            Err(PasswordError::TooLong)
        );
        assert_eq!(
            check_password_policy("Password1234"),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password_policy("HelloWork2026"),
            Err(PasswordError::Common)
        );
        assert!(check_password_policy("correct horse battery staple").is_ok());
        // Characters, not bytes: twelve kana pass.
        assert!(check_password_policy("しょくぎょうしょうかいじぎょう").is_ok());
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let h = hash_password("correct horse battery staple");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple", &h));
        assert!(!verify_password("correct horse battery stapl", &h));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password("anything", dummy_hash()));
        assert!(
            PasswordHash::new(dummy_hash()).is_ok(),
            "the dummy costs as much as a real one"
        );
    }
}
