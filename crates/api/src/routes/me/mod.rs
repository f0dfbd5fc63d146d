//! `/v1/me…`: the seeker's My Page. Every handler starts from the seeker's
//! own session; a seeker only ever reaches their own data.

pub mod blocks;
pub mod consent;
pub mod events;
pub mod reports;
pub mod status;
pub mod threads;
pub mod views;

use kyushoku_service::seekers;
use kyushoku_store::seekers::SeekerRow;

use crate::auth::Principal;
use crate::problem::ApiError;
use crate::AppState;

/// The calling seeker's row.
pub async fn me(state: &AppState, principal: &Principal) -> Result<SeekerRow, ApiError> {
    let seeker_ref = principal.require_seeker()?.to_owned();
    state.act(move |c| seekers::whoami(c, &seeker_ref)).await
}
