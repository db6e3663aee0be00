use async_graphql::{Context, ResultExt};
use tokio::sync::OnceCell;

use crate::auth::{Auth, AuthError, ClientInfo};
use crate::storage::users::User;

/// Per-request facts from HTTP, and the caller's identity, looked up only by
/// fields that need it (so a stale token does not stand in the way of `login`).
pub struct RequestAuth {
    authorization: Option<String>,
    pub client: ClientInfo,
    /// The identity, remembered for the rest of one HTTP request. `None` for a
    /// WebSocket, whose data outlives any single operation: there every
    /// operation checks the token, session and account afresh.
    user: Option<OnceCell<User>>,
}

impl RequestAuth {
    /// For one HTTP request.
    pub fn new(authorization: Option<String>, client: ClientInfo) -> Self {
        Self {
            authorization,
            client,
            user: Some(OnceCell::new()),
        }
    }

    /// For a WebSocket connection and all the operations it will carry.
    pub fn for_connection(authorization: Option<String>, client: ClientInfo) -> Self {
        Self {
            user: None,
            ..Self::new(authorization, client)
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
pub async fn current_user(ctx: &Context<'_>) -> async_graphql::Result<User> {
    let request = request(ctx);
    let lookup = || async { auth(ctx).authenticate(request.bearer_token()?).await };
    match &request.user {
        Some(cell) => cell.get_or_try_init(lookup).await.cloned(),
        None => lookup().await,
    }
    .extend()
}

/// The signed-in, active user and the session their token belongs to, checked
/// afresh (for subscriptions, which outlive any one request).
pub async fn current_session(ctx: &Context<'_>) -> async_graphql::Result<(User, uuid::Uuid)> {
    let token = request(ctx).bearer_token().extend()?;
    auth(ctx).authenticate_session(token).await.extend()
}
