//! Second factors: how strongly a session's owner proved themselves
//! ([`Aal`], [`Assurance`]) and the codes people type ([`MfaCode`]).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::InvalidInput;

/// The authentication assurance level of a session (NIST SP 800-63B's AAL,
/// as Supabase Auth and Ory Kratos carry it): a password alone is `One`; a
/// second factor after it, or a passkey on its own, is `Two`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Aal {
    One,
    Two,
}

impl Aal {
    pub fn level(self) -> u8 {
        match self {
            Aal::One => 1,
            Aal::Two => 2,
        }
    }

    /// The stored level; anything but 2 is the weaker one.
    pub fn from_level(level: i64) -> Self {
        if level == 2 { Aal::Two } else { Aal::One }
    }
}

/// How a session's owner last proved themselves, and when (`auth_time` of
/// OpenID Connect): what step-up checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assurance {
    pub aal: Aal,
    pub auth_time: DateTime<Utc>,
}

/// The characters of a recovery code: Crockford's base32 alphabet, lower
/// case (no i, l, o or u to misread).
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
const RECOVERY_CHARS: usize = 16;

/// A second factor as typed: six digits from an authenticator app, or a
/// recovery code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MfaCode {
    Totp(TotpCode),
    Recovery(RecoveryCode),
}

impl MfaCode {
    /// Spaces and dashes are ignored, and the case of a recovery code.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let compact = compact(raw);
        if let Ok(code) = TotpCode::parse(&compact) {
            return Ok(Self::Totp(code));
        }
        RecoveryCode::parse(&compact)
            .map(Self::Recovery)
            .map_err(|_| {
                InvalidInput::new(
                    "code",
                    "Enter the 6-digit code from your authenticator app, or a recovery code",
                )
            })
    }
}

/// Six digits (RFC 6238 with the usual settings: SHA-1, 30 s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotpCode(String);

impl TotpCode {
    pub const DIGITS: usize = 6;

    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let code = compact(raw);
        if code.len() == Self::DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(code))
        } else {
            Err(InvalidInput::new(
                "code",
                "Enter the 6-digit code from your authenticator app",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A single-use code for when the authenticator is lost: 16 characters of
/// base32 (80 random bits), shown as four groups of four.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl RecoveryCode {
    /// A code from 10 random bytes.
    pub fn from_random(bytes: [u8; 10]) -> Self {
        let mut bits = u128::from_be_bytes({
            let mut wide = [0u8; 16];
            wide[6..].copy_from_slice(&bytes);
            wide
        });
        let mut code = vec![0u8; RECOVERY_CHARS];
        for slot in code.iter_mut().rev() {
            *slot = RECOVERY_ALPHABET[(bits & 31) as usize];
            bits >>= 5;
        }
        Self(String::from_utf8(code).expect("the alphabet is ASCII"))
    }

    fn parse(compact: &str) -> Result<Self, InvalidInput> {
        let code = compact.to_ascii_lowercase();
        if code.len() == RECOVERY_CHARS && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
            Ok(Self(code))
        } else {
            Err(InvalidInput::new("code", "This is not a recovery code"))
        }
    }

    /// What is stored: with 80 random bits, a plain SHA-256 cannot be
    /// searched back, as for refresh tokens.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// As shown to its owner: `abcd-efgh-jkmn-pqrs`.
    pub fn display(&self) -> String {
        let groups: Vec<&str> = (0..RECOVERY_CHARS)
            .step_by(4)
            .map(|at| &self.0[at..at + 4])
            .collect();
        groups.join("-")
    }
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(..)")
    }
}

fn compact(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_as_typed() {
        assert_eq!(
            MfaCode::parse(" 123 456 "),
            Ok(MfaCode::Totp(TotpCode("123456".into())))
        );
        let recovery = RecoveryCode::from_random([7; 10]);
        let typed = recovery.display().to_uppercase();
        assert_eq!(MfaCode::parse(&typed), Ok(MfaCode::Recovery(recovery)));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "abcd-efgh-ijkl-mnop",
            "0000",
        ] {
            let err = MfaCode::parse(bad).unwrap_err();
            assert_eq!(err.field, "code", "{bad:?}");
        }
    }

    #[test]
    fn recovery_codes_carry_all_eighty_bits() {
        let zero = RecoveryCode::from_random([0; 10]);
        let ones = RecoveryCode::from_random([0xff; 10]);
        assert_eq!(zero.display(), "0000-0000-0000-0000");
        assert_eq!(ones.display(), "zzzz-zzzz-zzzz-zzzz");
        let mut one_bit = [0u8; 10];
        one_bit[0] = 0x80;
        assert_eq!(
            RecoveryCode::from_random(one_bit).display(),
            "g000-0000-0000-0000"
        );
        assert_ne!(zero.hash(), ones.hash());
    }
}
