//! The one way the client talks to the service: typed operations generated
//! from `../schema.graphql` by graphql_client, sent with the access token, and
//! on `UNAUTHENTICATED` retried once after a refresh that is shared by every
//! call in this tab and serialized across tabs.

use std::rc::Rc;

use dioxus::prelude::*;
use graphql_client::GraphQLQuery;
use wasm_bindgen::prelude::*;

use crate::state::{AuthState, Tokens, User};

// The schema's UUID scalar, as the client sees it.
#[allow(clippy::upper_case_acronyms)]
type UUID = String;

macro_rules! operation {
    ($name:ident) => {
        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "../schema.graphql",
            query_path = "graphql/operations.graphql",
            response_derives = "Debug, Clone, PartialEq",
            variables_derives = "Debug, Clone"
        )]
        pub struct $name;
    };
}
operation!(Register);
operation!(Login);
operation!(RefreshToken);
operation!(Logout);
operation!(Me);

/// Why a call failed, by the service's stable `extensions.code`.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    BadInput { field: Option<String> },
    Conflict { field: Option<String> },
    RateLimited,
    Network,
    Server,
}

impl ApiError {
    fn from_code(code: &str, field: Option<String>) -> Self {
        match code {
            "UNAUTHENTICATED" => Self::Unauthenticated,
            "INVALID_CREDENTIALS" => Self::InvalidCredentials,
            "FORBIDDEN" => Self::Forbidden,
            "BAD_USER_INPUT" => Self::BadInput { field },
            "CONFLICT" => Self::Conflict { field },
            "RATE_LIMITED" => Self::RateLimited,
            _ => Self::Server,
        }
    }

    /// The Fluent message id that explains this error to a person.
    pub fn message_id(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "error-session-ended",
            Self::InvalidCredentials => "error-invalid-credentials",
            Self::Forbidden => "error-forbidden",
            Self::BadInput { field } => match field.as_deref() {
                Some("email") => "error-email-invalid",
                Some("username") => "error-username-chars",
                Some("password") => "error-password-rules",
                _ => "error-bad-input",
            },
            Self::Conflict { field } if field.as_deref() == Some("email") => "error-email-taken",
            Self::Conflict { .. } => "error-username-taken",
            Self::RateLimited => "error-rate-limited",
            Self::Network => "error-network",
            Self::Server => "error-server",
        }
    }

    /// The form field the error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadInput { field } | Self::Conflict { field } => field.as_deref(),
            _ => None,
        }
    }

    fn from_errors(errors: &[graphql_client::Error]) -> Self {
        let Some(first) = errors.first() else {
            return Self::Server;
        };
        let extension = |key: &str| {
            first
                .extensions
                .as_ref()
                .and_then(|ext| ext.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        match extension("code") {
            Some(code) => Self::from_code(&code, extension("field")),
            None => Self::Server,
        }
    }
}

/// What a call that was refused as `UNAUTHENTICATED` should do next.
#[derive(Debug, PartialEq)]
pub enum Recovery {
    /// Another call or tab already refreshed: use the tokens it stored.
    Adopt(Tokens),
    /// Trade this refresh token for a new pair.
    Refresh(String),
    /// Nothing to refresh with: the session is over.
    SignOut,
}

/// Decides, from the tokens a call used and those now stored, how to recover.
pub fn recovery(used: Option<&Tokens>, stored: Option<&Tokens>) -> Recovery {
    match (used, stored) {
        (_, None) => Recovery::SignOut,
        (Some(used), Some(stored)) if used == stored => {
            Recovery::Refresh(stored.refresh_token.clone())
        }
        (None, Some(stored)) | (Some(_), Some(stored)) => Recovery::Adopt(stored.clone()),
    }
}

/// Sends one operation; a GraphQL error becomes an [`ApiError`].
async fn send<Q: GraphQLQuery>(
    variables: Q::Variables,
    access_token: Option<&str>,
) -> Result<Q::ResponseData, ApiError> {
    let mut request = gloo_net::http::Request::post("/graphql");
    if let Some(token) = access_token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = request
        .json(&Q::build_query(variables))
        .map_err(|_| ApiError::Server)?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(match response.status() {
            429 => ApiError::RateLimited,
            502..=504 => ApiError::Network,
            _ => ApiError::Server,
        });
    }
    let body: graphql_client::Response<Q::ResponseData> =
        response.json().await.map_err(|_| ApiError::Server)?;
    match (body.data, body.errors) {
        (_, Some(errors)) if !errors.is_empty() => Err(ApiError::from_errors(&errors)),
        (Some(data), _) => Ok(data),
        (None, _) => Err(ApiError::Server),
    }
}

/// The client's handle on the service, shared through context.
#[derive(Clone, Copy)]
pub struct Api {
    auth: Signal<AuthState>,
}

impl Api {
    pub fn new(auth: Signal<AuthState>) -> Self {
        Self { auth }
    }

    fn set_auth(&self, state: AuthState) {
        state.save();
        let mut auth = self.auth;
        auth.set(state);
    }

    fn start_session(&self, user: impl Into<User>, access_token: String, refresh_token: String) {
        let tokens = Tokens {
            access_token,
            refresh_token,
        };
        self.set_auth(AuthState::signed_in(user.into(), tokens));
    }

    fn sign_out_locally(&self) {
        self.set_auth(AuthState::default());
    }

    pub async fn login(
        &self,
        email: &str,
        password: &str,
        remember_me: bool,
    ) -> Result<(), ApiError> {
        let variables = login::Variables {
            input: login::LoginInput {
                email: email.trim().to_owned(),
                password: password.to_owned(),
                remember_me,
            },
        };
        let payload = send::<Login>(variables, None).await?.login;
        self.start_session(payload.user, payload.access_token, payload.refresh_token);
        Ok(())
    }

    pub async fn register(
        &self,
        email: &str,
        username: &str,
        password: &str,
        full_name: &str,
    ) -> Result<(), ApiError> {
        let full_name = full_name.trim();
        let variables = register::Variables {
            input: register::RegisterInput {
                email: email.trim().to_owned(),
                username: username.trim().to_owned(),
                password: password.to_owned(),
                full_name: (!full_name.is_empty()).then(|| full_name.to_owned()),
            },
        };
        let payload = send::<Register>(variables, None).await?.register;
        self.start_session(payload.user, payload.access_token, payload.refresh_token);
        Ok(())
    }

    /// The signed-in user, fresh from the service.
    pub async fn me(&self) -> Result<User, ApiError> {
        Ok(self.authorized::<Me>(me::Variables).await?.me.into())
    }

    /// Sends an operation that needs the access token, refreshing once if the
    /// service says it is no longer valid.
    async fn authorized<Q: GraphQLQuery>(
        &self,
        variables: Q::Variables,
    ) -> Result<Q::ResponseData, ApiError>
    where
        Q::Variables: Clone,
    {
        let used = self.auth.peek().tokens.clone();
        let token = used.as_ref().map(|t| t.access_token.clone());
        match send::<Q>(variables.clone(), token.as_deref()).await {
            Err(ApiError::Unauthenticated) => {
                let tokens = self.refreshed(used).await?;
                let retried = send::<Q>(variables, Some(&tokens.access_token)).await;
                if matches!(retried, Err(ApiError::Unauthenticated)) {
                    self.sign_out_locally();
                }
                retried
            }
            other => other,
        }
    }

    /// New tokens after `used` was refused: one refresh at a time, in this
    /// tab and across tabs; whoever comes second adopts what the first stored.
    /// Never touches a session that is no longer the caller's (signed out, or
    /// another user signed in from another tab meanwhile).
    async fn refreshed(&self, used: Option<Tokens>) -> Result<Tokens, ApiError> {
        let caller = user_id(&self.auth.peek());
        let still_caller = {
            let caller = caller.clone();
            move |state: &AuthState| user_id(state) == caller
        };
        let outcome = exclusive(async move {
            let stored = AuthState::load();
            if !still_caller(&stored) {
                return Err(ApiError::Unauthenticated);
            }
            let refresh_token = match recovery(used.as_ref(), stored.tokens.as_ref()) {
                Recovery::Adopt(tokens) => return Ok(tokens),
                Recovery::SignOut => return Err(ApiError::Unauthenticated),
                Recovery::Refresh(refresh_token) => refresh_token,
            };
            let variables = refresh_token::Variables { refresh_token };
            let pair = match send::<RefreshToken>(variables, None).await {
                Ok(data) => data.refresh_token,
                // Refused, but another tab (one without Web Locks) may have
                // rotated first and stored the newer pair: use it if so.
                Err(ApiError::Unauthenticated) => {
                    let now = AuthState::load();
                    return match recovery(used.as_ref(), now.tokens.as_ref()) {
                        Recovery::Adopt(tokens) if still_caller(&now) => Ok(tokens),
                        _ => Err(ApiError::Unauthenticated),
                    };
                }
                Err(other) => return Err(other),
            };
            let tokens = Tokens {
                access_token: pair.access_token,
                refresh_token: pair.refresh_token,
            };
            // Store the pair only over the state it replaces.
            let mut now = AuthState::load();
            if now.tokens == stored.tokens {
                now.tokens = Some(tokens.clone());
                now.save();
            }
            Ok(tokens)
        })
        .await
        .unwrap_or(Err(ApiError::Network));
        // Show the state as it is now, whoever stored it.
        let mut auth = self.auth;
        auth.set(AuthState::load());
        if outcome == Err(ApiError::Unauthenticated) && user_id(&AuthState::load()) == caller {
            self.sign_out_locally();
        }
        outcome
    }

    /// Ends the session on the service (best effort) and here. Waits for a
    /// refresh in flight, so the token sent is the live one.
    pub async fn logout(&self) {
        let api = *self;
        let _ = exclusive(async move {
            let tokens = AuthState::load().tokens;
            api.sign_out_locally();
            if let Some(tokens) = tokens {
                let variables = logout::Variables {
                    refresh_token: tokens.refresh_token,
                };
                let _ = send::<Logout>(variables, None).await;
            }
        })
        .await;
        // Also when the browser refused the lock and the work never ran.
        self.sign_out_locally();
    }
}

fn user_id(state: &AuthState) -> Option<String> {
    state.user.as_ref().map(|u| u.id.clone())
}

macro_rules! user_conversion {
    ($module:ident) => {
        impl From<$module::UserFields> for User {
            fn from(u: $module::UserFields) -> Self {
                Self {
                    id: u.id,
                    email: u.email,
                    username: u.username,
                    full_name: u.full_name,
                    is_admin: matches!(u.role, $module::Role::ADMIN),
                }
            }
        }
    };
}
user_conversion!(login);
user_conversion!(register);
user_conversion!(me);

#[wasm_bindgen(inline_js = "
export function has_web_locks() {
  return typeof navigator !== 'undefined' && !!(navigator.locks && navigator.locks.request);
}
export function with_web_lock(name, work) {
  return navigator.locks.request(name, () => work());
}")]
extern "C" {
    fn has_web_locks() -> bool;
    fn with_web_lock(name: &str, work: &JsValue) -> js_sys::Promise;
}

thread_local! {
    static IN_TAB: Rc<futures::lock::Mutex<()>> = Rc::new(futures::lock::Mutex::new(()));
}

/// Runs `work` while holding the refresh lock of this tab and, where the
/// browser has the Web Locks API, of every tab of this origin. `None` if the
/// browser refused the lock before the work could run.
async fn exclusive<T: 'static>(work: impl Future<Output = T> + 'static) -> Option<T> {
    let mutex = IN_TAB.with(Rc::clone);
    let _in_tab = mutex.lock().await;
    if !has_web_locks() {
        return Some(work.await);
    }
    let (done, result) = futures::channel::oneshot::channel();
    let run = Closure::once_into_js(move || {
        wasm_bindgen_futures::future_to_promise(async move {
            let _ = done.send(work.await);
            Ok(JsValue::UNDEFINED)
        })
    });
    // The lock's promise settles after the work's, so its result is ready by
    // now, unless the request failed before running it.
    let _ = wasm_bindgen_futures::JsFuture::from(with_web_lock("auth-refresh", &run)).await;
    futures::FutureExt::now_or_never(result).and_then(Result::ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(n: u8) -> Tokens {
        Tokens {
            access_token: format!("a{n}"),
            refresh_token: format!("r{n}"),
        }
    }

    #[test]
    fn a_refused_call_refreshes_with_the_tokens_it_used() {
        let t = tokens(1);
        assert_eq!(recovery(Some(&t), Some(&t)), Recovery::Refresh("r1".into()));
    }

    #[test]
    fn a_call_that_lost_the_race_adopts_the_newer_tokens() {
        assert_eq!(
            recovery(Some(&tokens(1)), Some(&tokens(2))),
            Recovery::Adopt(tokens(2))
        );
        assert_eq!(recovery(None, Some(&tokens(2))), Recovery::Adopt(tokens(2)));
    }

    #[test]
    fn without_stored_tokens_the_session_is_over() {
        assert_eq!(recovery(Some(&tokens(1)), None), Recovery::SignOut);
        assert_eq!(recovery(None, None), Recovery::SignOut);
    }

    #[test]
    fn service_codes_map_to_errors_and_messages() {
        let conflict = ApiError::from_code("CONFLICT", Some("email".into()));
        assert_eq!(conflict.message_id(), "error-email-taken");
        assert_eq!(conflict.field(), Some("email"));
        assert_eq!(
            ApiError::from_code("RATE_LIMITED", None),
            ApiError::RateLimited
        );
        assert_eq!(ApiError::from_code("SOMETHING_NEW", None), ApiError::Server);
        assert_eq!(
            ApiError::InvalidCredentials.message_id(),
            "error-invalid-credentials"
        );
    }
}
