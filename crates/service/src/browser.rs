//! Browser sessions for the pages (issue 33): a seeker's single-use sign-in
//! link, and the cookie sessions every signed-in page runs under, with
//! their idle and absolute timeouts and their CSRF secret. What a session
//! may do is decided as for an access token: the session keeps the token's
//! claims, and the API layer checks them the same way (R8).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use kyushoku_domain::credentials::SessionHolder;
use kyushoku_store::identity::{bump_epoch, PrincipalRef};
use kyushoku_store::web::{self, NewWebSession, WebSessionRow};
use kyushoku_store::{seekers, DbConn};
use sha2::{Digest, Sha256};

use crate::Refusal;

/// The longest a sign-in link lives (DESIGN: at most five minutes).
pub const SIGN_IN_LINK_TTL: Duration = Duration::minutes(5);

/// A random 256-bit token, base64url.
pub(crate) fn random_token() -> String {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).expect("the operating system's random source");
    URL_SAFE_NO_PAD.encode(buf)
}

/// The stored form of a token: its SHA-256, hex.
pub(crate) fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A sign-in link's secret part, and how long it lasts.
#[derive(Debug, Clone)]
pub struct SignInLink {
    pub token: String,
    pub expires_in: Duration,
}

/// Hello Work makes a sign-in link for a registered seeker; an unknown
/// reference is [`Refusal::NotFound`].
pub fn issue_sign_in_link(
    c: &mut DbConn,
    seeker_ref: &str,
    now: NaiveDateTime,
) -> Result<SignInLink, Refusal> {
    let seeker = seekers::find_by_ref(c, seeker_ref)?.ok_or(Refusal::NotFound)?;
    let token = random_token();
    web::put_sign_in_link(c, &digest(&token), seeker.id, now + SIGN_IN_LINK_TTL)?;
    Ok(SignInLink {
        token,
        expires_in: SIGN_IN_LINK_TTL,
    })
}

/// Uses a sign-in link: the seeker's reference, once. A link that is
/// unknown, expired or used is [`Refusal::NotFound`], all alike. Runs in
/// the caller's transaction ([`sign_in_seeker`]).
fn redeem_sign_in_link(c: &mut DbConn, token: &str, now: NaiveDateTime) -> Result<String, Refusal> {
    if token.is_empty() || token.len() > 64 {
        return Err(Refusal::NotFound);
    }
    let seeker = web::redeem_sign_in_link(c, &digest(token), now)?.ok_or(Refusal::NotFound)?;
    seekers::ref_of(c, seeker)?.ok_or(Refusal::NotFound)
}

/// How long a browser session lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Without a request for this long, the session ends.
    pub idle: Duration,
    /// However busy, the session ends this long after sign-in.
    pub absolute: Duration,
}

impl Timeouts {
    /// Whether a session opened at `created` and last used at `last_seen`
    /// still stands at `now`.
    pub fn stands(
        &self,
        created: NaiveDateTime,
        last_seen: NaiveDateTime,
        now: NaiveDateTime,
    ) -> bool {
        now < last_seen + self.idle && now < created + self.absolute
    }
}

/// A session just opened: the cookie's token and the session's CSRF
/// secret. Neither is stored as given.
#[derive(Debug, Clone)]
pub struct Opened {
    pub token: String,
    pub csrf: String,
}

/// Who a session is for and what it may do: the principal, and the claims
/// of an access token of the same principal, as the API layer writes them.
#[derive(Debug, Clone, Copy)]
pub struct SessionFor<'a> {
    pub principal: &'a PrincipalRef,
    pub claims: &'a str,
}

/// The kind and id a session row keeps for its principal.
fn stored(principal: &PrincipalRef) -> (SessionHolder, &str) {
    match principal {
        PrincipalRef::User(id) => (SessionHolder::User, id),
        PrincipalRef::Client(id) => (SessionHolder::Client, id),
        PrincipalRef::Seeker(id) => (SessionHolder::Seeker, id),
        PrincipalRef::Officer(id) => (SessionHolder::Officer, id),
    }
}

/// Opens a new session (a new token at every sign-in: a session id is
/// never carried over from before it).
pub fn open(c: &mut DbConn, who: SessionFor<'_>, now: NaiveDateTime) -> Result<Opened, Refusal> {
    let token = random_token();
    let csrf = random_token();
    let (actor_kind, actor_id) = stored(who.principal);
    web::open_session(
        c,
        &NewWebSession {
            token_hash: &digest(&token),
            actor_kind: actor_kind.as_str(),
            actor_id,
            claims: who.claims,
            csrf: &csrf,
            created_at: now,
            last_seen_at: now,
        },
    )?;
    Ok(Opened { token, csrf })
}

/// A seeker signs in with Hello Work's link, in one transaction: the link
/// is used (once; unknown, expired and used links are all
/// [`Refusal::NotFound`]), the session this browser had (`replacing`) is
/// ended, and a new one opens with the claims `claims(seeker_ref, epoch)`
/// writes for the seeker's current epoch. No link is used without a
/// session, nor a session opened without a link.
pub fn sign_in_seeker(
    c: &mut DbConn,
    link: &str,
    replacing: Option<&str>,
    now: NaiveDateTime,
    claims: impl FnOnce(&str, i64) -> String,
) -> Result<Opened, Refusal> {
    use kyushoku_store::identity::principal_epoch;
    c.write_transaction(|c| {
        let seeker_ref = redeem_sign_in_link(c, link, now)?;
        let who = PrincipalRef::Seeker(seeker_ref);
        let (epoch, _) = principal_epoch(c, &who)?.ok_or(Refusal::NotFound)?;
        if let Some(old) = replacing {
            close(c, old)?;
        }
        let PrincipalRef::Seeker(seeker_ref) = &who else {
            unreachable!("made a seeker above")
        };
        let claims = claims(seeker_ref, epoch);
        open(
            c,
            SessionFor {
                principal: &who,
                claims: &claims,
            },
            now,
        )
    })
}

/// How often a session's last use is written (not at every request).
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// The session a cookie names, if it still stands at `now` (its last use
/// recorded); an ended one is deleted.
pub fn current(
    c: &mut DbConn,
    token: &str,
    timeouts: Timeouts,
    now: NaiveDateTime,
) -> Result<Option<WebSessionRow>, Refusal> {
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    let hash = digest(token);
    let Some(row) = web::find_session(c, &hash)? else {
        return Ok(None);
    };
    if !timeouts.stands(row.created_at, row.last_seen_at, now) {
        web::close_session(c, &hash)?;
        return Ok(None);
    }
    if now - row.last_seen_at >= TOUCH_EVERY {
        web::touch_session(c, &hash, now)?;
    }
    Ok(Some(row))
}

/// Signs out of this browser.
pub fn close(c: &mut DbConn, token: &str) -> Result<(), Refusal> {
    Ok(web::close_session(c, &digest(token))?)
}

/// Signs a principal out of every browser: its sessions are deleted and
/// its epoch raised, so that a session another instance still holds in
/// memory, and every access token of the principal, fail their next
/// check (R8's machinery).
pub fn close_everywhere(c: &mut DbConn, who: &PrincipalRef) -> Result<(), Refusal> {
    let (actor_kind, actor_id) = stored(who);
    c.write_transaction(|c| {
        web::close_sessions_of(c, actor_kind, actor_id)?;
        bump_epoch(c, who)?;
        Ok(())
    })
}

/// Deletes ended sessions and expired links (the retention sweep).
pub fn sweep(c: &mut DbConn, timeouts: Timeouts, now: NaiveDateTime) -> Result<usize, Refusal> {
    Ok(web::sweep(
        c,
        now - timeouts.idle,
        now - timeouts.absolute,
        now,
    )?)
}

/// Compares a form's CSRF token with the session's in time independent of
/// where they differ.
pub fn csrf_matches(session: &WebSessionRow, given: &str) -> bool {
    let (a, b) = (session.csrf.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64, m: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 4)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            + Duration::hours(h)
            + Duration::minutes(m)
    }

    #[test]
    fn a_session_ends_when_idle_or_too_old() {
        let t = Timeouts {
            idle: Duration::minutes(30),
            absolute: Duration::hours(8),
        };
        assert!(t.stands(at(0, 0), at(0, 0), at(0, 29)));
        assert!(
            !t.stands(at(0, 0), at(0, 0), at(0, 30)),
            "idle for 30 minutes"
        );
        assert!(t.stands(at(0, 0), at(7, 50), at(7, 59)));
        assert!(
            !t.stands(at(0, 0), at(7, 59), at(8, 0)),
            "8 hours after sign-in"
        );
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
    }
}
