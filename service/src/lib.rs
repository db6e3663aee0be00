//! A GraphQL authentication service: accounts, sessions and tokens on
//! PostgreSQL or embedded SQLite.
//!
//! A request reads as a straight line: [`http`] -> [`graphql`] resolver ->
//! [`auth`] rules -> [`storage`].

pub mod auth;
pub mod config;
pub mod graphql;
pub mod http;
pub mod storage;
pub mod telemetry;

use auth::Auth;
use config::Config;
use storage::Database;

/// How long start-up waits for an unreachable database before giving up.
const STARTUP_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// Everything `serve` needs, built from configuration: the database (migrated)
/// and the router.
pub struct App {
    pub router: axum::Router,
    pub auth: Auth,
}

impl App {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let db = Database::connect(&config.database_url, config.database_max_connections)?;
        Self::with_database(db, config).await
    }

    pub async fn with_database(db: Database, config: &Config) -> anyhow::Result<Self> {
        db.migrate_when_reachable(STARTUP_PATIENCE).await?;
        let auth = Auth::new(db, config).await?;
        let state = http::AppState {
            schema: graphql::schema(auth.clone(), config.playground_enabled()),
            auth: auth.clone(),
            trusted_proxies: config.trusted_proxies.clone().into(),
        };
        Ok(Self {
            router: http::router(state, config),
            auth,
        })
    }
}
