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
    /// The last password sign-in; `None` if none since this was recorded.
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// The account has a second factor: signing in with the password alone
    /// gives a session that must pass it first.
    pub mfa_enabled: bool,
}

/// An admin's look through the accounts: those whose email or username
/// starts with `prefix` (any case), `first` at a time, oldest first, after
/// the account `after`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSearch {
    prefix: Option<String>,
    first: i64,
    after: Option<UserId>,
}

impl UserSearch {
    const MAX_PREFIX_CHARS: usize = 255;

    pub fn parse(
        prefix: Option<&str>,
        first: Option<i64>,
        after: Option<UserId>,
    ) -> Result<Self, InvalidInput> {
        let prefix = prefix.map(str::trim).filter(|prefix| !prefix.is_empty());
        if prefix.is_some_and(|prefix| prefix.chars().count() > Self::MAX_PREFIX_CHARS) {
            return Err(InvalidInput::new("search", "search is too long"));
        }
        let first = first.unwrap_or(50);
        if !(1..=Page::MAX_LIMIT).contains(&first) {
            let message = format!("first must be between 1 and {}", Page::MAX_LIMIT);
            return Err(InvalidInput::new("first", message));
        }
        Ok(Self {
            prefix: prefix.map(str::to_lowercase),
            first,
            after,
        })
    }

    /// A `LIKE` pattern matching what starts with the prefix: its own `%`,
    /// `_` and `\` match only themselves.
    pub fn like_pattern(&self) -> Option<String> {
        self.prefix.as_ref().map(|prefix| {
            let mut pattern = String::with_capacity(prefix.len() + 1);
            for c in prefix.chars() {
                if matches!(c, '%' | '_' | '\\') {
                    pattern.push('\\');
                }
                pattern.push(c);
            }
            pattern.push('%');
            pattern
        })
    }

    pub fn first(&self) -> i64 {
        self.first
    }

    pub fn after(&self) -> Option<UserId> {
        self.after
    }
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
    fn a_search_prefix_matches_only_itself() {
        let search = UserSearch::parse(Some(" Al%_\\ "), None, None).unwrap();
        assert_eq!(search.like_pattern().as_deref(), Some("al\\%\\_\\\\%"));
        assert_eq!(search.first(), 50);
        assert_eq!(
            UserSearch::parse(Some("  "), None, None)
                .unwrap()
                .like_pattern(),
            None
        );
        assert_eq!(
            UserSearch::parse(None, Some(0), None).unwrap_err().field,
            "first"
        );
        assert_eq!(
            UserSearch::parse(None, Some(101), None).unwrap_err().field,
            "first"
        );
        let long = "a".repeat(256);
        assert_eq!(
            UserSearch::parse(Some(&long), None, None)
                .unwrap_err()
                .field,
            "search"
        );
    }

    #[test]
    fn roles_round_trip_through_their_stored_names() {
        for role in [Role::User, Role::Admin] {
            assert_eq!(Role::try_from(role.as_str().to_owned()), Ok(role));
        }
        assert!(Role::try_from("root".to_owned()).is_err());
    }
}
