//! `POST /v1/organisations/{id}/users`: an admin adds a staff user.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::credentials::hash_password;
use kyushoku_domain::mail::Letter;
use kyushoku_domain::StaffRole;
use kyushoku_service::accounts::{self, NewStaff};
use kyushoku_store::organisations::NewUser;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::administered;
use crate::auth::secrets::{digest, random_token};
use crate::auth::Principal;
use crate::problem::{from_validator, ApiError, Problem};
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
    /// `staff` (default) or `admin`.
    pub role: Option<StaffRole>,
    /// The co-applicant of the organisation's joint application the user
    /// belongs to (`co_applicant_id` from `GET /v1/organisations/{id}`).
    #[schema(max_length = 64)]
    pub co_applicant_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub user_id: String,
    pub email: String,
    #[schema(value_type = StaffRole)]
    pub role: String,
    pub created_at: DateTime<Utc>,
    /// The co-applicant the user belongs to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub co_applicant_id: Option<String>,
}

/// Add a staff user (organisation admins).
///
/// The user sets their own password: the address is sent a one-use setup
/// code (valid 72 hours, `POST /v1/auth/password-setup`), and nobody else
/// ever knows the password. An address that already has an account gets the
/// same answer and creates nothing (no account enumeration): its owner is
/// told by mail instead, and the attempt is recorded.
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
    invite(&state, &principal, org, request, key).await
}

/// Adds a staff user to `org` (administered by `principal`) and mails
/// them the code to set their password, once per idempotency key: the
/// answer as the API sends it. The staff pages call it too.
pub async fn invite(
    state: &web::Data<AppState>,
    principal: &Principal,
    org: kyushoku_store::organisations::OrganisationRow,
    request: NewUserRequest,
    key: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let raw = serde_json::to_vec(&serde_json::json!({
        "organisation": org.public_id, "email": request.email, "role": request.role,
        "co_applicant_id": request.co_applicant_id,
    }))
    .unwrap_or_default();
    if let Err(e) = request.validate() {
        return Err(ApiError::Validation(from_validator(&e)));
    }
    let role = request.role.unwrap_or_default();
    // A co-applicant is named by its public id, and only the
    // organisation's own.
    let co_applicant = match request.co_applicant_id.clone() {
        None => None,
        Some(named) => {
            let organisation = org.id;
            let found = state
                .act(move |c| accounts::co_applicant(c, organisation, &named))
                .await?;
            Some(found.ok_or_else(|| {
                ApiError::Validation(vec![crate::problem::FieldError::new(
                    "co_applicant_id",
                    "not a co-applicant of this organisation",
                )])
            })?)
        }
    };
    // Until the user sets theirs, a password nobody knows: signing in then
    // fails exactly as a wrong password does, in the same time.
    let unknowable = random_token();
    let password_hash = web::block(move || hash_password(&unknowable)).await?;
    let user = NewUser {
        public_id: uuid::Uuid::now_v7().to_string(),
        email: request.email.trim().to_lowercase(),
        password_hash,
        role,
        co_applicant,
    };
    let setup_code = random_token();
    let setup_hash = digest(&setup_code);
    let invitation = Letter::Invitation {
        organisation: org.name.clone(),
        token: setup_code,
        setup_url: format!(
            "{}/v1/auth/password-setup",
            state.config.public_url.as_deref().unwrap_or_default()
        ),
    };
    let in_use = Letter::InvitationAddressInUse {
        organisation: org.name.clone(),
    };
    let answer = User {
        user_id: user.public_id.clone(),
        email: user.email.clone(),
        role: role.as_str().to_owned(),
        created_at: Utc::now(),
        co_applicant_id: request.co_applicant_id.clone(),
    };
    let answer = serde_json::to_value(answer).expect("plain data serialises");
    let who = format!("org:{}", org.public_id);
    let staff = NewStaff {
        user,
        setup_code_hash: setup_hash,
        invitation,
        address_in_use: in_use,
    };
    let caller = audit_log::caller(principal);
    let st = state.clone();
    idempotency::once_atomic(state, &who, key, &raw, move |pledge| async move {
        let kept = answer.clone();
        st.act(move |c| accounts::add_user(c, &caller, &org, &staff, &kept, pledge.as_ref()))
            .await?;
        st.outbox.wake();
        Ok((StatusCode::CREATED, answer))
    })
    .await
}
