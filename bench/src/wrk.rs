//! wrk, driven by the Lua scenarios in `bench/wrk/`, one JSON line back.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tokio::process::Command;

const PRELUDE: &str = include_str!("../wrk/prelude.lua");
const PACED: &str = include_str!("../wrk/paced.lua");

#[derive(Clone, Copy, Debug)]
pub enum Scenario {
    Health,
    Me,
    Refresh,
    Login,
    Register,
}

impl Scenario {
    fn script(self) -> &'static str {
        match self {
            Self::Health => include_str!("../wrk/health.lua"),
            Self::Me => include_str!("../wrk/me.lua"),
            Self::Refresh => include_str!("../wrk/refresh.lua"),
            Self::Login => include_str!("../wrk/login.lua"),
            Self::Register => include_str!("../wrk/register.lua"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Health => "health",
            Self::Me => "me",
            Self::Refresh => "refresh",
            Self::Login => "login",
            Self::Register => "register",
        }
    }
}

pub struct Load<'a> {
    pub scenario: Scenario,
    pub url: &'a str,
    pub connections: u32,
    pub duration: Duration,
    /// One request per this many milliseconds per connection (a probe).
    pub pace_ms: Option<u32>,
    pub env: Vec<(&'static str, String)>,
}

/// What one wrk run measured. Latencies in microseconds.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Measured {
    pub requests: u64,
    pub duration_us: u64,
    /// Responses that were not what the scenario expected (GraphQL errors
    /// included), and the first of them.
    pub failures: u64,
    pub failure_sample: String,
    pub socket_errors: u64,
    pub status_errors: u64,
    pub timeouts: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    pub mean_us: f64,
    /// CPU time the service process spent meanwhile (user + system).
    #[serde(default)]
    pub service_cpu_ms: f64,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / (self.duration_us as f64 / 1e6)
    }

    pub fn cpu_us_per_request(&self) -> f64 {
        self.service_cpu_ms * 1e3 / self.requests.max(1) as f64
    }

    /// Every response was the expected one.
    pub fn clean(&self) -> bool {
        self.failures == 0
            && self.socket_errors == 0
            && self.status_errors == 0
            && self.timeouts == 0
    }
}

pub async fn run(load: Load<'_>, scratch: &Path) -> anyhow::Result<Measured> {
    let threads = load.connections.clamp(1, 2);
    let mut script = format!("{PRELUDE}\n{}", load.scenario.script());
    if load.pace_ms.is_some() {
        script.push_str(PACED);
    }
    let script_path = scratch.join(format!("{}.lua", load.scenario.name()));
    std::fs::write(&script_path, script)?;
    let output = Command::new("wrk")
        .arg(format!("--threads={threads}"))
        .arg(format!("--connections={}", load.connections))
        .arg(format!("--duration={}s", load.duration.as_secs().max(1)))
        .arg("--timeout=10s")
        .arg(format!("--script={}", script_path.display()))
        .arg(load.url)
        .env("WRK_THREADS", threads.to_string())
        .env("PACE_MS", load.pace_ms.unwrap_or(0).to_string())
        .envs(load.env)
        .kill_on_drop(true)
        .output()
        .await
        .context("running wrk (just bench installs it)")?;
    crate::tagged_result("wrk", &output, "WRK_JSON ")
}
