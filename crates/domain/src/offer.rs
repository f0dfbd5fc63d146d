//! A job offer (求人) as Hello Work shares it, and its validation. Employers
//! are public, so offers carry the employer's name and address; the
//! employer chooses a disclosure scope like a seeker does.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::profile::{EmploymentType, Invalid, WageKind};
use crate::{ConsentScope, MunicipalityCode, OccupationCode, PrefectureCode};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferWage {
    pub kind: WageKind,
    /// Yen: 50,000–5,000,000 a month, 3,000–300,000 a day, 500–30,000 an
    /// hour.
    #[schema(minimum = 500, maximum = 5_000_000)]
    pub min: i64,
    /// Yen, from `min` to the same bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 500, maximum = 5_000_000)]
    pub max: Option<i64>,
}

/// The content of a job offer (everything but its number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobOffer {
    /// The employer's disclosure scope.
    #[schema(example = "both", value_type = ConsentScope)]
    pub scope: String,
    pub received_on: NaiveDate,
    /// The offer drops out by itself after this day.
    pub valid_through: NaiveDate,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub employer_name: String,
    #[schema(
        min_length = 1,
        max_length = 300,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub employer_address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub industry: Option<String>,
    /// An occupation code at any level.
    #[schema(value_type = OccupationCode)]
    pub occupation: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub title: String,
    /// Line breaks and tabs allowed.
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub description: String,
    pub employment_type: EmploymentType,
    /// The workplace: JIS X 0401.
    #[schema(value_type = PrefectureCode)]
    pub prefecture: String,
    /// The workplace: JIS X 0402, in that prefecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<MunicipalityCode>)]
    pub municipality: Option<String>,
    pub wage: OfferWage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub working_hours: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 366)]
    pub holidays_per_year: Option<u16>,
    /// At most 20, each 1–100 characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 20)]
    pub qualifications: Vec<String>,
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 999, default = 1)]
    pub openings: u16,
}

fn one() -> u16 {
    1
}

fn text(out: &mut Vec<Invalid>, field: &str, value: &str, max: usize, multiline: bool) {
    if value.trim().is_empty() {
        out.push(Invalid::new(field, "must not be empty"));
    } else if value.chars().count() > max {
        out.push(Invalid::new(field, format!("at most {max} characters")));
    } else if value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        out.push(Invalid::new(field, "control characters are not allowed"));
    }
}

impl JobOffer {
    /// Every problem with its field.
    pub fn check(&self, today: NaiveDate) -> Vec<Invalid> {
        let mut out = Vec::new();
        if ConsentScope::parse(&self.scope).is_none() {
            out.push(Invalid::new(
                "scope",
                "both, public_only, private_only or none",
            ));
        }
        if self.valid_through < self.received_on {
            out.push(Invalid::new("valid_through", "not before received_on"));
        }
        if self.valid_through > today + chrono::Duration::days(2 * 366)
            || self.received_on > today + chrono::Duration::days(1)
        {
            out.push(Invalid::new("valid_through", "dates within two years"));
        }
        text(&mut out, "employer_name", &self.employer_name, 200, false);
        text(
            &mut out,
            "employer_address",
            &self.employer_address,
            300,
            false,
        );
        if let Some(i) = &self.industry {
            text(&mut out, "industry", i, 100, false);
        }
        if let Err(e) = OccupationCode::parse(&self.occupation) {
            out.push(Invalid::new("occupation", e));
        }
        text(&mut out, "title", &self.title, 200, false);
        text(&mut out, "description", &self.description, 5000, true);
        match PrefectureCode::parse(&self.prefecture) {
            Err(e) => out.push(Invalid::new("prefecture", e)),
            Ok(p) => {
                if let Some(m) = &self.municipality {
                    match MunicipalityCode::parse(m) {
                        Err(e) => out.push(Invalid::new("municipality", e)),
                        Ok(c) if c.prefecture() != p || c.is_prefecture_itself() => out.push(
                            Invalid::new("municipality", "not a municipality of that prefecture"),
                        ),
                        Ok(_) => {}
                    }
                }
            }
        }
        let (lo, hi) = self.wage.kind.range();
        if !(lo..=hi).contains(&self.wage.min) {
            out.push(Invalid::new(
                "wage.min",
                format!(
                    "a {} wage is from {lo} to {hi} yen",
                    self.wage.kind.as_str()
                ),
            ));
        }
        if self.wage.max.is_some_and(|m| m < self.wage.min || m > hi) {
            out.push(Invalid::new(
                "wage.max",
                "between wage.min and the sane maximum",
            ));
        }
        if let Some(h) = &self.working_hours {
            text(&mut out, "working_hours", h, 200, false);
        }
        if self.holidays_per_year.is_some_and(|h| h > 366) {
            out.push(Invalid::new("holidays_per_year", "0 to 366"));
        }
        if self.qualifications.len() > 20 {
            out.push(Invalid::new("qualifications", "at most 20"));
        }
        for (i, q) in self.qualifications.iter().enumerate() {
            text(&mut out, &format!("qualifications[{i}]"), q, 100, false);
        }
        if self.openings == 0 || self.openings > 999 {
            out.push(Invalid::new("openings", "1 to 999"));
        }
        out
    }

    /// The text a keyword search looks in, folded.
    pub fn search_text(&self) -> String {
        crate::fold::fold(&format!(
            "{}\n{}\n{}\n{}\n{}",
            self.title,
            self.description,
            self.employer_name,
            self.industry.as_deref().unwrap_or(""),
            self.qualifications.join("\n")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn offer() -> JobOffer {
        serde_json::from_value(serde_json::json!({
            "scope": "both", "received_on": "2026-11-20", "valid_through": "2027-01-31",
            "employer_name": "社会福祉法人さくら会", "employer_address": "東京都新宿区西新宿2-8-1",
            "occupation": "080", "title": "介護職員（正社員）", "description": "特別養護老人ホームでの介護業務",
            "employment_type": "full_time", "prefecture": "13", "municipality": "131041",
            "wage": {"kind": "monthly", "min": 230000, "max": 280000}
        }))
        .unwrap()
    }

    #[test]
    fn a_plain_offer_passes() {
        assert!(offer().check(today()).is_empty());
        assert_eq!(offer().openings, 1);
    }

    #[test]
    fn problems_are_listed_by_field() {
        let mut o = offer();
        o.scope = "everyone".into();
        o.valid_through = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        o.occupation = "99".into();
        o.municipality = Some("271004".into());
        o.wage.max = Some(1);
        o.openings = 0;
        o.title = "a\u{0}".into();
        let fields: Vec<String> = o.check(today()).into_iter().map(|i| i.field).collect();
        for f in [
            "scope",
            "valid_through",
            "occupation",
            "municipality",
            "wage.max",
            "openings",
            "title",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let mut v = serde_json::to_value(offer()).unwrap();
        v["secret"] = serde_json::json!("x");
        assert!(serde_json::from_value::<JobOffer>(v).is_err());
    }
}
