use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::InvalidInput;

super::uuid_id! {
    /// An account: a `users` row.
    UserId
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    /// As stored in `users.role` (and in access tokens).
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

/// An account as the service shows it. There is no password hash here: only
/// the sign-in check ever sees one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    /// Lower-cased at registration.
    pub email: String,
    pub username: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub is_active: bool,
    pub max_chats: i32,
    pub avatar_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A slice of a list: at most 100 items, from `offset` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    limit: i64,
    offset: i64,
}

impl Page {
    pub const MAX_LIMIT: i64 = 100;

    pub fn new(limit: i64, offset: i64) -> Result<Self, InvalidInput> {
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            let message = format!("limit must be between 1 and {}", Self::MAX_LIMIT);
            return Err(InvalidInput::new("limit", message));
        }
        if offset < 0 {
            return Err(InvalidInput::new("offset", "offset must not be negative"));
        }
        Ok(Self { limit, offset })
    }

    pub fn limit(self) -> i64 {
        self.limit
    }

    pub fn offset(self) -> i64 {
        self.offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_1_to_100_items_from_a_non_negative_offset() {
        assert!(Page::new(1, 0).is_ok() && Page::new(100, 5).is_ok());
        assert_eq!(Page::new(0, 0).unwrap_err().field, "limit");
        assert_eq!(Page::new(101, 0).unwrap_err().field, "limit");
        assert_eq!(Page::new(10, -1).unwrap_err().field, "offset");
    }

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        for role in [Role::User, Role::Admin] {
            assert_eq!(Role::try_from(role.as_str().to_owned()), Ok(role));
        }
        assert!(Role::try_from("root".to_owned()).is_err());
    }
}
