//! The `login_throttle` table: sign-in attempts per key (an account or a
//! client address) in a fixed window, counted by one atomic upsert so that
//! parallel requests and separate replicas all see the same count.

use chrono::{DateTime, Duration, Utc};

use super::{Database, StorageError};
use crate::with_writer;

/// One key's count, this attempt included.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attempts {
    pub attempts: i32,
    pub window_start: DateTime<Utc>,
}

/// Counts one attempt against `key`, opening a new window when the last one
/// is over. The row is read and written in one statement, so no two callers
/// can see the same count.
pub async fn count_attempt(
    db: &Database,
    key: &str,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Attempts, StorageError> {
    Ok(with_writer!(db, |pool| {
        sqlx::query_as::<_, Attempts>(
            "INSERT INTO login_throttle (key, attempts, window_start) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET
                 attempts = CASE WHEN login_throttle.window_start <= $3
                                 THEN 1 ELSE login_throttle.attempts + 1 END,
                 window_start = CASE WHEN login_throttle.window_start <= $3
                                     THEN $2 ELSE login_throttle.window_start END
             RETURNING attempts, window_start",
        )
        .bind(key)
        .bind(now)
        .bind(now - window)
        .fetch_one(pool)
        .await
    })?)
}

/// Forgets a key's attempts (an account's, after it signed in).
pub async fn clear(db: &Database, key: &str) -> Result<(), StorageError> {
    for_key(db, "DELETE FROM login_throttle WHERE key = $1", key).await
}

/// Gives one attempt back (a client address's, after a successful sign-in),
/// so people behind one address do not use up each other's tries by
/// signing in correctly.
pub async fn refund(db: &Database, key: &str) -> Result<(), StorageError> {
    let sql = "UPDATE login_throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0";
    for_key(db, sql, key).await
}

async fn for_key(db: &Database, sql: &'static str, key: &str) -> Result<(), StorageError> {
    with_writer!(db, |pool| sqlx::query(sql)
        .bind(key)
        .execute(pool)
        .await
        .map(drop))?;
    Ok(())
}
