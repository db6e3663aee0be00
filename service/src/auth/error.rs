use crate::domain::InvalidInput;
use crate::storage::StorageError;

/// Everything an auth operation can refuse with. Each variant's text is safe to
/// show a client; internal causes are kept in the source, logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Invalid email or password")]
    InvalidCredentials,
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{message}")]
    BadInput {
        field: &'static str,
        message: String,
    },
    #[error("This {field} is already taken")]
    Conflict { field: &'static str },
    /// The account is not as the request assumes: a second factor set up
    /// already, or none to turn off.
    #[error("{message}")]
    WrongState {
        field: &'static str,
        message: &'static str,
    },
    /// This session signed in with a password only, and the account has a
    /// second factor: it must pass it first.
    #[error("Enter a code from your authenticator app, or use a passkey, to continue")]
    MfaRequired,
    /// An admin without a second factor where admins must have one.
    #[error("Administrators must set up a second factor before anything else")]
    MfaEnrollmentRequired,
    /// This needs a recent sign-in, second factor or `reauthenticate`.
    #[error("Confirm it is you to do this: enter your password or a code again")]
    ReauthenticationRequired,
    /// A wrong authenticator or recovery code, one used already, or a
    /// passkey that did not prove itself.
    #[error("This code is not valid, or it was used already")]
    InvalidMfaCode,
    /// A link token that is not live: never issued, used, or voided by a
    /// newer link or a password change.
    #[error("{0}")]
    InvalidToken(&'static str),
    #[error("{0}")]
    TokenExpired(&'static str),
    /// Deactivating this account would leave no active admin.
    #[error("This is the only active admin account; the service must keep one")]
    LastAdmin,
    #[error("Too many attempts; try again in {retry_after_seconds} seconds")]
    RateLimited { retry_after_seconds: u64 },
    /// Password sign-in is locked until the owner follows the unlock link
    /// mailed to them, or resets the password.
    #[error(
        "Signing in with a password is locked after many failed attempts. \
         We emailed you a link to unlock it; resetting your password unlocks it too"
    )]
    SignInLocked,
    #[error("Internal server error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AuthError {
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadInput {
            field,
            message: message.into(),
        }
    }

    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    /// The stable `extensions.code` clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::Conflict { .. } | Self::WrongState { .. } => "CONFLICT",
            Self::MfaRequired => "MFA_REQUIRED",
            Self::MfaEnrollmentRequired => "MFA_ENROLLMENT_REQUIRED",
            Self::ReauthenticationRequired => "REAUTHENTICATION_REQUIRED",
            Self::InvalidMfaCode => "INVALID_MFA_CODE",
            Self::InvalidToken(_) => "INVALID_TOKEN",
            Self::TokenExpired(_) => "TOKEN_EXPIRED",
            Self::LastAdmin => "LAST_ADMIN",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::SignInLocked => "SIGN_IN_LOCKED",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }
}

impl From<StorageError> for AuthError {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::Conflict(field) => Self::Conflict { field },
            other => Self::internal(other),
        }
    }
}

impl From<InvalidInput> for AuthError {
    fn from(err: InvalidInput) -> Self {
        Self::BadInput {
            field: err.field,
            message: err.message,
        }
    }
}
