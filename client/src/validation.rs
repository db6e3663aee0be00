//! The account forms' rules, as the service enforces them, so that people
//! see a problem before they submit. Each error is a Fluent message id.

/// The service's limit. It counts after Unicode NFKC normalisation, which
/// seldom changes the count; the service has the last word.
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MIN_PASSWORD_CHARS: usize = 8;
const MAX_FULL_NAME_CHARS: usize = 255;

pub fn email(value: &str) -> Option<&'static str> {
    let value = value.trim();
    if value.is_empty() {
        return Some("error-email-required");
    }
    let valid = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.contains('.')
            && !value.chars().any(char::is_whitespace)
            && !domain.contains('@')
    });
    (!valid).then_some("error-email-invalid")
}

pub fn username(value: &str) -> Option<&'static str> {
    let value = value.trim();
    if !(3..=50).contains(&value.chars().count()) {
        return Some("error-username-length");
    }
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    (!allowed).then_some("error-username-chars")
}

/// Optional; blank removes it.
pub fn full_name(value: &str) -> Option<&'static str> {
    let value = value.trim();
    let valid =
        value.chars().count() <= MAX_FULL_NAME_CHARS && !value.chars().any(char::is_control);
    (!valid).then_some("error-full-name")
}

pub fn new_password(value: &str) -> Option<&'static str> {
    if value.chars().count() < MIN_PASSWORD_CHARS {
        Some("error-password-short")
    } else if value.chars().count() > MAX_PASSWORD_CHARS {
        Some("error-password-long")
    } else {
        None
    }
}

pub fn password_confirmation(password: &str, confirmation: &str) -> Option<&'static str> {
    (password != confirmation).then_some("error-password-mismatch")
}

pub fn required_password(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        Some("error-password-required")
    } else if value.chars().count() > MAX_PASSWORD_CHARS {
        Some("error-password-long")
    } else {
        None
    }
}

/// A code as typed, without the spaces and dashes people put in to read
/// it; the service ignores a recovery code's case and dashes.
pub fn compact_code(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// An authenticator's 6 digits.
pub fn authenticator_code(value: &str) -> Option<&'static str> {
    let code = compact_code(value);
    if code.is_empty() {
        Some("error-code-required")
    } else if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        Some("error-authenticator-code")
    } else {
        None
    }
}

/// An authenticator's 6 digits, or a recovery code: 16 letters and digits
/// (`abcd-efgh-jkmn-pqrs`).
pub fn second_factor_code(value: &str) -> Option<&'static str> {
    let code = compact_code(value);
    let recovery = code.len() == 16 && code.chars().all(|c| c.is_ascii_alphanumeric());
    match authenticator_code(value) {
        Some(_) if recovery => None,
        Some("error-authenticator-code") => Some("error-second-factor-code"),
        other => other,
    }
}

/// A passkey's name: something to tell it from the others by.
pub fn passkey_name(value: &str) -> Option<&'static str> {
    let name = value.trim();
    if name.is_empty() {
        Some("error-passkey-name-required")
    } else if name.chars().count() > 100 || name.chars().any(char::is_control) {
        Some("error-passkey-name-long")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_factor_codes() {
        assert_eq!(authenticator_code("123 456"), None);
        assert_eq!(compact_code(" 123 456 "), "123456");
        assert_eq!(authenticator_code(""), Some("error-code-required"));
        for bad in ["12345", "1234567", "12345a", "abcd-efgh-jkmn-pqrs"] {
            assert_eq!(
                authenticator_code(bad),
                Some("error-authenticator-code"),
                "{bad}"
            );
        }
        assert_eq!(second_factor_code("654321"), None);
        assert_eq!(second_factor_code("ABCD-efgh-JKMN-pqrs"), None);
        assert_eq!(second_factor_code("abcd efgh jkmn pqrs"), None);
        assert_eq!(compact_code("abcd-efgh-jkmn-pqrs"), "abcdefghjkmnpqrs");
        assert_eq!(second_factor_code("  "), Some("error-code-required"));
        for bad in [
            "abcd-efgh",
            "abcd-efgh-jkmn-pqrs-tuvw",
            "abcd-efgh-jkmn-pq!s",
            "12345",
        ] {
            assert_eq!(
                second_factor_code(bad),
                Some("error-second-factor-code"),
                "{bad}"
            );
        }
    }

    #[test]
    fn passkey_names() {
        assert_eq!(passkey_name(" Laptop "), None);
        assert_eq!(passkey_name("  "), Some("error-passkey-name-required"));
        assert_eq!(
            passkey_name(&"x".repeat(101)),
            Some("error-passkey-name-long")
        );
        assert_eq!(passkey_name("a\nb"), Some("error-passkey-name-long"));
    }

    #[test]
    fn emails() {
        assert_eq!(email(" ada@example.org "), None);
        assert_eq!(email(""), Some("error-email-required"));
        for bad in [
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a b@example.org",
            "ada@.org",
        ] {
            assert_eq!(email(bad), Some("error-email-invalid"), "{bad}");
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(username("ada"), None);
        assert_eq!(username("ad"), Some("error-username-length"));
        assert_eq!(username(&"a".repeat(51)), Some("error-username-length"));
        assert_eq!(username("ada lovelace"), Some("error-username-chars"));
    }

    #[test]
    fn full_names_on_one_line_up_to_255_characters() {
        assert_eq!(full_name(""), None);
        assert_eq!(full_name("Ада Лавлейс"), None);
        assert_eq!(full_name(&"ж".repeat(255)), None);
        assert_eq!(full_name(&"ж".repeat(256)), Some("error-full-name"));
        assert_eq!(full_name("Ada\nLovelace"), Some("error-full-name"));
    }

    #[test]
    fn passwords_of_8_to_256_characters() {
        assert_eq!(new_password("1234567"), Some("error-password-short"));
        assert_eq!(new_password("12345678"), None);
        assert_eq!(new_password(&"x".repeat(256)), None);
        assert_eq!(new_password(&"x".repeat(257)), Some("error-password-long"));
        // Characters, not bytes: 256 Cyrillic letters are 512 bytes.
        assert_eq!(new_password(&"ж".repeat(256)), None);
        assert_eq!(new_password(&"ж".repeat(257)), Some("error-password-long"));
        assert_eq!(
            required_password(&"ж".repeat(257)),
            Some("error-password-long")
        );
        assert_eq!(
            password_confirmation("a", "b"),
            Some("error-password-mismatch")
        );
        assert_eq!(password_confirmation("a", "a"), None);
        assert_eq!(required_password(""), Some("error-password-required"));
    }
}
