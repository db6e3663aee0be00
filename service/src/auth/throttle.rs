//! Sign-in throttling per account and per client address (ASVS 2.2.1).
//!
//! Every attempt is counted before its password is checked, in the database,
//! by one atomic upsert per key: fifty parallel guesses get fifty distinct
//! counts, so no more than the limit ever reach bcrypt, on any replica. Each
//! login field counts on its own, so aliases in one document buy nothing.

use chrono::{DateTime, Duration, Utc};

use super::AuthError;
use crate::storage::{Database, throttle};

#[derive(Clone)]
pub struct LoginThrottle {
    db: Database,
    window: Duration,
    per_account: i32,
    per_address: i32,
}

impl LoginThrottle {
    pub fn new(db: Database, window: Duration, per_account: u32, per_address: u32) -> Self {
        Self {
            db,
            window,
            per_account: per_account.try_into().unwrap_or(i32::MAX),
            per_address: per_address.try_into().unwrap_or(i32::MAX),
        }
    }

    /// Counts one attempt against the account (known or not, so the answer
    /// reveals nothing) and the address; `RATE_LIMITED` once either is over
    /// its limit, whatever the password.
    pub async fn admit(
        &self,
        account: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let mut wait = None;
        for (key, limit) in self.keys(account, address) {
            let counted = throttle::count_attempt(&self.db, &key, self.window, now).await?;
            if counted.attempts > limit {
                let left = counted.window_start + self.window - now;
                wait = wait.max(Some(left.num_seconds().max(1)));
            }
        }
        match wait {
            Some(seconds) => Err(AuthError::RateLimited {
                retry_after_seconds: seconds.unsigned_abs(),
            }),
            None => Ok(()),
        }
    }

    /// After a correct password: the account starts over, and the address
    /// gets its attempt back.
    pub async fn succeeded(&self, account: &str, address: Option<&str>) -> Result<(), AuthError> {
        throttle::clear(&self.db, &account_key(account)).await?;
        if let Some(address) = address {
            throttle::refund(&self.db, &address_key(address)).await?;
        }
        Ok(())
    }

    fn keys(&self, account: &str, address: Option<&str>) -> Vec<(String, i32)> {
        let mut keys = vec![(account_key(account), self.per_account)];
        if let Some(address) = address {
            keys.push((address_key(address), self.per_address));
        }
        keys
    }
}

/// An account is named by its email, lower-cased as `Email` and the `users`
/// table keep it, so that every spelling of it shares one count.
fn account_key(email: &str) -> String {
    format!("account:{email}")
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}
