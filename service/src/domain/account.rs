use super::InvalidInput;

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
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
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
            Err(InvalidInput::new(
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
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let name = raw.trim();
        if !(3..=50).contains(&name.len()) {
            return Err(InvalidInput::new(
                "username",
                "Username must be 3 to 50 characters long",
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(InvalidInput::new(
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
    pub fn parse(raw: String) -> Result<Self, InvalidInput> {
        if raw.chars().count() < MIN_PASSWORD_CHARS {
            return Err(InvalidInput::new(
                "password",
                format!("Password must be at least {MIN_PASSWORD_CHARS} characters long"),
            ));
        }
        Self::within_bcrypt_limit(raw)
    }

    /// For signing in: any length up to the limit, since the rules may have
    /// been different when the password was set.
    pub fn parse_existing(raw: String) -> Result<Self, InvalidInput> {
        if raw.is_empty() {
            return Err(InvalidInput::new("password", "Enter your password"));
        }
        Self::within_bcrypt_limit(raw)
    }

    fn within_bcrypt_limit(raw: String) -> Result<Self, InvalidInput> {
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(InvalidInput::new(
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

/// What `users.hashed_password` holds: a bcrypt hash, never shown to anyone.
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Only the hasher and storage make these.
    pub fn new(hash: String) -> Self {
        Self(hash)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// A display name, trimmed, on one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    /// Blank means no name at all.
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, InvalidInput> {
        let Some(name) = raw.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        if name.chars().count() > MAX_FULL_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(InvalidInput::new(
                "fullName",
                format!("Full name must be at most {MAX_FULL_NAME_CHARS} characters, on one line"),
            ));
        }
        Ok(Some(Self(name.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything needed to open an account, each part valid.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: Email,
    pub username: Username,
    pub password: Password,
    pub full_name: Option<FullName>,
    /// English unless the person chose otherwise.
    pub locale: super::Locale,
}

impl NewAccount {
    /// Checks the fields in the order a form shows them; the first bad one
    /// is the error.
    pub fn parse(
        email: &str,
        username: &str,
        password: String,
        full_name: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        Ok(Self {
            email: Email::parse(email)?,
            username: Username::parse(username)?,
            password: Password::parse(password)?,
            full_name: FullName::parse(full_name)?,
            locale: super::Locale::default(),
        })
    }
}

/// A new password for a signed-in person, who proves it is them with the
/// current one.
#[derive(Clone, Debug)]
pub struct PasswordChange {
    pub current: Password,
    /// Held to the registration rules.
    pub new: Password,
}

impl PasswordChange {
    pub fn parse(current: String, new: String) -> Result<Self, InvalidInput> {
        Ok(Self {
            current: Password::parse_existing(current).map_err(|e| e.on("currentPassword"))?,
            new: Password::parse(new).map_err(|e| e.on("newPassword"))?,
        })
    }
}

/// A sign-in attempt.
#[derive(Clone, Debug)]
pub struct SignIn {
    pub email: Email,
    pub password: Password,
    /// A long session (30 days by default) rather than a short one.
    pub remember_me: bool,
}

impl SignIn {
    pub fn parse(email: &str, password: String, remember_me: bool) -> Result<Self, InvalidInput> {
        Ok(Self {
            email: Email::parse(email)?,
            password: Password::parse_existing(password)?,
            remember_me,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<T: std::fmt::Debug>(result: Result<T, InvalidInput>) -> &'static str {
        result.unwrap_err().field
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
            assert_eq!(field(Email::parse(bad)), "email", "{bad:?}");
        }
    }

    #[test]
    fn usernames_are_3_to_50_safe_characters() {
        assert!(Username::parse("ada").is_ok());
        assert!(Username::parse(&"a".repeat(50)).is_ok());
        for bad in ["ab", &"a".repeat(51), "ada lovelace", "adä", "ad\u{0}a"] {
            assert_eq!(field(Username::parse(bad)), "username", "{bad:?}");
        }
    }

    #[test]
    fn passwords_between_8_characters_and_72_bytes() {
        assert!(Password::parse("12345678".into()).is_ok());
        assert!(Password::parse("x".repeat(72)).is_ok());
        assert_eq!(field(Password::parse("1234567".into())), "password");
        assert_eq!(field(Password::parse("x".repeat(73))), "password");
        // 24 three-byte characters are 72 bytes; one more is over the limit.
        assert!(Password::parse("€".repeat(24)).is_ok());
        assert!(Password::parse("€".repeat(25)).is_err());
    }

    #[test]
    fn passwords_and_hashes_are_not_printed() {
        let p = Password::parse("hunter2hunter2".into()).unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
        let h = PasswordHash::new("$2b$04$secret".into());
        assert!(!format!("{h:?}").contains("secret"));
    }

    #[test]
    fn blank_full_names_are_none() {
        assert_eq!(FullName::parse(Some("  ")).unwrap(), None);
        assert_eq!(
            FullName::parse(Some(" Ada ")).unwrap().unwrap().as_str(),
            "Ada"
        );
        assert!(FullName::parse(Some(&"x".repeat(256))).is_err());
    }

    #[test]
    fn a_new_account_reports_its_first_bad_field() {
        let parse = |email, username, password: &str| {
            NewAccount::parse(email, username, password.into(), None).map(|_| ())
        };
        assert_eq!(field(parse("bad", "x", "short")), "email");
        assert_eq!(field(parse("a@example.org", "x", "short")), "username");
        assert_eq!(field(parse("a@example.org", "ada", "short")), "password");
        assert!(parse("a@example.org", "ada", "long enough").is_ok());
        let signin = SignIn::parse("a@example.org", String::new(), false);
        assert_eq!(field(signin.map(|_| ())), "password");
    }
}
