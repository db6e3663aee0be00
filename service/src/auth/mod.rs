//! The rules of registering, logging in, refreshing and logging out, free of
//! GraphQL and HTTP: resolvers and the CLI call straight into [`Auth`].

mod error;
pub mod input;
pub mod password;
mod throttle;
pub mod tokens;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

pub use error::AuthError;
use input::{Email, Password, Username, parse_full_name};
use password::PasswordHasher;
use throttle::LoginThrottle;
use tokens::TokenKeys;

use crate::config::Config;
use crate::storage::sessions::{self, NewSession, Session};
use crate::storage::users::{self, NewUser, Role, User};
use crate::storage::{self, Database, now};

const MAX_DEVICE_INFO_CHARS: usize = 500;
const MAX_IP_CHARS: usize = 45;

/// Where a request came from, recorded on the sessions it creates.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
}

pub struct RegisterInput {
    pub email: String,
    pub username: String,
    pub password: String,
    pub full_name: Option<String>,
}

pub struct LoginInput {
    pub email: String,
    pub password: String,
    pub remember_me: bool,
}

/// A signed-in user with a fresh pair of tokens.
pub struct Authenticated {
    pub user: User,
    pub tokens: TokenPair,
}

pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
}

/// What `seed-admin` found or did.
pub enum SeedOutcome {
    Created(User),
    Found(User),
}

/// Cheap to clone (shared parts behind `Arc`s): the HTTP state that holds it
/// is cloned for every request.
#[derive(Clone)]
pub struct Auth {
    db: Database,
    keys: Arc<TokenKeys>,
    passwords: PasswordHasher,
    throttle: LoginThrottle,
    session_short: Duration,
    session_long: Duration,
    /// How long after a rotation the previous refresh token is treated as a
    /// benign race (two tabs refreshing at once) rather than a replay.
    rotation_grace: Duration,
}

impl Auth {
    pub async fn new(db: Database, config: &Config) -> anyhow::Result<Self> {
        let secret = config.secret()?;
        Ok(Self {
            db: db.clone(),
            keys: Arc::new(TokenKeys::new(
                secret.as_bytes(),
                &config.jwt_issuer,
                config.access_token_ttl(),
            )),
            passwords: PasswordHasher::new(config.bcrypt_cost),
            throttle: LoginThrottle::new(
                db,
                Duration::seconds(config.login_window_seconds.into()),
                config.login_max_attempts_per_account,
                config.login_max_attempts_per_address,
            ),
            session_short: config.session_ttl(false),
            session_long: config.session_ttl(true),
            rotation_grace: Duration::seconds(config.refresh_reuse_grace_seconds.into()),
        })
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub async fn register(
        &self,
        input: RegisterInput,
        client: &ClientInfo,
    ) -> Result<Authenticated, AuthError> {
        let email = Email::parse(&input.email)?;
        let username = Username::parse(&input.username)?;
        let password = Password::parse(input.password)?;
        let full_name = parse_full_name(input.full_name.as_deref())?;
        let hashed_password = self.passwords.hash(&password).await?;
        let user = NewUser {
            email: email.as_str(),
            username: username.as_str(),
            hashed_password: &hashed_password,
            full_name: full_name.as_deref(),
            role: Role::User,
        };
        let pending = PendingSession::new(self.session_short, client)?;
        let (user, session) =
            storage::insert_user_with_session(&self.db, &user, &pending.row()).await?;
        pending.signed_in(&self.keys, user, session)
    }

    pub async fn login(
        &self,
        input: LoginInput,
        client: &ClientInfo,
    ) -> Result<Authenticated, AuthError> {
        let email = Email::parse(&input.email)?;
        let password = Password::parse_existing(input.password)?;
        let address = client.ip_address.as_deref();
        self.throttle.admit(&email, address).await?;
        let user = users::find_by_email(&self.db, email.as_str()).await?;
        let hash = user.as_ref().map(|u| u.hashed_password.as_str());
        if !self.passwords.verify(&password, hash).await? {
            return Err(AuthError::InvalidCredentials);
        }
        let user = user.ok_or(AuthError::InvalidCredentials)?;
        self.throttle.succeeded(&email, address).await?;
        if !user.is_active {
            return Err(AuthError::Forbidden("This account has been deactivated"));
        }
        sessions::delete_expired_for_user(&self.db, user.id).await?;
        let lifetime = if input.remember_me {
            self.session_long
        } else {
            self.session_short
        };
        let pending = PendingSession::new(lifetime, client)?;
        let session = sessions::insert(&self.db, user.id, &pending.row()).await?;
        pending.signed_in(&self.keys, user, session)
    }

    /// Trades a refresh token for a new pair. The old token dies in the same
    /// statement that stores the new one.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        const REFUSED: AuthError = AuthError::Unauthenticated("Invalid or expired refresh token");
        if !tokens::looks_like_refresh_token(refresh_token) {
            return Err(REFUSED);
        }
        let old_hash = tokens::hash_refresh_token(refresh_token);
        let new_token = tokens::new_refresh_token()?;
        let new_hash = tokens::hash_refresh_token(&new_token);

        let Some(rotated) = sessions::rotate(&self.db, &old_hash, &new_hash).await? else {
            self.handle_stale_refresh_token(&old_hash).await?;
            return Err(REFUSED);
        };
        let (user, session_id) = (rotated.user, rotated.session_id);
        if !user.is_active {
            sessions::delete(&self.db, session_id).await?;
            return Err(REFUSED);
        }
        Ok(TokenPair {
            access_token: self.keys.issue(user.id, session_id, user.role, now())?,
            refresh_token: new_token,
        })
    }

    /// A token that is no longer live may be the one just rotated away (two
    /// tabs racing: leave the session alone) or a replay of a stolen token
    /// (RFC 9700 4.14.2: end the session, cutting off thief and victim alike).
    async fn handle_stale_refresh_token(&self, hash: &str) -> Result<(), AuthError> {
        let Some(retired) = sessions::find_retired(&self.db, hash).await? else {
            return Ok(());
        };
        let racing = retired.latest
            && retired
                .rotated_at
                .is_some_and(|at| now() - at <= self.rotation_grace);
        if !racing {
            tracing::warn!(session = %retired.session_id, user = %retired.user_id,
                "refresh token reuse detected; revoking the session");
            sessions::delete(&self.db, retired.session_id).await?;
        }
        Ok(())
    }

    /// Ends the session of this refresh token; false if there was none.
    pub async fn logout(&self, refresh_token: &str) -> Result<bool, AuthError> {
        if !tokens::looks_like_refresh_token(refresh_token) {
            return Ok(false);
        }
        let hash = tokens::hash_refresh_token(refresh_token);
        Ok(sessions::delete_by_hash(&self.db, &hash).await?)
    }

    /// The active user behind an access token. The user row, not the token,
    /// decides the role and whether the account still works.
    pub async fn authenticate(&self, access_token: &str) -> Result<User, AuthError> {
        Ok(self.authenticate_session(access_token).await?.0)
    }

    /// [`Auth::authenticate`], and the id of the session the token belongs to.
    pub async fn authenticate_session(
        &self,
        access_token: &str,
    ) -> Result<(User, Uuid), AuthError> {
        let claims = self.keys.verify(access_token)?;
        users::find_by_session(&self.db, claims.sub, claims.sid)
            .await?
            .filter(|u| u.is_active)
            .map(|user| (user, claims.sid))
            .ok_or(AuthError::Unauthenticated(
                "Session has ended; sign in again",
            ))
    }

    /// When this session ends, or `None` once it has: logged out, revoked,
    /// expired, or its account deactivated.
    pub async fn session_expiry(
        &self,
        user_id: Uuid,
        session_id: Uuid,
    ) -> Result<Option<DateTime<Utc>>, AuthError> {
        Ok(sessions::live_expiry(&self.db, user_id, session_id).await?)
    }

    pub async fn list_users(&self, limit: i64, offset: i64) -> Result<Vec<User>, AuthError> {
        if !(1..=100).contains(&limit) {
            return Err(AuthError::bad_input(
                "limit",
                "limit must be between 1 and 100",
            ));
        }
        if offset < 0 {
            return Err(AuthError::bad_input(
                "offset",
                "offset must not be negative",
            ));
        }
        Ok(users::list(&self.db, limit, offset).await?)
    }

    /// Activates or deactivates an account; deactivation ends its sessions,
    /// so its tokens stop working at once.
    pub async fn set_user_active(
        &self,
        actor: &User,
        user_id: Uuid,
        active: bool,
    ) -> Result<User, AuthError> {
        if actor.id == user_id && !active {
            return Err(AuthError::bad_input(
                "id",
                "You cannot deactivate your own account",
            ));
        }
        let user = users::set_active(&self.db, user_id, active)
            .await?
            .ok_or_else(|| AuthError::bad_input("id", "No user with this id"))?;
        if !active {
            sessions::delete_for_user(&self.db, user_id).await?;
        }
        Ok(user)
    }

    /// Creates the first admin, or reports the one already there. An existing
    /// non-admin account with the email is never promoted: anyone could have
    /// registered it before the operator ran this.
    pub async fn seed_admin(
        &self,
        email: &str,
        username: &str,
        password: String,
    ) -> Result<SeedOutcome, AuthError> {
        let email = Email::parse(email)?;
        let username = Username::parse(username)?;
        let password = Password::parse(password)?;
        if let Some(user) = users::find_by_email(&self.db, email.as_str()).await? {
            return match user.role {
                Role::Admin => Ok(SeedOutcome::Found(user)),
                Role::User => Err(AuthError::Forbidden(
                    "An ordinary account already uses this email; refusing to promote it",
                )),
            };
        }
        let hashed_password = self.passwords.hash(&password).await?;
        let admin = NewUser {
            email: email.as_str(),
            username: username.as_str(),
            hashed_password: &hashed_password,
            full_name: None,
            role: Role::Admin,
        };
        Ok(SeedOutcome::Created(users::insert(&self.db, &admin).await?))
    }
}

/// A new refresh token and what its session row will record.
struct PendingSession<'a> {
    refresh_token: String,
    hash: String,
    lifetime: Duration,
    client: &'a ClientInfo,
}

impl<'a> PendingSession<'a> {
    fn new(lifetime: Duration, client: &'a ClientInfo) -> Result<Self, AuthError> {
        let refresh_token = tokens::new_refresh_token()?;
        Ok(Self {
            hash: tokens::hash_refresh_token(&refresh_token),
            refresh_token,
            lifetime,
            client,
        })
    }

    fn row(&self) -> NewSession<'_> {
        NewSession {
            refresh_token_hash: &self.hash,
            device_info: self
                .client
                .user_agent
                .as_deref()
                .map(|ua| truncate_chars(ua, MAX_DEVICE_INFO_CHARS)),
            ip_address: self
                .client
                .ip_address
                .as_deref()
                .map(|ip| truncate_chars(ip, MAX_IP_CHARS)),
            lifetime: self.lifetime,
        }
    }

    /// The stored session's tokens, handed to its user.
    fn signed_in(
        self,
        keys: &TokenKeys,
        user: User,
        session: Session,
    ) -> Result<Authenticated, AuthError> {
        let access_token = keys.issue(user.id, session.id, user.role, now())?;
        Ok(Authenticated {
            user,
            tokens: TokenPair {
                access_token,
                refresh_token: self.refresh_token,
            },
        })
    }
}

fn truncate_chars(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

#[cfg(test)]
mod tests {
    #[test]
    fn truncation_respects_character_boundaries() {
        assert_eq!(super::truncate_chars("añb", 2), "añ");
        assert_eq!(super::truncate_chars("ab", 5), "ab");
    }
}
