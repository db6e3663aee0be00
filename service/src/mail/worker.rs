//! The background worker that empties the outbox: it claims due messages,
//! sends them, and on failure schedules another attempt further out.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use lettre::message::Mailbox;
use tokio::sync::Notify;

use super::transport::Transport;
use crate::domain::Clock;
use crate::storage::outbox::{self, Retry};
use crate::storage::{Database, StorageError};

/// Messages taken per claim.
const BATCH: i64 = 20;
/// How long a claim holds its messages: long enough to send a batch through a
/// slow server, short enough that mail held by a worker that died goes out
/// soon after.
const LEASE: Duration = Duration::minutes(2);
/// With the doubling backoff from 30 s (capped at an hour), about seven hours
/// of trying before a message is marked failed.
const MAX_ATTEMPTS: i32 = 14;
/// How often the outbox is looked at with nothing announced: mail queued by
/// another replica, or due for another attempt.
const POLL: StdDuration = StdDuration::from_secs(5);

/// Wakes the worker of this process when a request has queued mail, so
/// that it goes out at once rather than at the next poll.
#[derive(Clone, Debug, Default)]
pub struct Doorbell(Arc<Notify>);

impl Doorbell {
    pub fn ring(&self) {
        self.0.notify_one();
    }
}

/// What one round of delivery did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub deferred: usize,
    pub failed: usize,
}

pub struct Postman {
    db: Database,
    transport: Transport,
    from: Mailbox,
    clock: Clock,
    doorbell: Doorbell,
}

impl Postman {
    pub fn new(
        db: Database,
        transport: Transport,
        from: Mailbox,
        clock: Clock,
        doorbell: Doorbell,
    ) -> Self {
        Self {
            db,
            transport,
            from,
            clock,
            doorbell,
        }
    }

    /// Sends what is due now, a batch at a time, until nothing is.
    pub async fn deliver_due(&self) -> Result<Round, StorageError> {
        let mut round = Round::default();
        loop {
            let claimed = outbox::claim_due(&self.db, self.clock.now(), LEASE, BATCH).await?;
            if claimed.is_empty() {
                return Ok(round);
            }
            for queued in claimed {
                let result = self.transport.send(&self.from, &queued.mail).await;
                let now = self.clock.now();
                match result {
                    Ok(()) => {
                        outbox::mark_sent(&self.db, queued.id, now).await?;
                        round.sent += 1;
                    }
                    Err(err) => {
                        let give_up = err.is_permanent() || queued.attempts >= MAX_ATTEMPTS;
                        let retry = if give_up {
                            round.failed += 1;
                            tracing::error!(id = %queued.id, kind = queued.mail.kind.as_str(),
                                attempts = queued.attempts, error = %err, "mail failed for good");
                            Retry::GiveUp
                        } else {
                            round.deferred += 1;
                            let wait = backoff(queued.attempts);
                            tracing::warn!(id = %queued.id, attempts = queued.attempts,
                                retry_in_s = wait.num_seconds(), error = %err, "mail not sent; will retry");
                            Retry::At(now + wait)
                        };
                        outbox::mark_unsent(&self.db, queued.id, &err.to_string(), retry, now)
                            .await?;
                    }
                }
            }
        }
    }

    /// Delivers until the process ends: at once when rung, otherwise every
    /// few seconds. A database error waits for the next round.
    pub async fn run(self) {
        loop {
            if let Err(err) = self.deliver_due().await {
                tracing::warn!(error = %err, "mail outbox unavailable; will retry");
            }
            let _ = tokio::time::timeout(POLL, self.doorbell.0.notified()).await;
        }
    }
}

/// 30 s after the first failure, doubling, at most an hour.
fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.clamp(1, 8) - 1;
    (Duration::seconds(30) * 2_i32.pow(doublings as u32)).min(Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(7), Duration::seconds(30 * 64));
        assert_eq!(backoff(8), Duration::hours(1));
        assert_eq!(backoff(20), Duration::hours(1));
    }
}
