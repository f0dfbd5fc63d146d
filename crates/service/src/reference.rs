//! The code lists anyone may read (prefectures, municipalities, occupation
//! groups), and the check that a municipality is in the current list.

use kyushoku_domain::{MunicipalityCode, PrefectureCode};
use kyushoku_store::reference::{self, Municipality, OccupationGroup, Prefecture};
use kyushoku_store::DbConn;

use crate::Refusal;

pub fn prefectures(c: &mut DbConn) -> Result<Vec<Prefecture>, Refusal> {
    Ok(reference::list_prefectures(c)?)
}

/// The municipalities of `prefecture`, or of all prefectures.
pub fn municipalities(
    c: &mut DbConn,
    prefecture: Option<&PrefectureCode>,
) -> Result<Vec<Municipality>, Refusal> {
    Ok(reference::list_municipalities(c, prefecture)?)
}

pub fn occupation_groups(c: &mut DbConn) -> Result<Vec<OccupationGroup>, Refusal> {
    Ok(reference::list_occupation_groups(c)?)
}

/// A municipality of the current list (a code can be well formed and
/// merged away); else the field `field` is invalid.
pub fn current_municipality(
    c: &mut DbConn,
    code: &MunicipalityCode,
    field: &str,
) -> Result<(), Refusal> {
    let known = reference::list_municipalities(c, Some(&code.prefecture()))?
        .iter()
        .any(|row| row.code == code.as_str());
    if known {
        Ok(())
    } else {
        Err(Refusal::invalid(
            field,
            "not in the current list of municipalities",
        ))
    }
}
