//! The `sessions` table: one row per signed-in device, holding only the
//! SHA-256 of its current refresh token (and of the one before, for reuse
//! detection), and `retired_refresh_tokens`, every hash it rotated away.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use sha2::{Digest, Sha256};

use super::throttle::{self, Settle};
use super::users::UserRow;
use super::{Database, Pools, StorageError, audit, outbox};
use crate::domain::{
    Aal, Assurance, ClientInfo, Mail, NewEvent, SessionId, SessionInfo, User, UserId,
};
use crate::{with_pool, with_writer};

pub struct NewSession<'a> {
    pub refresh_token_hash: &'a str,
    pub client: &'a ClientInfo,
    /// Fixed at creation: rotating the refresh token does not extend it.
    pub lifetime: Duration,
    /// How its owner signed in (a password: 1; a passkey: 2), just now.
    pub aal: Aal,
}

/// The insert, not yet run, so it can run on a pool or in a transaction.
/// Gives the new session's id.
macro_rules! insert_query {
    ($user_id:expr, $session:expr, $at:expr) => {
        sqlx::query_scalar::<_, uuid::Uuid>(
            "INSERT INTO sessions (id, user_id, refresh_token_hash, device_info, ip_address, expires_at, created_at, auth_time, aal)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)
             RETURNING id",
        )
        .bind($crate::domain::SessionId::new().as_uuid())
        .bind($user_id.as_uuid())
        .bind($session.refresh_token_hash)
        .bind($session.client.user_agent())
        .bind($session.client.ip_address())
        .bind($at + $session.lifetime)
        .bind($at)
        .bind(i16::from($session.aal.level()))
    };
}
pub(super) use insert_query;

/// A session on its own, with nothing recorded or announced beside it (the
/// benchmark seeds sessions this way).
pub async fn insert(
    db: &Database,
    user_id: UserId,
    new: &NewSession<'_>,
    now: DateTime<Utc>,
) -> Result<SessionId, StorageError> {
    let id = with_writer!(db, |pool| {
        insert_query!(user_id, new, now).fetch_one(pool).await
    })?;
    Ok(id.into())
}

/// Records that the account has signed in from the user agent with this
/// hash ([`user_agent_hash`]); the insert does nothing when it had before.
macro_rules! remember_user_agent_query {
    ($user_id:expr, $agent_hash:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO known_user_agents (user_id, user_agent_hash, first_seen_at)
             VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind($user_id.as_uuid())
        .bind($agent_hash)
        .bind($at)
    };
}
pub(super) use remember_user_agent_query;

/// Fixed-length key of a user agent (up to 500 characters) for the index;
/// a client that sends none is one agent too.
pub(super) fn user_agent_hash(client: &ClientInfo) -> String {
    hex::encode(Sha256::digest(client.user_agent().unwrap_or("").as_bytes()))
}

/// A session opened by [`sign_in`].
pub struct SignedIn {
    pub session: SessionId,
    /// Whether the "new sign-in" mail was queued with it.
    pub announced: bool,
}

/// Opens a session for a sign-in, notes when the account signed in, and
/// records `event` with the new session. A user agent the account has not
/// used before, on an account that has used others, also queues
/// `new_device` ("a new sign-in to your account"), in the same transaction.
/// The user's expired sessions go, and `settle` settles the sign-in's
/// throttle counts, in it too: one commit for the whole sign-in, each a
/// wait for the disk that other requests' queries queue behind.
pub async fn sign_in(
    db: &Database,
    user_id: UserId,
    new: &NewSession<'_>,
    new_device: &Mail,
    settle: &[Settle],
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<SignedIn, StorageError> {
    let agent = user_agent_hash(new.client);
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2")
            .bind(user_id.as_uuid())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let id = insert_query!(user_id, new, now).fetch_one(&mut *tx).await?;
        sqlx::query("UPDATE users SET last_sign_in_at = $2 WHERE id = $1")
            .bind(user_id.as_uuid())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        audit::insert_query!(event, Some(SessionId::from(id)), now)
            .execute(&mut *tx)
            .await?;
        let first_time = remember_user_agent_query!(user_id, &agent, now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        let mut announced = false;
        if first_time {
            let seen_others: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM known_user_agents
                                WHERE user_id = $1 AND user_agent_hash <> $2)",
            )
            .bind(user_id.as_uuid())
            .bind(&agent)
            .fetch_one(&mut *tx)
            .await?;
            if seen_others {
                outbox::insert_query!(new_device, now)
                    .execute(&mut *tx)
                    .await?;
                announced = true;
            }
        }
        // Last, so the throttle rows (an address's is shared by everyone
        // behind it) stay locked only until the commit.
        throttle::settle_query!(tx, settle);
        tx.commit().await?;
        // Its other sessions show when the account last signed in.
        db.sessions().forget(user_id);
        Ok(SignedIn {
            session: SessionId::from(id),
            announced,
        })
    })
}

/// A session whose refresh token was just swapped, and its user.
#[derive(sqlx::FromRow)]
struct Rotated {
    session_id: Uuid,
    aal: i16,
    auth_time: DateTime<Utc>,
    #[sqlx(flatten)]
    user: UserRow,
}

impl Rotated {
    fn into_parts(self) -> (SessionId, Assurance, User) {
        let assurance = Assurance {
            aal: Aal::from_level(self.aal.into()),
            auth_time: self.auth_time,
        };
        (self.session_id.into(), assurance, self.user.into())
    }
}

/// [`rotate`]'s one statement on PostgreSQL: the old hash, the new one,
/// the time, and the idle limit's cut-off (or `NULL`). The benchmark runs
/// the same text under pgbench for the database's own ceiling.
pub const ROTATE_POSTGRES_SQL: &str = "WITH rotated AS (
                     UPDATE sessions
                     SET refresh_token_hash = $2, previous_token_hash = $1, rotated_at = $3
                     WHERE refresh_token_hash = $1 AND expires_at > $3
                       AND ($4 IS NULL OR COALESCE(rotated_at, created_at) > $4)
                     RETURNING id, user_id, aal, auth_time
                 ), retired AS (
                     INSERT INTO retired_refresh_tokens (token_hash, session_id, retired_at)
                     SELECT $1, id, $3 FROM rotated
                 )
                 SELECT rotated.id AS session_id, rotated.aal, rotated.auth_time, users.*
                 FROM rotated JOIN users ON users.id = rotated.user_id";

/// Swaps the live refresh token of an unexpired session, files the old one
/// among the session's retired tokens, and returns the session, how its
/// owner proved themselves, and its user:
/// all or nothing. With `used_since`, a session last used (created or
/// refreshed) before it is idle and is not refreshed either.
///
/// The `WHERE` on the old hash makes the swap a compare-and-swap: of
/// concurrent calls with the same token, the first to write wins and the
/// others match no row, on PostgreSQL (row lock, then re-check) and SQLite
/// (one writer) alike. On PostgreSQL it is one statement, so one round trip
/// (this is the hottest write path); SQLite, whose CTEs cannot write, runs
/// the same steps in a transaction.
pub async fn rotate(
    db: &Database,
    old_hash: &str,
    new_hash: &str,
    now: DateTime<Utc>,
    used_since: Option<DateTime<Utc>>,
) -> Result<Option<(SessionId, Assurance, User)>, StorageError> {
    let rotated = match db.pools() {
        Pools::Postgres(pool) => {
            sqlx::query_as::<_, Rotated>(ROTATE_POSTGRES_SQL)
                .bind(old_hash)
                .bind(new_hash)
                .bind(now)
                .bind(used_since)
                .fetch_optional(pool)
                .await?
        }
        Pools::Sqlite { writer: pool, .. } => {
            let mut tx = pool.begin().await?;
            let session: Option<(Uuid, Uuid)> = sqlx::query_as(
                "UPDATE sessions
                 SET refresh_token_hash = $2, previous_token_hash = $1, rotated_at = $3
                 WHERE refresh_token_hash = $1 AND expires_at > $3
                       AND ($4 IS NULL OR COALESCE(rotated_at, created_at) > $4)
                 RETURNING id, user_id",
            )
            .bind(old_hash)
            .bind(new_hash)
            .bind(now)
            .bind(used_since)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((session_id, user_id)) = session else {
                return Ok(None);
            };
            sqlx::query(
                "INSERT INTO retired_refresh_tokens (token_hash, session_id, retired_at)
                 VALUES ($1, $2, $3)",
            )
            .bind(old_hash)
            .bind(session_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let rotated = sqlx::query_as::<_, Rotated>(
                "SELECT sessions.id AS session_id, sessions.aal, sessions.auth_time, users.*
                 FROM sessions JOIN users ON users.id = sessions.user_id
                 WHERE sessions.id = $1 AND users.id = $2",
            )
            .bind(session_id)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Some(rotated)
        }
    };
    Ok(rotated.map(Rotated::into_parts))
}

/// A refresh token some live session rotated away.
#[derive(Debug, sqlx::FromRow)]
pub struct RetiredToken {
    #[sqlx(try_from = "Uuid")]
    pub session_id: SessionId,
    #[sqlx(try_from = "Uuid")]
    pub user_id: UserId,
    /// Whether it is the token the session rotated away last.
    pub latest: bool,
    /// When the session last rotated its token.
    pub rotated_at: Option<DateTime<Utc>>,
}

/// Which session once held the refresh token with this hash, if it lives.
pub async fn find_retired(db: &Database, hash: &str) -> Result<Option<RetiredToken>, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_as::<_, RetiredToken>(
            "SELECT retired.session_id, sessions.user_id, sessions.rotated_at,
                    sessions.previous_token_hash = retired.token_hash AS latest
             FROM retired_refresh_tokens AS retired
             JOIN sessions ON sessions.id = retired.session_id
             WHERE retired.token_hash = $1",
        )
        .bind(hash)
        .fetch_optional(pool)
        .await
    })?)
}

/// Ends the session whose live refresh token has this hash, and records
/// `event` about it (its owner and the session filled in); the session ended,
/// if one did.
pub async fn end_by_hash(
    db: &Database,
    hash: &str,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<Option<SessionId>, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let ended: Option<(Uuid, Uuid)> = sqlx::query_as(
            "DELETE FROM sessions WHERE refresh_token_hash = $1 RETURNING id, user_id",
        )
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, user_id)) = ended else {
            return Ok(None);
        };
        let event = event.clone().about(user_id.into());
        audit::insert_query!(&event, Some(SessionId::from(id)), now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        db.sessions().forget(user_id.into());
        Ok(Some(id.into()))
    })
}

/// Marks a session as having passed a second factor (aal 2) at `$at`, not
/// yet run, so it runs in the transaction of what proved it (a factor set
/// up).
macro_rules! raise_query {
    ($session:expr, $at:expr) => {
        sqlx::query("UPDATE sessions SET aal = 2, auth_time = $2 WHERE id = $1")
            .bind($session.as_uuid())
            .bind($at)
    };
}
pub(super) use raise_query;

/// Raises a live session to `aal`, notes that its owner proved themselves
/// `now`, swaps its refresh token for `new_hash` (the old one filed as
/// retired, as a refresh would) and records `event` with it: all or
/// nothing. False when the session has ended.
pub async fn elevate(
    db: &Database,
    id: SessionId,
    aal: Aal,
    new_hash: &str,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        // SET reads the row as it was: the previous hash is the live one.
        let raised: Option<(String, Uuid)> = sqlx::query_as(
            "UPDATE sessions
             SET aal = $2, auth_time = $3, refresh_token_hash = $4,
                 previous_token_hash = refresh_token_hash, rotated_at = $3
             WHERE id = $1 AND expires_at > $3
             RETURNING previous_token_hash, user_id",
        )
        .bind(id.as_uuid())
        .bind(i16::from(aal.level()))
        .bind(now)
        .bind(new_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((old_hash, owner)) = raised else {
            return Ok(false);
        };
        sqlx::query(
            "INSERT INTO retired_refresh_tokens (token_hash, session_id, retired_at)
             VALUES ($1, $2, $3)",
        )
        .bind(old_hash)
        .bind(id.as_uuid())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        audit::insert_query!(event, Some(id), now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        db.sessions().forget(owner.into());
        Ok(true)
    })
}

/// Deletes a session with no record: one whose account was deactivated
/// meanwhile (the deactivation was recorded).
pub async fn delete(db: &Database, id: SessionId) -> Result<(), StorageError> {
    let owner: Option<Uuid> = with_writer!(db, |pool| {
        sqlx::query_scalar("DELETE FROM sessions WHERE id = $1 RETURNING user_id")
            .bind(id.as_uuid())
            .fetch_optional(pool)
            .await
    })?;
    if let Some(owner) = owner {
        db.sessions().forget(owner.into());
    }
    Ok(())
}

/// Ends a session and records `event` about it; with `owner`, only if it is
/// a live session of that account. False (and nothing recorded) when no
/// session ended.
pub async fn end(
    db: &Database,
    id: SessionId,
    owner: Option<UserId>,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let ended: Option<Uuid> = sqlx::query_scalar(
            "DELETE FROM sessions
             WHERE id = $1 AND ($2 IS NULL OR (user_id = $2 AND expires_at > $3))
             RETURNING user_id",
        )
        .bind(id.as_uuid())
        .bind(owner.map(UserId::as_uuid))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(ended) = ended else {
            return Ok(false);
        };
        audit::insert_query!(event, Some(id), now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        db.sessions().forget(ended.into());
        Ok(true)
    })
}

/// The delete, not yet run, so it can run on a pool or in a transaction.
/// Gives each deleted session's expiry.
macro_rules! delete_for_user_query {
    ($user_id:expr, $keep:expr) => {
        sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>(
            "DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)
             RETURNING expires_at",
        )
        .bind($user_id.as_uuid())
        .bind($keep.map($crate::domain::SessionId::as_uuid))
    };
}
pub(super) use delete_for_user_query;

/// Ends every session of a user but `keep`, and records `event` with how
/// many of them were still live (expired rows go too, uncounted); gives
/// that number.
pub async fn delete_for_user(
    db: &Database,
    user_id: UserId,
    keep: Option<SessionId>,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<usize, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let ended = delete_for_user_query!(user_id, keep)
            .fetch_all(&mut *tx)
            .await?;
        let live = live(&ended, now);
        let event = event.clone().with("sessions", live);
        audit::insert_query!(&event, None, now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        db.sessions().forget(user_id);
        Ok(live)
    })
}

/// How many of these ended sessions (by their expiries) were still live.
pub(super) fn live(expiries: &[DateTime<Utc>], now: DateTime<Utc>) -> usize {
    expiries
        .iter()
        .filter(|expires_at| **expires_at > now)
        .count()
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: Uuid,
    created_at: DateTime<Utc>,
    rotated_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    device_info: Option<String>,
    ip_address: Option<String>,
}

/// A user's live sessions, newest first. A session is last used when its
/// refresh token was (`rotated_at`), so listing needs no write on `me`.
pub async fn list_for_user(
    db: &Database,
    user_id: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<SessionInfo>, StorageError> {
    let rows = with_pool!(db, |pool| {
        sqlx::query_as::<_, SessionRow>(
            "SELECT id, created_at, rotated_at, expires_at, device_info, ip_address
             FROM sessions WHERE user_id = $1 AND expires_at > $2
             ORDER BY created_at DESC, id",
        )
        .bind(user_id.as_uuid())
        .bind(now)
        .fetch_all(pool)
        .await
    })?;
    Ok(rows
        .into_iter()
        .map(|row| SessionInfo {
            id: row.id.into(),
            created_at: row.created_at,
            last_used_at: row.rotated_at.unwrap_or(row.created_at),
            expires_at: row.expires_at,
            client: ClientInfo::new(row.device_info.as_deref(), row.ip_address.as_deref()),
        })
        .collect())
}

/// When a session ends, if it is still live: unexpired, and its user active.
pub async fn live_expiry(
    db: &Database,
    user_id: UserId,
    session_id: SessionId,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_scalar::<_, DateTime<Utc>>(
            "SELECT sessions.expires_at FROM sessions
             JOIN users ON users.id = sessions.user_id
             WHERE sessions.id = $1 AND sessions.user_id = $2
               AND sessions.expires_at > $3 AND users.is_active",
        )
        .bind(session_id.as_uuid())
        .bind(user_id.as_uuid())
        .bind(now)
        .fetch_optional(pool)
        .await
    })?)
}
