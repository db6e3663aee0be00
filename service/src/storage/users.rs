//! The `users` table.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Database, StorageError, classify, now, with_pool, with_writer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }
}

impl TryFrom<String> for Role {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        match value.as_str() {
            "user" => Ok(Self::User),
            "admin" => Ok(Self::Admin),
            _ => Err(format!("unknown role {value:?}")),
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub username: String,
    pub hashed_password: String,
    pub full_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub is_active: bool,
    pub max_chats: i32,
    pub oauth_provider: Option<String>,
    pub oauth_provider_id: Option<String>,
    pub telegram_chat_id: Option<i64>,
    pub avatar_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user about to be inserted; its fields are already validated.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub hashed_password: &'a str,
    pub full_name: Option<&'a str>,
    pub role: Role,
}

/// Columns whose unique index can refuse an insert, as named in errors.
const UNIQUE_COLUMNS: &[&str] = &["email", "username"];

/// The insert, not yet run, so it can run on a pool or in a transaction.
macro_rules! insert_query {
    ($id:expr, $user:expr, $at:expr) => {
        sqlx::query_as::<_, $crate::storage::users::User>(
            "INSERT INTO users (id, email, username, hashed_password, full_name, role, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
             RETURNING *",
        )
        .bind($id)
        .bind($user.email)
        .bind($user.username)
        .bind($user.hashed_password)
        .bind($user.full_name)
        .bind($user.role.as_str())
        .bind($at)
    };
}
pub(super) use insert_query;

/// Turns a unique-index violation into a conflict naming the column.
pub(super) fn conflict(err: sqlx::Error) -> StorageError {
    classify(err, UNIQUE_COLUMNS)
}

pub async fn insert(db: &Database, user: &NewUser<'_>) -> Result<User, StorageError> {
    let (id, created) = (Uuid::new_v4(), now());
    with_writer!(db, |pool| insert_query!(id, user, created)
        .fetch_one(pool)
        .await)
    .map_err(conflict)
}

pub async fn find_by_email(db: &Database, email: &str) -> Result<Option<User>, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_as::<_, User>("SELECT * FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(pool)
            .await
    })?)
}

pub async fn find_by_id(db: &Database, id: Uuid) -> Result<Option<User>, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_as::<_, User>("SELECT * FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    })?)
}

/// The user behind an access token, provided the token's session still
/// exists: logging out or revoking a session ends its access tokens too.
pub async fn find_by_session(
    db: &Database,
    user_id: Uuid,
    session_id: Uuid,
) -> Result<Option<User>, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_as::<_, User>(
            "SELECT users.* FROM users
             JOIN sessions ON sessions.user_id = users.id
             WHERE users.id = $1 AND sessions.id = $2 AND sessions.expires_at > $3",
        )
        .bind(user_id)
        .bind(session_id)
        .bind(now())
        .fetch_optional(pool)
        .await
    })?)
}

/// A page of users, oldest first.
pub async fn list(db: &Database, limit: i64, offset: i64) -> Result<Vec<User>, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_as::<_, User>("SELECT * FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2")
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
    })?)
}

pub async fn set_active(
    db: &Database,
    id: Uuid,
    active: bool,
) -> Result<Option<User>, StorageError> {
    Ok(with_writer!(db, |pool| {
        sqlx::query_as::<_, User>(
            "UPDATE users SET is_active = $2, updated_at = $3 WHERE id = $1 RETURNING *",
        )
        .bind(id)
        .bind(active)
        .bind(now())
        .fetch_optional(pool)
        .await
    })?)
}
