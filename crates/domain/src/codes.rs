//! Public code systems the service speaks, as validated newtypes.
//!
//! Use these at the edge (query strings, request bodies) so that handlers and
//! queries only ever see well-formed codes. They check the *form* of a code;
//! whether a municipality code is in the current reference list is a question
//! for the store, because the list is data that changes with municipal mergers.
//!
//! - [`PrefectureCode`]: JIS X 0401, `"01"`–`"47"`.
//! - [`MunicipalityCode`]: JIS X 0402 with its check digit, six digits (`"131041"`).
//! - [`OccupationCode`]: 厚生労働省編職業分類 2022 at one of three levels.
//! - [`JobNumber`]: a Hello Work job number, `NNNNN-NNNNNNNN`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a code was refused. The message is safe to show to a client: it never
/// repeats more than the code itself, and codes are public data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a prefecture code is two digits from 01 to 47 (JIS X 0401)")]
    Prefecture,
    #[error("a municipality code is six digits (JIS X 0402 with check digit)")]
    MunicipalityFormat,
    #[error("the check digit of this municipality code is wrong (expected {expected})")]
    MunicipalityCheckDigit { expected: char },
    #[error("an occupation code is a major group 01-15, a middle group of three digits, or a minor group NNN-NN")]
    Occupation,
    #[error("a job number is five digits, a hyphen and eight digits (NNNNN-NNNNNNNN)")]
    JobNumber,
}

fn all_ascii_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `N…N-N…N` with the hyphen at byte `at`, judged on bytes so that input
/// with multi-byte characters is refused rather than sliced mid-character.
fn digits_dash_digits(b: &[u8], at: usize) -> bool {
    b.len() > at + 1
        && b[..at].iter().all(u8::is_ascii_digit)
        && b[at] == b'-'
        && b[at + 1..].iter().all(u8::is_ascii_digit)
}

/// A code type: a newtype that only [`parse`](PrefectureCode::parse) makes,
/// described in the API document by `PATTERN` (what a regular expression can
/// say of the code; a test keeps the two in step) and an example.
macro_rules! code_newtype {
    ($(#[$doc:meta])* $name:ident, pattern = $pattern:literal, example = $example:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// What a regular expression can say of the code (JSON Schema,
            /// ECMA-262 syntax); `parse` may refuse more.
            pub const PATTERN: &'static str = $pattern;

            /// The code as it is written on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some($pattern))
                    .examples([serde_json::json!($example)])
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// A stored code, read back (the store keeps codes as text).
        impl TryFrom<String> for $name {
            type Error = CodeError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl std::str::FromStr for $name {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

code_newtype!(
    /// A prefecture code, JIS X 0401: `"01"` (Hokkaido) to `"47"` (Okinawa).
    PrefectureCode,
    pattern = "^(0[1-9]|[1-3][0-9]|4[0-7])$",
    example = "13"
);

impl PrefectureCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        if s.len() != 2 || !all_ascii_digits(s) {
            return Err(CodeError::Prefecture);
        }
        match s.parse::<u8>() {
            Ok(1..=47) => Ok(Self(s.to_owned())),
            _ => Err(CodeError::Prefecture),
        }
    }
}

code_newtype!(
    /// A local-government code, JIS X 0402 (全国地方公共団体コード): five digits
    /// (prefecture and municipality) followed by a check digit.
    MunicipalityCode,
    pattern = "^(0[1-9]|[1-3][0-9]|4[0-7])[0-9]{4}$",
    example = "131041"
);

/// The JIS X 0402 check digit of a five-digit local-government code.
///
/// Weights 6, 5, 4, 3, 2; the digit is `11 - (sum mod 11)`, keeping only the
/// last digit when that is 10 or 11.
pub fn jis_x0402_check_digit(first_five: &[u8; 5]) -> u8 {
    let sum: u32 = first_five
        .iter()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    ((11 - sum % 11) % 10) as u8
}

impl MunicipalityCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        if s.len() != 6 || !all_ascii_digits(s) {
            return Err(CodeError::MunicipalityFormat);
        }
        let digits: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
        let first_five = [digits[0], digits[1], digits[2], digits[3], digits[4]];
        PrefectureCode::parse(&s[..2]).map_err(|_| CodeError::MunicipalityFormat)?;
        let expected = jis_x0402_check_digit(&first_five);
        if digits[5] != expected {
            return Err(CodeError::MunicipalityCheckDigit {
                expected: char::from(b'0' + expected),
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// The prefecture this municipality belongs to (its first two digits).
    pub fn prefecture(&self) -> PrefectureCode {
        PrefectureCode(self.0[..2].to_owned())
    }

    /// True for the code that stands for the prefecture itself (`"130001"`),
    /// as opposed to one of its municipalities.
    pub fn is_prefecture_itself(&self) -> bool {
        &self.0[2..5] == "000"
    }
}

/// The level of an occupation code in 厚生労働省編職業分類 (2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OccupationLevel {
    /// 大分類: `01`–`15`.
    Major,
    /// 中分類: three digits.
    Middle,
    /// 小分類: `NNN-NN`.
    Minor,
}

code_newtype!(
    /// An occupation code of 厚生労働省編職業分類 (2022) at any level.
    OccupationCode,
    pattern = "^(0[1-9]|1[0-5]|[0-9]{3}|[0-9]{3}-[0-9]{2})$",
    example = "081-02"
);

impl OccupationCode {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        Self::level_of(s)
            .map(|_| Self(s.to_owned()))
            .ok_or(CodeError::Occupation)
    }

    fn level_of(s: &str) -> Option<OccupationLevel> {
        match s.len() {
            2 if all_ascii_digits(s) => match s.parse::<u8>() {
                Ok(1..=15) => Some(OccupationLevel::Major),
                _ => None,
            },
            3 if all_ascii_digits(s) => Some(OccupationLevel::Middle),
            // Bytes, not `&s[..3]`: a multi-byte character must not panic.
            6 if digits_dash_digits(s.as_bytes(), 3) => Some(OccupationLevel::Minor),
            _ => None,
        }
    }

    pub fn level(&self) -> OccupationLevel {
        Self::level_of(&self.0).expect("validated at construction")
    }

    /// True when `other` is this code or one of its descendants: a major
    /// group covers its middle groups, a middle group covers its minor groups.
    ///
    /// Middle groups are numbered inside their major group (`080`–`089` are in
    /// `08`), so the major group is the first two digits of a middle code.
    pub fn covers(&self, other: &OccupationCode) -> bool {
        other.0.starts_with(&self.0)
    }
}

code_newtype!(
    /// A Hello Work job number (求人番号): `NNNNN-NNNNNNNN`, the first five
    /// digits naming the office that received the offer.
    JobNumber,
    pattern = "^[0-9]{5}-[0-9]{8}$",
    example = "13010-12345678"
);

impl JobNumber {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let ok = s.len() == 14 && digits_dash_digits(s.as_bytes(), 5);
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(CodeError::JobNumber)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pattern the API document states for a code never refuses one
    /// `parse` takes; what it lets through that `parse` refuses is only
    /// what a regular expression cannot check (a JIS X 0402 check digit).
    #[test]
    fn patterns_agree_with_parse() {
        fn check(pattern: &str, parse: impl Fn(&str) -> bool, samples: &[String], exact: bool) {
            let re = regex::Regex::new(pattern).unwrap();
            for s in samples {
                let (matched, parsed) = (re.is_match(s), parse(s));
                assert!(matched || !parsed, "{pattern} refuses {s:?}, which parses");
                if exact {
                    assert_eq!(matched, parsed, "{pattern} and parse differ on {s:?}");
                }
            }
        }
        // Every string of digits and hyphens up to 6 characters long, and
        // job-number shapes around the real one.
        let alphabet = ['0', '1', '2', '3', '4', '5', '7', '9', '-'];
        let mut samples: Vec<String> = vec![String::new()];
        let mut frontier = samples.clone();
        for _ in 0..6 {
            frontier = frontier
                .iter()
                .flat_map(|p| alphabet.iter().map(move |c| format!("{p}{c}")))
                .collect();
            samples.extend(frontier.iter().cloned());
        }
        samples.extend(
            [
                "13010-12345678",
                "13010-1234567",
                "1301-12345678",
                "13010_12345678",
                "13010-123456789",
                "１３",
                "13\n",
                "47",
                "48",
                "00",
                "15",
                "16",
            ]
            .map(String::from),
        );
        check(
            PrefectureCode::PATTERN,
            |s| PrefectureCode::parse(s).is_ok(),
            &samples,
            true,
        );
        check(
            OccupationCode::PATTERN,
            |s| OccupationCode::parse(s).is_ok(),
            &samples,
            true,
        );
        check(
            JobNumber::PATTERN,
            |s| JobNumber::parse(s).is_ok(),
            &samples,
            true,
        );
        check(
            MunicipalityCode::PATTERN,
            |s| MunicipalityCode::parse(s).is_ok(),
            &samples,
            false,
        );
    }

    /// Found by schemathesis: a C1 control character (two bytes in UTF-8)
    /// straddling the byte where the hyphen belongs made the parsers slice
    /// inside a character and panic.
    #[test]
    fn multibyte_characters_are_refused_not_sliced() {
        for s in [
            "00\u{80}\u{80}",
            "08\u{80}-01",
            "ab\u{3042}xx",
            "\u{3042}\u{3042}",
        ] {
            assert!(OccupationCode::parse(s).is_err(), "{s:?}");
        }
        for s in [
            "1301\u{80}-0000000",
            "13010\u{80}000000",
            "13010-000000\u{80}",
            "\u{3042}\u{3042}\u{3042}\u{3042}-12",
        ] {
            assert!(JobNumber::parse(s).is_err(), "{s:?}");
        }
        assert!(JobNumber::parse("13010-12345678").is_ok());
        assert!(OccupationCode::parse("081-02").is_ok());
    }

    #[test]
    fn prefecture_codes_are_01_to_47() {
        for ok in ["01", "13", "47"] {
            assert!(PrefectureCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["00", "48", "99", "1", "013", "", "1a", "１３", " 13", "-1"] {
            assert_eq!(
                PrefectureCode::parse(bad),
                Err(CodeError::Prefecture),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn check_digit_matches_known_codes() {
        // Sapporo, Shinjuku (sum divisible by 11 -> 1), Naha, Hokkaido itself.
        for ok in ["011002", "131041", "472018", "010006", "130001"] {
            assert!(MunicipalityCode::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn wrong_check_digit_is_refused_with_the_expected_digit() {
        assert_eq!(
            MunicipalityCode::parse("131040"),
            Err(CodeError::MunicipalityCheckDigit { expected: '1' })
        );
        assert_eq!(
            MunicipalityCode::parse("011003"),
            Err(CodeError::MunicipalityCheckDigit { expected: '2' })
        );
    }

    #[test]
    fn malformed_municipality_codes_are_refused() {
        for bad in [
            "13104",
            "1310411",
            "13104a",
            "",
            "991001",
            "001007",
            "１３１０４１",
        ] {
            assert_eq!(
                MunicipalityCode::parse(bad),
                Err(CodeError::MunicipalityFormat),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn municipality_knows_its_prefecture() {
        let shinjuku = MunicipalityCode::parse("131041").unwrap();
        assert_eq!(shinjuku.prefecture().as_str(), "13");
        assert!(!shinjuku.is_prefecture_itself());
        assert!(MunicipalityCode::parse("130001")
            .unwrap()
            .is_prefecture_itself());
    }

    #[test]
    fn occupation_codes_at_each_level() {
        assert_eq!(
            OccupationCode::parse("08").unwrap().level(),
            OccupationLevel::Major
        );
        assert_eq!(
            OccupationCode::parse("15").unwrap().level(),
            OccupationLevel::Major
        );
        assert_eq!(
            OccupationCode::parse("080").unwrap().level(),
            OccupationLevel::Middle
        );
        assert_eq!(
            OccupationCode::parse("080-01").unwrap().level(),
            OccupationLevel::Minor
        );
        for bad in [
            "00", "16", "99", "8", "0800", "080-1", "080-001", "08001", "080_01", "abc", "",
        ] {
            assert_eq!(
                OccupationCode::parse(bad),
                Err(CodeError::Occupation),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn major_group_covers_its_members_only() {
        let care = OccupationCode::parse("08").unwrap();
        assert!(care.covers(&OccupationCode::parse("080").unwrap()));
        assert!(care.covers(&OccupationCode::parse("081-02").unwrap()));
        assert!(!care.covers(&OccupationCode::parse("090").unwrap()));
        let middle = OccupationCode::parse("081").unwrap();
        assert!(middle.covers(&OccupationCode::parse("081-02").unwrap()));
        assert!(!middle.covers(&OccupationCode::parse("082-02").unwrap()));
    }

    #[test]
    fn job_numbers() {
        assert!(JobNumber::parse("13010-12345678").is_ok());
        for bad in [
            "1301012345678",
            "13010-1234567",
            "13010-123456789",
            "1301a-12345678",
            "13010_12345678",
            "",
        ] {
            assert_eq!(JobNumber::parse(bad), Err(CodeError::JobNumber), "{bad:?}");
        }
    }

    #[test]
    fn codes_deserialize_through_validation() {
        let ok: PrefectureCode = serde_json_like("\"13\"");
        assert_eq!(ok.as_str(), "13");
    }

    // The domain crate has no serde_json dependency; a tiny string
    // deserializer is enough to show that Deserialize validates.
    fn serde_json_like(quoted: &str) -> PrefectureCode {
        use serde::de::value::{Error, StrDeserializer};
        use serde::de::IntoDeserializer;
        let inner = quoted.trim_matches('"');
        let d: StrDeserializer<'_, Error> = inner.into_deserializer();
        PrefectureCode::deserialize(d).unwrap()
    }
}
