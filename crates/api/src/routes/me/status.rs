//! `GET /v1/me`: the seeker's status and profile as organisations see it.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use kyushoku_domain::profile::Profile;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::problem::ApiError;
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct MyStatus {
    /// `active`, `placed`, `expired` or `withdrawn`.
    #[schema(value_type = kyushoku_domain::RegistrationStatus)]
    pub status: String,
    #[schema(value_type = kyushoku_domain::ConsentScope)]
    pub consent_scope: String,
    pub valid_until: NaiveDate,
    /// False after refusing all new guidance.
    pub receive_guidance: bool,
    /// The profile as Hello Work registered it (scrubbed).
    pub profile: Option<Profile>,
    /// Exactly what organisations of each sector in scope see: generalised
    /// where the details would single the seeker out (R14), or nothing
    /// (`profile` absent) while withheld or ended.
    pub seen_by: Vec<SeenBy>,
}

/// What one sector's organisations see.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeenBy {
    pub sector: kyushoku_domain::Sector,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<kyushoku_domain::anonymity::ShownProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generalised: Option<kyushoku_domain::anonymity::Generalisation>,
}

/// The seeker's own status.
///
/// Consent scope, validity and profile, as Hello Work registered them.
#[utoipa::path(
    operation_id = "me_status_read",
    tag = "my page",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MyStatus),
    )
)]
#[get("")]
pub async fn status(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker_ref = principal.require_seeker()?.to_owned();
    let (row, seen) = state
        .act(move |c| kyushoku_service::seekers::status(c, &seeker_ref))
        .await?;
    let seen_by = seen
        .into_iter()
        .map(|a| {
            let (profile, generalised) = a.seen.map_or((None, None), |(p, g)| (Some(p), Some(g)));
            SeenBy {
                sector: a.sector,
                profile,
                generalised,
            }
        })
        .collect();
    let profile = match row.profile.as_deref() {
        Some(p) => Some(serde_json::from_str(p).map_err(|e| ApiError::Internal(e.to_string()))?),
        None => None,
    };
    Ok(HttpResponse::Ok().json(MyStatus {
        status: row.status.as_str().to_owned(),
        consent_scope: row.consent_scope.as_str().to_owned(),
        valid_until: row.valid_until,
        receive_guidance: row.receive_guidance,
        profile,
        seen_by,
    }))
}
