//! Connections and the pool: one `DbConn` enum over PostgreSQL and SQLite,
//! chosen by the scheme of `DATABASE_URL`, behind an r2d2 pool.
//!
//! Use [`Db::connect`] once at start-up and clone the [`Db`] into handlers;
//! run each unit of work in one [`Db::run`] call (inside `web::block` in the
//! API), never holding a connection across an `.await`.
//!
//! - `url`: which backend a URL names, libpq's defaults, redaction;
//! - `pool`: the manager, the pool, its breaker and health checks;
//! - `tuning`: process-wide settings of the drivers (OpenSSL, SQLite);
//! - `capture`: the bench-only statement capture (`capture-sql`).

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

#[cfg(feature = "capture-sql")]
mod capture;
mod pool;
mod tuning;
mod url;

pub use pool::{Db, PoolOptions};
pub(crate) use tuning::configure_sqlite_once;
pub use tuning::keep_openssl_until_exit;
pub use url::{redact, Backend, DatabaseUrl};

/// A connection to either backend. Queries written against it run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs the same diesel code on whichever connection `conn` holds, for the
/// few statements the multi-connection cannot express (batch inserts,
/// `ON CONFLICT`, `RETURNING` of whole rows).
///
/// ```ignore
/// per_backend!(conn, c => diesel::insert_into(t::table).values(&rows).execute(c))
/// ```
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::DbConn::Postgresql($c) => $body,
            $crate::DbConn::Sqlite($c) => $body,
        }
    };
}

impl DbConn {
    /// Runs `f` in a transaction that writes. On SQLite it begins with
    /// `BEGIN IMMEDIATE`, so the write lock is taken before the first read:
    /// a deferred transaction that reads and then writes cannot upgrade its
    /// lock while another writer holds it, and SQLite then fails it at once
    /// with "database is locked" instead of waiting. Writers of this process
    /// also queue on [`SQLITE_WRITER`] first, so they take turns at once
    /// instead of polling in SQLite's busy handler (which sleeps up to
    /// 100 ms between tries). PostgreSQL needs no such care. Inside another
    /// write transaction it is a savepoint, as `transaction` is.
    pub fn write_transaction<T, E>(
        &mut self,
        f: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        type Manager = <DbConn as Connection>::TransactionManager;
        if !matches!(self, DbConn::Sqlite(_)) || WRITING.get() {
            return self.transaction(f);
        }
        let _turn = SQLITE_WRITER.lock().unwrap_or_else(|e| e.into_inner());
        WRITING.set(true);
        let _done = Writing;
        let DbConn::Sqlite(sqlite) = self else {
            unreachable!("matched above")
        };
        match AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
            Ok(()) => {}
            Err(diesel::result::Error::AlreadyInTransaction) => return self.transaction(f),
            Err(e) => return Err(e.into()),
        }
        // From here on as diesel's own `transaction`, whose begin we replaced.
        match f(self) {
            Ok(value) => {
                Manager::commit_transaction(self)?;
                Ok(value)
            }
            Err(error) => match Manager::rollback_transaction(self) {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
                Err(rollback) => Err(rollback.into()),
            },
        }
    }
}

/// The turn of this process's SQLite writers (see
/// [`DbConn::write_transaction`]). One per process: a deployment has one
/// SQLite database (tests with several only take turns more often).
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

thread_local! {
    /// This thread holds [`SQLITE_WRITER`]: a nested write transaction is a
    /// savepoint and must not queue again.
    static WRITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Clears [`WRITING`] however the transaction ends.
struct Writing;

impl Drop for Writing {
    fn drop(&mut self) {
        WRITING.set(false);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::pool::Pooled;
    use super::*;
    use crate::StoreError;

    #[test]
    fn scheme_selects_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://kyushoku.db").unwrap(),
            DatabaseUrl::Sqlite("kyushoku.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/k.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/k.db".into())
        );
    }

    #[test]
    fn postgres_urls_get_network_bounds_unless_set() {
        let DatabaseUrl::Postgres(u) = DatabaseUrl::parse("postgres://u@h/db").unwrap() else {
            panic!()
        };
        assert_eq!(
            u,
            "postgres://u@h/db?connect_timeout=5&keepalives_idle=30&keepalives_interval=10&keepalives_count=3&options=-c%20max_parallel_workers_per_gather%3D0"
        );
        let DatabaseUrl::Postgres(u) =
            DatabaseUrl::parse("postgres://u@h/db?sslmode=require&connect_timeout=2").unwrap()
        else {
            panic!()
        };
        assert!(
            u.starts_with("postgres://u@h/db?sslmode=require&connect_timeout=2&keepalives_idle=30")
        );
        assert_eq!(u.matches("connect_timeout").count(), 1);
        let DatabaseUrl::Postgres(u) =
            DatabaseUrl::parse("postgres://u@h/db?options=-c%20work_mem%3D64MB").unwrap()
        else {
            panic!()
        };
        assert!(!u.contains("max_parallel_workers_per_gather"), "{u}");
    }

    #[test]
    fn postgresql_sessions_start_without_parallel_workers() {
        let Some(url) = crate::testing::postgres_url() else {
            return;
        };
        let db = Db::connect(&url, &PoolOptions::default()).unwrap();
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            max_parallel_workers_per_gather: String,
        }
        let v = db
            .run(|c| {
                Ok(diesel::sql_query("SHOW max_parallel_workers_per_gather")
                    .get_result::<Row>(c)?
                    .max_parallel_workers_per_gather)
            })
            .unwrap();
        assert_eq!(v, "0");
    }

    /// A connection whose last unit of work succeeded moments ago leaves the
    /// pool without a `SELECT 1`; one idle for longer, or whose last unit of
    /// work failed, is tested first and, its session gone, replaced before
    /// anyone uses it.
    #[test]
    fn only_idle_or_failed_connections_are_tested_at_checkout() {
        let Some(url) = crate::testing::postgres_url() else {
            return;
        };
        #[derive(QueryableByName)]
        struct Pid {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            pid: i32,
        }
        fn backend_pid(db: &Db) -> Result<i32, StoreError> {
            db.run(|c| {
                Ok(diesel::sql_query("SELECT pg_backend_pid() AS pid")
                    .get_result::<Pid>(c)?
                    .pid)
            })
        }
        let one = PoolOptions {
            max_size: 1,
            ..PoolOptions::default()
        };
        let pool = || Db::connect(&url, &one).unwrap();
        let killer = pool();
        // Ends the session and waits until it has ended.
        let terminate = |pid: i32| {
            let sql = format!("SELECT pg_terminate_backend({pid}, 5000)");
            killer.run(|c| Ok(c.batch_execute(&sql)?)).unwrap()
        };

        // Worked just now: taken as it is, so its next user finds the
        // session gone (an unavailable database: 503, and the breaker).
        let db = pool();
        terminate(backend_pid(&db).unwrap());
        let lost = backend_pid(&db).unwrap_err();
        assert!(lost.is_unavailable(), "{lost}");

        // Its last unit of work failed (without touching the database):
        // tested, and the dead session replaced.
        let db = pool();
        let before = backend_pid(&db).unwrap();
        terminate(before);
        let refused = db.run(|_| Err::<(), _>(StoreError::Migration("refused".into())));
        assert!(refused.is_err());
        assert_ne!(backend_pid(&db).unwrap(), before);

        // Idle past the trust window: tested, and replaced.
        let db = pool();
        let before = backend_pid(&db).unwrap();
        terminate(before);
        std::thread::sleep(Pooled::TRUSTED_FOR + Duration::from_millis(200));
        assert_ne!(backend_pid(&db).unwrap(), before);
    }

    #[test]
    fn unknown_schemes_are_refused_not_turned_into_files() {
        for bad in [
            "postgress://h/db",
            "mysql://h/db",
            "kyushoku.db",
            "",
            "sqlite://",
            "sqlite::memory:",
        ] {
            assert!(
                matches!(DatabaseUrl::parse(bad), Err(StoreError::UnknownScheme(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn passwords_are_redacted_in_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        let err = DatabaseUrl::parse("pg://u:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn unreachable_postgres_names_the_cause() {
        let err = Db::connect(
            "postgres://nobody@127.0.0.1:1/none",
            &PoolOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("cannot connect to postgresql:"), "{err}");
        assert!(err.to_lowercase().contains("refused"), "{err}");
    }

    #[test]
    fn sqlite_runs_multi_threaded_without_memory_statistics() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, &PoolOptions::default()).unwrap();
        db.run(|c| Ok(c.batch_execute("CREATE TABLE t (x TEXT)")?))
            .unwrap();
        assert_eq!(tuning::SQLITE_CONFIGURED.get(), Some(&(0, 0)));
        // With the statistics off SQLite counts nothing. SAFETY: a plain
        // read of a counter, allowed in any mode.
        assert_eq!(unsafe { libsqlite3_sys::sqlite3_memory_used() }, 0);
    }

    /// Why a row is read with `get_result` rather than `first` (the crate's
    /// documentation) and `status = 'active'` is written out (`literal`):
    /// SQLite compiles a statement with a bound LIMIT, or a bound status
    /// beside a partial index on it, again at every run; one without none.
    #[test]
    fn sqlite_compiles_some_bound_statements_again_on_every_run() {
        use libsqlite3_sys as ffi;
        use std::ffi::CString;
        use std::ptr::null_mut;

        // Before this process's first connection (see the test above).
        configure_sqlite_once();
        // SAFETY: one connection of this thread, statements finalized
        // before it is closed; every pointer comes from SQLite itself.
        unsafe {
            let mut db = null_mut();
            let name = CString::new(":memory:").unwrap();
            assert_eq!(ffi::sqlite3_open(name.as_ptr(), &mut db), ffi::SQLITE_OK);
            let schema = CString::new(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, status TEXT, x TEXT);
                 CREATE INDEX t_live ON t (x) WHERE status = 'active';
                 CREATE TABLE o (id INTEGER PRIMARY KEY);
                 INSERT INTO t VALUES (1, 'active', 'a'); INSERT INTO o VALUES (1);",
            )
            .unwrap();
            let ok = ffi::sqlite3_exec(db, schema.as_ptr(), None, null_mut(), null_mut());
            assert_eq!(ok, ffi::SQLITE_OK);
            let recompiled = |sql: &str| {
                let sql = CString::new(sql).unwrap();
                let mut stmt = null_mut();
                let flags = ffi::SQLITE_PREPARE_PERSISTENT;
                let ok =
                    ffi::sqlite3_prepare_v3(db, sql.as_ptr(), -1, flags, &mut stmt, null_mut());
                assert_eq!(ok, ffi::SQLITE_OK);
                let active = CString::new("active").unwrap();
                for _ in 0..3 {
                    ffi::sqlite3_bind_int64(stmt, 1, 1);
                    ffi::sqlite3_bind_text(stmt, 2, active.as_ptr(), -1, None);
                    assert_eq!(ffi::sqlite3_step(stmt), ffi::SQLITE_ROW);
                    ffi::sqlite3_reset(stmt);
                }
                let n = ffi::sqlite3_stmt_status(stmt, ffi::SQLITE_STMTSTATUS_REPREPARE, 0);
                ffi::sqlite3_finalize(stmt);
                n
            };
            let exists = "EXISTS (SELECT o.id FROM o WHERE o.id = ?1)";
            assert_eq!(recompiled("SELECT x FROM t WHERE id = ?1 LIMIT ?1"), 3);
            assert_eq!(recompiled("SELECT x FROM t WHERE id = ?1"), 0);
            let bound = format!("SELECT x FROM t WHERE id = ?1 AND status = ?2 AND {exists}");
            assert_eq!(recompiled(&bound), 3);
            let written = format!(
                "SELECT x FROM t WHERE id = ?1 AND status = 'active' AND {exists} AND ?2 IS NOT NULL"
            );
            assert_eq!(recompiled(&written), 0);
            ffi::sqlite3_close(db);
        }
    }

    #[test]
    fn sqlite_runs_with_wal_foreign_keys_and_busy_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, &PoolOptions::default()).unwrap();
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        let read = |sql: &str| {
            db.run(|c| Ok(diesel::sql_query(sql).get_result::<Row>(c)?.v))
                .unwrap()
        };
        assert_eq!(
            read("SELECT CAST(journal_mode AS TEXT) AS v FROM pragma_journal_mode"),
            "wal"
        );
        assert_eq!(
            read("SELECT CAST(foreign_keys AS TEXT) AS v FROM pragma_foreign_keys"),
            "1"
        );
        assert_eq!(
            read("SELECT CAST(timeout AS TEXT) AS v FROM pragma_busy_timeout"),
            "5000"
        );
    }
}
