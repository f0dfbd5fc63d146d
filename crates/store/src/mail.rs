//! The mail outbox and the one-use tokens mail carries.
//!
//! A letter is enqueued in the transaction of the action it tells of, so it
//! is sent only if that action committed, and is not lost if the process
//! dies before delivery. Every instance delivers: a row is claimed by a
//! conditional update of its attempt count, so two instances never send the
//! same row at once. Once delivered, a row keeps only its kind and times.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use kyushoku_domain::mail::{MailKind, TokenPurpose};

use crate::schema::{mail_outbox, mail_tokens};
use crate::{DbConn, LetterId, StoreError, UserId};

/// A letter to enqueue.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    pub kind: MailKind,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

pub fn enqueue(conn: &mut DbConn, mail: &NewMail, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::kind.eq(mail.kind.as_str()),
            mail_outbox::recipient.eq(mail.recipient),
            mail_outbox::subject.eq(mail.subject),
            mail_outbox::body.eq(mail.body),
            mail_outbox::created_at.eq(at),
            mail_outbox::next_attempt_at.eq(at),
            mail_outbox::attempts.eq(0),
        ))
        .execute(conn)?;
    Ok(())
}

/// A letter waiting for delivery.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct PendingMail {
    pub id: LetterId,
    #[diesel(deserialize_as = String)]
    pub kind: MailKind,
    pub recipient: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub attempts: i32,
}

/// Letters due at `now`, oldest first.
pub fn due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<PendingMail>, StoreError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .filter(mail_outbox::next_attempt_at.le(now))
        .order(mail_outbox::id)
        .limit(limit)
        .select(PendingMail::as_select())
        .load(conn)?)
}

/// Takes `mail` for one delivery attempt, to be retried at `retry_at` if
/// this attempt does not end in [`delivered`]. False: another instance took
/// it first.
pub fn claim(
    conn: &mut DbConn,
    mail: &PendingMail,
    retry_at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        mail_outbox::table
            .filter(mail_outbox::id.eq(mail.id))
            .filter(mail_outbox::attempts.eq(mail.attempts))
            .filter(mail_outbox::sent_at.is_null()),
    )
    .set((
        mail_outbox::attempts.eq(mail.attempts + 1),
        mail_outbox::next_attempt_at.eq(retry_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks a letter delivered and erases its address and text.
pub fn delivered(conn: &mut DbConn, id: LetterId, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::sent_at.eq(Some(at)),
            mail_outbox::recipient.eq(None::<String>),
            mail_outbox::subject.eq(None::<String>),
            mail_outbox::body.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Letters not yet delivered.
pub fn waiting(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::sent_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Stores a token's digest for `user_id`.
pub fn issue_token(
    conn: &mut DbConn,
    token_hash: &str,
    user_id: UserId,
    purpose: TokenPurpose,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(mail_tokens::table)
        .values((
            mail_tokens::token_hash.eq(token_hash),
            mail_tokens::user_id.eq(user_id),
            mail_tokens::purpose.eq(purpose.as_str()),
            mail_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Uses a token once: the user it was issued to, if it is unused, unexpired
/// and for `purpose`. Call inside the transaction that acts on it.
pub fn redeem_token(
    conn: &mut DbConn,
    token_hash: &str,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> Result<Option<UserId>, StoreError> {
    let n = diesel::update(
        mail_tokens::table
            .filter(mail_tokens::token_hash.eq(token_hash))
            .filter(mail_tokens::purpose.eq(purpose.as_str()))
            .filter(mail_tokens::used_at.is_null())
            .filter(mail_tokens::expires_at.gt(now)),
    )
    .set(mail_tokens::used_at.eq(Some(now)))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(
        mail_tokens::table
            .find(token_hash)
            .select(mail_tokens::user_id)
            .get_result(conn)?,
    ))
}
