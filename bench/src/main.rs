//! `just bench`: the release service on PostgreSQL and SQLite under wrk, on
//! loopback, for a bounded time. Figures go to a JSON file and a Markdown
//! summary; nothing here passes or fails on speed. See BENCHMARKS.md.

mod ceiling;
mod cores;
mod report;
mod seed;
mod server;
mod wrk;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use service::auth::password::PasswordHasher;
use service::domain::Password;
use service::storage::{Database, Pools};

use ceiling::{Ceiling, Pgbench};
use cores::SplitCores;
use report::{Results, Row};
use seed::{Engine, PASSWORD};
use server::{Launch, Service};
use wrk::{Load, Scenario};

#[derive(Parser)]
#[command(about)]
struct Args {
    /// The service binary to measure (a release build).
    #[arg(long)]
    service_bin: PathBuf,
    /// An earlier build to measure beside it (`me` and `refreshToken` on
    /// PostgreSQL), for before/after ratios from one run.
    #[arg(long)]
    baseline_bin: Option<PathBuf>,
    /// A PostgreSQL URL allowed to create databases.
    #[arg(
        long,
        env = "TEST_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    postgres_url: String,
    /// Seconds of load per measurement.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// bcrypt cost the service runs with (the service's default is 12).
    #[arg(long, default_value_t = 12)]
    bcrypt_cost: u32,
    /// Sessions in the table for the growth measurement (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    large_sessions: i64,
    /// The built client (`just build-client`); its first load is measured in
    /// Chromium when present.
    #[arg(long)]
    static_dir: Option<PathBuf>,
    /// Only `me` and `refreshToken` (no logins, start-up figures or growth).
    #[arg(long)]
    hot_paths_only: bool,
    /// Skip the SQLite run.
    #[arg(long)]
    no_sqlite: bool,
    /// A setting for the services measured, as `NAME=value` (repeatable):
    /// `SESSION_CACHE_MIB=0` reads every session from the database, a small
    /// one shows the cache past its bound; `DATABASE_MAX_CONNECTIONS=32`
    /// meets PostgreSQL with as many connections as the load has.
    #[arg(long, value_parser = service_setting)]
    service_env: Vec<(String, String)>,
    /// Skip the database's own ceiling for `me` and `refreshToken`
    /// (pgbench with the service's statements, after each of those loads).
    #[arg(long)]
    no_db_ceiling: bool,
    /// PostgreSQL (on this machine) on half the CPUs and everything the
    /// bench starts on the other half, as if the database had a host of its
    /// own (needs root; see bench/src/cores.rs).
    #[arg(long)]
    split_cores: bool,
    /// Where results and service logs go.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

/// Accounts the login flood cycles through: more than its connections, so
/// no account ever has two attempts in flight.
const LOGIN_USERS: i64 = 256;
/// Users × sessions each of the baseline tables (10,000 sessions).
const FILLER_USERS: i64 = 1_000;
const SESSIONS_EACH: i64 = 10;
const LOGIN_CONNECTIONS: u32 = 8;
const PROBE_PACE_MS: u32 = 10;
const CONNECTION_COUNTS: [u32; 2] = [32, 128];

fn service_setting(raw: &str) -> Result<(String, String), String> {
    raw.split_once('=')
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("{raw}: expected NAME=value"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.out)?;
    let out = args.out.canonicalize()?;
    let bench = Bench {
        duration: Duration::from_secs(args.seconds),
        cost: args.bcrypt_cost,
        service_env: args.service_env.clone(),
        db_ceiling: !args.no_db_ceiling,
        ceiling_runs: Cell::new(0),
        out: out.clone(),
        static_dir: args
            .static_dir
            .as_deref()
            .map(Path::canonicalize)
            .transpose()?,
    };
    let started = Instant::now();
    let mut results = Results::new(args.bcrypt_cost, args.seconds);
    results.postgres = seed::postgres_settings(&args.postgres_url).await?;
    // Held to the end of the run: dropping it gives the CPUs back.
    let split = if args.split_cores {
        Some(SplitCores::apply(&args.postgres_url).await?)
    } else {
        None
    };
    results.split_cores = split.as_ref().map(|split| split.description.clone());
    let postgres = Engine::Postgres {
        admin_url: args.postgres_url.clone(),
    };

    if !args.hot_paths_only {
        results.bcrypt = Some(report::Bcrypt::measure(args.bcrypt_cost).await?);
        eprintln!("bcrypt: {:?}", results.bcrypt);
    }

    if let Some(baseline) = &args.baseline_bin {
        let run = bench
            .engine(&postgres, "baseline", baseline, Extent::HotPaths, false)
            .await
            .context("baseline")?;
        results.add(run);
    }
    let extent = if args.hot_paths_only {
        Extent::HotPaths
    } else {
        Extent::Full {
            large_sessions: args.large_sessions,
        }
    };
    results.add(
        bench
            .engine(&postgres, "postgres", &args.service_bin, extent, true)
            .await?,
    );
    if !args.no_sqlite {
        let sqlite = Engine::Sqlite { dir: out.clone() };
        results.add(
            bench
                .engine(
                    &sqlite,
                    "sqlite",
                    &args.service_bin,
                    Extent::HotPaths,
                    false,
                )
                .await?,
        );
    }
    results.wall_seconds = started.elapsed().as_secs();

    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let json = serde_json::to_string_pretty(&results)?;
    let summary = results.markdown();
    for name in [format!("results-{stamp}.json"), "results.json".into()] {
        std::fs::write(out.join(name), &json)?;
    }
    std::fs::write(out.join("summary.md"), &summary)?;
    println!("{summary}");
    println!(
        "results: {}",
        out.join(format!("results-{stamp}.json")).display()
    );
    let unclean: Vec<_> = results
        .rows
        .iter()
        .filter(|r| !r.measured.clean())
        .collect();
    if !unclean.is_empty() {
        for row in unclean {
            eprintln!(
                "{} {} c={}: {} failures, first: {}",
                row.label,
                row.scenario,
                row.connections,
                row.measured.failures,
                row.measured.failure_sample
            );
        }
        bail!("some requests failed; the figures above do not count");
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Extent {
    /// `me` and `refreshToken` at each connection count.
    HotPaths,
    /// Also start-up, logins (with probes), registration, the client's first
    /// load, and the hot paths again with `large_sessions` in the table.
    Full { large_sessions: i64 },
}

struct Bench {
    duration: Duration,
    cost: u32,
    service_env: Vec<(String, String)>,
    /// Whether to measure the database's ceiling (on PostgreSQL, this tree).
    db_ceiling: bool,
    /// Rotation ceilings run so far: each one's hashes are its own.
    ceiling_runs: Cell<i64>,
    out: PathBuf,
    static_dir: Option<PathBuf>,
}

/// Everything measured against one service process.
pub struct EngineRun {
    pub label: String,
    pub ready_ms: f64,
    pub rss_ready_kib: u64,
    pub rss_peak_kib: u64,
    pub rows: Vec<Row>,
    pub ceilings: Vec<Ceiling>,
    pub client: Option<serde_json::Value>,
}

impl Bench {
    fn service_env(&self) -> Vec<(&str, String)> {
        let mut env = vec![("BCRYPT_COST", self.cost.to_string())];
        env.extend(
            self.service_env
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone())),
        );
        env
    }

    async fn engine(
        &self,
        engine: &Engine,
        label: &str,
        bin: &Path,
        extent: Extent,
        db_ceiling: bool,
    ) -> anyhow::Result<EngineRun> {
        eprintln!("== {label}");
        let scratch = engine.fresh(label).await?;
        let full = matches!(extent, Extent::Full { .. });
        let service = Service::start(Launch {
            bin,
            database_url: &scratch.url,
            static_dir: if full {
                self.static_dir.as_deref()
            } else {
                None
            },
            log: self.out.join(format!("service-{label}.log")),
            extra_env: &self.service_env(),
        })
        .await?;
        let (rss_ready_kib, _) = service.memory_kib()?;
        let mut run = EngineRun {
            label: label.into(),
            ready_ms: service.ready_after.as_secs_f64() * 1e3,
            rss_ready_kib,
            rss_peak_kib: 0,
            rows: Vec::new(),
            ceilings: Vec::new(),
            client: None,
        };
        let pgbench = Pgbench {
            url: &scratch.url,
            out: &self.out,
            duration: self.duration,
        };
        let ceiling = (db_ceiling && self.db_ceiling && matches!(engine, Engine::Postgres { .. }))
            .then_some(&pgbench);
        eprintln!("ready in {:.0} ms, {} KiB", run.ready_ms, rss_ready_kib);

        let db = Database::connect(&scratch.url, 2, 0)?;
        let hash = seed::owner_hash(&service.url, &db).await?;
        seed::add_users(&db, "login", 0, LOGIN_USERS, 0, &hash).await?;
        seed::add_users(&db, "filler", 0, FILLER_USERS, SESSIONS_EACH, &hash).await?;
        let access = seed::access_tokens(&service.url, &seed::live_sessions(&db, 8).await?).await?;
        let access_file = self.out.join(format!("access-{label}.txt"));
        seed::write_lines(&access_file, &access)?;

        if full {
            if let Some(dir) = &self.static_dir {
                run.client = Some(first_load(&service.url, dir).await?);
            }
            self.logins_with_probes(&mut run, &service, &access_file)
                .await?;
            let register = self
                .load(
                    &service,
                    Scenario::Register,
                    LOGIN_CONNECTIONS,
                    vec![("RUN_ID", std::process::id().to_string())],
                )
                .await?;
            run.push("register", LOGIN_CONNECTIONS, &db, register)
                .await?;
        }
        self.hot_paths(&mut run, &service, &db, &access_file, ceiling)
            .await?;
        if let Extent::Full { large_sessions } = extent
            && large_sessions > 0
        {
            let have = seed::count(&db, "sessions").await?;
            let users = (large_sessions - have).max(0) / SESSIONS_EACH;
            eprintln!("growing to {large_sessions} sessions ({users} more users)");
            let seeding = Instant::now();
            seed::add_users(&db, "filler", FILLER_USERS, users, SESSIONS_EACH, &hash).await?;
            eprintln!("seeded in {:.0} s", seeding.elapsed().as_secs_f64());
            let access =
                seed::access_tokens(&service.url, &seed::live_sessions(&db, 8).await?).await?;
            seed::write_lines(&access_file, &access)?;
            self.hot_paths(&mut run, &service, &db, &access_file, ceiling)
                .await?;
        }
        run.rss_peak_kib = service.memory_kib()?.1;
        db.close().await;
        service.stop().await?;
        scratch.drop_db().await?;
        Ok(run)
    }

    /// `me` and `refreshToken` at each connection count; with `ceiling`,
    /// each followed by the database's own ceiling for its statement.
    async fn hot_paths(
        &self,
        run: &mut EngineRun,
        service: &Service,
        db: &Database,
        access_file: &Path,
        ceiling: Option<&Pgbench<'_>>,
    ) -> anyhow::Result<()> {
        for connections in CONNECTION_COUNTS {
            let me = self
                .load(
                    service,
                    Scenario::Me,
                    connections,
                    vec![("ACCESS_TOKENS", access_file.display().to_string())],
                )
                .await?;
            let me_per_second = me.per_second();
            run.push("me", connections, db, me).await?;
            if let (Some(pgbench), Pools::Postgres(pool)) = (ceiling, db.pools()) {
                let measured = pgbench.me(pool, connections).await?;
                run.push_ceiling("me", connections, db, me_per_second, measured)
                    .await?;
            }

            // Twice as many sessions as connections: each thread's pool never
            // runs dry while its connections wait for responses.
            let refresh_file = self.out.join(format!("refresh-{}.txt", run.label));
            let tokens = seed::live_sessions(db, 2 * connections as usize).await?;
            seed::write_lines(&refresh_file, &tokens)?;
            let refresh = self
                .load(
                    service,
                    Scenario::Refresh,
                    connections,
                    vec![("REFRESH_TOKENS", refresh_file.display().to_string())],
                )
                .await?;
            let refresh_per_second = refresh.per_second();
            run.push("refreshToken", connections, db, refresh).await?;
            if let (Some(pgbench), Pools::Postgres(pool)) = (ceiling, db.pools()) {
                let nth = self.ceiling_runs.replace(self.ceiling_runs.get() + 1);
                let measured = pgbench.rotation(pool, connections, nth).await?;
                run.push_ceiling(
                    "refreshToken",
                    connections,
                    db,
                    refresh_per_second,
                    measured,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// A login flood, while two paced probes (`/health`, `me`) measure what
    /// everyone else waits meanwhile.
    async fn logins_with_probes(
        &self,
        run: &mut EngineRun,
        service: &Service,
        access_file: &Path,
    ) -> anyhow::Result<()> {
        let scratch = self.out.join(format!("probes-{}", run.label));
        std::fs::create_dir_all(&scratch)?;
        let url = &service.url;
        let flood = self.load(
            service,
            Scenario::Login,
            LOGIN_CONNECTIONS,
            vec![
                ("LOGIN_USERS", LOGIN_USERS.to_string()),
                ("LOGIN_PASSWORD", PASSWORD.into()),
            ],
        );
        let probe = |scenario, env| Load {
            scenario,
            url,
            connections: 1,
            duration: self.duration,
            pace_ms: Some(PROBE_PACE_MS),
            env,
        };
        let health = wrk::run(probe(Scenario::Health, vec![]), &scratch);
        let me = wrk::run(
            probe(
                Scenario::Me,
                vec![("ACCESS_TOKENS", access_file.display().to_string())],
            ),
            &scratch,
        );
        let (flood, health, me) = tokio::join!(flood, health, me);
        run.rows
            .push(Row::new("login", LOGIN_CONNECTIONS, None, flood?));
        run.rows
            .push(Row::new("/health during logins", 1, None, health?));
        run.rows.push(Row::new("me during logins", 1, None, me?));
        Ok(())
    }

    async fn load(
        &self,
        service: &Service,
        scenario: Scenario,
        connections: u32,
        env: Vec<(&'static str, String)>,
    ) -> anyhow::Result<wrk::Measured> {
        let load = Load {
            scenario,
            url: &service.url,
            connections,
            duration: self.duration,
            pace_ms: None,
            env,
        };
        let cpu_before = service.cpu_ms()?;
        let mut measured = wrk::run(load, &self.out).await?;
        measured.service_cpu_ms = service.cpu_ms()? - cpu_before;
        eprintln!(
            "{scenario:?} c={connections}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, \
             service CPU {:.0} µs/request, failures {}",
            measured.per_second(),
            measured.p50_us as f64 / 1e3,
            measured.p99_us as f64 / 1e3,
            measured.cpu_us_per_request(),
            measured.failures
        );
        Ok(measured)
    }
}

impl EngineRun {
    async fn push(
        &mut self,
        scenario: &str,
        connections: u32,
        db: &Database,
        measured: wrk::Measured,
    ) -> anyhow::Result<()> {
        let sessions = seed::count(db, "sessions").await?;
        self.rows
            .push(Row::new(scenario, connections, Some(sessions), measured));
        Ok(())
    }

    /// The ceiling of the statement behind `scenario`, beside the req/s the
    /// service made of it.
    async fn push_ceiling(
        &mut self,
        scenario: &str,
        connections: u32,
        db: &Database,
        service_per_second: f64,
        measured: ceiling::Measured,
    ) -> anyhow::Result<()> {
        let sessions = seed::count(db, "sessions").await?;
        self.ceilings.push(Ceiling {
            label: self.label.clone(),
            statement: scenario.into(),
            connections,
            clients: measured.clients,
            sessions: Some(sessions),
            tps: measured.tps,
            latency_ms: measured.latency_ms,
            failed: measured.failed,
            service_per_second,
        });
        Ok(())
    }
}

/// The client's first load in headless Chromium (client/bench/first-load.mjs).
async fn first_load(url: &str, static_dir: &Path) -> anyhow::Result<serde_json::Value> {
    let script = static_dir.join("../bench/first-load.mjs");
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .arg(url)
        .output()
        .await
        .context("running node")?;
    tagged_result(&script.display().to_string(), &output, "FIRST_LOAD ")
}

/// bcrypt at the configured cost, timed the way the service runs it.
pub async fn time_verify(cost: u32, rounds: usize) -> anyhow::Result<Vec<f64>> {
    let hasher = PasswordHasher::new(cost);
    let password = Password::parse(PASSWORD.into())?;
    let hash = hasher.hash(&password).await?;
    // Waits for the dummy hash the hasher computes at start, so that no
    // timed verify shares the CPU with it.
    hasher.verify(&password, None).await?;
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        if !hasher.verify(&password, Some(&hash)).await? {
            bail!("bcrypt verify failed");
        }
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Ok(times)
}

/// The JSON on the line of a tool's output that starts with `tag`.
fn tagged_result<T: serde::de::DeserializeOwned>(
    tool: &str,
    output: &std::process::Output,
    tag: &str,
) -> anyhow::Result<T> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(json) = stdout.lines().find_map(|l| l.strip_prefix(tag)) else {
        bail!(
            "{tool} gave no result ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    };
    Ok(serde_json::from_str(json)?)
}
