//! Second factors: `totp_factors` (one authenticator app per account, its
//! secret sealed by `auth` before it gets here), `recovery_codes` (hashes,
//! each used once), and the `users.mfa_enabled` flag they keep with the
//! passkeys (`passkeys.rs`), which authenticating a request reads with the
//! account.

use chrono::{DateTime, Utc};

use super::{Database, StorageError, audit, outbox, sessions};
use crate::domain::{Mail, NewEvent, SessionId, UserId};
use crate::{with_pool, with_writer};

/// An account's authenticator app, sealed.
pub struct TotpFactor {
    pub sealed_secret: Vec<u8>,
    /// False while it is being set up.
    pub confirmed: bool,
}

pub async fn totp(db: &Database, user: UserId) -> Result<Option<TotpFactor>, StorageError> {
    let row: Option<(Vec<u8>, Option<DateTime<Utc>>)> = with_pool!(db, |pool| {
        sqlx::query_as("SELECT sealed_secret, confirmed_at FROM totp_factors WHERE user_id = $1")
            .bind(user.as_uuid())
            .fetch_optional(pool)
            .await
    })?;
    Ok(row.map(|(sealed_secret, confirmed_at)| TotpFactor {
        sealed_secret,
        confirmed: confirmed_at.is_some(),
    }))
}

/// Starts setting up an authenticator app with this sealed secret, or starts
/// again (a new secret) if setting up was left unfinished. False, changing
/// nothing, when the account has a confirmed one.
pub async fn start_totp(
    db: &Database,
    user: UserId,
    sealed_secret: &[u8],
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let started = with_writer!(db, |pool| {
        sqlx::query(
            "INSERT INTO totp_factors (user_id, sealed_secret, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE
             SET sealed_secret = excluded.sealed_secret, created_at = excluded.created_at,
                 last_used_step = NULL
             WHERE totp_factors.confirmed_at IS NULL",
        )
        .bind(user.as_uuid())
        .bind(sealed_secret)
        .bind(now)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(started == 1)
}

/// Accepts the code of time step `step` from the account's confirmed app,
/// unless a code of that step or a later one was accepted before: each code
/// works once (RFC 6238 section 5.2). Concurrent uses of one code: one wins.
pub async fn use_totp_step(db: &Database, user: UserId, step: i64) -> Result<bool, StorageError> {
    let used = with_writer!(db, |pool| {
        sqlx::query(
            "UPDATE totp_factors SET last_used_step = $2
             WHERE user_id = $1 AND confirmed_at IS NOT NULL
               AND (last_used_step IS NULL OR last_used_step < $2)",
        )
        .bind(user.as_uuid())
        .bind(step)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
    })?;
    Ok(used == 1)
}

/// Replaces the account's recovery codes with these hashes, inside
/// transaction `$tx`.
macro_rules! replace_codes {
    ($tx:expr, $user:expr, $hashes:expr, $at:expr) => {{
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind($user.as_uuid())
            .execute(&mut *$tx)
            .await?;
        for hash in $hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind($user.as_uuid())
            .bind(hash.as_str())
            .bind($at)
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

/// Sets the account's flag from the factors it has now, inside transaction
/// `$tx`. If none is left, its recovery codes go, and so does every session
/// but `$keep`: a session opened with the password alone was held back
/// until it passed a second factor, and must not now go free. Gives the
/// ended sessions' expiries.
macro_rules! settle {
    ($tx:expr, $user:expr, $keep:expr) => {{
        let on: bool = sqlx::query_scalar(
            "UPDATE users SET mfa_enabled =
                 EXISTS (SELECT 1 FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL)
                 OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = $1)
             WHERE id = $1
             RETURNING mfa_enabled",
        )
        .bind($user.as_uuid())
        .fetch_one(&mut *$tx)
        .await?;
        if on {
            Vec::new()
        } else {
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                .bind($user.as_uuid())
                .execute(&mut *$tx)
                .await?;
            $crate::storage::sessions::delete_for_user_query!($user, $keep)
                .fetch_all(&mut *$tx)
                .await?
        }
    }};
}
pub(super) use settle;

/// The end of every change here, inside transaction `$tx`: the change's
/// event (with `$session`, if given), its notice to the account, commit.
macro_rules! record_and_announce {
    ($tx:expr, $event:expr, $session:expr, $notice:expr, $at:expr) => {{
        audit::insert_query!($event, $session, $at)
            .execute(&mut *$tx)
            .await?;
        outbox::insert_query!($notice, $at)
            .execute(&mut *$tx)
            .await?;
        $tx.commit().await?;
    }};
}
pub(super) use record_and_announce;

/// What turning an authenticator app on writes beside it.
pub struct Confirmation<'a> {
    /// The code's time step: accepted, so it cannot be used again.
    pub step: i64,
    pub recovery_hashes: &'a [String],
    /// The session that confirmed it, which the code raised to aal 2.
    pub session: SessionId,
    pub notice: &'a Mail,
}

/// Turns on the authenticator app being set up: the account has MFA from
/// now on, with these recovery codes, and the confirming session counts as
/// having passed it. False, changing nothing, when none was being set up.
pub async fn confirm_totp(
    db: &Database,
    user: UserId,
    confirmation: &Confirmation<'_>,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let confirmed = sqlx::query(
            "UPDATE totp_factors SET confirmed_at = $2, last_used_step = $3
             WHERE user_id = $1 AND confirmed_at IS NULL",
        )
        .bind(user.as_uuid())
        .bind(now)
        .bind(confirmation.step)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if confirmed == 0 {
            return Ok(false);
        }
        replace_codes!(tx, user, confirmation.recovery_hashes, now);
        sqlx::query("UPDATE users SET mfa_enabled = TRUE WHERE id = $1")
            .bind(user.as_uuid())
            .execute(&mut *tx)
            .await?;
        sessions::raise_query!(confirmation.session, now)
            .execute(&mut *tx)
            .await?;
        record_and_announce!(
            tx,
            event,
            Some(confirmation.session),
            confirmation.notice,
            now
        );
        db.sessions().forget(user);
        Ok(true)
    })
}

/// Removes the account's authenticator app, and MFA with it unless a
/// passkey remains (see [`settle!`]; `keep` is the session that asked).
/// False, changing nothing, when there was none.
pub async fn remove_totp(
    db: &Database,
    user: UserId,
    keep: SessionId,
    notice: &Mail,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let removed =
            sqlx::query("DELETE FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL")
                .bind(user.as_uuid())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        let ended = settle!(tx, user, Some(keep));
        let event = event.clone().with("sessions", sessions::live(&ended, now));
        record_and_announce!(tx, &event, Some(keep), notice, now);
        db.sessions().forget(user);
        Ok(true)
    })
}

/// An admin's reset of an account that lost its factors: every factor
/// goes, and every session. Gives how many live sessions ended.
pub async fn reset(
    db: &Database,
    user: UserId,
    notice: &Mail,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<usize, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        for factors in [
            "DELETE FROM totp_factors WHERE user_id = $1",
            "DELETE FROM passkeys WHERE user_id = $1",
        ] {
            sqlx::query(factors)
                .bind(user.as_uuid())
                .execute(&mut *tx)
                .await?;
        }
        let ended = settle!(tx, user, None::<SessionId>);
        let live = sessions::live(&ended, now);
        let event = event.clone().with("sessions", live);
        record_and_announce!(tx, &event, None, notice, now);
        db.sessions().forget(user);
        Ok(live)
    })
}

/// New recovery codes for an account with MFA on; the old ones stop
/// working. False, changing nothing, when MFA is off.
pub async fn replace_recovery_codes(
    db: &Database,
    user: UserId,
    hashes: &[String],
    notice: &Mail,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let on: bool = sqlx::query_scalar("SELECT mfa_enabled FROM users WHERE id = $1")
            .bind(user.as_uuid())
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or(false);
        if !on {
            return Ok(false);
        }
        replace_codes!(tx, user, hashes, now);
        record_and_announce!(tx, event, None, notice, now);
        Ok(true)
    })
}

/// Uses up the account's unused recovery code with this hash, recording
/// `event` and queueing `notice` with it. False when there is no such
/// unused code.
pub async fn use_recovery_code(
    db: &Database,
    user: UserId,
    hash: &str,
    notice: &Mail,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let used = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3
             WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user.as_uuid())
        .bind(hash)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used == 0 {
            return Ok(false);
        }
        record_and_announce!(tx, event, None, notice, now);
        Ok(true)
    })
}

/// How many of the account's recovery codes are unused.
pub async fn recovery_codes_left(db: &Database, user: UserId) -> Result<i64, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user.as_uuid())
        .fetch_one(pool)
        .await
    })?)
}
