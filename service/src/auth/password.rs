//! bcrypt hashing, off the async runtime, one hash per core at a time, at a
//! lower CPU priority than everything else the service does.
//!
//! Hashes are passlib's `bcrypt_sha256` (version 2), so that every character
//! of a long password counts (bcrypt alone reads 72 bytes: 36 Cyrillic
//! letters) and accounts move over from Python apps as they are:
//! `$bcrypt-sha256$v=2,t=2b,r=<cost>$<salt>$<digest>`, where salt and digest
//! are those of a `$2b$` bcrypt hash of
//! base64(HMAC-SHA256(key = the salt as written, message = the password)).
//! Plain bcrypt hashes from before still verify, and are replaced at the
//! next sign-in ([`PasswordHasher::is_outdated`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{OnceCell, mpsc, oneshot};

use super::AuthError;
use crate::domain::{Password, PasswordHash};
use crate::telemetry::{HASH_QUEUE_DEPTH, HASH_QUEUE_WAIT};

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

    /// A hash in the current format, at `BCRYPT_COST`.
    pub async fn hash(&self, password: &Password) -> Result<PasswordHash, AuthError> {
        let (cost, password) = (self.cost, password.clone());
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|err| AuthError::internal(err.to_string()))?;
        let hash = self
            .blocking(move || bcrypt_sha256(password.expose(), cost, salt))
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
        let matches = self.blocking(move || verify(&password, &hash)).await?;
        Ok(known && matches)
    }

    /// How many hashes and checks have run, the dummy one included.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// Whether a hash that just verified should be replaced: a plain bcrypt
    /// hash from before the current format, or one at another cost than
    /// `BCRYPT_COST` (set higher since, or lower).
    pub fn is_outdated(&self, hash: &PasswordHash) -> bool {
        !matches!(Scheme::of(hash.as_str()), Some(Scheme::BcryptSha256 { cost, .. }) if cost == self.cost)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
    ) -> Result<T, AuthError> {
        let (done, result) = oneshot::channel();
        let runs = self.runs.clone();
        let queued = Instant::now();
        let job: Job = Box::new(move || {
            metrics::gauge!(HASH_QUEUE_DEPTH).decrement(1.0);
            metrics::histogram!(HASH_QUEUE_WAIT).record(queued.elapsed());
            // Nobody waits any more (the request was dropped while queued):
            // skip the work.
            if !done.is_closed() {
                runs.fetch_add(1, Ordering::Relaxed);
                let _ = done.send(work());
            }
        });
        // Counted up before the send: a thread may take the job at once.
        metrics::gauge!(HASH_QUEUE_DEPTH).increment(1.0);
        self.jobs.send(job).map_err(|_| {
            metrics::gauge!(HASH_QUEUE_DEPTH).decrement(1.0);
            AuthError::internal("the hashing threads have stopped".to_owned())
        })?;
        result
            .await
            .map_err(AuthError::internal)?
            .map_err(AuthError::internal)
    }
}

const PREFIX: &str = "$bcrypt-sha256$v=2,t=2b,r=";

/// bcrypt's own base64 alphabet, which its salts are written in.
const BCRYPT_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::BCRYPT,
    base64::engine::general_purpose::NO_PAD,
);

/// The kinds of hash `users.hashed_password` may hold.
enum Scheme<'a> {
    BcryptSha256 {
        cost: u32,
        salt: &'a str,
        digest: &'a str,
    },
    /// `$2a$`, `$2b$` or `$2y$`: made from the password as typed, before
    /// normalisation, of at most 72 bytes.
    Bcrypt,
}

impl<'a> Scheme<'a> {
    fn of(hash: &'a str) -> Option<Self> {
        if let Some(rest) = hash.strip_prefix(PREFIX) {
            let (cost, rest) = rest.split_once('$')?;
            let (salt, digest) = rest.split_once('$')?;
            // passlib writes the cost without a leading zero, and refuses one.
            let cost = cost.parse().ok().filter(|_| !cost.starts_with('0'))?;
            return (salt.len() == 22 && digest.len() == 31).then_some(Self::BcryptSha256 {
                cost,
                salt,
                digest,
            });
        }
        ["$2a$", "$2b$", "$2y$"]
            .iter()
            .any(|prefix| hash.starts_with(prefix))
            .then_some(Self::Bcrypt)
    }
}

/// What bcrypt is given: 44 bytes of base64, whatever the password's length.
fn prehash(password: &str, salt: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(salt.as_bytes()).expect("HMAC takes any key");
    mac.update(password.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn bcrypt_sha256(
    password: &str,
    cost: u32,
    raw_salt: [u8; 16],
) -> Result<String, bcrypt::BcryptError> {
    let salt = BCRYPT_BASE64.encode(raw_salt);
    let plain = bcrypt::hash_with_salt(prehash(password, &salt), cost, raw_salt)?
        .format_for_version(bcrypt::Version::TwoB);
    // `$2b$NN$` then 22 characters of salt (the same), then the digest.
    let digest = &plain[7 + 22..];
    Ok(format!("{PREFIX}{cost}${salt}${digest}"))
}

/// One HMAC and one bcrypt for the current format; one bcrypt for a hash
/// from before it.
fn verify(password: &Password, hash: &str) -> Result<bool, bcrypt::BcryptError> {
    match Scheme::of(hash) {
        Some(Scheme::BcryptSha256 { cost, salt, digest }) => bcrypt::verify(
            prehash(password.expose(), salt),
            &format!("$2b${cost:02}${salt}{digest}"),
        ),
        // Such hashes were made from at most 72 bytes, and bcrypt would
        // drop the rest of a longer password: it cannot be the one. The
        // check still runs, so that the answer takes as long as any other
        // (an unknown account's takes a full bcrypt).
        Some(Scheme::Bcrypt) if password.expose_as_typed().len() > 72 => {
            bcrypt::verify(password.expose_as_typed(), hash).map(|_| false)
        }
        Some(Scheme::Bcrypt) => bcrypt::verify(password.expose_as_typed(), hash),
        None => Err(bcrypt::BcryptError::InvalidHash(
            "neither bcrypt_sha256 nor bcrypt",
        )),
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

    /// The pangram three times over, cut at 128 characters (230 bytes).
    fn cyrillic_128() -> String {
        "Съешь же ещё этих мягких французских булок, да выпей чаю! "
            .repeat(3)
            .chars()
            .take(128)
            .collect()
    }

    fn password(raw: &str) -> Password {
        Password::parse(raw.into()).unwrap()
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_never_match() {
        let hasher = PasswordHasher::new(4);
        let right = password("correct horse");
        let wrong = password("battery staple");
        let hash = hasher.hash(&right).await.unwrap();
        assert!(hash.as_str().starts_with("$bcrypt-sha256$v=2,t=2b,r=4$"));
        assert!(!hasher.is_outdated(&hash));
        assert!(hasher.verify(&right, Some(&hash)).await.unwrap());
        assert!(!hasher.verify(&wrong, Some(&hash)).await.unwrap());
        // The dummy password itself must not log in to a missing account.
        let dummy = password("dummy password for unknown users");
        assert!(!hasher.verify(&dummy, None).await.unwrap());
        assert!(hasher.dummy_hash().await.unwrap().starts_with(PREFIX));
    }

    /// Hashes made by passlib 1.7.4 (`bcrypt_sha256.using(rounds=..).hash`),
    /// as a Python app would have stored them.
    #[tokio::test]
    async fn passlib_bcrypt_sha256_hashes_verify() {
        let hasher = PasswordHasher::new(4);
        let cyrillic = PasswordHash::new(
            "$bcrypt-sha256$v=2,t=2b,r=4$Uwkpy1auK.KJ0EscGmwjIe$M11xoBYGpi/cxfjyBB5Qdq4KRMfWKLK"
                .into(),
        );
        let long = PasswordHash::new(
            "$bcrypt-sha256$v=2,t=2b,r=5$FbThXxy9RpmqaV/..qwIv.$4Uegkxj9WAOHPq5bbtiIaRxWPIBV6yW"
                .into(),
        );
        let long_password: String = "correct horse battery staple "
            .repeat(9)
            .chars()
            .take(256)
            .collect();
        assert!(
            hasher
                .verify(&password(&cyrillic_128()), Some(&cyrillic))
                .await
                .unwrap()
        );
        assert!(
            hasher
                .verify(&password(&long_password), Some(&long))
                .await
                .unwrap()
        );
        // The last character counts, far past bcrypt's 72 bytes.
        let mut shorter = long_password.clone();
        shorter.pop();
        assert!(
            !hasher
                .verify(&password(&shorter), Some(&long))
                .await
                .unwrap()
        );
        assert!(!hasher.is_outdated(&cyrillic));
        assert!(hasher.is_outdated(&long), "made at cost 5, not 4");
    }

    /// What passlib would compute, from the parts: so hashes made here
    /// verify there too.
    #[test]
    fn the_format_is_passlibs() {
        let salt = [7u8; 16];
        let hash = bcrypt_sha256("пароль", 4, salt).unwrap();
        let (config, digest) = hash.rsplit_once('$').unwrap();
        let salt_text = config.rsplit_once('$').unwrap().1;
        assert_eq!(config, format!("$bcrypt-sha256$v=2,t=2b,r=4${salt_text}"));
        let plain = bcrypt::hash_with_salt(prehash("пароль", salt_text), 4, salt)
            .unwrap()
            .format_for_version(bcrypt::Version::TwoB);
        assert_eq!(plain, format!("$2b$04${salt_text}{digest}"));
        assert_eq!(prehash("пароль", salt_text).len(), 44);
    }

    #[tokio::test]
    async fn passwords_sharing_their_first_72_bytes_differ() {
        let hasher = PasswordHasher::new(4);
        let long = cyrillic_128();
        let hash = hasher.hash(&password(&long)).await.unwrap();
        let prefix: String = long.chars().take(40).collect();
        assert!(prefix.len() >= 72);
        let other = format!("{prefix}{}", "x".repeat(60));
        assert!(!hasher.verify(&password(&other), Some(&hash)).await.unwrap());
        assert!(hasher.verify(&password(&long), Some(&hash)).await.unwrap());
    }

    /// Plain bcrypt hashes (these from Python's bcrypt) verify against the
    /// password as typed, and are outdated.
    #[tokio::test]
    async fn plain_bcrypt_hashes_still_verify() {
        let hasher = PasswordHasher::new(4);
        let typed = password("пароль ёжика");
        for prefix in ["$2b$", "$2a$", "$2y$"] {
            let hash = PasswordHash::new(format!(
                "{prefix}04$KBSASYKvimxfW7y97aaghOA1OSTdwX19EMYttyAWWmylVvo0vOgOe"
            ));
            assert!(
                hasher.verify(&typed, Some(&hash)).await.unwrap(),
                "{prefix}"
            );
            assert!(hasher.is_outdated(&hash));
        }
        // bcrypt would read only the first 72 bytes of a longer password.
        let seventy_two = "a".repeat(72);
        let hash = PasswordHash::new(bcrypt::hash(&seventy_two, 4).unwrap());
        assert!(
            hasher
                .verify(&password(&seventy_two), Some(&hash))
                .await
                .unwrap()
        );
        let longer = password(&format!("{seventy_two}b"));
        assert!(!hasher.verify(&longer, Some(&hash)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_hash_formats_are_an_error_not_a_match() {
        let hasher = PasswordHasher::new(4);
        for junk in [
            "",
            "plain text",
            "$bcrypt-sha256$2b,4$Uwkpy1auK.KJ0EscGmwjIe$M11xoBYGpi/cxfjyBB5Qdq4KRMfWKLK",
            "$bcrypt-sha256$v=2,t=2b,r=04$Uwkpy1auK.KJ0EscGmwjIe$M11xoBYGpi/cxfjyBB5Qdq4KRMfWKLK",
        ] {
            let hash = PasswordHash::new(junk.into());
            assert!(
                hasher
                    .verify(&password("correct horse"), Some(&hash))
                    .await
                    .is_err(),
                "{junk}"
            );
            assert!(hasher.is_outdated(&hash));
        }
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
        // Other tests in this binary start hashers too, at any moment: a
        // thread just spawned has its name before it lowers its priority, so
        // look again for a while before calling a thread un-niced.
        let mut niceness = hashing_thread_niceness();
        for _ in 0..100 {
            if niceness.iter().all(|n| *n == HASHING_NICENESS) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            niceness = hashing_thread_niceness();
        }
        assert!(!niceness.is_empty(), "no hashing threads found");
        assert!(
            niceness.iter().all(|n| *n == HASHING_NICENESS),
            "{niceness:?}"
        );
    }

    #[cfg(target_os = "linux")]
    fn hashing_thread_niceness() -> Vec<i32> {
        let mut niceness = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            // A thread may end (its test done) while this reads.
            let Ok(task) = task else { continue };
            let path = task.path();
            let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            if name.starts_with("bcrypt-") {
                let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
                    continue;
                };
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
        niceness
    }
}
