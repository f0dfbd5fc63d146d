//! Staff sessions' refresh tokens and the revocation of tokens (RFC 7009).
//! A refresh token is used once: using it again revokes its whole family
//! and ends every access token of its user (their epoch moves on), since
//! whoever holds the family can no longer be trusted. Tokens are kept as
//! digests; the caller brings the digest of what was presented.

use kyushoku_domain::AuditAction;
use kyushoku_store::audit;
use kyushoku_store::identity::{self, OrganisationState, PrincipalRef, UserRow};
use kyushoku_store::{now, organisations, DbConn};

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
    prefecture: Option<String>,
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
