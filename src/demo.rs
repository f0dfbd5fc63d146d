//! The demo dataset: who exists on a fresh `kyushoku demo`, and the
//! credentials to act as each of them. Also used by tests and benchmarks,
//! which need the same cast.
//!
//! Everything is written through the store, as the service itself would.

use std::collections::BTreeMap;

use kyushoku_api::auth::secrets::new_client_credentials;
use kyushoku_domain::credentials::hash_password;
use kyushoku_domain::{
    ClientKind, ConsentScope, MunicipalityCode, OrganisationKind, OrganisationStatus,
    PrefectureCode, RegistrationStatus, Sector, StaffRole,
};
use kyushoku_store::identity::{self, NewClient};
use kyushoku_store::organisations::{self, Grant, NewOrganisation, NewUser, StatusChange};
use kyushoku_store::{now, Db, DbConn, StoreError};
use serde::Serialize;

/// One set of credentials in the `--credentials-out` file.
#[derive(Debug, Clone, Serialize)]
pub struct DemoClient {
    pub client_id: String,
    pub client_secret: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<String>,
    /// A staff login for the same organisation, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_password: Option<String>,
}

/// Creates a machine client (`hw_system`, or `bureau` of `prefecture`) and
/// returns its credentials. The secret exists only in the answer.
pub fn create_machine_client(
    conn: &mut DbConn,
    kind: ClientKind,
    prefecture: Option<PrefectureCode>,
    name: &str,
) -> Result<DemoClient, StoreError> {
    let creds = new_client_credentials();
    identity::insert_client(
        conn,
        &NewClient {
            client_id: creds.client_id.clone(),
            secret_hash: creds.secret_hash,
            kind,
            organisation_id: None,
            prefecture,
            role: None,
            name: name.to_owned(),
            created_at: now(),
        },
    )?;
    Ok(DemoClient {
        client_id: creds.client_id,
        client_secret: creds.client_secret,
        organisation_id: None,
        admin_email: None,
        admin_password: None,
    })
}

struct DemoOrg {
    name: &'static str,
    kind: OrganisationKind,
    prefecture: &'static str,
    municipality: Option<&'static str>,
    licence: Option<&'static str>,
    email: &'static str,
    approve_as: Option<Sector>,
}

impl DemoOrg {
    fn password(&self) -> String {
        format!(
            "demo-{}-password",
            self.email.split('@').next().unwrap_or("x")
        )
    }
}

/// The machine clients of the cast: name, role, prefecture, label.
const MACHINES: [(&str, ClientKind, Option<&str>, &str); 2] = [
    (
        "hw_system",
        ClientKind::HwSystem,
        None,
        "Hello Work system (demo)",
    ),
    (
        "bureau_13",
        ClientKind::Bureau,
        Some("13"),
        "東京労働局 (demo)",
    ),
];

/// A prefecture code of the cast (written in this file, so valid).
fn cast_prefecture(code: Option<&str>) -> Option<PrefectureCode> {
    code.map(|c| PrefectureCode::parse(c).expect("the cast's prefecture codes are valid"))
}

/// The organisations of the cast, by name.
const ORGS: [(&str, DemoOrg); 4] = [
    (
        "org_public",
        DemoOrg {
            name: "新宿区 就労支援課",
            kind: OrganisationKind::Municipality,
            prefecture: "13",
            municipality: Some("131041"),
            licence: None,
            email: "shinjuku@demo.kyushoku.invalid",
            approve_as: Some(Sector::Public),
        },
    ),
    (
        "org_private",
        DemoOrg {
            name: "株式会社みらい人材 (demo)",
            kind: OrganisationKind::PaidAgency,
            prefecture: "13",
            municipality: None,
            licence: Some("13-ユ-300001"),
            email: "mirai@demo.kyushoku.invalid",
            approve_as: Some(Sector::Private),
        },
    ),
    (
        "org_refused",
        DemoOrg {
            name: "株式会社ひかりキャリア (demo)",
            kind: OrganisationKind::PaidAgency,
            prefecture: "13",
            municipality: None,
            licence: Some("13-ユ-300002"),
            email: "hikari@demo.kyushoku.invalid",
            approve_as: Some(Sector::Private),
        },
    ),
    (
        "org_pending",
        DemoOrg {
            name: "NPO法人はたらくサポート (demo)",
            kind: OrganisationKind::FreeAgency,
            prefecture: "13",
            municipality: None,
            licence: Some("13-ム-000042"),
            email: "hataraku@demo.kyushoku.invalid",
            approve_as: None,
        },
    ),
];

/// How long before today the cast's approved organisations were approved:
/// the quarter that day fell in is past its report's deadline.
pub const DEMO_APPROVED_DAYS_AGO: i64 = 200;

/// The domain every demo staff address is in.
const DEMO_DOMAIN: &str = "@demo.kyushoku.invalid";

/// The label of an organisation's demo API client.
const ORG_CLIENT: &str = "demo client";

fn create_org(conn: &mut DbConn, o: &DemoOrg) -> Result<DemoClient, StoreError> {
    let at = now();
    let password = o.password();
    let row = organisations::create_application(
        conn,
        &NewOrganisation {
            public_id: uuid::Uuid::now_v7().to_string(),
            name: o.name.to_owned(),
            kind: o.kind,
            prefecture: cast_prefecture(Some(o.prefecture))
                .expect("a cast organisation has a prefecture"),
            municipality: o.municipality.map(|m| {
                MunicipalityCode::parse(m).expect("the cast's municipality codes are valid")
            }),
            licence_number: o.licence.map(str::to_owned),
            requests_seeker_info: true,
            requests_job_offers: true,
            status: OrganisationStatus::Pending,
            created_at: at,
            updated_at: at,
            eligibility: kyushoku_store::organisations::Eligibility {
                placement: kyushoku_domain::organisation::takes_placement_mode(o.kind)
                    .then_some(kyushoku_domain::organisation::PlacementMode::SelfRun),
                regular_placements: Some(12),
            },
            co_applicants: Vec::new(),
        },
        &NewUser {
            public_id: uuid::Uuid::now_v7().to_string(),
            email: o.email.to_owned(),
            password_hash: hash_password(&password),
            role: StaffRole::Admin,
            co_applicant: None,
        },
    )?;
    if let Some(sector) = o.approve_as {
        organisations::change_status(
            conn,
            row.id,
            &StatusChange {
                from_status: OrganisationStatus::Pending,
                to_status: OrganisationStatus::Approved,
                grant: Some(Grant {
                    seeker_info: true,
                    job_offers: true,
                    sector,
                }),
                bump_epoch: false,
            },
        )?;
        // Approved long enough ago to owe quarterly usage reports, the
        // first of them overdue (issue 38).
        let approved_on = kyushoku_domain::calendar::today_in_japan()
            - chrono::Duration::days(DEMO_APPROVED_DAYS_AGO);
        kyushoku_store::terms::mark_approved(
            conn,
            row.id,
            approved_on,
            kyushoku_domain::terms::approval_ends(approved_on),
        )?;
    }
    org_client(conn, o, row.id, row.public_id)
}

/// A new admin API client for a cast organisation, with its staff login.
fn org_client(
    conn: &mut DbConn,
    o: &DemoOrg,
    organisation_id: kyushoku_store::OrganisationId,
    organisation_public_id: String,
) -> Result<DemoClient, StoreError> {
    let creds = new_client_credentials();
    identity::insert_client(
        conn,
        &NewClient {
            client_id: creds.client_id.clone(),
            secret_hash: creds.secret_hash,
            kind: ClientKind::Organisation,
            organisation_id: Some(organisation_id),
            prefecture: None,
            role: Some(StaffRole::Admin),
            name: ORG_CLIENT.into(),
            created_at: now(),
        },
    )?;
    Ok(DemoClient {
        client_id: creds.client_id,
        client_secret: creds.client_secret,
        organisation_id: Some(organisation_public_id),
        admin_email: Some(o.email.to_owned()),
        admin_password: Some(o.password()),
    })
}

/// Loads the demo cast into an empty, migrated database and returns the
/// credentials by name: `hw_system`, `bureau_13`, `org_public` (Shinjuku
/// City, approved, public), `org_private` (a paid agency, approved,
/// private), `org_refused` (another approved paid agency, which the demo
/// seeker refused), `org_pending` (a free agency awaiting its decision).
pub fn load(db: &Db) -> Result<BTreeMap<&'static str, DemoClient>, StoreError> {
    db.run(|c| {
        c.write_transaction(|c| {
            let mut out = BTreeMap::new();
            for (name, role, prefecture, label) in MACHINES {
                out.insert(
                    name,
                    create_machine_client(c, role, cast_prefecture(prefecture), label)?,
                );
            }
            for (name, o) in &ORGS {
                out.insert(*name, create_org(c, o)?);
            }
            Ok(out)
        })
    })
}

/// What a database given to `kyushoku demo` holds.
pub enum Found {
    /// Nothing: load the cast and the data.
    Empty,
    /// The cast of an earlier demo, with new credentials (the earlier ones
    /// are retired) and the seeker with threads.
    Demo(BTreeMap<&'static str, DemoClient>, Option<String>),
    /// Staff of organisations that are not the demo's: not to be touched.
    Other,
}

/// Looks at the database: empty, an earlier demo (whose cast gets new
/// credentials), or someone else's data.
pub fn reuse(db: &Db) -> Result<Found, StoreError> {
    db.run(|c| {
        c.write_transaction(|c| {
            let emails = identity::user_emails(c)?;
            if emails.is_empty() {
                return Ok(Found::Empty);
            }
            if emails.iter().any(|e| !e.ends_with(DEMO_DOMAIN)) {
                return Ok(Found::Other);
            }
            let mut out = BTreeMap::new();
            for (name, role, prefecture, label) in MACHINES {
                identity::retire_machine_clients(c, role, label)?;
                out.insert(
                    name,
                    create_machine_client(c, role, cast_prefecture(prefecture), label)?,
                );
            }
            for (name, o) in &ORGS {
                let Some(user) = identity::find_user_by_email(c, o.email)? else {
                    return Ok(Found::Other);
                };
                let Some(org) = organisations::find_by_id(c, user.organisation_id)? else {
                    return Ok(Found::Other);
                };
                for old in identity::list_clients(c, org.id)? {
                    if old.name == ORG_CLIENT {
                        identity::delete_client(c, org.id, &old.client_id)?;
                    }
                }
                out.insert(*name, org_client(c, o, org.id, org.public_id)?);
            }
            let seeker = demo_seeker(c, &seeker_refs(DEMO_SEED, DEMO_SEEKERS))?;
            Ok(Found::Demo(out, seeker.map(|s| s.seeker_ref)))
        })
    })
}

/// The seed and size of the demo's synthetic data.
pub const DEMO_SEED: u64 = 1;
pub const DEMO_SEEKERS: u64 = 3000;
pub const DEMO_OFFERS: u64 = 3000;

/// The refs `load_seekers` gives its seekers.
fn seeker_refs(seed: u64, count: u64) -> Vec<String> {
    (0..count)
        .map(|n| crate::generate::seeker_ref(seed, n))
        .collect()
}

/// The first of `refs` that both sectors may see: the demo's My Page seeker.
fn demo_seeker(
    c: &mut DbConn,
    refs: &[String],
) -> Result<Option<kyushoku_store::seekers::SeekerRow>, StoreError> {
    for r in refs {
        if let Some(row) = kyushoku_store::seekers::find_by_ref(c, r)? {
            if row.consent_scope == ConsentScope::Both && row.status == RegistrationStatus::Active {
                return Ok(Some(row));
            }
        }
    }
    Ok(None)
}

/// Loads `count` synthetic seekers through the same validation, scrubbing
/// and storage as `PUT /v1/seekers/{seeker_ref}`. Returns their refs.
pub fn load_seekers(db: &Db, count: u64, seed: u64) -> Result<Vec<String>, StoreError> {
    let today = kyushoku_domain::calendar::today_in_japan();
    let mut generator = crate::generate::SeekerGenerator::new(seed, today);
    let mut refs = Vec::with_capacity(count as usize);
    // One transaction: on PostgreSQL, one commit rather than one a seeker.
    db.run(|c| {
        c.write_transaction(|c| {
            for n in 0..count {
                let line: kyushoku_service::ingest::SeekerBatchLine =
                    serde_json::from_value(generator.seeker(n)).expect("generated lines parse");
                let (seeker_ref, request) = line.into();
                let (row, _) =
                    kyushoku_service::ingest::prepare_seeker(&seeker_ref, request, today).map_err(
                        |e| StoreError::ReferenceData(format!("generated seeker {n}: {e:?}")),
                    )?;
                kyushoku_store::seekers::upsert_in_batch(
                    c,
                    &row,
                    kyushoku_domain::ConsentChannel::HelloWork,
                    today,
                )?;
                refs.push(seeker_ref);
            }
            kyushoku_store::anonymity::settle_pending(c)?;
            Ok(refs)
        })
    })
}

/// Opens demo threads between the approved organisations and the first
/// seekers, in the states a user meets. The demo seeker has three: an
/// answered question (Shinjuku), a guidance awaiting them (the agency), and
/// one closed by their block (another agency); a second seeker has a
/// question awaiting the agency, then a block. Returns the seeker_ref whose
/// My Page shows the three.
pub fn load_threads(db: &Db, refs: &[String]) -> Result<Option<String>, StoreError> {
    use kyushoku_store::messaging::{self, OrgMessage};
    use kyushoku_store::seekers::{self, Viewer};
    let today = kyushoku_domain::calendar::today_in_japan();
    db.run(|c| {
        let mut orgs = Vec::new();
        for name in ["org_public", "org_private", "org_refused"] {
            let Some((_, o)) = ORGS.iter().find(|(n, _)| *n == name) else {
                return Ok(None);
            };
            let Some(user) = identity::find_user_by_email(c, o.email)? else {
                return Ok(None);
            };
            orgs.push(user.organisation_id);
        }
        let [public, private, refused] = orgs[..] else {
            return Ok(None);
        };
        // The first seeker both sectors may see gets all four kinds of thread.
        let Some(seeker) = demo_seeker(c, refs)? else {
            return Ok(None);
        };
        let send = |c: &mut DbConn,
                    org: kyushoku_store::OrganisationId,
                    subject: Option<&str>,
                    body: &str| {
            let m = OrgMessage {
                viewer: Viewer {
                    organisation_id: org,
                    today,
                },
                seeker_id: seeker.id,
                actor: "demo".into(),
                subject: subject.map(str::to_owned),
                body: body.to_owned(),
                day: today,
                daily_cap: 1000,
            };
            let id = uuid::Uuid::now_v7().to_string();
            let thread = uuid::Uuid::now_v7().to_string();
            messaging::send_from_organisation(c, &m, &id, &thread, |_, _| Ok(())).map(|s| match s {
                messaging::Sent::Sent {
                    thread_public_id, ..
                } => Some(thread_public_id),
                _ => None,
            })
        };
        let ask = |c: &mut DbConn, thread: &str, body: &str| {
            let id = uuid::Uuid::now_v7().to_string();
            messaging::send_from_seeker(c, seeker.id, thread, body, &id, today, |_, _| Ok(()))
                .map(|_| ())
        };
        // Shinjuku: guidance, a question, an answer (the seeker may ask again).
        if let Some(t) = send(
            c,
            public,
            Some("新宿区 就労支援のご案内"),
            "介護職の合同面接会を12月に開催します。ご興味があればお知らせください。",
        )? {
            ask(c, &t, "日程と持ち物を教えてください。")?;
            send(
                c,
                public,
                None,
                "12月10日 13時から、区役所第一分庁舎です。履歴書は不要です。",
            )?;
        }
        // The agency: guidance awaiting the seeker.
        send(
            c,
            private,
            Some("特別養護老人ホームの求人のご紹介"),
            "夜勤手当の厚い求人がございます。ご関心があればご返信ください。",
        )?;
        // Another agency: guidance the seeker refused (受信拒否), so the
        // thread is closed.
        send(
            c,
            refused,
            Some("高収入のお仕事のご案内"),
            "未経験歓迎の高収入のお仕事があります。",
        )?;
        seekers::block(c, seeker.id, refused)?;
        // A second seeker: a question awaiting the agency, then a block.
        if let Some(other) = refs
            .iter()
            .filter_map(|r| seekers::find_by_ref(c, r).ok().flatten())
            .find(|s| {
                s.id != seeker.id
                    && s.consent_scope == ConsentScope::Both
                    && s.status == RegistrationStatus::Active
            })
        {
            let m = OrgMessage {
                viewer: Viewer {
                    organisation_id: private,
                    today,
                },
                seeker_id: other.id,
                actor: "demo".into(),
                subject: Some("派遣のお仕事のご案内".into()),
                body: "短期の派遣のお仕事があります。".into(),
                day: today,
                daily_cap: 1000,
            };
            let (id, thread) = (
                uuid::Uuid::now_v7().to_string(),
                uuid::Uuid::now_v7().to_string(),
            );
            messaging::send_from_organisation(c, &m, &id, &thread, |_, _| Ok(()))?;
            seekers::block(c, other.id, private)?;
        }
        Ok(Some(seeker.seeker_ref))
    })
}

/// Loads `count` synthetic job offers through the same validation and
/// storage as `PUT /v1/job-offers/{job_number}`.
pub fn load_offers(db: &Db, count: u64, seed: u64) -> Result<(), StoreError> {
    let today = kyushoku_domain::calendar::today_in_japan();
    let mut generator = crate::generate::OfferGenerator::new(seed, today);
    db.run(|c| {
        c.write_transaction(|c| {
            for n in 0..count {
                let mut line = generator.offer(n);
                let number = line["job_number"].as_str().unwrap_or_default().to_owned();
                if let Some(o) = line.as_object_mut() {
                    o.remove("job_number");
                }
                let offer: kyushoku_domain::offer::JobOffer = serde_json::from_value(line)
                    .map_err(|e| StoreError::ReferenceData(format!("generated offer {n}: {e}")))?;
                let row = kyushoku_service::ingest::prepare_offer(&number, offer, today).map_err(
                    |e| StoreError::ReferenceData(format!("generated offer {n}: {e:?}")),
                )?;
                kyushoku_store::offers::upsert(c, &row)?;
            }
            Ok(())
        })
    })
}

/// A person's sign-in for the staff pages, in the `--credentials-out`
/// file's `web.staff`.
#[derive(Debug, Clone, Serialize)]
pub struct WebStaff {
    pub email: String,
    pub password: String,
    /// The base32 key of their authenticator app, for an administrator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
}

/// The people of the pages: for each approved cast organisation with its
/// own staff (`org_public`, `org_private`), an administrator (who signs in
/// with a one-time code: their app's key is set anew at every demo start)
/// and a staff member (password only); and `bureau_13`, an officer of
/// Tokyo's labour bureau (the console; a code, set anew too). Created
/// when missing; the organisation's first administrator (the API walk's)
/// is left as it is.
pub fn web_staff(
    db: &Db,
    sealer: &kyushoku_domain::seal::Sealer,
) -> Result<BTreeMap<String, WebStaff>, anyhow::Error> {
    use kyushoku_domain::second_factor::TotpSecret;
    let out = kyushoku_service::run(db, |c| {
        c.write_transaction(|c| {
            let mut out = BTreeMap::new();
            for (name, o) in ORGS
                .iter()
                .filter(|(n, _)| ["org_public", "org_private"].contains(n))
            {
                let Some(first) = identity::find_user_by_email(c, o.email)? else {
                    continue;
                };
                let local = o.email.split('@').next().unwrap_or("x");
                for (suffix, role) in [("admin", StaffRole::Admin), ("staff", StaffRole::Staff)] {
                    let email = format!("{local}.{suffix}{DEMO_DOMAIN}");
                    let password = format!("demo-{local}-{suffix}-password");
                    if identity::find_user_by_email(c, &email)?.is_none() {
                        organisations::insert_user(
                            c,
                            first.organisation_id,
                            &NewUser {
                                public_id: uuid::Uuid::now_v7().to_string(),
                                email: email.clone(),
                                password_hash: hash_password(&password),
                                role,
                                co_applicant: None,
                            },
                        )?;
                    }
                    let user = identity::find_user_by_email(c, &email)?
                        .ok_or_else(|| StoreError::ReferenceData("a demo user vanished".into()))?;
                    let totp_secret = if role == StaffRole::Admin {
                        let secret = TotpSecret::generate();
                        kyushoku_service::staff_sign_in::set_secret(
                            c,
                            &kyushoku_service::staff_sign_in::Person::Staff(user),
                            &secret,
                            sealer,
                        )?;
                        Some(secret.base32())
                    } else {
                        None
                    };
                    out.insert(
                        format!("{name}_{suffix}"),
                        WebStaff {
                            email,
                            password,
                            totp_secret,
                        },
                    );
                }
            }
            // The bureau of Tokyo's officer (the console; always a code).
            let email = format!("officer.13{DEMO_DOMAIN}");
            let password = "demo-officer-13-password".to_owned();
            let officer = match identity::find_officer_by_email(c, &email)? {
                Some(o) => o,
                None => kyushoku_service::staff_sign_in::add_officer(
                    c,
                    &PrefectureCode::parse("13").expect("Tokyo's code"),
                    &email,
                    &hash_password(&password),
                )?,
            };
            let secret = TotpSecret::generate();
            kyushoku_service::staff_sign_in::set_secret(
                c,
                &kyushoku_service::staff_sign_in::Person::Officer(officer),
                &secret,
                sealer,
            )?;
            out.insert(
                "bureau_13".to_owned(),
                WebStaff {
                    email,
                    password,
                    totp_secret: Some(secret.base32()),
                },
            );
            Ok::<_, kyushoku_service::Refusal>(out)
        })
    })?;
    Ok(out)
}
