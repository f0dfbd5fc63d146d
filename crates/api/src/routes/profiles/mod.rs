//! `/v1/profiles…`: organisations with `seeker_info` search and read the
//! anonymised profiles they may see (R1), under their own pseudonyms (R10).
//! What they may not see answers exactly as what does not exist (R2).

pub mod messages;
pub mod read;
pub mod search;

use chrono::{DateTime, NaiveDate, Utc};
use kyushoku_domain::anonymity::{Generalisation, ShownProfile};
use kyushoku_domain::pseudonym::Pseudonyms;
use kyushoku_service::profiles::SeenProfile;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Member, Principal};
use crate::problem::ApiError;

/// A profile as an organisation sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileView {
    /// This organisation's pseudonym for the seeker: stable, and different
    /// for every organisation.
    pub profile_id: String,
    /// The day the profile last changed, at 00:00 UTC: never finer, since a
    /// time to the microsecond would be the same in every organisation's
    /// view and so link them (R10).
    pub updated_at: DateTime<Utc>,
    pub valid_until: NaiveDate,
    /// The profile with its quasi-identifiers generalised until at least
    /// *k* seekers the organisation's sector may see share them (R14).
    pub profile: ShownProfile,
    /// How far, and why: `work_locations` may read `prefecture` or
    /// `region` where a town would single the seeker out.
    pub generalised: Generalisation,
}

impl ProfileView {
    pub fn from_row(row: SeenProfile, pseudonyms: &Pseudonyms) -> Result<Self, ApiError> {
        Ok(ProfileView {
            profile_id: pseudonyms.encode(row.id.get()),
            updated_at: day_of(row.updated_at),
            valid_until: row.valid_until,
            profile: row.profile,
            generalised: row.generalisation,
        })
    }
}

/// 00:00 UTC of the day of `at`: the only resolution at which organisations
/// see (and may filter on) when a profile changed (R10).
pub fn day_of(at: chrono::NaiveDateTime) -> DateTime<Utc> {
    at.date().and_time(chrono::NaiveTime::MIN).and_utc()
}

/// An approved member of an organisation granted `seeker_info`, or 403.
pub fn seeker_info_member(principal: &Principal) -> Result<&Member, ApiError> {
    let m = principal.require_approved_member()?;
    if !m.seeker_info {
        return Err(ApiError::Forbidden(
            "the organisation is not granted seeker_info",
        ));
    }
    Ok(m)
}
