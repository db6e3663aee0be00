//! The `passkeys` table (each credential's public key and counter, as the
//! WebAuthn library keeps them, in JSON that only `auth` reads, and the
//! counter again in `sign_count`, which each use moves on) and
//! `webauthn_challenges` (a ceremony's server half between its start and
//! its finish, used once).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::{UniqueIndex, classify};
use super::mfa::{record_and_announce, settle};
use super::{Database, StorageError, audit, outbox, sessions};
use crate::domain::{Mail, NewEvent, PasskeyId, PasskeyInfo, SessionId, UserId};
use crate::{with_pool, with_writer};

/// A passkey as stored: what its owner sees, and the credential itself.
pub struct StoredPasskey {
    pub info: PasskeyInfo,
    pub user_id: UserId,
    /// The WebAuthn library's own record (JSON).
    pub credential: String,
}

#[derive(sqlx::FromRow)]
struct PasskeyRow {
    id: Uuid,
    user_id: Uuid,
    name: String,
    passkey: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

impl From<PasskeyRow> for StoredPasskey {
    fn from(row: PasskeyRow) -> Self {
        Self {
            info: PasskeyInfo {
                id: row.id.into(),
                name: row.name,
                created_at: row.created_at,
                last_used_at: row.last_used_at,
            },
            user_id: row.user_id.into(),
            credential: row.passkey,
        }
    }
}

const UNIQUE_INDEXES: &[UniqueIndex] = &[UniqueIndex {
    name: "ix_passkeys_credential_id",
    sqlite_reports: "passkeys.credential_id",
    field: "credential",
}];

/// The account's passkeys, oldest first.
pub async fn list(db: &Database, user: UserId) -> Result<Vec<StoredPasskey>, StorageError> {
    let rows = with_pool!(db, |pool| {
        sqlx::query_as::<_, PasskeyRow>(
            "SELECT id, user_id, name, passkey, created_at, last_used_at
             FROM passkeys WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user.as_uuid())
        .fetch_all(pool)
        .await
    })?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The passkey with this credential id (base64url), whoever's it is.
pub async fn find_by_credential(
    db: &Database,
    credential_id: &str,
) -> Result<Option<StoredPasskey>, StorageError> {
    let row = with_pool!(db, |pool| {
        sqlx::query_as::<_, PasskeyRow>(
            "SELECT id, user_id, name, passkey, created_at, last_used_at
             FROM passkeys WHERE credential_id = $1",
        )
        .bind(credential_id)
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.map(Into::into))
}

/// A passkey about to be stored.
pub struct NewPasskey<'a> {
    pub credential_id: &'a str,
    pub name: &'a str,
    pub credential: &'a str,
    /// The signature count the authenticator reported at registration.
    pub sign_count: u32,
    /// The session that registered it: it proved a second factor doing so.
    pub session: SessionId,
    pub notice: &'a Mail,
}

/// Adds a passkey to the account, which has MFA from now on; the session
/// that added it counts as having passed it. A credential registered
/// before (to anyone) is `Conflict("credential")`.
pub async fn add(
    db: &Database,
    user: UserId,
    new: &NewPasskey<'_>,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<PasskeyInfo, StorageError> {
    let id = PasskeyId::new();
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT INTO passkeys
                 (id, user_id, credential_id, name, passkey, sign_count, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.as_uuid())
        .bind(user.as_uuid())
        .bind(new.credential_id)
        .bind(new.name)
        .bind(new.credential)
        .bind(i64::from(new.sign_count))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|err| classify(err, UNIQUE_INDEXES))?;
        sqlx::query("UPDATE users SET mfa_enabled = TRUE WHERE id = $1")
            .bind(user.as_uuid())
            .execute(&mut *tx)
            .await?;
        sessions::raise_query!(new.session, now)
            .execute(&mut *tx)
            .await?;
        record_and_announce!(tx, event, Some(new.session), new.notice, now);
        db.sessions().forget(user);
        Ok::<_, StorageError>(())
    })?;
    Ok(PasskeyInfo {
        id,
        name: new.name.to_owned(),
        created_at: now,
        last_used_at: None,
    })
}

/// Records a use of the passkey whose answer counted `sign_count`
/// signatures: the credential as the use left it (`credential`, its
/// counter and backup state), and when. Only if the count is past the
/// stored one, or both are 0 (a passkey without a counter, such as a
/// synced one), in one compare-and-set, as `mfa::use_totp_step` does for
/// codes: a copy of the key whose count is behind its original's is caught
/// whatever the ceremony saw when it started, and of two concurrent uses
/// the slower cannot write a lower count back. False, changing nothing,
/// when the count did not move on.
pub async fn record_use(
    db: &Database,
    id: PasskeyId,
    sign_count: u32,
    credential: &str,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let recorded = with_writer!(db, |pool| {
        sqlx::query(
            "UPDATE passkeys SET sign_count = $2, passkey = $3, last_used_at = $4
             WHERE id = $1 AND (sign_count < $2 OR ($2 = 0 AND sign_count = 0))",
        )
        .bind(id.as_uuid())
        .bind(i64::from(sign_count))
        .bind(credential)
        .bind(now)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(recorded == 1)
}

/// Renames one of the account's passkeys; `None` if it has no such one.
pub async fn rename(
    db: &Database,
    user: UserId,
    id: PasskeyId,
    name: &str,
) -> Result<Option<PasskeyInfo>, StorageError> {
    let row = with_writer!(db, |pool| {
        sqlx::query_as::<_, PasskeyRow>(
            "UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2
             RETURNING id, user_id, name, passkey, created_at, last_used_at",
        )
        .bind(id.as_uuid())
        .bind(user.as_uuid())
        .bind(name)
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.map(|row| StoredPasskey::from(row).info))
}

/// Removes one of the account's passkeys, and MFA with it if it was the
/// last second factor (see `mfa::settle!`; `keep` is the session that
/// asked). The removed passkey's name, or `None` (nothing changed) if the
/// account has no such passkey. `notice` is written for that name.
pub async fn remove(
    db: &Database,
    user: UserId,
    id: PasskeyId,
    keep: SessionId,
    notice: impl FnOnce(&str) -> Mail,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<Option<String>, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let name: Option<String> = sqlx::query_scalar(
            "DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING name",
        )
        .bind(id.as_uuid())
        .bind(user.as_uuid())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(name) = name else {
            return Ok(None);
        };
        let ended = settle!(tx, user, Some(keep));
        let event = event.clone().with("sessions", sessions::live(&ended, now));
        let notice = notice(&name);
        record_and_announce!(tx, &event, Some(keep), &notice, now);
        db.sessions().forget(user);
        Ok(Some(name))
    })
}

/// What a WebAuthn ceremony is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Adding a passkey to the signed-in account.
    Register,
    /// A signed-in person proving themselves with a passkey (the second
    /// factor, or a step-up).
    Verify,
    /// Signing in with a passkey alone.
    SignIn,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Verify => "verify",
            Purpose::SignIn => "sign_in",
        }
    }
}

/// Whose ceremony it is: the signed-in account and session that started it,
/// or nobody's (a passkey sign-in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    pub user: Option<UserId>,
    pub session: Option<SessionId>,
}

/// Keeps a ceremony's server half until `expires_at`; gives its id.
pub async fn start_challenge(
    db: &Database,
    purpose: Purpose,
    owner: Owner,
    state: &str,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, StorageError> {
    let id = Uuid::new_v4();
    with_writer!(db, |pool| {
        sqlx::query(
            "INSERT INTO webauthn_challenges (id, purpose, user_id, session_id, state, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(purpose.as_str())
        .bind(owner.user.map(UserId::as_uuid))
        .bind(owner.session.map(SessionId::as_uuid))
        .bind(state)
        .bind(expires_at)
        .execute(pool)
        .await
        .map(drop)
    })?;
    Ok(id)
}

/// Takes the ceremony with this id, purpose and owner, live at `now`: its
/// state, once (a second finish with it finds nothing). `None` if there is
/// no such live ceremony.
pub async fn take_challenge(
    db: &Database,
    id: Uuid,
    purpose: Purpose,
    owner: Owner,
    now: DateTime<Utc>,
) -> Result<Option<String>, StorageError> {
    let taken: Option<(String, DateTime<Utc>)> = with_writer!(db, |pool| {
        sqlx::query_as(
            "DELETE FROM webauthn_challenges
             WHERE id = $1 AND purpose = $2
               AND user_id IS NOT DISTINCT FROM $3 AND session_id IS NOT DISTINCT FROM $4
             RETURNING state, expires_at",
        )
        .bind(id)
        .bind(purpose.as_str())
        .bind(owner.user.map(UserId::as_uuid))
        .bind(owner.session.map(SessionId::as_uuid))
        .fetch_optional(pool)
        .await
    })?;
    Ok(taken
        .filter(|(_, expires_at)| *expires_at > now)
        .map(|(state, _)| state))
}
