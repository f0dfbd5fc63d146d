//! `GET /v1/me/profile-views`: R9 as the seeker sees it, which
//! organisations opened their profile and when.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_service::seekers;
use serde::Serialize;
use utoipa::ToSchema;

use super::me;
use super::threads::OrganisationCard;
use crate::auth::Principal;
use crate::problem::ApiError;
use crate::AppState;

/// The most reads one answer lists.
pub const VIEWS_SHOWN: i64 = 100;

/// One read of the seeker's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewOfMyProfile {
    pub organisation: OrganisationCard,
    pub viewed_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViewsOfMyProfile {
    /// Newest first, the latest 100.
    pub items: Vec<ViewOfMyProfile>,
}

/// Which organisations opened the seeker's profile, and when.
///
/// A search that listed the profile is not a view; opening it is (R9).
#[utoipa::path(
    operation_id = "me_profile_views_list",
    tag = "my page",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ViewsOfMyProfile),
    )
)]
#[get("/profile-views")]
pub async fn list(
    principal: Principal,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seeker = me(&state, &principal).await?;
    let views = state
        .act(move |c| seekers::profile_views(c, (&seeker).into(), VIEWS_SHOWN))
        .await?;
    Ok(HttpResponse::Ok().json(ViewsOfMyProfile {
        items: views.into_iter().map(ViewOfMyProfile::from).collect(),
    }))
}

impl From<kyushoku_store::audit::ProfileView> for ViewOfMyProfile {
    fn from(v: kyushoku_store::audit::ProfileView) -> Self {
        ViewOfMyProfile {
            organisation: v.organisation.into(),
            viewed_at: v.at.and_utc(),
        }
    }
}
