//! `/v1/organisations/{id}/clients`: an organisation's API clients, managed
//! by its admins. The secret is shown once, at creation.

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use kyushoku_domain::{ClientKind, StaffRole};
use kyushoku_service::accounts;
use kyushoku_store::identity::NewClient;
use kyushoku_store::now;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::administered;
use crate::auth::secrets::new_client_credentials;
use crate::auth::{self, Actor, Principal};
use crate::problem::{ApiError, FieldError, Problem};
use crate::{audit_log, idempotency, AppState};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClientRequest {
    /// A label for people (1–100 characters).
    #[schema(
        example = "matching system",
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub name: String,
    /// `staff` (default) or `admin`: an admin client may manage clients and users.
    pub role: Option<StaffRole>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Client {
    pub client_id: String,
    pub name: String,
    pub role: StaffRole,
    pub created_at: DateTime<Utc>,
}

pub use kyushoku_service::accounts::CreatedClient;

#[derive(Debug, Serialize, ToSchema)]
pub struct ClientList {
    pub items: Vec<Client>,
    pub next_cursor: Option<String>,
}

fn check_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(FieldError::new(
            "name",
            "1 to 100 characters, no control characters",
        ));
    }
    Ok(name.to_owned())
}

/// Create an API client.
///
/// Organisation admins. The secret is shown once, in this answer; the number
/// of clients per organisation is capped. Idempotent with `Idempotency-Key`.
#[utoipa::path(
    operation_id = "organisations_clients_create",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry safely: the same key and body get the first answer (and secret) again"),
    ),
    request_body = NewClientRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedClient),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/{id}/clients")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<String>,
    body: crate::extract::Json<NewClientRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = administered(&state, &principal, &id).await?;
    let key = idempotency::key_of(&req)?;
    let body = body.into_inner()?;
    create_client(&state, &principal, org, &body.name, body.role, key).await
}

/// A client to create: the request as its idempotency record digests it,
/// and the work, which answers the new client (its secret shown once).
struct Creation {
    raw: Vec<u8>,
    who: String,
}

/// The work of creating a client: given the request's pledge (if it
/// carried a key), the new client.
type CreateWork = Box<
    dyn FnOnce(
            Option<idempotency::Pledge>,
        ) -> futures_util::future::BoxFuture<'static, Result<CreatedClient, ApiError>>
        + Send,
>;

fn creation(
    state: &AppState,
    principal: &Principal,
    org: kyushoku_store::organisations::OrganisationRow,
    name: &str,
    role: Option<StaffRole>,
) -> Result<(Creation, CreateWork), ApiError> {
    let raw = serde_json::to_vec(&serde_json::json!({
        "organisation": org.public_id, "name": name, "role": role
    }))
    .unwrap_or_default();
    let name = check_name(name).map_err(|e| ApiError::Validation(vec![e]))?;
    let role = role.unwrap_or_default();
    let creds = new_client_credentials();
    let new = NewClient {
        client_id: creds.client_id.clone(),
        secret_hash: creds.secret_hash.clone(),
        kind: ClientKind::Organisation,
        organisation_id: Some(org.id),
        prefecture: None,
        role: Some(role),
        name,
        created_at: now(),
    };
    let caller = audit_log::caller(principal);
    let who = format!("org:{}", org.public_id);
    let most = state.config.clients_per_organisation;
    let st = state.clone();
    let work: CreateWork = Box::new(move |pledge: Option<idempotency::Pledge>| {
        Box::pin(async move {
            st.act(move |c| {
                accounts::create_client(
                    c,
                    &caller,
                    &org,
                    &new,
                    &creds.client_secret,
                    most,
                    pledge.as_ref(),
                )
            })
            .await
        })
    });
    Ok((Creation { raw, who }, work))
}

/// Creates an API client of `org` (administered by `principal`), once per
/// idempotency key: the answer (201 with the secret, shown once, or a
/// problem) as the API sends it.
pub async fn create_client(
    state: &web::Data<AppState>,
    principal: &Principal,
    org: kyushoku_store::organisations::OrganisationRow,
    name: &str,
    role: Option<StaffRole>,
    key: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let (c, work) = creation(state, principal, org, name, role)?;
    idempotency::once_atomic(state, &c.who, key, &c.raw, move |pledge| async move {
        let created = work(pledge).await?;
        Ok((StatusCode::CREATED, serde_json::json!(created)))
    })
    .await
}

/// [`create_client`] for the staff pages: the new client itself (a second
/// press of the same form gets the first one again).
pub async fn create_client_once(
    state: &AppState,
    principal: &Principal,
    org: kyushoku_store::organisations::OrganisationRow,
    name: &str,
    role: Option<StaffRole>,
    key: String,
) -> Result<CreatedClient, ApiError> {
    let (c, work) = creation(state, principal, org, name, role)?;
    let value = idempotency::once_value(state, &c.who, key, &c.raw, move |pledge| async move {
        Ok(serde_json::json!(work(pledge).await?))
    })
    .await?;
    serde_json::from_value(value).map_err(|e| ApiError::Internal(e.to_string()))
}

/// List the organisation's live API clients.
///
/// Organisation admins. Secrets are never shown again.
#[utoipa::path(
    operation_id = "organisations_clients_list",
    tag = "organisations",
    params(("id" = String, Path, format = Uuid, description = "The organisation's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ClientList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{id}/clients")]
pub async fn list(
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let org = administered(&state, &principal, &id).await?;
    let rows = state.act(move |c| accounts::clients(c, org.id)).await?;
    Ok(HttpResponse::Ok().json(ClientList {
        items: rows
            .into_iter()
            .map(|r| Client {
                client_id: r.client_id,
                name: r.name,
                role: r.role.unwrap_or_default(),
                created_at: r.created_at.and_utc(),
            })
            .collect(),
        next_cursor: None,
    }))
}

/// Delete an API client.
///
/// Its tokens stop working at once.
#[utoipa::path(
    operation_id = "organisations_clients_delete",
    tag = "organisations",
    params(
        ("id" = String, Path, format = Uuid, description = "The organisation's id"),
        ("client_id" = String, Path, description = "The client's id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/{id}/clients/{client_id}")]
pub async fn delete(
    principal: Principal,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, client_id) = path.into_inner();
    let org = administered(&state, &principal, &id).await?;
    delete_client(&state, &principal, org, client_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes one of `org`'s API clients; its tokens stop at once, on every
/// instance. The staff pages call it too.
pub async fn delete_client(
    state: &AppState,
    principal: &Principal,
    org: kyushoku_store::organisations::OrganisationRow,
    client_id: String,
) -> Result<(), ApiError> {
    let caller = audit_log::caller(principal);
    let target = client_id.clone();
    state
        .act(move |c| accounts::delete_client(c, &caller, &org, &target))
        .await?;
    auth::principal_changed(state, &Actor::Client(client_id)).await
}
