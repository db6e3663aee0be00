//! Access tokens (short-lived HS256 JWTs) and refresh tokens (long random
//! strings of which only a hash is stored).

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AuthError;
use crate::domain::{Assurance, Role, SessionId, UserId};

/// The `typ` claim of access tokens: no other kind of token we might sign
/// later can stand in for one.
const ACCESS_TYPE: &str = "access";
/// The header `typ` of access tokens (RFC 9068 section 2.1): a verifier can
/// tell them from any other JWT signed with the key before reading a claim
/// (RFC 8725 section 3.11).
const ACCESS_MEDIA_TYPE: &str = "at+jwt";
const REFRESH_TOKEN_BYTES: usize = 64;
const LINK_TOKEN_BYTES: usize = 32;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    /// The session this token was issued for; it dies with the session.
    pub sid: SessionId,
    pub role: Role,
    /// The session's assurance level (1: a password; 2: a second factor or
    /// a passkey) and when its owner last proved themselves (OpenID
    /// Connect's `auth_time`), for services that read the token; this one
    /// reads both from the session.
    pub aal: u8,
    pub auth_time: i64,
    pub typ: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str, ttl: Duration) -> Self {
        // Pinned to HS256: `alg: none` and every other algorithm fail here.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        // Tokens are checked by the servers that issued them; allow for small
        // clock differences between replicas only.
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            ttl,
        }
    }

    pub fn issue(
        &self,
        user_id: UserId,
        session_id: SessionId,
        role: Role,
        assurance: Assurance,
        now: DateTime<Utc>,
    ) -> Result<String, AuthError> {
        let claims = Claims {
            sub: user_id,
            sid: session_id,
            role,
            aal: assurance.aal.level(),
            auth_time: assurance.auth_time.timestamp(),
            typ: ACCESS_TYPE.to_owned(),
            iss: self.issuer.clone(),
            aud: self.issuer.clone(),
            iat: now.timestamp(),
            exp: (now + self.ttl).timestamp(),
            jti: Uuid::new_v4(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_MEDIA_TYPE.to_owned());
        jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(AuthError::internal)
    }

    /// The claims of a valid, unexpired access token signed by us.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        const INVALID: AuthError = AuthError::Unauthenticated("Invalid or expired access token");
        let token = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| INVALID)?;
        // RFC 9068 section 4 also allows the full media type.
        let typed = token.header.typ.as_deref().is_some_and(|typ| {
            typ.eq_ignore_ascii_case(ACCESS_MEDIA_TYPE)
                || typ.eq_ignore_ascii_case("application/at+jwt")
        });
        if !typed || token.claims.typ != ACCESS_TYPE {
            return Err(INVALID);
        }
        Ok(token.claims)
    }
}

/// A fresh opaque refresh token: 64 bytes from the OS CSPRNG, hex-encoded.
pub fn new_refresh_token() -> Result<String, AuthError> {
    random_hex::<REFRESH_TOKEN_BYTES>()
}

/// A fresh token for a link sent by mail: 32 bytes, hex-encoded, short
/// enough for a URL and still beyond guessing.
pub fn new_link_token() -> Result<String, AuthError> {
    random_hex::<LINK_TOKEN_BYTES>()
}

fn random_hex<const N: usize>() -> Result<String, AuthError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::internal(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// What the database stores in place of a refresh or link token. A plain
/// SHA-256 is enough: with 256 bits or more of entropy nothing can be
/// guessed, so a slow hash would buy nothing.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Cheap shape checks, to refuse junk without touching the database.
pub fn looks_like_refresh_token(token: &str) -> bool {
    is_hex_of(token, REFRESH_TOKEN_BYTES)
}

pub fn looks_like_link_token(token: &str) -> bool {
    is_hex_of(token, LINK_TOKEN_BYTES)
}

fn is_hex_of(token: &str, bytes: usize) -> bool {
    token.len() == bytes * 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(now: DateTime<Utc>) -> Assurance {
        Assurance {
            aal: crate::domain::Aal::Two,
            auth_time: now,
        }
    }

    fn keys() -> TokenKeys {
        TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            "test",
            Duration::minutes(15),
        )
    }

    #[test]
    fn issued_tokens_verify_with_their_claims() {
        let (user, session) = (UserId::new(), SessionId::new());
        let now = Utc::now();
        let token = keys()
            .issue(user, session, Role::Admin, fresh(now), now)
            .unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!(
            (claims.sub, claims.sid, claims.role, claims.aal),
            (user, session, Role::Admin, 2)
        );
        assert_eq!(claims.auth_time, now.timestamp());
        assert_eq!(claims.exp - claims.iat, 15 * 60);
    }

    #[test]
    fn foreign_expired_and_refresh_tokens_are_refused() {
        let now = Utc::now();
        let other = TokenKeys::new(
            b"another-secret-another-secret-xx",
            "test",
            Duration::minutes(15),
        );
        let forged = other
            .issue(UserId::new(), SessionId::new(), Role::User, fresh(now), now)
            .unwrap();
        assert!(keys().verify(&forged).is_err());

        let old = keys().issue(
            UserId::new(),
            SessionId::new(),
            Role::User,
            fresh(now),
            now - Duration::hours(1),
        );
        assert!(keys().verify(&old.unwrap()).is_err());

        let other_issuer = TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            "elsewhere",
            Duration::minutes(15),
        );
        let foreign = other_issuer
            .issue(UserId::new(), SessionId::new(), Role::User, fresh(now), now)
            .unwrap();
        assert!(keys().verify(&foreign).is_err());

        let refresh = new_refresh_token().unwrap();
        assert!(keys().verify(&refresh).is_err());
    }

    #[test]
    fn refresh_tokens_are_128_hex_chars_and_unique() {
        let (a, b) = (new_refresh_token().unwrap(), new_refresh_token().unwrap());
        assert!(looks_like_refresh_token(&a));
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
        assert!(!looks_like_refresh_token("not-a-token"));
        let link = new_link_token().unwrap();
        assert!(looks_like_link_token(&link) && !looks_like_refresh_token(&link));
    }
}
