//! `'active'` written into the SQL instead of bound as a parameter.
//!
//! On SQLite, `seekers` and `job_offers` have partial indexes `WHERE status
//! = 'active'` (their newest-first walks). To learn whether a query may use
//! one, SQLite compares the query's `status = ?` with the index's condition
//! using the bound value, and then compiles the statement again whenever
//! that parameter is bound anew, which diesel does on every run: every
//! profile read (whose `EXISTS` makes SQLite weigh the index) was parsed and
//! planned again, however long diesel had kept it prepared. With the value
//! in the text, the prepared statement is reused as it is
//! (`sqlite_compiles_some_bound_statements_again_on_every_run`).
//! PostgreSQL plans these queries the same either way.

use diesel::backend::Backend;
use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Text;
use diesel::QueryResult;

/// The SQL literal `'active'`, the status of a live seeker or offer, for
/// `status.eq(Active)`. A type of its own rather than a value: diesel keeps
/// a statement by its type, and a type whose text could vary would share
/// one statement between texts.
#[derive(Debug, Clone, Copy, QueryId)]
pub(crate) struct Active;

impl Expression for Active {
    type SqlType = Text;
}

impl<QS> AppearsOnTable<QS> for Active {}

impl<QS> SelectableExpression<QS> for Active {}

impl<GB> ValidGrouping<GB> for Active {
    type IsAggregate = is_aggregate::Never;
}

impl<DB: Backend> QueryFragment<DB> for Active {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("'active'");
        Ok(())
    }
}
