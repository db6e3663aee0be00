//! `--split-cores`: PostgreSQL on one half of the machine's CPUs, the bench
//! and all it starts (service, wrk, pgbench) on the other, as if the
//! database had a host of its own. On shared cores every microsecond the
//! service or wrk spends is taken from PostgreSQL, while pgbench's ceiling
//! leaves the database almost every cycle; split, both the ceiling and the
//! service meet the same database, and the fraction says how much of it the
//! service can use. The server's affinity is put back when the run ends
//! (`taskset -a -p -c 0-<n-1> <postmaster pid>` does it by hand after a
//! crash).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use sqlx::{Connection, PgConnection};

pub struct SplitCores {
    postmaster: u32,
    all: String,
    /// What the results say about the arrangement.
    pub description: String,
}

impl SplitCores {
    /// Needs the server on this machine and the right to change its
    /// processes' affinity (root, or the server's own user).
    pub async fn apply(admin_url: &str) -> anyhow::Result<Self> {
        let mut admin = PgConnection::connect(admin_url).await?;
        let dir: String = sqlx::query_scalar("SELECT current_setting('data_directory')")
            .fetch_one(&mut admin)
            .await
            .context("reading data_directory (--split-cores needs a superuser)")?;
        let pid_file = Path::new(&dir).join("postmaster.pid");
        let postmaster: u32 = std::fs::read_to_string(&pid_file)
            .with_context(|| {
                format!(
                    "reading {} (--split-cores needs the server on this machine)",
                    pid_file.display()
                )
            })?
            .lines()
            .next()
            .and_then(|line| line.trim().parse().ok())
            .with_context(|| format!("no pid in {}", pid_file.display()))?;
        let cpus = std::thread::available_parallelism()?.get();
        if cpus < 2 {
            bail!("--split-cores needs two CPUs or more, this process has {cpus}");
        }
        let half = cpus / 2;
        let database = span(0, half);
        let rest = span(half, cpus);
        let split = Self {
            postmaster,
            all: span(0, cpus),
            description: format!(
                "split cores: PostgreSQL on CPUs {database}, the service, wrk and pgbench on {rest}"
            ),
        };
        // From here on, dropping `split` puts everything back.
        split.pin_server(&database)?;
        taskset(&rest, std::process::id())?;
        eprintln!("{}", split.description);
        Ok(split)
    }

    /// The postmaster and every process it has forked; backends forked
    /// later inherit the postmaster's affinity.
    fn pin_server(&self, cpus: &str) -> anyhow::Result<()> {
        taskset(cpus, self.postmaster)?;
        for child in children(self.postmaster)? {
            // A backend may exit between the listing and this.
            let _ = taskset(cpus, child);
        }
        Ok(())
    }
}

impl Drop for SplitCores {
    fn drop(&mut self) {
        let all = self.all.clone();
        if let Err(error) = self
            .pin_server(&all)
            .and_then(|()| taskset(&all, std::process::id()))
        {
            eprintln!(
                "could not give PostgreSQL its CPUs back ({error:#}); run `taskset -a -p -c {all} {}` for it and its children",
                self.postmaster
            );
        }
    }
}

fn span(from: usize, to: usize) -> String {
    if to - from == 1 {
        from.to_string()
    } else {
        format!("{from}-{}", to - 1)
    }
}

/// `taskset -a`: every thread of the process.
fn taskset(cpus: &str, pid: u32) -> anyhow::Result<()> {
    let output = Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &pid.to_string()])
        .output()
        .context("running taskset (util-linux)")?;
    if !output.status.success() {
        bail!(
            "taskset -c {cpus} {pid}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

fn children(parent: u32) -> anyhow::Result<Vec<u32>> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let Ok(pid) = entry?.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|ppid| ppid.parse::<u32>().ok());
        if ppid == Some(parent) {
            children.push(pid);
        }
    }
    Ok(children)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_name_cpus_as_taskset_reads_them() {
        assert_eq!(span(0, 1), "0");
        assert_eq!(span(0, 2), "0-1");
        assert_eq!(span(4, 8), "4-7");
    }

    #[test]
    fn a_forked_process_is_found_among_its_parents_children() {
        let mut child = Command::new("sleep").arg("5").spawn().unwrap();
        let found = children(std::process::id()).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            found.contains(&child.id()),
            "{} not in {found:?}",
            child.id()
        );
    }
}
