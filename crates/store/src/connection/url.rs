//! Which backend a `DATABASE_URL` names, the libpq parameters the service
//! adds unless the URL sets them, and redaction for logs.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::StoreError;

use super::*;

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgresql",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// libpq parameters that bound how long a dead network can hold a thread:
/// connecting (seconds), and keepalive probes on idle and busy sockets.
const PG_NETWORK_BOUNDS: [(&str, &str); 4] = [
    ("connect_timeout", "5"),
    ("keepalives_idle", "30"),
    ("keepalives_interval", "10"),
    ("keepalives_count", "3"),
];

/// A session default for every connection: no parallel workers. The service's
/// queries are short, and many run at once; a worker pool started for one
/// (PostgreSQL's guess for a rare keyword is 0.5 % of all seekers) costs more
/// than the query: a keyword-and-prefecture search at national scale took
/// 35 ms with two workers and 7 ms without (docs/benchmarks.md). A URL that
/// sets `options` keeps its own.
const PG_SESSION_DEFAULTS: [(&str, &str); 1] =
    [("options", "-c%20max_parallel_workers_per_gather%3D0")];

/// The URL with the libpq parameters above added, except those it sets.
fn with_libpq_defaults(url: &str) -> String {
    let mut out = url.to_owned();
    for (name, value) in PG_NETWORK_BOUNDS.iter().chain(&PG_SESSION_DEFAULTS) {
        let present = url
            .split_once('?')
            .is_some_and(|(_, q)| q.split('&').any(|kv| kv.split('=').next() == Some(name)));
        if !present {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{name}={value}"));
        }
    }
    out
}

/// A parsed `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `postgres://…` or `postgresql://…`, passed to libpq with bounded
    /// connect time and TCP keepalives added unless the URL sets them, so a
    /// vanished server is noticed instead of hanging a thread, and no
    /// parallel workers unless it sets `options`.
    Postgres(String),
    /// `sqlite://PATH` or `sqlite:PATH`; the file is created when missing.
    Sqlite(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(with_libpq_defaults(url)));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"));
        match path {
            // An in-memory database would be a different empty database on
            // every pooled connection: refuse it rather than surprise.
            Some(p) if !p.is_empty() && !p.contains(":memory:") => Ok(Self::Sqlite(p.to_owned())),
            _ => Err(StoreError::UnknownScheme(redact(url))),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Postgres(_) => Backend::Postgres,
            Self::Sqlite(_) => Backend::Sqlite,
        }
    }

    pub(super) fn connect(&self) -> Result<DbConn, StoreError> {
        match self {
            Self::Postgres(url) => {
                keep_openssl_until_exit();
                PgConnection::establish(url)
                    .map(DbConn::Postgresql)
                    .map_err(|e| StoreError::Connect {
                        backend: "postgresql",
                        cause: e.to_string(),
                    })
            }
            Self::Sqlite(path) => {
                configure_sqlite_once();
                let mut conn =
                    SqliteConnection::establish(path).map_err(|e| StoreError::Connect {
                        backend: "sqlite",
                        cause: e.to_string(),
                    })?;
                // WAL lets readers run beside the one writer; the busy timeout
                // makes a second writer wait instead of failing at once.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA busy_timeout = 5000;",
                )
                .map_err(|e| StoreError::Connect {
                    backend: "sqlite",
                    cause: e.to_string(),
                })?;
                crate::keyword_index::register(&mut conn).map_err(|e| StoreError::Connect {
                    backend: "sqlite",
                    cause: e.to_string(),
                })?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}://{}:***{}", &url[..s], &userinfo[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
