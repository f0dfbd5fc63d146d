//! R14, no seeker singled out: which parts of a profile are
//! quasi-identifiers, how far each is generalised, and the counting rule
//! that decides it — all pure, so the store only keeps the counts.
//!
//! The key checked is (work locations, desired occupations, qualifications)
//! as sets; it is generalised along one fixed chain ([`CHAIN`]) until the
//! seeker's class holds at least *k* seekers visible to the sector. The
//! other quasi-identifiers are always shown coarse (wages in bands, years in
//! ranges, history occupations as major groups, dates as months): see
//! `docs/privacy.md` for the reasons.
//!
//! Every level's key is a function of the level before it, so the classes
//! form a tree. A class's *residual* is how many of its seekers reach it
//! without a finer class holding them ([`residual_passed_up`]); a seeker is
//! shown at the first level of its chain whose residual is at least *k*
//! ([`shown_level`]). So every class that is shown holds at least *k*
//! seekers shown exactly alike, and adding or removing one seeker changes
//! the counts along its own chain only ([`count`]).

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::profile::{
    DesiredWage, EducationLevel, EmploymentType, Profile, WageKind, WorkingHours,
};
use crate::{MunicipalityCode, OccupationCode, PrefectureCode};

/// *k*: the fewest seekers visible to a sector that must share a shown
/// combination. 1 turns the guard off (everything shown as given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct K(i64);

impl K {
    pub const DEFAULT: K = K(5);
    pub const MAX: i64 = 1000;

    pub fn new(k: i64) -> Option<K> {
        (1..=Self::MAX).contains(&k).then_some(K(k))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// How a seeker's work locations are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LocationDetail {
    /// As Hello Work gave them (a municipality where one was named).
    AsGiven,
    Prefecture,
    Region,
    Hidden,
}

/// How desired occupations are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OccupationDetail {
    AsGiven,
    /// 中分類 (a minor group's middle group).
    Middle,
    /// 大分類.
    Major,
    Hidden,
}

/// How qualifications are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualificationDetail {
    Name,
    /// Its field (分野) from `data/qualification_fields.csv`.
    Field,
    Hidden,
}

/// What one level of the chain shows of each part of the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Detail {
    pub work_locations: LocationDetail,
    pub desired_occupations: OccupationDetail,
    pub qualifications: QualificationDetail,
}

const fn detail(l: LocationDetail, o: OccupationDetail, q: QualificationDetail) -> Detail {
    Detail {
        work_locations: l,
        desired_occupations: o,
        qualifications: q,
    }
}

/// The levels, finest first: qualifications give way first (a rare one is
/// the surest pointer to one person), then occupation detail, and the
/// place last, since it matters most to whoever offers work.
pub const CHAIN: [Detail; LEVELS] = {
    use LocationDetail as L;
    use OccupationDetail as O;
    use QualificationDetail as Q;
    [
        detail(L::AsGiven, O::AsGiven, Q::Name),
        detail(L::AsGiven, O::AsGiven, Q::Field),
        detail(L::AsGiven, O::Middle, Q::Field),
        detail(L::AsGiven, O::Major, Q::Field),
        detail(L::AsGiven, O::Major, Q::Hidden),
        detail(L::Prefecture, O::Major, Q::Hidden),
        detail(L::Region, O::Major, Q::Hidden),
        detail(L::Region, O::Hidden, Q::Hidden),
        detail(L::Hidden, O::Hidden, Q::Hidden),
    ]
};

/// The number of levels in [`CHAIN`].
pub const LEVELS: usize = 9;

/// Bumped whenever keys or the chain change (a qualification's key is its
/// folded name, so a change of [`crate::fold`] is one): stored counts of
/// another version are rebuilt.
pub const SCHEME_VERSION: i64 = 3;

/// The eight regions (地方) a prefecture is shown as when even its
/// prefecture is too rare.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    Hokkaido,
    Tohoku,
    Kanto,
    Chubu,
    Kinki,
    Chugoku,
    Shikoku,
    KyushuOkinawa,
}

impl Region {
    pub fn of(prefecture: &PrefectureCode) -> Region {
        match prefecture.as_str().parse::<u8>().unwrap_or(13) {
            1 => Region::Hokkaido,
            2..=7 => Region::Tohoku,
            8..=14 => Region::Kanto,
            15..=23 => Region::Chubu,
            24..=30 => Region::Kinki,
            31..=35 => Region::Chugoku,
            36..=39 => Region::Shikoku,
            _ => Region::KyushuOkinawa,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Region::Hokkaido => "hokkaido",
            Region::Tohoku => "tohoku",
            Region::Kanto => "kanto",
            Region::Chubu => "chubu",
            Region::Kinki => "kinki",
            Region::Chugoku => "chugoku",
            Region::Shikoku => "shikoku",
            Region::KyushuOkinawa => "kyushu_okinawa",
        }
    }

    pub fn name_ja(self) -> &'static str {
        match self {
            Region::Hokkaido => "北海道",
            Region::Tohoku => "東北",
            Region::Kanto => "関東",
            Region::Chubu => "中部",
            Region::Kinki => "近畿",
            Region::Chugoku => "中国",
            Region::Shikoku => "四国",
            Region::KyushuOkinawa => "九州・沖縄",
        }
    }
}

/// The field every qualification not in the table belongs to.
pub const OTHER_FIELD: &str = "その他の資格";

fn qualification_key(name: &str) -> String {
    crate::fold::fold(name)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn field_table() -> &'static HashMap<String, &'static str> {
    static TABLE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("../../../data/qualification_fields.csv")
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(','))
            .map(|(name, field)| (qualification_key(name), field.trim()))
            .collect()
    })
}

/// The field (分野) of a qualification, by its name folded (width, case,
/// spaces); [`OTHER_FIELD`] when the table does not know it.
pub fn field_of(name: &str) -> &'static str {
    field_table()
        .get(&qualification_key(name))
        .copied()
        .unwrap_or(OTHER_FIELD)
}

/// The quasi-identifiers of the key, as given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuasiIdentifiers {
    pub locations: Vec<(PrefectureCode, Option<MunicipalityCode>)>,
    pub occupations: Vec<OccupationCode>,
    /// Qualifications as written: the name, and the code after a `|` when
    /// there is one (a code is shown with the name, so it is part of what
    /// must be shared: a code unique to one seeker is an identifier).
    pub qualifications: Vec<String>,
}

impl QuasiIdentifiers {
    /// Those of a profile already checked (codes that do not parse are
    /// left out; [`Profile::check`] refuses them on ingest).
    pub fn of(profile: &Profile) -> QuasiIdentifiers {
        QuasiIdentifiers {
            locations: profile
                .work_locations
                .iter()
                .filter_map(|l| {
                    let p = PrefectureCode::parse(&l.prefecture).ok()?;
                    let m = l
                        .municipality
                        .as_deref()
                        .and_then(|m| MunicipalityCode::parse(m).ok());
                    Some((p, m))
                })
                .collect(),
            occupations: profile
                .desired_occupations
                .iter()
                .filter_map(|o| OccupationCode::parse(o).ok())
                .collect(),
            qualifications: profile
                .qualifications
                .iter()
                .map(|q| match &q.code {
                    Some(code) => format!("{}|{code}", q.name),
                    None => q.name.clone(),
                })
                .collect(),
        }
    }

    /// The shown values of each part at `d`, sorted and without repeats.
    pub fn shown(&self, d: Detail) -> ShownKey {
        let locations = self
            .locations
            .iter()
            .filter_map(|(p, m)| match d.work_locations {
                LocationDetail::AsGiven => Some(match m {
                    Some(m) => ShownPlace::Municipality(m.as_str().to_owned()),
                    None => ShownPlace::Prefecture(p.as_str().to_owned()),
                }),
                LocationDetail::Prefecture => Some(ShownPlace::Prefecture(p.as_str().to_owned())),
                LocationDetail::Region => Some(ShownPlace::Region(Region::of(p))),
                LocationDetail::Hidden => None,
            })
            .collect();
        let occupations = self
            .occupations
            .iter()
            .filter_map(|o| occupation_at(o, d.desired_occupations))
            .collect();
        let qualifications = self
            .qualifications
            .iter()
            .filter_map(|q| match d.qualifications {
                QualificationDetail::Name => {
                    Some(ShownQualificationKey::Name(qualification_key(q)))
                }
                QualificationDetail::Field => Some(ShownQualificationKey::Field(field_of(
                    q.split_once('|').map_or(q.as_str(), |(name, _)| name),
                ))),
                QualificationDetail::Hidden => None,
            })
            .collect();
        ShownKey {
            locations,
            occupations,
            qualifications,
        }
    }

    /// The class of each level of the chain, finest first.
    pub fn chain(&self) -> Chain {
        let mut out = [0; LEVELS];
        for (level, d) in CHAIN.iter().enumerate() {
            out[level] = self.shown(*d).class(level);
        }
        Chain(out)
    }
}

/// An occupation code shown at `detail`, or nothing when hidden.
pub fn occupation_at(code: &OccupationCode, detail: OccupationDetail) -> Option<String> {
    let s = code.as_str();
    match detail {
        OccupationDetail::AsGiven => Some(s.to_owned()),
        OccupationDetail::Middle => Some(s.get(..3).unwrap_or(s).to_owned()),
        OccupationDetail::Major => Some(s.get(..2).unwrap_or(s).to_owned()),
        OccupationDetail::Hidden => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ShownPlace {
    Municipality(String),
    Prefecture(String),
    Region(Region),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ShownQualificationKey {
    Name(String),
    Field(&'static str),
}

/// The key as shown at one level: what seekers of one class share.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShownKey {
    pub locations: BTreeSet<ShownPlace>,
    pub occupations: BTreeSet<String>,
    pub qualifications: BTreeSet<ShownQualificationKey>,
}

impl ShownKey {
    /// The class of this key at `level`: 63 bits of SHA-256 over the level
    /// and the key written out (two different keys sharing a class is as
    /// likely as guessing a 63-bit number).
    pub fn class(&self, level: usize) -> i64 {
        let text = format!(
            "{SCHEME_VERSION}|{level}|{:?}|{:?}|{:?}",
            self.locations, self.occupations, self.qualifications
        );
        let digest = Sha256::digest(text.as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(bytes) >> 1) as i64
    }
}

/// A seeker's class at every level, finest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chain(pub [i64; LEVELS]);

/// What the store keeps of one class: how many visible seekers have it,
/// and how many of them reach it unheld by a finer class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub seekers: i64,
    pub residual: i64,
}

/// What a class passes to its parent: all of its residual when that is
/// fewer than *k* (they cannot be shown here), else none.
pub fn residual_passed_up(residual: i64, k: K) -> i64 {
    if residual < k.get() {
        residual
    } else {
        0
    }
}

/// Adds (`delta` = 1) or removes (−1) one seeker of `chain` to the tallies
/// of its chain's classes (absent ones count as zero). Only the chain's own
/// classes change: a class's residual is its finer classes' pass-ups, and
/// of those only the one on this chain moved.
pub fn count(tallies: &mut HashMap<i64, Tally>, chain: &Chain, delta: i64, k: K) {
    let mut passed_change = 0;
    for (level, class) in chain.0.iter().enumerate() {
        let t = tallies.entry(*class).or_default();
        let before = residual_passed_up(t.residual, k);
        t.seekers += delta;
        t.residual += if level == 0 { delta } else { passed_change };
        passed_change = residual_passed_up(t.residual, k) - before;
    }
}

/// The level a seeker of `chain` is shown at: the first whose residual is
/// at least *k*; `None` when even the top is too rare (the profile is then
/// withheld from organisations).
pub fn shown_level(residual_of: impl Fn(i64) -> i64, chain: &Chain, k: K) -> Option<usize> {
    chain.0.iter().position(|c| residual_of(*c) >= k.get())
}

/// A wage band: the shown lower bound and the band's top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShownWage {
    pub kind: WageKind,
    /// The lower end of the band the desired minimum falls in, yen.
    pub min: i64,
    /// The band's top, yen (the desired minimum is below it).
    pub max: i64,
}

/// The width of a wage band of `kind`, yen.
pub fn wage_band(kind: WageKind) -> i64 {
    match kind {
        WageKind::Monthly => 20_000,
        WageKind::Daily => 2_000,
        WageKind::Hourly => 100,
    }
}

/// A desired wage as shown: its band (always: an exact figure is a
/// fingerprint, and a search filters on the band alone).
pub fn shown_wage(w: &DesiredWage) -> ShownWage {
    let band = wage_band(w.kind);
    let min = w.min - w.min.rem_euclid(band);
    ShownWage {
        kind: w.kind,
        min,
        max: min + band,
    }
}

/// Years of experience as shown: a range (0–2, 3–5, 6–10, 11–20, 21–).
pub fn years_range(years: u8) -> (u8, Option<u8>) {
    match years {
        0..=2 => (0, Some(2)),
        3..=5 => (3, Some(5)),
        6..=10 => (6, Some(10)),
        11..=20 => (11, Some(20)),
        _ => (21, None),
    }
}

/// A work location as shown: exactly one of municipality (with its
/// prefecture), prefecture, or region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShownLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "13")]
    pub prefecture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "131041")]
    pub municipality: Option<String>,
    /// Only when even the prefecture is too rare.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShownQualification {
    /// The qualification's name, or its field's when generalised.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// True when `name` is a field (分野), not the qualification itself.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub field: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShownExperience {
    /// Always the major group (大分類).
    pub occupation: String,
    /// The lower end of the range of years.
    pub years: u8,
    /// The range's top; absent for "21 years or more".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years_max: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShownWorkHistory {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Always the major group (大分類).
    pub occupation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employment_type: Option<EmploymentType>,
    pub years: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years_max: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duties: Option<String>,
}

/// A profile as organisations see it (and the seeker on My Page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ShownProfile {
    /// Codes at the level `generalised.desired_occupations` says; empty
    /// when hidden.
    pub desired_occupations: Vec<String>,
    pub employment_types: Vec<EmploymentType>,
    pub work_locations: Vec<ShownLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_wage: Option<ShownWage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<WorkingHours>,
    /// The month only: `YYYY-MM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "2027-01")]
    pub earliest_start: Option<String>,
    /// Without years (a date is a quasi-identifier).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub qualifications: Vec<ShownQualification>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub experience: Vec<ShownExperience>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub work_history: Vec<ShownWorkHistory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub education_level: Option<EducationLevel>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pc_skills: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub language_skills: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_pr: Option<String>,
}

fn dedup<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

impl ShownProfile {
    /// `profile` shown at `detail`, with the coarse forms that always apply.
    pub fn of(profile: &Profile, detail: Detail) -> ShownProfile {
        let qi = QuasiIdentifiers::of(profile);
        let work_locations = dedup(qi.locations.iter().filter_map(|(p, m)| {
            let region = || Region::of(p);
            match detail.work_locations {
                LocationDetail::AsGiven => Some(ShownLocation {
                    prefecture: Some(p.as_str().to_owned()),
                    municipality: m.as_ref().map(|m| m.as_str().to_owned()),
                    region: None,
                }),
                LocationDetail::Prefecture => Some(ShownLocation {
                    prefecture: Some(p.as_str().to_owned()),
                    municipality: None,
                    region: None,
                }),
                LocationDetail::Region => Some(ShownLocation {
                    prefecture: None,
                    municipality: None,
                    region: Some(region()),
                }),
                LocationDetail::Hidden => None,
            }
        }));
        let desired_occupations = dedup(
            qi.occupations
                .iter()
                .filter_map(|o| occupation_at(o, detail.desired_occupations)),
        );
        let qualifications =
            dedup(
                profile
                    .qualifications
                    .iter()
                    .filter_map(|q| match detail.qualifications {
                        QualificationDetail::Name => Some(ShownQualification {
                            name: q.name.clone(),
                            code: q.code.clone(),
                            field: false,
                        }),
                        QualificationDetail::Field => Some(ShownQualification {
                            name: field_of(&q.name).to_owned(),
                            code: None,
                            field: true,
                        }),
                        QualificationDetail::Hidden => None,
                    }),
            );
        let major = |o: &str| o.get(..2).unwrap_or(o).to_owned();
        ShownProfile {
            desired_occupations,
            employment_types: profile.employment_types.clone(),
            work_locations,
            desired_wage: profile.desired_wage.as_ref().map(shown_wage),
            working_hours: profile.working_hours.clone(),
            earliest_start: profile
                .earliest_start
                .map(|d| d.format("%Y-%m").to_string()),
            qualifications,
            experience: profile
                .experience
                .iter()
                .map(|e| {
                    let (years, years_max) = years_range(e.years);
                    ShownExperience {
                        occupation: major(&e.occupation),
                        years,
                        years_max,
                    }
                })
                .collect(),
            work_history: profile
                .work_history
                .iter()
                .map(|w| {
                    let (years, years_max) = years_range(w.years);
                    ShownWorkHistory {
                        industry: w.industry.clone(),
                        occupation: major(&w.occupation),
                        employment_type: w.employment_type,
                        years,
                        years_max,
                        duties: w.duties.clone(),
                    }
                })
                .collect(),
            education_level: profile.education_level,
            pc_skills: profile.pc_skills.clone(),
            language_skills: profile.language_skills.clone(),
            self_pr: profile.self_pr.clone(),
        }
    }
}

/// How far each part of the key was generalised for this profile, so the
/// reader knows why it sees "九州・沖縄" and not a town.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Generalisation {
    /// The level of [`CHAIN`] (0: as given).
    pub level: u8,
    pub work_locations: LocationDetail,
    pub desired_occupations: OccupationDetail,
    pub qualifications: QualificationDetail,
    /// *k* in force.
    pub k: i64,
}

impl Generalisation {
    pub fn at(level: usize, k: K) -> Generalisation {
        let d = CHAIN[level.min(LEVELS - 1)];
        Generalisation {
            level: level as u8,
            work_locations: d.work_locations,
            desired_occupations: d.desired_occupations,
            qualifications: d.qualifications,
            k: k.get(),
        }
    }

    pub fn detail(&self) -> Detail {
        CHAIN[usize::from(self.level).min(LEVELS - 1)]
    }

    /// Whether anything of the key is shown coarser than given.
    pub fn any(&self) -> bool {
        self.level > 0
    }
}

/// The coarsest level at which a search filter on each part may still
/// match: a municipality is asked of profiles showing municipalities, and
/// so on. Filters on what a profile shows coarser never find it (R14).
pub mod filter_levels {
    use super::*;

    fn last(pred: impl Fn(&Detail) -> bool) -> usize {
        CHAIN.iter().rposition(pred).unwrap_or(0)
    }

    /// Municipalities shown.
    pub fn municipality() -> usize {
        last(|d| d.work_locations == LocationDetail::AsGiven)
    }

    /// Prefectures shown (or implied by a municipality shown).
    pub fn prefecture() -> usize {
        last(|d| d.work_locations <= LocationDetail::Prefecture)
    }

    /// An occupation code of `code`'s level shown (or finer).
    pub fn occupation(code: &OccupationCode) -> usize {
        let need = match code.level() {
            crate::OccupationLevel::Minor => OccupationDetail::AsGiven,
            crate::OccupationLevel::Middle => OccupationDetail::Middle,
            crate::OccupationLevel::Major => OccupationDetail::Major,
        };
        last(|d| d.desired_occupations <= need)
    }

    /// Qualification names shown.
    pub fn qualification() -> usize {
        last(|d| d.qualifications == QualificationDetail::Name)
    }

    /// The coarsest level a profile may be shown at and still answer
    /// `criteria`: every filtered value must be shown.
    pub fn for_criteria(criteria: &crate::search::Criteria) -> usize {
        [
            criteria.municipality.as_ref().map(|_| municipality()),
            criteria.prefecture.as_ref().map(|_| prefecture()),
            criteria.occupation.as_ref().map(occupation),
            criteria.qualification.as_ref().map(|_| qualification()),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(LEVELS - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn k(n: i64) -> K {
        K::new(n).unwrap()
    }

    fn qi(locs: &[(&str, Option<&str>)], occs: &[&str], quals: &[&str]) -> QuasiIdentifiers {
        QuasiIdentifiers {
            locations: locs
                .iter()
                .map(|(p, m)| {
                    (
                        PrefectureCode::parse(p).unwrap(),
                        m.map(|m| MunicipalityCode::parse(m).unwrap()),
                    )
                })
                .collect(),
            occupations: occs
                .iter()
                .map(|o| OccupationCode::parse(o).unwrap())
                .collect(),
            qualifications: quals.iter().map(|q| q.to_string()).collect(),
        }
    }

    #[test]
    fn every_level_coarsens_the_one_before() {
        for pair in CHAIN.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(a.work_locations <= b.work_locations);
            assert!(a.desired_occupations <= b.desired_occupations);
            assert!(a.qualifications <= b.qualifications);
            assert_ne!(a, b, "each level changes something");
        }
        let top = CHAIN[LEVELS - 1];
        assert_eq!(top.work_locations, LocationDetail::Hidden);
        assert_eq!(top.desired_occupations, OccupationDetail::Hidden);
        assert_eq!(top.qualifications, QualificationDetail::Hidden);
    }

    #[test]
    fn regions_cover_every_prefecture() {
        let p = |c: &str| Region::of(&PrefectureCode::parse(c).unwrap());
        assert_eq!(p("01"), Region::Hokkaido);
        assert_eq!(p("13"), Region::Kanto);
        assert_eq!(p("27"), Region::Kinki);
        assert_eq!(p("47"), Region::KyushuOkinawa);
        assert_eq!(p("40"), Region::KyushuOkinawa);
    }

    #[test]
    fn qualifications_have_fields_whatever_their_width() {
        assert_eq!(field_of("介護福祉士"), "介護・福祉");
        assert_eq!(field_of("ＭＯＳ　Ｅｘｃｅｌ"), "事務・会計");
        assert_eq!(field_of("海技士（機関）"), "運転・運輸");
        assert_eq!(field_of("珍しい資格"), OTHER_FIELD);
    }

    #[test]
    fn wages_are_shown_in_bands_and_years_in_ranges() {
        let w = shown_wage(&DesiredWage {
            kind: WageKind::Monthly,
            min: 231_000,
        });
        assert_eq!((w.min, w.max), (220_000, 240_000));
        let h = shown_wage(&DesiredWage {
            kind: WageKind::Hourly,
            min: 1_050,
        });
        assert_eq!((h.min, h.max), (1_000, 1_100));
        assert_eq!(years_range(12), (11, Some(20)));
        assert_eq!(years_range(40), (21, None));
    }

    #[test]
    fn a_seeker_alone_climbs_and_five_alike_stay() {
        let village = qi(&[("43", Some("434442"))], &["081-02"], &["海技士（機関）"]);
        let mut t = HashMap::new();
        count(&mut t, &village.chain(), 1, k(5));
        let res = |t: &HashMap<i64, Tally>| {
            let t = t.clone();
            move |c: i64| t.get(&c).map_or(0, |x| x.residual)
        };
        assert_eq!(shown_level(res(&t), &village.chain(), k(5)), None);
        for _ in 0..4 {
            count(&mut t, &village.chain(), 1, k(5));
        }
        assert_eq!(shown_level(res(&t), &village.chain(), k(5)), Some(0));
        // One leaves: all five's detail goes.
        count(&mut t, &village.chain(), -1, k(5));
        assert_eq!(shown_level(res(&t), &village.chain(), k(5)), None);
    }

    #[test]
    fn a_rare_qualification_gives_way_before_the_place() {
        let mut t = HashMap::new();
        let plain = qi(&[("13", Some("131041"))], &["081"], &["介護福祉士"]);
        let rare = qi(&[("13", Some("131041"))], &["081"], &["海技士（機関）"]);
        for _ in 0..5 {
            count(&mut t, &plain.chain(), 1, k(5));
        }
        let mixed = qi(
            &[("13", Some("131041"))],
            &["081"],
            &["介護福祉士", "珍しい資格"],
        );
        for s in [&rare, &mixed, &rare, &mixed, &rare] {
            count(&mut t, &s.chain(), 1, k(5));
        }
        let r = |c: i64| t.get(&c).map_or(0, |x| x.residual);
        assert_eq!(shown_level(r, &plain.chain(), k(5)), Some(0));
        // 海技士 ×3 and 介護福祉士+その他 ×2: no field class reaches five
        // either, so qualifications go, and the place stays.
        assert_eq!(shown_level(r, &rare.chain(), k(5)), Some(4));
        assert_eq!(shown_level(r, &mixed.chain(), k(5)), Some(4));
    }

    #[test]
    fn a_code_is_part_of_the_qualification() {
        let a = qi(&[("13", None)], &["08"], &["介護福祉士"]);
        let mut b = a.clone();
        b.qualifications = vec!["介護福祉士|K-000123".into()];
        assert_ne!(
            a.chain().0[0],
            b.chain().0[0],
            "a unique code is its own class"
        );
        assert_eq!(
            a.chain().0[1],
            b.chain().0[1],
            "both are 介護・福祉 by field"
        );
    }

    #[test]
    fn k_one_shows_everything_as_given() {
        let mut t = HashMap::new();
        let s = qi(&[("13", Some("131041"))], &["081-02"], &["x"]);
        count(&mut t, &s.chain(), 1, k(1));
        let r = |c: i64| t.get(&c).map_or(0, |x| x.residual);
        assert_eq!(shown_level(r, &s.chain(), k(1)), Some(0));
    }

    #[test]
    fn filters_match_only_what_is_shown() {
        assert_eq!(filter_levels::municipality(), 4);
        assert_eq!(filter_levels::prefecture(), 5);
        assert_eq!(
            filter_levels::occupation(&OccupationCode::parse("081-02").unwrap()),
            1
        );
        assert_eq!(
            filter_levels::occupation(&OccupationCode::parse("081").unwrap()),
            2
        );
        assert_eq!(
            filter_levels::occupation(&OccupationCode::parse("08").unwrap()),
            6
        );
        assert_eq!(filter_levels::qualification(), 0);
    }

    fn arb_seeker() -> impl Strategy<Value = QuasiIdentifiers> {
        let munis = ["131016", "131024", "011002", "434442", "472158"];
        let occs = ["08", "081", "081-02", "081-03", "05", "051"];
        let quals = ["介護福祉士", "海技士（機関）", "珍しい資格", "看護師"];
        (
            prop::sample::subsequence(munis.to_vec(), 1..=2),
            prop::bool::ANY,
            prop::sample::subsequence(occs.to_vec(), 1..=2),
            prop::sample::subsequence(quals.to_vec(), 0..=2),
        )
            .prop_map(|(ms, pref_only, os, qs)| {
                let locs: Vec<(&str, Option<&str>)> = ms
                    .iter()
                    .map(|m| (&m[..2], if pref_only { None } else { Some(*m) }))
                    .collect();
                qi(&locs, &os, &qs)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever seekers come and go, every combination shown is shared
        /// by at least k seekers shown exactly alike, and the counts kept
        /// one seeker at a time equal counts made afresh.
        #[test]
        fn no_shown_combination_is_rarer_than_k(
            seekers in prop::collection::vec(arb_seeker(), 0..60),
            leaving in prop::collection::vec(any::<bool>(), 60),
            kk in 2i64..7,
        ) {
            let kk = k(kk);
            let mut t = HashMap::new();
            for s in &seekers {
                count(&mut t, &s.chain(), 1, kk);
            }
            let mut staying = Vec::new();
            for (s, leaves) in seekers.iter().zip(&leaving) {
                if *leaves {
                    count(&mut t, &s.chain(), -1, kk);
                } else {
                    staying.push(s.clone());
                }
            }
            let mut fresh = HashMap::new();
            for s in &staying {
                count(&mut fresh, &s.chain(), 1, kk);
            }
            t.retain(|_, v| v.seekers != 0);
            prop_assert_eq!(&t, &fresh);
            let r = |c: i64| t.get(&c).map_or(0, |x| x.residual);
            let mut groups: HashMap<(usize, ShownKey), i64> = HashMap::new();
            for s in &staying {
                if let Some(level) = shown_level(r, &s.chain(), kk) {
                    *groups.entry((level, s.shown(CHAIN[level]))).or_default() += 1;
                }
            }
            for ((level, key), n) in &groups {
                prop_assert!(*n >= kk.get(), "level {} {:?}: {} seekers", level, key, n);
            }
        }
    }
}
