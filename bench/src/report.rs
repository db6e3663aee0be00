//! What a run found: the JSON results file and its Markdown summary.

use serde::Serialize;
use std::fmt::Write;

use crate::EngineRun;
use crate::ceiling::Ceiling;
use crate::wrk::Measured;

#[derive(Serialize)]
pub struct Results {
    pub date: String,
    pub machine: Machine,
    pub postgres: String,
    /// `--split-cores`: which CPUs the database had, and which the rest.
    pub split_cores: Option<String>,
    pub bcrypt_cost: u32,
    pub seconds_per_load: u64,
    pub wall_seconds: u64,
    pub bcrypt: Option<Bcrypt>,
    pub runs: Vec<RunSummary>,
    pub rows: Vec<Row>,
    /// `db-ceiling`: the hot paths' statements under pgbench.
    pub ceilings: Vec<Ceiling>,
}

#[derive(Serialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu: String,
}

#[derive(Serialize)]
pub struct RunSummary {
    pub label: String,
    pub ready_ms: f64,
    pub rss_ready_kib: u64,
    pub rss_peak_kib: u64,
    pub client: Option<serde_json::Value>,
}

#[derive(Serialize)]
pub struct Row {
    pub label: String,
    pub scenario: String,
    pub connections: u32,
    /// Rows in `sessions` when the load ended.
    pub sessions: Option<i64>,
    pub measured: Measured,
}

impl Row {
    pub fn new(
        scenario: &str,
        connections: u32,
        sessions: Option<i64>,
        measured: Measured,
    ) -> Self {
        Self {
            label: String::new(),
            scenario: scenario.into(),
            connections,
            sessions,
            measured,
        }
    }
}

/// The physical ceiling of logins: every core verifying bcrypt hashes.
#[derive(Debug, Serialize)]
pub struct Bcrypt {
    pub verify_ms: Vec<f64>,
    pub median_ms: f64,
    pub cores: usize,
    /// `cores / median verify time`.
    pub ceiling_per_second: f64,
    /// Verifications per second with one at a time on every core, measured.
    pub parallel_per_second: f64,
}

impl Bcrypt {
    pub async fn measure(cost: u32) -> anyhow::Result<Self> {
        let verify_ms = crate::time_verify(cost, 9).await?;
        let median_ms = median(&verify_ms);
        let cores = cores();
        const EACH: usize = 4;
        let tasks: Vec<_> = (0..cores)
            .map(|_| tokio::spawn(crate::time_verify(cost, EACH)))
            .collect();
        // The tasks verify side by side; the slowest one's total is the span.
        let mut slowest_ms = 0f64;
        for task in tasks {
            slowest_ms = slowest_ms.max(task.await??.iter().sum());
        }
        let parallel_per_second = (cores * EACH) as f64 / (slowest_ms / 1e3);
        Ok(Self {
            ceiling_per_second: cores as f64 / (median_ms / 1e3),
            verify_ms,
            median_ms,
            cores,
            parallel_per_second,
        })
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1e3)
}

impl Results {
    pub fn new(bcrypt_cost: u32, seconds_per_load: u64) -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|l| l.strip_prefix("model name"))
                    .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
            })
            .unwrap_or_default();
        Self {
            date: chrono::Utc::now().to_rfc3339(),
            machine: Machine {
                cores: cores(),
                cpu,
            },
            postgres: String::new(),
            split_cores: None,
            bcrypt_cost,
            seconds_per_load,
            wall_seconds: 0,
            bcrypt: None,
            runs: Vec::new(),
            rows: Vec::new(),
            ceilings: Vec::new(),
        }
    }

    pub fn add(&mut self, run: EngineRun) {
        for mut row in run.rows {
            row.label.clone_from(&run.label);
            self.rows.push(row);
        }
        self.ceilings.extend(run.ceilings);
        self.runs.push(RunSummary {
            label: run.label,
            ready_ms: run.ready_ms,
            rss_ready_kib: run.rss_ready_kib,
            rss_peak_kib: run.rss_peak_kib,
            client: run.client,
        });
    }

    fn row(&self, label: &str, scenario: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.label == label && r.scenario == scenario)
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "## Run of {}\n\n{} cores ({}); {}; bcrypt cost {}, {} s per load, {} s in all.\n",
            self.date,
            self.machine.cores,
            self.machine.cpu,
            self.postgres,
            self.bcrypt_cost,
            self.seconds_per_load,
            self.wall_seconds
        );
        if let Some(split) = &self.split_cores {
            let _ = writeln!(md, "With {split}.\n");
        }
        if let Some(b) = &self.bcrypt {
            let _ = writeln!(
                md,
                "bcrypt verify: median {:.1} ms on one core; ceiling {} cores / {:.1} ms = {:.2} logins/s \
                 (all cores verifying at once, measured: {:.2}/s).\n",
                b.median_ms, b.cores, b.median_ms, b.ceiling_per_second, b.parallel_per_second
            );
            for scenario in ["login", "register"] {
                if let Some(row) = self.row("postgres", scenario) {
                    let _ = writeln!(
                        md,
                        "- `{scenario}`: {:.2}/s = {:.0}% of the ceiling",
                        row.measured.per_second(),
                        100.0 * row.measured.per_second() / b.ceiling_per_second
                    );
                }
            }
            md.push('\n');
        }
        md.push_str("| run | start to ready | RSS when ready | peak RSS |\n|---|---|---|---|\n");
        for run in &self.runs {
            let _ = writeln!(
                md,
                "| {} | {:.0} ms | {:.1} MiB | {:.1} MiB |",
                run.label,
                run.ready_ms,
                run.rss_ready_kib as f64 / 1024.0,
                run.rss_peak_kib as f64 / 1024.0
            );
        }
        md.push_str(
            "\n| run | load | connections | sessions | req/s | p50 ms | p90 ms | p99 ms | max ms | service CPU µs/req | failures |\n\
             |---|---|---|---|---|---|---|---|---|---|---|\n",
        );
        for r in &self.rows {
            let m = &r.measured;
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {:.0} | {} | {} | {} | {} | {:.0} | {} |",
                r.label,
                r.scenario,
                r.connections,
                r.sessions.map_or("".into(), |s| s.to_string()),
                r.measured.per_second(),
                ms(m.p50_us),
                ms(m.p90_us),
                ms(m.p99_us),
                ms(m.max_us),
                m.cpu_us_per_request(),
                m.failures + m.socket_errors + m.status_errors + m.timeouts
            );
        }
        self.ceiling(&mut md);
        self.comparison(&mut md);
        for run in &self.runs {
            if let Some(client) = &run.client {
                let _ = writeln!(md, "\nClient first load ({}): {client}", run.label);
            }
        }
        md
    }

    /// Each hot path's req/s as a fraction of its statement's `db-ceiling`.
    fn ceiling(&self, md: &mut String) {
        if self.ceilings.is_empty() {
            return;
        }
        md.push_str(
            "\n`db-ceiling`: the service's own statement under pgbench, straight at PostgreSQL.\n\n\
             | run | load | connections | sessions | service req/s | db-ceiling tps (pgbench clients) | pgbench latency ms | of the ceiling |\n\
             |---|---|---|---|---|---|---|---|\n",
        );
        for c in &self.ceilings {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {:.0} | {:.0} ({}) | {:.2} | {:.0}% |",
                c.label,
                c.statement,
                c.connections,
                c.sessions.map_or("".into(), |s| s.to_string()),
                c.service_per_second,
                c.tps,
                c.clients,
                c.latency_ms,
                100.0 * c.fraction()
            );
        }
    }

    /// After/before ratios of the same loads on the same table sizes.
    fn comparison(&self, md: &mut String) {
        let baseline: Vec<&Row> = self.rows.iter().filter(|r| r.label == "baseline").collect();
        if baseline.is_empty() {
            return;
        }
        md.push_str(
            "\n| load | connections | req/s before → after | × | p99 ms before → after | service CPU µs/req before → after |\n|---|---|---|---|---|---|\n",
        );
        for before in baseline {
            // The first matching row: the one on the same (small) tables.
            let Some(after) = self.rows.iter().find(|r| {
                r.label == "postgres"
                    && r.scenario == before.scenario
                    && r.connections == before.connections
            }) else {
                continue;
            };
            let _ = writeln!(
                md,
                "| {} | {} | {:.0} → {:.0} | {:.2} | {} → {} | {:.0} → {:.0} |",
                before.scenario,
                before.connections,
                before.measured.per_second(),
                after.measured.per_second(),
                after.measured.per_second() / before.measured.per_second(),
                ms(before.measured.p99_us),
                ms(after.measured.p99_us),
                before.measured.cpu_us_per_request(),
                after.measured.cpu_us_per_request()
            );
        }
    }
}
