//! For benchmarks only, never in a default build: with the `capture-sql`
//! feature and `KYUSHOKU_CAPTURE_SQL=FILE`, every statement with its bind
//! values is appended to FILE, so `bench/` can replay the exact SQL through
//! `sqlite3` (PostgreSQL has its own statement log for that). The values
//! are data, which is why no build that serves people has this.

use std::io::Write;
use std::sync::Mutex;

use diesel::connection::{Instrumentation, InstrumentationEvent};

struct ToFile(&'static Mutex<std::fs::File>);

impl Instrumentation for ToFile {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        let mut f = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                let _ = writeln!(f, "{}", query.to_string().replace('\n', " "));
            }
            // A statement diesel keeps compiled (prepared, on
            // PostgreSQL) from now on: the ones never marked so are
            // compiled again at every call.
            InstrumentationEvent::CacheQuery { sql, .. } => {
                let _ = writeln!(f, "-- kept compiled: {}", sql.replace('\n', " "));
            }
            _ => {}
        }
    }
}

pub(super) fn install(conn: &mut super::DbConn) {
    use diesel::Connection;
    static FILE: std::sync::OnceLock<Option<Mutex<std::fs::File>>> = std::sync::OnceLock::new();
    let file = FILE.get_or_init(|| {
        let path = std::env::var_os("KYUSHOKU_CAPTURE_SQL")?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(Mutex::new(f))
    });
    if let Some(f) = file {
        conn.set_instrumentation(ToFile(f));
    }
}
