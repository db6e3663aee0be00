//! Sealing the audit trail into a hash chain, and checking the chain.
//!
//! Events are written by many requests at once, each in its own transaction;
//! chaining each event to the one before would make every writer wait for
//! the last. Instead a background [`Sealer`] takes the events written since
//! the last block, a batch at a time, and seals them into the next block,
//! whose hash covers them and the block before. [`verify`] recomputes every
//! block (`service audit verify`). An event is tamper-evident once sealed:
//! within `AUDIT_SEAL_INTERVAL_SECONDS` of being written.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use tokio::time::MissedTickBehavior;

use crate::config::Config;
use crate::domain::{Clock, block_hash};
use crate::storage::audit::{self, Block};
use crate::storage::{Database, StorageError};

/// The most events one block holds.
const BLOCK_SIZE: i64 = 1000;

pub struct Sealer {
    db: Database,
    clock: Clock,
    interval: Option<StdDuration>,
}

impl Sealer {
    pub fn new(db: Database, config: &Config, clock: Clock) -> Self {
        Self {
            db,
            clock,
            interval: config.audit_seal_interval(),
        }
    }

    /// Seals every event waiting as of `now`, a block at a time; gives the
    /// blocks made (none while another replica is sealing).
    /// Sets `audit_seal_lag_seconds` to how far behind tamper evidence was
    /// as the round began.
    pub async fn seal_once(&self, now: DateTime<Utc>) -> Result<Vec<Block>, StorageError> {
        let lag = self.lag(now).await?;
        metrics::gauge!(crate::telemetry::AUDIT_SEAL_LAG).set(lag);
        let mut sealed = Vec::new();
        while let Some(block) = audit::seal_next(&self.db, now, BLOCK_SIZE, block_hash).await? {
            let full = i64::from(block.event_count) == BLOCK_SIZE;
            sealed.push(block);
            if !full {
                break;
            }
        }
        Ok(sealed)
    }

    /// How long the oldest unsealed event has waited, in seconds (0 when
    /// none waits): how far behind tamper evidence is.
    async fn lag(&self, now: DateTime<Utc>) -> Result<f64, StorageError> {
        let oldest = audit::oldest_unsealed(&self.db).await?;
        Ok(oldest.map_or(0.0, |at| {
            (now - at).num_milliseconds().max(0) as f64 / 1000.0
        }))
    }

    /// Seals every interval until the process ends; returns at once when
    /// sealing is off. A failed round waits for the next.
    pub async fn run(self) {
        let Some(interval) = self.interval else {
            return;
        };
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = self.clock.now();
            match self.seal_once(now).await {
                Ok(blocks) => {
                    if let Some(last) = blocks.last() {
                        tracing::debug!(
                            blocks = blocks.len(),
                            last = last.seq,
                            "sealed audit events"
                        );
                    }
                }
                Err(err) => tracing::warn!(error = %err, "audit sealing failed; will retry"),
            }
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, PartialEq, Eq)]
pub struct Verification {
    pub blocks: u64,
    pub events: u64,
    /// The first block (retention dropped the ones before it, if not 1).
    pub first_block: Option<i64>,
    pub broken: Option<Broken>,
}

/// The first block that does not verify, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct Broken {
    pub block: i64,
    pub reason: String,
}

/// Recomputes the chain block by block and stops at the first that does not
/// match: its events changed, went, or came from elsewhere (the hash), it
/// was reordered or replaced (the previous hash), or blocks went missing
/// from the middle (the numbers).
pub async fn verify(db: &Database) -> Result<Verification, StorageError> {
    let blocks = audit::blocks(db).await?;
    let mut checked = Verification {
        blocks: 0,
        events: 0,
        first_block: blocks.first().map(|block| block.seq),
        broken: None,
    };
    let mut previous: Option<&Block> = None;
    for block in &blocks {
        let broken = |reason: String| Broken {
            block: block.seq,
            reason,
        };
        if let Some(before) = previous {
            if block.seq != before.seq + 1 {
                checked.broken = Some(broken(format!(
                    "blocks {} to {} are missing",
                    before.seq + 1,
                    block.seq - 1
                )));
                break;
            }
            if block.previous_hash != before.hash {
                checked.broken = Some(broken(format!(
                    "its previous hash does not match block {}",
                    before.seq
                )));
                break;
            }
        }
        let events = audit::sealed_in(db, block.seq).await?;
        if events.len() != block.event_count as usize {
            checked.broken = Some(broken(format!(
                "it was sealed with {} events and holds {}",
                block.event_count,
                events.len()
            )));
            break;
        }
        if block_hash(&block.previous_hash, block.seq, &events) != block.hash {
            checked.broken = Some(broken(
                "its events do not match its hash (one was edited, removed or added)".into(),
            ));
            break;
        }
        checked.blocks += 1;
        checked.events += events.len() as u64;
        previous = Some(block);
    }
    Ok(checked)
}
