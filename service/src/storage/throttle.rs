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

/// The upsert that counts one attempt against a key, not yet run, so it can
/// run on a pool or in a transaction: a new window when the last one is
/// over. The row is read and written in one statement, so no two callers
/// can see the same count.
macro_rules! count_query {
    ($key:expr, $window:expr, $at:expr) => {
        sqlx::query_as::<_, Attempts>(
            "INSERT INTO login_throttle (key, attempts, window_start) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET
                 attempts = CASE WHEN login_throttle.window_start <= $3
                                 THEN 1 ELSE login_throttle.attempts + 1 END,
                 window_start = CASE WHEN login_throttle.window_start <= $3
                                     THEN $2 ELSE login_throttle.window_start END
             RETURNING attempts, window_start",
        )
        .bind($key)
        .bind($at)
        .bind($at - $window)
    };
}

/// Counts one attempt against `key`, opening a new window when the last one
/// is over.
pub async fn count_attempt(
    db: &Database,
    key: &str,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Attempts, StorageError> {
    Ok(with_writer!(db, |pool| {
        count_query!(key, window, now).fetch_one(pool).await
    })?)
}

/// A key to count an attempt against, with its limit.
#[derive(Clone, Copy, Debug)]
pub struct Count<'a> {
    pub key: &'a str,
    pub window: Duration,
    /// The most attempts the window allows.
    pub most: i32,
}

/// Counts one attempt against each key in turn, in one transaction, and
/// stops after the first key it takes over its limit: those after it are
/// not counted (an address over its limit must not use up an account's
/// tries). The counts made, in order.
///
/// One transaction is one commit, one wait for the disk, for what would
/// otherwise be a commit per key; each row stays locked from its count to
/// the commit, so parallel attempts still see distinct counts.
pub async fn count_attempts(
    db: &Database,
    counts: &[Count<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<Attempts>, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let mut counted = Vec::with_capacity(counts.len());
        for count in counts {
            let attempts = count_query!(count.key, count.window, now)
                .fetch_one(&mut *tx)
                .await?;
            let over = attempts.attempts > count.most;
            counted.push(attempts);
            if over {
                break;
            }
        }
        tx.commit().await?;
        Ok(counted)
    })
}

/// What a sign-in that proved its password does to one key's count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settle {
    /// Forget the key's attempts.
    Clear(String),
    /// Give one attempt back.
    Refund(String),
}

impl Settle {
    pub(super) fn statement(&self) -> (&'static str, &str) {
        match self {
            Self::Clear(key) => ("DELETE FROM login_throttle WHERE key = $1", key),
            Self::Refund(key) => (
                "UPDATE login_throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
                key,
            ),
        }
    }
}

/// Runs `$settles` inside transaction `$tx` (the sign-in's own, so that a
/// sign-in that fails leaves its attempt counted). Give them in the order
/// [`count_attempts`] counted the keys: two transactions that lock the same
/// rows in the same order cannot deadlock.
macro_rules! settle_query {
    ($tx:expr, $settles:expr) => {
        for settle in $settles {
            let (sql, key) = settle.statement();
            sqlx::query(sql).bind(key).execute(&mut *$tx).await?;
        }
    };
}
pub(super) use settle_query;

/// [`Settle`]s on their own, in one transaction.
pub async fn settle(db: &Database, settles: &[Settle]) -> Result<(), StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        settle_query!(tx, settles);
        tx.commit().await?;
        Ok(())
    })
}

/// Forgets a key's attempts (an account's, after its owner proved
/// themselves by mail).
pub async fn clear(db: &Database, key: &str) -> Result<(), StorageError> {
    with_writer!(db, |pool| sqlx::query(
        "DELETE FROM login_throttle WHERE key = $1"
    )
    .bind(key)
    .execute(pool)
    .await
    .map(drop))?;
    Ok(())
}
