//! `/v1/organisations…`: applications, the bureau's decisions, and each
//! organisation's own API clients and staff users. One file per action.

pub mod apply;
pub mod changes;
pub mod clients;
pub mod decide;
pub mod list;
pub mod read;
pub mod renewals;
pub mod users;

use chrono::{DateTime, Utc};
use kyushoku_store::organisations::OrganisationRow;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::problem::ApiError;
use crate::AppState;

/// An organisation as the bureau and its own members see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Organisation {
    pub organisation_id: String,
    pub name: String,
    #[schema(example = "paid_agency", value_type = kyushoku_domain::OrganisationKind)]
    pub kind: String,
    #[schema(example = "13", value_type = kyushoku_domain::PrefectureCode)]
    pub prefecture: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<kyushoku_domain::MunicipalityCode>)]
    pub municipality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence_number: Option<String>,
    #[schema(value_type = kyushoku_domain::OrganisationStatus)]
    pub status: String,
    /// Set at approval.
    #[schema(value_type = Option<kyushoku_domain::Sector>)]
    pub sector: Option<String>,
    /// What the organisation applied for.
    #[schema(value_type = Vec<kyushoku_domain::Service>)]
    pub requested_services: Vec<&'static str>,
    /// What the bureau granted.
    #[schema(value_type = Vec<kyushoku_domain::Service>)]
    pub services: Vec<&'static str>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// What the application stated of its eligibility (in the answer to
    /// `GET /v1/organisations/{id}` and to the application itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<EligibilityView>,
    /// A joint application's co-applicants (in the same answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub co_applicants: Option<Vec<CoApplicantView>>,
    /// The approval's period, once approved (on the single read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalView>,
}

/// An approval's period (利用承認の有効期間): three years, renewed on
/// request in the last three months (更新), or it lapses.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalView {
    /// The day of the first approval.
    pub approved_on: chrono::NaiveDate,
    /// The last day it is in force.
    pub approved_until: Option<chrono::NaiveDate>,
    /// Where it stands today.
    pub standing: Option<kyushoku_domain::terms::ApprovalStanding>,
    /// The first day its renewal may be asked for.
    pub renewal_opens: Option<chrono::NaiveDate>,
}

impl From<kyushoku_service::renewals::Approval> for ApprovalView {
    fn from(a: kyushoku_service::renewals::Approval) -> Self {
        ApprovalView {
            approved_on: a.approved_on,
            approved_until: a.approved_until,
            standing: a.standing,
            renewal_opens: a.renewal_opens,
        }
    }
}

/// A co-applicant of a joint application (連名申請).
#[derive(Debug, Serialize, ToSchema)]
pub struct CoApplicantView {
    /// Name it when adding a staff user who belongs to it.
    pub co_applicant_id: String,
    pub name: String,
    pub role: kyushoku_domain::organisation::CoApplicantRole,
    pub licence_number: Option<String>,
}

impl From<kyushoku_store::organisations::CoApplicantRow> for CoApplicantView {
    fn from(c: kyushoku_store::organisations::CoApplicantRow) -> Self {
        CoApplicantView {
            co_applicant_id: c.public_id,
            name: c.name,
            role: c.role,
            licence_number: c.licence_number,
        }
    }
}

/// What an application states of its eligibility.
#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityView {
    /// A municipality's or prefecture's part in placement.
    pub placement: Option<kyushoku_domain::organisation::PlacementMode>,
    /// Regular placements (常用就職) in the 3 months before applying.
    pub regular_placements: Option<i32>,
}

impl From<kyushoku_store::organisations::Eligibility> for EligibilityView {
    fn from(e: kyushoku_store::organisations::Eligibility) -> Self {
        EligibilityView {
            placement: e.placement,
            regular_placements: e.regular_placements,
        }
    }
}

fn services(seeker_info: bool, job_offers: bool) -> Vec<&'static str> {
    let mut v = Vec::new();
    if seeker_info {
        v.push("seeker_info");
    }
    if job_offers {
        v.push("job_offers");
    }
    v
}

impl From<OrganisationRow> for Organisation {
    fn from(r: OrganisationRow) -> Self {
        Organisation {
            organisation_id: r.public_id,
            name: r.name,
            kind: r.kind.as_str().to_owned(),
            prefecture: r.prefecture.as_str().to_owned(),
            municipality: r.municipality.map(|m| m.as_str().to_owned()),
            licence_number: r.licence_number,
            status: r.status.as_str().to_owned(),
            sector: r.sector.map(|s| s.as_str().to_owned()),
            requested_services: services(r.requests_seeker_info, r.requests_job_offers),
            services: services(r.seeker_info, r.job_offers),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            eligibility: None,
            co_applicants: None,
            approval: None,
        }
    }
}

/// The organisation `id` as `principal` may see it: any bureau, or the
/// organisation's own members whatever its status. Anyone else gets the
/// same 404 as for an id that does not exist.
pub async fn visible(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<OrganisationRow, ApiError> {
    let caller = crate::audit_log::caller(principal);
    let id = id.to_owned();
    state
        .act(move |c| kyushoku_service::organisations::visible(c, &caller, &id))
        .await
}

/// The organisation `id` when `principal` is an admin of it and it is
/// approved: for managing its clients and users.
pub async fn administered(
    state: &AppState,
    principal: &Principal,
    id: &str,
) -> Result<OrganisationRow, ApiError> {
    let row = visible(state, principal, id).await?;
    let Principal::Member { member, .. } = principal else {
        return Err(ApiError::Forbidden(
            "only the organisation's admins may do this",
        ));
    };
    if !member.admin {
        return Err(ApiError::Forbidden(
            "only the organisation's admins may do this",
        ));
    }
    principal.require_approved_member()?;
    Ok(row)
}
