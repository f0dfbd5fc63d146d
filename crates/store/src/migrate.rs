//! Embedded migrations, one tree per backend with the same names in both
//! (`migrations/postgres`, `migrations/sqlite`), applied at start-up and by
//! `kyushoku migrate`.

use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::{Db, DbConn, StoreError};

const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

impl Db {
    /// Applies every pending migration, then loads the shipped reference code
    /// lists if the tables are still empty. Returns the names applied.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        self.run(|conn| {
            let applied = run_pending(conn)?;
            crate::reference::seed_if_empty(conn)?;
            let today = chrono::Utc::now().date_naive();
            crate::audit::ensure_partitions(conn, today, 2)?;
            Ok(applied)
        })
    }
}

/// An arbitrary constant naming kyushoku's migration lock on PostgreSQL.
const MIGRATION_LOCK: i64 = 0x6b79_7573_686f_6b75; // "kyushoku"

fn run_pending(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let versions = match conn {
        DbConn::Postgresql(c) => {
            // Many instances may start at once: one migrates, the others
            // wait for it and then find nothing pending.
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES)
                .map(|v| v.into_iter().map(|v| v.to_string()).collect::<Vec<_>>());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            result
        }
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map(|v| v.into_iter().map(|v| v.to_string()).collect()),
    }
    .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;
    use diesel::{QueryableByName, RunQueryDsl};

    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = Text)]
        name: String,
    }

    /// A fresh database's migrations leave no table with the statistics of
    /// an empty one: with those (and autovacuum off) the first plans, the
    /// foreign-key checks' among them, scan whole tables for as long as
    /// each connection lives, where a table never analysed is assumed to
    /// have some size.
    #[test]
    fn a_fresh_database_has_no_table_analysed_empty() {
        crate::testing::on_fresh_postgres("unanalysed", |db| {
            db.migrate().unwrap();
            let analysed_empty: Vec<String> = db
                .run(|c| {
                    Ok(diesel::sql_query(
                        "SELECT c.relname AS name FROM pg_class c \
                         JOIN pg_namespace n ON n.oid = c.relnamespace \
                         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.reltuples = 0",
                    )
                    .load::<Table>(c)?)
                })
                .unwrap()
                .into_iter()
                .map(|t| t.name)
                .collect();
            assert!(analysed_empty.is_empty(), "{analysed_empty:?}");
        });
    }
}
