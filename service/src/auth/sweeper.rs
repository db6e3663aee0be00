//! The background sweep: the tables that would otherwise only grow lose the
//! rows no rule can need any more. What is stale is decided here, from the
//! same lifetimes and windows the rules use; `storage::sweep` deletes it.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::time::MissedTickBehavior;

use crate::config::Config;
use crate::domain::Clock;
use crate::storage::audit;
use crate::storage::sweep::{Stale, Turn};
use crate::storage::{Database, StorageError};

/// Rows deleted by one round, per kind.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub retired_tokens: u64,
    pub sessions: u64,
    pub throttle_windows: u64,
    pub links: u64,
    pub mail: u64,
    pub passes: u64,
    pub challenges: u64,
    /// Audit events past `AUDIT_RETENTION_DAYS`, dropped a sealed block at
    /// a time.
    pub audit_events: u64,
}

impl Swept {
    fn slot(&mut self, kind: Stale) -> &mut u64 {
        match kind {
            Stale::RetiredTokens => &mut self.retired_tokens,
            Stale::Sessions => &mut self.sessions,
            Stale::ThrottleWindows => &mut self.throttle_windows,
            Stale::Links => &mut self.links,
            Stale::Mail => &mut self.mail,
            Stale::Passes => &mut self.passes,
            Stale::Challenges => &mut self.challenges,
        }
    }

    pub fn total(&self) -> u64 {
        self.retired_tokens
            + self.sessions
            + self.throttle_windows
            + self.links
            + self.mail
            + self.passes
            + self.challenges
            + self.audit_events
    }
}

pub struct Sweeper {
    db: Database,
    clock: Clock,
    interval: Option<StdDuration>,
    batch: i64,
    /// The longest window any throttle count is kept for: a row whose window
    /// started longer ago counts nothing (the next attempt starts it over).
    throttle_window: Duration,
    mail_retention: Duration,
    audit_retention: Duration,
}

impl Sweeper {
    pub fn new(db: Database, config: &Config, clock: Clock) -> Self {
        Self {
            db,
            clock,
            interval: config.sweep_interval(),
            batch: config.sweep_batch_size.into(),
            throttle_window: super::throttle::Throttle::longest_window(config),
            mail_retention: Duration::days(config.mail_retention_days.into()),
            audit_retention: Duration::days(config.audit_retention_days.into()),
        }
    }

    /// One round as of `now`: each kind in batches until fewer than a batch
    /// are left. `None` when another replica is sweeping.
    pub async fn sweep_once(&self, now: DateTime<Utc>) -> Result<Option<Swept>, StorageError> {
        let Some(mut turn) = Turn::take(&self.db).await? else {
            return Ok(None);
        };
        let mut swept = Swept::default();
        for kind in Stale::ALL {
            let before = self.stale_before(kind, now);
            loop {
                let deleted = turn.sweep(kind, before, self.batch).await?;
                *swept.slot(kind) += deleted;
                if deleted < self.batch.unsigned_abs() {
                    break;
                }
            }
        }
        let cutoff = now - self.audit_retention;
        while let Some(events) = audit::drop_expired_block(&self.db, cutoff).await? {
            swept.audit_events += events;
        }
        turn.end().await?;
        Ok(Some(swept))
    }

    /// Rows of `kind` are stale when their time is at or before this.
    fn stale_before(&self, kind: Stale, now: DateTime<Utc>) -> DateTime<Utc> {
        match kind {
            Stale::RetiredTokens
            | Stale::Sessions
            | Stale::Links
            | Stale::Passes
            | Stale::Challenges => now,
            Stale::ThrottleWindows => now - self.throttle_window,
            Stale::Mail => now - self.mail_retention,
        }
    }

    /// Sweeps every interval until the process ends (at once when it
    /// starts); returns at once when the sweep is off. A failed round waits
    /// for the next.
    pub async fn run(self) {
        let Some(interval) = self.interval else {
            return;
        };
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.sweep_once(self.clock.now()).await {
                Ok(Some(swept)) if swept.total() > 0 => tracing::info!(
                    sessions = swept.sessions,
                    retired_tokens = swept.retired_tokens,
                    throttle_windows = swept.throttle_windows,
                    links = swept.links,
                    mail = swept.mail,
                    passes = swept.passes,
                    audit_events = swept.audit_events,
                    "swept stale rows"
                ),
                Ok(Some(_)) => tracing::debug!("nothing to sweep"),
                Ok(None) => tracing::debug!("another replica is sweeping"),
                Err(err) => tracing::warn!(error = %err, "sweep failed; will retry"),
            }
        }
    }
}
