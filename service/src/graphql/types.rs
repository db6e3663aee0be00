//! The schema's own types: inputs that parse into domain values at this
//! boundary, and outputs built from domain values.

use async_graphql::{Enum, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::auth;
use crate::domain::{self, InvalidInput, Locale, NewAccount, ProfileUpdate, SignIn};

#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    /// 3 to 50 letters, digits, `_`, `.` or `-`; unique regardless of case.
    pub username: String,
    /// 8 to 256 characters, counted in Unicode NFKC; every one of them
    /// counts. Refused if easy to guess: common, the product's name, or
    /// containing the username or the email's local part.
    pub password: String,
    pub full_name: Option<String>,
    /// The language of the account's mail and pages: "en" (the default) or
    /// "ru".
    pub locale: Option<String>,
}

impl TryFrom<RegisterInput> for NewAccount {
    type Error = InvalidInput;

    fn try_from(input: RegisterInput) -> Result<Self, Self::Error> {
        let RegisterInput {
            email,
            username,
            password,
            full_name,
            locale,
        } = input;
        let mut account = NewAccount::parse(&email, &username, password, full_name.as_deref())?;
        if let Some(locale) = locale {
            account.locale = Locale::parse(&locale)?;
        }
        Ok(account)
    }
}

/// What to change in the caller's profile; a field left out stays as it is.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// A blank name removes it.
    pub full_name: Option<String>,
    pub username: Option<String>,
    /// "en" or "ru".
    pub locale: Option<String>,
}

impl TryFrom<UpdateProfileInput> for ProfileUpdate {
    type Error = InvalidInput;

    fn try_from(input: UpdateProfileInput) -> Result<Self, Self::Error> {
        ProfileUpdate::parse(
            input.full_name.as_deref(),
            input.username.as_deref(),
            input.locale.as_deref(),
        )
    }
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    /// Keep the session for 30 days instead of 24 hours.
    #[graphql(default)]
    pub remember_me: bool,
}

impl TryFrom<LoginInput> for SignIn {
    type Error = InvalidInput;

    fn try_from(input: LoginInput) -> Result<Self, Self::Error> {
        SignIn::parse(&input.email, input.password, input.remember_me)
    }
}

// `domain::Role` as the schema names it (a doc comment would change the SDL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(name = "Role", remote = "domain::Role")]
pub enum RoleObject {
    User,
    Admin,
}

/// An account. The password hash is never part of it.
#[derive(SimpleObject)]
#[graphql(name = "User")]
pub struct UserObject {
    pub id: Uuid,
    /// Lower-cased at registration.
    pub email: String,
    pub username: String,
    pub full_name: Option<String>,
    pub role: RoleObject,
    pub is_active: bool,
    /// Whether the owner has followed a link sent to the address.
    pub email_verified: bool,
    /// "en" or "ru": the language of the account's mail and pages.
    pub locale: String,
    pub max_chats: i32,
    pub avatar_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The last password sign-in; null if none since this was recorded.
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// The account has a second factor (an authenticator app): a password
    /// sign-in must pass it too.
    pub mfa_enabled: bool,
    /// For the signed-in account (`me`, and the `user` of a sign-in): this
    /// session signed in with a password and must pass the second factor
    /// (`verifyMfa`) before anything but `me`, `myMfa` and `logout`. False
    /// elsewhere.
    pub mfa_required: bool,
    /// For the signed-in account: an admin who must set up a second factor
    /// before anything else (`REQUIRE_ADMIN_MFA`). False elsewhere.
    pub mfa_enrollment_required: bool,
}

impl UserObject {
    /// The signed-in account, with what its session must do first.
    pub fn signed_in(user: domain::User, standing: auth::Standing) -> Self {
        Self {
            mfa_required: standing.mfa_required,
            mfa_enrollment_required: standing.enrollment_required,
            ..user.into()
        }
    }
}

impl From<domain::User> for UserObject {
    fn from(u: domain::User) -> Self {
        Self {
            id: u.id.as_uuid(),
            email: u.email,
            username: u.username,
            full_name: u.full_name,
            role: u.role.into(),
            is_active: u.is_active,
            email_verified: u.email_verified,
            locale: u.locale.as_str().to_owned(),
            max_chats: u.max_chats,
            avatar_url: u.avatar_url,
            created_at: u.created_at,
            updated_at: u.updated_at,
            last_sign_in_at: u.last_sign_in_at,
            mfa_enabled: u.mfa_enabled,
            mfa_required: false,
            mfa_enrollment_required: false,
        }
    }
}

/// A signed-in user and their tokens.
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub user: UserObject,
    /// Send as `Authorization: Bearer <accessToken>`; valid for 15 minutes.
    pub access_token: String,
    /// Trade for a new pair with `refreshToken`; each one works once.
    pub refresh_token: String,
}

#[derive(SimpleObject)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
}

impl From<auth::Authenticated> for AuthPayload {
    fn from(a: auth::Authenticated) -> Self {
        Self {
            user: UserObject::signed_in(a.user, a.standing),
            access_token: a.tokens.access_token,
            refresh_token: a.tokens.refresh_token,
        }
    }
}

impl From<auth::TokenPair> for TokenPair {
    fn from(t: auth::TokenPair) -> Self {
        Self {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
        }
    }
}

/// A device signed in to the caller's account.
#[derive(SimpleObject)]
#[graphql(name = "Session")]
pub struct SessionObject {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The session's last refresh (or its start): reading does not move it.
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The browser or program that signed in, as it named itself.
    pub user_agent: Option<String>,
    /// The address it signed in from.
    pub ip_address: Option<String>,
    /// Whether this is the session of the access token making the request.
    pub current: bool,
}

impl SessionObject {
    pub fn new(session: domain::SessionInfo, current: domain::SessionId) -> Self {
        Self {
            id: session.id.as_uuid(),
            created_at: session.created_at,
            last_used_at: session.last_used_at,
            expires_at: session.expires_at,
            user_agent: session.client.user_agent().map(str::to_owned),
            ip_address: session.client.ip_address().map(str::to_owned),
            current: session.id == current,
        }
    }
}

/// One look at the caller's session.
#[derive(SimpleObject)]
pub struct SessionStatus {
    /// False once the session has ended; no event follows it.
    pub active: bool,
    /// When the session will end on its own; null once it has ended.
    pub expires_at: Option<DateTime<Utc>>,
    pub checked_at: DateTime<Utc>,
}

// The audit trail's vocabulary as the schema names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(name = "AuditKind", remote = "domain::AuditKind")]
pub enum AuditKindObject {
    Registered,
    LoginSucceeded,
    LoginFailed,
    LoginThrottled,
    SignInLocked,
    SignInUnlocked,
    RefreshTokenReused,
    LoggedOut,
    SessionRevoked,
    LoggedOutEverywhere,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    EmailVerified,
    AccountActivated,
    AccountDeactivated,
    RoleChanged,
    AccountDeleted,
    DataExported,
    AdminSeeded,
    TotpEnabled,
    TotpDisabled,
    RecoveryCodesRegenerated,
    RecoveryCodeUsed,
    MfaVerified,
    MfaFailed,
    Reauthenticated,
    MfaReset,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(name = "AuditActor", remote = "domain::ActorKind")]
pub enum AuditActorObject {
    /// The account's owner (or whoever held its password or a link mailed
    /// to it).
    #[graphql(name = "SELF")]
    Owner,
    Admin,
    /// The service itself: a lock after guessing, a replayed refresh token,
    /// the command line.
    System,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
#[graphql(name = "AuditOutcome", remote = "domain::Outcome")]
pub enum AuditOutcomeObject {
    Success,
    Failure,
}

/// An account an event names, while it exists.
#[derive(SimpleObject)]
#[graphql(name = "AuditAccount")]
pub struct AuditAccountObject {
    pub id: Uuid,
    pub email: String,
    pub username: String,
}

impl From<domain::AuditAccount> for AuditAccountObject {
    fn from(account: domain::AuditAccount) -> Self {
        Self {
            id: account.id.as_uuid(),
            email: account.email,
            username: account.username,
        }
    }
}

/// Something that happened to an account, as the audit trail recorded it.
#[derive(SimpleObject)]
#[graphql(name = "AuditEvent")]
pub struct AuditEventObject {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub kind: AuditKindObject,
    pub outcome: AuditOutcomeObject,
    pub actor: AuditActorObject,
    /// The pseudonym of the account the event is about: stable and random,
    /// it outlives the account. Null for an attempt on an unknown email.
    pub subject: Option<String>,
    /// That account, while it exists.
    pub account: Option<AuditAccountObject>,
    /// The admin who acted (actor `ADMIN`), while that account exists.
    pub actor_account: Option<AuditAccountObject>,
    pub session_id: Option<Uuid>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// "Chrome on Linux", or as much as the user agent tells.
    pub device: Option<String>,
    /// A small JSON object: a reason, a role, a count.
    pub detail: async_graphql::Json<serde_json::Value>,
}

impl From<domain::AuditEvent> for AuditEventObject {
    fn from(event: domain::AuditEvent) -> Self {
        let device = event.client.user_agent().and_then(|agent| {
            let device = devices::parse(agent);
            match (device.browser, device.os) {
                (Some(browser), Some(os)) => Some(format!("{browser} on {os}")),
                (browser, os) => browser.or(os.map(str::to_owned)),
            }
        });
        Self {
            id: event.id,
            occurred_at: event.occurred_at,
            kind: event.kind.into(),
            outcome: event.outcome.into(),
            actor: event.actor.into(),
            subject: event.subject.map(|subject| subject.to_string()),
            account: event.account.map(Into::into),
            actor_account: event.actor_account.map(Into::into),
            session_id: event.session.map(domain::SessionId::as_uuid),
            ip_address: event.client.ip_address().map(str::to_owned),
            user_agent: event.client.user_agent().map(str::to_owned),
            device,
            detail: async_graphql::Json(
                serde_json::from_str(&event.detail).unwrap_or(serde_json::Value::Null),
            ),
        }
    }
}

/// Which events an admin asks for; every field narrows the search.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// Events about this account.
    pub user_id: Option<Uuid>,
    /// Events of these kinds.
    pub kinds: Option<Vec<AuditKindObject>>,
    /// At or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Before this instant.
    pub until: Option<DateTime<Utc>>,
}

impl From<AuditFilter> for domain::EventFilter {
    fn from(filter: AuditFilter) -> Self {
        Self {
            user: filter.user_id.map(Into::into),
            kinds: filter
                .kinds
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            since: filter.since,
            until: filter.until,
        }
    }
}

pub type AuditEventConnection = async_graphql::connection::Connection<
    String,
    AuditEventObject,
    async_graphql::connection::EmptyFields,
    async_graphql::connection::EmptyFields,
    async_graphql::connection::DefaultConnectionName,
    async_graphql::connection::DefaultEdgeName,
    async_graphql::connection::EnableNodesField,
>;

/// The caller's second factors.
#[derive(SimpleObject)]
#[graphql(name = "MfaStatus")]
pub struct MfaStatusObject {
    /// An authenticator app is set up (and confirmed).
    pub totp: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
}

impl From<auth::MfaStatus> for MfaStatusObject {
    fn from(status: auth::MfaStatus) -> Self {
        Self {
            totp: status.totp,
            recovery_codes_left: status.recovery_codes_left,
        }
    }
}

/// A new authenticator app's secret: shown once, for the person to scan
/// (the client draws `otpauthUri` as a QR code) or type.
#[derive(SimpleObject)]
#[graphql(name = "TotpEnrollment")]
pub struct TotpEnrollmentObject {
    /// Base32, for typing into the app.
    pub secret: String,
    /// `otpauth://totp/...`: SHA-1, 6 digits, 30 seconds.
    pub otpauth_uri: String,
}

impl From<auth::TotpEnrollment> for TotpEnrollmentObject {
    fn from(enrollment: auth::TotpEnrollment) -> Self {
        Self {
            secret: enrollment.secret_base32,
            otpauth_uri: enrollment.otpauth_uri,
        }
    }
}
