use std::process::ExitCode;

use clap::{Parser, Subcommand};
use futures_util::FutureExt;
use service::auth::{SeedOutcome, audit, tokens};
use service::config::{Config, TokenAlgorithm};
use service::domain::{Clock, NewAccount};
use service::storage::Database;
use service::{App, graphql, http, telemetry};

/// mimalloc over the system allocator: a request allocates many small,
/// short-lived buffers, and glibc's malloc and free were a tenth of the
/// service's CPU on the hot paths (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve HTTP (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the first admin account, or report that it exists.
    SeedAdmin {
        #[arg(long, env = "FIRST_ADMIN_EMAIL")]
        email: String,
        #[arg(long, env = "FIRST_ADMIN_USERNAME", default_value = "admin")]
        username: String,
        #[arg(long, env = "FIRST_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Write the GraphQL schema (SDL) to stdout.
    PrintSchema,
    /// Write a new access-token signing key (PKCS#8 PEM) to stdout, for
    /// ACCESS_TOKEN_SIGNING_KEY_FILE; its `kid` goes to stderr.
    GenSigningKey {
        #[arg(long, value_enum, ignore_case = true)]
        algorithm: TokenAlgorithm,
    },
    /// Make a secret for a service that may call POST /oauth/introspect, and
    /// the INTROSPECTION_CLIENTS entry that admits it.
    GenIntrospectionClient {
        /// The client id (letters, digits, '.', '_', '-').
        id: String,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Seal the events waiting, then recompute the hash chain block by
    /// block; exits non-zero naming the first block that does not match.
    Verify,
}

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is worth knowing about.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("error: could not read .env: {err}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::PrintSchema) => {
            print!("{}", graphql::sdl());
            return ExitCode::SUCCESS;
        }
        Some(Command::GenSigningKey { algorithm }) => {
            return match tokens::generate_key(*algorithm) {
                Ok((pem, kid)) => {
                    print!("{}", pem.as_str());
                    eprintln!("kid: {kid}");
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::FAILURE
                }
            };
        }
        Some(Command::GenIntrospectionClient { id }) => {
            return match new_introspection_client(id) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }
    telemetry::init(cli.config.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let addr = config.listen_addr()?;
            let app = App::build(&config, Clock::default()).await?;
            let listener = tokio::net::TcpListener::bind(addr).await?;
            let metrics = match (app.metrics, config.metrics_bind_addr) {
                (Some(metrics), Some(addr)) => {
                    let listener = tokio::net::TcpListener::bind(addr).await?;
                    tracing::info!(addr = %listener.local_addr()?, "metrics listening");
                    Some((metrics, listener))
                }
                _ => None,
            };
            tracing::info!(
                addr = %listener.local_addr()?,
                database = app.database.engine(),
                playground = config.playground_enabled(),
                mail = ?config.mail_delivery()?,
                sweep_every = ?config.sweep_interval(),
                "listening"
            );
            // Mail claimed but unsent when the process stops is sent by
            // another worker once its claim lapses.
            let postman = tokio::spawn(app.postman.run());
            // A sweep cut short leaves the rest for the next round, here or
            // on another replica.
            let sweeper = tokio::spawn(app.sweeper.run());
            // Events left unsealed are sealed by the next round, anywhere.
            let sealer = tokio::spawn(app.sealer.run());
            // Until it has heard its first beat, the session cache serves
            // nothing: requests read the database meanwhile.
            let watch = app.database.watch().map(|watch| tokio::spawn(watch.run()));
            // One signal drains both listeners.
            let shutdown = shutdown_signal().shared();
            match metrics {
                Some((metrics, metrics_listener)) => {
                    tokio::try_join!(
                        http::serve(listener, app.router, shutdown.clone()),
                        metrics.serve(metrics_listener, shutdown),
                    )?;
                }
                None => http::serve(listener, app.router, shutdown).await?,
            }
            postman.abort();
            sweeper.abort();
            sealer.abort();
            if let Some(watch) = watch {
                watch.abort();
            }
            app.database.close().await;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            let db = Database::connect(&config.database_url, 1, 0)?;
            db.migrate().await?;
            println!("migrations applied ({})", db.engine());
        }
        Command::SeedAdmin {
            email,
            username,
            password,
        } => {
            let admin = NewAccount::parse(&email, &username, password, None)?;
            let app = App::build(&config, Clock::default()).await?;
            match app.auth.seed_admin(admin).await? {
                SeedOutcome::Created(user) => {
                    println!("created admin {} <{}>", user.username, user.email)
                }
                SeedOutcome::Found(user) => {
                    println!("admin already exists: {} <{}>", user.username, user.email)
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let app = App::build(&config, Clock::default()).await?;
            app.sealer.seal_once(app.auth.now()).await?;
            let checked = audit::verify(&app.database).await?;
            let first = checked
                .first_block
                .map_or(String::new(), |first| format!(" from block {first}"));
            if let Some(broken) = checked.broken {
                anyhow::bail!(
                    "audit trail broken at block {}: {} ({} blocks, {} events verified before it{first})",
                    broken.block,
                    broken.reason,
                    checked.blocks,
                    checked.events
                );
            }
            println!(
                "audit trail verified: {} blocks, {} events{first}",
                checked.blocks, checked.events
            );
        }
        Command::PrintSchema
        | Command::GenSigningKey { .. }
        | Command::GenIntrospectionClient { .. } => {
            unreachable!("handled before logging starts")
        }
    }
    Ok(())
}

/// 32 random bytes as hex for the client to send; only their SHA-256 goes
/// into the configuration.
fn new_introspection_client(id: &str) -> anyhow::Result<()> {
    use sha2::{Digest, Sha256};
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
    let secret = hex::encode(secret);
    let entry = format!("{id}:{}", hex::encode(Sha256::digest(secret.as_bytes())));
    // The same parser as the configuration's, so a bad id fails here.
    Config::check_introspection_client(&entry).map_err(anyhow::Error::msg)?;
    println!("client id:     {id}");
    println!("client secret: {secret}");
    println!("INTROSPECTION_CLIENTS entry: {entry}");
    Ok(())
}

/// Resolves on SIGTERM (orchestrators) or Ctrl-C (people).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down; draining in-flight requests");
}
