//! `/v1/job-offers…`: Hello Work's offers (求人), ingested by `hw_system`
//! and browsed by organisations granted `job_offers`, the employer's scope
//! applied inside the query (R1) and everything else answered as absent (R2).

pub mod browse;
pub mod changes;
pub mod export;
pub mod ingest;
pub mod read;

use chrono::{DateTime, Utc};
use kyushoku_domain::offer::JobOffer;
use kyushoku_store::offers::OfferRow;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Member, Principal};
use crate::problem::ApiError;

/// An offer as organisations see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferView {
    #[schema(example = "13010-12345678")]
    pub job_number: String,
    pub updated_at: DateTime<Utc>,
    /// Holds `valid_through` too (the stored column is a copy of it).
    #[serde(flatten)]
    pub offer: JobOffer,
}

impl TryFrom<OfferRow> for OfferView {
    type Error = ApiError;
    fn try_from(r: OfferRow) -> Result<Self, ApiError> {
        Ok(OfferView {
            offer: serde_json::from_str(&r.content)
                .map_err(|e| ApiError::Internal(format!("stored offer {}: {e}", r.id.get())))?,
            job_number: r.job_number,
            updated_at: r.updated_at.and_utc(),
        })
    }
}

/// An approved member of an organisation granted `job_offers`, or 403.
pub fn job_offers_member(principal: &Principal) -> Result<&Member, ApiError> {
    let m = principal.require_approved_member()?;
    if !m.job_offers {
        return Err(ApiError::Forbidden(
            "the organisation is not granted job_offers",
        ));
    }
    Ok(m)
}
