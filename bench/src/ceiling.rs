//! The database's own ceiling for the hot paths (`db-ceiling`): pgbench runs
//! the service's own statements, `me`'s lookup and `refreshToken`'s
//! rotation, straight at PostgreSQL from as many clients as wrk had
//! connections, so the service's req/s can be read as a fraction of what
//! PostgreSQL alone answers on this machine. PostgreSQL only.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use serde::Serialize;
use service::storage::{sessions, users};
use sqlx::PgPool;
use tokio::process::Command;
use uuid::Uuid;

/// pgbench client `c`'s refresh-token hash after `s` rotations is the
/// number `base + c * CLIENT_SPAN + s`, padded to a hash's 64 characters
/// with `z` (no SHA-256 hex has one, so the rows are told apart from the
/// seeded ones). Each client rotates only its own session.
const CLIENT_SPAN: i64 = 1_000_000_000;
/// Between two runs' bases, so no hash repeats in `retired_refresh_tokens`.
const RUN_SPAN: i64 = 1_000_000_000_000_000;
/// Connections left to the service's pool, the bench's own and other
/// sessions when pgbench's clients would pass `max_connections`.
const SPARE_CONNECTIONS: i64 = 20;

#[derive(Debug, Serialize)]
pub struct Ceiling {
    pub label: String,
    /// `me` or `refreshToken`: the load whose statement this is.
    pub statement: String,
    /// wrk's connections in the load it is compared with.
    pub connections: u32,
    /// pgbench's clients: `connections`, unless the server has fewer free.
    pub clients: u32,
    pub sessions: Option<i64>,
    pub tps: f64,
    pub latency_ms: f64,
    pub failed: u64,
    /// What the service answered of the same load through wrk.
    pub service_per_second: f64,
}

impl Ceiling {
    pub fn fraction(&self) -> f64 {
        self.service_per_second / self.tps
    }
}

pub struct Pgbench<'a> {
    pub url: &'a str,
    pub out: &'a Path,
    pub duration: Duration,
}

impl Pgbench<'_> {
    /// `me`'s statement against the sessions wrk's `me` load reads (those
    /// of the `login-*` accounts), one script per session, picked at random
    /// for each transaction: uuids cannot be `\set`, so each script names
    /// its own pair, given with `-D` and bound like the service binds them.
    pub async fn me(&self, pool: &PgPool, connections: u32) -> anyhow::Result<Measured> {
        let pairs: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT sessions.user_id, sessions.id FROM sessions
             JOIN users ON users.id = sessions.user_id
             WHERE users.email LIKE 'login-%' AND sessions.expires_at > now()
             ORDER BY sessions.created_at DESC LIMIT 8",
        )
        .fetch_all(pool)
        .await?;
        if pairs.is_empty() {
            bail!("no live sessions of login-* accounts for the me ceiling");
        }
        let mut defines = vec![format!("now={}", Utc::now().to_rfc3339())];
        let mut scripts = Vec::new();
        for (i, (user, session)) in pairs.iter().enumerate() {
            defines.push(format!("u{i}={user}"));
            defines.push(format!("s{i}={session}"));
            let sql = bind(
                users::FIND_BY_SESSION_SQL,
                &[&format!(":u{i}"), &format!(":s{i}"), ":now"],
            );
            scripts.push(self.script(&format!("me-{i}"), &format!("{sql};\n"))?);
        }
        let clients = clients(pool, connections).await?;
        self.run(clients, &scripts, &defines).await
    }

    /// The rotation, each client on a session of its own whose hash moves
    /// on one step per transaction (old `n`, new `n + 1`), so that every
    /// rotation finds its row and files a hash never filed before, as the
    /// service's do; then those sessions (and their retired hashes) go.
    /// `run` makes each call's hashes its own.
    pub async fn rotation(
        &self,
        pool: &PgPool,
        connections: u32,
        run: i64,
    ) -> anyhow::Result<Measured> {
        let clients = clients(pool, connections).await?;
        let base = (run + 1) * RUN_SPAN;
        sqlx::query(
            "INSERT INTO sessions (user_id, refresh_token_hash, expires_at, created_at, auth_time)
             SELECT users.id, lpad(($1 + (n - 1) * $2)::text, 64, 'z'),
                    now() + interval '1 day', now(), now()
             FROM generate_series(1, $3::bigint) AS n
             JOIN users ON users.email = 'login-' || ((n - 1) % 256) || '@bench.example'",
        )
        .bind(base)
        .bind(CLIENT_SPAN)
        .bind(i64::from(clients))
        .execute(pool)
        .await?;
        let hash = |var: &str| format!("lpad(:{var}::text, 64, 'z')");
        let statement = bind(
            sessions::ROTATE_POSTGRES_SQL,
            &[&hash("old"), &hash("new"), ":now", "NULL::timestamptz"],
        );
        let script = format!(
            "\\set step :step + 1\n\
             \\set old :base + :client_id * {CLIENT_SPAN} + :step - 1\n\
             \\set new :old + 1\n\
             {statement};\n"
        );
        let scripts = [self.script("rotation", &script)?];
        let defines = [
            format!("now={}", Utc::now().to_rfc3339()),
            format!("base={base}"),
            "step=0".to_owned(),
        ];
        let measured = self.run(clients, &scripts, &defines).await?;
        // A rotation that found no row would still count as a transaction.
        let retired: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM retired_refresh_tokens WHERE token_hash LIKE 'z%'",
        )
        .fetch_one(pool)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE refresh_token_hash LIKE 'z%'")
            .execute(pool)
            .await?;
        if u64::try_from(retired)? != measured.processed {
            bail!(
                "{} rotations under pgbench filed {retired} hashes",
                measured.processed
            );
        }
        Ok(measured)
    }

    fn script(&self, name: &str, text: &str) -> anyhow::Result<PathBuf> {
        let path = self.out.join(format!("db-ceiling-{name}.sql"));
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }

    async fn run(
        &self,
        clients: u32,
        scripts: &[PathBuf],
        defines: &[String],
    ) -> anyhow::Result<Measured> {
        let mut command = Command::new("pgbench");
        command
            .args(["-n", "-M", "prepared", "-j", "2"])
            .args(["-c", &clients.to_string()])
            .args(["-T", &self.duration.as_secs().max(1).to_string()]);
        for define in defines {
            command.arg("-D").arg(define);
        }
        for script in scripts {
            command.arg("-f").arg(format!("{}@1", script.display()));
        }
        let output = command
            .arg(self.url)
            .output()
            .await
            .context("running pgbench (see the justfile's bench recipe)")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            bail!(
                "pgbench failed ({}):\n{stdout}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let measured = Measured::parse(&stdout, clients)?;
        eprintln!(
            "db-ceiling c={clients}: {:.0} tps, latency {:.2} ms, failed {}",
            measured.tps, measured.latency_ms, measured.failed
        );
        Ok(measured)
    }
}

/// What one pgbench run reported.
pub struct Measured {
    pub clients: u32,
    /// Transactions that succeeded (pgbench counts failures apart).
    pub processed: u64,
    pub tps: f64,
    pub latency_ms: f64,
    pub failed: u64,
}

impl Measured {
    fn parse(stdout: &str, clients: u32) -> anyhow::Result<Self> {
        let field = |prefix: &str| {
            stdout
                .lines()
                .find_map(|line| line.strip_prefix(prefix))
                .and_then(|rest| rest.split_whitespace().next())
                .with_context(|| format!("no `{prefix}` in pgbench's output:\n{stdout}"))
        };
        Ok(Self {
            clients,
            processed: field("number of transactions actually processed: ")?
                .split('/')
                .next()
                .unwrap_or_default()
                .parse()?,
            tps: field("tps = ")?.parse()?,
            latency_ms: field("latency average = ")?.parse()?,
            // Reported from PostgreSQL 15 on; none before.
            failed: field("number of failed transactions: ").map_or(Ok(0), str::parse)?,
        })
    }
}

/// `connections` clients, or as many as the server has free beside the
/// service's pool and everyone else's (PostgreSQL's default
/// `max_connections` is 100, below wrk's 128).
async fn clients(pool: &PgPool, connections: u32) -> anyhow::Result<u32> {
    let free: i64 = sqlx::query_scalar(
        "SELECT current_setting('max_connections')::bigint - count(*) FROM pg_stat_activity",
    )
    .fetch_one(pool)
    .await?;
    let free = u32::try_from(free - SPARE_CONNECTIONS).unwrap_or(0);
    if free == 0 {
        bail!("no connections free for pgbench");
    }
    Ok(connections.min(free))
}

/// The statement with `$1`, `$2`, … replaced by `values` (pgbench's
/// `:variables`, or SQL in their place).
fn bind(sql: &str, values: &[&str]) -> String {
    // From the last, so that `$1` does not match the start of `$10`.
    values
        .iter()
        .enumerate()
        .rev()
        .fold(sql.to_owned(), |sql, (i, value)| {
            sql.replace(&format!("${}", i + 1), value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_each_parameter() {
        assert_eq!(
            bind("a = $1 AND b = $2 OR $1 IS NULL", &[":x", "now()"]),
            "a = :x AND b = now() OR :x IS NULL"
        );
    }

    #[test]
    fn reads_pgbench_15s_summary() {
        let out = "number of transactions actually processed: 6/6\n\
                   number of failed transactions: 0 (0.000%)\n\
                   latency average = 2.770 ms\n\
                   initial connection time = 25.628 ms\n\
                   tps = 722.021661 (without initial connection time)\n";
        let measured = Measured::parse(out, 2).unwrap();
        assert_eq!(measured.processed, 6);
        assert_eq!(measured.tps, 722.021661);
        assert_eq!(measured.latency_ms, 2.770);
        assert_eq!(measured.failed, 0);
    }
}
