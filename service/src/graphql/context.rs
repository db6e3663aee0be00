use async_graphql::{Context, ResultExt};
use tokio::sync::OnceCell;

use crate::auth::{Auth, AuthError, ClientInfo};
use crate::storage::users::User;

/// Per-request facts from HTTP, and the caller's identity, looked up at most
/// once per request and only by fields that need it (so a stale token does not
/// stand in the way of `login`).
pub struct RequestAuth {
    authorization: Option<String>,
    pub client: ClientInfo,
    user: OnceCell<User>,
}

impl RequestAuth {
    pub fn new(authorization: Option<String>, client: ClientInfo) -> Self {
        Self {
            authorization,
            client,
            user: OnceCell::new(),
        }
    }

    fn bearer_token(&self) -> Result<&str, AuthError> {
        let header = self
            .authorization
            .as_deref()
            .ok_or(AuthError::Unauthenticated("Sign in to continue"))?;
        let (scheme, token) = header
            .split_once(' ')
            .ok_or(AuthError::Unauthenticated("Malformed Authorization header"))?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(AuthError::Unauthenticated("Malformed Authorization header"));
        }
        Ok(token.trim())
    }
}

pub fn auth<'a>(ctx: &Context<'a>) -> &'a Auth {
    ctx.data_unchecked::<Auth>()
}

pub fn request<'a>(ctx: &Context<'a>) -> &'a RequestAuth {
    ctx.data_unchecked::<RequestAuth>()
}

/// The signed-in, active user, or `UNAUTHENTICATED`.
pub async fn current_user<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a User> {
    let request = request(ctx);
    request
        .user
        .get_or_try_init(|| async { auth(ctx).authenticate(request.bearer_token()?).await })
        .await
        .extend()
}
