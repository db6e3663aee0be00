//! Mail the service sends, and the links some of it carries.

use chrono::{DateTime, Utc};

super::text_enum! {
    /// Why a message was sent; kept with it in the outbox.
    MailKind {
        Verification = "verification",
        PasswordReset = "password_reset",
        PasswordChanged = "password_changed",
        NewSignIn = "new_sign_in",
        SignInLocked = "sign_in_locked",
        SecurityChanged = "security_changed",
    }
}

super::text_enum! {
    /// What following an emailed link proves.
    LinkPurpose {
        VerifyEmail = "verify_email",
        ResetPassword = "reset_password",
        UnlockSignIn = "unlock_sign_in",
    }
}

/// A message ready to go: addressed, translated, with both parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub kind: MailKind,
}

/// A link about to be sent: only the hash of its token is stored.
pub struct NewLink {
    pub token_hash: String,
    pub purpose: LinkPurpose,
    pub expires_at: DateTime<Utc>,
}
