//! A person signs in to the pages: an organisation's staff user at the
//! staff door, a labour bureau's officer at the bureau's. The password
//! first (checked by the caller, off the database), then, where
//! [`second_factor::required`] says so, a one-time code. In a browser the
//! two are two pages, so a sign-in whose password was right waits as a
//! *step* (five minutes, five wrong codes); someone who must use a code
//! but has none yet sets up their app there, proving it with a first code.
//! The API's staff login takes the code in the same request once the user
//! has set one up. A code is accepted once (the last used step only moves
//! on). Secrets are sealed with the deployment's key.

use chrono::{Duration, NaiveDateTime};
use kyushoku_domain::seal::Sealer;
use kyushoku_domain::second_factor::{self, Holder, TotpSecret};
use kyushoku_domain::{ActorKind, AuditAction};
use kyushoku_store::identity::{self, OfficerRow, OrganisationState, PersonId, UserRow};
use kyushoku_store::{audit, organisations, web, DbConn, StoreError};

use crate::accounts::user_event;
use crate::browser::{digest, random_token, Opened};
use crate::sessions::may_sign_in;
use crate::{Caller, Refusal};

/// How long a sign-in waits for its code.
pub const STEP_TTL: Duration = Duration::minutes(5);
/// Wrong codes a waiting sign-in allows; then it is dropped.
pub const STEP_TRIES: i32 = 5;

/// Where someone signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// An organisation's staff (`/staff`).
    Staff,
    /// A labour bureau's officers (`/bureau`).
    Bureau,
}

/// Someone who signs in with a password (and, where asked, a code).
#[derive(Debug, Clone)]
pub enum Person {
    Staff(UserRow),
    Officer(OfficerRow),
}

impl Person {
    pub fn id(&self) -> PersonId {
        match self {
            Person::Staff(u) => PersonId::User(u.id),
            Person::Officer(o) => PersonId::Officer(o.id),
        }
    }

    pub fn public_id(&self) -> &str {
        match self {
            Person::Staff(u) => &u.public_id,
            Person::Officer(o) => &o.public_id,
        }
    }

    pub fn email(&self) -> &str {
        match self {
            Person::Staff(u) => &u.email,
            Person::Officer(o) => &o.email,
        }
    }

    pub fn password_hash(&self) -> &str {
        match self {
            Person::Staff(u) => &u.password_hash,
            Person::Officer(o) => &o.password_hash,
        }
    }

    /// The sealed secret of their app, once set up.
    pub fn totp_secret(&self) -> Option<&str> {
        match self {
            Person::Staff(u) => u.totp_secret.as_deref(),
            Person::Officer(o) => o.totp_secret.as_deref(),
        }
    }

    fn totp_last_step(&self) -> Option<i64> {
        match self {
            Person::Staff(u) => u.totp_last_step,
            Person::Officer(o) => o.totp_last_step,
        }
    }

    fn holder(&self) -> Holder {
        match self {
            Person::Staff(u) => Holder::Staff(u.role),
            Person::Officer(_) => Holder::Officer,
        }
    }
}

/// The person of an e-mail address at a door, if there is one.
pub fn account(c: &mut DbConn, door: Door, email: &str) -> Result<Option<Person>, Refusal> {
    Ok(match door {
        Door::Staff => identity::find_user_by_email(c, email)?.map(Person::Staff),
        Door::Bureau => identity::find_officer_by_email(c, email)?.map(Person::Officer),
    })
}

fn find(c: &mut DbConn, who: PersonId) -> Result<Option<Person>, StoreError> {
    Ok(match who {
        PersonId::User(id) => identity::find_user(c, id)?.map(Person::Staff),
        PersonId::Officer(id) => identity::find_officer(c, id)?.map(Person::Officer),
    })
}

/// An event of the trail about a person, in their name.
fn person_event(
    c: &mut DbConn,
    caller: &Caller,
    who: &Person,
    action: AuditAction,
) -> Result<Option<kyushoku_store::audit::NewAuditEvent>, StoreError> {
    match who {
        Person::Staff(u) => user_event(c, caller, u.id, action),
        Person::Officer(o) => {
            let mut e = caller.event(action);
            e.actor_kind = ActorKind::Bureau;
            e.actor_id = format!("officer:{}", o.public_id);
            e.target = Some(o.public_id.clone());
            e.prefecture = Some(o.prefecture.clone());
            Ok(Some(e))
        }
    }
}

/// A sign-in with a wrong password, or for nobody: into the trail
/// (`login_failed`), naming the person when the address has one.
pub fn sign_in_failed(
    c: &mut DbConn,
    caller: &Caller,
    door: Door,
    email: &str,
) -> Result<(), Refusal> {
    let mut e = caller.event(AuditAction::LoginFailed);
    match account(c, door, email)? {
        Some(Person::Staff(u)) => {
            e.target = Some(u.public_id);
            e.organisation_id = Some(u.organisation_id);
            e.prefecture = organisations::find_by_id(c, u.organisation_id)?.map(|o| o.prefecture);
        }
        Some(Person::Officer(o)) => {
            e.target = Some(o.public_id);
            e.prefecture = Some(o.prefecture);
        }
        None => {}
    }
    audit::record(c, &e)?;
    Ok(())
}

/// What the sealed secret is bound to: its person (a secret moved to
/// another row does not open).
fn context(who: &Person) -> Vec<u8> {
    format!("totp:{}", who.public_id()).into_bytes()
}

fn seal(sealer: &Sealer, who: &Person, secret: &TotpSecret) -> String {
    sealer.seal_bytes(&context(who), secret.as_bytes())
}

fn unseal(sealer: &Sealer, who: &Person, sealed: &str) -> Option<TotpSecret> {
    TotpSecret::from_bytes(sealer.open_bytes(&context(who), sealed)?)
}

/// Seconds since 1970 of a stored (UTC) time.
fn unix(at: NaiveDateTime) -> u64 {
    u64::try_from(at.and_utc().timestamp()).unwrap_or(0)
}

/// A person's organisation, when it lets its staff sign in; `Ok(None)`
/// for an officer (who has none). `Err(())`: it does not.
fn organisation_of(
    c: &mut DbConn,
    who: &Person,
) -> Result<Result<Option<OrganisationState>, ()>, StoreError> {
    match who {
        Person::Officer(_) => Ok(Ok(None)),
        Person::Staff(u) => Ok(identity::organisation_state(c, u.organisation_id)?
            .filter(|o| may_sign_in(o.status))
            .map(Some)
            .ok_or(())),
    }
}

/// What comes after a right password, in a browser.
#[derive(Debug, Clone)]
pub enum Begun {
    /// No code is asked of this person: the session is open.
    Opened(Opened),
    /// A code is asked; the browser holds `token` for the next page.
    Code { token: String },
    /// Someone who must use a code but has none sets up their app first.
    Enrol { token: String },
    /// The organisation may not sign in (pending, rejected, revoked): to
    /// be answered as a wrong password is.
    Refused,
}

/// Opens a person's session: given the person and, for staff, their
/// organisation's state.
pub trait OpenSession:
    FnOnce(&mut DbConn, &Person, Option<&OrganisationState>) -> Result<Opened, Refusal>
{
}
impl<F> OpenSession for F where
    F: FnOnce(&mut DbConn, &Person, Option<&OrganisationState>) -> Result<Opened, Refusal>
{
}

/// After a right password, in one transaction: staff of an organisation
/// that may not sign in are refused; someone of whom no code is asked
/// gets the session `open` makes; anyone else a step that waits for their
/// code (with a new secret for their app when they have none yet).
pub fn begin(
    c: &mut DbConn,
    who: &Person,
    sealer: &Sealer,
    now: NaiveDateTime,
    open: impl OpenSession,
) -> Result<Begun, Refusal> {
    c.write_transaction(|c| {
        let Ok(org) = organisation_of(c, who)? else {
            return Ok(Begun::Refused);
        };
        let enrolled = who.totp_secret().is_some();
        if !second_factor::required(who.holder(), enrolled) {
            return Ok(Begun::Opened(open(c, who, org.as_ref())?));
        }
        let token = random_token();
        let enrol = (!enrolled).then(|| seal(sealer, who, &TotpSecret::generate()));
        web::put_sign_in_step(
            c,
            &digest(&token),
            who.id(),
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
    /// The secret to set up, when the person has none yet.
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
    let Some(who) = step.person() else {
        return Ok(None);
    };
    let Some(person) = find(c, who)? else {
        return Ok(None);
    };
    let enrol = match &step.enrol_secret {
        Some(sealed) => Some(unseal(sealer, &person, sealed).ok_or(Refusal::NotFound)?),
        None => None,
    };
    Ok(Some(Waiting {
        email: person.email().to_owned(),
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
    /// Wrong, or used before, and it was the last try: start again.
    Exhausted,
    /// Nothing waits (expired, unknown, too many wrong codes, or the
    /// organisation may no longer sign in): start again.
    Gone,
}

/// Whether `typed` is the code of now for the person (or of the secret
/// being set up), not used before; its step is then marked used (and a
/// new secret kept).
fn accept(
    c: &mut DbConn,
    who: &Person,
    enrol: Option<&str>,
    typed: &str,
    sealer: &Sealer,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let secret = enrol
        .or(who.totp_secret())
        .and_then(|s| unseal(sealer, who, s));
    match secret.and_then(|s| second_factor::check(&s, typed, unix(now), who.totp_last_step())) {
        Some(step) => identity::use_totp_step(c, who.id(), step, enrol),
        None => Ok(false),
    }
}

/// The code typed for the sign-in `token` names, in one transaction: a
/// right code (of a step not used before) marks its step used, keeps a
/// new secret, ends the wait and opens the session that `open` makes; a
/// wrong one is counted and recorded (`second_factor_failed`).
pub fn finish(
    c: &mut DbConn,
    caller: &Caller,
    token: &str,
    typed: &str,
    sealer: &Sealer,
    now: NaiveDateTime,
    open: impl OpenSession,
) -> Result<Finished, Refusal> {
    if token.is_empty() || token.len() > 64 {
        return Ok(Finished::Gone);
    }
    let hash = digest(token);
    c.write_transaction(|c| {
        let Some(step) = web::find_sign_in_step(c, &hash, now)? else {
            return Ok(Finished::Gone);
        };
        let who = match step.person() {
            Some(id) => find(c, id)?,
            None => None,
        };
        let Some(who) = who else {
            web::drop_sign_in_step(c, &hash)?;
            return Ok(Finished::Gone);
        };
        let Ok(org) = organisation_of(c, &who)? else {
            web::drop_sign_in_step(c, &hash)?;
            return Ok(Finished::Gone);
        };
        if step.failures >= STEP_TRIES {
            web::drop_sign_in_step(c, &hash)?;
            return Ok(Finished::Gone);
        }
        if !accept(c, &who, step.enrol_secret.as_deref(), typed, sealer, now)? {
            web::step_failed(c, &hash)?;
            if let Some(e) = person_event(c, caller, &who, AuditAction::SecondFactorFailed)? {
                audit::record(c, &e)?;
            }
            let left = STEP_TRIES - step.failures - 1;
            if left <= 0 {
                web::drop_sign_in_step(c, &hash)?;
                return Ok(Finished::Exhausted);
            }
            return Ok(Finished::Wrong { left });
        }
        web::drop_sign_in_step(c, &hash)?;
        if step.enrol_secret.is_some() {
            if let Some(e) = person_event(c, caller, &who, AuditAction::SecondFactorEnrolled)? {
                audit::record(c, &e)?;
            }
        }
        Ok(Finished::Opened(open(c, &who, org.as_ref())?))
    })
}

/// The API's check, for a staff user who set up a code: whether `typed`
/// is the code of now, not used before (its step is then marked used). A
/// wrong or missing code is recorded (`second_factor_failed`).
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
        let who = Person::Staff(user);
        let accepted = accept(c, &who, None, typed, sealer, now)?;
        if !accepted {
            if let Some(e) = person_event(c, caller, &who, AuditAction::SecondFactorFailed)? {
                audit::record(c, &e)?;
            }
        }
        Ok(accepted)
    })
}

/// Sets a person's secret directly (the demo's cast, whose codes its
/// credentials file gives), replacing any.
pub fn set_secret(
    c: &mut DbConn,
    who: &Person,
    secret: &TotpSecret,
    sealer: &Sealer,
) -> Result<(), Refusal> {
    Ok(identity::set_totp_secret(
        c,
        who.id(),
        &seal(sealer, who, secret),
    )?)
}

/// A new officer of the bureau of `prefecture` (who sets up their code at
/// their first sign-in). A taken e-mail is [`Refusal::Conflict`]-like.
pub fn add_officer(
    c: &mut DbConn,
    prefecture: &kyushoku_domain::PrefectureCode,
    email: &str,
    password_hash: &str,
) -> Result<OfficerRow, Refusal> {
    let public_id = uuid::Uuid::now_v7().to_string();
    identity::insert_officer(c, &public_id, prefecture, email, password_hash)?;
    identity::find_officer_by_email(c, email)?.ok_or(Refusal::NotFound)
}
