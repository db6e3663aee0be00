//! Multi-factor sign-in, in the model of Supabase Auth and Ory Kratos: a
//! session carries an assurance level ([`Aal`]); a password sign-in of an
//! account with a second factor gives an aal 1 session, which may do little
//! but pass that factor ([`Auth::verify_mfa`]) to become aal 2. Sensitive
//! changes also need a recent proof ([`Auth::step_up`], `auth_time`).
//!
//! The second factors here: an authenticator app (TOTP, RFC 6238, by
//! totp-rs; its secret sealed at rest) and single-use recovery codes.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;
use totp_rs::{Builder, Totp};

use super::{
    Auth, AuthError, Authenticated, Caller, PasskeyAssertion, TokenPair, admin_event, not_yourself,
    tokens,
};
use crate::domain::{
    Aal, Assurance, AuditKind, ClientInfo, MfaCode, NewEvent, PasskeyInfo, Password, RecoveryCode,
    Role, TotpCode, User, UserId,
};
use crate::storage::mfa::{self as factors, Confirmation};
use crate::storage::sessions;
use crate::storage::users::{self, Lookup};

/// The name authenticator apps show beside the account.
const ISSUER: &str = "Vitals";
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
const RECOVERY_CODES: usize = 10;
const NONCE_BYTES: usize = 24;

/// Where a session stands on the way to full access.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    /// Signed in with a password; the account has a second factor to pass.
    pub mfa_required: bool,
    /// An admin without a second factor where admins must have one.
    pub enrollment_required: bool,
}

/// What a field needs of the session asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Everything but what the two below allow.
    Full,
    /// Passing the second factor (and reading who one is): an aal 1
    /// session may.
    SecondFactor,
    /// Setting up a second factor: an admin required to have one may, but
    /// not an aal 1 session (it must pass the factors it has first).
    Enrollment,
}

/// A new authenticator app's secret, for the person to scan or type.
pub struct TotpEnrollment {
    pub secret_base32: String,
    pub otpauth_uri: String,
}

/// The account's second factors, as its owner sees them.
pub struct MfaStatus {
    pub totp: bool,
    pub recovery_codes_left: i64,
    pub passkeys: Vec<PasskeyInfo>,
}

/// A second factor as presented.
pub enum SecondFactor {
    /// From the authenticator app, or a recovery code.
    Code(MfaCode),
    Passkey(PasskeyAssertion),
}

impl SecondFactor {
    /// How it is named in the audit trail.
    fn method(&self) -> &'static str {
        match self {
            SecondFactor::Code(MfaCode::Totp(_)) => "totp",
            SecondFactor::Code(MfaCode::Recovery(_)) => "recovery_code",
            SecondFactor::Passkey(_) => "passkey",
        }
    }
}

/// How a person proves themselves again.
pub enum Proof {
    Password(Password),
    Factor(SecondFactor),
}

/// Seals TOTP secrets at rest: XChaCha20-Poly1305 under a key derived from
/// `SECRET_KEY` (HKDF-SHA256), the account's id as associated data, so a
/// sealed secret copied to another account's row does not open. A stolen
/// database alone gives no secret.
pub(super) struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    pub(super) fn new(secret_key: &[u8]) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(None, secret_key)
            .expand(b"auth-service totp-secret v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// The nonce (random: 192 bits never repeat by chance), then the
    /// ciphertext with its tag.
    fn seal(&self, user: UserId, plain: &[u8]) -> Result<Vec<u8>, AuthError> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| AuthError::internal(e.to_string()))?;
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: user.as_uuid().as_bytes(),
                },
            )
            .map_err(|_| AuthError::internal("could not seal a TOTP secret"))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    fn open(&self, user: UserId, sealed: &[u8]) -> Result<Vec<u8>, AuthError> {
        let (nonce, ciphertext) = sealed
            .split_first_chunk::<NONCE_BYTES>()
            .ok_or_else(|| AuthError::internal("a sealed TOTP secret is too short"))?;
        self.cipher
            .decrypt(
                &XNonce::from(*nonce),
                Payload {
                    msg: ciphertext,
                    aad: user.as_uuid().as_bytes(),
                },
            )
            .map_err(|_| {
                AuthError::internal("a TOTP secret does not open: another SECRET_KEY, or tampering")
            })
    }
}

fn totp(secret: Vec<u8>, account: &str) -> Result<Totp, AuthError> {
    // SHA-1, 6 digits, 30 s and one step either side: what every app reads.
    Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| AuthError::internal(e.to_string()))
}

fn random<const N: usize>() -> Result<[u8; N], AuthError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::internal(e.to_string()))?;
    Ok(bytes)
}

/// Ten fresh recovery codes: as shown once to their owner, and as stored.
fn new_recovery_codes() -> Result<(Vec<String>, Vec<String>), AuthError> {
    let codes = (0..RECOVERY_CODES)
        .map(|_| random::<10>().map(RecoveryCode::from_random))
        .collect::<Result<Vec<_>, _>>()?;
    let shown = codes.iter().map(RecoveryCode::display).collect();
    let hashes = codes.iter().map(RecoveryCode::hash).collect();
    Ok((shown, hashes))
}

impl Auth {
    /// Where this session stands: whether it must pass a second factor, or
    /// (an admin) set one up, before anything else.
    pub fn standing(&self, user: &User, aal: Aal) -> Standing {
        Standing {
            mfa_required: user.mfa_enabled && aal < Aal::Two,
            enrollment_required: !user.mfa_enabled
                && user.role == Role::Admin
                && self.require_admin_mfa,
        }
    }

    /// Lets the caller through to a field that needs `need`, or says what
    /// to do first (`MFA_REQUIRED`, `MFA_ENROLLMENT_REQUIRED`).
    pub fn admit(&self, caller: &Caller, need: Need) -> Result<(), AuthError> {
        let standing = self.standing(&caller.user, caller.assurance.aal);
        match need {
            Need::SecondFactor => Ok(()),
            _ if standing.mfa_required => Err(AuthError::MfaRequired),
            Need::Full if standing.enrollment_required => Err(AuthError::MfaEnrollmentRequired),
            Need::Full | Need::Enrollment => Ok(()),
        }
    }

    /// Refuses with `REAUTHENTICATION_REQUIRED` unless the caller proved
    /// themselves within the step-up window.
    pub(super) fn step_up(&self, caller: &Caller) -> Result<(), AuthError> {
        if self.now() - caller.assurance.auth_time > self.step_up_window {
            return Err(AuthError::ReauthenticationRequired);
        }
        Ok(())
    }

    pub async fn mfa_status(&self, caller: &Caller) -> Result<MfaStatus, AuthError> {
        let user = caller.user.id;
        let totp = factors::totp(&self.db, user).await?;
        Ok(MfaStatus {
            totp: totp.is_some_and(|factor| factor.confirmed),
            recovery_codes_left: factors::recovery_codes_left(&self.db, user).await?,
            passkeys: self.passkeys(caller).await?,
        })
    }

    /// Starts setting up an authenticator app: a new secret, shown once,
    /// and stored sealed until a code from it confirms it.
    pub async fn start_totp_enrollment(
        &self,
        caller: &Caller,
    ) -> Result<TotpEnrollment, AuthError> {
        self.step_up(caller)?;
        let user = &caller.user;
        let secret = random::<SECRET_BYTES>()?;
        let sealed = self.secrets.seal(user.id, &secret)?;
        if !factors::start_totp(&self.db, user.id, &sealed, self.now()).await? {
            return Err(AuthError::WrongState {
                field: "totp",
                message: "An authenticator app is set up already; turn it off to set up another",
            });
        }
        let totp = totp(secret.to_vec(), &user.email)?;
        Ok(TotpEnrollment {
            secret_base32: totp.secret().to_base32(),
            otpauth_uri: totp
                .to_url()
                .map_err(|e| AuthError::internal(e.to_string()))?,
        })
    }

    /// Turns the app being set up on, given a code from it: the account has
    /// MFA from now on, this session counts as having passed it, and these
    /// ten recovery codes (shown only now) stand in for a lost app.
    pub async fn confirm_totp(
        &self,
        caller: &Caller,
        code: TotpCode,
        client: &ClientInfo,
    ) -> Result<Vec<String>, AuthError> {
        let user = &caller.user;
        let pending = factors::totp(&self.db, user.id)
            .await?
            .filter(|factor| !factor.confirmed)
            .ok_or(AuthError::WrongState {
                field: "code",
                message: "Start setting up an authenticator app first",
            })?;
        let step = self
            .counted(user, client, async {
                self.totp_step(user, &pending.sealed_secret, &code)
            })
            .await?
            .ok_or(AuthError::InvalidMfaCode)?;
        let now = self.now();
        let (shown, hashes) = new_recovery_codes()?;
        let notice = self
            .mail
            .security_changed(user.into(), "security-totp-enabled", now);
        let confirmation = Confirmation {
            step,
            recovery_hashes: &hashes,
            session: caller.session,
            notice: &notice,
        };
        let event = NewEvent::new(AuditKind::TotpEnabled, Some(client)).about(user.id);
        if !factors::confirm_totp(&self.db, user.id, &confirmation, &event, now).await? {
            return Err(AuthError::WrongState {
                field: "code",
                message: "Start setting up an authenticator app first",
            });
        }
        self.doorbell.ring();
        Ok(shown)
    }

    /// Turns the authenticator app off, given a code from it (or a
    /// recovery code). With it goes the account's MFA: the recovery codes,
    /// and every other session.
    pub async fn disable_totp(
        &self,
        caller: &Caller,
        code: MfaCode,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.step_up(caller)?;
        let user = &caller.user;
        let on = factors::totp(&self.db, user.id).await?;
        if !on.is_some_and(|factor| factor.confirmed) {
            return Err(no_authenticator());
        }
        self.check_factor(caller, &SecondFactor::Code(code), client)
            .await?;
        let now = self.now();
        let notice = self
            .mail
            .security_changed(user.into(), "security-totp-disabled", now);
        let event = NewEvent::new(AuditKind::TotpDisabled, Some(client)).about(user.id);
        if !factors::remove_totp(&self.db, user.id, caller.session, &notice, &event, now).await? {
            return Err(no_authenticator());
        }
        self.doorbell.ring();
        Ok(())
    }

    /// Ten new recovery codes; the old ones stop working.
    pub async fn regenerate_recovery_codes(
        &self,
        caller: &Caller,
        client: &ClientInfo,
    ) -> Result<Vec<String>, AuthError> {
        self.step_up(caller)?;
        let user = &caller.user;
        let (shown, hashes) = new_recovery_codes()?;
        let now = self.now();
        let notice =
            self.mail
                .security_changed(user.into(), "security-recovery-codes-regenerated", now);
        let event = NewEvent::new(AuditKind::RecoveryCodesRegenerated, Some(client))
            .about(user.id)
            .in_session(caller.session);
        if !factors::replace_recovery_codes(&self.db, user.id, &hashes, &notice, &event, now)
            .await?
        {
            return Err(no_authenticator());
        }
        self.doorbell.ring();
        Ok(shown)
    }

    /// Passes the second factor with an authenticator or recovery code, or
    /// a passkey: the session becomes aal 2, with a new pair of tokens (the
    /// old refresh token is retired).
    pub async fn verify_mfa(
        &self,
        caller: &Caller,
        factor: SecondFactor,
        client: &ClientInfo,
    ) -> Result<Authenticated, AuthError> {
        if !caller.user.mfa_enabled {
            return Err(AuthError::WrongState {
                field: "code",
                message: "This account has no second factor to pass",
            });
        }
        let method = self.check_factor(caller, &factor, client).await?;
        let event = NewEvent::new(AuditKind::MfaVerified, Some(client))
            .about(caller.user.id)
            .with("method", method);
        self.raise(caller, Aal::Two, &event).await
    }

    /// Proves the caller again (password, or a code), for what needs a
    /// recent proof: gives a new pair whose `auth_time` is now. A code also
    /// raises an aal 1 session.
    pub async fn reauthenticate(
        &self,
        caller: &Caller,
        proof: Proof,
        client: &ClientInfo,
    ) -> Result<Authenticated, AuthError> {
        let (method, aal) = match &proof {
            Proof::Password(password) => {
                self.check_password(&caller.user, password, client).await?;
                ("password", caller.assurance.aal)
            }
            Proof::Factor(factor) => (self.check_factor(caller, factor, client).await?, Aal::Two),
        };
        let event = NewEvent::new(AuditKind::Reauthenticated, Some(client))
            .about(caller.user.id)
            .with("method", method);
        self.raise(caller, aal, &event).await
    }

    /// Removes every second factor of another account, as an admin, for
    /// someone who lost them all: the account signs in with its password
    /// alone again, and every session of it ends.
    pub async fn reset_user_mfa(
        &self,
        admin: &Caller,
        user_id: UserId,
        client: &ClientInfo,
    ) -> Result<User, AuthError> {
        self.step_up(admin)?;
        not_yourself(
            admin,
            user_id,
            "Turn off your own second factors in your security settings",
        )?;
        let (user, _) = users::find_with_hash(&self.db, Lookup::Id(user_id))
            .await?
            .ok_or_else(super::no_such_user)?;
        let now = self.now();
        let notice = self
            .mail
            .security_changed((&user).into(), "security-mfa-reset", now);
        let event = admin_event(AuditKind::MfaReset, admin, user_id, client);
        factors::reset(&self.db, user_id, &notice, &event, now).await?;
        self.doorbell.ring();
        Ok(User {
            mfa_enabled: false,
            ..user
        })
    }

    /// Checks a second factor of the caller's as a password is checked
    /// (throttled, under the lock, counted), and uses it up: a TOTP code's
    /// time step, the recovery code, the passkey ceremony. A refusal is
    /// recorded as `MFA_FAILED`. Gives how the caller proved themselves.
    async fn check_factor(
        &self,
        caller: &Caller,
        factor: &SecondFactor,
        client: &ClientInfo,
    ) -> Result<&'static str, AuthError> {
        let user = &caller.user;
        let checked = self
            .counted(user, client, async {
                match factor {
                    SecondFactor::Code(MfaCode::Totp(code)) => self.use_totp_code(user, code).await,
                    SecondFactor::Code(MfaCode::Recovery(code)) => {
                        self.use_recovery_code(caller, code, client).await
                    }
                    SecondFactor::Passkey(assertion) => self.use_passkey(caller, assertion).await,
                }
            })
            .await;
        let method = factor.method();
        let refusal = match &factor {
            SecondFactor::Code(_) => AuthError::InvalidMfaCode,
            SecondFactor::Passkey(_) => AuthError::PasskeyRefused,
        };
        match checked {
            Ok(true) => Ok(method),
            Ok(false) => {
                self.record_mfa_failure(caller, method, "invalid_code", client)
                    .await;
                Err(refusal)
            }
            Err(err) => {
                if let Some(reason) = super::refused_check(&err) {
                    self.record_mfa_failure(caller, method, reason, client)
                        .await;
                }
                Err(err)
            }
        }
    }

    async fn record_mfa_failure(
        &self,
        caller: &Caller,
        method: &str,
        reason: &str,
        client: &ClientInfo,
    ) {
        let failed = NewEvent::new(AuditKind::MfaFailed, Some(client))
            .about(caller.user.id)
            .in_session(caller.session)
            .with("method", method)
            .with("reason", reason)
            .failed();
        self.record(&failed).await;
    }

    async fn use_totp_code(&self, user: &User, code: &TotpCode) -> Result<bool, AuthError> {
        let Some(factor) = factors::totp(&self.db, user.id)
            .await?
            .filter(|factor| factor.confirmed)
        else {
            return Ok(false);
        };
        let Some(step) = self.totp_step(user, &factor.sealed_secret, code)? else {
            return Ok(false);
        };
        Ok(factors::use_totp_step(&self.db, user.id, step).await?)
    }

    /// The time step whose code this is, within one step of now.
    fn totp_step(
        &self,
        user: &User,
        sealed: &[u8],
        code: &TotpCode,
    ) -> Result<Option<i64>, AuthError> {
        let secret = self.secrets.open(user.id, sealed)?;
        let now = u64::try_from(self.now().timestamp()).unwrap_or(0);
        let step = totp(secret, &user.email)?.check(code.as_str(), now);
        Ok(step.and_then(|step| i64::try_from(step).ok()))
    }

    async fn use_recovery_code(
        &self,
        caller: &Caller,
        code: &RecoveryCode,
        client: &ClientInfo,
    ) -> Result<bool, AuthError> {
        let user = &caller.user;
        let now = self.now();
        let notice = self
            .mail
            .security_changed(user.into(), "security-recovery-code-used", now);
        let event = NewEvent::new(AuditKind::RecoveryCodeUsed, Some(client))
            .about(user.id)
            .in_session(caller.session);
        let used =
            factors::use_recovery_code(&self.db, user.id, &code.hash(), &notice, &event, now)
                .await?;
        if used {
            self.doorbell.ring();
        }
        Ok(used)
    }

    /// The caller's session, raised to `aal` and proved now, with a new
    /// pair of tokens.
    async fn raise(
        &self,
        caller: &Caller,
        aal: Aal,
        event: &NewEvent<'_>,
    ) -> Result<Authenticated, AuthError> {
        let refresh_token = tokens::new_refresh_token()?;
        let now = self.now();
        let hash = tokens::hash_token(&refresh_token);
        if !sessions::elevate(&self.db, caller.session, aal, &hash, event, now).await? {
            return Err(AuthError::Unauthenticated(
                "Session has ended; sign in again",
            ));
        }
        let assurance = Assurance {
            aal,
            auth_time: now,
        };
        let user = caller.user.clone();
        let access_token = self
            .keys
            .issue(user.id, caller.session, user.role, assurance, now)?;
        Ok(Authenticated {
            standing: self.standing(&user, aal),
            user,
            tokens: TokenPair {
                access_token,
                refresh_token,
            },
        })
    }
}

fn no_authenticator() -> AuthError {
    AuthError::WrongState {
        field: "totp",
        message: "No authenticator app is set up",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_for_their_account_and_key() {
        let secrets = SecretBox::new(b"0123456789abcdef0123456789abcdef");
        let (alice, bob) = (UserId::new(), UserId::new());
        let sealed = secrets.seal(alice, b"twenty bytes secret!").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"twenty"));
        assert_eq!(
            secrets.open(alice, &sealed).unwrap(),
            b"twenty bytes secret!"
        );
        assert!(secrets.open(bob, &sealed).is_err());
        let other = SecretBox::new(b"another-secret-another-secret-xx");
        assert!(other.open(alice, &sealed).is_err());
        assert_ne!(
            sealed,
            secrets.seal(alice, b"twenty bytes secret!").unwrap()
        );
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_stored_hashed() {
        let (shown, hashes) = new_recovery_codes().unwrap();
        assert_eq!((shown.len(), hashes.len()), (10, 10));
        let distinct: std::collections::HashSet<_> = shown.iter().collect();
        assert_eq!(distinct.len(), 10);
        assert!(shown.iter().zip(&hashes).all(|(code, hash)| code != hash));
    }
}
