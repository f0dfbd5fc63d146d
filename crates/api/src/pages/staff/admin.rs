//! What an organisation's administrators manage in the browser: its staff
//! users (the list; a new user is mailed the code to set their password)
//! and its API clients (the list; a new client's secret is shown once, on
//! the page that created it; deleting one ends its tokens at once). Each
//! form calls the function the API's handler calls (same checks,
//! idempotency by the form's key, audit rows).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use kyushoku_domain::StaffRole;
use kyushoku_service::accounts::{self, CreatedClient};
use kyushoku_store::organisations::OrganisationRow;
use serde::Deserialize;

use super::StaffSession;
use crate::pages::my_page::jst;
use crate::pages::page::{html, see_other, Chrome, PageError};
use crate::problem::ApiError;
use crate::routes::organisations::users::NewUserRequest;
use crate::routes::organisations::{administered, clients, users};
use crate::AppState;

fn role_label(s: &StaffSession, role: StaffRole) -> &'static str {
    match role {
        StaffRole::Admin => s.s().role_admin,
        StaffRole::Staff => s.s().role_staff,
    }
}

/// The form's key as an Idempotency-Key (a second press does nothing
/// twice); anything else is an expired form.
fn form_key(s: &StaffSession, key: &str) -> Result<String, PageError> {
    uuid::Uuid::parse_str(key)
        .map(|k| k.to_string())
        .map_err(|_| PageError::form_expired(s.lang).staff())
}

async fn own_organisation(
    s: &StaffSession,
    state: &AppState,
) -> Result<OrganisationRow, PageError> {
    administered(state, &s.principal, &s.member.organisation_public_id)
        .await
        .map_err(PageError::of_staff(s.lang))
}

struct Person {
    email: String,
    role: &'static str,
    since: String,
    code: bool,
    /// The co-applicant (連名申請) the user belongs to, if any.
    of: String,
}

/// A co-applicant a new user may belong to.
struct CoApplicantChoice {
    id: String,
    name: String,
}

#[derive(Template)]
#[template(path = "staff/users.html")]
struct UsersPage {
    chrome: Chrome,
    current: &'static str,
    users: Vec<Person>,
    co_applicants: Vec<CoApplicantChoice>,
    email: String,
    problem: Option<&'static str>,
    notice: Option<&'static str>,
    form_key: String,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn users_page(
    s: &StaffSession,
    state: &AppState,
    status: StatusCode,
    email: String,
    problem: Option<&'static str>,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let org = own_organisation(s, state).await?;
    let list = state
        .act(move |c| accounts::users(c, org.id))
        .await
        .map_err(PageError::of_staff(s.lang))?;
    Ok(html(
        status,
        &UsersPage {
            chrome: s.chrome("/staff/users"),
            current: "users",
            users: list
                .users
                .into_iter()
                .map(|(u, of)| Person {
                    role: role_label(s, u.role),
                    since: jst(u.created_at),
                    code: u.totp_secret.is_some(),
                    email: u.email,
                    of: of.map(|x| x.name).unwrap_or_default(),
                })
                .collect(),
            co_applicants: list
                .co_applicants
                .into_iter()
                .map(|x| CoApplicantChoice {
                    id: x.public_id,
                    name: x.name,
                })
                .collect(),
            email,
            problem,
            notice,
            form_key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}

/// `GET /staff/users`: the organisation's staff (administrators only).
pub async fn users(
    s: StaffSession,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let notice = (query.done.as_deref() == Some("invited")).then_some(s.s().user_invited);
    users_page(&s, &state, StatusCode::OK, String::new(), None, notice).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    csrf: String,
    key: String,
    email: String,
    role: String,
    /// The co-applicant the user belongs to (empty: the organisation).
    #[serde(default)]
    co_applicant: String,
}

/// `POST /staff/users`: adds a user, who is mailed the code to set their
/// password (an address in use gets a letter saying so, and the page
/// answers the same: no account enumeration).
pub async fn invite(
    req: HttpRequest,
    s: StaffSession,
    form: web::Form<InviteForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let InviteForm {
        key,
        email,
        role,
        co_applicant,
        ..
    } = form.into_inner();
    let key = form_key(&s, &key)?;
    let role = match role.as_str() {
        "admin" => StaffRole::Admin,
        _ => StaffRole::Staff,
    };
    let org = own_organisation(&s, &state).await?;
    let request = NewUserRequest {
        email: email.clone(),
        role: Some(role),
        co_applicant_id: (!co_applicant.is_empty()).then_some(co_applicant),
    };
    match users::invite(&state, &s.principal, org, request, Some(key)).await {
        Ok(_) => Ok(see_other("/staff/users?done=invited")),
        Err(ApiError::Validation(errors)) => {
            let why = if errors.iter().any(|e| e.field == "co_applicant_id") {
                s.t().terms.co_applicant_invalid
            } else {
                s.s().email_invalid
            };
            users_page(
                &s,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                email,
                Some(why),
                None,
            )
            .await
        }
        Err(e) => Err(PageError::of_staff(s.lang)(e)),
    }
}

struct ClientLine {
    client_id: String,
    name: String,
    role: &'static str,
    since: String,
}

#[derive(Template)]
#[template(path = "staff/clients.html")]
struct ClientsPage {
    chrome: Chrome,
    current: &'static str,
    clients: Vec<ClientLine>,
    /// The client just created, with its secret: shown this once.
    created: Option<CreatedClient>,
    name: String,
    problem: Option<&'static str>,
    notice: Option<&'static str>,
    form_key: String,
}

async fn clients_page(
    s: &StaffSession,
    state: &AppState,
    status: StatusCode,
    created: Option<CreatedClient>,
    problem: Option<&'static str>,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let org = own_organisation(s, state).await?;
    let rows = state
        .act(move |c| accounts::clients(c, org.id))
        .await
        .map_err(PageError::of_staff(s.lang))?;
    // Every page is no-store (the secret stays in no cache) and sends its
    // address as a referrer only to this site; `no-referrer` would make
    // the browser send `Origin: null` with this page's forms.
    Ok(html(
        status,
        &ClientsPage {
            chrome: s.chrome("/staff/clients"),
            current: "clients",
            clients: rows
                .into_iter()
                .map(|c| ClientLine {
                    role: role_label(s, c.role.unwrap_or_default()),
                    since: jst(c.created_at),
                    client_id: c.client_id,
                    name: c.name,
                })
                .collect(),
            created,
            name: String::new(),
            problem,
            notice,
            form_key: uuid::Uuid::new_v4().to_string(),
        },
    ))
}

/// `GET /staff/clients`: the organisation's API clients.
pub async fn clients(
    s: StaffSession,
    query: web::Query<Done>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let notice = (query.done.as_deref() == Some("deleted")).then_some(s.s().client_deleted);
    clients_page(&s, &state, StatusCode::OK, None, None, notice).await
}

#[derive(Deserialize)]
pub struct ClientForm {
    csrf: String,
    key: String,
    name: String,
    role: String,
}

/// `POST /staff/clients`: creates a client and shows its secret, once
/// (the answer to this form; never again).
pub async fn create_client(
    req: HttpRequest,
    s: StaffSession,
    form: web::Form<ClientForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let ClientForm {
        key, name, role, ..
    } = form.into_inner();
    let key = form_key(&s, &key)?;
    let role = match role.as_str() {
        "admin" => StaffRole::Admin,
        _ => StaffRole::Staff,
    };
    let org = own_organisation(&s, &state).await?;
    let answer =
        clients::create_client_once(&state, &s.principal, org, &name, Some(role), key).await;
    let t = s.s();
    match answer {
        Ok(created) => {
            clients_page(&s, &state, StatusCode::CREATED, Some(created), None, None).await
        }
        Err(ApiError::Validation(_)) => {
            clients_page(
                &s,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(t.client_name_invalid),
                None,
            )
            .await
        }
        Err(ApiError::Conflict(_)) => {
            clients_page(
                &s,
                &state,
                StatusCode::CONFLICT,
                None,
                Some(t.clients_full),
                None,
            )
            .await
        }
        Err(e) => Err(PageError::of_staff(s.lang)(e)),
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    csrf: String,
}

/// `POST /staff/clients/{client_id}/delete`: deletes a client (its tokens
/// stop at once).
pub async fn delete_client(
    req: HttpRequest,
    s: StaffSession,
    client_id: web::Path<String>,
    form: web::Form<DeleteForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    s.check_form(&req, &form.csrf)?;
    let org = own_organisation(&s, &state).await?;
    clients::delete_client(&state, &s.principal, org, client_id.into_inner())
        .await
        .map_err(PageError::of_staff(s.lang))?;
    Ok(see_other("/staff/clients?done=deleted"))
}
