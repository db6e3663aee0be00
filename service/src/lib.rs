//! A GraphQL authentication service: accounts, sessions and tokens on
//! PostgreSQL or embedded SQLite.
//!
//! A request reads as a straight line: [`http`] -> [`graphql`] resolver ->
//! [`auth`] rules -> [`storage`], each layer speaking in [`domain`] types.
//! ARCHITECTURE.md at the repository root is the map.

pub mod auth;
pub mod config;
pub mod domain;
pub mod graphql;
pub mod http;
pub mod mail;
pub mod storage;
pub mod telemetry;

use auth::Auth;
use auth::audit::Sealer;
use auth::sweeper::Sweeper;
use config::Config;
use domain::Clock;
use mail::{Doorbell, Postman, Transport};
use storage::Database;

/// How long start-up waits for an unreachable database before giving up.
const STARTUP_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// The service, put together from configuration: the database (migrated), the
/// rules over it, and the router that serves them.
pub struct App {
    pub router: axum::Router,
    /// To close the pools once the server has drained.
    pub database: Database,
    /// For the command line's `seed-admin`, which needs no HTTP.
    pub auth: Auth,
    /// The outbox's worker; `serve` runs it beside the server.
    pub postman: Postman,
    /// Deletes stale rows every `SWEEP_INTERVAL_SECONDS`; `serve` runs it too.
    pub sweeper: Sweeper,
    /// Seals new audit events every `AUDIT_SEAL_INTERVAL_SECONDS`; `serve`
    /// runs it too.
    pub sealer: Sealer,
    /// What `serve` runs on `METRICS_BIND_ADDR`, when that is set.
    pub metrics: Option<http::Metrics>,
}

impl App {
    pub async fn build(config: &Config, clock: Clock) -> anyhow::Result<Self> {
        // First: what is recorded before the recorder is in place is lost
        // (the hashing queue's gauge would then count down from zero).
        let recorder = config
            .metrics_bind_addr
            .map(|_| telemetry::metrics_recorder());
        let database = Database::connect(
            &config.database_url,
            config.database_max_connections,
            config.session_cache_mib << 20,
        )?;
        let metrics = recorder.map(|handle| http::Metrics::new(handle, database.clone()));
        database.migrate_when_reachable(STARTUP_PATIENCE).await?;
        let doorbell = Doorbell::default();
        let auth = Auth::new(database.clone(), config, clock.clone(), doorbell.clone())?;
        let sweeper = Sweeper::new(database.clone(), config, clock.clone());
        let sealer = Sealer::new(database.clone(), config, clock.clone());
        let postman = Postman::new(
            database.clone(),
            Transport::from_config(config)?,
            config
                .mail_from
                .parse()
                .map_err(|err| anyhow::anyhow!("MAIL_FROM: {err}"))?,
            clock,
            doorbell,
        );
        let state = http::AppState {
            schema: graphql::schema(auth.clone(), config.playground_enabled()),
            db: database.clone(),
            trusted_proxies: config.trusted_proxies.clone().into(),
            websocket: http::WebSocketLimits::from_config(config),
            auth: auth.clone(),
        };
        Ok(Self {
            router: http::router(state, config),
            metrics,
            database,
            auth,
            postman,
            sweeper,
            sealer,
        })
    }
}
