//! Process-wide settings of the database drivers: OpenSSL kept until exit
//! (libpq), SQLite's threading mode.

/// libpq speaks TLS through OpenSSL, which by default frees its global state
/// in an `atexit` handler. A pool may still be opening a connection in one of
/// its threads when the process exits (r2d2 keeps an idle connection ready,
/// and retries failed ones), and that thread then takes a freed lock: a
/// segfault or "double free" at exit, about one `kyushoku admin` run in 40
/// (core dump: `OPENSSL_cleanup` in the main thread, `PQconnectPoll` in a
/// pool thread). Initialising OpenSSL first with `OPENSSL_INIT_NO_ATEXIT`
/// leaves that state for the operating system to reclaim. Called before
/// every PostgreSQL connection.
pub fn keep_openssl_until_exit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // libpq-dev depends on libssl-dev: libcrypto is there wherever libpq is.
        #[link(name = "crypto")]
        extern "C" {
            fn OPENSSL_init_crypto(opts: u64, settings: *const std::ffi::c_void)
                -> std::ffi::c_int;
        }
        const OPENSSL_INIT_NO_ATEXIT: u64 = 0x0008_0000;
        // SAFETY: OPENSSL_init_crypto is thread-safe, takes a flag word and
        // an optional settings pointer (null: defaults), and keeps nothing
        // of ours.
        let ok = unsafe { OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, std::ptr::null()) };
        if ok != 1 {
            tracing::warn!("OpenSSL initialisation failed; libpq will try again itself");
        }
    });
}

/// What `sqlite3_config` answered for the threading mode and the memory
/// statistics (`SQLITE_OK` is 0), for the test below.
pub(super) static SQLITE_CONFIGURED: std::sync::OnceLock<(i32, i32)> = std::sync::OnceLock::new();

/// The bundled SQLite is built serialized: every call on a connection takes
/// that connection's mutex, and every allocation a process-wide one for its
/// memory statistics. Neither is needed here: a pooled connection is used by
/// one thread at a time (diesel's connection is not `Sync`), and nothing
/// reads the statistics. Multi-thread mode without them served reads about
/// a quarter faster under 16 concurrent requests (docs/benchmarks.md,
/// session 6). `sqlite3_config` only works before SQLite initialises, so
/// this runs before the process's first connection; later calls do nothing.
pub(crate) fn configure_sqlite_once() {
    SQLITE_CONFIGURED.get_or_init(|| {
        use libsqlite3_sys::{sqlite3_config, SQLITE_CONFIG_MEMSTATUS, SQLITE_CONFIG_MULTITHREAD};
        // SAFETY: called once, before any other SQLite call of this process
        // (every connection is opened after it, through this function);
        // MULTITHREAD takes no argument and MEMSTATUS one int.
        let modes = unsafe {
            (
                sqlite3_config(SQLITE_CONFIG_MULTITHREAD),
                sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int),
            )
        };
        if modes != (0, 0) {
            tracing::warn!(
                ?modes,
                "SQLite kept its serialized mode (already initialised)"
            );
        }
        modes
    });
}
