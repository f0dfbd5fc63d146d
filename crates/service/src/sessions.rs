//! Signing in (an API client by its secret, a staff user by password: the
//! password itself is checked by the caller, off the database), staff
//! sessions' refresh tokens, and the revocation of tokens (RFC 7009).
//! A refresh token is used once: using it again revokes its whole family
//! and ends every access token of its user (their epoch moves on), since
//! whoever holds the family can no longer be trusted. Tokens are kept as
//! digests; the caller brings the digest of what was presented.

use chrono::NaiveDateTime;
use kyushoku_domain::{AuditAction, OrganisationStatus, PrefectureCode};
use kyushoku_store::audit;
use kyushoku_store::identity::{self, ClientRow, OrganisationState, PrincipalRef, UserRow};
use kyushoku_store::{now, organisations, DbConn, StoreError};

use crate::accounts::user_event;
use crate::{Caller, Refusal};

/// A staff user's session, renewed.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: UserRow,
    pub organisation: OrganisationState,
}

/// What became of a refresh.
#[derive(Debug, Clone)]
pub enum Refreshed {
    /// A new refresh token (the caller's `next`) replaces the one used; an
    /// access token is to be issued for this user of this organisation.
    Issued(Box<Session>),
    /// Unknown, revoked or expired; nothing changed.
    Invalid,
    /// A used token came back: its family is revoked and the user's epoch
    /// moved on (the user's public id, to say so to the caches).
    Reused(Option<String>),
}

/// Uses the refresh token whose digest is `presented`, once; `next` is the
/// digest of the token that replaces it, valid `ttl_secs`.
pub fn refresh(
    c: &mut DbConn,
    caller: &Caller,
    presented: &str,
    next: &str,
    ttl_secs: i64,
) -> Result<Refreshed, Refusal> {
    c.write_transaction(|c| {
        let Some(row) = identity::find_refresh(c, presented)? else {
            return Ok(Refreshed::Invalid);
        };
        if row.revoked_at.is_some() && row.rotated_at.is_none() {
            return Ok(Refreshed::Invalid);
        }
        let replayed = row.rotated_at.is_some() || !identity::mark_rotated(c, row.id)?;
        if replayed {
            identity::revoke_family(c, &row.family)?;
            let user = identity::find_user(c, row.user_id)?;
            let event = match &user {
                Some(u) => {
                    // The access tokens minted from the stolen token carry
                    // no family: ending the user's epoch ends them (and the
                    // user's other sessions' access tokens, which their
                    // refresh tokens renew).
                    identity::bump_epoch(c, &PrincipalRef::User(u.public_id.clone()))?;
                    let mut e = user_event(c, caller, u.id, AuditAction::RefreshTokenReused)?
                        .unwrap_or_else(|| caller.event(AuditAction::RefreshTokenReused));
                    // Reported by whoever presented it, not by the user.
                    e.actor_kind = caller.kind;
                    e.actor_id = caller.id.clone();
                    e
                }
                None => caller.event(AuditAction::RefreshTokenReused),
            };
            audit::record(c, &event)?;
            return Ok(Refreshed::Reused(user.map(|u| u.public_id)));
        }
        if row.expires_at < now() {
            return Ok(Refreshed::Invalid);
        }
        let Some(user) = identity::find_user(c, row.user_id)? else {
            return Ok(Refreshed::Invalid);
        };
        let Some(organisation) = identity::organisation_state(c, user.organisation_id)? else {
            return Ok(Refreshed::Invalid);
        };
        let expires = now() + chrono::Duration::seconds(ttl_secs);
        identity::insert_refresh(c, next, &row.family, user.id, expires)?;
        Ok(Refreshed::Issued(Box::new(Session { user, organisation })))
    })
}

/// Revokes a verified access token's holder: their epoch moves on, which
/// ends every access token they hold (R8's mechanism). `organisation` is
/// the public id the token named, `prefecture` the bureau's it named.
pub fn revoke_access(
    c: &mut DbConn,
    caller: &Caller,
    holder: &PrincipalRef,
    organisation: Option<&str>,
    prefecture: Option<PrefectureCode>,
) -> Result<(), Refusal> {
    c.write_transaction(|c| {
        identity::bump_epoch(c, holder)?;
        let mut e = caller.event(AuditAction::AccessTokenRevoked);
        match organisation {
            Some(public) => {
                if let Some(o) = organisations::find(c, public)? {
                    e.organisation_id = Some(o.id);
                    e.prefecture = Some(o.prefecture);
                }
            }
            None => e.prefecture = prefecture,
        }
        audit::record(c, &e)?;
        Ok(())
    })
}

/// What became of a refresh token's revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// Revoked, or nothing to revoke (RFC 7009 answers both alike).
    Done,
    /// The token is another user's: refused.
    NotYours,
}

/// Revokes the family of the refresh token whose digest is `presented`,
/// when it is the calling user's (`caller_user`: their public id).
pub fn revoke_refresh(
    c: &mut DbConn,
    caller: &Caller,
    caller_user: Option<&str>,
    presented: &str,
) -> Result<Revoked, Refusal> {
    c.write_transaction(|c| {
        let Some(row) = identity::find_refresh(c, presented)? else {
            return Ok(Revoked::Done);
        };
        let Some(u) = identity::find_user(c, row.user_id)? else {
            return Ok(Revoked::Done);
        };
        if caller_user != Some(u.public_id.as_str()) {
            return Ok(Revoked::NotYours);
        }
        identity::revoke_family(c, &row.family)?;
        if let Some(mut e) = user_event(c, caller, u.id, AuditAction::RefreshTokenRevoked)? {
            e.target = None;
            audit::record(c, &e)?;
        }
        Ok(Revoked::Done)
    })
}

/// Staff sign in once the bureau has approved their organisation (and
/// while it is suspended or its approval has lapsed, to read its status
/// and its reports); not while it is pending, rejected or revoked.
pub fn may_sign_in(status: OrganisationStatus) -> bool {
    matches!(
        status,
        OrganisationStatus::Approved | OrganisationStatus::Suspended | OrganisationStatus::Lapsed
    )
}

/// An API client that proved it holds its secret, with its organisation's
/// state when it is an organisation's.
#[derive(Debug, Clone)]
pub struct SignedInClient {
    pub client: ClientRow,
    pub organisation: Option<OrganisationState>,
}

/// An API client presents its id and its secret; `holds_secret` tells
/// whether the presented secret is the one whose digest is stored (the
/// comparison is the caller's, in time independent of the digests). An
/// unknown client or a wrong secret is `None`, and the failure goes into
/// the trail (`client_auth_failed`, naming the client when it exists).
pub fn authenticate_client(
    c: &mut DbConn,
    caller: &Caller,
    client_id: &str,
    holds_secret: impl Fn(&str) -> bool,
) -> Result<Option<SignedInClient>, Refusal> {
    let client = identity::find_client(c, client_id)?;
    match client {
        Some(client) if holds_secret(&client.secret_hash) => {
            let organisation = match client.organisation_id {
                Some(org) => identity::organisation_state(c, org)?,
                None => None,
            };
            Ok(Some(SignedInClient {
                client,
                organisation,
            }))
        }
        other => {
            let mut e = caller.event(AuditAction::ClientAuthFailed);
            if let Some(client) = &other {
                e.target = Some(client.client_id.clone());
                e.organisation_id = client.organisation_id;
                e.prefecture = match client.organisation_id {
                    Some(org) => organisations::find_by_id(c, org)?.map(|o| o.prefecture),
                    None => client.prefecture.clone(),
                };
            }
            audit::record(c, &e)?;
            Ok(None)
        }
    }
}

/// A live API client by its id (to authenticate a revocation).
pub fn client(c: &mut DbConn, client_id: &str) -> Result<Option<ClientRow>, Refusal> {
    Ok(identity::find_client(c, client_id)?)
}

/// A staff user whose password was right: when the organisation lets its
/// staff sign in ([`may_sign_in`]), a refresh token (digest `refresh`,
/// of a new `family`, valid until `expires`) opens the session. `None`:
/// it may not, and nothing was stored.
pub fn open_staff_session(
    c: &mut DbConn,
    user: &UserRow,
    refresh: &str,
    family: &str,
    expires: NaiveDateTime,
) -> Result<Option<OrganisationState>, Refusal> {
    let org = identity::organisation_state(c, user.organisation_id)?.ok_or_else(|| {
        Refusal::Store(StoreError::ReferenceData(
            "a user without an organisation".into(),
        ))
    })?;
    if !may_sign_in(org.status) {
        return Ok(None);
    }
    identity::insert_refresh(c, refresh, family, user.id, expires)?;
    Ok(Some(org))
}
