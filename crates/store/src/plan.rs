//! Queries PostgreSQL must plan for the values of each call.
//!
//! diesel keeps a named prepared statement per query text. After five runs
//! PostgreSQL may switch such a statement to one generic plan, costed
//! without the values; for a profile search that walks one prefecture's or
//! one occupation's seekers newest first, the cheap plan depends on how many
//! seekers have that value, and the generic one measured 30 times slower
//! (a hash join over all of an occupation's rows, then a sort, where the
//! walk reads one page; docs/benchmarks.md). Wrapped in [`PlannedPerCall`],
//! a query goes to PostgreSQL as an unnamed statement, which it plans with
//! the values bound. SQLite's planner does not look at bound values, so it
//! keeps its cached statement.

use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{Connection, QueryResult, RunQueryDsl};

use crate::DbConn;

type MultiBackend = <DbConn as Connection>::Backend;

/// `query`, planned by PostgreSQL for each call's values (see the module).
pub(crate) struct PlannedPerCall<Q>(pub Q);

impl<Q: Query> Query for PlannedPerCall<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> QueryId for PlannedPerCall<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: QueryFragment<MultiBackend>> QueryFragment<MultiBackend> for PlannedPerCall<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        if matches!(out.backend(), MultiBackend::Postgresql(_)) {
            out.unsafe_to_cache_prepared();
        }
        self.0.walk_ast(out)
    }
}

impl<Q> RunQueryDsl<DbConn> for PlannedPerCall<Q> {}

#[cfg(test)]
mod tests {
    use diesel::query_builder::QueryFragment;
    use diesel::{ExpressionMethods, QueryDsl, QueryResult};

    use super::{MultiBackend, PlannedPerCall};
    use crate::schema::seekers;

    fn cacheable(backend: MultiBackend) -> QueryResult<bool> {
        let q = PlannedPerCall(seekers::table.filter(seekers::id.eq(1)).select(seekers::id));
        q.is_safe_to_cache_prepared(&backend)
    }

    #[test]
    fn postgresql_plans_each_call_and_sqlite_keeps_its_statement() {
        assert!(!cacheable(MultiBackend::Postgresql(Default::default())).unwrap());
        assert!(cacheable(MultiBackend::Sqlite(Default::default())).unwrap());
    }
}
