//! What an organisation may ask of a search, checked once: the profile
//! search and the job-offer browse take the same [`Criteria`], parsed from
//! the words of a query string by [`Criteria::parse`]. The store queries
//! with these types; nothing below this module sees an unchecked code.

use chrono::NaiveDateTime;

use crate::fold::fold;
use crate::profile::{EmploymentType, Invalid, WageKind};
use crate::{MunicipalityCode, OccupationCode, PrefectureCode};

/// The longest keyword, in characters.
pub const KEYWORD_MAX_CHARS: usize = 50;
/// The longest qualification asked for, in characters.
pub const QUALIFICATION_MAX_CHARS: usize = 100;

/// A keyword folded for matching ([`fold`]: width, case, kana, variants):
/// 1 to 50 characters as typed and as folded, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword(String);

impl Keyword {
    /// The folded keyword, as the stored search text is folded.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A wage an organisation offers or asks for: an amount of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wage {
    pub kind: WageKind,
    pub yen: i64,
}

/// Filters, all optional, all combined with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Criteria {
    pub keyword: Option<Keyword>,
    /// At any level; a group matches its members.
    pub occupation: Option<OccupationCode>,
    pub prefecture: Option<PrefectureCode>,
    pub municipality: Option<MunicipalityCode>,
    pub employment_type: Option<EmploymentType>,
    pub wage: Option<Wage>,
    /// A qualification's name or code, as Hello Work writes it (profiles
    /// only).
    pub qualification: Option<String>,
    /// Changed at or after this time (UTC).
    pub updated_since: Option<NaiveDateTime>,
}

/// A query's words as they came, before any is checked.
#[derive(Debug, Clone, Default)]
pub struct Asked<'a> {
    pub q: Option<&'a str>,
    pub occupation: Option<&'a str>,
    pub prefecture: Option<&'a str>,
    pub municipality: Option<&'a str>,
    pub employment_type: Option<&'a str>,
    pub wage_min: Option<i64>,
    pub wage_kind: Option<&'a str>,
    pub qualification: Option<&'a str>,
    pub updated_since: Option<NaiveDateTime>,
}

fn plain(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

impl Criteria {
    /// Checks every word, listing each one that breaks its rule (never
    /// repeating the value). A blank keyword is no keyword; a wage is of
    /// `monthly` kind unless `wage_kind` says otherwise, and at most ten
    /// times the top of that kind's sane range.
    pub fn parse(asked: &Asked<'_>) -> Result<Criteria, Vec<Invalid>> {
        let mut errors = Vec::new();
        // Measured as typed and as folded (NFKC can lengthen a character).
        let keyword = asked
            .q
            .filter(|k| k.chars().count() <= KEYWORD_MAX_CHARS)
            .map(|k| fold(k).trim().to_owned())
            .filter(|k| !k.is_empty());
        let too_long = asked
            .q
            .is_some_and(|k| k.chars().count() > KEYWORD_MAX_CHARS);
        if too_long
            || keyword
                .as_ref()
                .is_some_and(|k| k.chars().count() > KEYWORD_MAX_CHARS || !plain(k))
        {
            errors.push(Invalid::new(
                "q",
                "1 to 50 characters, no control characters",
            ));
        }
        let occupation = asked.occupation.map(OccupationCode::parse).transpose();
        if occupation.is_err() {
            errors.push(Invalid::new(
                "occupation",
                "an occupation code: 01-15, NNN or NNN-NN",
            ));
        }
        let prefecture = asked.prefecture.map(PrefectureCode::parse).transpose();
        if prefecture.is_err() {
            errors.push(Invalid::new("prefecture", "two digits from 01 to 47"));
        }
        let municipality = asked.municipality.map(MunicipalityCode::parse).transpose();
        if municipality.is_err() {
            errors.push(Invalid::new(
                "municipality",
                "six digits with a valid check digit",
            ));
        }
        let employment_type = asked
            .employment_type
            .map(|e| EmploymentType::parse(e).ok_or(()));
        if matches!(employment_type, Some(Err(()))) {
            errors.push(Invalid::new(
                "employment_type",
                "full_time, part_time, contract, dispatch or other",
            ));
        }
        let kind = WageKind::parse(asked.wage_kind.unwrap_or("monthly"));
        let wage = match kind {
            None => {
                errors.push(Invalid::new("wage_kind", "monthly, daily or hourly"));
                None
            }
            Some(kind) => match asked.wage_min {
                Some(yen) if !(0..=kind.range().1 * 10).contains(&yen) => {
                    errors.push(Invalid::new("wage_min", "a wage in yen"));
                    None
                }
                Some(yen) => Some(Wage { kind, yen }),
                None => None,
            },
        };
        if asked.qualification.is_some_and(|v| {
            v.is_empty() || v.chars().count() > QUALIFICATION_MAX_CHARS || !plain(v)
        }) {
            errors.push(Invalid::new("qualification", "1 to 100 characters"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Criteria {
            keyword: keyword.map(Keyword),
            occupation: occupation.ok().flatten(),
            prefecture: prefecture.ok().flatten(),
            municipality: municipality.ok().flatten(),
            employment_type: employment_type.and_then(Result::ok),
            wage,
            qualification: asked.qualification.map(str::to_owned),
            updated_since: asked.updated_since,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(asked: Asked<'_>) -> Vec<String> {
        Criteria::parse(&asked)
            .unwrap_err()
            .into_iter()
            .map(|i| i.field)
            .collect()
    }

    #[test]
    fn every_word_is_checked_and_each_bad_one_named() {
        let bad = Asked {
            q: Some(&"あ".repeat(51)),
            occupation: Some("16"),
            prefecture: Some("48"),
            municipality: Some("131040"),
            employment_type: Some("freelance"),
            wage_kind: Some("yearly"),
            qualification: Some(""),
            ..Asked::default()
        };
        assert_eq!(
            fields(bad),
            [
                "q",
                "occupation",
                "prefecture",
                "municipality",
                "employment_type",
                "wage_kind",
                "qualification"
            ]
        );
        assert_eq!(
            fields(Asked {
                wage_min: Some(50_000_001),
                ..Asked::default()
            }),
            ["wage_min"]
        );
        assert_eq!(
            fields(Asked {
                q: Some("介\u{7}護"),
                ..Asked::default()
            }),
            ["q"]
        );
    }

    #[test]
    fn good_words_become_types() {
        let c = Criteria::parse(&Asked {
            q: Some("  ＡＢＣ介護 "),
            occupation: Some("081-02"),
            prefecture: Some("13"),
            municipality: Some("131041"),
            employment_type: Some("part_time"),
            wage_min: Some(1200),
            wage_kind: Some("hourly"),
            ..Asked::default()
        })
        .unwrap();
        assert_eq!(c.keyword.unwrap().as_str(), "abc介護");
        assert_eq!(c.occupation.unwrap().as_str(), "081-02");
        assert_eq!(c.employment_type, Some(EmploymentType::PartTime));
        assert_eq!(
            c.wage,
            Some(Wage {
                kind: WageKind::Hourly,
                yen: 1200
            })
        );
    }

    #[test]
    fn blank_keyword_and_no_wage_are_no_filter() {
        let c = Criteria::parse(&Asked {
            q: Some("   "),
            wage_kind: Some("daily"),
            ..Asked::default()
        })
        .unwrap();
        assert_eq!(c, Criteria::default());
    }
}
