//! `kyushoku`: the command line. `serve` runs the service, `demo` runs it
//! with a demo dataset, `migrate` prepares a database, `openapi` prints the
//! API document, `admin …` does operator tasks.

use std::path::PathBuf;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use kyushoku::config::{CodeFiles, LogArgs, LogFormat, ServeArgs, StoreArgs};
use kyushoku::server;
use kyushoku_domain::ClientKind;
use kyushoku_store::reference::{self, ReferenceData};
use tracing_subscriber::EnvFilter;

/// 求人・求職情報提供サービス: Hello Work's job-offer and job-seeker
/// information provision service, as a REST API.
///
/// With no configuration it runs on an embedded SQLite file and no Redis.
/// Set DATABASE_URL (postgres://…) and REDIS_URL for production.
#[derive(Debug, Parser)]
#[command(name = "kyushoku", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    log: LogArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (migrating the database first).
    Serve(ServeArgs),
    /// Run the service on a demo dataset, to try the API.
    ///
    /// Without DATABASE_URL the data goes to a new SQLite file in a temporary
    /// folder, removed on exit. A database given with DATABASE_URL (SQLite
    /// or PostgreSQL) that is empty gets the demo's cast and data; one that
    /// holds an earlier demo is re-used as it is, its cast given new
    /// credentials (the earlier ones stop working); one that holds anything
    /// else is refused, untouched. The credentials of the demo clients are
    /// printed, and written as JSON with --credentials-out.
    Demo {
        #[command(flatten)]
        serve: DemoServeArgs,
        /// Write {"base_url", "clients": {…}} to this file.
        #[arg(long)]
        credentials_out: Option<PathBuf>,
        /// Also start a local webhook receiver on this address (default
        /// 127.0.0.1:8099) that prints what it gets; the demo may call it
        /// (and only it, of this machine) over http. Its URL is
        /// `webhook_echo_url` in the credentials.
        #[arg(long, num_args = 0..=1, default_missing_value = "127.0.0.1:8099", value_name = "ADDR")]
        webhook_echo: Option<std::net::SocketAddr>,
    },
    /// Apply pending database migrations and load the reference code lists
    /// if the database has none, then exit.
    Migrate(StoreArgs),
    /// Print the OpenAPI 3.1 document (what /openapi.json serves).
    Openapi,
    /// Exit 0 when the URL answers 2xx: a health check for container
    /// images that have no curl.
    Probe {
        #[arg(default_value = "http://127.0.0.1:8080/readyz")]
        url: String,
    },
    /// Print synthetic data as NDJSON batch lines (for benchmarks and trials).
    Generate {
        #[command(subcommand)]
        what: GenerateWhat,
    },
    /// Measure R14 on a generated population: the share of profiles shown
    /// generalised and withheld, the smallest group shown alike, and what
    /// filtered searches still find (Markdown, as in docs/privacy.md).
    AnonymityReport {
        #[arg(long, default_value_t = 100_000)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=1000))]
        k: i64,
    },
    /// Operator tasks.
    Admin {
        #[command(subcommand)]
        task: AdminTask,
    },
}

/// `demo` takes every serve option; without `--database-url` (or
/// `DATABASE_URL`) the demo lives in a new temporary SQLite file.
#[derive(Debug, clap::Args)]
struct DemoServeArgs {
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum GenerateWhat {
    /// Job seekers, as lines for `POST /v1/seekers/batch`.
    Seekers {
        #[arg(long, default_value_t = 1000)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Job offers, as lines for `POST /v1/job-offers/batch`.
    Offers {
        #[arg(long, default_value_t = 1000)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Organisations' applications, one `POST /v1/organisations` body a line.
    Organisations {
        #[arg(long, default_value_t = 100)]
        count: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MachineRole {
    /// The Hello Work system: ingests seekers and job offers.
    HwSystem,
    /// A prefectural labour bureau: decides on organisations of its prefecture.
    Bureau,
}

#[derive(Debug, Subcommand)]
enum AdminTask {
    /// Create an API client for the Hello Work system or a labour bureau and
    /// print its credentials as JSON. The secret is shown only this once.
    CreateClient {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, value_enum)]
        role: MachineRole,
        /// The bureau's prefecture (JIS X 0401), required for --role bureau.
        #[arg(long, required_if_eq("role", "bureau"))]
        prefecture: Option<String>,
        /// A label for people.
        #[arg(long, default_value = "created by kyushoku admin")]
        name: String,
    },
    /// Add a labour bureau's officer (the bureau's console in a browser)
    /// and print their sign-in as JSON: the password is shown only this
    /// once; the officer sets up their one-time codes at the first sign-in.
    AddOfficer {
        #[command(flatten)]
        store: StoreArgs,
        /// The bureau's prefecture (JIS X 0401).
        #[arg(long)]
        prefecture: String,
        #[arg(long)]
        email: String,
    },
    /// Expire registrations past `valid_until` and purge ended ones older
    /// than the retention period, once (the server also does it on a timer).
    Sweep {
        #[command(flatten)]
        store: StoreArgs,
        /// Days an ended registration's data is kept.
        #[arg(long, env = "KYUSHOKU_RETENTION_DAYS", default_value_t = 180)]
        retention_days: i64,
    },
    /// Add a new JWT signing key. Instances sign with the newest key and
    /// keep verifying with the older ones.
    RotateKeys {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Replace the reference code lists (after municipal mergers) with newer
    /// CSV files, in one transaction.
    LoadCodes {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        files: CodeFiles,
    },
}

fn init_logging(args: &LogArgs) {
    let filter = EnvFilter::try_new(&args.log).unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour only for a person at a terminal, and never with NO_COLOR
    // (no-color.org): log files and collectors get plain text.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    match args.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Text => builder.init(),
    }
}

/// glibc keeps freed heap blocks for reuse, and once a large block has been
/// freed it raises its threshold for giving blocks their own mapping (up to
/// 32 MiB): every later Argon2 hash (19 MiB, one per staff login or
/// registration) then comes from the heap of the thread that ran it and
/// stays resident there. A fixed threshold keeps blocks of 1 MiB and more
/// in their own mappings, given back to the system when freed: a demo that
/// took ten logins held 252 MB resident, and with this 46 MB
/// (docs/benchmarks.md, session 14).
fn give_large_blocks_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets one of the allocator's parameters; it is
    // called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> anyhow::Result<()> {
    give_large_blocks_back();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches)?;
    // Whether `demo` was given a database, rather than the serve default.
    let demo_database_given = matches
        .subcommand_matches("demo")
        .and_then(|m| m.value_source("database_url"))
        .is_some_and(|s| s != clap::parser::ValueSource::DefaultValue);
    if !matches!(
        cli.command,
        Command::Openapi
            | Command::Probe { .. }
            | Command::Generate { .. }
            | Command::AnonymityReport { .. }
    ) {
        init_logging(&cli.log);
    }
    match cli.command {
        Command::Serve(args) => {
            let running = server::start(&args).await?;
            server::give_freed_memory_back();
            server::run_until_signalled(running).await
        }
        Command::Demo {
            serve,
            credentials_out,
            webhook_echo,
        } => {
            demo(
                serve.serve,
                demo_database_given,
                credentials_out,
                webhook_echo,
            )
            .await
        }
        Command::Migrate(store) => {
            server::open_store(&store).await?;
            eprintln!("database is up to date");
            Ok(())
        }
        Command::Openapi => {
            let spec = kyushoku_api::openapi();
            println!("{}", spec.to_pretty_json()?);
            Ok(())
        }
        Command::Probe { url } => {
            let status = kyushoku::probe::get_status(&url, std::time::Duration::from_secs(3))?;
            if (200..300).contains(&status) {
                Ok(())
            } else {
                anyhow::bail!("{url} answered {status}")
            }
        }
        Command::Admin {
            task:
                AdminTask::CreateClient {
                    store,
                    role,
                    prefecture,
                    name,
                },
        } => {
            let (role, prefecture) = match role {
                MachineRole::HwSystem => {
                    anyhow::ensure!(
                        prefecture.is_none(),
                        "--prefecture goes with --role bureau only"
                    );
                    (ClientKind::HwSystem, None)
                }
                MachineRole::Bureau => {
                    let p = prefecture.unwrap_or_default();
                    let code = kyushoku_domain::PrefectureCode::parse(&p)
                        .with_context(|| format!("--prefecture {p:?}"))?;
                    (ClientKind::Bureau, Some(code))
                }
            };
            let db = server::open_store(&store).await?;
            let client = tokio::task::spawn_blocking(move || {
                db.run(|c| kyushoku::demo::create_machine_client(c, role, prefecture, &name))
            })
            .await??;
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "role": role.as_str(),
                    "client_id": client.client_id,
                    "client_secret": client.client_secret,
                }))?
            );
            Ok(())
        }
        Command::AnonymityReport { count, seed, k } => {
            let k = kyushoku_domain::anonymity::K::new(k).context("k: 1 to 1000")?;
            print!("{}", kyushoku::anonymity_report::report(count, seed, k));
            Ok(())
        }
        Command::Generate { what } => {
            use kyushoku::generate::{OfferGenerator, OrganisationGenerator, SeekerGenerator};
            use std::io::Write;
            let today = kyushoku_domain::calendar::today_in_japan();
            let (count, mut line): (u64, Box<dyn FnMut(u64) -> serde_json::Value>) = match what {
                GenerateWhat::Seekers { count, seed } => {
                    let mut g = SeekerGenerator::new(seed, today);
                    (count, Box::new(move |n| g.seeker(n)))
                }
                GenerateWhat::Offers { count, seed } => {
                    let mut g = OfferGenerator::new(seed, today);
                    (count, Box::new(move |n| g.offer(n)))
                }
                GenerateWhat::Organisations { count, seed } => {
                    let mut g = OrganisationGenerator::new(seed);
                    (count, Box::new(move |n| g.application(n)))
                }
            };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for n in 0..count {
                writeln!(out, "{}", line(n))?;
            }
            out.flush()?;
            Ok(())
        }
        Command::Admin {
            task:
                AdminTask::Sweep {
                    store,
                    retention_days,
                },
        } => {
            let db = server::open_store(&store).await?;
            let s = tokio::task::spawn_blocking(move || server::sweep_once(&db, retention_days))
                .await??;
            eprintln!("expired {}, purged {}", s.expired, s.purged);
            Ok(())
        }
        Command::Admin {
            task:
                AdminTask::AddOfficer {
                    store,
                    prefecture,
                    email,
                },
        } => {
            let prefecture = kyushoku_domain::PrefectureCode::parse(&prefecture)
                .with_context(|| format!("--prefecture {prefecture:?}"))?;
            let email = email.trim().to_lowercase();
            anyhow::ensure!(
                email.contains('@') && email.len() <= 254,
                "--email {email:?} is not an e-mail address"
            );
            let password = kyushoku_api::auth::secrets::random_token();
            let hash = kyushoku_domain::credentials::hash_password(&password);
            let db = server::open_store(&store).await?;
            let (p, e) = (prefecture.clone(), email.clone());
            tokio::task::spawn_blocking(move || {
                kyushoku_service::run(&db, |c| {
                    kyushoku_service::staff_sign_in::add_officer(c, &p, &e, &hash)
                })
            })
            .await??;
            println!(
                "{}",
                serde_json::json!({
                    "email": email, "password": password, "prefecture": prefecture.as_str(),
                    "sign_in": "/bureau/sign-in"
                })
            );
            Ok(())
        }
        Command::Admin {
            task: AdminTask::RotateKeys { store },
        } => {
            let db = server::open_store(&store).await?;
            let kid = tokio::task::spawn_blocking(move || db.run(kyushoku_api::auth::keys::rotate))
                .await??;
            eprintln!("new signing key {kid}; running instances pick it up when they meet it");
            Ok(())
        }
        Command::Admin {
            task: AdminTask::LoadCodes { store, files },
        } => {
            let lg = std::fs::read_to_string(&files.local_governments)
                .with_context(|| format!("reading {}", files.local_governments.display()))?;
            let occ = std::fs::read_to_string(&files.occupations)
                .with_context(|| format!("reading {}", files.occupations.display()))?;
            let data = ReferenceData::parse(&lg, &occ)?;
            let db = server::open_store(&store).await?;
            let counts = (
                data.prefectures.len(),
                data.municipalities.len(),
                data.occupations.len(),
            );
            tokio::task::spawn_blocking(move || db.run(|c| reference::replace(c, &data))).await??;
            eprintln!(
                "loaded {} prefectures, {} municipalities, {} occupation groups",
                counts.0, counts.1, counts.2
            );
            Ok(())
        }
    }
}

async fn demo(
    mut serve: ServeArgs,
    database_given: bool,
    credentials_out: Option<PathBuf>,
    webhook_echo: Option<std::net::SocketAddr>,
) -> anyhow::Result<()> {
    // The receiver first: the server is allowed to call it, and only it.
    let echo_url = match webhook_echo {
        Some(addr) => {
            let url = kyushoku::echo::start(addr)?;
            serve.webhook_allow_http = true;
            serve.webhook_allowed_networks.push(addr.ip().to_string());
            eprintln!("webhook echo receiver: {url} (GET /received lists what came)");
            Some(url)
        }
        None => None,
    };
    // Kept alive until the server stops, then removed.
    let temp = tempfile::tempdir()?;
    if !database_given {
        serve.store.database_url = format!("sqlite://{}", temp.path().join("demo.db").display());
    }
    let db = server::open_store(&serve.store).await?;
    let loader = db.clone();
    let (clients, demo_seeker) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        use kyushoku::demo::{self, Found};
        match demo::reuse(&loader)? {
            Found::Demo(clients, seeker) => {
                tracing::info!("re-using the demo cast and data already in this database");
                Ok((clients, seeker))
            }
            Found::Other => anyhow::bail!(
                "this database holds organisations that are not the demo's: give `demo` an \
                 empty database (or none, for a temporary SQLite file)"
            ),
            Found::Empty => {
                let started = std::time::Instant::now();
                let clients = demo::load(&loader)?;
                let cast_ms = started.elapsed().as_millis();
                let refs = demo::load_seekers(&loader, demo::DEMO_SEEKERS, demo::DEMO_SEED)?;
                let seekers_ms = started.elapsed().as_millis() - cast_ms;
                let seeker = demo::load_threads(&loader, &refs)?;
                demo::load_offers(&loader, demo::DEMO_OFFERS, demo::DEMO_SEED)?;
                tracing::info!(
                    cast_ms,
                    seekers_ms,
                    total_ms = started.elapsed().as_millis() as u64,
                    "demo data loaded"
                );
                Ok((clients, seeker))
            }
        }
    })
    .await??;
    let cluster = server::connect_shared_state(serve.redis_url.as_deref()).await?;
    let running = server::start_with(&serve, db, cluster).await?;
    // The demo seeker's profile_id as each demo organisation sees it (R10:
    // a pseudonym of its own for each), so a walk can play every side.
    let seeker_id = match demo_seeker.clone() {
        Some(r) => {
            let db = running.state.db.clone();
            tokio::task::spawn_blocking(move || {
                db.run(|c| kyushoku_store::seekers::find_by_ref(c, &r))
            })
            .await??
            .map(|s| s.id)
        }
        None => None,
    };
    let profile_ids: std::collections::BTreeMap<&str, String> = clients
        .iter()
        .filter_map(|(name, c)| {
            let org = c.organisation_id.as_deref()?;
            let pseudonyms = running.state.pseudonyms.for_organisation(org);
            Some((*name, pseudonyms.encode(seeker_id?.get())))
        })
        .collect();
    // A My Page sign-in link for the demo seeker (one use, five minutes:
    // Hello Work's system makes the next with POST …/sign-in-links).
    let sign_in_url = match demo_seeker.clone() {
        Some(r) => {
            let db = running.state.db.clone();
            let link = tokio::task::spawn_blocking(move || {
                kyushoku_service::run(&db, |c| {
                    kyushoku_service::browser::issue_sign_in_link(c, &r, kyushoku_store::now())
                })
            })
            .await??;
            Some(format!(
                "{}/my-page/sign-in/{}",
                running.base_url(),
                link.token
            ))
        }
        None => None,
    };
    // The staff pages' people (an administrator with a one-time-code app
    // key, a staff member with a password) of the two approved cast
    // organisations.
    let staff = {
        let db = running.state.db.clone();
        let sealer = running.state.sealer.clone();
        tokio::task::spawn_blocking(move || kyushoku::demo::web_staff(&db, &sealer)).await??
    };
    let credentials = serde_json::json!({
        "base_url": running.base_url(),
        "clients": clients,
        // A seeker with threads in several states, for trying My Page.
        "demo_seeker_ref": demo_seeker,
        "demo_seeker_profile_ids": profile_ids,
        "webhook_echo_url": echo_url,
        "web": {
            "my_page_sign_in_url": sign_in_url,
            "staff_sign_in_url": format!("{}/staff/sign-in", running.base_url()),
            "bureau_sign_in_url": format!("{}/bureau/sign-in", running.base_url()),
            "staff": staff,
        },
    });
    if let Some(path) = &credentials_out {
        std::fs::write(path, serde_json::to_vec_pretty(&credentials)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "kyushoku demo on {} (API reference: {}/docs/)",
        running.base_url(),
        running.base_url()
    );
    if let Some(r) = &demo_seeker {
        eprintln!(
            "demo seeker {r}: a My Page token is `POST /v1/seekers/{r}/sessions` with the hw_system token"
        );
    }
    if let Some(url) = &sign_in_url {
        eprintln!(
            "My Page in a browser (one use, 5 minutes; the next from POST /v1/seekers/{{ref}}/sign-in-links):\n  {url}"
        );
    }
    eprintln!(
        "pages for organisation staff: {0}/staff/sign-in, for the labour bureau: {0}/bureau/sign-in\n  \
         (a one-time code: any authenticator app with the key below, or `oathtool --totp -b KEY`)",
        running.base_url()
    );
    for (name, s) in &staff {
        match &s.totp_secret {
            Some(key) => eprintln!("  {name:20} {} / {}  key {key}", s.email, s.password),
            None => eprintln!("  {name:20} {} / {}", s.email, s.password),
        }
    }
    eprintln!("demo clients (client_credentials at POST /v1/auth/token):");
    for (name, c) in &clients {
        eprintln!(
            "  {name:12} client_id={} client_secret={}",
            c.client_id, c.client_secret
        );
        if let (Some(e), Some(p)) = (&c.admin_email, &c.admin_password) {
            eprintln!("  {:12} staff login: {e} / {p}", "");
        }
    }
    server::run_until_signalled(running).await
}
