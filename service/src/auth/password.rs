//! bcrypt hashing, off the async runtime, one hash per core at a time, at a
//! lower CPU priority than everything else the service does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{OnceCell, mpsc, oneshot};

use super::AuthError;
use crate::domain::{Password, PasswordHash};

/// How much lower than the rest of the process the hashing threads run.
/// Under a login flood every core hashes, and a `me` or `/health` arriving
/// meanwhile still gets a core at once instead of a time slice after a
/// 200 ms hash; hashing keeps all the CPU that nothing else wants.
const HASHING_NICENESS: i32 = 10;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// Feeds one hashing thread per core: a burst of logins queues here
    /// instead of spawning hundreds of threads. The threads end when the
    /// last clone of the hasher is dropped.
    jobs: mpsc::UnboundedSender<Job>,
    /// Verified against when the email is unknown, so that a login for a
    /// missing account costs the same time as one for an existing account.
    dummy_hash: Arc<OnceCell<Arc<str>>>,
    /// bcrypt runs so far (hashes and checks): what floods would drive up.
    runs: Arc<AtomicU64>,
}

impl PasswordHasher {
    /// Starts hashing the dummy password in the background: at cost 12 that
    /// is a fifth of a second the service need not wait for before it is ready.
    pub fn new(cost: u32) -> Self {
        let hasher = Self {
            cost,
            jobs: hashing_threads(),
            dummy_hash: Arc::default(),
            runs: Arc::default(),
        };
        let background = hasher.clone();
        tokio::spawn(async move {
            if let Err(err) = background.dummy_hash().await {
                tracing::error!(error = %err, "hashing the dummy password failed");
            }
        });
        hasher
    }

    async fn dummy_hash(&self) -> Result<Arc<str>, AuthError> {
        self.dummy_hash
            .get_or_try_init(|| async {
                let dummy = Password::parse("dummy password for unknown users".into())?;
                Ok(Arc::from(self.hash(&dummy).await?.as_str()))
            })
            .await
            .cloned()
    }

    // `Password` holds at most 72 bytes, all of which bcrypt reads. (The
    // crate's `non_truncating_*` variants count the C-style NUL terminator
    // too and would refuse a 72-byte password, although only the terminator
    // is dropped from it.)
    pub async fn hash(&self, password: &Password) -> Result<PasswordHash, AuthError> {
        let (cost, password) = (self.cost, password.clone());
        let hash = self
            .blocking(move || bcrypt::hash(password.expose(), cost))
            .await?;
        Ok(PasswordHash::new(hash))
    }

    /// Checks `password` against `hash`, or against the dummy hash when there
    /// is no account (then always `false`, after the same amount of work).
    pub async fn verify(
        &self,
        password: &Password,
        hash: Option<&PasswordHash>,
    ) -> Result<bool, AuthError> {
        let known = hash.is_some();
        let hash: Arc<str> = match hash {
            Some(hash) => Arc::from(hash.as_str()),
            None => self.dummy_hash().await?,
        };
        let password = password.clone();
        let matches = self
            .blocking(move || bcrypt::verify(password.expose(), &hash))
            .await?;
        Ok(known && matches)
    }

    /// How many hashes and checks have run, the dummy one included.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
    ) -> Result<T, AuthError> {
        let (done, result) = oneshot::channel();
        let runs = self.runs.clone();
        let job: Job = Box::new(move || {
            // Nobody waits any more (the request was dropped while queued):
            // skip the work.
            if !done.is_closed() {
                runs.fetch_add(1, Ordering::Relaxed);
                let _ = done.send(work());
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| AuthError::internal("the hashing threads have stopped".to_owned()))?;
        result
            .await
            .map_err(AuthError::internal)?
            .map_err(AuthError::internal)
    }
}

/// One thread per core, each taking the next job from a shared queue.
fn hashing_threads() -> mpsc::UnboundedSender<Job> {
    let (jobs, queue) = mpsc::unbounded_channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    for n in 0..cores {
        let queue = queue.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("bcrypt-{n}"))
            .spawn(move || {
                lower_priority();
                loop {
                    // The lock is held only while waiting for a job.
                    let job = match queue.lock() {
                        Ok(mut queue) => queue.blocking_recv(),
                        Err(_) => return,
                    };
                    match job {
                        Some(job) => job(),
                        None => return, // every sender is gone
                    }
                }
            });
        if let Err(err) = spawned {
            tracing::error!(error = %err, "could not start a hashing thread");
        }
    }
    jobs
}

/// Raises this thread's nice value (on Linux, niceness is per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; `0` means the
    // calling thread.
    unsafe {
        let _ = libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICENESS);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_never_match() {
        let hasher = PasswordHasher::new(4);
        let right = Password::parse("correct horse".into()).unwrap();
        let wrong = Password::parse("battery staple".into()).unwrap();
        let hash = hasher.hash(&right).await.unwrap();
        assert!(hash.as_str().starts_with("$2b$04$"));
        assert!(hasher.verify(&right, Some(&hash)).await.unwrap());
        assert!(!hasher.verify(&wrong, Some(&hash)).await.unwrap());
        // The dummy password itself must not log in to a missing account.
        let dummy = Password::parse("dummy password for unknown users".into()).unwrap();
        assert!(!hasher.verify(&dummy, None).await.unwrap());
    }

    #[tokio::test]
    async fn every_byte_of_a_72_byte_password_counts() {
        let hasher = PasswordHasher::new(4);
        let long = "a".repeat(71);
        let hash = hasher
            .hash(&Password::parse(format!("{long}b")).unwrap())
            .await
            .unwrap();
        let other_last_byte = Password::parse(format!("{long}c")).unwrap();
        assert!(!hasher.verify(&other_last_byte, Some(&hash)).await.unwrap());
    }

    /// The hashing threads exist and run at the lower priority.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_niced() {
        let hasher = PasswordHasher::new(4);
        hasher
            .hash(&Password::parse("correct horse".into()).unwrap())
            .await
            .unwrap();
        let mut niceness = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            let path = task.unwrap().path();
            let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            if name.starts_with("bcrypt-") {
                let stat = std::fs::read_to_string(path.join("stat")).unwrap();
                // Field 19 of the line; 17th after the parenthesised name.
                let after_name = stat.rsplit_once(')').unwrap().1;
                let nice: i32 = after_name
                    .split_whitespace()
                    .nth(16)
                    .unwrap()
                    .parse()
                    .unwrap();
                niceness.push(nice);
            }
        }
        assert!(!niceness.is_empty(), "no hashing threads found");
        // Other tests in this binary start hashers too; every one is niced.
        assert!(
            niceness.iter().all(|n| *n == HASHING_NICENESS),
            "{niceness:?}"
        );
    }
}
