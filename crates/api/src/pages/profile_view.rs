//! A profile as a page shows it: the same fields organisations receive
//! (`kyushoku_domain::anonymity::ShownProfile`: scrubbed, and generalised
//! for R14), each as lines of plain words in the page's language: places
//! by name, closed sets by label, wages in yen, and what was generalised.

use kyushoku_domain::anonymity::{
    Generalisation, LocationDetail, OccupationDetail, QualificationDetail, ShownProfile,
};
use kyushoku_domain::profile::{EducationLevel, EmploymentType, WageKind};
use kyushoku_domain::{MunicipalityCode, PrefectureCode};

use super::i18n::{profile_label, Lang};
use super::places;

/// One field: its name and its lines.
pub struct Field {
    pub label: &'static str,
    pub values: Vec<String>,
}

pub fn employment(ja: bool, t: EmploymentType) -> &'static str {
    match (t, ja) {
        (EmploymentType::FullTime, true) => "正社員（フルタイム）",
        (EmploymentType::FullTime, false) => "Full time",
        (EmploymentType::PartTime, true) => "パートタイム",
        (EmploymentType::PartTime, false) => "Part time",
        (EmploymentType::Contract, true) => "契約社員",
        (EmploymentType::Contract, false) => "Fixed-term contract",
        (EmploymentType::Dispatch, true) => "派遣",
        (EmploymentType::Dispatch, false) => "Temporary agency work",
        (EmploymentType::Other, true) => "その他",
        (EmploymentType::Other, false) => "Other",
    }
}

fn education(ja: bool, e: EducationLevel) -> &'static str {
    match (e, ja) {
        (EducationLevel::JuniorHigh, true) => "中学校",
        (EducationLevel::JuniorHigh, false) => "Junior high school",
        (EducationLevel::HighSchool, true) => "高等学校",
        (EducationLevel::HighSchool, false) => "High school",
        (EducationLevel::Vocational, true) => "専修学校・各種学校",
        (EducationLevel::Vocational, false) => "Vocational school",
        (EducationLevel::JuniorCollege, true) => "短期大学・高等専門学校",
        (EducationLevel::JuniorCollege, false) => "Junior college",
        (EducationLevel::University, true) => "大学",
        (EducationLevel::University, false) => "University",
        (EducationLevel::Graduate, true) => "大学院",
        (EducationLevel::Graduate, false) => "Graduate school",
        (EducationLevel::Other, true) => "その他",
        (EducationLevel::Other, false) => "Other",
    }
}

pub fn wage_kind(ja: bool, k: WageKind) -> &'static str {
    match (k, ja) {
        (WageKind::Monthly, true) => "月給",
        (WageKind::Daily, true) => "日給",
        (WageKind::Hourly, true) => "時給",
        (WageKind::Monthly, false) => "Monthly",
        (WageKind::Daily, false) => "Daily",
        (WageKind::Hourly, false) => "Hourly",
    }
}

/// `220,000`.
pub fn yen(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

pub fn place(prefecture: &str, municipality: Option<&str>) -> String {
    match PrefectureCode::parse(prefecture) {
        Ok(p) => {
            let m = municipality.and_then(|m| MunicipalityCode::parse(m).ok());
            places::name(&p, m.as_ref())
        }
        Err(_) => prefecture.to_owned(),
    }
}

/// An occupation code with the name of its major group (the code list
/// names the major groups only): `126-05（運搬・清掃・包装等の職業）`.
pub fn occupation(ja: bool, code: &str) -> String {
    let group = code.get(..2).and_then(places::occupation_name);
    match (group, ja) {
        (Some(name), true) => format!("{code}（{name}）"),
        (Some(name), false) => format!("{code} ({name})"),
        (None, true) => format!("職業分類 {code}"),
        (None, false) => format!("occupation {code}"),
    }
}

/// The profile's fields, in the order organisations receive them; empty
/// ones left out.
pub fn fields(lang: Lang, p: &ShownProfile, g: &Generalisation) -> Vec<Field> {
    let ja = lang == Lang::Ja;
    let mut out = Vec::new();
    let mut add = |key: &str, values: Vec<String>| {
        if !values.is_empty() {
            out.push(Field {
                label: profile_label(lang, key),
                values,
            });
        }
    };
    add(
        "desired_occupations",
        p.desired_occupations
            .iter()
            .map(|c| occupation(ja, c))
            .collect(),
    );
    add(
        "employment_types",
        p.employment_types
            .iter()
            .map(|t| employment(ja, *t).to_owned())
            .collect(),
    );
    add(
        "work_locations",
        p.work_locations
            .iter()
            .map(|l| match (&l.prefecture, l.region) {
                (Some(pref), _) => place(pref, l.municipality.as_deref()),
                (None, Some(r)) if ja => format!("{}地方", r.name_ja()),
                (None, Some(r)) => format!("{} region", r.as_str()),
                (None, None) => String::new(),
            })
            .collect(),
    );
    add(
        "desired_wage",
        p.desired_wage
            .iter()
            .map(|w| {
                let kind = wage_kind(ja, w.kind);
                if ja {
                    format!("{kind} {}円〜{}円未満", yen(w.min), yen(w.max))
                } else {
                    format!("{kind}, ¥{} to under ¥{}", yen(w.min), yen(w.max))
                }
            })
            .collect(),
    );
    add(
        "working_hours",
        p.working_hours
            .iter()
            .flat_map(|h| {
                let mut v = Vec::new();
                if let Some(d) = h.days_per_week {
                    v.push(if ja {
                        format!("週{d}日")
                    } else {
                        format!("{d} days a week")
                    });
                }
                if let Some(n) = h.hours_per_day {
                    v.push(if ja {
                        format!("1日{n}時間")
                    } else {
                        format!("{n} hours a day")
                    });
                }
                if let Some(night) = h.night_shift {
                    v.push(
                        match (night, ja) {
                            (true, true) => "夜勤可",
                            (false, true) => "夜勤不可",
                            (true, false) => "Night shifts possible",
                            (false, false) => "No night shifts",
                        }
                        .to_owned(),
                    );
                }
                v
            })
            .collect(),
    );
    add("earliest_start", p.earliest_start.iter().cloned().collect());
    add(
        "qualifications",
        p.qualifications
            .iter()
            .map(|q| match (q.field, ja) {
                (true, true) => format!("{}（分野）", q.name),
                (true, false) => format!("{} (field)", q.name),
                (false, _) => q.name.clone(),
            })
            .collect(),
    );
    add(
        "experience",
        p.experience
            .iter()
            .map(|e| {
                format!(
                    "{}{}{}",
                    occupation(ja, &e.occupation),
                    if ja { " " } else { ", " },
                    years(ja, e.years, e.years_max)
                )
            })
            .collect(),
    );
    add(
        "work_history",
        p.work_history
            .iter()
            .map(|h| {
                let mut parts = Vec::new();
                if let Some(i) = &h.industry {
                    parts.push(i.clone());
                }
                parts.push(occupation(ja, &h.occupation));
                if let Some(t) = h.employment_type {
                    parts.push(employment(ja, t).to_owned());
                }
                parts.push(years(ja, h.years, h.years_max));
                let mut line = parts.join(" · ");
                if let Some(d) = &h.duties {
                    line.push_str(if ja { "：" } else { ": " });
                    line.push_str(d);
                }
                line
            })
            .collect(),
    );
    add(
        "education_level",
        p.education_level
            .iter()
            .map(|e| education(ja, *e).to_owned())
            .collect(),
    );
    add("pc_skills", p.pc_skills.clone());
    add("language_skills", p.language_skills.clone());
    add("self_pr", p.self_pr.iter().cloned().collect());
    add("generalised", generalised(ja, g));
    out
}

/// A range of years: `6〜10年`, `21年以上`.
fn years(ja: bool, from: u8, to: Option<u8>) -> String {
    match (to, ja) {
        (Some(to), true) => format!("{from}〜{to}年"),
        (None, true) => format!("{from}年以上"),
        (Some(to), false) => format!("{from}–{to} years"),
        (None, false) => format!("{from} years or more"),
    }
}

/// What was generalised, and why, in words (nothing when nothing was).
pub fn generalised(ja: bool, g: &Generalisation) -> Vec<String> {
    let mut out = Vec::new();
    let k = g.k;
    match (g.work_locations, ja) {
        (LocationDetail::AsGiven, _) => {}
        (LocationDetail::Prefecture, true) => out.push("希望勤務地は都道府県までの表示です".into()),
        (LocationDetail::Region, true) => out.push("希望勤務地は地方までの表示です".into()),
        (LocationDetail::Hidden, true) => out.push("希望勤務地は表示していません".into()),
        (LocationDetail::Prefecture, false) => {
            out.push("Work locations shown by prefecture".into())
        }
        (LocationDetail::Region, false) => out.push("Work locations shown by region".into()),
        (LocationDetail::Hidden, false) => out.push("Work locations not shown".into()),
    }
    match (g.desired_occupations, ja) {
        (OccupationDetail::AsGiven, _) => {}
        (OccupationDetail::Middle, true) => out.push("希望職種は中分類までの表示です".into()),
        (OccupationDetail::Major, true) => out.push("希望職種は大分類までの表示です".into()),
        (OccupationDetail::Hidden, true) => out.push("希望職種は表示していません".into()),
        (OccupationDetail::Middle, false) => out.push("Occupations shown by middle group".into()),
        (OccupationDetail::Major, false) => out.push("Occupations shown by major group".into()),
        (OccupationDetail::Hidden, false) => out.push("Occupations not shown".into()),
    }
    match (g.qualifications, ja) {
        (QualificationDetail::Name, _) => {}
        (QualificationDetail::Field, true) => out.push("資格は分野までの表示です".into()),
        (QualificationDetail::Hidden, true) => out.push("資格は表示していません".into()),
        (QualificationDetail::Field, false) => out.push("Qualifications shown by field".into()),
        (QualificationDetail::Hidden, false) => out.push("Qualifications not shown".into()),
    }
    if !out.is_empty() {
        out.push(if ja {
            format!("同じ内容で表示される求職者が{k}人に満たないため、個人が特定されないよう一部をまとめて表示しています")
        } else {
            format!("Fewer than {k} seekers would share the details, so some are shown broader to keep anyone from being singled out")
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_has_thousands_separators() {
        assert_eq!(yen(220_000), "220,000");
        assert_eq!(yen(1_000), "1,000");
        assert_eq!(yen(999), "999");
        assert_eq!(yen(1_234_567), "1,234,567");
    }
}
