//! bcrypt hashing, off the async runtime and bounded in concurrency.

use std::sync::Arc;

use tokio::sync::{OnceCell, Semaphore};

use super::{AuthError, input::Password};

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// One permit per core: a burst of logins queues here (cheaply, as
    /// futures) instead of spawning hundreds of blocking threads.
    permits: Arc<Semaphore>,
    /// Verified against when the email is unknown, so that a login for a
    /// missing account costs the same time as one for an existing account.
    dummy_hash: Arc<OnceCell<Arc<str>>>,
}

impl PasswordHasher {
    /// Starts hashing the dummy password in the background: at cost 12 that
    /// is a fifth of a second the service need not wait for before it is ready.
    pub fn new(cost: u32) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let hasher = Self {
            cost,
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash: Arc::default(),
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
                Ok(Arc::from(self.hash(&dummy).await?))
            })
            .await
            .cloned()
    }

    // `Password` holds at most 72 bytes, all of which bcrypt reads. (The
    // crate's `non_truncating_*` variants count the C-style NUL terminator
    // too and would refuse a 72-byte password, although only the terminator
    // is dropped from it.)
    pub async fn hash(&self, password: &Password) -> Result<String, AuthError> {
        let (cost, password) = (self.cost, password.clone());
        self.blocking(move || bcrypt::hash(password.expose(), cost))
            .await
    }

    /// Checks `password` against `hash`, or against the dummy hash when there
    /// is no account (then always `false`, after the same amount of work).
    pub async fn verify(&self, password: &Password, hash: Option<&str>) -> Result<bool, AuthError> {
        let known = hash.is_some();
        let hash: Arc<str> = match hash {
            Some(hash) => Arc::from(hash),
            None => self.dummy_hash().await?,
        };
        let password = password.clone();
        let matches = self
            .blocking(move || bcrypt::verify(password.expose(), &hash))
            .await?;
        Ok(known && matches)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
    ) -> Result<T, AuthError> {
        // The permit moves into the blocking task: if the request is dropped
        // mid-hash, the permit is held until the CPU work really ends.
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(AuthError::internal)?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .map_err(AuthError::internal)?
        .map_err(AuthError::internal)
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
        assert!(hash.starts_with("$2b$04$"));
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
}
