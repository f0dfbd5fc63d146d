//! A staff member signs in: the password first (checked by the caller, off
//! the database), then, where [`second_factor::required`] says so, a
//! one-time code. In a browser the two are two pages, so a sign-in whose
//! password was right waits as a *step* (five minutes, five wrong codes);
//! an administrator who has no code yet sets up their app there, proving
//! it with a first code. The API takes the code in the same request once
//! the user has set one up. A code is accepted once (the user's last used
//! step only moves on). Secrets are sealed with the deployment's key.

use chrono::{Duration, NaiveDateTime};
use kyushoku_domain::seal::Sealer;
use kyushoku_domain::second_factor::{self, TotpSecret};
use kyushoku_domain::AuditAction;
use kyushoku_store::identity::{self, OrganisationState, UserRow};
use kyushoku_store::{audit, web, DbConn};

use crate::accounts::user_event;
use crate::browser::{digest, random_token, Opened};
use crate::sessions::may_sign_in;
use crate::{Caller, Refusal};

/// How long a sign-in waits for its code.
pub const STEP_TTL: Duration = Duration::minutes(5);
/// Wrong codes a waiting sign-in allows; then it is dropped.
pub const STEP_TRIES: i32 = 5;

/// What the sealed secret is bound to: its user (a secret moved to another
/// user's row does not open).
fn context(user: &UserRow) -> Vec<u8> {
    format!("totp:{}", user.public_id).into_bytes()
}

fn seal(sealer: &Sealer, user: &UserRow, secret: &TotpSecret) -> String {
    sealer.seal_bytes(&context(user), secret.as_bytes())
}

fn unseal(sealer: &Sealer, user: &UserRow, sealed: &str) -> Option<TotpSecret> {
    TotpSecret::from_bytes(sealer.open_bytes(&context(user), sealed)?)
}

/// Seconds since 1970 of a stored (UTC) time.
fn unix(at: NaiveDateTime) -> u64 {
    u64::try_from(at.and_utc().timestamp()).unwrap_or(0)
}

/// What comes after a right password, in a browser.
#[derive(Debug, Clone)]
pub enum Begun {
    /// No code is asked of this user: the session is open.
    Opened(Opened),
    /// A code is asked; the browser holds `token` for the next page.
    Code { token: String },
    /// An administrator without a code sets up their app first.
    Enrol { token: String },
    /// The organisation may not sign in (pending, rejected, revoked): to
    /// be answered as a wrong password is.
    Refused,
}

/// After a right password, in one transaction: a user of an organisation
/// that may not sign in is refused; one of whom no code is asked gets the
/// session `open` makes; anyone else a step that waits for their code
/// (for an administrator without one, with a new secret for their app).
pub fn begin(
    c: &mut DbConn,
    user: &UserRow,
    sealer: &Sealer,
    now: NaiveDateTime,
    open: impl FnOnce(&mut DbConn, &UserRow, &OrganisationState) -> Result<Opened, Refusal>,
) -> Result<Begun, Refusal> {
    c.write_transaction(|c| {
        let org = identity::organisation_state(c, user.organisation_id)?;
        let Some(org) = org.filter(|o| may_sign_in(o.status)) else {
            return Ok(Begun::Refused);
        };
        let enrolled = user.totp_secret.is_some();
        if !second_factor::required(user.role, enrolled) {
            return Ok(Begun::Opened(open(c, user, &org)?));
        }
        let token = random_token();
        let enrol = (!enrolled).then(|| seal(sealer, user, &TotpSecret::generate()));
        web::put_sign_in_step(
            c,
            &digest(&token),
            user.id,
            enrol.as_deref(),
            now + STEP_TTL,
        )?;
        Ok(if enrolled {
            Begun::Code { token }
        } else {
            Begun::Enrol { token }
        })
    })
}

/// A sign-in waiting for its code, as its page shows it.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub email: String,
    /// The secret to set up, when the user has none yet.
    pub enrol: Option<TotpSecret>,
}

/// The sign-in the browser's `token` names, if it still waits.
pub fn waiting(
    c: &mut DbConn,
    token: &str,
    sealer: &Sealer,
    now: NaiveDateTime,
) -> Result<Option<Waiting>, Refusal> {
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    let Some(step) = web::find_sign_in_step(c, &digest(token), now)? else {
        return Ok(None);
    };
    let Some(user) = identity::find_user(c, step.user_id)? else {
        return Ok(None);
    };
    let enrol = match &step.enrol_secret {
        Some(sealed) => Some(unseal(sealer, &user, sealed).ok_or(Refusal::NotFound)?),
        None => None,
    };
    Ok(Some(Waiting {
        email: user.email,
        enrol,
    }))
}

/// What became of a code.
#[derive(Debug, Clone)]
pub enum Finished {
    /// Signed in: the session is open.
    Opened(Opened),
    /// Wrong, or used before: `left` more tries.
    Wrong { left: i32 },
    /// Nothing waits (expired, unknown, too many wrong codes, or the
    /// organisation may no longer sign in): start again.
    Gone,
}

/// The code typed for the sign-in `token` names, in one transaction: a
/// right code (of a step not used before) marks its step used, keeps an
/// administrator's new secret, ends the wait and opens the session that
/// `open` makes for the user of the organisation; a wrong one is counted
/// and recorded (`second_factor_failed`).
pub fn finish(
    c: &mut DbConn,
    caller: &Caller,
    token: &str,
    typed: &str,
    sealer: &Sealer,
    now: NaiveDateTime,
    open: impl FnOnce(&mut DbConn, &UserRow, &OrganisationState) -> Result<Opened, Refusal>,
) -> Result<Finished, Refusal> {
    if token.is_empty() || token.len() > 64 {
        return Ok(Finished::Gone);
    }
    let hash = digest(token);
    c.write_transaction(|c| {
        let Some(step) = web::find_sign_in_step(c, &hash, now)? else {
            return Ok(Finished::Gone);
        };
        let user = identity::find_user(c, step.user_id)?;
        let org = match &user {
            Some(u) => identity::organisation_state(c, u.organisation_id)?,
            None => None,
        };
        let (Some(user), Some(org)) = (user, org) else {
            web::drop_sign_in_step(c, &hash)?;
            return Ok(Finished::Gone);
        };
        if step.failures >= STEP_TRIES || !may_sign_in(org.status) {
            web::drop_sign_in_step(c, &hash)?;
            return Ok(Finished::Gone);
        }
        let sealed = step.enrol_secret.as_deref().or(user.totp_secret.as_deref());
        let secret = sealed.and_then(|s| unseal(sealer, &user, s));
        let accepted = match &secret {
            Some(secret) => {
                match second_factor::check(secret, typed, unix(now), user.totp_last_step) {
                    Some(used) => {
                        identity::use_totp_step(c, user.id, used, step.enrol_secret.as_deref())?
                    }
                    None => false,
                }
            }
            None => false,
        };
        if !accepted {
            web::step_failed(c, &hash)?;
            if let Some(e) = user_event(c, caller, user.id, AuditAction::SecondFactorFailed)? {
                audit::record(c, &e)?;
            }
            let left = STEP_TRIES - step.failures - 1;
            if left <= 0 {
                web::drop_sign_in_step(c, &hash)?;
                return Ok(Finished::Gone);
            }
            return Ok(Finished::Wrong { left });
        }
        web::drop_sign_in_step(c, &hash)?;
        if step.enrol_secret.is_some() {
            if let Some(e) = user_event(c, caller, user.id, AuditAction::SecondFactorEnrolled)? {
                audit::record(c, &e)?;
            }
        }
        Ok(Finished::Opened(open(c, &user, &org)?))
    })
}

/// The API's check, for a user who set up a code: whether `typed` is the
/// code of now, not used before (its step is then marked used). A wrong
/// or missing code is recorded (`second_factor_failed`).
pub fn check_code(
    c: &mut DbConn,
    caller: &Caller,
    user: &UserRow,
    typed: &str,
    sealer: &Sealer,
    now: NaiveDateTime,
) -> Result<bool, Refusal> {
    c.write_transaction(|c| {
        let Some(user) = identity::find_user(c, user.id)? else {
            return Ok(false);
        };
        let secret = user
            .totp_secret
            .as_deref()
            .and_then(|s| unseal(sealer, &user, s));
        let accepted = match secret
            .and_then(|s| second_factor::check(&s, typed, unix(now), user.totp_last_step))
        {
            Some(step) => identity::use_totp_step(c, user.id, step, None)?,
            None => false,
        };
        if !accepted {
            if let Some(e) = user_event(c, caller, user.id, AuditAction::SecondFactorFailed)? {
                audit::record(c, &e)?;
            }
        }
        Ok(accepted)
    })
}

/// Sets a user's secret directly (the demo's cast, whose codes its
/// credentials file gives), replacing any.
pub fn set_secret(
    c: &mut DbConn,
    user: &UserRow,
    secret: &TotpSecret,
    sealer: &Sealer,
) -> Result<(), Refusal> {
    Ok(identity::set_totp_secret(
        c,
        user.id,
        &seal(sealer, user, secret),
    )?)
}
