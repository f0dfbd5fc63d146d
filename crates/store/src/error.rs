//! The store's one error type. Handlers map it to problem+json in the API
//! crate: `NotFound` never comes from here (queries use `.optional()` and the
//! caller decides), so a database failure can never turn into a 404.

/// Anything that went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `DATABASE_URL` has a scheme we do not serve. Refusing it keeps a typo
    /// (`postgress://…`) from silently creating an empty SQLite file.
    #[error("unsupported DATABASE_URL scheme in {0:?}: use postgres://… or sqlite://PATH")]
    UnknownScheme(String),
    /// The first connection could not be made; the cause is the driver's own.
    #[error("cannot connect to {backend}: {cause}")]
    Connect {
        backend: &'static str,
        cause: String,
    },
    /// No pooled connection within the pool's timeout (database down or saturated).
    #[error("database unavailable: {0}")]
    Unavailable(#[from] r2d2::Error),
    /// The database failed moments ago and no healthy connection is idle:
    /// refused at once rather than queued behind the pool's timeout.
    #[error("database unavailable: it failed {0} ms ago; retrying shortly")]
    RecentlyDown(u64),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("reference data: {0}")]
    ReferenceData(String),
    /// A unique value (named) is already taken.
    #[error("{0} is already taken")]
    Conflict(&'static str),
}

impl StoreError {
    /// Maps a unique violation to `Conflict(what)`, anything else to `Query`.
    pub fn conflict_on_unique(e: diesel::result::Error, what: &'static str) -> Self {
        match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => StoreError::Conflict(what),
            other => StoreError::Query(other),
        }
    }

    /// True when the failure is about reaching the database rather than about
    /// the query: the API answers these with 503 instead of 500.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Unavailable(_)
                | StoreError::RecentlyDown(_)
                | StoreError::Connect { .. }
                | StoreError::Query(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::ClosedConnection,
                    _,
                ))
        )
    }
}
