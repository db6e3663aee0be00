use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::InvalidInput;

super::uuid_id! {
    /// An account: a `users` row.
    UserId
}

super::text_enum! {
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    Role {
        User = "user",
        Admin = "admin",
    }
}

super::text_enum! {
    /// The language of an account's mail and pages.
    #[derive(Default)]
    Locale {
        #[default]
        En = "en",
        Ru = "ru",
    }
}

impl Locale {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        Self::try_from(raw.trim().to_owned())
            .map_err(|_| InvalidInput::new("locale", "Language must be \"en\" or \"ru\""))
    }
}

/// Changes a person makes to their own profile; `None` leaves a field as it
/// is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileUpdate {
    /// `Some(None)` removes the name.
    pub full_name: Option<Option<super::FullName>>,
    pub username: Option<super::Username>,
    pub locale: Option<Locale>,
}

impl ProfileUpdate {
    pub fn parse(
        full_name: Option<&str>,
        username: Option<&str>,
        locale: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            full_name: full_name
                .map(|name| super::FullName::parse(Some(name)))
                .transpose()?,
            username: username.map(super::Username::parse).transpose()?,
            locale: locale.map(Locale::parse).transpose()?,
        })
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
    /// Proved by following a link sent to it.
    pub email_verified: bool,
    /// Password sign-in is locked after guessing from many addresses, until
    /// the owner follows the unlock link mailed to them or resets the
    /// password.
    pub sign_in_locked: bool,
    pub locale: Locale,
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
    fn locales_are_en_or_ru_and_profile_fields_parse_on_their_own() {
        assert_eq!(Locale::parse(" ru "), Ok(Locale::Ru));
        assert_eq!(Locale::parse("de").unwrap_err().field, "locale");
        let update = ProfileUpdate::parse(Some(" "), None, Some("en")).unwrap();
        assert_eq!(update.full_name, Some(None), "a blank name removes it");
        assert_eq!((update.username, update.locale), (None, Some(Locale::En)));
        let bad = ProfileUpdate::parse(None, Some("a b"), None).unwrap_err();
        assert_eq!(bad.field, "username");
    }

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        for role in [Role::User, Role::Admin] {
            assert_eq!(Role::try_from(role.as_str().to_owned()), Ok(role));
        }
        assert!(Role::try_from("root".to_owned()).is_err());
    }
}
