use async_graphql::{Context, ResultExt};
use tokio::sync::OnceCell;

use crate::auth::{Auth, AuthError, Caller, Need};
use crate::domain::{ClientInfo, User};

/// Per-request facts from HTTP, and the caller, looked up only by fields that
/// need it (so a stale token does not stand in the way of `login`).
pub struct RequestAuth {
    authorization: Option<String>,
    pub client: ClientInfo,
    /// The caller, remembered for the rest of one HTTP request. `None` for a
    /// WebSocket, whose data outlives any single operation: there every
    /// operation checks the token, session and account afresh.
    caller: Option<OnceCell<Caller>>,
}

impl RequestAuth {
    /// For one HTTP request.
    pub fn new(authorization: Option<String>, client: ClientInfo) -> Self {
        Self {
            authorization,
            client,
            caller: Some(OnceCell::new()),
        }
    }

    /// For a WebSocket connection and all the operations it will carry.
    pub fn for_connection(authorization: Option<String>, client: ClientInfo) -> Self {
        Self {
            caller: None,
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

/// The signed-in, active user and their session, or `UNAUTHENTICATED`;
/// `MFA_REQUIRED` (or, for an admin who must set one up,
/// `MFA_ENROLLMENT_REQUIRED`) until the session has passed its second
/// factor.
pub async fn caller(ctx: &Context<'_>) -> async_graphql::Result<Caller> {
    caller_for(ctx, Need::Full).await
}

/// The caller, for a field that needs only `need` (see [`Need`]).
pub async fn caller_for(ctx: &Context<'_>, need: Need) -> async_graphql::Result<Caller> {
    let request = request(ctx);
    let lookup = || async { auth(ctx).authenticate(request.bearer_token()?).await };
    let caller = match &request.caller {
        Some(cell) => cell.get_or_try_init(lookup).await.cloned(),
        None => lookup().await,
    }
    .extend()?;
    auth(ctx).admit(&caller, need).extend()?;
    Ok(caller)
}

/// The signed-in, active user, past any second factor, or the error
/// [`caller`] gives.
pub async fn current_user(ctx: &Context<'_>) -> async_graphql::Result<User> {
    Ok(caller(ctx).await?.user)
}
