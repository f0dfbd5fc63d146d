//! `POST /v1/organisations/{id}/users`: an admin adds a staff user.

use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::credentials::{check_password_policy, hash_password};
use kyushoku_store::audit;
use kyushoku_store::organisations::{self, NewUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::administered;
use crate::auth::Principal;
use crate::problem::{from_validator, ApiError, FieldError, Problem};
use crate::{audit_log, AppState};

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    #[validate(
        email(message = "not an e-mail address"),
        length(max = 254, message = "at most 254 characters")
    )]
    pub email: String,
    /// At least 12 characters, not a common password.
    pub password: String,
    /// `staff` (default) or `admin`.
    pub role: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub user_id: String,
    pub email: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// Add a staff user (organisation admins).
#[utoipa::path(
    tag = "organisations",
    params(("id" = String, Path, description = "The organisation's id")),
    request_body = NewUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = User),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/users")]
pub async fn create(
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<NewUserRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = administered(&state, &principal, &id).await?;
    let request = body.into_inner();
    let mut errors = request
        .validate()
        .err()
        .map(|e| from_validator(&e))
        .unwrap_or_default();
    if let Err(e) = check_password_policy(&request.password) {
        errors.push(FieldError::new("password", e));
    }
    let role = request.role.clone().unwrap_or_else(|| "staff".into());
    if role != "staff" && role != "admin" {
        errors.push(FieldError::new("role", "staff or admin"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let password = request.password;
    let password_hash = web::block(move || hash_password(&password)).await?;
    let user = NewUser {
        public_id: uuid::Uuid::now_v7().to_string(),
        email: request.email.trim().to_lowercase(),
        password_hash,
        role: role.clone(),
    };
    let mut event = audit_log::by(&principal, "user_created");
    event.organisation_id = Some(org.id);
    event.prefecture = Some(org.prefecture.clone());
    event.target = Some(user.public_id.clone());
    let answer = User {
        user_id: user.public_id.clone(),
        email: user.email.clone(),
        role,
        created_at: Utc::now(),
    };
    state
        .db_run(move |c| {
            c.write_transaction(|c| {
                organisations::insert_user(c, org.id, &user)?;
                audit::record(c, &event)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(answer))
}
