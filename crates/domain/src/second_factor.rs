//! The second factor of the people who sign in to the pages (staff, bureau officers): RFC 6238 one-time codes (six digits, 30 s
//! steps, HMAC-SHA-1: what every authenticator app reads from an
//! `otpauth://` link), each accepted once. Who must use one is
//! [`required`]; a code is checked by [`check`], which also refuses a code
//! of a step already used (RFC 6238 §5.2).

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::StaffRole;

/// Seconds in a step.
pub const STEP_SECS: u64 = 30;
/// Steps before and after now that a code may be of (a clock a little
/// off, a code typed as it turned over).
const SKEW: u16 = 1;
/// Bytes of a secret (160 bits, RFC 4226 §4's recommendation).
const SECRET_BYTES: usize = 20;

/// A shared secret. Kept sealed at rest; shown to its person once, when
/// they set up their app. Never in a log.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    /// A new random secret.
    pub fn generate() -> TotpSecret {
        let mut buf = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut buf).expect("the operating system's random source");
        TotpSecret(buf)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Option<TotpSecret> {
        (bytes.len() >= 16).then_some(TotpSecret(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret as a person types it into an app (RFC 4648 base32).
    pub fn base32(&self) -> String {
        Secret::from(self.0.clone()).to_base32()
    }

    /// A secret typed as base32 (spaces and case ignored).
    pub fn from_base32(text: &str) -> Option<TotpSecret> {
        let clean: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = Secret::try_from_base32(&clean).ok()?;
        TotpSecret::from_bytes(bytes.as_ref().to_vec())
    }

    /// The `otpauth://` link an authenticator app opens (Key Uri Format).
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| -> String { form_urlencode(s) };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECS}",
            enc(issuer),
            enc(account),
            self.base32(),
            enc(issuer)
        )
    }

    fn totp(&self) -> Totp {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(6)
            .with_skew(SKEW)
            .with_step_duration(STEP_SECS)
            .with_secret(self.0.clone())
            .build()
            .expect("six digits, a 160-bit secret: a valid TOTP")
    }

    /// The code of the step `unix_secs` falls in (for an app, a demo, a test).
    pub fn code_at(&self, unix_secs: u64) -> String {
        self.totp().generate(unix_secs).to_string()
    }
}

/// Percent-encodes a label of an `otpauth://` link.
fn form_urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Who signs in to the pages with a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// An organisation's staff user, in their role.
    Staff(StaffRole),
    /// A labour bureau's officer.
    Officer,
}

/// Whether someone must give a one-time code to sign in: a bureau's
/// officer and an organisation's administrator always (they decide on
/// organisations and read the trail; they hand out API clients and add
/// staff), anyone else once they set one up.
pub fn required(holder: Holder, enrolled: bool) -> bool {
    enrolled || matches!(holder, Holder::Officer | Holder::Staff(StaffRole::Admin))
}

/// What a person typed, as the six digits it means: spaces and hyphens
/// dropped, full-width digits read as digits (an IME may give them).
pub fn normalise(typed: &str) -> Option<String> {
    let mut digits = String::with_capacity(6);
    for c in typed.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            ' ' | '\u{3000}' | '-' | '－' | '\t' => {}
            _ => return None,
        }
        if digits.len() > 6 {
            return None;
        }
    }
    (digits.len() == 6).then_some(digits)
}

/// The step a typed code is of, if it is the secret's code of a step
/// within [`SKEW`] of `unix_secs` and later than `last_used` (a code is
/// accepted once: RFC 6238 §5.2). The caller stores the step as used.
pub fn check(
    secret: &TotpSecret,
    typed: &str,
    unix_secs: u64,
    last_used: Option<i64>,
) -> Option<i64> {
    let code = normalise(typed)?;
    let step = secret.totp().check(&code, unix_secs)?;
    let step = i64::try_from(step).ok()?;
    match last_used {
        Some(last) if step <= last => None,
        _ => Some(step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 secret ("12345678901234567890").
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
    }

    #[test]
    fn codes_are_those_of_rfc_6238() {
        // Appendix B gives 8 digits; six are their last six.
        assert_eq!(rfc_secret().code_at(59), "287082");
        assert_eq!(rfc_secret().code_at(1_111_111_109), "081804");
        assert_eq!(rfc_secret().code_at(2_000_000_000), "279037");
    }

    #[test]
    fn a_code_is_accepted_once_and_only_near_its_time() {
        let s = rfc_secret();
        let now = 1_111_111_109;
        let code = s.code_at(now);
        let step = check(&s, &code, now, None).expect("the code of now");
        assert_eq!(step, (now / STEP_SECS) as i64);
        assert_eq!(check(&s, &code, now, Some(step)), None, "used once");
        assert!(
            check(&s, &code, now + STEP_SECS, None).is_some(),
            "a step late"
        );
        assert_eq!(
            check(&s, &code, now + 3 * STEP_SECS, None),
            None,
            "too late"
        );
        let next = s.code_at(now + STEP_SECS);
        assert!(check(&s, &next, now + STEP_SECS, Some(step)).is_some());
    }

    #[test]
    fn what_people_type_is_read_as_digits() {
        assert_eq!(normalise("123 456").as_deref(), Some("123456"));
        assert_eq!(normalise("１２３４５６").as_deref(), Some("123456"));
        assert_eq!(normalise("123-456").as_deref(), Some("123456"));
        assert_eq!(normalise("12345"), None);
        assert_eq!(normalise("1234567"), None);
        assert_eq!(normalise("12345a"), None);
        assert_eq!(normalise(""), None);
    }

    #[test]
    fn secrets_round_trip_through_base32() {
        let s = TotpSecret::generate();
        assert_eq!(TotpSecret::from_base32(&s.base32()), Some(s.clone()));
        assert_eq!(
            TotpSecret::from_base32(&s.base32().to_lowercase()),
            Some(s.clone())
        );
        assert!(s
            .uri("kyushoku", "a@b.jp")
            .starts_with("otpauth://totp/kyushoku:a@b.jp?secret="));
        assert_eq!(format!("{s:?}"), "TotpSecret(…)");
    }

    #[test]
    fn officers_and_administrators_always_need_a_code_staff_once_enrolled() {
        assert!(required(Holder::Officer, false));
        assert!(required(Holder::Staff(StaffRole::Admin), false));
        assert!(required(Holder::Staff(StaffRole::Admin), true));
        assert!(!required(Holder::Staff(StaffRole::Staff), false));
        assert!(required(Holder::Staff(StaffRole::Staff), true));
    }
}
