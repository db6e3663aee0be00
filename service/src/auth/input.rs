//! Domain types that can only hold valid values: parse, don't validate.

use super::AuthError;

/// bcrypt reads at most this many bytes; longer passwords are refused rather
/// than silently truncated.
pub const MAX_PASSWORD_BYTES: usize = 72;
pub const MIN_PASSWORD_CHARS: usize = 8;
const MAX_EMAIL_CHARS: usize = 254;
const MAX_FULL_NAME_CHARS: usize = 255;

/// A syntactically valid email address, trimmed and lower-cased, so that
/// `A@x.io` and `a@x.io` are one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AuthError> {
        let email = raw.trim().to_lowercase();
        let valid = email.chars().count() <= MAX_EMAIL_CHARS
            && email_address::EmailAddress::parse_with_options(
                &email,
                email_address::Options::default()
                    .without_display_text()
                    .without_domain_literal(),
            )
            .is_ok_and(|parsed| parsed.domain().contains('.'));
        if valid {
            Ok(Self(email))
        } else {
            Err(AuthError::bad_input(
                "email",
                "Enter a valid email address, like name@example.com",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 3 to 50 ASCII letters, digits, `_`, `.` or `-`. ASCII keeps the
/// case-insensitive unique index identical on PostgreSQL and SQLite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AuthError> {
        let name = raw.trim();
        if !(3..=50).contains(&name.len()) {
            return Err(AuthError::bad_input(
                "username",
                "Username must be 3 to 50 characters long",
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(AuthError::bad_input(
                "username",
                "Username may contain only letters, digits, '_', '.' and '-'",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password of 8 characters to 72 bytes, kept exactly as typed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: String) -> Result<Self, AuthError> {
        if raw.chars().count() < MIN_PASSWORD_CHARS {
            return Err(AuthError::bad_input(
                "password",
                format!("Password must be at least {MIN_PASSWORD_CHARS} characters long"),
            ));
        }
        Self::within_bcrypt_limit(raw)
    }

    /// For login: any length up to the limit, since the rules may have been
    /// different when the password was set.
    pub fn parse_existing(raw: String) -> Result<Self, AuthError> {
        if raw.is_empty() {
            return Err(AuthError::bad_input("password", "Enter your password"));
        }
        Self::within_bcrypt_limit(raw)
    }

    fn within_bcrypt_limit(raw: String) -> Result<Self, AuthError> {
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(AuthError::bad_input(
                "password",
                format!(
                    "Password must be at most {MAX_PASSWORD_BYTES} bytes \
                     (fewer characters when using non-Latin letters or emoji)"
                ),
            ));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// An optional display name: blank means none.
pub fn parse_full_name(raw: Option<&str>) -> Result<Option<String>, AuthError> {
    let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.chars().count() > MAX_FULL_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AuthError::bad_input(
            "fullName",
            format!("Full name must be at most {MAX_FULL_NAME_CHARS} characters, on one line"),
        ));
    }
    Ok(Some(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(err: AuthError) -> &'static str {
        match err {
            AuthError::BadInput { field, .. } => field,
            other => panic!("expected BadInput, got {other:?}"),
        }
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ada@Example.ORG ").unwrap().as_str(),
            "ada@example.org"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a b@example.org",
            "Ada <ada@example.org>",
            "ada@[127.0.0.1]",
        ] {
            assert_eq!(field(Email::parse(bad).unwrap_err()), "email", "{bad:?}");
        }
    }

    #[test]
    fn usernames_are_3_to_50_safe_characters() {
        assert!(Username::parse("ada").is_ok());
        assert!(Username::parse(&"a".repeat(50)).is_ok());
        for bad in ["ab", &"a".repeat(51), "ada lovelace", "adä", "ad\u{0}a"] {
            assert_eq!(
                field(Username::parse(bad).unwrap_err()),
                "username",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn passwords_between_8_characters_and_72_bytes() {
        assert!(Password::parse("12345678".into()).is_ok());
        assert!(Password::parse("x".repeat(72)).is_ok());
        assert_eq!(
            field(Password::parse("1234567".into()).unwrap_err()),
            "password"
        );
        assert_eq!(
            field(Password::parse("x".repeat(73)).unwrap_err()),
            "password"
        );
        // 24 three-byte characters are 72 bytes; one more is over the limit.
        assert!(Password::parse("€".repeat(24)).is_ok());
        assert!(Password::parse("€".repeat(25)).is_err());
    }

    #[test]
    fn passwords_are_not_printed() {
        let p = Password::parse("hunter2hunter2".into()).unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn blank_full_names_are_none() {
        assert_eq!(parse_full_name(Some("  ")).unwrap(), None);
        assert_eq!(
            parse_full_name(Some(" Ada ")).unwrap().as_deref(),
            Some("Ada")
        );
        assert!(parse_full_name(Some(&"x".repeat(256))).is_err());
    }
}
