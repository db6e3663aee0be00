//! The one way the client talks to the service: typed operations generated
//! from `../schema.graphql` by graphql_client, and the service's error codes
//! mapped to [`ApiError`]. It keeps nothing between calls: which token to send,
//! what to store and when to refresh is the session's business
//! (`session.rs`), so that there is one owner of the signed-in state.

use graphql_client::{GraphQLQuery, QueryBody};

use crate::audit::{AuditActor, AuditKind, AuditOutcome};
use crate::session::{Tokens, User};

// The schema's scalars, as the client sees them: RFC 3339 text for
// DateTime, which only the page formats (no date crate in the wasm).
#[allow(clippy::upper_case_acronyms)]
type UUID = String;
type DateTime = String;
#[allow(clippy::upper_case_acronyms)]
type JSON = serde_json::Value;

// Skipped: rustfmt indents the attribute further on every run once it holds
// a macro variable.
#[rustfmt::skip]
macro_rules! operation {
    ($name:ident) => {
        operation!($name, "graphql/operations.graphql");
    };
    ($name:ident, $file:tt) => {
        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "../schema.graphql",
            query_path = $file,
            response_derives = "Debug, Clone, PartialEq",
            variables_derives = "Debug, Clone"
        )]
        pub struct $name;
    };
    // The audit enums are the client's own (`audit.rs`), shared by every
    // operation that names them, so one kind maps to one message.
    ($name:ident, $file:tt, audit) => {
        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "../schema.graphql",
            query_path = $file,
            response_derives = "Debug, Clone, PartialEq",
            variables_derives = "Debug, Clone, PartialEq",
            extern_enums("AuditKind", "AuditActor", "AuditOutcome", "Role")
        )]
        pub struct $name;
    };
}
operation!(Register);
operation!(Login);
operation!(RefreshToken);
operation!(Logout);
operation!(Me);
operation!(UpdateProfile);
operation!(ChangePassword);
operation!(MySessions);
operation!(RevokeSession);
operation!(LogoutEverywhere);
operation!(RequestEmailVerification, "graphql/mail_links.graphql");
operation!(VerifyEmail, "graphql/mail_links.graphql");
operation!(UnlockSignIn, "graphql/mail_links.graphql");
operation!(RequestPasswordReset, "graphql/mail_links.graphql");
operation!(ResetPassword, "graphql/mail_links.graphql");
operation!(SessionStatus);
operation!(Users, "graphql/admin.graphql", audit);
operation!(SetUserActive, "graphql/admin.graphql", audit);
operation!(SetUserRole, "graphql/admin.graphql", audit);
operation!(RevokeUserSessions, "graphql/admin.graphql", audit);
operation!(ResetUserMfa, "graphql/admin.graphql", audit);
operation!(DeleteUser, "graphql/admin.graphql", audit);
operation!(AuditEvents, "graphql/admin.graphql", audit);
operation!(MyActivity, "graphql/privacy.graphql", audit);
operation!(ExportMyData, "graphql/privacy.graphql", audit);
operation!(DeleteMyAccount, "graphql/privacy.graphql", audit);
operation!(MyMfa, "graphql/mfa.graphql");
operation!(VerifyMfa, "graphql/mfa.graphql");
operation!(VerifyMfaWithPasskey, "graphql/passkeys.graphql");
operation!(StartPasskeyVerification, "graphql/passkeys.graphql");
operation!(Reauthenticate, "graphql/mfa.graphql");
operation!(ReauthenticateWithPasskey, "graphql/passkeys.graphql");
operation!(MyPasskeys, "graphql/passkeys.graphql");
operation!(StartTotpEnrollment, "graphql/mfa.graphql");
operation!(ConfirmTotp, "graphql/mfa.graphql");
operation!(DisableTotp, "graphql/mfa.graphql");
operation!(RegenerateRecoveryCodes, "graphql/mfa.graphql");
operation!(StartPasskeyRegistration, "graphql/passkeys.graphql");
operation!(FinishPasskeyRegistration, "graphql/passkeys.graphql");
operation!(RenamePasskey, "graphql/passkeys.graphql");
operation!(RemovePasskey, "graphql/passkeys.graphql");
operation!(StartPasskeySignIn, "graphql/passkeys.graphql");
operation!(FinishPasskeySignIn, "graphql/passkeys.graphql");

/// One of the caller's signed-in devices, as `mySessions` lists it.
pub type Device = my_sessions::MySessionsMySessions;
/// One `sessionStatus` event: `active`, and `expires_at` while it is.
pub type SessionState = session_status::SessionStatusSessionStatus;

/// The caller's second factors, as `myMfa` tells them.
pub type MfaStatus = my_mfa::MyMfaMyMfa;
/// One of the caller's passkeys.
pub type Passkey = my_passkeys::MyPasskeysMyMfaPasskeys;

/// A WebAuthn ceremony the service began: its id, and the options to hand
/// the browser (`{"publicKey": ...}`, base64url fields).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct PasskeyChallenge {
    #[serde(rename = "challengeId")]
    pub id: String,
    pub options: serde_json::Value,
}

/// A passkey's answer to a challenge: the challenge's id and the browser's
/// `credential.toJSON()`.
#[derive(Clone, Debug, PartialEq)]
pub struct Assertion {
    pub challenge_id: String,
    pub credential: serde_json::Value,
}

/// How a signed-in person proves again that it is them (`reauthenticate`).
#[derive(Clone, Debug, PartialEq)]
pub enum Proof {
    Password(String),
    /// An authenticator code or a recovery code.
    Code(String),
    Passkey(Assertion),
}

/// An account as the admin console lists it.
pub type AdminUser = users::AdminUserFields;

/// An account's role; the schema's `Role`, shared by the admin operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    User,
    Admin,
}

/// One page of a list, and where the next one starts (`None`: this was the
/// last).
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// One audit event, as both the person's own activity and the audit log
/// show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: String,
    pub occurred_at: String,
    pub kind: AuditKind,
    pub outcome: AuditOutcome,
    pub actor: AuditActor,
    /// The account's email while it exists; else its pseudonym, if any.
    pub account: Option<String>,
    pub account_id: Option<String>,
    /// The admin who acted, while that account exists.
    pub actor_email: Option<String>,
    pub ip_address: Option<String>,
    /// "Chrome on Linux", as the service words it.
    pub device: Option<String>,
    pub detail: serde_json::Value,
}

/// Why a call failed, by the service's stable `extensions.code`.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    BadInput {
        field: Option<String>,
    },
    Conflict {
        field: Option<String>,
    },
    RateLimited,
    /// A mailed link's token that is unknown, used, or replaced by a newer one.
    InvalidToken,
    /// A mailed link's token that is too old.
    TokenExpired,
    /// Password sign-in is locked until the owner follows the mailed unlock
    /// link or resets the password.
    SignInLocked,
    /// The change would leave no active admin.
    LastAdmin,
    /// This session signed in with a password only: a second factor first.
    MfaRequired,
    /// An admin without a second factor, where the service requires one:
    /// set one up first.
    MfaEnrollmentRequired,
    /// The action needs a recent sign-in: prove it is you again.
    ReauthenticationRequired,
    /// A wrong, used or replayed code, or a passkey the service refused.
    InvalidMfaCode,
    Network,
    Server,
}

impl ApiError {
    fn from_code(code: &str, field: Option<String>) -> Self {
        match code {
            "UNAUTHENTICATED" => Self::Unauthenticated,
            "INVALID_CREDENTIALS" => Self::InvalidCredentials,
            "FORBIDDEN" => Self::Forbidden,
            "BAD_USER_INPUT" => Self::BadInput { field },
            "CONFLICT" => Self::Conflict { field },
            "RATE_LIMITED" => Self::RateLimited,
            "INVALID_TOKEN" => Self::InvalidToken,
            "TOKEN_EXPIRED" => Self::TokenExpired,
            "SIGN_IN_LOCKED" => Self::SignInLocked,
            "LAST_ADMIN" => Self::LastAdmin,
            "MFA_REQUIRED" => Self::MfaRequired,
            "MFA_ENROLLMENT_REQUIRED" => Self::MfaEnrollmentRequired,
            "REAUTHENTICATION_REQUIRED" => Self::ReauthenticationRequired,
            "INVALID_MFA_CODE" => Self::InvalidMfaCode,
            _ => Self::Server,
        }
    }

    /// The Fluent message id that explains this error to a person.
    pub fn message_id(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "error-session-ended",
            Self::InvalidCredentials => "error-invalid-credentials",
            Self::Forbidden => "error-forbidden",
            Self::BadInput { field } => match field.as_deref() {
                Some("email") => "error-email-invalid",
                Some("username") => "error-username-chars",
                // The form checked the length already: what the service
                // refuses is a password that is easy to guess.
                Some("password" | "newPassword") => "error-password-weak",
                Some("fullName") => "error-full-name",
                // An admin acting on their own account, or on one that is gone.
                Some("id") => "error-user-target",
                _ => "error-bad-input",
            },
            Self::Conflict { field } if field.as_deref() == Some("email") => "error-email-taken",
            Self::Conflict { .. } => "error-username-taken",
            Self::RateLimited => "error-rate-limited",
            Self::InvalidToken => "error-link-invalid",
            Self::TokenExpired => "error-link-expired",
            Self::SignInLocked => "error-sign-in-locked",
            Self::LastAdmin => "error-last-admin",
            Self::MfaRequired => "error-mfa-required",
            Self::MfaEnrollmentRequired => "error-mfa-enrollment-required",
            Self::ReauthenticationRequired => "error-reauthentication-required",
            Self::InvalidMfaCode => "error-invalid-mfa-code",
            Self::Network => "error-network",
            Self::Server => "error-server",
        }
    }

    /// The message for a refused sign-in: there the only thing forbidden is
    /// signing in to a deactivated account, which the person should be told.
    pub fn sign_in_message_id(&self) -> &'static str {
        match self {
            Self::Forbidden => "error-account-deactivated",
            other => other.message_id(),
        }
    }

    /// The form field the error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadInput { field } | Self::Conflict { field } => field.as_deref(),
            _ => None,
        }
    }

    fn from_errors(errors: &[ReplyError]) -> Self {
        let Some(first) = errors.first() else {
            return Self::Server;
        };
        let extension = |key: &str| {
            first
                .extensions
                .as_ref()
                .and_then(|ext| ext.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        match extension("code") {
            Some(code) => Self::from_code(&code, extension("field")),
            None => Self::Server,
        }
    }
}

/// Each operation's own document, made by build.rs from the same files.
mod documents {
    include!(concat!(env!("OUT_DIR"), "/documents.rs"));
}

/// The request for operation `Q`, carrying only its own document: the
/// operation and the fragments it uses, not the whole file graphql_client
/// keeps it in.
fn request<Q: GraphQLQuery>(variables: Q::Variables) -> QueryBody<Q::Variables> {
    let mut body = Q::build_query(variables);
    body.query = documents::document(body.operation_name).unwrap_or(body.query);
    body
}

/// Sends one operation and reads its one root field as `T`. graphql_client
/// checks each operation against the schema and types its variables, but
/// its generated reply types are not used to read replies: each would be
/// one more copy of the decoding code in the wasm. Operations that answer
/// with the same shape (a user, a token pair, a flag) share one type here.
async fn send<Q: GraphQLQuery, T: serde::de::DeserializeOwned>(
    variables: Q::Variables,
    access_token: Option<&str>,
) -> Result<T, ApiError> {
    let body = serde_json::to_string(&request::<Q>(variables)).map_err(|_| ApiError::Server)?;
    let field = root_field(post(body, access_token).await?)?;
    serde_json::from_value(field).map_err(|_| ApiError::Server)
}

/// The value of the one field a reply's data holds.
fn root_field(data: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    match data {
        serde_json::Value::Object(fields) => fields.into_iter().next().map(|(_, v)| v),
        _ => None,
    }
    .ok_or(ApiError::Server)
}

/// A reply that only says it worked.
type Done = serde::de::IgnoredAny;

/// The account fields every signing-in operation and `me` ask for
/// (`UserFields`, `MfaUserFields`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserFields {
    id: String,
    email: String,
    username: String,
    full_name: Option<String>,
    role: Role,
    email_verified: bool,
    locale: String,
    mfa_required: bool,
    mfa_enrollment_required: bool,
}

impl From<UserFields> for User {
    fn from(u: UserFields) -> Self {
        Self {
            id: u.id,
            email: u.email,
            username: u.username,
            full_name: u.full_name,
            is_admin: u.role == Role::Admin,
            email_verified: u.email_verified,
            locale: u.locale,
            mfa_required: u.mfa_required,
            mfa_enrollment_required: u.mfa_enrollment_required,
        }
    }
}

/// What an operation that signs in answers (`AuthPayload`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    user: UserFields,
    access_token: String,
    refresh_token: String,
}

impl From<Payload> for (User, Tokens) {
    fn from(p: Payload) -> Self {
        (p.user.into(), tokens(p.access_token, p.refresh_token))
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenPair {
    access_token: String,
    refresh_token: String,
}

/// A connection's page of nodes (`AuditEventConnection`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Connection<N> {
    nodes: Vec<N>,
    page_info: PageInfo,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

impl<N> Connection<N> {
    fn page(self) -> Page<Event>
    where
        N: Into<Event>,
    {
        Page {
            items: self.nodes.into_iter().map(Into::into).collect(),
            next: self
                .page_info
                .has_next_page
                .then_some(self.page_info.end_cursor)
                .flatten(),
        }
    }
}

/// The HTTP exchange and the reply's errors, apart from the generic
/// [`send`]: the wasm holds one copy of them rather than one per operation.
async fn post(body: String, access_token: Option<&str>) -> Result<serde_json::Value, ApiError> {
    let mut request =
        gloo_net::http::Request::post("/graphql").header("Content-Type", "application/json");
    if let Some(token) = access_token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = request
        .body(body)
        .map_err(|_| ApiError::Server)?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(match response.status() {
            429 => ApiError::RateLimited,
            502..=504 => ApiError::Network,
            _ => ApiError::Server,
        });
    }
    // The data is read as the operation's type by `send`.
    let reply: Reply<serde_json::Value> = response.json().await.map_err(|_| ApiError::Server)?;
    data_of(reply)
}

/// A GraphQL reply, read only as far as the client uses it: the data, and
/// each error's `extensions`. (graphql_client's `Response` reads locations
/// and paths too, an untagged enum whose decoding costs the wasm more than
/// the rest of the reply.)
#[derive(serde::Deserialize)]
struct Reply<T> {
    data: Option<T>,
    errors: Option<Vec<ReplyError>>,
}

#[derive(serde::Deserialize)]
struct ReplyError {
    extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The data of a reply, or the error it carries.
fn data_of<T>(response: Reply<T>) -> Result<T, ApiError> {
    match (response.data, response.errors) {
        (_, Some(errors)) if !errors.is_empty() => Err(ApiError::from_errors(&errors)),
        (Some(data), _) => Ok(data),
        (None, _) => Err(ApiError::Server),
    }
}

/// Signs in; the caller keeps the session.
pub async fn login(
    email: &str,
    password: &str,
    remember_me: bool,
) -> Result<(User, Tokens), ApiError> {
    let variables = login::Variables {
        input: login::LoginInput {
            email: email.trim().to_owned(),
            password: password.to_owned(),
            remember_me,
        },
    };
    Ok(send::<Login, Payload>(variables, None).await?.into())
}

/// Creates an account, which comes signed in; the caller keeps the session.
/// `locale` ("en" or "ru") is the language the account's mail will use.
pub async fn register(
    email: &str,
    username: &str,
    password: &str,
    full_name: &str,
    locale: &str,
) -> Result<(User, Tokens), ApiError> {
    let full_name = full_name.trim();
    let variables = register::Variables {
        input: register::RegisterInput {
            email: email.trim().to_owned(),
            username: username.trim().to_owned(),
            password: password.to_owned(),
            full_name: (!full_name.is_empty()).then(|| full_name.to_owned()),
            locale: Some(locale.to_owned()),
        },
    };
    Ok(send::<Register, Payload>(variables, None).await?.into())
}

/// The user the access token belongs to, fresh from the service.
pub async fn me(access_token: Option<String>) -> Result<User, ApiError> {
    let user: UserFields = send::<Me, _>(me::Variables, access_token.as_deref()).await?;
    Ok(user.into())
}

/// Trades a refresh token for a new pair; the old one stops working.
pub async fn refresh_token(refresh_token: String) -> Result<Tokens, ApiError> {
    let variables = refresh_token::Variables { refresh_token };
    let pair: TokenPair = send::<RefreshToken, _>(variables, None).await?;
    Ok(tokens(pair.access_token, pair.refresh_token))
}

/// Ends the session this refresh token belongs to, on the service.
pub async fn logout(refresh_token: String) -> Result<(), ApiError> {
    send::<Logout, Done>(logout::Variables { refresh_token }, None).await?;
    Ok(())
}

/// What to change in the caller's profile; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileChange {
    /// Blank removes the name.
    pub full_name: Option<String>,
    pub username: Option<String>,
    /// "en" or "ru".
    pub locale: Option<String>,
}

/// Changes the caller's profile; gives the account as it is now.
pub async fn update_profile(
    access_token: Option<String>,
    change: ProfileChange,
) -> Result<User, ApiError> {
    let variables = update_profile::Variables {
        input: update_profile::UpdateProfileInput {
            full_name: change.full_name.map(|n| n.trim().to_owned()),
            username: change.username.map(|n| n.trim().to_owned()),
            locale: change.locale,
        },
    };
    let user: UserFields = send::<UpdateProfile, _>(variables, access_token.as_deref()).await?;
    Ok(user.into())
}

/// Replaces the caller's password; the service ends every other session.
pub async fn change_password(
    access_token: Option<String>,
    current_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    let variables = change_password::Variables {
        current_password,
        new_password,
    };
    send::<ChangePassword, Done>(variables, access_token.as_deref()).await?;
    Ok(())
}

/// The caller's signed-in devices, newest first.
pub async fn my_sessions(access_token: Option<String>) -> Result<Vec<Device>, ApiError> {
    send::<MySessions, _>(my_sessions::Variables, access_token.as_deref()).await
}

/// Signs one of the caller's devices out; false if it had already ended.
pub async fn revoke_session(access_token: Option<String>, id: String) -> Result<bool, ApiError> {
    let variables = revoke_session::Variables { id };
    send::<RevokeSession, _>(variables, access_token.as_deref()).await
}

/// Signs the caller out everywhere but here; gives how many sessions ended.
pub async fn logout_everywhere_else(access_token: Option<String>) -> Result<i64, ApiError> {
    send::<LogoutEverywhere, _>(logout_everywhere::Variables, access_token.as_deref()).await
}

/// Mails the caller a fresh link to verify their address.
pub async fn request_email_verification(access_token: Option<String>) -> Result<(), ApiError> {
    let variables = request_email_verification::Variables;
    send::<RequestEmailVerification, Done>(variables, access_token.as_deref()).await?;
    Ok(())
}

/// Lifts the sign-in lock a mailed unlock link was sent for.
pub async fn unlock_sign_in(token: &str) -> Result<(), ApiError> {
    let variables = unlock_sign_in::Variables {
        token: token.to_owned(),
    };
    send::<UnlockSignIn, Done>(variables, None).await?;
    Ok(())
}

/// Confirms the address a mailed link was sent to; the token is the proof.
pub async fn verify_email(token: &str) -> Result<(), ApiError> {
    let variables = verify_email::Variables {
        token: token.to_owned(),
    };
    send::<VerifyEmail, Done>(variables, None).await?;
    Ok(())
}

/// Mails a reset link if an account has this address; the answer is the same
/// either way, so it tells nobody which addresses have accounts.
pub async fn request_password_reset(email: &str) -> Result<(), ApiError> {
    let variables = request_password_reset::Variables {
        email: email.trim().to_owned(),
    };
    send::<RequestPasswordReset, Done>(variables, None).await?;
    Ok(())
}

/// Sets a new password with a mailed link's token.
pub async fn reset_password(token: &str, new_password: &str) -> Result<(), ApiError> {
    let variables = reset_password::Variables {
        token: token.to_owned(),
        new_password: new_password.to_owned(),
    };
    send::<ResetPassword, Done>(variables, None).await?;
    Ok(())
}

/// How many accounts the console asks for at once.
pub const USERS_PAGE: usize = 25;

/// Accounts, oldest first, whose email or username starts with `search`
/// (all if blank), after the account `after`.
pub async fn users(
    access_token: Option<String>,
    search: String,
    after: Option<String>,
) -> Result<Page<AdminUser>, ApiError> {
    let search = search.trim();
    let variables = users::Variables {
        search: (!search.is_empty()).then(|| search.to_owned()),
        // One more than shown: whether it comes tells if there is more.
        first: USERS_PAGE as i64 + 1,
        after,
    };
    let list: Vec<AdminUser> = send::<Users, _>(variables, access_token.as_deref()).await?;
    Ok(keyset_page(list, USERS_PAGE, |u| u.id.clone()))
}

/// The first `size` of `rows` (asked for one more than that), and the key of
/// the last one shown if more followed.
fn keyset_page<T>(mut rows: Vec<T>, size: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let more = rows.len() > size;
    rows.truncate(size);
    let next = more.then(|| rows.last().map(&key)).flatten();
    Page { items: rows, next }
}

pub async fn set_user_active(
    access_token: Option<String>,
    id: String,
    active: bool,
) -> Result<AdminUser, ApiError> {
    let variables = set_user_active::Variables { id, active };
    send::<SetUserActive, _>(variables, access_token.as_deref()).await
}

pub async fn set_user_role(
    access_token: Option<String>,
    id: String,
    role: Role,
) -> Result<AdminUser, ApiError> {
    let variables = set_user_role::Variables { id, role };
    send::<SetUserRole, _>(variables, access_token.as_deref()).await
}

/// Ends every session of the account; gives how many live ones ended.
pub async fn revoke_user_sessions(
    access_token: Option<String>,
    id: String,
) -> Result<i64, ApiError> {
    let variables = revoke_user_sessions::Variables { id };
    send::<RevokeUserSessions, _>(variables, access_token.as_deref()).await
}

pub async fn delete_user(access_token: Option<String>, id: String) -> Result<(), ApiError> {
    send::<DeleteUser, Done>(delete_user::Variables { id }, access_token.as_deref()).await?;
    Ok(())
}

/// The audit log, newest first, as far as `filter` lets through.
pub async fn audit_events(
    access_token: Option<String>,
    filter: audit_events::AuditFilter,
    after: Option<String>,
) -> Result<Page<Event>, ApiError> {
    let variables = audit_events::Variables {
        filter: Some(filter),
        first: 50,
        after,
    };
    let connection: Connection<audit_events::AuditEventFields> =
        send::<AuditEvents, _>(variables, access_token.as_deref()).await?;
    Ok(connection.page())
}

/// The caller's own events, newest first.
pub async fn my_activity(
    access_token: Option<String>,
    after: Option<String>,
) -> Result<Page<Event>, ApiError> {
    let variables = my_activity::Variables { first: 20, after };
    let connection: Connection<my_activity::MyActivityMyActivityNodes> =
        send::<MyActivity, _>(variables, access_token.as_deref()).await?;
    Ok(connection.page())
}

/// Everything the service keeps about the caller, as one JSON document.
pub async fn export_my_data(access_token: Option<String>) -> Result<serde_json::Value, ApiError> {
    send::<ExportMyData, _>(export_my_data::Variables, access_token.as_deref()).await
}

/// Deletes the caller's account, if `password` is its password.
pub async fn delete_my_account(
    access_token: Option<String>,
    password: String,
) -> Result<(), ApiError> {
    let variables = delete_my_account::Variables { password };
    send::<DeleteMyAccount, Done>(variables, access_token.as_deref()).await?;
    Ok(())
}

/// The caller's second factors; allowed before the second factor is given.
pub async fn my_mfa(access_token: Option<String>) -> Result<MfaStatus, ApiError> {
    send::<MyMfa, _>(my_mfa::Variables, access_token.as_deref()).await
}

/// The caller's passkeys; an error too where the service has none to offer.
pub async fn my_passkeys(access_token: Option<String>) -> Result<Vec<Passkey>, ApiError> {
    #[derive(serde::Deserialize)]
    struct Passkeys {
        passkeys: Vec<Passkey>,
    }
    let status: Passkeys =
        send::<MyPasskeys, _>(my_passkeys::Variables, access_token.as_deref()).await?;
    Ok(status.passkeys)
}

/// Gives the second factor of a password sign-in: an authenticator code or
/// a recovery code. The new pair replaces the one the password gave.
pub async fn verify_mfa(
    access_token: Option<String>,
    code: String,
) -> Result<(User, Tokens), ApiError> {
    let variables = verify_mfa::Variables { code };
    let payload: Payload = send::<VerifyMfa, _>(variables, access_token.as_deref()).await?;
    Ok(payload.into())
}

/// The same with a passkey's answer to [`start_passkey_verification`].
pub async fn verify_mfa_with_passkey(
    access_token: Option<String>,
    assertion: Assertion,
) -> Result<(User, Tokens), ApiError> {
    let variables = verify_mfa_with_passkey::Variables {
        passkey: verify_mfa_with_passkey::PasskeyAssertion {
            challenge_id: assertion.challenge_id,
            credential: assertion.credential,
        },
    };
    let payload: Payload =
        send::<VerifyMfaWithPasskey, _>(variables, access_token.as_deref()).await?;
    Ok(payload.into())
}

/// A challenge for one of the caller's passkeys (second factor or step-up).
pub async fn start_passkey_verification(
    access_token: Option<String>,
) -> Result<PasskeyChallenge, ApiError> {
    let variables = start_passkey_verification::Variables;
    send::<StartPasskeyVerification, _>(variables, access_token.as_deref()).await
}

/// Proves again that it is the signed-in person, for the actions that need
/// a recent sign-in; gives a new pair to store.
pub async fn reauthenticate(
    access_token: Option<String>,
    proof: Proof,
) -> Result<(User, Tokens), ApiError> {
    let payload: Payload = match proof {
        Proof::Password(password) => {
            let variables = reauthenticate::Variables {
                password: Some(password),
                code: None,
            };
            send::<Reauthenticate, _>(variables, access_token.as_deref()).await?
        }
        Proof::Code(code) => {
            let variables = reauthenticate::Variables {
                password: None,
                code: Some(code),
            };
            send::<Reauthenticate, _>(variables, access_token.as_deref()).await?
        }
        Proof::Passkey(a) => {
            let variables = reauthenticate_with_passkey::Variables {
                passkey: reauthenticate_with_passkey::PasskeyAssertion {
                    challenge_id: a.challenge_id,
                    credential: a.credential,
                },
            };
            send::<ReauthenticateWithPasskey, _>(variables, access_token.as_deref()).await?
        }
    };
    Ok(payload.into())
}

/// A new authenticator secret: (base32 secret, otpauth:// URI). It is not
/// on until [`confirm_totp`] proves the app has it.
pub async fn start_totp_enrollment(
    access_token: Option<String>,
) -> Result<(String, String), ApiError> {
    let variables = start_totp_enrollment::Variables;
    let e: start_totp_enrollment::StartTotpEnrollmentStartTotpEnrollment =
        send::<StartTotpEnrollment, _>(variables, access_token.as_deref()).await?;
    Ok((e.secret, e.otpauth_uri))
}

/// Turns the authenticator on with its first code; gives the ten recovery
/// codes, which are never shown again.
pub async fn confirm_totp(
    access_token: Option<String>,
    code: String,
) -> Result<Vec<String>, ApiError> {
    let variables = confirm_totp::Variables { code };
    send::<ConfirmTotp, _>(variables, access_token.as_deref()).await
}

/// Turns the authenticator off; needs a current code from it.
pub async fn disable_totp(access_token: Option<String>, code: String) -> Result<(), ApiError> {
    send::<DisableTotp, Done>(disable_totp::Variables { code }, access_token.as_deref()).await?;
    Ok(())
}

/// Ten new recovery codes; the old ones stop working.
pub async fn regenerate_recovery_codes(
    access_token: Option<String>,
) -> Result<Vec<String>, ApiError> {
    let variables = regenerate_recovery_codes::Variables;
    send::<RegenerateRecoveryCodes, _>(variables, access_token.as_deref()).await
}

pub async fn start_passkey_registration(
    access_token: Option<String>,
) -> Result<PasskeyChallenge, ApiError> {
    let variables = start_passkey_registration::Variables;
    send::<StartPasskeyRegistration, _>(variables, access_token.as_deref()).await
}

/// Keeps the passkey the browser made for the challenge, under `name`.
pub async fn finish_passkey_registration(
    access_token: Option<String>,
    name: String,
    credential: Assertion,
) -> Result<(), ApiError> {
    let variables = finish_passkey_registration::Variables {
        challenge_id: credential.challenge_id,
        name: name.trim().to_owned(),
        credential: credential.credential,
    };
    send::<FinishPasskeyRegistration, Done>(variables, access_token.as_deref()).await?;
    Ok(())
}

pub async fn rename_passkey(
    access_token: Option<String>,
    id: String,
    name: String,
) -> Result<(), ApiError> {
    let variables = rename_passkey::Variables {
        id,
        name: name.trim().to_owned(),
    };
    send::<RenamePasskey, Done>(variables, access_token.as_deref()).await?;
    Ok(())
}

pub async fn remove_passkey(access_token: Option<String>, id: String) -> Result<(), ApiError> {
    send::<RemovePasskey, Done>(remove_passkey::Variables { id }, access_token.as_deref()).await?;
    Ok(())
}

/// A challenge any of this site's passkeys may answer: signing in with no
/// email typed.
pub async fn start_passkey_sign_in() -> Result<PasskeyChallenge, ApiError> {
    send::<StartPasskeySignIn, _>(start_passkey_sign_in::Variables, None).await
}

/// Signs in with a passkey's answer; the caller keeps the session.
pub async fn finish_passkey_sign_in(
    assertion: Assertion,
    remember_me: bool,
) -> Result<(User, Tokens), ApiError> {
    let variables = finish_passkey_sign_in::Variables {
        challenge_id: assertion.challenge_id,
        credential: assertion.credential,
        remember_me,
    };
    let payload: Payload = send::<FinishPasskeySignIn, _>(variables, None).await?;
    Ok(payload.into())
}

/// Removes every second factor of the account and ends its sessions.
pub async fn reset_user_mfa(
    access_token: Option<String>,
    id: String,
) -> Result<AdminUser, ApiError> {
    let variables = reset_user_mfa::Variables { id };
    send::<ResetUserMfa, _>(variables, access_token.as_deref()).await
}

/// The `subscribe` payload for the caller's session status, every `seconds`.
pub fn session_status_request(seconds: i64) -> serde_json::Value {
    let body = request::<SessionStatus>(session_status::Variables {
        every_seconds: seconds,
    });
    serde_json::to_value(body).unwrap_or_default()
}

/// One look at the caller's session, from a `next` payload.
pub fn session_status_event(payload: serde_json::Value) -> Result<SessionState, ApiError> {
    let response = serde_json::from_value(payload).map_err(|_| ApiError::Server)?;
    Ok(data_of::<session_status::ResponseData>(response)?.session_status)
}

/// Why the service refused the subscription, from an `error` payload.
pub fn session_status_error(payload: serde_json::Value) -> ApiError {
    serde_json::from_value::<Vec<ReplyError>>(payload)
        .map_or(ApiError::Server, |errors| ApiError::from_errors(&errors))
}

fn tokens(access_token: String, refresh_token: String) -> Tokens {
    Tokens {
        access_token,
        refresh_token,
    }
}

impl From<audit_events::AuditEventFields> for Event {
    fn from(e: audit_events::AuditEventFields) -> Self {
        Self {
            id: e.id,
            occurred_at: e.occurred_at,
            kind: e.kind,
            outcome: e.outcome,
            actor: e.actor,
            account_id: e.account.as_ref().map(|a| a.id.clone()),
            account: e.account.map(|a| a.email).or(e.subject),
            actor_email: e.actor_account.map(|a| a.email),
            ip_address: e.ip_address,
            device: e.device,
            detail: e.detail,
        }
    }
}

impl From<my_activity::MyActivityMyActivityNodes> for Event {
    fn from(e: my_activity::MyActivityMyActivityNodes) -> Self {
        Self {
            id: e.id,
            occurred_at: e.occurred_at,
            kind: e.kind,
            outcome: e.outcome,
            actor: e.actor,
            account: None,
            account_id: None,
            actor_email: None,
            ip_address: e.ip_address,
            device: e.device,
            detail: e.detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_carries_its_own_operation_and_its_fragments_only() {
        let body = request::<Me>(me::Variables {});
        assert_eq!(
            body.query,
            "query Me{me{...UserFields}}fragment UserFields on User{id email username fullName \
             role emailVerified locale mfaRequired mfaEnrollmentRequired}"
        );
        // The whole file it lives in holds every other operation too.
        assert!(me::QUERY.contains("mutation Login"));

        let subscription = session_status_request(30);
        let query = subscription["query"].as_str().unwrap();
        assert!(query.starts_with("subscription SessionStatus("), "{query}");
        assert!(
            !query.contains("query ") && !query.contains("mutation "),
            "{query}"
        );
    }

    #[test]
    fn a_keyset_page_shows_its_size_and_continues_after_the_last_shown() {
        let page = keyset_page(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(page.items, [1, 2]);
        assert_eq!(page.next.as_deref(), Some("2"));
        let last = keyset_page(vec![1, 2], 2, |n| n.to_string());
        assert_eq!((last.items, last.next), (vec![1, 2], None));
        assert_eq!(
            keyset_page(Vec::<u8>::new(), 2, |n| n.to_string()).next,
            None
        );
    }

    #[test]
    fn a_refused_sign_in_says_the_account_is_deactivated() {
        let refused = ApiError::from_code("FORBIDDEN", None);
        assert_eq!(refused.sign_in_message_id(), "error-account-deactivated");
        assert_eq!(refused.message_id(), "error-forbidden");
        let wrong = ApiError::from_code("INVALID_CREDENTIALS", None);
        assert_eq!(wrong.sign_in_message_id(), wrong.message_id());
    }

    #[test]
    fn admin_refusals_have_their_own_messages() {
        assert_eq!(ApiError::from_code("LAST_ADMIN", None), ApiError::LastAdmin);
        assert_eq!(ApiError::LastAdmin.message_id(), "error-last-admin");
        let own = ApiError::from_code("BAD_USER_INPUT", Some("id".into()));
        assert_eq!(own.message_id(), "error-user-target");
    }

    #[test]
    fn a_reply_gives_its_one_field_or_its_first_errors_code() {
        let reply: Reply<serde_json::Value> =
            serde_json::from_str(r#"{"data":{"verifyMfa":{"x":1}}}"#).unwrap();
        let field = root_field(data_of(reply).unwrap()).unwrap();
        assert_eq!(field, serde_json::json!({ "x": 1 }));
        // Locations and paths are there, and not read.
        let refused: Reply<serde_json::Value> = serde_json::from_str(
            r#"{"data":null,"errors":[{"message":"no","locations":[{"line":1,"column":2}],
            "path":["verifyMfa",0],"extensions":{"code":"INVALID_MFA_CODE"}}]}"#,
        )
        .unwrap();
        assert_eq!(data_of(refused), Err(ApiError::InvalidMfaCode));
        assert_eq!(root_field(serde_json::Value::Null), Err(ApiError::Server));
    }

    #[test]
    fn a_sign_in_payload_carries_the_second_factor_flags() {
        let payload: Payload = serde_json::from_value(serde_json::json!({
            "user": {
                "id": "1", "email": "ada@example.org", "username": "ada", "fullName": null,
                "role": "ADMIN", "emailVerified": true, "locale": "en",
                "mfaRequired": true, "mfaEnrollmentRequired": false
            },
            "accessToken": "a",
            "refreshToken": "r"
        }))
        .unwrap();
        let (user, tokens) = payload.into();
        assert!(user.is_admin && user.mfa_required && !user.mfa_enrollment_required);
        assert_eq!(tokens.refresh_token, "r");
    }

    #[test]
    fn second_factor_codes_have_their_own_errors_and_messages() {
        let cases = [
            ("MFA_REQUIRED", ApiError::MfaRequired, "error-mfa-required"),
            (
                "MFA_ENROLLMENT_REQUIRED",
                ApiError::MfaEnrollmentRequired,
                "error-mfa-enrollment-required",
            ),
            (
                "REAUTHENTICATION_REQUIRED",
                ApiError::ReauthenticationRequired,
                "error-reauthentication-required",
            ),
            (
                "INVALID_MFA_CODE",
                ApiError::InvalidMfaCode,
                "error-invalid-mfa-code",
            ),
        ];
        for (code, error, message) in cases {
            let mapped = ApiError::from_code(code, None);
            assert_eq!(mapped, error);
            assert_eq!(mapped.message_id(), message);
            assert_eq!(mapped.sign_in_message_id(), message);
            assert_eq!(mapped.field(), None);
        }
    }

    #[test]
    fn service_codes_map_to_errors_and_messages() {
        let conflict = ApiError::from_code("CONFLICT", Some("email".into()));
        assert_eq!(conflict.message_id(), "error-email-taken");
        assert_eq!(conflict.field(), Some("email"));
        assert_eq!(
            ApiError::from_code("RATE_LIMITED", None),
            ApiError::RateLimited
        );
        assert_eq!(ApiError::from_code("SOMETHING_NEW", None), ApiError::Server);
        let weak = ApiError::from_code("BAD_USER_INPUT", Some("newPassword".into()));
        assert_eq!(weak.message_id(), "error-password-weak");
        assert_eq!(weak.field(), Some("newPassword"));
        assert_eq!(
            ApiError::from_code("SIGN_IN_LOCKED", None).message_id(),
            "error-sign-in-locked"
        );
        assert_eq!(
            ApiError::InvalidCredentials.message_id(),
            "error-invalid-credentials"
        );
    }
}
