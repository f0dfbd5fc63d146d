//! What the store's own tests share: the PostgreSQL server they may use,
//! and a fresh database on it for one test.

use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::{Db, OrganisationId, PoolOptions};

/// The PostgreSQL server the tests may use (`KYUSHOKU_TEST_POSTGRES_URL`);
/// unset, the PostgreSQL tests skip, except under CI, where that fails.
pub(crate) fn postgres_url() -> Option<String> {
    match std::env::var("KYUSHOKU_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var_os("CI").is_some() => {
            panic!("KYUSHOKU_TEST_POSTGRES_URL must be set under CI")
        }
        _ => {
            crate::test_support::skip_notice("KYUSHOKU_TEST_POSTGRES_URL");
            None
        }
    }
}

/// Runs `test` on a pool over a database of its own, created for it on the
/// test server and dropped afterwards, whether the test passed or not; or
/// skips it where no server is set (see [`postgres_url`]).
pub(crate) fn on_fresh_postgres(label: &str, test: impl FnOnce(&Db)) {
    let Some(admin_url) = postgres_url() else {
        return;
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

/// The statements a connection ran and those diesel kept compiled
/// (prepared, on PostgreSQL), by text without values, as diesel's
/// instrumentation reports them from [`record_statements`] on.
#[derive(Debug, Default)]
pub(crate) struct Statements {
    pub ran: Vec<String>,
    pub kept: Vec<String>,
}

impl Statements {
    /// How many times statements starting with `prefix` ran, and how many
    /// of those texts diesel kept compiled.
    pub fn ran_and_kept(&self, prefix: &str) -> (usize, usize) {
        let ran = self.ran.iter().filter(|s| s.starts_with(prefix)).count();
        let kept = self.kept.iter().filter(|s| s.starts_with(prefix)).count();
        (ran, kept)
    }
}

/// Records what `conn` runs from now on (see [`Statements`]).
pub(crate) fn record_statements(
    conn: &mut crate::DbConn,
) -> std::sync::Arc<std::sync::Mutex<Statements>> {
    use diesel::connection::InstrumentationEvent;

    let seen = std::sync::Arc::new(std::sync::Mutex::new(Statements::default()));
    let log = seen.clone();
    conn.set_instrumentation(move |e: InstrumentationEvent<'_>| {
        let mut log = log.lock().unwrap();
        match e {
            InstrumentationEvent::StartQuery { query, .. } => {
                let text = query.to_string();
                let sql = text.split(" -- binds: ").next().unwrap_or_default();
                log.ran.push(sql.to_owned());
            }
            InstrumentationEvent::CacheQuery { sql, .. } => log.kept.push(sql.to_owned()),
            _ => {}
        }
    });
    seen
}

/// An approved organisation with these grants (public sector).
pub(crate) fn approved(db: &Db, n: u32, seeker_info: bool, job_offers: bool) -> OrganisationId {
    use crate::organisations::{self, Grant, NewOrganisation, NewUser, StatusChange};
    use kyushoku_domain::{OrganisationStatus, PrefectureCode, Sector};
    let at = crate::now();
    let org = NewOrganisation {
        public_id: format!("org-{n}"),
        name: format!("窓口{n}"),
        kind: kyushoku_domain::OrganisationKind::Municipality,
        prefecture: PrefectureCode::parse("13").unwrap(),
        municipality: None,
        licence_number: None,
        requests_seeker_info: true,
        requests_job_offers: true,
        status: OrganisationStatus::Pending,
        created_at: at,
        updated_at: at,
        eligibility: Default::default(),
        co_applicants: Vec::new(),
    };
    let admin = NewUser {
        public_id: format!("user-{n}"),
        email: format!("admin{n}@example.jp"),
        password_hash: "not a hash".into(),
        role: kyushoku_domain::StaffRole::Admin,
        co_applicant: None,
    };
    let approve = StatusChange {
        from_status: OrganisationStatus::Pending,
        to_status: OrganisationStatus::Approved,
        grant: Some(Grant {
            seeker_info,
            job_offers,
            sector: Sector::Public,
        }),
        bump_epoch: false,
    };
    db.run(|c| {
        let id = organisations::create_application(c, &org, &admin)?.id;
        organisations::change_status(c, id, &approve)?;
        Ok(id)
    })
    .unwrap()
}
