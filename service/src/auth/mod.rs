//! The rules of registering, signing in, refreshing and signing out, free of
//! GraphQL and HTTP: resolvers and the command line call into [`Auth`] with
//! domain values they have already parsed.

pub mod audit;
mod error;
mod export;
mod introspect;
pub mod mfa;
mod passkeys;
pub mod password;
pub mod sweeper;
mod throttle;
pub mod tokens;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

pub use error::AuthError;
pub use introspect::{ActiveToken, Introspection, Introspector};
pub use mfa::{MfaStatus, Need, Proof, SecondFactor, Standing, TotpEnrollment};
pub use passkeys::{PasskeyAssertion, PasskeyChallenge};
use password::PasswordHasher;
use throttle::{PasswordCheck, Throttle, Verdict};
use tokens::TokenKeys;

use crate::config::Config;
use crate::domain::{
    Aal, Actor, Assurance, AuditEvent, AuditKind, ClientInfo, Clock, EXAMPLE_ADMIN_PASSWORD, Email,
    EventCursor, EventFilter, LinkPurpose, NewAccount, NewEvent, NewLink, Page, Password,
    PasswordChange, PasswordHash, ProfileUpdate, Role, SessionId, SessionInfo, SignIn, Subject,
    User, UserId, UserSearch,
};
use crate::mail::{Composer, Doorbell};
use crate::storage::Database;
use crate::storage::audit::{self as trail, Scope};
use crate::storage::links;
use crate::storage::passes::{self, NewPass};
use crate::storage::sessions::{self, NewSession};
use crate::storage::throttle::Settle;
use crate::storage::users::{
    self, AccountChange, AdminUpdate, Lookup, NewPassword, NewUser, Welcome,
};

/// A signed-in user with a fresh pair of tokens.
pub struct Authenticated {
    pub user: User,
    pub tokens: TokenPair,
    /// What the session must do first, if anything (a second factor).
    pub standing: Standing,
}

pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
}

/// Who an access token speaks for: an active user, in a live session, and
/// how that session's owner proved themselves.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub session: SessionId,
    pub assurance: Assurance,
}

/// What `seed-admin` found or did.
pub enum SeedOutcome {
    Created(User),
    Found(User),
}

/// Cheap to clone (shared parts behind `Arc`s): a subscription keeps a clone
/// for as long as it runs.
#[derive(Clone)]
pub struct Auth {
    db: Database,
    clock: Clock,
    keys: Arc<TokenKeys>,
    passwords: PasswordHasher,
    throttle: Throttle,
    session_short: Duration,
    session_long: Duration,
    /// A session unused for this long cannot be refreshed.
    session_idle: Option<Duration>,
    /// How long after a rotation the previous refresh token is treated as a
    /// benign race (two tabs refreshing at once) rather than a replay.
    rotation_grace: Duration,
    mail: Arc<Composer>,
    doorbell: Doorbell,
    reset_lifetime: Duration,
    verification_lifetime: Duration,
    secrets: Arc<mfa::SecretBox>,
    /// `None` when `PUBLIC_URL` names the site by an IP address, which
    /// WebAuthn does not accept: then there are no passkeys.
    webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// How recently a caller must have proved themselves for what needs it.
    step_up_window: Duration,
    require_admin_mfa: bool,
    /// Who may ask about tokens (`introspect`).
    introspection_clients: Arc<[crate::config::IntrospectionClient]>,
}

impl Auth {
    /// `doorbell` wakes the mail worker when a request has queued mail.
    pub fn new(
        db: Database,
        config: &Config,
        clock: Clock,
        doorbell: Doorbell,
    ) -> anyhow::Result<Self> {
        let secret = config.secret()?;
        config.check_sessions()?;
        Ok(Self {
            keys: Arc::new(TokenKeys::from_config(config, secret.as_bytes())?),
            passwords: PasswordHasher::new(config.bcrypt_cost),
            throttle: Throttle::new(db.clone(), config),
            session_short: config.session_ttl(false),
            session_long: config.session_ttl(true),
            session_idle: config.session_idle(),
            rotation_grace: Duration::seconds(config.refresh_reuse_grace_seconds.into()),
            mail: Arc::new(Composer::new(&config.public_url)),
            doorbell,
            reset_lifetime: config.password_reset_ttl(),
            verification_lifetime: config.email_verification_ttl(),
            secrets: Arc::new(mfa::SecretBox::new(secret.as_bytes())),
            webauthn: passkeys::relying_party(&config.public_url).map(Arc::new),
            step_up_window: config.step_up_window(),
            require_admin_mfa: config.admin_mfa_required(),
            introspection_clients: config.introspection_clients.clone().into(),
            db,
            clock,
        })
    }

    /// The service's time (see [`Clock`]).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The access tokens' public keys as a JWK Set; `None` with HS256.
    pub fn published_keys(&self) -> Option<&str> {
        self.keys.jwks()
    }

    /// How many bcrypt hashes and checks this service has run: the work a
    /// flood of sign-ins or registrations would make it do.
    pub fn bcrypt_runs(&self) -> u64 {
        self.passwords.runs()
    }

    /// Creates an account, signs it in, and sends it a verification link.
    /// Each address may open only so many accounts an hour, and a taken
    /// email or username is refused before any hashing, so that neither
    /// costs a bcrypt.
    pub async fn register(
        &self,
        account: NewAccount,
        client: &ClientInfo,
    ) -> Result<Authenticated, AuthError> {
        self.throttle
            .registration(client.ip_address(), self.now())
            .await?;
        if let Some(field) = users::taken(&self.db, &account.email, &account.username).await? {
            return Err(AuthError::Conflict { field });
        }
        let password_hash = self.passwords.hash(&account.password).await?;
        let user = new_user(&account, &password_hash, Role::User);
        let pending = PendingSession::new(self.session_short, Aal::One, client)?;
        let now = self.now();
        let token = tokens::new_link_token()?;
        let welcome = Welcome {
            link: self.link(&token, LinkPurpose::VerifyEmail, now),
            mail: &self
                .mail
                .verification((&account).into(), &token, self.verification_lifetime),
        };
        let event = NewEvent::new(AuditKind::Registered, Some(client));
        let (user, session) =
            users::insert_with_session(&self.db, &user, &pending.row(), &welcome, &event, now)
                .await?;
        self.doorbell.ring();
        self.signed_in(pending, user, session, now)
    }

    /// Signs in with a password. Every attempt that reaches the throttle is
    /// recorded: the sign-in with its session, a refusal on its own.
    pub async fn login(
        &self,
        sign_in: SignIn,
        client: &ClientInfo,
    ) -> Result<Authenticated, AuthError> {
        let email = sign_in.email.clone();
        let signed_in = self.try_login(sign_in, client).await;
        if let Err(err) = &signed_in {
            let refused = match err {
                AuthError::RateLimited { .. } => {
                    NewEvent::new(AuditKind::LoginThrottled, Some(client))
                        .with("reason", "rate_limited")
                }
                AuthError::SignInLocked => NewEvent::new(AuditKind::LoginThrottled, Some(client))
                    .with("reason", "sign_in_locked"),
                AuthError::InvalidCredentials => {
                    NewEvent::new(AuditKind::LoginFailed, Some(client))
                        .with("reason", "invalid_credentials")
                }
                AuthError::Forbidden(_) => NewEvent::new(AuditKind::LoginFailed, Some(client))
                    .with("reason", "deactivated"),
                _ => return signed_in,
            };
            let refused = NewEvent {
                subject: Subject::Email(email.as_str()),
                ..refused.failed()
            };
            self.record(&refused).await;
        }
        signed_in
    }

    /// Records an event that has no change beside it. A failure is logged,
    /// and the request's answer stands: the database that could not take
    /// the event has refused the request's own writes too.
    async fn record(&self, event: &NewEvent<'_>) {
        if let Err(err) = trail::record(&self.db, event, self.now()).await {
            tracing::error!(error = %err, kind = event.kind.as_str(), "could not record an audit event");
        }
    }

    async fn try_login(
        &self,
        sign_in: SignIn,
        client: &ClientInfo,
    ) -> Result<Authenticated, AuthError> {
        let SignIn {
            email,
            password,
            remember_me,
        } = sign_in;
        let address = client.ip_address();
        let check = self
            .throttle
            .sign_in(email.as_str(), address, self.now())
            .await?;
        let found = users::find_with_hash(&self.db, Lookup::Email(&email)).await?;
        self.past_the_lock(check, found.as_ref().map(|(user, _)| user), address)
            .await?;
        let hash = found.as_ref().map(|(_, hash)| hash);
        if !self.passwords.verify(&password, hash).await? {
            return Err(AuthError::InvalidCredentials);
        }
        let (user, stored) = found.ok_or(AuthError::InvalidCredentials)?;
        if !user.is_active {
            self.throttle.signed_in(email.as_str(), address).await?;
            return Err(AuthError::Forbidden("This account has been deactivated"));
        }
        self.upgrade_hash(user.id, &password, &stored).await;
        let event = NewEvent::new(AuditKind::LoginSucceeded, Some(client)).about(user.id);
        let request = SignInRequest {
            remember_me,
            aal: Aal::One,
            client,
            event: &event,
            settle: &self.throttle.settlement(email.as_str(), address),
        };
        self.open_session(user, request).await
    }

    /// Opens a session for someone who just signed in, and records `event`
    /// with it; the "new sign-in" mail goes too if the browser is new to
    /// the account.
    async fn open_session(
        &self,
        user: User,
        request: SignInRequest<'_>,
    ) -> Result<Authenticated, AuthError> {
        let now = self.now();
        let lifetime = if request.remember_me {
            self.session_long
        } else {
            self.session_short
        };
        let pending = PendingSession::new(lifetime, request.aal, request.client)?;
        // Written whether or not it is sent: storage knows, in the same
        // transaction, whether this browser is new to the account.
        let new_device = self.mail.new_sign_in((&user).into(), request.client, now);
        let signed_in = sessions::sign_in(
            &self.db,
            user.id,
            &pending.row(),
            &new_device,
            request.settle,
            request.event,
            now,
        )
        .await?;
        if signed_in.announced {
            self.doorbell.ring();
        }
        self.signed_in(pending, user, signed_in.session, now)
    }

    /// The stored session's tokens, handed to its user.
    fn signed_in(
        &self,
        pending: PendingSession<'_>,
        user: User,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> Result<Authenticated, AuthError> {
        let assurance = Assurance {
            aal: pending.aal,
            auth_time: now,
        };
        let access_token = self
            .keys
            .issue(user.id, session, user.role, assurance, now)?;
        Ok(Authenticated {
            standing: self.standing(&user, pending.aal),
            user,
            tokens: TokenPair {
                access_token,
                refresh_token: pending.refresh_token,
            },
        })
    }

    /// Replaces a hash that just verified but is outdated (plain bcrypt from
    /// before, or another cost than `BCRYPT_COST`) with one in the current
    /// format, now that the password is at hand: once per account, paid
    /// for by that one sign-in. Only if the stored hash is still the one
    /// verified, so a password changed meanwhile stays changed. A failure
    /// is logged; the sign-in goes on with the old hash.
    async fn upgrade_hash(&self, user: UserId, password: &Password, verified: &PasswordHash) {
        if !self.passwords.is_outdated(verified) {
            return;
        }
        let upgraded = async {
            let hash = self.passwords.hash(password).await?;
            users::replace_hash(&self.db, user, verified, &hash, self.now()).await?;
            Ok::<_, AuthError>(())
        };
        if let Err(err) = upgraded.await {
            tracing::warn!(%user, error = %err, "could not upgrade an outdated password hash");
        }
    }

    /// Trades a refresh token for a new pair. The old token dies in the same
    /// statement that stores the new one.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        const REFUSED: AuthError = AuthError::Unauthenticated("Invalid or expired refresh token");
        if !tokens::looks_like_refresh_token(refresh_token) {
            return Err(REFUSED);
        }
        let old_hash = tokens::hash_token(refresh_token);
        let new_token = tokens::new_refresh_token()?;
        let new_hash = tokens::hash_token(&new_token);

        let now = self.now();
        let used_since = self.session_idle.map(|idle| now - idle);
        let Some((session, assurance, user)) =
            sessions::rotate(&self.db, &old_hash, &new_hash, now, used_since).await?
        else {
            self.handle_stale_refresh_token(&old_hash, client, now)
                .await?;
            return Err(REFUSED);
        };
        if !user.is_active {
            sessions::delete(&self.db, session).await?;
            return Err(REFUSED);
        }
        Ok(TokenPair {
            access_token: self
                .keys
                .issue(user.id, session, user.role, assurance, now)?,
            refresh_token: new_token,
        })
    }

    /// A token that is no longer live may be the one just rotated away (two
    /// tabs racing: leave the session alone) or a replay of a stolen token
    /// (RFC 9700 4.14.2: end the session, cutting off thief and victim alike).
    async fn handle_stale_refresh_token(
        &self,
        hash: &str,
        client: &ClientInfo,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let Some(retired) = sessions::find_retired(&self.db, hash).await? else {
            return Ok(());
        };
        let racing = retired.latest
            && retired
                .rotated_at
                .is_some_and(|at| now - at <= self.rotation_grace);
        if !racing {
            tracing::warn!(session = %retired.session_id, user = %retired.user_id,
                "refresh token reuse detected; revoking the session");
            metrics::counter!(crate::telemetry::REFRESH_TOKEN_REUSE).increment(1);
            let event = NewEvent::new(AuditKind::RefreshTokenReused, Some(client))
                .about(retired.user_id)
                .by(Actor::System);
            sessions::end(&self.db, retired.session_id, None, &event, now).await?;
        }
        Ok(())
    }

    /// Ends the session of this refresh token; false if there was none.
    ///
    /// A token the session has rotated away ends it too: whoever holds it
    /// may be the owner whose token was stolen and refreshed by the thief,
    /// logging out to cut the thief off (whose token is the live one).
    pub async fn logout(
        &self,
        refresh_token: &str,
        client: &ClientInfo,
    ) -> Result<bool, AuthError> {
        if !tokens::looks_like_refresh_token(refresh_token) {
            return Ok(false);
        }
        let hash = tokens::hash_token(refresh_token);
        let now = self.now();
        let event = NewEvent::new(AuditKind::LoggedOut, Some(client));
        if sessions::end_by_hash(&self.db, &hash, &event, now)
            .await?
            .is_some()
        {
            return Ok(true);
        }
        let Some(retired) = sessions::find_retired(&self.db, &hash).await? else {
            return Ok(false);
        };
        tracing::warn!(session = %retired.session_id, user = %retired.user_id,
            "logout with a rotated-away refresh token; ending the session");
        let event = event
            .about(retired.user_id)
            .with("rotated_away_token", true);
        sessions::end(&self.db, retired.session_id, None, &event, now).await?;
        Ok(true)
    }

    /// Who this access token speaks for. The user row, not the token, decides
    /// the role and whether the account still works, and the token dies with
    /// its session.
    pub async fn authenticate(&self, access_token: &str) -> Result<Caller, AuthError> {
        let now = self.now();
        let claims = self.keys.verify(access_token, now)?;
        users::find_by_session(&self.db, claims.sub, claims.sid, now)
            .await?
            .filter(|(user, _)| user.is_active)
            .map(|(user, assurance)| Caller {
                user,
                session: claims.sid,
                assurance,
            })
            .ok_or(AuthError::Unauthenticated(
                "Session has ended; sign in again",
            ))
    }

    /// When this session ends, or `None` once it has: logged out, revoked,
    /// expired, or its account deactivated.
    pub async fn session_expiry(
        &self,
        user_id: UserId,
        session: SessionId,
    ) -> Result<Option<DateTime<Utc>>, AuthError> {
        Ok(sessions::live_expiry(&self.db, user_id, session, self.now()).await?)
    }

    /// Replaces the caller's password, given the current one, and ends every
    /// other session of theirs (someone who knew the old password may hold
    /// one). A wrong current password counts against signing in, like a
    /// wrong password at the sign-in form; a weak new one is refused first,
    /// costing neither an attempt nor a hash.
    pub async fn change_password(
        &self,
        caller: &Caller,
        change: PasswordChange,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let changed = self.try_change_password(caller, change, client).await;
        self.record_refused_check(AuditKind::PasswordChanged, &changed, caller, client)
            .await;
        changed
    }

    /// Records a signed-in person's refused password check (or a refusal of
    /// what it was for) as a failed `kind`, with the reason.
    async fn record_refused_check<T>(
        &self,
        kind: AuditKind,
        result: &Result<T, AuthError>,
        caller: &Caller,
        client: &ClientInfo,
    ) {
        let Err(err) = result else { return };
        let Some(reason) = refused_check(err) else {
            return;
        };
        let refused = NewEvent::new(kind, Some(client))
            .about(caller.user.id)
            .in_session(caller.session)
            .with("reason", reason)
            .failed();
        self.record(&refused).await;
    }

    async fn try_change_password(
        &self,
        caller: &Caller,
        change: PasswordChange,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.step_up(caller)?;
        check_new_password(&change.new, &caller.user)?;
        self.check_password(&caller.user, &change.current, client)
            .await?;
        let hash = self.passwords.hash(&change.new).await?;
        let now = self.now();
        let new = NewPassword {
            hash: &hash,
            keep: Some(caller.session),
            notice: &self.mail.password_changed((&caller.user).into(), now),
        };
        let event = NewEvent::new(AuditKind::PasswordChanged, Some(client))
            .about(caller.user.id)
            .in_session(caller.session);
        users::set_password(&self.db, caller.user.id, &new, &event, now).await?;
        self.doorbell.ring();
        Ok(())
    }

    /// Mails a password-reset link to the account with this address, if
    /// there is one and it is active. The caller learns nothing either way,
    /// and not from the time it takes: the work happens after the answer.
    /// An address asking too often is refused; an account asked about too
    /// often gets no more mail for a while, silently (its latest link still
    /// works), so that nobody can flood a mailbox or learn of the account.
    pub async fn request_password_reset(
        &self,
        email: Email,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let now = self.now();
        self.throttle
            .mail_request_from(client.ip_address(), now)
            .await?;
        if self.throttle.mail_to(email.as_str(), now).await? != Verdict::Go {
            return Ok(());
        }
        let this = self.clone();
        let client = client.clone();
        tokio::spawn(async move {
            if let Err(err) = this.send_reset_link(&email, &client).await {
                tracing::error!(error = %err, "could not queue a password-reset mail");
            }
        });
        Ok(())
    }

    async fn send_reset_link(&self, email: &Email, client: &ClientInfo) -> Result<(), AuthError> {
        let Some((user, _)) = users::find_with_hash(&self.db, Lookup::Email(email)).await? else {
            return Ok(());
        };
        if !user.is_active {
            return Ok(());
        }
        let token = tokens::new_link_token()?;
        let now = self.now();
        let mail = self
            .mail
            .password_reset((&user).into(), &token, self.reset_lifetime);
        let link = self.link(&token, LinkPurpose::ResetPassword, now);
        let event = NewEvent::new(AuditKind::PasswordResetRequested, Some(client)).about(user.id);
        links::issue(&self.db, user.id, &link, &mail, Some(&event), now).await?;
        self.doorbell.ring();
        Ok(())
    }

    /// Sets a new password with a reset link: every session of the account
    /// ends (whoever knew the old password is out), and the address counts
    /// as verified (the link was read there).
    pub async fn reset_password(
        &self,
        token: &str,
        password: Password,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let hashed = link_token_hash(token)?;
        let link = self.live_link(&hashed, LinkPurpose::ResetPassword).await?;
        // A weak password leaves the link usable for a better one.
        check_new_password(&password, &link.user)?;
        let hash = self.passwords.hash(&password).await?;
        let now = self.now();
        let new = NewPassword {
            hash: &hash,
            keep: None,
            notice: &self.mail.password_changed((&link.user).into(), now),
        };
        let network = client.ip_address().map(throttle::network);
        let pass = network.as_deref().map(|network| NewPass {
            network,
            expires_at: now + SIGN_IN_PASS_LIFETIME,
        });
        let event = NewEvent::new(AuditKind::PasswordReset, Some(client));
        if !users::reset_password(&self.db, &hashed, &new, pass.as_ref(), &event, now).await? {
            return Err(LINK_GONE);
        }
        self.throttle.forgive(&link.user.email).await?;
        self.doorbell.ring();
        Ok(())
    }

    /// Sends the caller a fresh verification link (the earlier ones stop
    /// working); nothing when the address is verified already. Limited per
    /// account and per address, like reset requests.
    pub async fn request_email_verification(
        &self,
        caller: &Caller,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let user = &caller.user;
        if user.email_verified {
            return Ok(());
        }
        let now = self.now();
        self.throttle
            .mail_request_from(client.ip_address(), now)
            .await?;
        self.throttle
            .mail_to(&user.email, now)
            .await?
            .or_rate_limited()?;
        let token = tokens::new_link_token()?;
        let mail = self
            .mail
            .verification(user.into(), &token, self.verification_lifetime);
        let link = self.link(&token, LinkPurpose::VerifyEmail, now);
        links::issue(&self.db, user.id, &link, &mail, None, now).await?;
        self.doorbell.ring();
        Ok(())
    }

    /// Marks the address of a verification link proved; the link is used up.
    pub async fn verify_email(&self, token: &str, client: &ClientInfo) -> Result<User, AuthError> {
        let hashed = link_token_hash(token)?;
        self.live_link(&hashed, LinkPurpose::VerifyEmail).await?;
        let event = NewEvent::new(AuditKind::EmailVerified, Some(client));
        links::verify_email(&self.db, &hashed, &event, self.now())
            .await?
            .ok_or(LINK_GONE)
    }

    /// Whether a password check of this account (`None`: no such account)
    /// may go ahead: not while it is locked, nor once this check took it
    /// over its limit from all addresses (`check`, as [`Throttle::sign_in`]
    /// counted it; this locks it), unless the owner proved themselves by
    /// mail from this network.
    async fn past_the_lock(
        &self,
        check: PasswordCheck,
        user: Option<&User>,
        address: Option<&str>,
    ) -> Result<(), AuthError> {
        let now = self.now();
        let passed = || async {
            match (user, address) {
                (Some(user), Some(address)) => {
                    let network = throttle::network(address);
                    Ok::<_, AuthError>(passes::holds(&self.db, user.id, &network, now).await?)
                }
                _ => Ok(false),
            }
        };
        if user.is_some_and(|user| user.sign_in_locked) {
            return if passed().await? {
                Ok(())
            } else {
                Err(AuthError::SignInLocked)
            };
        }
        if check == PasswordCheck::Go {
            return Ok(());
        }
        let Some(user) = user else {
            return Err(AuthError::SignInLocked);
        };
        self.lock_sign_in(user).await?;
        if passed().await? {
            Ok(())
        } else {
            Err(AuthError::SignInLocked)
        }
    }

    /// Locks password sign-in for the account and mails its owner an unlock
    /// link, once per lock however many requests arrive at it.
    async fn lock_sign_in(&self, user: &User) -> Result<(), AuthError> {
        let token = tokens::new_link_token()?;
        let now = self.now();
        let link = self.link(&token, LinkPurpose::UnlockSignIn, now);
        let mail = self
            .mail
            .sign_in_locked(user.into(), &token, UNLOCK_LINK_LIFETIME);
        let event = NewEvent::new(AuditKind::SignInLocked, None)
            .about(user.id)
            .by(Actor::System);
        if users::lock_sign_in(&self.db, user.id, &link, &mail, &event, now).await? {
            tracing::warn!(user = %user.id, "password sign-in locked after distributed guessing");
            self.doorbell.ring();
        }
        Ok(())
    }

    /// Lifts the sign-in lock of the account an unlock link was sent to; the
    /// link is used up, and the guesses so far stop counting.
    pub async fn unlock_sign_in(
        &self,
        token: &str,
        client: &ClientInfo,
    ) -> Result<User, AuthError> {
        let hashed = link_token_hash(token)?;
        self.live_link(&hashed, LinkPurpose::UnlockSignIn).await?;
        let now = self.now();
        let network = client.ip_address().map(throttle::network);
        let pass = network.as_deref().map(|network| NewPass {
            network,
            expires_at: now + SIGN_IN_PASS_LIFETIME,
        });
        let event = NewEvent::new(AuditKind::SignInUnlocked, Some(client));
        let user = links::unlock_sign_in(&self.db, &hashed, pass.as_ref(), &event, now)
            .await?
            .ok_or(LINK_GONE)?;
        self.throttle.forgive(&user.email).await?;
        Ok(user)
    }

    /// The link with this token hash, refused with the reason a person can
    /// act on: expired (ask for another) or gone (used, replaced, or never
    /// sent).
    async fn live_link(&self, hash: &str, purpose: LinkPurpose) -> Result<links::Link, AuthError> {
        let link = links::find(&self.db, hash, purpose)
            .await?
            .filter(|link| link.user.is_active)
            .ok_or(LINK_GONE)?;
        if link.expires_at <= self.now() {
            return Err(AuthError::TokenExpired(
                "This link has expired; ask for a new one",
            ));
        }
        Ok(link)
    }

    fn link(&self, token: &str, purpose: LinkPurpose, now: DateTime<Utc>) -> NewLink {
        let lifetime = match purpose {
            LinkPurpose::VerifyEmail => self.verification_lifetime,
            LinkPurpose::ResetPassword => self.reset_lifetime,
            LinkPurpose::UnlockSignIn => UNLOCK_LINK_LIFETIME,
        };
        NewLink {
            token_hash: tokens::hash_token(token),
            purpose,
            expires_at: now + lifetime,
        }
    }

    /// Changes the caller's name, username or language.
    pub async fn update_profile(
        &self,
        caller: &Caller,
        update: ProfileUpdate,
    ) -> Result<User, AuthError> {
        users::update_profile(&self.db, caller.user.id, &update, self.now())
            .await?
            .ok_or(AuthError::Unauthenticated(
                "Session has ended; sign in again",
            ))
    }

    /// The caller's live sessions, newest first.
    pub async fn sessions(&self, caller: &Caller) -> Result<Vec<SessionInfo>, AuthError> {
        Ok(sessions::list_for_user(&self.db, caller.user.id, self.now()).await?)
    }

    /// Ends one of the caller's sessions (their own included); false for an
    /// id that is not one of theirs, which it leaves alone.
    pub async fn revoke_session(
        &self,
        caller: &Caller,
        id: SessionId,
        client: &ClientInfo,
    ) -> Result<bool, AuthError> {
        let event = NewEvent::new(AuditKind::SessionRevoked, Some(client))
            .about(caller.user.id)
            .with("by_session", caller.session.to_string());
        let owner = Some(caller.user.id);
        Ok(sessions::end(&self.db, id, owner, &event, self.now()).await?)
    }

    /// Ends the caller's other sessions, and theirs too unless `keep_current`;
    /// their access and refresh tokens stop working at once. Gives how many
    /// live sessions ended.
    pub async fn logout_everywhere(
        &self,
        caller: &Caller,
        keep_current: bool,
        client: &ClientInfo,
    ) -> Result<usize, AuthError> {
        let keep = keep_current.then_some(caller.session);
        let event = NewEvent::new(AuditKind::LoggedOutEverywhere, Some(client))
            .about(caller.user.id)
            .in_session(caller.session);
        Ok(sessions::delete_for_user(&self.db, caller.user.id, keep, &event, self.now()).await?)
    }

    pub async fn list_users(&self, page: Page) -> Result<Vec<User>, AuthError> {
        Ok(users::list(&self.db, page).await?)
    }

    /// An admin's search through the accounts.
    pub async fn search_users(&self, search: &UserSearch) -> Result<Vec<User>, AuthError> {
        Ok(users::search(&self.db, search).await?)
    }

    /// A page of the caller's own events, newest first.
    pub async fn my_activity(
        &self,
        caller: &Caller,
        after: Option<EventCursor>,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, AuthError> {
        Ok(trail::page(&self.db, Scope::Account(caller.user.id), after, limit).await?)
    }

    /// A page of the audit trail, newest first, for an admin.
    pub async fn audit_events(
        &self,
        filter: &EventFilter,
        after: Option<EventCursor>,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, AuthError> {
        Ok(trail::page(&self.db, Scope::Filter(filter), after, limit).await?)
    }

    /// Everything the service holds about the caller, as one document: the
    /// profile, the live sessions and every event about the account. The
    /// export is itself recorded, first, so it lists itself.
    pub async fn export_my_data(
        &self,
        caller: &Caller,
        client: &ClientInfo,
    ) -> Result<serde_json::Value, AuthError> {
        self.step_up(caller)?;
        let now = self.now();
        let event = NewEvent::new(AuditKind::DataExported, Some(client))
            .about(caller.user.id)
            .in_session(caller.session);
        trail::record(&self.db, &event, now).await?;
        // The caller's row was read for this request, when it authenticated.
        let user = &caller.user;
        let sessions = sessions::list_for_user(&self.db, user.id, now).await?;
        let events = trail::all_for_account(&self.db, user.id).await?;
        Ok(export::document(user, &sessions, &events, now))
    }

    /// Deletes the caller's account, given its password (checked like a
    /// sign-in: throttled, under the lock, counted). Every session ends with
    /// it; its events stay under the account's pseudonym.
    pub async fn delete_my_account(
        &self,
        caller: &Caller,
        password: Password,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let deleted = self.try_delete_my_account(caller, password, client).await;
        self.record_refused_check(AuditKind::AccountDeleted, &deleted, caller, client)
            .await;
        deleted
    }

    async fn try_delete_my_account(
        &self,
        caller: &Caller,
        password: Password,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.step_up(caller)?;
        self.check_password(&caller.user, &password, client).await?;
        let event = NewEvent::new(AuditKind::AccountDeleted, Some(client))
            .about(caller.user.id)
            .in_session(caller.session);
        account_change(users::delete(&self.db, caller.user.id, &event, self.now()).await?)
    }

    /// Checks a signed-in person's password as the sign-in form would (see
    /// [`Auth::counted`]).
    async fn check_password(
        &self,
        user: &User,
        password: &Password,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let verified = self
            .counted(user, client, async {
                let found = users::find_with_hash(&self.db, Lookup::Id(user.id)).await?;
                let hash = found.as_ref().map(|(_, hash)| hash);
                self.passwords.verify(password, hash).await
            })
            .await?;
        if !verified {
            return Err(AuthError::InvalidCredentials);
        }
        Ok(())
    }

    /// Runs `check` of something only a signed-in person should know (their
    /// password, a code) as the sign-in form checks a password: throttled
    /// per address and account, under the account's lock, and counted
    /// towards it; a check that passes forgives the address its failures.
    async fn counted<T: Passed>(
        &self,
        user: &User,
        client: &ClientInfo,
        check: impl Future<Output = Result<T, AuthError>>,
    ) -> Result<T, AuthError> {
        let (account, address) = (user.email.as_str(), client.ip_address());
        let password_check = self.throttle.sign_in(account, address, self.now()).await?;
        // A stolen session must not be a way around the lock.
        self.past_the_lock(password_check, Some(user), address)
            .await?;
        let checked = check.await?;
        if checked.passed() {
            self.throttle.signed_in(account, address).await?;
        }
        Ok(checked)
    }

    /// Deletes another account, as an admin (their own goes through
    /// [`Auth::delete_my_account`], with their password).
    pub async fn delete_user(
        &self,
        admin: &Caller,
        user_id: UserId,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.step_up(admin)?;
        not_yourself(
            admin,
            user_id,
            "Use deleteMyAccount to delete your own account",
        )?;
        let event = admin_event(AuditKind::AccountDeleted, admin, user_id, client);
        account_change(users::delete(&self.db, user_id, &event, self.now()).await?)
    }

    /// Makes an account an admin or a user; the last active admin stays.
    pub async fn set_user_role(
        &self,
        admin: &Caller,
        user_id: UserId,
        role: Role,
        client: &ClientInfo,
    ) -> Result<User, AuthError> {
        self.step_up(admin)?;
        not_yourself(admin, user_id, "You cannot change your own role")?;
        let event =
            admin_event(AuditKind::RoleChanged, admin, user_id, client).with("role", role.as_str());
        let update = AdminUpdate::Role(role);
        account_change(users::update_by_admin(&self.db, user_id, update, &event, self.now()).await?)
    }

    /// Ends every session of an account, as an admin; gives how many were
    /// live.
    pub async fn revoke_user_sessions(
        &self,
        admin: &Caller,
        user_id: UserId,
        client: &ClientInfo,
    ) -> Result<usize, AuthError> {
        self.step_up(admin)?;
        if users::find_with_hash(&self.db, Lookup::Id(user_id))
            .await?
            .is_none()
        {
            return Err(no_such_user());
        }
        let event = admin_event(AuditKind::LoggedOutEverywhere, admin, user_id, client);
        Ok(sessions::delete_for_user(&self.db, user_id, None, &event, self.now()).await?)
    }

    /// Activates or deactivates an account; deactivation ends its sessions,
    /// so its tokens stop working at once. The last active admin stays.
    pub async fn set_user_active(
        &self,
        admin: &Caller,
        user_id: UserId,
        active: bool,
        client: &ClientInfo,
    ) -> Result<User, AuthError> {
        self.step_up(admin)?;
        if !active {
            not_yourself(admin, user_id, "You cannot deactivate your own account")?;
        }
        let kind = if active {
            AuditKind::AccountActivated
        } else {
            AuditKind::AccountDeactivated
        };
        let event = admin_event(kind, admin, user_id, client);
        let update = AdminUpdate::Active(active);
        account_change(users::update_by_admin(&self.db, user_id, update, &event, self.now()).await?)
    }

    /// Creates the first admin, or reports the one already there. An existing
    /// non-admin account with the email is never promoted: anyone could have
    /// registered it before the operator ran this.
    pub async fn seed_admin(&self, account: NewAccount) -> Result<SeedOutcome, AuthError> {
        if account.password.expose() == EXAMPLE_ADMIN_PASSWORD {
            return Err(AuthError::bad_input(
                "password",
                "FIRST_ADMIN_PASSWORD is still the example from .env.example; choose one of your own",
            ));
        }
        let existing = users::find_with_hash(&self.db, Lookup::Email(&account.email)).await?;
        if let Some((user, _)) = existing {
            return match user.role {
                Role::Admin => Ok(SeedOutcome::Found(user)),
                Role::User => Err(AuthError::Forbidden(
                    "An ordinary account already uses this email; refusing to promote it",
                )),
            };
        }
        let password_hash = self.passwords.hash(&account.password).await?;
        let admin = new_user(&account, &password_hash, Role::Admin);
        let event = NewEvent::new(AuditKind::AdminSeeded, None).by(Actor::System);
        let created = users::insert(&self.db, &admin, &event, self.now()).await?;
        Ok(SeedOutcome::Created(created))
    }
}

/// Why a password check of a signed-in person was refused, for the record;
/// `None` for refusals before any check (a weak new password, bad input).
fn refused_check(err: &AuthError) -> Option<&'static str> {
    match err {
        AuthError::InvalidCredentials => Some("invalid_credentials"),
        AuthError::RateLimited { .. } => Some("rate_limited"),
        AuthError::SignInLocked => Some("sign_in_locked"),
        AuthError::LastAdmin => Some("last_admin"),
        _ => None,
    }
}

/// An admin's change to another account, recorded as theirs.
fn admin_event<'a>(
    kind: AuditKind,
    admin: &Caller,
    user_id: UserId,
    client: &'a ClientInfo,
) -> NewEvent<'a> {
    NewEvent::new(kind, Some(client))
        .about(user_id)
        .by(Actor::Admin(admin.user.id))
        .in_session(admin.session)
}

fn not_yourself(admin: &Caller, user_id: UserId, message: &'static str) -> Result<(), AuthError> {
    if admin.user.id == user_id {
        return Err(AuthError::bad_input("id", message));
    }
    Ok(())
}

fn account_change<T>(change: AccountChange<T>) -> Result<T, AuthError> {
    match change {
        AccountChange::Done(done) => Ok(done),
        AccountChange::NoSuchUser => Err(no_such_user()),
        AccountChange::LastAdmin => Err(AuthError::LastAdmin),
    }
}

fn no_such_user() -> AuthError {
    AuthError::bad_input("id", "No user with this id")
}

/// A new password for an existing account (`newPassword` of
/// `changePassword` and `resetPassword`) must be strong for its owner.
fn check_new_password(password: &Password, owner: &User) -> Result<(), AuthError> {
    password
        .check_strength(&[&owner.email, &owner.username])
        .map_err(|err| err.on("newPassword").into())
}

/// What a link token is stored as; junk is refused without a query.
fn link_token_hash(token: &str) -> Result<String, AuthError> {
    if !tokens::looks_like_link_token(token) {
        return Err(LINK_GONE);
    }
    Ok(tokens::hash_token(token))
}

/// Long enough to reach the mailbox after a night; a password reset works
/// when it has run out.
const UNLOCK_LINK_LIFETIME: Duration = Duration::hours(24);

/// How long the network an owner unlocked (or reset) from passes a lock.
const SIGN_IN_PASS_LIFETIME: Duration = Duration::days(30);

const LINK_GONE: AuthError = AuthError::InvalidToken(
    "This link is not valid: it was used already or replaced by a newer one",
);

/// The row an account becomes: everything but the password, which only its
/// hash replaces.
fn new_user<'a>(account: &'a NewAccount, hash: &'a PasswordHash, role: Role) -> NewUser<'a> {
    NewUser {
        email: &account.email,
        username: &account.username,
        password_hash: hash,
        full_name: account.full_name.as_ref(),
        role,
        locale: account.locale,
    }
}

/// How someone signed in, for the session [`Auth::open_session`] opens.
struct SignInRequest<'a> {
    remember_me: bool,
    aal: Aal,
    client: &'a ClientInfo,
    /// `LOGIN_SUCCEEDED`, and how.
    event: &'a NewEvent<'a>,
    /// The throttle counts the sign-in settles, with its session.
    settle: &'a [Settle],
}

/// A new refresh token and what its session row will record.
struct PendingSession<'a> {
    refresh_token: String,
    hash: String,
    lifetime: Duration,
    aal: Aal,
    client: &'a ClientInfo,
}

impl<'a> PendingSession<'a> {
    fn new(lifetime: Duration, aal: Aal, client: &'a ClientInfo) -> Result<Self, AuthError> {
        let refresh_token = tokens::new_refresh_token()?;
        Ok(Self {
            hash: tokens::hash_token(&refresh_token),
            refresh_token,
            lifetime,
            aal,
            client,
        })
    }

    fn row(&self) -> NewSession<'_> {
        NewSession {
            refresh_token_hash: &self.hash,
            client: self.client,
            lifetime: self.lifetime,
            aal: self.aal,
        }
    }
}

/// Whether a check [`Auth::counted`] ran passed.
trait Passed {
    fn passed(&self) -> bool;
}

impl Passed for bool {
    fn passed(&self) -> bool {
        *self
    }
}

impl<T> Passed for Option<T> {
    fn passed(&self) -> bool {
        self.is_some()
    }
}
