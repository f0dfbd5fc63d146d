//! `POST /v1/organisations/{id}/users`: an admin adds a staff user.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::credentials::{check_password_policy, hash_password};
use kyushoku_domain::StaffRole;
use kyushoku_store::audit;
use kyushoku_store::organisations::{self, NewUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::administered;
use crate::auth::Principal;
use crate::problem::{from_validator, ApiError, FieldError, Problem};
use crate::{audit_log, idempotency, AppState};

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    #[validate(
        email(message = "not an e-mail address"),
        length(max = 254, message = "at most 254 characters")
    )]
    #[schema(max_length = 254)]
    pub email: String,
    /// 12 to 128 characters, not a common password.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    /// `staff` (default) or `admin`.
    pub role: Option<StaffRole>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub user_id: String,
    pub email: String,
    #[schema(value_type = StaffRole)]
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// Add a staff user (organisation admins).
///
/// An e-mail address that already has an account gets the same answer and
/// creates nothing (no account enumeration); the attempt is recorded.
#[utoipa::path(
    operation_id = "organisations_users_create",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely"),
    ),
    request_body = NewUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = User),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/users")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<String>,
    body: crate::extract::Json<NewUserRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = administered(&state, &principal, &id).await?;
    let key = idempotency::key_of(&req)?;
    let request = body.into_inner()?;
    // The password is part of what is compared, but only as its digest.
    let raw = serde_json::to_vec(&serde_json::json!({
        "organisation": org.public_id, "email": request.email, "role": request.role,
        "password": crate::auth::secrets::digest(&request.password),
    }))
    .unwrap_or_default();
    let mut errors = request
        .validate()
        .err()
        .map(|e| from_validator(&e))
        .unwrap_or_default();
    if let Err(e) = check_password_policy(&request.password) {
        errors.push(FieldError::new("password", e));
    }
    let role = request.role.unwrap_or_default().as_str().to_owned();
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
    let mut event = audit_log::by(&principal, kyushoku_domain::AuditAction::UserCreated);
    event.organisation_id = Some(org.id);
    event.prefecture = Some(org.prefecture.clone());
    event.target = Some(user.public_id.clone());
    let answer = User {
        user_id: user.public_id.clone(),
        email: user.email.clone(),
        role,
        created_at: Utc::now(),
    };
    let answer = serde_json::to_value(answer).expect("plain data serialises");
    let who = format!("org:{}", org.public_id);
    let st = state.clone();
    idempotency::once_atomic(&state, &who, key, &raw, move |pledge| async move {
        let kept = answer.clone();
        st.db_run(move |c| {
            let keep = |c: &mut kyushoku_store::DbConn| match &pledge {
                Some(p) => p.keep(c, StatusCode::CREATED, &kept),
                None => Ok(()),
            };
            let created = c.write_transaction(|c| {
                organisations::insert_user(c, org.id, &user)?;
                audit::record(c, &event)?;
                keep(c)
            });
            match created {
                // The address has an account already: the same answer,
                // nothing created (no account enumeration); the attempt is
                // on the record.
                Err(kyushoku_store::StoreError::Conflict(_)) => c.write_transaction(|c| {
                    let mut e = event.clone();
                    e.action = kyushoku_domain::AuditAction::UserEmailInUse;
                    audit::record(c, &e)?;
                    keep(c)
                }),
                other => other,
            }
        })
        .await?;
        Ok((StatusCode::CREATED, answer))
    })
    .await
}
