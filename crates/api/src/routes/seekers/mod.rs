//! `/v1/seekers…`: Hello Work's side. The `hw_system` creates, replaces and
//! ends registrations, one at a time or in NDJSON batches.

pub mod batch;
pub mod end;
pub mod sessions;
pub mod upsert;

use serde::Serialize;
use utoipa::ToSchema;

use kyushoku_domain::RegistrationStatus;

use kyushoku_service::ingest::{Masked, Stored};

/// The answer to an upsert.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeekerStored {
    pub seeker_ref: String,
    pub status: Stored,
    /// `active`, or `expired` when `valid_until` is already past.
    pub registration: RegistrationStatus,
    /// What the scrubber masked in the free text (R11).
    pub masked: Masked,
}
