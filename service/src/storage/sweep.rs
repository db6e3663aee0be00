//! Deleting rows that have run their course, in bounded batches, one
//! replica at a time: expired sessions (and the refresh tokens they rotated
//! away), throttle windows long over, expired links and passkey ceremonies,
//! and mail sent or failed long ago.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqlitePool;
use sqlx::{ConnectOptions, Connection};

use super::{Database, Pools, StorageError};

/// What a sweep deletes, each kind older than the instant it is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stale {
    /// Refresh tokens rotated away by sessions that expired by then. Swept
    /// before their sessions, which would otherwise take them all along in
    /// one cascade, however many there are.
    RetiredTokens,
    /// Sessions that expired by then.
    Sessions,
    /// Throttle counts whose window started by then.
    ThrottleWindows,
    /// Reset and verification links that expired by then (a used one is
    /// deleted as it is used).
    Links,
    /// Mail sent, or given up on, by then. Unsent mail is never swept.
    Mail,
    /// Sign-in passes that expired by then.
    Passes,
    /// Passkey ceremonies started and never finished, expired by then.
    Challenges,
}

impl Stale {
    pub const ALL: [Self; 7] = [
        Self::RetiredTokens,
        Self::Sessions,
        Self::ThrottleWindows,
        Self::Links,
        Self::Mail,
        Self::Passes,
        Self::Challenges,
    ];

    /// One batch: `$1` is the instant, `$2` the most rows to delete. A
    /// `LIMIT` in a subquery, because neither engine limits a `DELETE`.
    fn delete_batch(self) -> &'static str {
        match self {
            Self::RetiredTokens => {
                "DELETE FROM retired_refresh_tokens WHERE token_hash IN (
                     SELECT retired.token_hash FROM retired_refresh_tokens AS retired
                     JOIN sessions ON sessions.id = retired.session_id
                     WHERE sessions.expires_at <= $1 LIMIT $2)"
            }
            Self::Sessions => {
                "DELETE FROM sessions WHERE id IN (
                     SELECT id FROM sessions WHERE expires_at <= $1 LIMIT $2)"
            }
            Self::ThrottleWindows => {
                "DELETE FROM login_throttle WHERE key IN (
                     SELECT key FROM login_throttle WHERE window_start <= $1 LIMIT $2)"
            }
            Self::Links => {
                "DELETE FROM email_tokens WHERE token_hash IN (
                     SELECT token_hash FROM email_tokens WHERE expires_at <= $1 LIMIT $2)"
            }
            Self::Mail => {
                "DELETE FROM mail_outbox WHERE id IN (
                     SELECT id FROM mail_outbox WHERE COALESCE(sent_at, failed_at) <= $1 LIMIT $2)"
            }
            Self::Passes => {
                "DELETE FROM sign_in_passes WHERE (user_id, network) IN (
                     SELECT user_id, network FROM sign_in_passes WHERE expires_at <= $1 LIMIT $2)"
            }
            Self::Challenges => {
                "DELETE FROM webauthn_challenges WHERE id IN (
                     SELECT id FROM webauthn_challenges WHERE expires_at <= $1 LIMIT $2)"
            }
        }
    }
}

/// Any number of this PostgreSQL advisory lock's key would do, as long as
/// nothing else in the database uses it: it is the sweep's turn.
const TURN_LOCK: i64 = 0x7377_6565_7031; // "sweep1"

/// A replica's turn to sweep. On PostgreSQL it is a connection of its own
/// holding a session advisory lock, so that replicas sweeping at the same
/// time do not duplicate each other's work; the lock goes with the
/// connection however the turn ends (finished, failed, or its task
/// dropped), so it never stays behind in a pool. On SQLite the single
/// writer already runs one statement at a time.
pub struct Turn(Holder);

enum Holder {
    Postgres(PgConnection),
    Sqlite(SqlitePool),
}

impl Turn {
    /// This replica's turn, or `None` while another replica's lasts.
    pub async fn take(db: &Database) -> Result<Option<Self>, StorageError> {
        match db.pools() {
            Pools::Postgres(pool) => {
                let mut connection = pool.connect_options().connect().await?;
                let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                    .bind(TURN_LOCK)
                    .fetch_one(&mut connection)
                    .await?;
                if !locked {
                    connection.close().await?;
                    return Ok(None);
                }
                Ok(Some(Self(Holder::Postgres(connection))))
            }
            Pools::Sqlite { writer, .. } => Ok(Some(Self(Holder::Sqlite(writer.clone())))),
        }
    }

    /// Deletes at most `limit` rows of `kind` stale at `before`; gives how
    /// many. Each batch commits on its own, so no lock is held for long and
    /// requests get the SQLite writer between batches.
    pub async fn sweep(
        &mut self,
        kind: Stale,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<u64, StorageError> {
        let sql = kind.delete_batch();
        let deleted = match &mut self.0 {
            Holder::Postgres(connection) => sqlx::query(sql)
                .bind(before)
                .bind(limit)
                .execute(connection)
                .await?
                .rows_affected(),
            Holder::Sqlite(writer) => sqlx::query(sql)
                .bind(before)
                .bind(limit)
                .execute(&*writer)
                .await?
                .rows_affected(),
        };
        Ok(deleted)
    }

    /// Ends the turn: on PostgreSQL, unlocks and closes its connection.
    pub async fn end(self) -> Result<(), StorageError> {
        if let Holder::Postgres(mut connection) = self.0 {
            // The server drops a closed connection's locks only some time
            // after `close` returns; the next turn may be asked for at once.
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(TURN_LOCK)
                .execute(&mut connection)
                .await?;
            connection.close().await?;
        }
        Ok(())
    }
}
