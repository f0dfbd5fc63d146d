//! What the pages for people keep (migrations `000016_web_sessions`,
//! `000017_second_factor`): the seekers' single-use sign-in links, the
//! sign-ins waiting for their one-time code, and the browser
//! sessions. Both are
//! found by the SHA-256 of a random token; the tokens themselves are never
//! stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use kyushoku_domain::credentials::SessionHolder;

use crate::identity::PersonId;
use crate::schema::{sign_in_links, sign_in_steps, web_sessions};
use crate::stored_time::StoredTimestamp;
use crate::{DbConn, OfficerId, SeekerId, StoreError, UserId};

/// Keeps a new sign-in link for `seeker` until `expires_at`.
pub fn put_sign_in_link(
    conn: &mut DbConn,
    token_hash: &str,
    seeker: SeekerId,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(sign_in_links::table)
        .values((
            sign_in_links::token_hash.eq(token_hash),
            sign_in_links::seeker_id.eq(seeker),
            sign_in_links::expires_at.eq(expires_at),
            sign_in_links::used_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Uses a link once: the seeker it was made for, if it exists, has not
/// expired at `at` and was not used before. Two browsers racing for one
/// link: one wins (the update is the check).
pub fn redeem_sign_in_link(
    conn: &mut DbConn,
    token_hash: &str,
    at: NaiveDateTime,
) -> Result<Option<SeekerId>, StoreError> {
    Ok(diesel::update(
        sign_in_links::table
            .filter(sign_in_links::token_hash.eq(token_hash))
            .filter(sign_in_links::used_at.is_null())
            .filter(sign_in_links::expires_at.gt(at)),
    )
    .set(sign_in_links::used_at.eq(Some(at)))
    .returning(sign_in_links::seeker_id)
    .get_result(conn)
    .optional()?)
}

/// A new browser session.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = web_sessions)]
pub struct NewWebSession<'a> {
    pub token_hash: &'a str,
    pub actor_kind: &'a str,
    pub actor_id: &'a str,
    pub claims: &'a str,
    pub csrf: &'a str,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

/// A browser session as kept.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = web_sessions)]
pub struct WebSessionRow {
    pub token_hash: String,
    #[diesel(deserialize_as = String)]
    pub actor_kind: SessionHolder,
    pub actor_id: String,
    pub claims: String,
    pub csrf: String,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub last_seen_at: NaiveDateTime,
}

pub fn open_session(conn: &mut DbConn, session: &NewWebSession<'_>) -> Result<(), StoreError> {
    diesel::insert_into(web_sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

pub fn find_session(
    conn: &mut DbConn,
    token_hash: &str,
) -> Result<Option<WebSessionRow>, StoreError> {
    Ok(web_sessions::table
        .filter(web_sessions::token_hash.eq(token_hash))
        .select(WebSessionRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Records that the session was used at `at`.
pub fn touch_session(
    conn: &mut DbConn,
    token_hash: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(web_sessions::table.filter(web_sessions::token_hash.eq(token_hash)))
        .set(web_sessions::last_seen_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Ends one session (signing out of this browser).
pub fn close_session(conn: &mut DbConn, token_hash: &str) -> Result<(), StoreError> {
    diesel::delete(web_sessions::table.filter(web_sessions::token_hash.eq(token_hash)))
        .execute(conn)?;
    Ok(())
}

/// Ends every session of one principal (signing out everywhere).
pub fn close_sessions_of(
    conn: &mut DbConn,
    actor_kind: SessionHolder,
    actor_id: &str,
) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        web_sessions::table
            .filter(web_sessions::actor_kind.eq(actor_kind.as_str()))
            .filter(web_sessions::actor_id.eq(actor_id)),
    )
    .execute(conn)?)
}

/// Deletes sessions idle since `idle_before` or opened before
/// `opened_before`, and sign-in links expired before `at`.
pub fn sweep(
    conn: &mut DbConn,
    idle_before: NaiveDateTime,
    opened_before: NaiveDateTime,
    at: NaiveDateTime,
) -> Result<usize, StoreError> {
    let sessions = diesel::delete(
        web_sessions::table.filter(
            web_sessions::last_seen_at
                .lt(idle_before)
                .or(web_sessions::created_at.lt(opened_before)),
        ),
    )
    .execute(conn)?;
    let links = diesel::delete(sign_in_links::table.filter(sign_in_links::expires_at.lt(at)))
        .execute(conn)?;
    let steps = diesel::delete(sign_in_steps::table.filter(sign_in_steps::expires_at.lt(at)))
        .execute(conn)?;
    Ok(sessions + links + steps)
}

/// A sign-in waiting for its one-time code.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sign_in_steps)]
pub struct SignInStepRow {
    pub token_hash: String,
    pub user_id: Option<UserId>,
    pub officer_id: Option<OfficerId>,
    /// For an administrator setting up their app: the new secret, sealed.
    pub enrol_secret: Option<String>,
    pub failures: i32,
    #[diesel(deserialize_as = StoredTimestamp)]
    pub expires_at: NaiveDateTime,
}

impl SignInStepRow {
    /// Whose sign-in this is.
    pub fn person(&self) -> Option<PersonId> {
        match (self.user_id, self.officer_id) {
            (Some(u), None) => Some(PersonId::User(u)),
            (None, Some(o)) => Some(PersonId::Officer(o)),
            _ => None,
        }
    }
}

/// Keeps a half-done sign-in until `expires_at`.
pub fn put_sign_in_step(
    conn: &mut DbConn,
    token_hash: &str,
    who: PersonId,
    enrol_secret: Option<&str>,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    let (user, officer) = match who {
        PersonId::User(u) => (Some(u), None),
        PersonId::Officer(o) => (None, Some(o)),
    };
    diesel::insert_into(sign_in_steps::table)
        .values((
            sign_in_steps::token_hash.eq(token_hash),
            sign_in_steps::user_id.eq(user),
            sign_in_steps::officer_id.eq(officer),
            sign_in_steps::enrol_secret.eq(enrol_secret),
            sign_in_steps::failures.eq(0),
            sign_in_steps::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A half-done sign-in that has not expired at `at`.
pub fn find_sign_in_step(
    conn: &mut DbConn,
    token_hash: &str,
    at: NaiveDateTime,
) -> Result<Option<SignInStepRow>, StoreError> {
    Ok(sign_in_steps::table
        .filter(sign_in_steps::token_hash.eq(token_hash))
        .filter(sign_in_steps::expires_at.gt(at))
        .select(SignInStepRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Counts a wrong code against a half-done sign-in.
pub fn step_failed(conn: &mut DbConn, token_hash: &str) -> Result<(), StoreError> {
    diesel::update(sign_in_steps::table.filter(sign_in_steps::token_hash.eq(token_hash)))
        .set(sign_in_steps::failures.eq(sign_in_steps::failures + 1))
        .execute(conn)?;
    Ok(())
}

/// Ends a half-done sign-in (done, or given up).
pub fn drop_sign_in_step(conn: &mut DbConn, token_hash: &str) -> Result<(), StoreError> {
    diesel::delete(sign_in_steps::table.filter(sign_in_steps::token_hash.eq(token_hash)))
        .execute(conn)?;
    Ok(())
}
