//! The audit trail's vocabulary: what happened ([`AuditKind`]), who did it
//! ([`Actor`]), the event about to be recorded ([`NewEvent`]) and the one read
//! back ([`AuditEvent`]), and how sealed blocks are hashed ([`block_hash`]).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{ClientInfo, SessionId, UserId};

super::text_enum! {
    /// What an event records.
    AuditKind {
        Registered = "registered",
        LoginSucceeded = "login_succeeded",
        LoginFailed = "login_failed",
        LoginThrottled = "login_throttled",
        SignInLocked = "sign_in_locked",
        SignInUnlocked = "sign_in_unlocked",
        RefreshTokenReused = "refresh_token_reused",
        LoggedOut = "logged_out",
        SessionRevoked = "session_revoked",
        LoggedOutEverywhere = "logged_out_everywhere",
        PasswordChanged = "password_changed",
        PasswordResetRequested = "password_reset_requested",
        PasswordReset = "password_reset",
        EmailVerified = "email_verified",
        AccountActivated = "account_activated",
        AccountDeactivated = "account_deactivated",
        RoleChanged = "role_changed",
        AccountDeleted = "account_deleted",
        DataExported = "data_exported",
        AdminSeeded = "admin_seeded",
        TotpEnabled = "totp_enabled",
        TotpDisabled = "totp_disabled",
        RecoveryCodesRegenerated = "recovery_codes_regenerated",
        RecoveryCodeUsed = "recovery_code_used",
        MfaVerified = "mfa_verified",
        MfaFailed = "mfa_failed",
        Reauthenticated = "reauthenticated",
        MfaReset = "mfa_reset",
    }
}

/// Who caused an event: the account's owner, an admin, or the service itself
/// (a lock after guessing, a replayed refresh token, the command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Owner,
    Admin(UserId),
    System,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Owner => "self",
            Actor::Admin(_) => "admin",
            Actor::System => "system",
        }
    }

    pub fn admin(self) -> Option<UserId> {
        match self {
            Actor::Admin(id) => Some(id),
            _ => None,
        }
    }
}

super::text_enum! {
    /// The kind of actor, as read back (an admin is named by pseudonym).
    ActorKind {
        Owner = "self",
        Admin = "admin",
        System = "system",
    }
}

super::text_enum! {
    Outcome {
        Success = "success",
        Failure = "failure",
    }
}

/// Which account an event is about. An email names it for events recorded
/// before the account was looked up (a throttled sign-in); the stored event
/// names neither, only the account's pseudonym (none for an unknown email).
#[derive(Clone, Copy, Debug)]
pub enum Subject<'a> {
    Id(UserId),
    Email(&'a str),
    Nobody,
}

/// An event about to be written, in the transaction of what it records.
#[derive(Clone, Debug)]
pub struct NewEvent<'a> {
    pub kind: AuditKind,
    pub outcome: Outcome,
    pub actor: Actor,
    pub subject: Subject<'a>,
    pub session: Option<SessionId>,
    pub client: Option<&'a ClientInfo>,
    /// A small JSON object; never an email, a password or a token.
    pub detail: serde_json::Value,
}

impl<'a> NewEvent<'a> {
    /// A successful event by the account's owner, about an account that
    /// storage fills in (the one the change it records touched).
    pub fn new(kind: AuditKind, client: Option<&'a ClientInfo>) -> Self {
        Self {
            kind,
            outcome: Outcome::Success,
            actor: Actor::Owner,
            subject: Subject::Nobody,
            session: None,
            client,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn about(mut self, user: UserId) -> Self {
        self.subject = Subject::Id(user);
        self
    }

    pub fn by(mut self, actor: Actor) -> Self {
        self.actor = actor;
        self
    }

    pub fn failed(mut self) -> Self {
        self.outcome = Outcome::Failure;
        self
    }

    pub fn in_session(mut self, session: SessionId) -> Self {
        self.session = Some(session);
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        if let serde_json::Value::Object(map) = &mut self.detail {
            map.insert(key.to_owned(), value.into());
        }
        self
    }

    pub fn detail_json(&self) -> String {
        self.detail.to_string()
    }
}

/// An account an event names, while it exists.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditAccount {
    pub id: UserId,
    pub email: String,
    pub username: String,
}

/// A recorded event, as stored, with the accounts it names joined in.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub kind: AuditKind,
    pub outcome: Outcome,
    pub actor: ActorKind,
    pub subject: Option<Uuid>,
    pub actor_subject: Option<Uuid>,
    pub session: Option<SessionId>,
    pub client: ClientInfo,
    /// JSON text, exactly as stored (and hashed).
    pub detail: String,
    pub account: Option<AuditAccount>,
    pub actor_account: Option<AuditAccount>,
}

impl AuditEvent {
    /// The event's fields in a fixed order, as the block hash covers them.
    /// Everything stored but the block number; nothing joined.
    fn canonical(&self) -> String {
        serde_json::json!([
            self.id,
            self.occurred_at.timestamp_micros(),
            self.kind.as_str(),
            self.outcome.as_str(),
            self.actor.as_str(),
            self.subject,
            self.actor_subject,
            self.session.map(SessionId::as_uuid),
            self.client.ip_address(),
            self.client.user_agent(),
            self.detail,
        ])
        .to_string()
    }
}

/// The hash chain's start: the `previous_hash` of block 1.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of block `seq`, holding `events` (in (occurred_at, id) order),
/// chained to the block before by its hash.
pub fn block_hash(previous_hash: &str, seq: i64, events: &[AuditEvent]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("auth-audit-block\n{seq}\n{previous_hash}\n"));
    for event in events {
        hasher.update(event.canonical());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// A page of events, newest first: where the page starts (exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventCursor {
    pub occurred_at: DateTime<Utc>,
    pub id: Uuid,
}

impl EventCursor {
    pub fn of(event: &AuditEvent) -> Self {
        Self {
            occurred_at: event.occurred_at,
            id: event.id,
        }
    }

    /// Opaque to clients: `<micros>.<uuid>`, base64url.
    pub fn encode(self) -> String {
        use base64::Engine;
        let raw = format!("{}.{}", self.occurred_at.timestamp_micros(), self.id);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode(cursor: &str) -> Option<Self> {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let (micros, id) = raw.split_once('.')?;
        Some(Self {
            occurred_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: id.parse().ok()?,
        })
    }
}

/// Which events an admin asks for.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub user: Option<UserId>,
    pub kinds: Vec<AuditKind>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(detail: &str) -> AuditEvent {
        AuditEvent {
            id: Uuid::nil(),
            occurred_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            kind: AuditKind::LoginFailed,
            outcome: Outcome::Failure,
            actor: ActorKind::Owner,
            subject: Some(Uuid::from_u128(7)),
            actor_subject: None,
            session: None,
            client: ClientInfo::new(Some("curl/8"), Some("192.0.2.1")),
            detail: detail.to_owned(),
            account: None,
            actor_account: None,
        }
    }

    #[test]
    fn a_block_hash_covers_every_event_field_and_the_chain() {
        let base = block_hash(GENESIS_HASH, 1, &[event("{}")]);
        assert_eq!(base, block_hash(GENESIS_HASH, 1, &[event("{}")]));
        assert_ne!(base, block_hash(GENESIS_HASH, 1, &[event("{\"a\":1}")]));
        assert_ne!(base, block_hash(GENESIS_HASH, 2, &[event("{}")]));
        assert_ne!(base, block_hash(&"1".repeat(64), 1, &[event("{}")]));
        assert_ne!(
            base,
            block_hash(GENESIS_HASH, 1, &[event("{}"), event("{}")])
        );
        let mut moved = event("{}");
        moved.client = ClientInfo::new(Some("curl/8"), Some("192.0.2.2"));
        assert_ne!(base, block_hash(GENESIS_HASH, 1, &[moved]));
        // What is joined in for reading is not part of the record.
        let mut joined = event("{}");
        joined.account = Some(AuditAccount {
            id: UserId::new(),
            email: "a@example.com".into(),
            username: "a".into(),
        });
        assert_eq!(base, block_hash(GENESIS_HASH, 1, &[joined]));
    }

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let cursor = EventCursor::of(&event("{}"));
        assert_eq!(EventCursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(EventCursor::decode("not a cursor"), None);
        assert_eq!(EventCursor::decode(""), None);
    }

    #[test]
    fn kinds_parse_back_from_their_names() {
        for kind in [AuditKind::Registered, AuditKind::AdminSeeded] {
            assert_eq!(AuditKind::try_from(kind.as_str().to_owned()), Ok(kind));
        }
        assert!(AuditKind::try_from("dropped_tables".to_owned()).is_err());
    }
}
