//! `POST /v1/auth/password-setup`: a user an administrator added sets their
//! own password with the one-use code mailed to them.

use actix_web::{post, web, HttpResponse};
use kyushoku_domain::credentials::{check_password_policy, hash_password};
use kyushoku_service::{accounts, Caller};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::secrets::digest;
use crate::problem::{current_request_id, ApiError};
use crate::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordSetup {
    /// The setup code from the mail.
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    /// 12 to 128 characters, not a common password.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

/// Set a new user's password.
///
/// With the one-use code mailed when an administrator added the user (valid
/// 72 hours). The code is used up by a success; an unknown, used or expired
/// code is refused (422 on `token`) and changes nothing.
#[utoipa::path(
    operation_id = "auth_password_setup",
    tag = "auth",
    request_body = PasswordSetup,
    responses(
        (status = 204, description = "The password is set; sign in with it"),
    )
)]
#[post("/password-setup")]
pub async fn set(
    body: crate::extract::Json<PasswordSetup>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let PasswordSetup { token, password } = body.into_inner()?;
    if token.is_empty() || token.len() > 200 {
        return Err(not_current());
    }
    check_password_policy(&password).map_err(|e| ApiError::validation_one("password", e))?;
    let password_hash = web::block(move || hash_password(&password)).await?;
    let token_hash = digest(&token);
    let caller = Caller::anonymous(current_request_id());
    state
        .act(move |c| accounts::set_password(c, &caller, &token_hash, &password_hash))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn not_current() -> ApiError {
    ApiError::validation_one(
        "token",
        "not a current setup code (unknown, used or expired)",
    )
}
