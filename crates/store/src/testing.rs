//! What the store's own tests share: the PostgreSQL server they may use,
//! and a fresh database on it for one test.

use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::{Db, PoolOptions};

/// The PostgreSQL server the tests may use (`KYUSHOKU_TEST_POSTGRES_URL`);
/// unset, the PostgreSQL tests skip, except under CI, where that fails.
pub(crate) fn postgres_url() -> Option<String> {
    match std::env::var("KYUSHOKU_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var_os("CI").is_some() => {
            panic!("KYUSHOKU_TEST_POSTGRES_URL must be set under CI")
        }
        _ => None,
    }
}

/// Runs `test` on a pool over a database of its own, created for it on the
/// test server and dropped afterwards, whether the test passed or not; or
/// skips it where no server is set (see [`postgres_url`]).
pub(crate) fn on_fresh_postgres(label: &str, test: impl FnOnce(&Db)) {
    let Some(admin_url) = postgres_url() else {
        return eprintln!("skipped: KYUSHOKU_TEST_POSTGRES_URL is not set");
    };
    crate::keep_openssl_until_exit();
    let name = format!("kyushoku_store_{label}_{}", std::process::id());
    let mut admin = PgConnection::establish(&admin_url).unwrap();
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    diesel::sql_query(&drop).execute(&mut admin).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .unwrap();
    let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
    let url = format!("{}/{name}?{query}", base.rsplit_once('/').unwrap().0);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let db = Db::connect(url.trim_end_matches('?'), &PoolOptions::default()).unwrap();
        test(&db);
    }));
    diesel::sql_query(&drop).execute(&mut admin).unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
