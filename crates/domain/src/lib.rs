//! The domain of kyushoku with no I/O: the code systems, and (as the service
//! grows) scopes and sectors, the visibility and turn rules as pure functions,
//! profile validation, PII scrubbing and the pseudonym cipher.
//!
//! Handlers parse requests into these types; the store and the API never
//! re-check what a type here already guarantees.

#[macro_use]
pub mod closed_set;
pub mod anonymity;
pub mod audit;
pub mod calendar;
pub mod codes;
pub mod consent;
pub mod credentials;
pub mod fold;
pub mod mail;
pub mod message;
pub mod offer;
pub mod organisation;
pub mod profile;
pub mod pseudonym;
pub mod scrub;
pub mod seal;
pub mod search;
pub mod second_factor;
pub mod terms;
pub mod webhook;

pub use audit::{ActorKind, AuditAction};
pub use consent::{ConsentChannel, ConsentScope, RegistrationStatus};
pub use message::{Author, MessageKind, ThreadStanding, ThreadState};
pub use organisation::{
    ClientKind, Decision, OrganisationKind, OrganisationStatus, Sector, Service, StaffRole,
};
use profile::{EmploymentType, WageKind};

stored_word!(
    ConsentScope,
    Decision,
    RegistrationStatus,
    OrganisationKind,
    OrganisationStatus,
    Sector,
    StaffRole,
    EmploymentType,
    WageKind,
);

pub use codes::{
    CodeError, JobNumber, MunicipalityCode, OccupationCode, OccupationLevel, PrefectureCode,
};

#[cfg(test)]
mod reference_list_tests {
    use super::*;

    /// Every code in the shipped JIS X 0402 list passes the check-digit rule,
    /// so the rule and the data agree.
    #[test]
    fn every_shipped_local_government_code_has_a_valid_check_digit() {
        let csv = include_str!("../../../data/local_government_codes.csv");
        let mut n = 0;
        for line in csv.lines().skip(1) {
            let code = line.split(',').next().unwrap();
            MunicipalityCode::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
            n += 1;
        }
        assert_eq!(n, 1788);
    }
}
