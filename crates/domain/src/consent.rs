//! Consent scopes and the visibility rule (R1).
//!
//! A seeker chooses who may see their profile: municipalities and other
//! public bodies, private agencies, both, or nobody. [`profile_visible`] is
//! the rule as a pure function; the store enforces the same rule inside the
//! search query (see `kyushoku_store::seekers`), and the tests check that
//! both agree.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{OrganisationStatus, Sector};

/// Who may see a seeker's profile (or an employer's offer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentScope {
    /// 両方に提供: public and private organisations.
    Both,
    /// 地方自治体等のみ: public bodies only.
    PublicOnly,
    /// 民間人材ビジネスのみ: private agencies only.
    PrivateOnly,
    /// 提供しない: nobody.
    None,
}

impl ConsentScope {
    pub const ALL: [ConsentScope; 4] = [
        ConsentScope::Both,
        ConsentScope::PublicOnly,
        ConsentScope::PrivateOnly,
        ConsentScope::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentScope::Both => "both",
            ConsentScope::PublicOnly => "public_only",
            ConsentScope::PrivateOnly => "private_only",
            ConsentScope::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether an organisation of `sector` is inside this scope.
    pub fn covers(self, sector: Sector) -> bool {
        matches!(
            (self, sector),
            (ConsentScope::Both, _)
                | (ConsentScope::PublicOnly, Sector::Public)
                | (ConsentScope::PrivateOnly, Sector::Private)
        )
    }

    /// The scopes that cover `sector`: what a query filters on.
    pub fn covering(sector: Sector) -> Vec<ConsentScope> {
        Self::ALL.into_iter().filter(|s| s.covers(sector)).collect()
    }

    /// The sectors this scope covers, for telling who lost sight of a seeker
    /// when the scope narrows (R6).
    pub fn excludes_more_than(self, other: ConsentScope) -> bool {
        [Sector::Public, Sector::Private]
            .into_iter()
            .any(|s| other.covers(s) && !self.covers(s))
    }
}

closed_set! {
    /// Where a consent change came from, as the ledger records it.
    pub enum ConsentChannel {
        /// Hello Work's system (a registration or its update).
        HelloWork = "hello_work",
        /// The seeker, on My Page.
        MyPage = "my_page",
    }
}

/// The state of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    Active,
    /// 就職: placed in a job.
    Placed,
    /// Past `valid_until` (翌々月末).
    Expired,
    /// Withdrawn by the seeker or Hello Work.
    Withdrawn,
}

impl RegistrationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Active => "active",
            RegistrationStatus::Placed => "placed",
            RegistrationStatus::Expired => "expired",
            RegistrationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            RegistrationStatus::Active,
            RegistrationStatus::Placed,
            RegistrationStatus::Expired,
            RegistrationStatus::Withdrawn,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// What R1 needs to know about the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub status: OrganisationStatus,
    /// Granted the service in question (`seeker_info` for profiles,
    /// `job_offers` for offers).
    pub has_service: bool,
    pub sector: Option<Sector>,
}

/// What R1 needs to know about the seeker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub status: RegistrationStatus,
    /// Still within `valid_until` today.
    pub within_validity: bool,
    pub scope: ConsentScope,
    /// The seeker blocked this organisation (受信拒否).
    pub blocked: bool,
}

/// R1: organisation O sees seeker S's profile iff O is approved with the
/// service; S is active and within `valid_until`; S's scope covers O's
/// sector; and S has not blocked O.
pub fn profile_visible(viewer: Viewer, subject: Subject) -> bool {
    let Some(sector) = viewer.sector else {
        return false;
    };
    viewer.status == OrganisationStatus::Approved
        && viewer.has_service
        && subject.status == RegistrationStatus::Active
        && subject.within_validity
        && subject.scope.covers(sector)
        && !subject.blocked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(sector: Sector) -> Viewer {
        Viewer {
            status: OrganisationStatus::Approved,
            has_service: true,
            sector: Some(sector),
        }
    }

    fn subject(scope: ConsentScope) -> Subject {
        Subject {
            status: RegistrationStatus::Active,
            within_validity: true,
            scope,
            blocked: false,
        }
    }

    #[test]
    fn scope_times_sector() {
        use ConsentScope::*;
        use Sector::*;
        let table = [
            (Both, Public, true),
            (Both, Private, true),
            (PublicOnly, Public, true),
            (PublicOnly, Private, false),
            (PrivateOnly, Public, false),
            (PrivateOnly, Private, true),
            (None, Public, false),
            (None, Private, false),
        ];
        for (scope, sector, want) in table {
            assert_eq!(
                profile_visible(viewer(sector), subject(scope)),
                want,
                "{scope:?} {sector:?}"
            );
        }
    }

    #[test]
    fn every_other_condition_hides_the_profile() {
        let v = viewer(Sector::Public);
        let s = subject(ConsentScope::Both);
        assert!(profile_visible(v, s));
        assert!(!profile_visible(
            Viewer {
                status: OrganisationStatus::Suspended,
                ..v
            },
            s
        ));
        assert!(!profile_visible(
            Viewer {
                status: OrganisationStatus::Pending,
                ..v
            },
            s
        ));
        assert!(!profile_visible(
            Viewer {
                has_service: false,
                ..v
            },
            s
        ));
        assert!(!profile_visible(
            Viewer {
                sector: Option::None,
                ..v
            },
            s
        ));
        for status in [
            RegistrationStatus::Placed,
            RegistrationStatus::Expired,
            RegistrationStatus::Withdrawn,
        ] {
            assert!(!profile_visible(v, Subject { status, ..s }));
        }
        assert!(!profile_visible(
            v,
            Subject {
                within_validity: false,
                ..s
            }
        ));
        assert!(!profile_visible(v, Subject { blocked: true, ..s }));
    }

    #[test]
    fn narrowing_is_detected() {
        use ConsentScope::*;
        assert!(PublicOnly.excludes_more_than(Both));
        assert!(None.excludes_more_than(PrivateOnly));
        assert!(!Both.excludes_more_than(PublicOnly));
        assert!(!PublicOnly.excludes_more_than(PublicOnly));
        assert_eq!(
            ConsentScope::covering(Sector::Public),
            vec![Both, PublicOnly]
        );
    }
}
