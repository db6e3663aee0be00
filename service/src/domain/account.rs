use unicode_normalization::UnicodeNormalization;

use super::InvalidInput;

/// Counted after NFKC normalisation. The hash reads every character (a
/// SHA-256 HMAC before bcrypt), so length costs nothing; the limit only keeps
/// anyone from posting megabytes as a password.
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MIN_PASSWORD_CHARS: usize = 8;
/// The product's name: the first thing an attacker guesses into a password.
const PRODUCT_NAME: &str = "Vitals";
/// `FIRST_ADMIN_PASSWORD` in `.env.example`: known to everyone who has read
/// the repository, so `seed-admin` refuses it whatever its strength.
pub const EXAMPLE_ADMIN_PASSWORD: &str = "change-this-admin-password";
/// zxcvbn's work grows faster than the password's length, so it judges this
/// many characters and no more (the crate stops at 100 too): that is room
/// enough for a strong password, and a 256-character one costs no more.
const STRENGTH_CHECKED_CHARS: usize = 100;
/// Of zxcvbn's 0 to 4: "safely unguessable" (at least 10^10 guesses), what
/// its authors recommend as the lowest score to accept.
const MIN_STRENGTH: zxcvbn::Score = zxcvbn::Score::Three;
/// Parts of a person's name or address this short are not refused inside a
/// password: three letters (`bob`, `ann`) turn up inside ordinary words.
/// zxcvbn still counts them as easy to guess.
const MIN_PERSONAL_PART_CHARS: usize = 4;
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

/// A password of 8 to 256 characters, in Unicode normalisation form NFKC
/// (NIST SP 800-63B 5.1.1.2): "é" typed as one character or as "e" and an
/// accent, or a full-width letter and its ASCII twin, are one password.
#[derive(Clone)]
pub struct Password {
    normalized: String,
    /// As typed, for the hashes made before normalisation (plain bcrypt).
    typed: String,
}

impl Password {
    pub fn parse(raw: String) -> Result<Self, InvalidInput> {
        let password = Self::within_limit(raw)?;
        if password.normalized.chars().count() < MIN_PASSWORD_CHARS {
            return Err(InvalidInput::new(
                "password",
                format!("Password must be at least {MIN_PASSWORD_CHARS} characters long"),
            ));
        }
        Ok(password)
    }

    /// For signing in: any length up to the limit, since the rules may have
    /// been different when the password was set.
    pub fn parse_existing(raw: String) -> Result<Self, InvalidInput> {
        if raw.is_empty() {
            return Err(InvalidInput::new("password", "Enter your password"));
        }
        Self::within_limit(raw)
    }

    fn within_limit(raw: String) -> Result<Self, InvalidInput> {
        if raw.nfkc().count() > MAX_PASSWORD_CHARS {
            return Err(InvalidInput::new(
                "password",
                format!("Password must be at most {MAX_PASSWORD_CHARS} characters long"),
            ));
        }
        Ok(Self {
            normalized: raw.nfkc().collect(),
            typed: raw,
        })
    }

    /// Refuses a password that is easy to guess (ASVS 5.0 6.2.4, 6.2.11;
    /// NIST SP 800-63B 5.1.1.2): one zxcvbn scores below 3, given the product's
    /// name and `personal` (the person's email, username) as words an
    /// attacker would try first; or one that contains the email's local part
    /// or the username, ignoring case. Call it where the person is known,
    /// before hashing.
    pub fn check_strength(&self, personal: &[&str]) -> Result<(), InvalidInput> {
        let password = self.normalized.to_lowercase();
        let parts = personal_parts(personal);
        if parts
            .iter()
            .any(|part| part.chars().count() >= MIN_PERSONAL_PART_CHARS && password.contains(part))
        {
            return Err(InvalidInput::new(
                "password",
                "Password must not contain your username or email address; \
                 choose one that has nothing to do with you",
            ));
        }
        let checked: String = self
            .normalized
            .chars()
            .take(STRENGTH_CHECKED_CHARS)
            .collect();
        let mut words: Vec<&str> = parts.iter().map(String::as_str).collect();
        words.push(PRODUCT_NAME);
        let estimate = zxcvbn::zxcvbn(&checked, &words);
        if estimate.score() >= MIN_STRENGTH {
            return Ok(());
        }
        let mut message = String::from("This password is too easy to guess.");
        let feedback = estimate.feedback();
        if let Some(warning) = feedback.and_then(|f| f.warning()) {
            message.push_str(&format!(" {warning}"));
        }
        match feedback.map(|f| f.suggestions()).filter(|s| !s.is_empty()) {
            Some(suggestions) => {
                for suggestion in suggestions {
                    message.push_str(&format!(" {suggestion}"));
                }
            }
            None => message.push_str(" Add another word or two. Uncommon words are better."),
        }
        Err(InvalidInput::new("password", message))
    }

    /// The password to hash and to check.
    pub fn expose(&self) -> &str {
        &self.normalized
    }

    /// The password exactly as typed: what a hash made before passwords were
    /// normalised was made from.
    pub fn expose_as_typed(&self) -> &str {
        &self.typed
    }
}

/// What of a person's email and username a password should not be made of,
/// lower-cased: each whole (for an email, the part before the `@`), and
/// each run of letters and digits in it (`ada` and `lovelace` of
/// `ada.lovelace@…`).
fn personal_parts(personal: &[&str]) -> Vec<String> {
    let mut parts = Vec::new();
    for value in personal {
        let value = value.split('@').next().unwrap_or_default().to_lowercase();
        parts.extend(
            value
                .split(|c: char| !c.is_alphanumeric())
                .filter(|piece| !piece.is_empty() && *piece != value)
                .map(str::to_owned),
        );
        if !value.is_empty() {
            parts.push(value);
        }
    }
    parts
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// What `users.hashed_password` holds, never shown to anyone: passlib's
/// `bcrypt_sha256` format, or a plain bcrypt hash from before it.
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
    /// is the error. The password must be strong
    /// ([`Password::check_strength`]).
    pub fn parse(
        email: &str,
        username: &str,
        password: String,
        full_name: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        let email = Email::parse(email)?;
        let username = Username::parse(username)?;
        let password = Password::parse(password)?;
        password.check_strength(&[email.as_str(), username.as_str()])?;
        Ok(Self {
            email,
            username,
            password,
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
    /// Held to the registration rules; its strength is checked where the
    /// person is known ([`Password::check_strength`]).
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
    fn passwords_of_8_to_256_characters_whatever_their_bytes() {
        assert!(Password::parse("12345678".into()).is_ok());
        assert_eq!(field(Password::parse("1234567".into())), "password");
        assert!(Password::parse("x".repeat(256)).is_ok());
        assert_eq!(field(Password::parse("x".repeat(257))), "password");
        // 256 Cyrillic letters are 512 bytes; bcrypt alone would read 36.
        assert!(Password::parse("ж".repeat(256)).is_ok());
        assert!(Password::parse("ж".repeat(257)).is_err());
        assert!(Password::parse_existing("ж".repeat(257)).is_err());
        let message = Password::parse("x".repeat(257)).unwrap_err().message;
        assert!(message.contains("256 characters"), "{message}");
    }

    #[test]
    fn passwords_are_nfkc_normalised_before_they_are_counted() {
        let composed = Password::parse("caf\u{e9} au lait".into()).unwrap();
        let decomposed = Password::parse("cafe\u{301} au lait".into()).unwrap();
        assert_eq!(composed.expose(), decomposed.expose());
        assert_eq!(decomposed.expose_as_typed(), "cafe\u{301} au lait");
        // Full-width letters are their ASCII twins.
        assert_eq!(
            Password::parse("\u{ff50}\u{ff41}\u{ff53}\u{ff53}word1".into())
                .unwrap()
                .expose(),
            "password1"
        );
        // Seven characters typed as fourteen code points are still seven.
        assert!(Password::parse("e\u{301}".repeat(7)).is_err());
        // One ligature that NFKC spells out in 18 characters.
        assert_eq!(
            Password::parse("\u{fdfa}".into())
                .unwrap()
                .expose()
                .chars()
                .count(),
            18
        );
        assert!(Password::parse("\u{fdfa}".repeat(15)).is_err());
    }

    #[test]
    fn common_and_personal_passwords_are_weak() {
        let check = |password: &str, personal: &[&str]| {
            Password::parse(password.into())
                .unwrap()
                .check_strength(personal)
        };
        let personal = ["ada.lovelace@example.org", "countess"];
        for weak in [
            "password",
            "12345678",
            "qwertyuiop",
            "vitals2024",
            "Vitals2025!",
            // The username, the email's local part, or a long enough piece
            // of it, in any case.
            "my name is Countess, ok?",
            "ada.lovelace is my name",
            "LoveLace and the engine of 1843",
        ] {
            let refused = check(weak, &personal).unwrap_err();
            assert_eq!(refused.field, "password", "{weak}");
        }
        let message = check("password", &personal).unwrap_err().message;
        assert!(
            message.starts_with("This password is too easy to guess."),
            "{message}"
        );
        assert!(message.contains("top-10"), "{message}");
        let message = check("countess quill harbour", &personal)
            .unwrap_err()
            .message;
        assert!(message.contains("username or email"), "{message}");
        // A three-letter piece (`ada`) is no reason on its own.
        assert!(check("ada knits quiet orbit maps", &personal).is_ok());
        for strong in [
            "correct horse battery staple",
            "Tr0ub4dor&3-plum-kettle",
            "лето у бабушки в деревне",
        ] {
            assert!(check(strong, &personal).is_ok(), "{strong}");
        }
    }

    /// zxcvbn's time grows with the length; it sees only the first 100
    /// characters, so the longest password costs what a 100-character one
    /// does.
    #[test]
    fn the_strength_of_a_long_password_is_quick_to_judge() {
        let long = Password::parse("ab1!".repeat(64)).unwrap();
        let started = std::time::Instant::now();
        let verdict = long.check_strength(&["someone@example.org", "someone"]);
        let took = started.elapsed();
        println!("zxcvbn on 256 characters: {took:?}, {verdict:?}");
        assert!(took < std::time::Duration::from_millis(500), "{took:?}");
    }

    #[test]
    fn the_example_admin_password_is_the_one_in_env_example() {
        let example = include_str!("../../../.env.example");
        assert!(
            example
                .lines()
                .any(|line| line == format!("FIRST_ADMIN_PASSWORD={EXAMPLE_ADMIN_PASSWORD}")),
            "update EXAMPLE_ADMIN_PASSWORD to .env.example's FIRST_ADMIN_PASSWORD"
        );
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
        assert_eq!(field(parse("a@example.org", "ada", "password")), "password");
        assert_eq!(
            field(parse("ada.l@example.org", "adalove", "adalove rides again")),
            "password"
        );
        assert!(parse("a@example.org", "ada", "long enough to be safe").is_ok());
        let signin = SignIn::parse("a@example.org", String::new(), false);
        assert_eq!(field(signin.map(|_| ())), "password");
    }
}
