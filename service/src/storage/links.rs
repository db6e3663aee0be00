//! The `email_tokens` table: the links sent by mail to verify an address or
//! reset a password, kept only as hashes of their tokens. Issuing a link
//! voids the user's earlier ones of that purpose, and using one deletes it,
//! so each works once.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::passes::{self, NewPass};
use super::users::UserRow;
use super::{Database, StorageError, audit, outbox};
use crate::domain::{LinkPurpose, Mail, NewEvent, NewLink, User, UserId};
use crate::{with_pool, with_writer};

/// Voids the user's links of one purpose, so that only the newest works.
macro_rules! delete_for_user_query {
    ($user_id:expr, $purpose:expr) => {
        sqlx::query("DELETE FROM email_tokens WHERE user_id = $1 AND purpose = $2")
            .bind($user_id.as_uuid())
            .bind($purpose.as_str())
    };
}
pub(super) use delete_for_user_query;

macro_rules! insert_query {
    ($user_id:expr, $link:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO email_tokens (token_hash, user_id, purpose, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($link.token_hash.as_str())
        .bind($user_id.as_uuid())
        .bind($link.purpose.as_str())
        .bind($at)
        .bind($link.expires_at)
    };
}
pub(super) use insert_query;

/// Stores a new link in place of the user's earlier ones of its purpose, and
/// queues the mail that carries it (and records `event`, if any): all or
/// nothing.
pub async fn issue(
    db: &Database,
    user_id: UserId,
    link: &NewLink,
    mail: &Mail,
    event: Option<&NewEvent<'_>>,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        delete_for_user_query!(user_id, link.purpose)
            .execute(&mut *tx)
            .await?;
        insert_query!(user_id, link, now).execute(&mut *tx).await?;
        outbox::insert_query!(mail, now).execute(&mut *tx).await?;
        if let Some(event) = event {
            audit::insert_query!(event, None, now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    })
}

/// A stored link and the account it was sent to.
pub struct Link {
    pub user: User,
    pub expires_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    link_expires_at: DateTime<Utc>,
    #[sqlx(flatten)]
    user: UserRow,
}

/// The live or expired link with this token hash; `None` once it was used,
/// voided by a newer one, or never existed.
pub async fn find(
    db: &Database,
    token_hash: &str,
    purpose: LinkPurpose,
) -> Result<Option<Link>, StorageError> {
    let row = with_pool!(db, |pool| {
        sqlx::query_as::<_, LinkRow>(
            "SELECT email_tokens.expires_at AS link_expires_at, users.*
             FROM email_tokens JOIN users ON users.id = email_tokens.user_id
             WHERE email_tokens.token_hash = $1 AND email_tokens.purpose = $2",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.map(|row| Link {
        user: row.user.into(),
        expires_at: row.link_expires_at,
    }))
}

/// Uses up a live link inside a transaction: gives its user, or `None` when
/// it is gone or expired (a concurrent use won the race).
macro_rules! consume_query {
    ($token_hash:expr, $purpose:expr, $at:expr) => {
        sqlx::query_scalar::<_, uuid::Uuid>(
            "DELETE FROM email_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3
             RETURNING user_id",
        )
        .bind($token_hash)
        .bind($purpose.as_str())
        .bind($at)
    };
}
pub(super) use consume_query;

/// The address is proved (a link sent to it was followed).
macro_rules! mark_verified_query {
    ($user_id:expr, $at:expr) => {
        sqlx::query_as::<_, UserRow>(
            "UPDATE users SET email_verified = TRUE, updated_at = $2 WHERE id = $1 RETURNING *",
        )
        .bind::<Uuid>($user_id)
        .bind($at)
    };
}

/// Records `$event` about the account whose link `$tx` used up.
macro_rules! record_for {
    ($tx:expr, $event:expr, $user_id:expr, $at:expr) => {
        let event = $event.clone().about(UserId::from($user_id));
        audit::insert_query!(&event, None, $at)
            .execute(&mut *$tx)
            .await?;
    };
}

/// Uses a verification link: the address is proved. Gives the account, or
/// `None` if the link was not live.
pub async fn verify_email(
    db: &Database,
    token_hash: &str,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<Option<User>, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let Some(user_id) = consume_query!(token_hash, LinkPurpose::VerifyEmail, now)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let user = mark_verified_query!(user_id, now)
            .fetch_one(&mut *tx)
            .await?;
        record_for!(tx, event, user_id, now);
        tx.commit().await?;
        db.sessions().forget(user_id.into());
        Ok(Some(User::from(user)))
    })
}

/// Uses an unlock link: password sign-in works again, and from `pass`'s
/// network passes a later lock. Gives the account, or `None` if the link was
/// not live.
pub async fn unlock_sign_in(
    db: &Database,
    token_hash: &str,
    pass: Option<&NewPass<'_>>,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<Option<User>, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let Some(user_id) = consume_query!(token_hash, LinkPurpose::UnlockSignIn, now)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let user = sqlx::query_as::<_, UserRow>(
            "UPDATE users SET signin_locked_at = NULL WHERE id = $1 RETURNING *",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(pass) = pass {
            passes::grant_query!(user_id, pass)
                .execute(&mut *tx)
                .await?;
        }
        record_for!(tx, event, user_id, now);
        tx.commit().await?;
        db.sessions().forget(user_id.into());
        Ok(Some(User::from(user)))
    })
}
