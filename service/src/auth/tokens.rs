//! Access tokens (short-lived JWTs: HS256 by default, or EdDSA or ES256
//! for other services to verify alone) and refresh tokens (long random
//! strings of which only a hash is stored).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::elliptic_curve::zeroize::Zeroizing;
use p256::pkcs8::LineEnding;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AuthError;
use crate::config::{Config, TokenAlgorithm};
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

/// A signing key that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{0}: an EC key in SEC1 form (BEGIN EC PRIVATE KEY); convert it to PKCS#8 with \
         `openssl pkcs8 -topk8 -nocrypt`"
    )]
    Sec1(PathBuf),
    #[error("{0}: not an unencrypted PKCS#8 Ed25519 or P-256 private key (BEGIN PRIVATE KEY)")]
    NotAKey(PathBuf),
    #[error("{path} holds an {found} key, but ACCESS_TOKEN_ALGORITHM is {expected}")]
    WrongAlgorithm {
        path: PathBuf,
        found: TokenAlgorithm,
        expected: TokenAlgorithm,
    },
    #[error("ACCESS_TOKEN_ALGORITHM={0} needs ACCESS_TOKEN_SIGNING_KEY_FILE")]
    MissingKey(TokenAlgorithm),
    #[error(
        "ACCESS_TOKEN_SIGNING_KEY_FILE and ACCESS_TOKEN_VERIFY_ONLY_KEY_FILES are for EdDSA and \
         ES256, but ACCESS_TOKEN_ALGORITHM is HS256 (SECRET_KEY signs)"
    )]
    KeysWithSecret,
    #[error("HS256 signs with SECRET_KEY: make one with `openssl rand -hex 32`")]
    NothingToGenerate,
    #[error("could not make a key: {0}")]
    Generation(String),
}

/// An EdDSA (Ed25519) or ES256 (P-256) key pair: it signs while it is the
/// current key, and verifies, by its `kid`, while it is published.
pub struct KeyPair {
    algorithm: TokenAlgorithm,
    /// RFC 7638 thumbprint: derived from the public key alone, so every
    /// replica given the same file names it alike, and no list of ids has
    /// to be kept in step with the keys.
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The public half as a JWK (RFC 7517, 7518, 8037).
    jwk: serde_json::Value,
}

impl KeyPair {
    /// A PKCS#8 PEM private key, as `openssl genpkey` and `service
    /// gen-signing-key` write it; the algorithm is the key's own.
    pub fn from_pem(pem: &str, path: &Path) -> Result<Self, KeyError> {
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            return Self::ed25519(&key).map_err(|_| KeyError::NotAKey(path.to_owned()));
        }
        if let Ok(key) = p256::SecretKey::from_pkcs8_pem(pem) {
            return Self::p256(&key).map_err(|_| KeyError::NotAKey(path.to_owned()));
        }
        if pem.contains("BEGIN EC PRIVATE KEY") {
            return Err(KeyError::Sec1(path.to_owned()));
        }
        Err(KeyError::NotAKey(path.to_owned()))
    }

    pub fn read(path: &Path) -> Result<Self, KeyError> {
        let pem = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            KeyError::Unreadable {
                path: path.to_owned(),
                source,
            }
        })?);
        Self::from_pem(&pem, path)
    }

    fn ed25519(key: &ed25519_dalek::SigningKey) -> Result<Self, Box<dyn std::error::Error>> {
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        let kid = thumbprint(&format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#));
        Ok(Self {
            algorithm: TokenAlgorithm::EdDsa,
            encoding: EncodingKey::from_ed_der(key.to_pkcs8_der()?.as_bytes()),
            decoding: DecodingKey::from_ed_components(&x)?,
            jwk: serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "x": x,
                "kid": kid, "alg": "EdDSA", "use": "sig",
            }),
            kid,
        })
    }

    fn p256(key: &p256::SecretKey) -> Result<Self, Box<dyn std::error::Error>> {
        let point = key.public_key().to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err("the public key is the identity".into());
        };
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        let kid = thumbprint(&format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#
        ));
        Ok(Self {
            algorithm: TokenAlgorithm::Es256,
            encoding: EncodingKey::from_ec_der(key.to_pkcs8_der()?.as_bytes()),
            decoding: DecodingKey::from_ec_components(&x, &y)?,
            jwk: serde_json::json!({
                "kty": "EC", "crv": "P-256", "x": x, "y": y,
                "kid": kid, "alg": "ES256", "use": "sig",
            }),
            kid,
        })
    }

    pub fn algorithm(&self) -> TokenAlgorithm {
        self.algorithm
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// RFC 7638: base64url(SHA-256) of the key's required members, in
/// lexicographic order and without whitespace (`members`).
fn thumbprint(members: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(members.as_bytes()))
}

/// A new private key for `algorithm` as PKCS#8 PEM, and its `kid`.
pub fn generate_key(algorithm: TokenAlgorithm) -> Result<(Zeroizing<String>, String), KeyError> {
    let failed = |err: &dyn std::fmt::Display| KeyError::Generation(err.to_string());
    let mut seed = Zeroizing::new([0u8; 32]);
    let pem = match algorithm {
        TokenAlgorithm::Hs256 => return Err(KeyError::NothingToGenerate),
        TokenAlgorithm::EdDsa => {
            getrandom::fill(&mut *seed).map_err(|e| failed(&e))?;
            // The seed alone (PKCS#8 v1, RFC 8410 section 7), as openssl
            // writes it: OpenSSL 3.0 refuses the v2 form with the public key
            // that ed25519-dalek's own encoder writes.
            ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: *seed,
                public_key: None,
            }
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| failed(&e))?
        }
        TokenAlgorithm::Es256 => {
            // Out of range (zero, or at least the group order) about once in
            // 2^32 draws: draw again.
            let key = loop {
                getrandom::fill(&mut *seed).map_err(|e| failed(&e))?;
                if let Ok(key) = p256::SecretKey::from_slice(&*seed) {
                    break key;
                }
            };
            key.to_pkcs8_pem(LineEnding::LF).map_err(|e| failed(&e))?
        }
    };
    let kid = KeyPair::from_pem(&pem, Path::new("generated"))?.kid;
    Ok((pem, kid))
}

#[derive(Clone)]
pub struct TokenKeys {
    keys: Keys,
    /// HS256's; each published key has its own, pinned to its algorithm.
    validation: Validation,
    issuer: String,
    ttl: Duration,
}

#[derive(Clone)]
enum Keys {
    /// HS256 with `SECRET_KEY`: no `kid`, nothing published.
    Secret {
        encoding: EncodingKey,
        decoding: DecodingKey,
    },
    /// EdDSA or ES256: the current key (first) signs; every key verifies
    /// the tokens that name it.
    Published {
        /// Boxed: a header is large, and HS256's variant should not carry
        /// its size.
        header: Box<Header>,
        signing: EncodingKey,
        keys: Arc<[Published]>,
        /// The JWK Set, written once.
        jwks: Arc<str>,
    },
}

/// A key as it verifies: its private half, if any, is not kept.
struct Published {
    kid: String,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str, ttl: Duration) -> Self {
        Self {
            keys: Keys::Secret {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
            },
            validation: validation(Algorithm::HS256, issuer),
            issuer: issuer.to_owned(),
            ttl,
        }
    }

    /// Signs with `current`; verifies with it and with `verify_only` (a
    /// key given twice counts once).
    pub fn with_key_pairs(
        current: KeyPair,
        verify_only: Vec<KeyPair>,
        issuer: &str,
        ttl: Duration,
    ) -> Self {
        let mut header = Header::new(algorithm(current.algorithm));
        header.typ = Some(ACCESS_MEDIA_TYPE.to_owned());
        header.kid = Some(current.kid.clone());
        let mut pairs: Vec<KeyPair> = Vec::with_capacity(1 + verify_only.len());
        for pair in std::iter::once(current).chain(verify_only) {
            if !pairs.iter().any(|known| known.kid == pair.kid) {
                pairs.push(pair);
            }
        }
        let jwks = serde_json::json!({
            "keys": pairs.iter().map(|pair| &pair.jwk).collect::<Vec<_>>(),
        })
        .to_string();
        let signing = pairs[0].encoding.clone();
        let keys = pairs
            .into_iter()
            .map(|pair| Published {
                validation: validation(algorithm(pair.algorithm), issuer),
                kid: pair.kid,
                decoding: pair.decoding,
            })
            .collect();
        Self {
            keys: Keys::Published {
                header: Box::new(header),
                signing,
                keys,
                jwks: jwks.into(),
            },
            validation: validation(Algorithm::HS256, issuer),
            issuer: issuer.to_owned(),
            ttl,
        }
    }

    /// The keys `config` names, read from their files; `secret` signs HS256.
    pub fn from_config(config: &Config, secret: &[u8]) -> Result<Self, KeyError> {
        let (issuer, ttl) = (&config.jwt_issuer, config.access_token_ttl());
        let verify_only: Vec<&Path> = config
            .access_token_verify_only_key_files
            .iter()
            .map(PathBuf::as_path)
            .filter(|path| !path.as_os_str().is_empty())
            .collect();
        let expected = config.access_token_algorithm;
        if expected == TokenAlgorithm::Hs256 {
            if config.access_token_signing_key_file.is_some() || !verify_only.is_empty() {
                return Err(KeyError::KeysWithSecret);
            }
            return Ok(Self::new(secret, issuer, ttl));
        }
        let path = config
            .access_token_signing_key_file
            .as_deref()
            .ok_or(KeyError::MissingKey(expected))?;
        let current = KeyPair::read(path)?;
        if current.algorithm != expected {
            return Err(KeyError::WrongAlgorithm {
                path: path.to_owned(),
                found: current.algorithm,
                expected,
            });
        }
        let verify_only = verify_only
            .into_iter()
            .map(KeyPair::read)
            .collect::<Result<_, _>>()?;
        Ok(Self::with_key_pairs(current, verify_only, issuer, ttl))
    }

    /// The public keys as a JWK Set (RFC 7517 section 5); `None` with
    /// HS256, whose key must stay secret.
    pub fn jwks(&self) -> Option<&str> {
        match &self.keys {
            Keys::Secret { .. } => None,
            Keys::Published { jwks, .. } => Some(jwks.as_ref()),
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
        let (header, key) = match &self.keys {
            Keys::Secret { encoding, .. } => {
                let mut header = Header::new(Algorithm::HS256);
                header.typ = Some(ACCESS_MEDIA_TYPE.to_owned());
                (header, encoding)
            }
            Keys::Published {
                header, signing, ..
            } => (Header::clone(header), signing),
        };
        jsonwebtoken::encode(&header, &claims, key).map_err(AuthError::internal)
    }

    /// The claims of an access token signed by us and unexpired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, AuthError> {
        const INVALID: AuthError = AuthError::Unauthenticated("Invalid or expired access token");
        let token = match &self.keys {
            Keys::Secret { decoding, .. } => {
                jsonwebtoken::decode::<Claims>(token, decoding, &self.validation)
            }
            Keys::Published { keys, .. } => {
                // The token names its key; naming none of ours (a dropped
                // key, a stranger's) or none at all is the end of it. Each
                // key checks only its own algorithm.
                let kid = jsonwebtoken::decode_header(token)
                    .map_err(|_| INVALID)?
                    .kid
                    .ok_or(INVALID)?;
                let key = keys.iter().find(|key| key.kid == kid).ok_or(INVALID)?;
                jsonwebtoken::decode::<Claims>(token, &key.decoding, &key.validation)
            }
        }
        .map_err(|_| INVALID)?;
        // RFC 9068 section 4 also allows the full media type.
        let typed = token.header.typ.as_deref().is_some_and(|typ| {
            typ.eq_ignore_ascii_case(ACCESS_MEDIA_TYPE)
                || typ.eq_ignore_ascii_case("application/at+jwt")
        });
        if !typed || token.claims.typ != ACCESS_TYPE {
            return Err(INVALID);
        }
        if token.claims.exp < now.timestamp() - EXPIRY_LEEWAY_SECONDS {
            return Err(INVALID);
        }
        Ok(token.claims)
    }
}

fn algorithm(algorithm: TokenAlgorithm) -> Algorithm {
    match algorithm {
        TokenAlgorithm::Hs256 => Algorithm::HS256,
        TokenAlgorithm::EdDsa => Algorithm::EdDSA,
        TokenAlgorithm::Es256 => Algorithm::ES256,
    }
}

/// Pinned to one algorithm: `alg: none` and every other algorithm fail here.
fn validation(algorithm: Algorithm, issuer: &str) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[issuer]);
    validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
    // `verify` checks `exp` against the time it is given, the service's
    // `Clock`, as every other lifetime is checked: jsonwebtoken would read
    // the system clock.
    validation.validate_exp = false;
    validation
}

/// Tokens are checked by the servers that issued them; this allows for
/// small clock differences between replicas only.
const EXPIRY_LEEWAY_SECONDS: i64 = 5;

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
        let claims = keys().verify(&token, now).unwrap();
        assert_eq!(
            (claims.sub, claims.sid, claims.role, claims.aal),
            (user, session, Role::Admin, 2)
        );
        assert_eq!(claims.auth_time, now.timestamp());
        assert_eq!(claims.exp - claims.iat, 15 * 60);
    }

    #[test]
    fn a_token_expires_by_the_time_it_is_checked_at() {
        let now = Utc::now();
        let token = keys()
            .issue(UserId::new(), SessionId::new(), Role::User, fresh(now), now)
            .unwrap();
        let expiry = now + Duration::minutes(15);
        let leeway = Duration::seconds(EXPIRY_LEEWAY_SECONDS);
        assert!(keys().verify(&token, expiry + leeway).is_ok());
        assert!(
            keys()
                .verify(&token, expiry + leeway + Duration::seconds(1))
                .is_err()
        );
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
        assert!(keys().verify(&forged, now).is_err());

        let old = keys().issue(
            UserId::new(),
            SessionId::new(),
            Role::User,
            fresh(now),
            now - Duration::hours(1),
        );
        assert!(keys().verify(&old.unwrap(), now).is_err());

        let other_issuer = TokenKeys::new(
            b"0123456789abcdef0123456789abcdef",
            "elsewhere",
            Duration::minutes(15),
        );
        let foreign = other_issuer
            .issue(UserId::new(), SessionId::new(), Role::User, fresh(now), now)
            .unwrap();
        assert!(keys().verify(&foreign, now).is_err());

        let refresh = new_refresh_token().unwrap();
        assert!(keys().verify(&refresh, now).is_err());
    }

    fn pair(algorithm: TokenAlgorithm) -> KeyPair {
        let (pem, kid) = generate_key(algorithm).unwrap();
        let pair = KeyPair::from_pem(&pem, Path::new("test.pem")).unwrap();
        assert_eq!((pair.algorithm(), pair.kid()), (algorithm, kid.as_str()));
        pair
    }

    fn signed_by(pair: KeyPair, verify_only: Vec<KeyPair>) -> TokenKeys {
        TokenKeys::with_key_pairs(pair, verify_only, "test", Duration::minutes(15))
    }

    #[test]
    fn key_ids_are_rfc_7638_thumbprints() {
        // RFC 8037 appendix A.3: the thumbprint of appendix A.2's key.
        let members =
            r#"{"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
        assert_eq!(
            thumbprint(members),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        // RFC 8037 appendix A.1's private key, as PKCS#8 (RFC 8410 section 7).
        let der = hex::decode(
            "302e020100300506032b657004220420\
             9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        )
        .unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(der)
        );
        let pair = KeyPair::from_pem(&pem, Path::new("rfc8037.pem")).unwrap();
        assert_eq!(pair.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        assert_eq!(pair.jwk["x"], "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    }

    #[test]
    fn asymmetric_tokens_name_their_key_and_verify_by_it() {
        let now = Utc::now();
        for algorithm in [TokenAlgorithm::EdDsa, TokenAlgorithm::Es256] {
            let keys = signed_by(pair(algorithm), vec![]);
            let token = keys
                .issue(UserId::new(), SessionId::new(), Role::User, fresh(now), now)
                .unwrap();
            let header = jsonwebtoken::decode_header(&token).unwrap();
            let jwks: serde_json::Value = serde_json::from_str(keys.jwks().unwrap()).unwrap();
            assert_eq!(header.kid.as_deref(), jwks["keys"][0]["kid"].as_str());
            assert_eq!(header.alg, self::algorithm(algorithm));
            assert!(keys.verify(&token, now).is_ok(), "{algorithm}");
            // Another key of the same kind is a stranger.
            assert!(
                signed_by(pair(algorithm), vec![])
                    .verify(&token, now)
                    .is_err()
            );
        }
        assert!(keys().jwks().is_none(), "HS256 publishes nothing");
    }

    #[test]
    fn generated_ed25519_keys_are_pkcs8_v1_as_openssl_reads_them() {
        let (pem, _) = generate_key(TokenAlgorithm::EdDsa).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        assert_eq!(der.len(), 48, "the 16-byte RFC 8410 prefix and the seed");
        assert_eq!(hex::encode(&der[..16]), "302e020100300506032b657004220420");
    }

    #[test]
    fn keys_are_refused_for_what_they_are_not() {
        let path = Path::new("k.pem");
        assert!(matches!(
            KeyPair::from_pem(
                "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----",
                path
            ),
            Err(KeyError::Sec1(_))
        ));
        assert!(matches!(
            KeyPair::from_pem("not a key", path),
            Err(KeyError::NotAKey(_))
        ));
        assert!(matches!(
            generate_key(TokenAlgorithm::Hs256),
            Err(KeyError::NothingToGenerate)
        ));
    }

    /// This thread's CPU time: other work on a shared machine leaves it be.
    fn thread_cpu() -> std::time::Duration {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid timespec for the call to fill.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
        std::time::Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
    }

    /// Figures for the docs, not a check: `cargo test -p service --lib
    /// verify_cost -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement"]
    fn verify_cost_per_algorithm() {
        let now = Utc::now();
        let rounds = 2_000;
        for (name, keys) in [
            ("HS256", keys()),
            ("EdDSA", signed_by(pair(TokenAlgorithm::EdDsa), vec![])),
            ("ES256", signed_by(pair(TokenAlgorithm::Es256), vec![])),
        ] {
            let token = keys
                .issue(UserId::new(), SessionId::new(), Role::User, fresh(now), now)
                .unwrap();
            let started = thread_cpu();
            for _ in 0..rounds {
                keys.verify(std::hint::black_box(&token), now).unwrap();
            }
            let verify = (thread_cpu() - started) / rounds;
            let started = thread_cpu();
            for _ in 0..rounds {
                keys.issue(UserId::new(), SessionId::new(), Role::User, fresh(now), now)
                    .unwrap();
            }
            let issue = (thread_cpu() - started) / rounds;
            println!(
                "{name}: CPU per verify {verify:?}, per issue {issue:?}; {} bytes",
                token.len()
            );
        }
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
