//! The `users` table.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::{UniqueIndex, classify};
use super::passes::{self, NewPass};
use super::session_cache::Found;
use super::sessions::{self, NewSession};
use super::{Database, Pools, StorageError, audit, links, outbox};
use crate::domain::{
    Aal, Assurance, Email, FullName, LinkPurpose, Locale, Mail, NewEvent, NewLink, Page,
    PasswordHash, ProfileUpdate, Role, SessionId, User, UserId, UserSearch, Username,
};
use crate::{with_pool, with_writer};

/// A user about to be stored.
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub username: &'a Username,
    pub password_hash: &'a PasswordHash,
    pub full_name: Option<&'a FullName>,
    pub role: Role,
    pub locale: Locale,
}

/// A `users` row, as both engines return it. Never leaves this module but as
/// a [`User`] (and, for signing in, the hash beside it).
#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    #[sqlx(try_from = "Uuid")]
    id: UserId,
    email: String,
    username: String,
    hashed_password: String,
    full_name: Option<String>,
    #[sqlx(try_from = "String")]
    role: Role,
    is_active: bool,
    email_verified: bool,
    signin_locked_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "String")]
    locale: Locale,
    max_chats: i32,
    avatar_url: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_sign_in_at: Option<DateTime<Utc>>,
    mfa_enabled: bool,
}

impl UserRow {
    fn into_user_and_hash(self) -> (User, PasswordHash) {
        let hash = PasswordHash::new(self.hashed_password);
        let user = User {
            id: self.id,
            email: self.email,
            username: self.username,
            full_name: self.full_name,
            role: self.role,
            is_active: self.is_active,
            email_verified: self.email_verified,
            sign_in_locked: self.signin_locked_at.is_some(),
            locale: self.locale,
            max_chats: self.max_chats,
            avatar_url: self.avatar_url,
            created_at: self.created_at,
            updated_at: self.updated_at,
            last_sign_in_at: self.last_sign_in_at,
            mfa_enabled: self.mfa_enabled,
        };
        (user, hash)
    }
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        row.into_user_and_hash().0
    }
}

/// The unique indexes an insert can run into (see the first migration).
const UNIQUE_INDEXES: &[UniqueIndex] = &[
    UniqueIndex {
        name: "ix_users_email",
        sqlite_reports: "users.email",
        field: "email",
    },
    UniqueIndex {
        name: "ix_users_username",
        sqlite_reports: "index 'ix_users_username'",
        field: "username",
    },
];

/// The insert, not yet run, so it can run on a pool or in a transaction.
/// `$signed_in`: whether the account is signed in as it is created.
macro_rules! insert_query {
    ($user:expr, $at:expr, $signed_in:expr) => {
        sqlx::query_as::<_, UserRow>(
            "INSERT INTO users (id, email, username, hashed_password, full_name, role, locale, created_at, updated_at, audit_id, last_sign_in_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)
             RETURNING *",
        )
        .bind(UserId::new().as_uuid())
        .bind($user.email.as_str())
        .bind($user.username.as_str())
        .bind($user.password_hash.as_str())
        .bind($user.full_name.map(FullName::as_str))
        .bind($user.role.as_str())
        .bind($user.locale.as_str())
        .bind($at)
        // The account's pseudonym in the audit trail.
        .bind(uuid::Uuid::new_v4())
        .bind($signed_in.then_some($at))
    };
}

/// Creates an account with nothing beside it but the event recording it
/// (`seed-admin`).
pub async fn insert(
    db: &Database,
    user: &NewUser<'_>,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<User, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let row = insert_query!(user, now, false)
            .fetch_one(&mut *tx)
            .await
            .map_err(|err| classify(err, UNIQUE_INDEXES))?;
        let event = event.clone().about(row.id);
        audit::insert_query!(&event, None, now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(User::from(row))
    })
}

/// The verification link a new account is sent, and the mail carrying it.
pub struct Welcome<'a> {
    pub link: NewLink,
    pub mail: &'a Mail,
}

/// Creates a user, its first session and its verification mail together: a
/// failure half-way leaves none of them behind, so there is never an account
/// its owner was told failed, nor one whose link was never sent.
pub async fn insert_with_session(
    db: &Database,
    user: &NewUser<'_>,
    session: &NewSession<'_>,
    welcome: &Welcome<'_>,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<(User, SessionId), StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let user = insert_query!(user, now, true)
            .fetch_one(&mut *tx)
            .await
            .map_err(|err| classify(err, UNIQUE_INDEXES))?;
        let session_id = sessions::insert_query!(user.id, session, now)
            .fetch_one(&mut *tx)
            .await?;
        sessions::remember_user_agent_query!(
            user.id,
            sessions::user_agent_hash(session.client),
            now
        )
        .execute(&mut *tx)
        .await?;
        links::insert_query!(user.id, welcome.link, now)
            .execute(&mut *tx)
            .await?;
        outbox::insert_query!(welcome.mail, now)
            .execute(&mut *tx)
            .await?;
        let session_id = SessionId::from(session_id);
        let event = event.clone().about(user.id);
        audit::insert_query!(&event, Some(session_id), now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((User::from(user), session_id))
    })
}

/// Which of an account's unique fields another account has already, if
/// any: checked before a password is hashed, so that a taken email costs no
/// bcrypt. (The insert still meets the unique indexes, should a concurrent
/// registration take the name in between.)
pub async fn taken(
    db: &Database,
    email: &Email,
    username: &Username,
) -> Result<Option<&'static str>, StorageError> {
    let found = with_pool!(db, |pool| {
        sqlx::query_as::<_, (bool, bool)>(
            "SELECT EXISTS (SELECT 1 FROM users WHERE email = $1),
                    EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($2))",
        )
        .bind(email.as_str())
        .bind(username.as_str())
        .fetch_one(pool)
        .await
    })?;
    Ok(match found {
        (true, _) => Some("email"),
        (false, true) => Some("username"),
        (false, false) => None,
    })
}

/// Which account to look up.
pub enum Lookup<'a> {
    Email(&'a Email),
    Id(UserId),
}

/// The account, and its password hash, to check a password it is given.
pub async fn find_with_hash(
    db: &Database,
    lookup: Lookup<'_>,
) -> Result<Option<(User, PasswordHash)>, StorageError> {
    let row = with_pool!(db, |pool| {
        match lookup {
            Lookup::Email(email) => {
                sqlx::query_as::<_, UserRow>("SELECT * FROM users WHERE email = $1")
                    .bind(email.as_str())
            }
            Lookup::Id(id) => {
                sqlx::query_as::<_, UserRow>("SELECT * FROM users WHERE id = $1").bind(id.as_uuid())
            }
        }
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.map(UserRow::into_user_and_hash))
}

/// [`find_by_session`]'s statement (`me`'s one query): the user's id, the
/// session's, and the time. The benchmark runs the same text under pgbench
/// for the database's own ceiling.
pub const FIND_BY_SESSION_SQL: &str =
    "SELECT sessions.aal, sessions.auth_time, sessions.expires_at, users.* FROM users
             JOIN sessions ON sessions.user_id = users.id
             WHERE users.id = $1 AND sessions.id = $2 AND sessions.expires_at > $3";

/// The user behind an access token, provided the token's session still
/// exists: logging out or revoking a session ends its access tokens too.
/// A warm session is answered from memory ([`SessionCache`]).
///
/// [`SessionCache`]: super::session_cache::SessionCache
pub async fn find_by_session(
    db: &Database,
    user_id: UserId,
    session_id: SessionId,
    now: DateTime<Utc>,
) -> Result<Option<(User, Assurance)>, StorageError> {
    let cache = db.sessions();
    if let Some(hit) = cache.get(user_id, session_id, now) {
        return Ok(Some(hit));
    }
    let ticket = cache.ticket();
    let row = with_pool!(db, |pool| {
        sqlx::query_as::<_, SessionUserRow>(FIND_BY_SESSION_SQL)
            .bind(user_id.as_uuid())
            .bind(session_id.as_uuid())
            .bind(now)
            .fetch_optional(pool)
            .await
    })?;
    Ok(row.map(|row| {
        let found = Found {
            assurance: Assurance {
                aal: Aal::from_level(row.aal.into()),
                auth_time: row.auth_time,
            },
            expires_at: row.expires_at,
            user: row.user.into(),
        };
        cache.keep(ticket, session_id, &found, now);
        (found.user, found.assurance)
    }))
}

/// A user and how the session it was found by was signed in.
#[derive(sqlx::FromRow)]
struct SessionUserRow {
    aal: i16,
    auth_time: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    #[sqlx(flatten)]
    user: UserRow,
}

/// A new password and what goes with it.
pub struct NewPassword<'a> {
    pub hash: &'a PasswordHash,
    /// The one session that stays signed in (where it was changed), if any.
    pub keep: Option<SessionId>,
    /// "Your password was changed", to the account's address.
    pub notice: &'a Mail,
}

/// The steps of replacing a password, inside transaction `$tx`: the hash,
/// every session but `keep` (none opened with the old password outlives it),
/// every reset link (each was sent for the old one), and the notice.
/// `$proved` (a reset link was followed) also marks the address verified
/// and lifts a sign-in lock: the owner is back in, whoever was guessing the
/// old password is not.
macro_rules! replace_password {
    ($tx:expr, $user_id:expr, $new:expr, $proved:expr, $at:expr) => {{
        sqlx::query(
            "UPDATE users SET hashed_password = $2, updated_at = $3,
                 email_verified = (email_verified OR $4),
                 signin_locked_at = CASE WHEN $4 THEN NULL ELSE signin_locked_at END
             WHERE id = $1",
        )
        .bind($user_id.as_uuid())
        .bind($new.hash.as_str())
        .bind($at)
        .bind($proved)
        .execute(&mut *$tx)
        .await?;
        sessions::delete_for_user_query!($user_id, $new.keep)
            .fetch_all(&mut *$tx)
            .await?;
        links::delete_for_user_query!($user_id, LinkPurpose::ResetPassword)
            .execute(&mut *$tx)
            .await?;
        outbox::insert_query!($new.notice, $at)
            .execute(&mut *$tx)
            .await?;
    }};
}

/// Stores a new hash of the same password (a newer format, another cost),
/// if the stored one is still `old`: a password changed since it was read
/// stays changed. False if it had changed.
pub async fn replace_hash(
    db: &Database,
    id: UserId,
    old: &PasswordHash,
    new: &PasswordHash,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let replaced = with_writer!(db, |pool| {
        sqlx::query(
            "UPDATE users SET hashed_password = $3, updated_at = $4
             WHERE id = $1 AND hashed_password = $2",
        )
        .bind(id.as_uuid())
        .bind(old.as_str())
        .bind(new.as_str())
        .bind(now)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
    })?;
    if replaced == 1 {
        db.sessions().forget(id);
    }
    Ok(replaced == 1)
}

/// Replaces the password of a signed-in user who gave the current one.
pub async fn set_password(
    db: &Database,
    id: UserId,
    new: &NewPassword<'_>,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        replace_password!(tx, id, new, false, now);
        audit::insert_query!(event, None, now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        db.sessions().forget(id);
        Ok(())
    })
}

/// Replaces the password of the account a live reset link was sent to, and
/// uses the link up; false if it was no longer live (used by a concurrent
/// request, or expired since it was looked up). Following the link proved
/// the address.
pub async fn reset_password(
    db: &Database,
    token_hash: &str,
    new: &NewPassword<'_>,
    pass: Option<&NewPass<'_>>,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let Some(id) = links::consume_query!(token_hash, LinkPurpose::ResetPassword, now)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        replace_password!(tx, UserId::from(id), new, true, now);
        if let Some(pass) = pass {
            passes::grant_query!(id, pass).execute(&mut *tx).await?;
        }
        let event = event.clone().about(UserId::from(id));
        audit::insert_query!(&event, None, now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        db.sessions().forget(id.into());
        Ok(true)
    })
}

/// Applies a person's changes to their profile; the fields it leaves out
/// stay as they are.
pub async fn update_profile(
    db: &Database,
    id: UserId,
    update: &ProfileUpdate,
    now: DateTime<Utc>,
) -> Result<Option<User>, StorageError> {
    let new_name = update.full_name.as_ref();
    let row = with_writer!(db, |pool| {
        sqlx::query_as::<_, UserRow>(
            "UPDATE users SET
                 full_name = CASE WHEN $2 THEN $3 ELSE full_name END,
                 username = COALESCE($4, username),
                 locale = COALESCE($5, locale),
                 updated_at = $6
             WHERE id = $1
             RETURNING *",
        )
        .bind(id.as_uuid())
        .bind(new_name.is_some())
        .bind(new_name.and_then(|name| name.as_ref().map(FullName::as_str)))
        .bind(update.username.as_ref().map(Username::as_str))
        .bind(update.locale.map(Locale::as_str))
        .bind(now)
        .fetch_optional(pool)
        .await
    })
    .map_err(|err| classify(err, UNIQUE_INDEXES))?;
    db.sessions().forget(id);
    Ok(row.map(User::from))
}

/// A page of users, oldest first.
pub async fn list(db: &Database, page: Page) -> Result<Vec<User>, StorageError> {
    let rows = with_pool!(db, |pool| {
        sqlx::query_as::<_, UserRow>(
            "SELECT * FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2",
        )
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(pool)
        .await
    })?;
    Ok(rows.into_iter().map(User::from).collect())
}

/// Locks password sign-in for the account and queues the mail with its
/// unlock link, in one transaction; false (and nothing written) if it was
/// locked already, so each lock sends one mail however many requests hit it.
pub async fn lock_sign_in(
    db: &Database,
    id: UserId,
    link: &NewLink,
    mail: &Mail,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let locked = sqlx::query(
            "UPDATE users SET signin_locked_at = $2
             WHERE id = $1 AND signin_locked_at IS NULL",
        )
        .bind(id.as_uuid())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if locked == 0 {
            return Ok(false);
        }
        links::delete_for_user_query!(id, link.purpose)
            .execute(&mut *tx)
            .await?;
        links::insert_query!(id, link, now)
            .execute(&mut *tx)
            .await?;
        outbox::insert_query!(mail, now).execute(&mut *tx).await?;
        audit::insert_query!(event, None, now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        db.sessions().forget(id);
        Ok(true)
    })
}

/// What an admin's change to an account did.
pub enum AccountChange<T> {
    Done(T),
    NoSuchUser,
    /// Refused: the account is the last active admin, and the change would
    /// leave nobody able to administer the service.
    LastAdmin,
}

/// The condition under which a change may take an account out of the active
/// admins: it is not one, or another remains. `$2` is whether the account
/// stays an active admin after the change.
macro_rules! leaves_an_admin {
    () => {
        "(NOT (role = 'admin' AND is_active AND NOT $2)
          OR (SELECT count(*) FROM users WHERE role = 'admin' AND is_active) > 1)"
    };
}

/// Under READ COMMITTED, two transactions each ending one of two admins
/// would both count two and both succeed. Locking the active admins' rows
/// first makes the second wait for the first to commit, and its count (a
/// new snapshot) then sees one. NO KEY UPDATE is the lock an UPDATE takes
/// anyway: it does not hold up sign-ins, whose new session only needs the
/// user's key. SQLite needs nothing: its one writer runs these transactions
/// one after another.
macro_rules! lock_admins {
    ($db:expr, $tx:expr) => {
        if matches!($db.pools(), Pools::Postgres(_)) {
            sqlx::query(
                "SELECT id FROM users WHERE role = 'admin' AND is_active
                 ORDER BY id FOR NO KEY UPDATE",
            )
            .execute(&mut *$tx)
            .await?;
        }
    };
}

/// Why an admin's change matched no row: no such account, or the last admin.
macro_rules! refused {
    ($tx:expr, $id:expr) => {{
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)")
            .bind($id.as_uuid())
            .fetch_one(&mut *$tx)
            .await?;
        if exists {
            AccountChange::LastAdmin
        } else {
            AccountChange::NoSuchUser
        }
    }};
}

/// What an admin changes about an account.
#[derive(Clone, Copy, Debug)]
pub enum AdminUpdate {
    /// Activate or deactivate; deactivating ends its sessions.
    Active(bool),
    Role(Role),
}

/// Applies an admin's change to an account, and records `event`, in one
/// transaction. The last active admin is never deactivated or demoted, even
/// by two admins doing it to each other at the same moment: the `UPDATE`
/// takes an active admin out only while another remains.
pub async fn update_by_admin(
    db: &Database,
    id: UserId,
    update: AdminUpdate,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<AccountChange<User>, StorageError> {
    let (active, role, stays_admin) = match update {
        AdminUpdate::Active(active) => (Some(active), None, active),
        AdminUpdate::Role(role) => (None, Some(role.as_str()), role == Role::Admin),
    };
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        lock_admins!(db, tx);
        let updated = sqlx::query_as::<_, UserRow>(concat!(
            "UPDATE users SET is_active = COALESCE($3, is_active), role = COALESCE($4, role),
                 updated_at = $5
             WHERE id = $1 AND ",
            leaves_an_admin!(),
            " RETURNING *"
        ))
        .bind(id.as_uuid())
        .bind(stays_admin)
        .bind(active)
        .bind(role)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = updated else {
            return Ok(refused!(tx, id));
        };
        if active == Some(false) {
            sessions::delete_for_user_query!(id, None::<SessionId>)
                .fetch_all(&mut *tx)
                .await?;
        }
        audit::insert_query!(event, None, now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        db.sessions().forget(id);
        Ok(AccountChange::Done(User::from(user)))
    })
}

/// Deletes an account and everything of it: its sessions, links, devices
/// and passes (by cascade), the mail addressed to it, and the throttle
/// counts kept under its email. Its audit events stay, under its pseudonym,
/// which nothing links to once the row is gone; the deletion is recorded
/// first, while the pseudonym can still be looked up. The last active admin
/// is never deleted.
pub async fn delete(
    db: &Database,
    id: UserId,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<AccountChange<()>, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        lock_admins!(db, tx);
        audit::insert_query!(event, None, now)
            .execute(&mut *tx)
            .await?;
        let deleted: Option<String> = sqlx::query_scalar(concat!(
            "DELETE FROM users WHERE id = $1 AND ",
            leaves_an_admin!(),
            " RETURNING email"
        ))
        .bind(id.as_uuid())
        .bind(false)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(email) = deleted else {
            // Rolls the event back with the refusal.
            return Ok(refused!(tx, id));
        };
        sqlx::query("DELETE FROM mail_outbox WHERE recipient = $1")
            .bind(&email)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM login_throttle WHERE key = $1 OR key = $2")
            .bind(format!("account:{email}"))
            .bind(format!("mail-account:{email}"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        db.sessions().forget(id);
        Ok(AccountChange::Done(()))
    })
}

/// A page of an admin's search through the accounts, oldest first.
pub async fn search(db: &Database, search: &UserSearch) -> Result<Vec<User>, StorageError> {
    let pattern = search.like_pattern();
    let rows = with_pool!(db, |pool| {
        sqlx::query_as::<_, UserRow>(
            r"SELECT * FROM users
             WHERE ($1 IS NULL OR lower(email) LIKE $1 ESCAPE '\' OR lower(username) LIKE $1 ESCAPE '\')
               AND ($2 IS NULL OR (created_at, id) > (SELECT created_at, id FROM users WHERE id = $2))
             ORDER BY created_at, id LIMIT $3",
        )
        .bind(pattern.as_deref())
        .bind(search.after().map(UserId::as_uuid))
        .bind(search.first())
        .fetch_all(pool)
        .await
    })?;
    Ok(rows.into_iter().map(User::from).collect())
}
