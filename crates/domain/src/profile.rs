//! A job seeker's anonymised profile and its validation.
//!
//! The wire shape is strict: unknown fields are refused, so a name, an
//! address, a birth date or a sex can never slip in under another key (R11).
//! [`Profile::check`] lists every problem with its field path; free text is
//! then scrubbed with [`Profile::scrub`] before anything is stored.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::scrub::{scrub, MaskCounts};
use crate::{MunicipalityCode, OccupationCode, PrefectureCode};

/// One problem with one field; the message never repeats the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl ToString) -> Self {
        Self {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentType {
    FullTime,
    PartTime,
    Contract,
    Dispatch,
    Other,
}

impl EmploymentType {
    pub const ALL: [EmploymentType; 5] = [
        EmploymentType::FullTime,
        EmploymentType::PartTime,
        EmploymentType::Contract,
        EmploymentType::Dispatch,
        EmploymentType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EmploymentType::FullTime => "full_time",
            EmploymentType::PartTime => "part_time",
            EmploymentType::Contract => "contract",
            EmploymentType::Dispatch => "dispatch",
            EmploymentType::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WageKind {
    Monthly,
    Daily,
    Hourly,
}

impl WageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WageKind::Monthly => "monthly",
            WageKind::Daily => "daily",
            WageKind::Hourly => "hourly",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [WageKind::Monthly, WageKind::Daily, WageKind::Hourly]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The sane range of a wage of this kind, in yen.
    pub fn range(self) -> (i64, i64) {
        match self {
            WageKind::Monthly => (50_000, 5_000_000),
            WageKind::Daily => (3_000, 300_000),
            WageKind::Hourly => (500, 30_000),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkLocation {
    /// JIS X 0401.
    #[schema(example = "13", value_type = PrefectureCode)]
    pub prefecture: String,
    /// JIS X 0402 with check digit, in that prefecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "131041", value_type = Option<MunicipalityCode>)]
    pub municipality: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesiredWage {
    pub kind: WageKind,
    /// The lowest acceptable wage, yen (ranges by kind as for offers).
    #[schema(example = 220000, minimum = 500, maximum = 5_000_000)]
    pub min: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 7)]
    pub days_per_week: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 24)]
    pub hours_per_day: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub night_shift: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    #[schema(
        example = "介護福祉士",
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 20,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1950, maximum = 2100)]
    pub year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Experience {
    #[schema(value_type = OccupationCode)]
    pub occupation: String,
    #[schema(minimum = 0, maximum = 60)]
    pub years: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkHistory {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub industry: Option<String>,
    #[schema(value_type = OccupationCode)]
    pub occupation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employment_type: Option<EmploymentType>,
    #[schema(minimum = 0, maximum = 60)]
    pub years: u8,
    /// What the work was; no employer names. Scrubbed on ingest. Line breaks
    /// and tabs allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub duties: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EducationLevel {
    JuniorHigh,
    HighSchool,
    Vocational,
    JuniorCollege,
    University,
    Graduate,
    Other,
}

/// The anonymised profile. No age, sex, address or name: there is no field
/// for them, and unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// 1–3 occupation codes at any level (`08`, `080`, `080-01`).
    #[schema(example = json!(["08", "080"]), value_type = Vec<OccupationCode>, min_items = 1, max_items = 3)]
    pub desired_occupations: Vec<String>,
    /// Each at most once.
    #[serde(default)]
    pub employment_types: Vec<EmploymentType>,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub work_locations: Vec<WorkLocation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_wage: Option<DesiredWage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_start: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 30)]
    pub qualifications: Vec<Qualification>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 10)]
    pub experience: Vec<Experience>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 20)]
    pub work_history: Vec<WorkHistory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education_level: Option<EducationLevel>,
    /// At most 20, each 1–50 characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 20)]
    pub pc_skills: Vec<String>,
    /// At most 10, each 1–50 characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 10)]
    pub language_skills: Vec<String>,
    /// Self-PR (自己PR), up to 2,000 characters; line breaks and tabs
    /// allowed. Scrubbed on ingest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub self_pr: Option<String>,
}

pub const MAX_DESIRED_OCCUPATIONS: usize = 3;
pub const MAX_SELF_PR_CHARS: usize = 2000;
pub const MAX_DUTIES_CHARS: usize = 1000;

/// Text a person typed: bounded, and no control characters but line breaks
/// and tabs (a NUL would also be refused by PostgreSQL).
fn check_text(out: &mut Vec<Invalid>, field: String, text: &str, max: usize, multiline: bool) {
    if text.trim().is_empty() {
        out.push(Invalid::new(field, "must not be empty"));
    } else if text.chars().count() > max {
        out.push(Invalid::new(field, format!("at most {max} characters")));
    } else if text
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
    {
        out.push(Invalid::new(field, "control characters are not allowed"));
    }
}

fn check_occupation(out: &mut Vec<Invalid>, field: String, code: &str) {
    if let Err(e) = OccupationCode::parse(code) {
        out.push(Invalid::new(field, e));
    }
}

impl Profile {
    /// Every problem, with its path under `prefix` (`profile`).
    pub fn check(&self, prefix: &str, today: NaiveDate) -> Vec<Invalid> {
        let f = |name: &str| format!("{prefix}.{name}");
        let mut out = Vec::new();
        let n = self.desired_occupations.len();
        if n == 0 || n > MAX_DESIRED_OCCUPATIONS {
            out.push(Invalid::new(
                f("desired_occupations"),
                "one to three occupation codes",
            ));
        }
        for (i, code) in self.desired_occupations.iter().enumerate() {
            check_occupation(&mut out, f(&format!("desired_occupations[{i}]")), code);
        }
        let mut seen = Vec::new();
        for (i, e) in self.employment_types.iter().enumerate() {
            if seen.contains(e) {
                out.push(Invalid::new(
                    f(&format!("employment_types[{i}]")),
                    "listed twice",
                ));
            }
            seen.push(*e);
        }
        if self.work_locations.len() > 10 {
            out.push(Invalid::new(f("work_locations"), "at most 10 locations"));
        }
        for (i, loc) in self.work_locations.iter().enumerate() {
            let path = f(&format!("work_locations[{i}]"));
            match PrefectureCode::parse(&loc.prefecture) {
                Err(e) => out.push(Invalid::new(format!("{path}.prefecture"), e)),
                Ok(pref) => {
                    if let Some(m) = &loc.municipality {
                        match MunicipalityCode::parse(m) {
                            Err(e) => out.push(Invalid::new(format!("{path}.municipality"), e)),
                            Ok(code)
                                if code.prefecture() != pref || code.is_prefecture_itself() =>
                            {
                                out.push(Invalid::new(
                                    format!("{path}.municipality"),
                                    "not a municipality of that prefecture",
                                ))
                            }
                            Ok(_) => {}
                        }
                    }
                }
            }
        }
        if let Some(w) = &self.desired_wage {
            let (lo, hi) = w.kind.range();
            if !(lo..=hi).contains(&w.min) {
                out.push(Invalid::new(
                    f("desired_wage.min"),
                    format!("a {} wage is from {lo} to {hi} yen", w.kind.as_str()),
                ));
            }
        }
        if let Some(h) = &self.working_hours {
            if h.days_per_week.is_some_and(|d| !(1..=7).contains(&d)) {
                out.push(Invalid::new(f("working_hours.days_per_week"), "1 to 7"));
            }
            if h.hours_per_day.is_some_and(|d| !(1..=24).contains(&d)) {
                out.push(Invalid::new(f("working_hours.hours_per_day"), "1 to 24"));
            }
        }
        if let Some(d) = self.earliest_start {
            let lo = today - chrono::Duration::days(366);
            let hi = today + chrono::Duration::days(2 * 366);
            if d < lo || d > hi {
                out.push(Invalid::new(
                    f("earliest_start"),
                    "within a year before and two years after today",
                ));
            }
        }
        if self.qualifications.len() > 30 {
            out.push(Invalid::new(f("qualifications"), "at most 30"));
        }
        for (i, q) in self.qualifications.iter().enumerate() {
            let path = f(&format!("qualifications[{i}]"));
            check_text(&mut out, format!("{path}.name"), &q.name, 100, false);
            if let Some(code) = &q.code {
                check_text(&mut out, format!("{path}.code"), code, 20, false);
            }
            if q.year.is_some_and(|y| !(1950..=2100).contains(&y)) {
                out.push(Invalid::new(format!("{path}.year"), "a year from 1950"));
            }
        }
        if self.experience.len() > 10 {
            out.push(Invalid::new(f("experience"), "at most 10"));
        }
        for (i, e) in self.experience.iter().enumerate() {
            let path = f(&format!("experience[{i}]"));
            check_occupation(&mut out, format!("{path}.occupation"), &e.occupation);
            if e.years > 60 {
                out.push(Invalid::new(format!("{path}.years"), "0 to 60"));
            }
        }
        if self.work_history.len() > 20 {
            out.push(Invalid::new(f("work_history"), "at most 20"));
        }
        for (i, w) in self.work_history.iter().enumerate() {
            let path = f(&format!("work_history[{i}]"));
            check_occupation(&mut out, format!("{path}.occupation"), &w.occupation);
            if let Some(industry) = &w.industry {
                check_text(&mut out, format!("{path}.industry"), industry, 50, false);
            }
            if w.years > 60 {
                out.push(Invalid::new(format!("{path}.years"), "0 to 60"));
            }
            if let Some(d) = &w.duties {
                check_text(
                    &mut out,
                    format!("{path}.duties"),
                    d,
                    MAX_DUTIES_CHARS,
                    true,
                );
            }
        }
        for (name, list, max) in [
            ("pc_skills", &self.pc_skills, 20),
            ("language_skills", &self.language_skills, 10),
        ] {
            if list.len() > max {
                out.push(Invalid::new(f(name), format!("at most {max}")));
            }
            for (i, s) in list.iter().enumerate() {
                check_text(&mut out, f(&format!("{name}[{i}]")), s, 50, false);
            }
        }
        if let Some(pr) = &self.self_pr {
            check_text(&mut out, f("self_pr"), pr, MAX_SELF_PR_CHARS, true);
        }
        out
    }

    /// Masks personal data in every string of the profile (R11) but the
    /// validated codes and closed sets ([`NOT_FREE_TEXT`]). It works on the
    /// profile's serialised form, so a string field added later is scrubbed
    /// without anyone remembering to (a test checks every field).
    pub fn scrub(&mut self) -> MaskCounts {
        let mut counts = MaskCounts::default();
        let mut value = serde_json::to_value(&*self).expect("a profile serialises");
        scrub_strings(&mut value, None, &mut counts);
        if counts.total() > 0 {
            *self = serde_json::from_value(value)
                .expect("a scrubbed profile keeps its shape: only free text changed");
        }
        counts
    }

    /// Every occupation code the profile names, with their ancestors
    /// (`081-02` gives `08`, `081`, `081-02`), so that a search for a group
    /// is an equality match.
    pub fn occupation_index(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for code in &self.desired_occupations {
            let mut push = |c: &str| {
                if !out.iter().any(|x| x == c) {
                    out.push(c.to_owned());
                }
            };
            for prefix in [code.get(..2), code.get(..3)].into_iter().flatten() {
                if prefix.len() < code.len() {
                    push(prefix);
                }
            }
            push(code);
        }
        out
    }

    /// The text a keyword search looks in, folded like the keyword.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if let Some(pr) = &self.self_pr {
            parts.push(pr);
        }
        for w in &self.work_history {
            if let Some(d) = &w.duties {
                parts.push(d);
            }
            if let Some(i) = &w.industry {
                parts.push(i);
            }
        }
        // Qualifications are not searched by keyword: they are a
        // quasi-identifier shown generalised (R14), and a keyword must not
        // find a name the profile does not show. The `qualification`
        // filter asks for them, where shown.
        for s in self.pc_skills.iter().chain(&self.language_skills) {
            parts.push(s);
        }
        // What was masked is not searched, nor the masks themselves.
        crate::fold::fold(&crate::scrub::without_masks(&parts.join("\n")))
    }
}

/// Fields whose strings are validated codes or closed sets: never free
/// text, never scrubbed (a code such as `131041` must stay as it is).
pub const NOT_FREE_TEXT: [&str; 9] = [
    "desired_occupations",
    "occupation",
    "prefecture",
    "municipality",
    "employment_types",
    "employment_type",
    "kind",
    "education_level",
    "earliest_start",
];

fn scrub_strings(v: &mut serde_json::Value, key: Option<&str>, counts: &mut MaskCounts) {
    use serde_json::Value;
    match v {
        Value::String(text) if !key.is_some_and(|k| NOT_FREE_TEXT.contains(&k)) => {
            let (clean, c) = scrub(text);
            if c.total() > 0 {
                *text = clean;
                counts.add(c);
            }
        }
        Value::Array(items) => {
            for item in items {
                scrub_strings(item, key, counts);
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                scrub_strings(item, Some(k), counts);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn minimal() -> Profile {
        serde_json::from_value(serde_json::json!({"desired_occupations": ["08"]})).unwrap()
    }

    #[test]
    fn a_minimal_profile_passes() {
        assert!(minimal().check("profile", today()).is_empty());
    }

    #[test]
    fn personal_fields_cannot_be_sent() {
        for field in [
            "name",
            "address",
            "birth_date",
            "sex",
            "phone",
            "hello_work_number",
            "age",
        ] {
            let v = serde_json::json!({"desired_occupations": ["08"], field: "x"});
            assert!(serde_json::from_value::<Profile>(v).is_err(), "{field}");
        }
    }

    #[test]
    fn every_problem_is_listed_with_its_path() {
        let v = serde_json::json!({
            "desired_occupations": ["08", "99", "080", "081"],
            "work_locations": [{"prefecture": "13", "municipality": "271004"}, {"prefecture": "48"}],
            "desired_wage": {"kind": "hourly", "min": 100},
            "qualifications": [{"name": "", "year": 1900}],
            "work_history": [{"occupation": "080", "years": 99, "duties": "a\u{0}b"}],
            "self_pr": "x".repeat(2001)
        });
        let p: Profile = serde_json::from_value(v).unwrap();
        let fields: Vec<String> = p
            .check("profile", today())
            .into_iter()
            .map(|i| i.field)
            .collect();
        for want in [
            "profile.desired_occupations",
            "profile.desired_occupations[1]",
            "profile.work_locations[0].municipality",
            "profile.work_locations[1].prefecture",
            "profile.desired_wage.min",
            "profile.qualifications[0].name",
            "profile.qualifications[0].year",
            "profile.work_history[0].years",
            "profile.work_history[0].duties",
            "profile.self_pr",
        ] {
            assert!(fields.iter().any(|f| f == want), "{want} in {fields:?}");
        }
    }

    #[test]
    fn scrub_reaches_every_free_text() {
        let mut p = minimal();
        p.self_pr = Some("連絡は090-1111-2222まで".into());
        p.work_history.push(WorkHistory {
            industry: None,
            occupation: "080".into(),
            employment_type: None,
            years: 3,
            duties: Some("メール a@b.jp で報告".into()),
        });
        let counts = p.scrub();
        assert_eq!((counts.phone, counts.email), (1, 1));
        assert!(!p.self_pr.as_ref().unwrap().contains("1111"));
    }

    #[test]
    fn occupation_index_expands_ancestors() {
        let mut p = minimal();
        p.desired_occupations = vec!["081-02".into(), "08".into(), "120".into()];
        assert_eq!(
            p.occupation_index(),
            vec!["08", "081", "081-02", "12", "120"]
        );
    }

    #[test]
    fn search_text_is_folded() {
        let mut p = minimal();
        p.self_pr = Some("ＰＣ操作と介護の経験".into());
        let t = p.search_text();
        assert!(t.contains("pc操作"));
        assert!(t.contains("介護"));
        assert_eq!(crate::fold::fold("ＥＸＣＥＬ"), "excel");
    }
}
