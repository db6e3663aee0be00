use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, SubsecRound, Utc};

/// Where the service reads the time: the system clock, at the precision both
/// engines store (PostgreSQL keeps microseconds, so a time written and read
/// back compares equal). Auth reads it and passes `now` down to storage
/// rather than letting each query read a clock of its own, so the writes of
/// one step agree on the time, and a test can move the clock past a
/// throttling window or a grace period instead of sleeping through it.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Microseconds this clock runs ahead of the system's (0 outside tests).
    ahead: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        let ahead = Duration::microseconds(self.ahead.load(Ordering::Relaxed));
        (Utc::now() + ahead).trunc_subsecs(6)
    }

    /// Moves this clock and every clone of it forward.
    pub fn advance(&self, by: Duration) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX);
        self.ahead.fetch_add(micros, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_time_kept_to_microseconds() {
        let clock = Clock::default();
        let replica = clock.clone();
        let before = replica.now();
        clock.advance(Duration::hours(1));
        let after = replica.now();
        assert!(after - before >= Duration::hours(1), "{before} -> {after}");
        assert_eq!(after.timestamp_subsec_nanos() % 1000, 0);
    }
}
