//! The `sessions` table: one row per signed-in device, holding only the
//! SHA-256 of its current refresh token (and of the one before, for reuse
//! detection).

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::users::User;
use super::{Database, StorageError, now, with_pool, with_writer};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub refresh_token_hash: String,
    pub previous_token_hash: Option<String>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub device_info: Option<String>,
    pub ip_address: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

pub struct NewSession<'a> {
    pub refresh_token_hash: &'a str,
    pub device_info: Option<&'a str>,
    pub ip_address: Option<&'a str>,
    /// Fixed at creation: rotating the refresh token does not extend it.
    pub lifetime: Duration,
}

/// The insert, not yet run, so it can run on a pool or in a transaction.
macro_rules! insert_query {
    ($user_id:expr, $session:expr, $at:expr) => {
        sqlx::query_as::<_, $crate::storage::sessions::Session>(
            "INSERT INTO sessions (id, user_id, refresh_token_hash, device_info, ip_address, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             RETURNING *",
        )
        .bind(uuid::Uuid::new_v4())
        .bind($user_id)
        .bind($session.refresh_token_hash)
        .bind($session.device_info)
        .bind($session.ip_address)
        .bind($at + $session.lifetime)
        .bind($at)
    };
}
pub(super) use insert_query;

pub async fn insert(
    db: &Database,
    user_id: Uuid,
    new: &NewSession<'_>,
) -> Result<Session, StorageError> {
    let created = now();
    Ok(with_writer!(db, |pool| {
        insert_query!(user_id, new, created).fetch_one(pool).await
    })?)
}

/// A session whose refresh token was just swapped, and its user.
#[derive(Debug, sqlx::FromRow)]
pub struct Rotated {
    pub session_id: Uuid,
    #[sqlx(flatten)]
    pub user: User,
}

/// Swaps the live refresh token of an unexpired session, files the old one
/// among the session's retired tokens, and returns the session's user: all
/// or nothing.
///
/// The `WHERE` on the old hash makes the swap a compare-and-swap: of
/// concurrent calls with the same token, the first to write wins and the
/// others match no row, on PostgreSQL (row lock, then re-check) and SQLite
/// (one writer) alike. On PostgreSQL it is one statement, so one round trip
/// (this is the hottest write path); SQLite, whose CTEs cannot write, runs
/// the same steps in a transaction.
pub async fn rotate(
    db: &Database,
    old_hash: &str,
    new_hash: &str,
) -> Result<Option<Rotated>, StorageError> {
    let at = now();
    match db {
        Database::Postgres(pool) => Ok(sqlx::query_as::<_, Rotated>(
            "WITH rotated AS (
                 UPDATE sessions
                 SET refresh_token_hash = $2, previous_token_hash = $1, rotated_at = $3
                 WHERE refresh_token_hash = $1 AND expires_at > $3
                 RETURNING id, user_id
             ), retired AS (
                 INSERT INTO retired_refresh_tokens (token_hash, session_id, retired_at)
                 SELECT $1, id, $3 FROM rotated
             )
             SELECT rotated.id AS session_id, users.*
             FROM rotated JOIN users ON users.id = rotated.user_id",
        )
        .bind(old_hash)
        .bind(new_hash)
        .bind(at)
        .fetch_optional(pool)
        .await?),
        Database::Sqlite { writer: pool, .. } => {
            let mut tx = pool.begin().await?;
            let session: Option<(Uuid, Uuid)> = sqlx::query_as(
                "UPDATE sessions
                 SET refresh_token_hash = $2, previous_token_hash = $1, rotated_at = $3
                 WHERE refresh_token_hash = $1 AND expires_at > $3
                 RETURNING id, user_id",
            )
            .bind(old_hash)
            .bind(new_hash)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((session_id, user_id)) = session else {
                return Ok(None);
            };
            sqlx::query(
                "INSERT INTO retired_refresh_tokens (token_hash, session_id, retired_at)
                 VALUES ($1, $2, $3)",
            )
            .bind(old_hash)
            .bind(session_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            let rotated = sqlx::query_as::<_, Rotated>(
                "SELECT $1 AS session_id, users.* FROM users WHERE users.id = $2",
            )
            .bind(session_id)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(rotated))
        }
    }
}

/// A refresh token some live session rotated away.
#[derive(Debug, sqlx::FromRow)]
pub struct RetiredToken {
    pub session_id: Uuid,
    pub user_id: Uuid,
    /// Whether it is the token the session rotated away last.
    pub latest: bool,
    /// When the session last rotated its token.
    pub rotated_at: Option<DateTime<Utc>>,
}

/// Which session once held the refresh token with this hash, if it lives.
pub async fn find_retired(db: &Database, hash: &str) -> Result<Option<RetiredToken>, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_as::<_, RetiredToken>(
            "SELECT retired.session_id, sessions.user_id, sessions.rotated_at,
                    sessions.previous_token_hash = retired.token_hash AS latest
             FROM retired_refresh_tokens AS retired
             JOIN sessions ON sessions.id = retired.session_id
             WHERE retired.token_hash = $1",
        )
        .bind(hash)
        .fetch_optional(pool)
        .await
    })?)
}

/// Deletes the session whose live refresh token has this hash; true if one did.
pub async fn delete_by_hash(db: &Database, hash: &str) -> Result<bool, StorageError> {
    let result = with_writer!(db, |pool| {
        sqlx::query("DELETE FROM sessions WHERE refresh_token_hash = $1")
            .bind(hash)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(result > 0)
}

pub async fn delete(db: &Database, id: Uuid) -> Result<(), StorageError> {
    with_writer!(db, |pool| {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
    })?;
    Ok(())
}

/// Ends every session of a user (deactivation).
pub async fn delete_for_user(db: &Database, user_id: Uuid) -> Result<u64, StorageError> {
    Ok(with_writer!(db, |pool| {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })?)
}

/// Drops a user's expired sessions, so the table does not grow without bound.
pub async fn delete_expired_for_user(db: &Database, user_id: Uuid) -> Result<u64, StorageError> {
    Ok(with_writer!(db, |pool| {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
            .bind(user_id)
            .bind(now())
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })?)
}

/// A user's sessions, newest first.
pub async fn list_for_user(db: &Database, user_id: Uuid) -> Result<Vec<Session>, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_as::<_, Session>(
            "SELECT * FROM sessions WHERE user_id = $1 ORDER BY created_at DESC",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await
    })?)
}

/// When a session ends, if it is still live: unexpired, and its user active.
pub async fn live_expiry(
    db: &Database,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<Option<DateTime<Utc>>, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_scalar::<_, DateTime<Utc>>(
            "SELECT sessions.expires_at FROM sessions
             JOIN users ON users.id = sessions.user_id
             WHERE sessions.id = $1 AND sessions.user_id = $2
               AND sessions.expires_at > $3 AND users.is_active",
        )
        .bind(session_id)
        .bind(user_id)
        .bind(now())
        .fetch_optional(pool)
        .await
    })?)
}
