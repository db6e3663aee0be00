//! The `sign_in_passes` table: the networks an account's owner proved
//! themselves from by mail, where password sign-in passes the account's lock
//! for a while.

use chrono::{DateTime, Utc};

use super::{Database, StorageError};
use crate::domain::UserId;
use crate::with_pool;

/// A pass about to be granted, inside the transaction of the proof.
pub struct NewPass<'a> {
    pub network: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// Grants (or renews) a pass inside transaction-bound code.
macro_rules! grant_query {
    ($user_id:expr, $pass:expr) => {
        sqlx::query(
            "INSERT INTO sign_in_passes (user_id, network, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, network) DO UPDATE SET expires_at = excluded.expires_at",
        )
        .bind($user_id)
        .bind($pass.network)
        .bind($pass.expires_at)
    };
}
pub(super) use grant_query;

/// Whether the account's owner may sign in from this network while the
/// account is locked.
pub async fn holds(
    db: &Database,
    user: UserId,
    network: &str,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM sign_in_passes
                            WHERE user_id = $1 AND network = $2 AND expires_at > $3)",
        )
        .bind(user.as_uuid())
        .bind(network)
        .bind(now)
        .fetch_one(pool)
        .await
    })?)
}
