//! R12: the first answer to each (principal, `Idempotency-Key`), kept so that
//! a retried request gets the same answer and changes nothing.

use diesel::prelude::*;

use crate::schema::idempotency_keys;
use crate::{now, DbConn, StoreError};

/// A stored first answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    pub request_hash: String,
    pub status: i32,
    pub response: String,
}

pub fn lookup(
    conn: &mut DbConn,
    principal: &str,
    key: &str,
) -> Result<Option<Remembered>, StoreError> {
    Ok(idempotency_keys::table
        .find((principal, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::response,
        ))
        .get_result::<(String, i32, String)>(conn)
        .optional()?
        .map(|(request_hash, status, response)| Remembered {
            request_hash,
            status,
            response,
        }))
}

fn insert(
    conn: &mut DbConn,
    principal: &str,
    key: &str,
    answer: &Remembered,
) -> diesel::QueryResult<usize> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::principal.eq(principal),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(&answer.request_hash),
            idempotency_keys::status.eq(answer.status),
            idempotency_keys::response.eq(&answer.response),
            idempotency_keys::created_at.eq(now()),
        ))
        .execute(conn)
}

/// Stores the first answer inside the caller's transaction, beside the work
/// it answers: both commit or neither does. A concurrent request with the
/// same key that committed first makes this a `Conflict`, rolling the
/// caller's work back; it then replays the winner's answer.
pub fn keep(
    conn: &mut DbConn,
    principal: &str,
    key: &str,
    answer: &Remembered,
) -> Result<(), StoreError> {
    insert(conn, principal, key, answer)
        .map_err(|e| StoreError::conflict_on_unique(e, "Idempotency-Key"))?;
    Ok(())
}
