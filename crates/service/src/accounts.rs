//! Accounts: an organisation's application, an administrator adding a
//! staff user, and the user setting their password with the code they
//! were mailed. What an address's owner must hear goes to the address, by
//! letter; the caller learns nothing about whether the address already had
//! an account (the same answer either way), and the attempt is on the
//! record of the account's organisation.

use chrono::{DateTime, Utc};
use kyushoku_domain::mail::{Letter, TokenPurpose, PASSWORD_SETUP_HOURS};
use kyushoku_domain::{ActorKind, AuditAction, StaffRole};
use kyushoku_store::audit::{self, NewAuditEvent};
use kyushoku_store::identity::{ClientRow, NewClient};
use kyushoku_store::organisations::{self, NewOrganisation, NewUser, OrganisationRow};
use kyushoku_store::{
    identity, mail as stored_mail, now, DbConn, OrganisationId, StoreError, UserId,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::mail::send_later;
use crate::{Caller, Pledge, Refusal};

/// An event of a staff user acting on their own account, with their
/// organisation and its prefecture (the bureau that reads it).
pub fn user_event(
    c: &mut DbConn,
    caller: &Caller,
    user: UserId,
    action: AuditAction,
) -> Result<Option<NewAuditEvent>, StoreError> {
    let Some(u) = identity::find_user(c, user)? else {
        return Ok(None);
    };
    let mut e = caller.event(action);
    e.actor_kind = ActorKind::User;
    e.actor_id = u.public_id.clone();
    e.target = Some(u.public_id);
    e.organisation_id = Some(u.organisation_id);
    e.prefecture = organisations::find_by_id(c, u.organisation_id)?.map(|o| o.prefecture);
    Ok(Some(e))
}

/// Stores `answer` under the request's key when it carried one.
fn keep(
    c: &mut DbConn,
    pledge: Option<&Pledge>,
    answer: &serde_json::Value,
) -> Result<(), StoreError> {
    match pledge {
        Some(p) => p.keep(c, 201, answer),
        None => Ok(()),
    }
}

/// An application to use the service: a pending organisation and its first
/// administrator, with a receipt to the administrator's address. An address
/// that has an account creates nothing; its owner is told instead.
/// `answer` is what the applicant is shown either way (kept for R12).
pub fn apply(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &NewOrganisation,
    admin: &NewUser,
    answer: &serde_json::Value,
    pledge: Option<&Pledge>,
) -> Result<(), Refusal> {
    let filed = c.write_transaction(|c| {
        let row: OrganisationRow = organisations::create_application(c, organisation, admin)?;
        send_later(c, &admin.email, &Letter::ApplicationReceived)?;
        let mut e = caller.event(AuditAction::OrganisationApplied);
        e.organisation_id = Some(row.id);
        e.prefecture = Some(row.prefecture.clone());
        e.target = Some(row.public_id.clone());
        audit::record(c, &e)?;
        crate::webhooks::organisation_applied(c, &row)?;
        keep(c, pledge, answer)
    });
    match filed {
        Err(StoreError::Conflict("licence_number")) => {
            return Err(Refusal::Conflict(
                "an application under this licence number is pending or approved; its branches share it"
                    .into(),
            ))
        }
        Err(StoreError::Conflict(_)) => c.write_transaction(|c| {
            let mut e = caller.event(AuditAction::ApplicationEmailInUse);
            if let Some(u) = identity::find_user_by_email(c, &admin.email)? {
                e.target = Some(u.public_id);
                e.organisation_id = Some(u.organisation_id);
                e.prefecture =
                    organisations::find_by_id(c, u.organisation_id)?.map(|o| o.prefecture);
            }
            audit::record(c, &e)?;
            send_later(c, &admin.email, &Letter::ApplicationAddressInUse)?;
            keep(c, pledge, answer)
        })?,
        other => other?,
    }
    Ok(())
}

/// The organisation's co-applicant with this public id, if it has one.
pub fn co_applicant(
    c: &mut DbConn,
    organisation: kyushoku_store::OrganisationId,
    public_id: &str,
) -> Result<Option<kyushoku_store::CoApplicantId>, Refusal> {
    Ok(organisations::co_applicants_of(c, organisation)?
        .into_iter()
        .find(|x| x.public_id == public_id)
        .map(|x| x.id))
}

/// A user an administrator adds, and what they are sent.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub user: NewUser,
    /// The digest of the one-use setup code in the invitation.
    pub setup_code_hash: String,
    pub invitation: Letter,
    /// The letter to the address's owner when it has an account already.
    pub address_in_use: Letter,
}

/// An administrator adds a staff user to `organisation`: the user (with a
/// password nobody knows), a setup code valid for
/// [`PASSWORD_SETUP_HOURS`] and the invitation that carries it. An address
/// that has an account creates nothing and gets a notice instead; the
/// administrator's answer is the same.
pub fn add_user(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &OrganisationRow,
    staff: &NewStaff,
    answer: &serde_json::Value,
    pledge: Option<&Pledge>,
) -> Result<(), Refusal> {
    let mut event = caller.event(AuditAction::UserCreated);
    event.organisation_id = Some(organisation.id);
    event.prefecture = Some(organisation.prefecture.clone());
    event.target = Some(staff.user.public_id.clone());
    // The trail names the co-applicant the user acts for, if any.
    let co_applicant = match staff.user.co_applicant {
        Some(id) => organisations::co_applicants_of(c, organisation.id)?
            .into_iter()
            .find(|x| x.id == id)
            .map(|x| x.public_id),
        None => None,
    };
    event.detail = Some(
        serde_json::json!({"role": staff.user.role.as_str(), "co_applicant_id": co_applicant})
            .to_string(),
    );
    let created = c.write_transaction(|c| {
        let user = organisations::insert_user(c, organisation.id, &staff.user)?;
        stored_mail::issue_token(
            c,
            &staff.setup_code_hash,
            user,
            TokenPurpose::PasswordSetup,
            now() + chrono::Duration::hours(PASSWORD_SETUP_HOURS),
        )?;
        send_later(c, &staff.user.email, &staff.invitation)?;
        audit::record(c, &event)?;
        keep(c, pledge, answer)
    });
    match created {
        Err(StoreError::Conflict(_)) => c.write_transaction(|c| {
            let mut e = event.clone();
            e.action = AuditAction::UserEmailInUse;
            audit::record(c, &e)?;
            send_later(c, &staff.user.email, &staff.address_in_use)?;
            keep(c, pledge, answer)
        })?,
        other => other?,
    }
    Ok(())
}

/// The user behind a current setup code sets their password (its hash):
/// the code is used up, every token the user held ends. An unknown, used or
/// expired code changes nothing and is refused on `token`.
pub fn set_password(
    c: &mut DbConn,
    caller: &Caller,
    setup_code_hash: &str,
    password_hash: &str,
) -> Result<(), Refusal> {
    c.write_transaction(|c| {
        let Some(user) =
            stored_mail::redeem_token(c, setup_code_hash, TokenPurpose::PasswordSetup, now())?
        else {
            return Err(Refusal::invalid(
                "token",
                "not a current setup code (unknown, used or expired)",
            ));
        };
        identity::set_password(c, user, password_hash)?;
        if let Some(e) = user_event(c, caller, user, AuditAction::PasswordSet)? {
            audit::record(c, &e)?;
        }
        Ok(())
    })
}

/// A new client with its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct CreatedClient {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    pub role: StaffRole,
    pub created_at: DateTime<Utc>,
}

/// An organisation's administrator creates an API client: at most
/// `most` live clients per organisation ([`Refusal::Conflict`] beyond).
/// `secret` is shown in the answer once; the store holds its hash
/// (`client.secret_hash`), and the answer kept for R12 is sealed.
pub fn create_client(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &OrganisationRow,
    client: &NewClient,
    secret: &str,
    most: usize,
    pledge: Option<&Pledge>,
) -> Result<CreatedClient, Refusal> {
    let mut event = caller.event(AuditAction::ClientCreated);
    event.organisation_id = Some(organisation.id);
    event.prefecture = Some(organisation.prefecture.clone());
    event.target = Some(client.client_id.clone());
    c.write_transaction(|c| {
        if identity::list_clients(c, organisation.id)?.len() >= most {
            return Err(Refusal::Conflict(format!(
                "an organisation has at most {most} API clients: delete one first"
            )));
        }
        let row = identity::insert_client(c, client)?;
        audit::record(c, &event)?;
        let answer = CreatedClient {
            client_id: row.client_id,
            client_secret: secret.to_owned(),
            name: row.name,
            role: row.role.unwrap_or_default(),
            created_at: row.created_at.and_utc(),
        };
        keep(
            c,
            pledge,
            &serde_json::to_value(&answer).unwrap_or_default(),
        )?;
        Ok(answer)
    })
}

/// An organisation's administrator deletes one of its API clients; its
/// tokens end with it. A client it does not have is [`Refusal::NotFound`].
pub fn delete_client(
    c: &mut DbConn,
    caller: &Caller,
    organisation: &OrganisationRow,
    client_id: &str,
) -> Result<(), Refusal> {
    if client_id.len() > 100 || !client_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Refusal::NotFound);
    }
    let mut event = caller.event(AuditAction::ClientDeleted);
    event.organisation_id = Some(organisation.id);
    event.prefecture = Some(organisation.prefecture.clone());
    event.target = Some(client_id.to_owned());
    c.write_transaction(|c| {
        if !identity::delete_client(c, organisation.id, client_id)? {
            return Err(Refusal::NotFound);
        }
        audit::record(c, &event)?;
        Ok(())
    })
}

/// An organisation's live API clients, oldest first.
/// An organisation's staff users (for its admins).
pub fn users(c: &mut DbConn, organisation: OrganisationId) -> Result<StaffList, Refusal> {
    let co_applicants = organisations::co_applicants_of(c, organisation)?;
    let belongs = organisations::users_co_applicants(c, organisation)?;
    let users = identity::users_of(c, organisation)?
        .into_iter()
        .map(|u| {
            let of = belongs
                .iter()
                .find(|(user, _)| *user == u.id)
                .and_then(|(_, co)| co_applicants.iter().find(|x| x.id == *co))
                .cloned();
            (u, of)
        })
        .collect();
    Ok(StaffList {
        users,
        co_applicants,
    })
}

/// An organisation's staff users, each with the co-applicant (連名申請) it
/// belongs to if any, and the co-applicants a new user may belong to.
#[derive(Debug, Clone)]
pub struct StaffList {
    pub users: Vec<(
        kyushoku_store::identity::UserRow,
        Option<organisations::CoApplicantRow>,
    )>,
    pub co_applicants: Vec<organisations::CoApplicantRow>,
}

pub fn clients(c: &mut DbConn, organisation: OrganisationId) -> Result<Vec<ClientRow>, Refusal> {
    Ok(identity::list_clients(c, organisation)?)
}
