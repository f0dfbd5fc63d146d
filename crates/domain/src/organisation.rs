//! Organisations that use the service and the bureau's decisions about them
//! (DESIGN.md §2).
//!
//! An organisation applies (`pending`); the labour bureau (労働局) of its
//! prefecture approves or rejects it, and may later suspend, reinstate or
//! revoke it. [`OrganisationStatus::after`] is the one place that says which
//! decision is allowed from which state.

use serde::{Deserialize, Serialize};

use crate::MunicipalityCode;
use utoipa::ToSchema;

/// What an organisation is. The first four are public bodies by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Prefecture,
    Municipality,
    NationalAgency,
    NurseCenter,
    /// 有料職業紹介事業者: paid placement agency (licence `NN-ユ-NNNNNN`).
    PaidAgency,
    /// 無料職業紹介事業者: free placement agency (licence `NN-ム-NNNNNN`).
    FreeAgency,
    School,
    SpecialCorporation,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 8] = [
        OrganisationKind::Prefecture,
        OrganisationKind::Municipality,
        OrganisationKind::NationalAgency,
        OrganisationKind::NurseCenter,
        OrganisationKind::PaidAgency,
        OrganisationKind::FreeAgency,
        OrganisationKind::School,
        OrganisationKind::SpecialCorporation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Prefecture => "prefecture",
            OrganisationKind::Municipality => "municipality",
            OrganisationKind::NationalAgency => "national_agency",
            OrganisationKind::NurseCenter => "nurse_center",
            OrganisationKind::PaidAgency => "paid_agency",
            OrganisationKind::FreeAgency => "free_agency",
            OrganisationKind::School => "school",
            OrganisationKind::SpecialCorporation => "special_corporation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The sector this kind belongs to: public bodies are public, agencies,
    /// schools and special corporations private. Nobody chooses it (R1 turns
    /// on it), and a decision that says otherwise is refused.
    pub fn sector(self) -> Sector {
        match self {
            OrganisationKind::Prefecture
            | OrganisationKind::Municipality
            | OrganisationKind::NationalAgency
            | OrganisationKind::NurseCenter => Sector::Public,
            _ => Sector::Private,
        }
    }

    /// The group the ministry publishes this kind under (the source
    /// document's tables): 自治体等, 職業紹介事業者 (有料/無料), 学校等,
    /// 特別の法人.
    pub fn published_group(self) -> PublishedGroup {
        match self {
            OrganisationKind::Prefecture
            | OrganisationKind::Municipality
            | OrganisationKind::NationalAgency
            | OrganisationKind::NurseCenter => PublishedGroup::MunicipalitiesEtc,
            OrganisationKind::PaidAgency => PublishedGroup::PaidAgencies,
            OrganisationKind::FreeAgency => PublishedGroup::FreeAgencies,
            OrganisationKind::School => PublishedGroup::Schools,
            OrganisationKind::SpecialCorporation => PublishedGroup::SpecialCorporations,
        }
    }

    /// The licence mark placement agencies must show, if any.
    pub fn licence_mark(self) -> Option<char> {
        match self {
            OrganisationKind::PaidAgency => Some('ユ'),
            OrganisationKind::FreeAgency => Some('ム'),
            _ => None,
        }
    }
}

/// Public bodies and private organisations: what a seeker's consent scope
/// is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Public,
    Private,
}

impl Sector {
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Public => "public",
            Sector::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Sector::Public),
            "private" => Some(Sector::Private),
            _ => None,
        }
    }
}

/// What a staff user or an API client of an organisation may do: `admin`
/// also manages the organisation's clients and users.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    #[default]
    Staff,
    Admin,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Staff => "staff",
            StaffRole::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [StaffRole::Staff, StaffRole::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// What an approval grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// 求職情報提供: browse anonymised seeker profiles and send guidance.
    SeekerInfo,
    /// 求人情報提供: browse and download job offers.
    JobOffers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationStatus {
    Pending,
    Approved,
    Rejected,
    Suspended,
    Revoked,
    /// The approval's period ended without a renewal (更新): access ends,
    /// as by a decision; the organisation applies anew to come back.
    Lapsed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
    Suspend,
    Reinstate,
    Revoke,
}

impl Decision {
    pub const ALL: [Decision; 5] = [
        Decision::Approve,
        Decision::Reject,
        Decision::Suspend,
        Decision::Reinstate,
        Decision::Revoke,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
            Decision::Suspend => "suspend",
            Decision::Reinstate => "reinstate",
            Decision::Revoke => "revoke",
        }
    }

    /// Whether the decision ends every token the organisation holds (R8).
    pub fn ends_sessions(self) -> bool {
        matches!(
            self,
            Decision::Suspend | Decision::Revoke | Decision::Reject
        )
    }
}

impl OrganisationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationStatus::Pending => "pending",
            OrganisationStatus::Approved => "approved",
            OrganisationStatus::Rejected => "rejected",
            OrganisationStatus::Suspended => "suspended",
            OrganisationStatus::Revoked => "revoked",
            OrganisationStatus::Lapsed => "lapsed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            OrganisationStatus::Pending,
            OrganisationStatus::Approved,
            OrganisationStatus::Rejected,
            OrganisationStatus::Suspended,
            OrganisationStatus::Revoked,
            OrganisationStatus::Lapsed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// The status after `decision`, or `None` when the decision is not
    /// allowed from this status:
    /// `pending → approved | rejected`, `approved → suspended`,
    /// `suspended → approved` (reinstate), any but `revoked` → `revoked`.
    /// Nothing decides `lapsed`: the end of the approval's period does
    /// ([`crate::terms::lapsed`]).
    pub fn after(self, decision: Decision) -> Option<OrganisationStatus> {
        use Decision as D;
        use OrganisationStatus as S;
        match (self, decision) {
            (S::Pending, D::Approve) => Some(S::Approved),
            (S::Pending, D::Reject) => Some(S::Rejected),
            (S::Approved, D::Suspend) => Some(S::Suspended),
            (S::Suspended, D::Reinstate) => Some(S::Approved),
            (S::Revoked, D::Revoke) => None,
            (_, D::Revoke) => Some(S::Revoked),
            _ => None,
        }
    }
}

closed_set! {
    /// How a municipality or prefecture takes part in placement, as it
    /// states when it applies.
    pub enum PlacementMode {
        /// It runs free placement itself (職業安定法 33条の4).
        SelfRun = "self_run",
        /// It contracts placement out (委託), and applies jointly with its
        /// contractor.
        Contracted = "contracted",
        /// It does not place; it wants to tell seekers about its employment
        /// support. It may send guidance about support programmes through
        /// seeker information, but it is no placement provider: it receives
        /// no job offers.
        SupportOnly = "support_only",
    }
}

/// The most regular placements an application may state (a sanity bound).
pub const MOST_STATED_PLACEMENTS: i64 = 1_000_000;

/// Whether an applicant of `kind` (in `mode`, for a municipality or
/// prefecture) makes placements: every kind does but a public body that
/// only supports.
pub fn places(kind: OrganisationKind, mode: Option<PlacementMode>) -> bool {
    !(takes_placement_mode(kind) && mode == Some(PlacementMode::SupportOnly))
}

/// Whether a kind states its [`PlacementMode`]: municipalities and
/// prefectures.
pub fn takes_placement_mode(kind: OrganisationKind) -> bool {
    matches!(
        kind,
        OrganisationKind::Municipality | OrganisationKind::Prefecture
    )
}

/// The eligibility an application states, checked (入会要件): a
/// municipality or prefecture states its placement mode (no other kind
/// does); an applicant that places states at least one regular placement
/// (常用就職: no fixed term or a term of four months or more, seasonal work
/// excluded) in the three months before applying; one that only supports
/// asks for no job offers. Each broken rule is `(field, rule)`.
pub fn eligibility_problems(
    kind: OrganisationKind,
    mode: Option<PlacementMode>,
    regular_placements: Option<i64>,
    wants_job_offers: bool,
) -> Vec<(&'static str, &'static str)> {
    let mut problems = Vec::new();
    match (takes_placement_mode(kind), mode) {
        (true, None) => problems.push((
            "placement",
            "a municipality or prefecture states self_run, contracted or support_only",
        )),
        (false, Some(_)) => problems.push((
            "placement",
            "only a municipality or prefecture states a placement mode",
        )),
        _ => {}
    }
    if places(kind, mode) {
        match regular_placements {
            Some(n) if (1..=MOST_STATED_PLACEMENTS).contains(&n) => {}
            _ => problems.push((
                "regular_placements",
                "an applicant that places states at least one regular placement (常用就職) in the 3 months before applying",
            )),
        }
    } else if regular_placements.is_some_and(|n| n != 0) {
        problems.push((
            "regular_placements",
            "an applicant that does not place states none",
        ));
    }
    if mode == Some(PlacementMode::SupportOnly) && takes_placement_mode(kind) && wants_job_offers {
        problems.push((
            "services",
            "a body that does not place receives no job offers",
        ));
    }
    problems
}

closed_set! {
    /// What a co-applicant of a joint application (連名申請) is.
    pub enum CoApplicantRole {
        /// The placement business a municipality or prefecture contracts
        /// its placement out to (with its licence number).
        Contractor = "contractor",
        /// Another department sharing the representative department's
        /// notification number.
        Department = "department",
    }
}

/// The most co-applicants one application names.
pub const MOST_CO_APPLICANTS: usize = 20;

/// A co-applicant as an application names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoApplicant {
    pub name: String,
    pub role: CoApplicantRole,
    pub licence_number: Option<String>,
}

/// A joint application's rules (連名申請): a municipality or prefecture
/// that contracts placement out applies with its contractor (at least one,
/// each with a paid or free agency's licence number); a representative
/// department names the departments sharing its notification number (no
/// licence); nobody else applies jointly. Names are unique once folded.
/// Each broken rule is `(field, rule)`.
pub fn co_applicant_problems(
    kind: OrganisationKind,
    mode: Option<PlacementMode>,
    co: &[CoApplicant],
) -> Vec<(String, &'static str)> {
    let mut problems = Vec::new();
    let public = takes_placement_mode(kind);
    if co.len() > MOST_CO_APPLICANTS {
        problems.push(("co_applicants".to_owned(), "at most 20 co-applicants"));
    }
    if public
        && mode == Some(PlacementMode::Contracted)
        && !co.iter().any(|c| c.role == CoApplicantRole::Contractor)
    {
        problems.push((
            "co_applicants".to_owned(),
            "a body that contracts placement out applies jointly with its contractor",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, c) in co.iter().enumerate() {
        let name = c.name.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > 200 || name.chars().any(char::is_control) {
            problems.push((
                format!("co_applicants[{i}].name"),
                "1 to 200 characters, no control characters",
            ));
        } else if !seen.insert(crate::fold::fold(name)) {
            problems.push((format!("co_applicants[{i}].name"), "each co-applicant once"));
        }
        match c.role {
            CoApplicantRole::Contractor if !(public && mode == Some(PlacementMode::Contracted)) => {
                problems.push((
                    format!("co_applicants[{i}].role"),
                    "only a body that contracts placement out names a contractor",
                ))
            }
            CoApplicantRole::Contractor => {
                let licensed = c.licence_number.as_deref().is_some_and(|l| {
                    valid_licence_number(OrganisationKind::PaidAgency, l)
                        || valid_licence_number(OrganisationKind::FreeAgency, l)
                });
                if !licensed {
                    problems.push((
                        format!("co_applicants[{i}].licence_number"),
                        "a contractor's licence number, NN-ユ-NNNNNN or NN-ム-NNNNNN",
                    ));
                }
            }
            CoApplicantRole::Department if !public => problems.push((
                format!("co_applicants[{i}].role"),
                "only a municipality or prefecture names departments",
            )),
            CoApplicantRole::Department => {
                if c.licence_number.is_some() {
                    problems.push((
                        format!("co_applicants[{i}].licence_number"),
                        "a department shares the applicant's notification number",
                    ));
                }
            }
        }
    }
    problems
}

closed_set! {
    /// Where an organisation's request to its bureau (a change of its
    /// record) stands.
    pub enum RequestStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

closed_set! {
    /// The bureau's answer to an organisation's request (a change of its
    /// record, a renewal of its approval).
    pub enum Verdict {
        Approve = "approve",
        Reject = "reject",
    }
}

impl Verdict {
    /// Where the request stands once answered so.
    pub fn status(self) -> RequestStatus {
        match self {
            Verdict::Approve => RequestStatus::Approved,
            Verdict::Reject => RequestStatus::Rejected,
        }
    }
}

/// A change an organisation asks its bureau for (変更の届出): its name,
/// its municipality (a municipality's own), the services it uses, more
/// departments on its notification. `None`/empty: unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChangeSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality: Option<MunicipalityCode>,
    /// A move to another prefecture (its address; the bureau of the new
    /// prefecture holds its record from then on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefecture: Option<crate::PrefectureCode>,
    /// The services it asks to use from now: `(seeker_info, job_offers)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<(bool, bool)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<String>,
}

/// A change request's rules: at least one change; a name of 1–200
/// characters; a municipality only for a municipality, in its prefecture;
/// a move to another prefecture only for a body not bound to its
/// territory (not a municipality or a prefecture);
/// at least one service, and none of job offers for a body that only
/// supports; departments only for a municipality or prefecture (at most
/// 20, named once). Each broken rule is `(field, rule)`.
pub fn change_problems(
    kind: OrganisationKind,
    prefecture: &crate::PrefectureCode,
    placement: Option<PlacementMode>,
    change: &ChangeSet,
) -> Vec<(String, &'static str)> {
    let mut problems = Vec::new();
    if *change == ChangeSet::default() {
        problems.push(("changes".to_owned(), "ask for at least one change"));
    }
    if let Some(name) = &change.name {
        let chars = name.trim().chars().count();
        if chars == 0 || chars > 200 || name.chars().any(char::is_control) {
            problems.push((
                "name".to_owned(),
                "1 to 200 characters, no control characters",
            ));
        }
    }
    if let Some(m) = &change.municipality {
        if kind != OrganisationKind::Municipality {
            problems.push(("municipality".to_owned(), "only a municipality has one"));
        } else if m.is_prefecture_itself() || m.prefecture() != *prefecture {
            problems.push((
                "municipality".to_owned(),
                "a municipality of the organisation's prefecture",
            ));
        }
    }
    if let Some(to) = &change.prefecture {
        if takes_placement_mode(kind) {
            problems.push((
                "prefecture".to_owned(),
                "a municipality or prefecture does not move",
            ));
        } else if to == prefecture {
            problems.push((
                "prefecture".to_owned(),
                "another prefecture than the organisation's",
            ));
        }
    }
    match change.services {
        Some((false, false)) => problems.push((
            "services".to_owned(),
            "at least one service (a service is stopped with service-stops)",
        )),
        Some((_, true))
            if takes_placement_mode(kind) && placement == Some(PlacementMode::SupportOnly) =>
        {
            problems.push((
                "services".to_owned(),
                "a body that does not place receives no job offers",
            ))
        }
        _ => {}
    }
    if !change.departments.is_empty() && !takes_placement_mode(kind) {
        problems.push((
            "departments".to_owned(),
            "only a municipality or prefecture names departments",
        ));
    }
    if change.departments.len() > MOST_CO_APPLICANTS {
        problems.push(("departments".to_owned(), "at most 20 departments"));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, d) in change.departments.iter().enumerate() {
        let chars = d.trim().chars().count();
        if chars == 0
            || chars > 200
            || d.chars().any(char::is_control)
            || !seen.insert(crate::fold::fold(d))
        {
            problems.push((
                format!("departments[{i}]"),
                "1 to 200 characters, each department once",
            ));
        }
    }
    problems
}

/// Checks a placement-agency licence number (職業紹介事業許可番号):
/// `NN-ユ-NNNNNN` for paid agencies, `NN-ム-NNNNNN` for free ones, `NN` the
/// prefecture of the issuing labour bureau.
pub fn valid_licence_number(kind: OrganisationKind, licence: &str) -> bool {
    let Some(mark) = kind.licence_mark() else {
        return false;
    };
    let parts: Vec<&str> = licence.split('-').collect();
    let [pref, m, number] = parts.as_slice() else {
        return false;
    };
    crate::PrefectureCode::parse(pref).is_ok()
        && m.chars().eq([mark])
        && number.len() == 6
        && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision as D;
    use OrganisationStatus as S;

    #[test]
    fn legal_transitions() {
        assert_eq!(S::Pending.after(D::Approve), Some(S::Approved));
        assert_eq!(S::Pending.after(D::Reject), Some(S::Rejected));
        assert_eq!(S::Approved.after(D::Suspend), Some(S::Suspended));
        assert_eq!(S::Suspended.after(D::Reinstate), Some(S::Approved));
        for s in [S::Pending, S::Approved, S::Rejected, S::Suspended] {
            assert_eq!(s.after(D::Revoke), Some(S::Revoked));
        }
    }

    #[test]
    fn illegal_transitions() {
        let illegal = [
            (S::Pending, D::Suspend),
            (S::Pending, D::Reinstate),
            (S::Approved, D::Approve),
            (S::Approved, D::Reject),
            (S::Approved, D::Reinstate),
            (S::Rejected, D::Approve),
            (S::Rejected, D::Suspend),
            (S::Suspended, D::Suspend),
            (S::Suspended, D::Approve),
            (S::Revoked, D::Approve),
            (S::Revoked, D::Reinstate),
            (S::Revoked, D::Revoke),
        ];
        for (s, d) in illegal {
            assert_eq!(s.after(d), None, "{s:?} --{d:?}-->");
        }
    }

    #[test]
    fn the_sector_follows_the_kind() {
        assert_eq!(OrganisationKind::Municipality.sector(), Sector::Public);
        assert_eq!(OrganisationKind::NurseCenter.sector(), Sector::Public);
        assert_eq!(OrganisationKind::PaidAgency.sector(), Sector::Private);
        assert_eq!(OrganisationKind::School.sector(), Sector::Private);
    }

    #[test]
    fn licence_numbers() {
        assert!(valid_licence_number(
            OrganisationKind::PaidAgency,
            "13-ユ-300001"
        ));
        assert!(valid_licence_number(
            OrganisationKind::FreeAgency,
            "27-ム-000123"
        ));
        assert!(!valid_licence_number(
            OrganisationKind::PaidAgency,
            "13-ム-300001"
        ));
        assert!(!valid_licence_number(
            OrganisationKind::PaidAgency,
            "48-ユ-300001"
        ));
        assert!(!valid_licence_number(
            OrganisationKind::PaidAgency,
            "13-ユ-30001"
        ));
        assert!(!valid_licence_number(
            OrganisationKind::PaidAgency,
            "13ユ300001"
        ));
        assert!(!valid_licence_number(
            OrganisationKind::School,
            "13-ユ-300001"
        ));
    }

    #[test]
    fn published_groups_follow_the_source_document() {
        use PublishedGroup as G;
        assert_eq!(
            OrganisationKind::Municipality.published_group(),
            G::MunicipalitiesEtc
        );
        assert_eq!(
            OrganisationKind::NurseCenter.published_group(),
            G::MunicipalitiesEtc
        );
        assert_eq!(
            OrganisationKind::PaidAgency.published_group(),
            G::PaidAgencies
        );
        assert_eq!(
            OrganisationKind::FreeAgency.published_group(),
            G::FreeAgencies
        );
        assert_eq!(OrganisationKind::School.published_group(), G::Schools);
        assert_eq!(
            OrganisationKind::SpecialCorporation.published_group(),
            G::SpecialCorporations
        );
    }

    #[test]
    fn eligibility_as_the_terms_state_it() {
        use OrganisationKind as K;
        use PlacementMode as M;
        let fields = |k, m, n, offers| -> Vec<&str> {
            eligibility_problems(k, m, n, offers)
                .into_iter()
                .map(|(f, _)| f)
                .collect()
        };
        assert!(fields(K::PaidAgency, None, Some(3), true).is_empty());
        assert_eq!(
            fields(K::PaidAgency, None, None, true),
            ["regular_placements"]
        );
        assert_eq!(
            fields(K::FreeAgency, None, Some(0), true),
            ["regular_placements"]
        );
        assert_eq!(
            fields(K::PaidAgency, Some(M::SelfRun), Some(1), true),
            ["placement"]
        );
        assert_eq!(fields(K::Municipality, None, Some(1), true), ["placement"]);
        assert!(fields(K::Municipality, Some(M::SelfRun), Some(2), true).is_empty());
        assert!(fields(K::Prefecture, Some(M::Contracted), Some(1), true).is_empty());
        assert_eq!(
            fields(K::Municipality, Some(M::Contracted), None, false),
            ["regular_placements"]
        );
        // A body that only supports places nobody and gets no job offers.
        assert!(fields(K::Municipality, Some(M::SupportOnly), None, false).is_empty());
        assert!(fields(K::Municipality, Some(M::SupportOnly), Some(0), false).is_empty());
        assert_eq!(
            fields(K::Municipality, Some(M::SupportOnly), Some(4), true),
            ["regular_placements", "services"]
        );
        assert!(!places(K::Municipality, Some(M::SupportOnly)));
        assert!(places(K::School, None));
    }

    #[test]
    fn joint_applications() {
        use CoApplicantRole as R;
        use OrganisationKind as K;
        use PlacementMode as M;
        let co = |name: &str, role, licence: Option<&str>| CoApplicant {
            name: name.into(),
            role,
            licence_number: licence.map(str::to_owned),
        };
        let fields = |k, m, list: &[CoApplicant]| -> Vec<String> {
            co_applicant_problems(k, m, list)
                .into_iter()
                .map(|(f, _)| f)
                .collect()
        };
        let contractor = co("株式会社委託先", R::Contractor, Some("13-ユ-300001"));
        assert!(fields(
            K::Municipality,
            Some(M::Contracted),
            std::slice::from_ref(&contractor)
        )
        .is_empty());
        assert_eq!(
            fields(K::Municipality, Some(M::Contracted), &[]),
            ["co_applicants"]
        );
        assert_eq!(
            fields(
                K::Municipality,
                Some(M::SelfRun),
                std::slice::from_ref(&contractor)
            ),
            ["co_applicants[0].role"]
        );
        assert_eq!(
            fields(
                K::Municipality,
                Some(M::Contracted),
                &[co("委託先", R::Contractor, None)]
            ),
            ["co_applicants[0].licence_number"]
        );
        assert!(fields(
            K::Prefecture,
            Some(M::SelfRun),
            &[
                co("商工労働部", R::Department, None),
                co("福祉部", R::Department, None)
            ]
        )
        .is_empty());
        assert_eq!(
            fields(K::PaidAgency, None, &[co("支店", R::Department, None)]),
            ["co_applicants[0].role"]
        );
        assert_eq!(
            fields(
                K::Municipality,
                Some(M::SelfRun),
                &[
                    co("福祉部", R::Department, None),
                    co("福祉部", R::Department, None)
                ]
            ),
            ["co_applicants[1].name"]
        );
    }

    #[test]
    fn change_requests() {
        use OrganisationKind as K;
        let tokyo = crate::PrefectureCode::parse("13").unwrap();
        let fields = |k, m, c: &ChangeSet| -> Vec<String> {
            change_problems(k, &tokyo, m, c)
                .into_iter()
                .map(|(f, _)| f)
                .collect()
        };
        assert_eq!(
            fields(K::PaidAgency, None, &ChangeSet::default()),
            ["changes"]
        );
        let rename = ChangeSet {
            name: Some("株式会社新名称".into()),
            ..Default::default()
        };
        assert!(fields(K::PaidAgency, None, &rename).is_empty());
        let moved = ChangeSet {
            municipality: Some(MunicipalityCode::parse("131041").unwrap()),
            ..Default::default()
        };
        assert!(fields(K::Municipality, Some(PlacementMode::SelfRun), &moved).is_empty());
        assert_eq!(fields(K::PaidAgency, None, &moved), ["municipality"]);
        let osaka = ChangeSet {
            municipality: Some(MunicipalityCode::parse("271004").unwrap()),
            ..Default::default()
        };
        assert_eq!(
            fields(K::Municipality, Some(PlacementMode::SelfRun), &osaka),
            ["municipality"]
        );
        let none = ChangeSet {
            services: Some((false, false)),
            ..Default::default()
        };
        assert_eq!(fields(K::PaidAgency, None, &none), ["services"]);
        let offers = ChangeSet {
            services: Some((true, true)),
            ..Default::default()
        };
        assert_eq!(
            fields(K::Municipality, Some(PlacementMode::SupportOnly), &offers),
            ["services"]
        );
        let departments = ChangeSet {
            departments: vec!["福祉部".into(), "福祉部".into()],
            ..Default::default()
        };
        assert_eq!(
            fields(K::Prefecture, Some(PlacementMode::SelfRun), &departments),
            ["departments[1]"]
        );
        assert_eq!(
            fields(K::School, None, &departments),
            ["departments", "departments[1]"]
        );
        // An agency moves to another prefecture; a municipality does not,
        // nor does anyone "move" to where it is.
        let to = |code: &str| ChangeSet {
            prefecture: Some(crate::PrefectureCode::parse(code).unwrap()),
            ..Default::default()
        };
        assert!(fields(K::PaidAgency, None, &to("27")).is_empty());
        assert_eq!(fields(K::PaidAgency, None, &to("13")), ["prefecture"]);
        assert_eq!(
            fields(K::Municipality, Some(PlacementMode::SelfRun), &to("27")),
            ["prefecture"]
        );
    }

    #[test]
    fn kinds_round_trip() {
        for k in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(OrganisationKind::parse("bank"), None);
    }
}

closed_set! {
    /// The groups the ministry's statistics count organisations in.
    pub enum PublishedGroup {
        /// 自治体等: prefectures, municipalities, national agencies, nurse
        /// centres.
        MunicipalitiesEtc = "municipalities_etc",
        /// 職業紹介事業者（有料）.
        PaidAgencies = "paid_agencies",
        /// 職業紹介事業者（無料）.
        FreeAgencies = "free_agencies",
        /// 学校等.
        Schools = "schools",
        /// 特別の法人.
        SpecialCorporations = "special_corporations",
    }
}

closed_set! {
    /// Whose an API client is: Hello Work's system, a labour bureau's, or
    /// an organisation's (with a staff role).
    pub enum ClientKind {
        HwSystem = "hw_system",
        Bureau = "bureau",
        Organisation = "org",
    }
}
