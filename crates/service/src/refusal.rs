//! Why an action did not happen, typed: every use case answers one of
//! these or its outcome. R2 lives here: "not visible to you" and "does not
//! exist" are one variant, [`Refusal::NotFound`], so no caller can tell
//! them apart.

use kyushoku_store::{QueryError, StoreError};

/// A field that breaks a rule, and the rule (never the rejected value).
pub use kyushoku_domain::profile::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// R2: there is no such thing, or the caller may not see it.
    #[error("not found")]
    NotFound,
    /// The command breaks a rule of its fields.
    #[error("invalid")]
    Invalid(Vec<Invalid>),
    /// R3: the organisation wrote last; the thread waits for the seeker.
    #[error("the thread waits for the seeker")]
    AwaitsSeeker,
    /// The seeker refuses all new guidance.
    #[error("guidance refused")]
    GuidanceRefused,
    /// R13: the organisation's guidance for today is used up.
    #[error("guidance cap reached")]
    GuidanceCap { cap: i32 },
    /// R4/R5: the thread is closed for writing.
    #[error("thread closed")]
    ThreadClosed,
    /// The seeker a session was opened for is no longer registered.
    #[error("the session's seeker no longer exists")]
    SessionEnded,
    /// This caller may not do this (the resource is visible to it).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The resource's state does not allow this now.
    #[error("illegal transition: {0}")]
    IllegalTransition(String),
    /// The resource's limits do not allow this (a cap reached).
    #[error("conflict: {0}")]
    Conflict(String),
    /// What was found cannot be shown: its audit event (R9) was not
    /// written.
    #[error("not recorded: {cause}")]
    Unrecorded { unavailable: bool, cause: String },
    /// The database failed; nothing was done.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Refusal {
    pub fn invalid(field: impl Into<String>, rule: impl ToString) -> Self {
        Refusal::Invalid(vec![Invalid::new(field, rule)])
    }
}

impl From<QueryError> for Refusal {
    fn from(e: QueryError) -> Self {
        Refusal::Store(e.into())
    }
}
