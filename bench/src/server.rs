//! The service under test: the release binary as a child process, timed from
//! spawn to ready, and its memory read from /proc.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

/// Long enough for 64-byte HS256 keys; only ever used on loopback.
pub const SECRET_KEY: &str = "bench-secret-bench-secret-bench-secret-0123456789";

pub struct Service {
    child: Child,
    pub url: String,
    /// From spawn until `/health/ready` answered 200 (migrations applied).
    pub ready_after: Duration,
}

pub struct Launch<'a> {
    pub bin: &'a Path,
    pub database_url: &'a str,
    pub static_dir: Option<&'a Path>,
    pub log: PathBuf,
    pub extra_env: &'a [(&'a str, String)],
}

impl Service {
    pub async fn start(launch: Launch<'_>) -> anyhow::Result<Self> {
        let port = free_port()?;
        let url = format!("http://127.0.0.1:{port}");
        let log = std::fs::File::create(&launch.log)
            .with_context(|| format!("creating {}", launch.log.display()))?;
        let mut command = Command::new(launch.bin);
        command
            .arg("serve")
            .env_clear()
            // Away from the project's `.env`, which the service would read.
            .current_dir(launch.log.parent().unwrap_or(Path::new("/")))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", launch.database_url)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("ENVIRONMENT", "production")
            .env("SECRET_KEY", SECRET_KEY)
            // Registrations and sign-ins still queue their mail, and the
            // worker still claims and settles it: only SMTP is left out.
            .env("MAIL_DELIVERY", "log")
            // Every load comes from loopback, and the register scenario
            // measures the cost of an account, not the per-address limit.
            .env("REGISTRATIONS_PER_ADDRESS_PER_HOUR", "1000000")
            .envs(launch.extra_env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true);
        if let Some(dir) = launch.static_dir {
            command.env("STATIC_DIR", dir);
        }
        let started = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", launch.bin.display()))?;
        let client = reqwest::Client::new();
        let ready = format!("{url}/health/ready");
        loop {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "the service exited ({status}); see {}",
                    launch.log.display()
                );
            }
            if let Ok(response) = client.get(&ready).send().await
                && response.status().is_success()
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!("the service was not ready within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok(Self {
            ready_after: started.elapsed(),
            child,
            url,
        })
    }

    /// Resident memory now and at its peak, in KiB (`VmRSS`, `VmHWM`).
    pub fn memory_kib(&self) -> anyhow::Result<(u64, u64)> {
        let pid = self.child.id().context("the service has exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kib| kib.parse::<u64>().ok())
                .with_context(|| format!("no {name} in /proc/{pid}/status"))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// CPU time the process has used so far, user and system, in ms.
    pub fn cpu_ms(&self) -> anyhow::Result<f64> {
        let pid = self.child.id().context("the service has exited")?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // Fields after the parenthesised command name; utime and stime are
        // the 14th and 15th fields of the line, in clock ticks.
        let after_name = stat.rsplit_once(')').context("odd /proc stat")?.1;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
        Ok(ticks as f64 * 1e3 / clock_ticks_per_second())
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            // SIGTERM: the graceful path production takes.
            Command::new("kill").arg(pid.to_string()).status().await?;
        }
        match tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => self.child.kill().await?,
        }
        Ok(())
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `getconf CLK_TCK` (100 on every Linux this runs on), asked once.
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}
