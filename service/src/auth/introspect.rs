//! Token introspection (RFC 7662): for services that must see a session end
//! at once, rather than when the access token expires.

use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use uuid::Uuid;

use super::{Auth, AuthError};
use crate::domain::{Role, SessionId, UserId};

/// A caller that proved itself one of `INTROSPECTION_CLIENTS`: only
/// [`Auth::introspection_client`] makes one, so nothing can introspect a
/// token without having checked who asks.
#[derive(Debug)]
pub struct Introspector {
    pub id: String,
}

/// The answer of RFC 7662 section 2.2. An inactive token says nothing more,
/// whatever the reason (malformed, forged, expired, its session ended).
#[derive(Debug, Serialize)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten)]
    pub token: Option<ActiveToken>,
}

#[derive(Debug, Serialize)]
pub struct ActiveToken {
    /// RFC 6749 section 7.1's type: how the token is presented.
    pub token_type: &'static str,
    pub sub: UserId,
    pub username: String,
    /// From the account, as the service's own guards read it, not from the
    /// token (which may be up to its lifetime older).
    pub role: Role,
    pub sid: SessionId,
    /// The session's assurance level now (1: a password only, which may
    /// still owe a second factor; 2: a second factor or a passkey).
    pub aal: u8,
    pub auth_time: i64,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: Uuid,
}

impl Introspection {
    fn inactive() -> Self {
        Self {
            active: false,
            token: None,
        }
    }
}

impl Auth {
    /// The introspection client `id` with `secret`, if they match one
    /// configured. Every client is compared, each in constant time, so the
    /// time taken tells nothing of the secret (and only the SHA-256 of each
    /// secret is configured: high-entropy secrets need no slow hash).
    pub fn introspection_client(&self, id: &str, secret: &str) -> Option<Introspector> {
        let presented: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let mut matched = Choice::from(0);
        for client in self.introspection_clients.iter() {
            matched |= client.id.as_bytes().ct_eq(id.as_bytes())
                & client.secret_sha256.as_slice().ct_eq(presented.as_slice());
        }
        bool::from(matched).then(|| Introspector { id: id.to_owned() })
    }

    /// What `token` is, for `_by`. Live means what it means to every request
    /// here: [`Auth::authenticate`] accepts it (signature, expiry, the
    /// session and the account). Refresh tokens are never active: they are
    /// only ever presented to this service, by the client that holds them,
    /// so a service asking about one holds one it should not, and an answer
    /// would make this endpoint an oracle for stolen ones.
    pub async fn introspect(
        &self,
        _by: &Introspector,
        token: &str,
    ) -> Result<Introspection, AuthError> {
        let caller = match self.authenticate(token).await {
            Ok(caller) => caller,
            Err(AuthError::Unauthenticated(_)) => return Ok(Introspection::inactive()),
            Err(err) => return Err(err),
        };
        // `authenticate` keeps only who the token speaks for; its times are
        // read again (a token that expired in between is inactive).
        let Ok(claims) = self.keys.verify(token, self.now()) else {
            return Ok(Introspection::inactive());
        };
        Ok(Introspection {
            active: true,
            token: Some(ActiveToken {
                token_type: "Bearer",
                sub: caller.user.id,
                username: caller.user.username,
                role: caller.user.role,
                sid: caller.session,
                aal: caller.assurance.aal.level(),
                auth_time: caller.assurance.auth_time.timestamp(),
                iat: claims.iat,
                exp: claims.exp,
                iss: claims.iss,
                aud: claims.aud,
                jti: claims.jti,
            }),
        })
    }
}
