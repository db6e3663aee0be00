//! The types the service's rules are written in, shared by every layer.
//!
//! Values here can only be valid (parse, don't validate): they are built once,
//! where input arrives (a GraphQL input, the command line), and from then on
//! auth and storage take them as they are. A [`User`] is an account as the
//! rest of the service sees it: its password hash stays in storage and auth.

mod account;
mod audit;
mod clock;
mod mail;
mod mfa;
mod session;
mod user;

pub use account::{
    EXAMPLE_ADMIN_PASSWORD, Email, FullName, MAX_PASSWORD_CHARS, NewAccount, Password,
    PasswordChange, PasswordHash, SignIn, Username,
};
pub use audit::{
    Actor, ActorKind, AuditAccount, AuditEvent, AuditKind, EventCursor, EventFilter, GENESIS_HASH,
    NewEvent, Outcome, Subject, block_hash,
};
pub use clock::Clock;
pub use mail::{LinkPurpose, Mail, MailKind, NewLink};
pub use mfa::{Aal, Assurance, MfaCode, RecoveryCode, TotpCode};
pub use session::{ClientInfo, SessionId, SessionInfo};
pub use user::{Locale, Page, ProfileUpdate, Role, User, UserId, UserSearch};

/// A newtype over a UUID, so that a user's id and a session's cannot be
/// swapped by mistake. Random (v4) when new; serialised as the bare UUID.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4())
            }

            pub fn as_uuid(self) -> uuid::Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(id: uuid::Uuid) -> Self {
                Self(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}
use uuid_id;

/// An enum stored as text: `as_str` gives each variant's name in the
/// database (and the API), `TryFrom<String>` reads it back.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$variant_meta:meta])* $variant:ident = $text:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$variant_meta])* $variant),+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                match value.as_str() {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(format!("unknown {} {value:?}", stringify!($name))),
                }
            }
        }
    };
}
use text_enum;

/// Input that is not a valid value of its type. The message is meant for the
/// person who typed it; `field` names the input field (camelCase).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidInput {
    pub field: &'static str,
    pub message: String,
}

impl InvalidInput {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }

    /// The same complaint about another field (a password that is the new
    /// one, say).
    pub fn on(self, field: &'static str) -> Self {
        Self { field, ..self }
    }
}
