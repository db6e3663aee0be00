//! The handle on either engine, and how its pools are made and migrated.
//!
//! Each query is written once: [`with_pool!`] (reads) and [`with_writer!`]
//! (writes) expand the same `sqlx` call for both native pools, so the
//! engines cannot drift apart and no value goes through `sqlx::Any` (which
//! cannot carry UUIDs or timestamps).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};

use super::StorageError;
use super::error::is_unreachable;
use super::session_cache::{SessionCache, Watch};

static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// How long a request waits for a pooled connection before failing, so a
/// database outage turns into quick errors rather than piled-up requests.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection idle this long is pinged before use: the server may have
/// restarted, or a network path dropped it, while nobody used it. (HikariCP
/// skips its check the same way, for connections used in the last 500 ms.)
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// The pools of either engine, and the cache of live sessions in front of
/// them ([`SessionCache`]).
#[derive(Clone)]
pub struct Database {
    pools: Pools,
    sessions: SessionCache,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("pools", &self.pools)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub enum Pools {
    Postgres(PgPool),
    /// SQLite lets one connection write at a time. Writes go through
    /// `writer`, a pool of one connection, so they queue in order there
    /// instead of in SQLite's busy handler, which sleeps in growing steps (up
    /// to 100 ms) and left the unluckiest refreshes waiting a second under
    /// load. Reads use `pool`; in WAL mode they never wait for the writer.
    Sqlite {
        pool: SqlitePool,
        writer: SqlitePool,
    },
}

/// Runs `$body` with `$pool` bound to whichever native pool `$db` holds, for
/// reads. Exported for the integration tests, which inspect both engines
/// alike.
#[doc(hidden)]
#[macro_export]
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $crate::storage::Database::pools(&$db) {
            $crate::storage::Pools::Postgres($pool) => $body,
            $crate::storage::Pools::Sqlite { pool: $pool, .. } => $body,
        }
    };
}

/// [`with_pool!`] for statements that write.
#[doc(hidden)]
#[macro_export]
macro_rules! with_writer {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $crate::storage::Database::pools(&$db) {
            $crate::storage::Pools::Postgres($pool) => $body,
            $crate::storage::Pools::Sqlite { writer: $pool, .. } => $body,
        }
    };
}

impl Database {
    /// Connects lazily: the service starts (and reports not-ready) while the
    /// database is down, and recovers by itself when it returns. Live
    /// sessions are cached up to `session_cache_bytes` (0: not at all).
    pub fn connect(
        url: &str,
        max_connections: u32,
        session_cache_bytes: u64,
    ) -> Result<Self, StorageError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = pool_options::<sqlx::Postgres>(max_connections).connect_lazy_with(options);
            Ok(Self {
                pools: Pools::Postgres(pool),
                sessions: SessionCache::watched(session_cache_bytes),
            })
        } else {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .foreign_keys(true)
                // WAL lets readers proceed during a write; the busy timeout makes
                // concurrent writers queue instead of failing with SQLITE_BUSY.
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10));
            if let Some(dir) = options.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
            }
            let pool = |connections| {
                pool_options::<sqlx::Sqlite>(connections).connect_lazy_with(options.clone())
            };
            let file = same_file_key(options.get_filename());
            Ok(Self {
                pools: Pools::Sqlite {
                    pool: pool(max_connections),
                    writer: pool(1),
                },
                sessions: SessionCache::for_file(file, session_cache_bytes),
            })
        }
    }

    pub fn pools(&self) -> &Pools {
        &self.pools
    }

    /// The cache of live sessions (see [`SessionCache`]).
    pub fn sessions(&self) -> &SessionCache {
        &self.sessions
    }

    /// What keeps the session cache fresh on PostgreSQL, to run once beside
    /// the server: `None` on SQLite, or with no cache.
    pub fn watch(&self) -> Option<Watch> {
        match &self.pools {
            Pools::Postgres(pool) if self.sessions.enabled() => {
                Some(Watch::new(self.sessions.clone(), pool))
            }
            _ => None,
        }
    }

    pub fn engine(&self) -> &'static str {
        match self.pools {
            Pools::Postgres(_) => "postgres",
            Pools::Sqlite { .. } => "sqlite",
        }
    }

    /// Applies migrations, waiting up to `patience` for an unreachable database
    /// (a service started alongside its database, or during an outage).
    /// Errors of the migrations themselves are returned at once.
    pub async fn migrate_when_reachable(&self, patience: Duration) -> Result<(), StorageError> {
        let deadline = tokio::time::Instant::now() + patience;
        let mut delay = Duration::from_millis(250);
        loop {
            match self.migrate().await {
                Err(StorageError::Migrate(sqlx::migrate::MigrateError::Execute(err)))
                    if is_unreachable(&err) && tokio::time::Instant::now() + delay < deadline =>
                {
                    tracing::warn!(error = %err, retry_in = ?delay, "database not reachable yet");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                other => return other,
            }
        }
    }

    pub async fn migrate(&self) -> Result<(), StorageError> {
        match &self.pools {
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
            Pools::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer).await?,
        }
        Ok(())
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<(), StorageError> {
        with_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Each pool's name, open connections and idle connections: counters
    /// the pools keep, read without waiting.
    pub fn pool_usage(&self) -> Vec<PoolUsage> {
        let usage = |name, size: u32, idle: usize| PoolUsage {
            pool: name,
            open: size as usize,
            idle,
        };
        match &self.pools {
            Pools::Postgres(pool) => vec![usage("main", pool.size(), pool.num_idle())],
            Pools::Sqlite { pool, writer } => vec![
                usage("read", pool.size(), pool.num_idle()),
                usage("write", writer.size(), writer.num_idle()),
            ],
        }
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Postgres(pool) => pool.close().await,
            Pools::Sqlite { pool, writer } => {
                pool.close().await;
                writer.close().await;
            }
        }
    }
}

/// One name for a file however it was named, even before it exists: the
/// directory's canonical path and the file's name.
fn same_file_key(file: &Path) -> PathBuf {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = dir.canonicalize().unwrap_or(dir);
    match file.file_name() {
        Some(name) => dir.join(name),
        None => file.to_path_buf(),
    }
}

/// One pool's connections at a moment ([`Database::pool_usage`]).
#[derive(Clone, Copy, Debug)]
pub struct PoolUsage {
    /// `main` on PostgreSQL; `read` and `write` on SQLite.
    pub pool: &'static str,
    pub open: usize,
    pub idle: usize,
}

/// sqlx pings every connection it hands out by default: a round trip before
/// each query, the database's largest share of `me` and `refreshToken` after
/// the query itself. It also pings every connection it takes back, and drops
/// it when that fails, so a connection in the pool was alive when last used;
/// under load it is handed out again within milliseconds, unpinged.
fn pool_options<DB: sqlx::Database>(max_connections: u32) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(false)
        .before_acquire(|connection: &mut DB::Connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_AFTER_IDLE {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}
