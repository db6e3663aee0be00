//! Databases and the rows a run needs: sign-in accounts, live sessions whose
//! refresh tokens the driver knows, and filler sessions to grow the tables.

use std::path::Path;

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use service::auth::tokens;
use service::domain::{Aal, ClientInfo, Clock};
use service::storage::sessions::{self, NewSession};
use service::storage::{Database, Pools};
use service::with_pool;
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use uuid::Uuid;

/// The password of every account the bench creates.
pub const PASSWORD: &str = "bench horse staple kettle";
const OWNER_EMAIL: &str = "owner@bench.example";

pub enum Engine {
    Postgres { admin_url: String },
    Sqlite { dir: std::path::PathBuf },
}

/// A database of its own for one service run, dropped by [`Scratch::drop_db`].
pub struct Scratch {
    pub url: String,
    name: String,
    admin_url: Option<String>,
}

impl Engine {
    pub async fn fresh(&self, label: &str) -> anyhow::Result<Scratch> {
        let name = format!("bench_{}_{label}", std::process::id());
        match self {
            Self::Postgres { admin_url } => {
                let mut admin = PgConnection::connect(admin_url).await?;
                admin
                    .execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
                    .await?;
                admin
                    .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await?;
                let (base, _) = admin_url
                    .rsplit_once('/')
                    .context("DATABASE_URL has no database name")?;
                Ok(Scratch {
                    url: format!("{base}/{name}"),
                    name,
                    admin_url: Some(admin_url.clone()),
                })
            }
            Self::Sqlite { dir } => {
                let path = dir.join(format!("{name}.db"));
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                Ok(Scratch {
                    url: format!("sqlite://{}", path.display()),
                    name,
                    admin_url: None,
                })
            }
        }
    }
}

/// The server's version and the settings that move these figures.
pub async fn postgres_settings(admin_url: &str) -> anyhow::Result<String> {
    let mut admin = PgConnection::connect(admin_url).await?;
    let (version, buffers, sync, fsync): (String, String, String, String) = sqlx::query_as(
        "SELECT current_setting('server_version'), current_setting('shared_buffers'),
                current_setting('synchronous_commit'), current_setting('fsync')",
    )
    .fetch_one(&mut admin)
    .await?;
    Ok(format!(
        "PostgreSQL {version} on the same machine (shared_buffers {buffers}, \
         synchronous_commit {sync}, fsync {fsync})"
    ))
}

impl Scratch {
    pub async fn drop_db(self) -> anyhow::Result<()> {
        if let Some(admin_url) = self.admin_url {
            let mut admin = PgConnection::connect(&admin_url).await?;
            admin
                .execute(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                )))
                .await?;
        } else if let Some(path) = self.url.strip_prefix("sqlite://") {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
        Ok(())
    }
}

/// One GraphQL call; errors in the response are errors here.
pub async fn graphql(url: &str, query: &str, variables: Value) -> anyhow::Result<Value> {
    let mut response: Value = reqwest::Client::new()
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?;
    if let Some(errors) = response.get("errors") {
        bail!("GraphQL errors: {errors}");
    }
    Ok(response["data"].take())
}

/// Registers the owner through the API (so its hash is the service's own, at
/// the configured cost) and returns that hash.
pub async fn owner_hash(url: &str, db: &Database) -> anyhow::Result<String> {
    graphql(
        url,
        "mutation($e: String!, $p: String!) { register(input: {email: $e, username: \"owner\", password: $p}) { accessToken } }",
        json!({ "e": OWNER_EMAIL, "p": PASSWORD }),
    )
    .await?;
    Ok(with_pool!(db, |pool| {
        sqlx::query_scalar::<_, String>("SELECT hashed_password FROM users WHERE email = $1")
            .bind(OWNER_EMAIL)
            .fetch_one(pool)
            .await
    })?)
}

/// Adds users `{prefix}-{first}` .. `{prefix}-{first + count - 1}` (email
/// `{prefix}-n@bench.example`, password [`PASSWORD`]), each with
/// `sessions_each` unexpired sessions whose tokens nobody knows.
pub async fn add_users(
    db: &Database,
    prefix: &str,
    first: i64,
    count: i64,
    sessions_each: i64,
    hash: &str,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let expires = now + Duration::days(1);
    let last = first + count - 1;
    let before_mfa = predates_mfa(db).await?;
    match db.pools() {
        Pools::Postgres(pool) => {
            sqlx::query(
                "INSERT INTO users (email, username, hashed_password)
                 SELECT $1 || '-' || i || '@bench.example', $1 || '_' || i, $2
                 FROM generate_series($3::bigint, $4::bigint) AS i",
            )
            .bind(prefix)
            .bind(hash)
            .bind(first)
            .bind(last)
            .execute(pool)
            .await?;
            let sessions: &'static str = if before_mfa {
                "INSERT INTO sessions (user_id, refresh_token_hash, expires_at, created_at)
                 SELECT users.id, md5(random()::text) || md5(random()::text), $4, $5
                 FROM generate_series($2::bigint, $3::bigint) AS i
                 JOIN users ON users.email = $1 || '-' || i || '@bench.example'
                 CROSS JOIN generate_series(1, $6::bigint)"
            } else {
                "INSERT INTO sessions (user_id, refresh_token_hash, expires_at, created_at, auth_time)
                 SELECT users.id, md5(random()::text) || md5(random()::text), $4, $5, $5
                 FROM generate_series($2::bigint, $3::bigint) AS i
                 JOIN users ON users.email = $1 || '-' || i || '@bench.example'
                 CROSS JOIN generate_series(1, $6::bigint)"
            };
            sqlx::query(sessions)
                .bind(prefix)
                .bind(first)
                .bind(last)
                .bind(expires)
                .bind(now)
                .bind(sessions_each)
                .execute(pool)
                .await?;
            sqlx::query("ANALYZE").execute(pool).await?;
        }
        Pools::Sqlite { writer: pool, .. } => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT $3 UNION ALL SELECT i + 1 FROM n WHERE i < $4)
                 INSERT INTO users (id, email, username, hashed_password, created_at, updated_at)
                 SELECT randomblob(16), $1 || '-' || i || '@bench.example', $1 || '_' || i, $2, $5, $5
                 FROM n",
            )
            .bind(prefix)
            .bind(hash)
            .bind(first)
            .bind(last)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
                 INSERT INTO sessions (id, user_id, refresh_token_hash, expires_at, created_at, auth_time)
                 SELECT randomblob(16), users.id, lower(hex(randomblob(32))), $3, $4, $4
                 FROM users CROSS JOIN n WHERE users.email LIKE $1 || '-%'
                   AND users.created_at = $4",
            )
            .bind(prefix)
            .bind(sessions_each)
            .bind(expires)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            sqlx::query("ANALYZE").execute(pool).await?;
        }
    }
    Ok(())
}

/// `count` new sessions of the `login-*` accounts, stored the way `login`
/// stores them; returns their refresh tokens.
pub async fn live_sessions(db: &Database, count: usize) -> anyhow::Result<Vec<String>> {
    let ids: Vec<Uuid> = with_pool!(db, |pool| {
        sqlx::query_scalar::<_, Uuid>(
            "SELECT id FROM users WHERE email LIKE 'login-%' ORDER BY email",
        )
        .fetch_all(pool)
        .await
    })?;
    if ids.is_empty() {
        bail!("no login-* accounts to give sessions to");
    }
    let client = ClientInfo::new(Some("bench"), Some("127.0.0.1"));
    let clock = Clock::default();
    let before_mfa = predates_mfa(db).await?;
    let mut refresh_tokens = Vec::with_capacity(count);
    for n in 0..count {
        let token = tokens::new_refresh_token()?;
        let hash = tokens::hash_token(&token);
        let session = NewSession {
            refresh_token_hash: &hash,
            client: &client,
            lifetime: Duration::days(1),
            aal: Aal::One,
        };
        let user: Uuid = ids[n % ids.len()];
        match (db.pools(), before_mfa) {
            // A baseline's own schema, without the columns today's insert fills.
            (Pools::Postgres(pool), true) => {
                let now = clock.now();
                sqlx::query(
                    "INSERT INTO sessions (id, user_id, refresh_token_hash, device_info, ip_address, expires_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(Uuid::new_v4())
                .bind(user)
                .bind(&hash)
                .bind(client.user_agent())
                .bind(client.ip_address())
                .bind(now + session.lifetime)
                .bind(now)
                .execute(pool)
                .await?;
            }
            _ => {
                sessions::insert(db, user.into(), &session, clock.now()).await?;
            }
        }
        refresh_tokens.push(token);
    }
    Ok(refresh_tokens)
}

/// Whether the database is a baseline's from before second factors (issue
/// 15), whose sessions have no `aal` and `auth_time` yet (`bench-compare`
/// measures such a build beside today's).
async fn predates_mfa(db: &Database) -> anyhow::Result<bool> {
    Ok(match db.pools() {
        Pools::Postgres(pool) => {
            sqlx::query_scalar(
                "SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns
                                    WHERE table_name = 'sessions' AND column_name = 'auth_time')",
            )
            .fetch_one(pool)
            .await?
        }
        Pools::Sqlite { .. } => false,
    })
}

/// Trades each refresh token once (through the API) for an access token.
pub async fn access_tokens(url: &str, refresh_tokens: &[String]) -> anyhow::Result<Vec<String>> {
    let mut access = Vec::with_capacity(refresh_tokens.len());
    for token in refresh_tokens {
        let data = graphql(
            url,
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
            json!({ "t": token }),
        )
        .await?;
        let token = data["refreshToken"]["accessToken"]
            .as_str()
            .context("no access token")?;
        access.push(token.to_owned());
    }
    Ok(access)
}

pub fn write_lines(path: &Path, lines: &[String]) -> anyhow::Result<()> {
    std::fs::write(path, lines.join("\n") + "\n")?;
    Ok(())
}

pub async fn count(db: &Database, table: &'static str) -> anyhow::Result<i64> {
    let sql = format!("SELECT count(*) FROM {table}");
    Ok(with_pool!(db, |pool| {
        sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.clone()))
            .fetch_one(pool)
            .await
    })?)
}
